//! The HTTP call: one shared connection pool, bounded in time, never retried when that could
//! repeat an effect.

use std::time::Duration;

use reqwest::header::{ACCEPT, ACCEPT_CHARSET, CONTENT_TYPE, HeaderValue};

use crate::encode::{FormPairs, form_body};
use crate::envelope::{Answer, CallError, decode, decode_owned};
use crate::key::ApiKey;

/// The language Digistore24 should answer in (messages and `*_msg` labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// English.
    En,
    /// German.
    De,
}

impl Language {
    fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
        }
    }
}

/// How the client reaches Digistore24.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `https://www.digistore24.com/api/call`; the function name is appended.
    pub api_url: String,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for the whole call, including reading the answer.
    pub timeout: Duration,
    /// Answer language; `None` leaves it to the account's setting.
    pub language: Option<Language>,
    /// Functions for which `language` means more than the answer language, so it is never
    /// added to their calls: where it is their own filter (`statsMarketplace`: the
    /// marketplace's language) it would filter what the caller left open, and where it
    /// decides content (`createProduct`: the order form's language) it would override the
    /// account's own language.
    pub without_answer_language: Vec<&'static str>,
    /// Largest answer read, in bytes; reading stops beyond it.
    pub max_answer_bytes: usize,
    /// Memory the answers being read may take at once, all calls together, counted as
    /// [`MEMORY_PER_ANSWER_BYTE`] bytes per byte beyond the first [`UNCOUNTED_ANSWER_BYTES`] of
    /// each. Each answer is bounded by `max_answer_bytes`, but dozens of concurrent calls at
    /// that size would take far more memory than a pod has, and with it every tenant's calls in
    /// flight. One key may hold at most half of it, so that one tenant's large reads cannot
    /// refuse everyone else's.
    pub max_answer_memory: usize,
}

/// The part of each answer the memory budget does not count: every ordinary answer, and a
/// write's (which should not be refused once the write was sent), fits in it.
pub const UNCOUNTED_ANSWER_BYTES: usize = 64 << 10;

/// Memory an answer takes per byte while it is read and parsed: the body itself plus the parsed
/// JSON. As a `serde_json::Value` that measured 6.4 times the body for a page of 1,000 orders
/// (the field names and short values cost more as `Value`s than as text). A tool call now keeps
/// the body and its `Doc` (one node per value, not measured against this count), but reports,
/// cut answers and the rmcp path still build a `Value` from it, so the count stays the `Value`'s.
pub const MEMORY_PER_ANSWER_BYTE: usize = 8;

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            api_url: "https://www.digistore24.com/api/call".to_owned(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            language: Some(Language::En),
            without_answer_language: Vec::new(),
            max_answer_bytes: 8 << 20,
            max_answer_memory: 128 << 20,
        }
    }
}

/// Whether a failed call may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Once more when the connection failed before the request was sent. For reads only.
    OnConnectFailure,
    /// Never: anything that writes, charges or refunds.
    Never,
}

/// A Digistore24 API client. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: std::sync::Arc<ClientConfig>,
    /// The answer memory budget, in KiB, and what each key holds of it.
    answer_budget: std::sync::Arc<Budget>,
}

/// The answer memory budget (see [`ClientConfig::max_answer_memory`]).
#[derive(Debug)]
struct Budget {
    /// All keys together, in KiB.
    total: std::sync::Arc<tokio::sync::Semaphore>,
    /// Most KiB one key may hold.
    per_key: usize,
    /// KiB held per key (by a digest of the key, which is never kept), while held.
    held: std::sync::Mutex<std::collections::HashMap<[u8; 32], usize>>,
}

/// Why a client cannot be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The API URL does not parse.
    #[error("the API URL `{0}` is not a URL")]
    BadUrl(String),
    /// The API URL would send the key in clear text over the network.
    #[error(
        "the API URL `{0}` must use https:// (every request carries the API key); plain http:// is only allowed for a loopback address such as 127.0.0.1, [::1] or localhost"
    )]
    NotHttps(String),
    /// The HTTP stack could not be set up.
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// Checks that `api_url` keeps the key off the network in clear text: `https://`, or
/// `http://` to this machine (the sandbox, a local test double).
pub fn check_api_url(api_url: &str) -> Result<(), ConfigError> {
    let url = reqwest::Url::parse(api_url).map_err(|_| ConfigError::BadUrl(api_url.to_owned()))?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "http" | "https" if host.is_empty() => Err(ConfigError::BadUrl(api_url.to_owned())),
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(ConfigError::NotHttps(api_url.to_owned())),
    }
}

