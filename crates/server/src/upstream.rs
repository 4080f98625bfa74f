//! The one thing the pipeline needs from Digistore24: call a function with form pairs.
//!
//! Behind a small trait so the pipeline can be exercised in-process (a test double records the
//! calls) while the binary-level tests keep driving the real client against the sandbox.

use std::future::Future;
use std::pin::Pin;

use ds24_client::{Answer, ApiKey, CallError, Client, FormPairs, Retry};

/// A boxed future of an upstream answer.
pub type UpstreamFuture<'a> = Pin<Box<dyn Future<Output = Result<Answer, CallError>> + Send + 'a>>;

/// Somewhere Digistore24 calls go.
pub trait Upstream: Send + Sync + 'static {
    /// Calls `function` with the encoded `form` under `key`; returns the answer (the envelope's `data`).
    fn call<'a>(
        &'a self,
        function: &'static str,
        key: &'a ApiKey,
        form: FormPairs,
        retry: Retry,
    ) -> UpstreamFuture<'a>;
}

impl Upstream for Client {
    fn call<'a>(
        &'a self,
        function: &'static str,
        key: &'a ApiKey,
        form: FormPairs,
        retry: Retry,
    ) -> UpstreamFuture<'a> {
        Box::pin(async move {
            // Timed here, where every call passes: a report's pages and clock reading are
            // timed as the Digistore24 functions they are, not as one call of the report.
            let started = std::time::Instant::now();
            let mut outcome = Client::call(self, function, key, &form, retry).await;
            crate::telemetry::upstream_latency(function, started.elapsed());
            if let Err(error) = &mut outcome {
                redact_secrets(error, function, &form);
            }
            outcome
        })
    }
}

/// Digistore24 repeats what it was sent in its error messages ("API key request 'X' not
/// found"). The values of parameters the catalog marks secret are masked (`<token>`) before
/// the error goes anywhere: a log line, a tool result, the OAuth flow's page. Here, where every
/// call passes, tool calls and the server's own calls (the OAuth flows) alike. Values under 4
/// characters stay (a numeric `upgrade_id` is no secret, and replacing "1" everywhere would
/// garble the message).
fn redact_secrets(error: &mut CallError, function: &str, form: &FormPairs) {
    let Some(f) = ds24_catalog::get(function) else {
        return;
    };
    for p in f.params.iter().filter(|p| p.secret) {
        for (_, value) in form.iter().filter(|(name, _)| name == p.name) {
            if value.chars().count() >= 4 {
                error.redact(value, &format!("<{}>", p.name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ds24_client::{ApiKey, CallError, Client, ClientConfig, Retry};

    use super::Upstream;

    /// Code review 1: the OAuth flow calls `retrieveApiKey` itself, outside the tool pipeline,
    /// and logged and showed Digistore24's error with the request token in it.
    #[tokio::test]
    async fn every_call_masks_the_secrets_digistore24_repeats() {
        let mut options = ds24_sandbox::SandboxOptions::in_memory();
        options.keys.push(ds24_sandbox::KeySpec::new(
            "sandbox-developer",
            ds24_sandbox::KeyPermission::Developer,
        ));
        let sandbox = ds24_sandbox::start(options, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let client = Client::new(ClientConfig {
            api_url: sandbox.api_url(),
            ..ClientConfig::default()
        })
        .unwrap();
        let up: &dyn Upstream = &client;
        let token = "REQTOKEN-0123456789abcdef";
        let key = ApiKey::new("sandbox-developer").unwrap();
        let error = up
            .call(
                "retrieveApiKey",
                &key,
                vec![("token".to_owned(), token.to_owned())],
                Retry::Never,
            )
            .await
            .unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, CallError::Api { .. }), "{text}");
        assert!(!text.contains("0123456789abcdef"), "{text}");
        assert!(text.contains("<token>"), "{text}");
        sandbox.shutdown().await;
    }
}
