//! The HTTP call: one shared connection pool, bounded in time, never retried when that could
//! repeat an effect.

use std::time::Duration;

use reqwest::header::{ACCEPT, ACCEPT_CHARSET, CONTENT_TYPE, HeaderValue};
use serde_json::Value;

use crate::encode::{FormPairs, to_body};
use crate::envelope::{CallError, decode};
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
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            api_url: "https://www.digistore24.com/api/call".to_owned(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            language: Some(Language::En),
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
}

impl Client {
    /// Builds the client and its connection pool.
    pub fn new(config: ClientConfig) -> Result<Self, CallError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("ds24-mcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CallError::Connect(format!("cannot build HTTP client: {e}")))?;
        Ok(Self {
            http,
            config: std::sync::Arc::new(config),
        })
    }

    /// The configured base URL.
    pub fn api_url(&self) -> &str {
        &self.config.api_url
    }

    /// Calls `function` with form `params` and returns the envelope's `data`.
    pub async fn call(
        &self,
        function: &str,
        key: &ApiKey,
        params: &FormPairs,
        retry: Retry,
    ) -> Result<Value, CallError> {
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
    ) -> Result<Value, CallError> {
        let url = format!("{}/{}", self.config.api_url.trim_end_matches('/'), function);
        let mut pairs = params.clone();
        if let Some(lang) = self.config.language
            && !pairs.iter().any(|(k, _)| k == "language")
        {
            pairs.push(("language".to_owned(), lang.code().to_owned()));
        }
        let key_header = HeaderValue::from_str(key.expose()).map_err(|_| {
            CallError::Connect(
                "the API key contains characters that cannot be sent in a header".to_owned(),
            )
        })?;
        let response = self
            .http
            .post(&url)
            .header("X-DS-API-KEY", key_header)
            .header(
                CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .header(ACCEPT, "application/json")
            .header(ACCEPT_CHARSET, "utf-8")
            .body(to_body(&pairs))
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        decode(status, &body)
    }

    fn transport_error(&self, e: reqwest::Error) -> CallError {
        if e.is_timeout() {
            return CallError::Timeout(self.config.timeout);
        }
        // reqwest's messages name the URL, which never contains the key (it travels in a header).
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(inner) = source {
            detail.push_str(": ");
            detail.push_str(&inner.to_string());
            source = inner.source();
        }
        if e.is_body() || e.is_decode() {
            return CallError::BadResponse {
                status: e.status().map_or(0, |s| s.as_u16()),
                detail,
            };
        }
        if e.is_connect() {
            CallError::Connect(detail)
        } else {
            CallError::Transport(detail)
        }
    }
}
