//! The one thing the pipeline needs from Digistore24: call a function with form pairs.
//!
//! Behind a small trait so the pipeline can be exercised in-process (a test double records the
//! calls) while the binary-level tests keep driving the real client against the sandbox.

use std::future::Future;
use std::pin::Pin;

use ds24_client::{ApiKey, CallError, Client, FormPairs, Retry};
use serde_json::Value;

/// A boxed future of an upstream answer.
pub type UpstreamFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, CallError>> + Send + 'a>>;

/// Somewhere Digistore24 calls go.
pub trait Upstream: Send + Sync + 'static {
    /// Calls `function` with the encoded `form` under `key`; returns the envelope's `data`.
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
        Box::pin(async move { Client::call(self, function, key, &form, retry).await })
    }
}