impl Client {
    /// Builds the client and its connection pool. The API URL must pass [`check_api_url`].
    pub fn new(config: ClientConfig) -> Result<Self, ConfigError> {
        check_api_url(&config.api_url)?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            // The key travels in a header: a redirect would carry it to another address,
            // and a 302/303 would turn a charge into a GET reported as success.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ds24-mcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::Build(e.to_string()))?;
        let kib = (config.max_answer_memory >> 10).min(tokio::sync::Semaphore::MAX_PERMITS);
        Ok(Self {
            http,
            config: std::sync::Arc::new(config),
            answer_budget: std::sync::Arc::new(Budget {
                total: std::sync::Arc::new(tokio::sync::Semaphore::new(kib)),
                per_key: kib / 2,
                held: std::sync::Mutex::new(std::collections::HashMap::new()),
            }),
        })
    }

    /// The configured base URL.
    pub fn api_url(&self) -> &str {
        &self.config.api_url
    }

    /// Calls `function` with form `params` and returns the answer (the envelope's `data`).
    pub async fn call(
        &self,
        function: &str,
        key: &ApiKey,
        params: &FormPairs,
        retry: Retry,
    ) -> Result<Answer, CallError> {
        match self.call_once(function, key, params).await {
            Err(e) if retry == Retry::OnConnectFailure && e.is_safe_to_retry() => {
                tracing::debug!(function, error = %e, "retrying read after connection failure");
                self.call_once(function, key, params).await
            }
            other => other,
        }
    }

    async fn call_once(
        &self,
        function: &str,
        key: &ApiKey,
        params: &FormPairs,
    ) -> Result<Answer, CallError> {
        let url = format!("{}/{}", self.config.api_url.trim_end_matches('/'), function);
        let mut pairs = params.clone();
        if let Some(lang) = self.config.language
            && !self.config.without_answer_language.contains(&function)
            && !pairs.iter().any(|(k, _)| k == "language")
        {
            pairs.push(("language".to_owned(), lang.code().to_owned()));
        }
        let key_header =
            HeaderValue::from_str(key.expose()).map_err(|_| CallError::UnsendableKey)?;
        let mut response = self
            .http
            .post(&url)
            .header("X-DS-API-KEY", key_header)
            .header(
                CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .header(ACCEPT, "application/json")
            .header(ACCEPT_CHARSET, "utf-8")
            .body(form_body(&pairs))
            .send()
            .await
            .map_err(|e| self.transport_error(function, e))?;
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            tracing::warn!(
                function,
                status,
                "Digistore24 answered with a redirect; not followed"
            );
            return Err(CallError::Redirect { status });
        }
        // Read at most the cap, as it streams in: a huge answer costs the cap, not its size.
        let limit = self.config.max_answer_bytes;
        let too_large = CallError::TooLarge { limit };
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(too_large);
        }
        // Held until the answer is decoded; a length announced up front is reserved at once,
        // so two large answers cannot each hold half the budget waiting for the rest.
        let mut held = Held::new(&self.answer_budget, key);
        held.cover(response.content_length().map_or(0, |len| len as usize))?;
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(function, e))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large);
            }
            held.cover(body.len() + chunk.len())?;
            body.extend_from_slice(&chunk);
        }
        // An error's text is Digistore24's (or a proxy's page): it goes to logs and to the
        // model. Should it repeat the key (a debug page echoing request headers, say), the key
        // is taken out before anything reads it; cut short in a snippet it would leave part of
        // itself, so the body is cleaned, not only the text. The text is cleaned as well: a
        // JSON body may spell the key with escapes (`\/`, `\u0053`) that decoding undoes.
        // The spellings a body may hold the key in as bytes: as sent, and with PHP's `\/`.
        let raw = key.expose();
        let escaped = raw.replace('/', "\\/");
        let mut decoded = match decode_owned(status, body) {
            Err((_, body))
                if contains(&body, raw.as_bytes()) || contains(&body, escaped.as_bytes()) =>
            {
                let body = without(&body, raw.as_bytes());
                decode(status, &without(&body, escaped.as_bytes()))
            }
            decoded => decoded.map_err(|(error, _)| error),
        };
        if let Err(error) = &mut decoded {
            error.redact_copies(raw, "<API key>");
        }
        decoded
    }

    /// Classifies a failed call. The details (which name the upstream URL and address) go to
    /// the log for the operator; the error a client sees says only what happened.
    fn transport_error(&self, function: &str, e: reqwest::Error) -> CallError {
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(inner) = source {
            detail.push_str(": ");
            detail.push_str(&inner.to_string());
            source = inner.source();
        }
        // A connect timeout is a connect failure: nothing was sent.
        let error = if e.is_connect() {
            CallError::Connect
        } else if e.is_timeout() {
            CallError::Timeout(self.config.timeout)
        } else if e.is_body() || e.is_decode() {
            CallError::BadResponse {
                status: e.status().map_or(0, |s| s.as_u16()),
                detail: "the answer broke off".to_owned(),
            }
        } else {
            CallError::Transport
        };
        tracing::warn!(function, error = %detail, "Digistore24 call failed");
        error
    }
}

/// The share of the answer memory budget one answer holds, returned when dropped.
struct Held<'c> {
    budget: &'c Budget,
    key: &'c ApiKey,
    /// The key's digest in [`Budget::held`], computed for the first counted byte only: most
    /// answers fit in the uncounted part and never need it.
    digest: Option<[u8; 32]>,
    permits: Vec<tokio::sync::OwnedSemaphorePermit>,
    kib: usize,
}

impl<'c> Held<'c> {
    fn new(budget: &'c Budget, key: &'c ApiKey) -> Self {
        Self {
            budget,
            key,
            digest: None,
            permits: Vec::new(),
            kib: 0,
        }
    }

    /// Holds enough for an answer of `bytes`, or refuses at once: waiting could leave several
    /// answers each holding part of the budget for the rest.
    fn cover(&mut self, bytes: usize) -> Result<(), CallError> {
        let kib = bytes
            .saturating_sub(UNCOUNTED_ANSWER_BYTES)
            .saturating_mul(MEMORY_PER_ANSWER_BYTE)
            .div_ceil(1024);
        if kib <= self.kib {
            return Ok(());
        }
        let more = kib - self.kib;
        let digest = *self
            .digest
            .get_or_insert_with(|| self.key.salted_digest(b"ds24-client answer budget"));
        let mut held = self
            .budget
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let by_key = held.get(&digest).copied().unwrap_or(0);
        if by_key.saturating_add(more) > self.budget.per_key {
            return Err(CallError::Crowded);
        }
        let permit = u32::try_from(more)
            .ok()
            .and_then(|n| {
                std::sync::Arc::clone(&self.budget.total)
                    .try_acquire_many_owned(n)
                    .ok()
            })
            .ok_or(CallError::Crowded)?;
        held.insert(digest, by_key + more);
        self.permits.push(permit);
        self.kib = kib;
        Ok(())
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let Some(digest) = self.digest.filter(|_| self.kib > 0) else {
            return;
        };
        let mut held = self
            .budget
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(by_key) = held.get_mut(&digest) {
            *by_key = by_key.saturating_sub(self.kib);
            if *by_key == 0 {
                held.remove(&digest);
            }
        }
    }
}

/// Whether `needle` occurs in `haystack` (only on the error path: no need for a fast search).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// `body` with every copy of `secret` replaced by `<API key>`.
fn without(body: &[u8], secret: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        if rest.starts_with(secret) {
            out.extend_from_slice(b"<API key>");
            rest = &rest[secret.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream (or a proxy's error page) that repeats the key in its error text: the
    /// error that reaches logs and the model carries `<API key>` instead, also where a
    /// snippet would cut the key short.
    #[tokio::test]
    async fn an_error_that_repeats_the_key_does_not_pass_it_on() {
        use axum::http::HeaderMap;
        let app = axum::Router::new()
            .route(
                "/api/call/envelope",
                axum::routing::post(|h: HeaderMap| async move {
                    let key = h["x-ds-api-key"].to_str().unwrap().to_owned();
                    format!(r#"{{"result":"error","code":2,"message":"Invalid API key '{key}'"}}"#)
                }),
            )
            .route(
                // PHP's `json_encode` writes `/` as `\/` and may write any character as
                // `\uXXXX`: the body then holds the key in another spelling, and decoding it
                // gives the raw key back in the message.
                "/api/call/escaped",
                axum::routing::post(|h: HeaderMap| async move {
                    let key = h["x-ds-api-key"].to_str().unwrap().replace('/', "\\/");
                    let key = key.replacen('S', "\\u0053", 1);
                    format!(r#"{{"result":"error","code":2,"message":"Invalid API key '{key}'"}}"#)
                }),
            )
            .route(
                // Review: an escaped key that straddles the point where a long message is cut
                // (1,000 characters), and one in a body that is not JSON (a PHP warning after
                // the envelope), where it is never decoded.
                "/api/call/straddle",
                axum::routing::post(|h: HeaderMap| async move {
                    let key = h["x-ds-api-key"].to_str().unwrap().replace('/', "\\/");
                    let key = key.replacen('S', "\\u0053", 1);
                    let pad = "x".repeat(980);
                    format!(r#"{{"result":"error","code":2,"message":"{pad}{key}"}}"#)
                }),
            )
            .route(
                "/api/call/warning",
                axum::routing::post(|h: HeaderMap| async move {
                    let key = h["x-ds-api-key"].to_str().unwrap().replace('/', "\\/");
                    format!(
                        r#"{{"result":"error","code":2,"message":"Invalid API key '{key}'"}}<b>Warning</b>"#
                    )
                }),
            )
            .route(
                "/api/call/page",
                axum::routing::post(|h: HeaderMap| async move {
                    let key = h["x-ds-api-key"].to_str().unwrap().to_owned();
                    let pad = "x".repeat(130);
                    (
                        axum::http::StatusCode::BAD_GATEWAY,
                        format!("<html>{pad} X-DS-API-KEY: {key}</html>"),
                    )
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = Client::new(ClientConfig {
            api_url: format!("http://{addr}/api/call"),
            ..ClientConfig::default()
        })
        .unwrap();
        let key = ApiKey::new("12345-SECRETKEY/abcdefghijklmnop").unwrap();
        for function in ["envelope", "escaped", "straddle", "warning", "page"] {
            let e = client
                .call(function, &key, &FormPairs::new(), Retry::Never)
                .await
                .unwrap_err();
            let text = format!("{e} {e:?}");
            assert!(!text.contains("SECRET"), "{function}: {text}");
        }
        let e = client
            .call("envelope", &key, &FormPairs::new(), Retry::Never)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("Invalid API key '<API key>'"), "{e}");
    }

    /// Code review 2 and diff review 2-3: answers were bounded one by one, never together, then
    /// together by their bytes only (a parsed answer takes several times its body), and one key
    /// could take the whole budget. Now: 8 bytes of memory per byte beyond the first 64 KiB of
    /// each answer, at most half of the budget per key, returned when each call ends.
    #[tokio::test]
    async fn answers_share_one_memory_budget_and_no_key_takes_it_all() {
        fn envelope(bytes: usize) -> String {
            format!(
                r#"{{"result":"success","data":{{"pad":"{}"}}}}"#,
                "x".repeat(bytes)
            )
        }
        let app = axum::Router::new()
            .route(
                "/api/call/small",
                axum::routing::post(|| async { envelope(60 << 10) }),
            )
            .route(
                "/api/call/medium",
                axum::routing::post(|| async { envelope(150 << 10) }),
            )
            .route(
                "/api/call/large",
                axum::routing::post(|| async { envelope(300 << 10) }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        // 2 MiB of memory: 1 MiB per key, 128 KiB of body beyond the uncounted 64 KiB.
        let client = Client::new(ClientConfig {
            api_url: format!("http://{addr}/api/call"),
            max_answer_bytes: 1 << 20,
            max_answer_memory: 2 << 20,
            ..ClientConfig::default()
        })
        .unwrap();
        let a = ApiKey::new("key-a").unwrap();
        let b = ApiKey::new("key-b").unwrap();
        let none = FormPairs::new();
        let call = |f: &'static str, key: &ApiKey| {
            let key = key.clone();
            let client = client.clone();
            let none = none.clone();
            async move { client.call(f, &key, &none, Retry::Never).await }
        };
        // 300 KiB: (300 - 64) * 8 KiB is more than one key's half.
        let e = call("large", &a).await.unwrap_err();
        assert!(matches!(e, CallError::Crowded), "{e}");
        for _ in 0..3 {
            assert!(call("medium", &a).await.is_ok(), "returned after each call");
        }
        // Key A holding its half refuses A's next large read, not B's.
        let mut a_reading = Held::new(&client.answer_budget, &a);
        a_reading
            .cover(UNCOUNTED_ANSWER_BYTES + (128 << 10))
            .unwrap();
        let e = call("medium", &a).await.unwrap_err();
        assert!(matches!(e, CallError::Crowded), "{e}");
        assert!(
            call("medium", &b).await.is_ok(),
            "another key keeps its share"
        );
        assert!(
            call("small", &a).await.is_ok(),
            "ordinary answers are never counted"
        );
        drop(a_reading);
        assert!(call("medium", &a).await.is_ok());
        // All keys together: with most of the budget taken, a medium read is refused.
        let taken = client
            .answer_budget
            .total
            .clone()
            .try_acquire_many_owned(1_500)
            .unwrap();
        let e = call("medium", &b).await.unwrap_err();
        assert!(matches!(e, CallError::Crowded), "{e}");
        drop(taken);
        assert!(call("medium", &b).await.is_ok());
        assert!(
            client.answer_budget.held.lock().unwrap().is_empty(),
            "nothing left held"
        );
    }

    #[test]
    fn the_key_only_travels_over_https_or_to_this_machine() {
        for ok in [
            "https://www.digistore24.com/api/call",
            "http://127.0.0.1:8788/api/call",
            "http://127.1.2.3/api/call",
            "http://localhost/api/call",
            "http://[::1]:9/api/call",
        ] {
            assert!(check_api_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://www.digistore24.com/api/call",
            "http://10.0.0.1/api/call",
            "http://localhost.evil.example/api/call",
            "ftp://127.0.0.1/api/call",
            "file:///etc/passwd",
            "127.0.0.1:8788/api/call",
            "",
        ] {
            assert!(check_api_url(bad).is_err(), "{bad}");
        }
    }
}
