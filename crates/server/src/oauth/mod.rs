//! OAuth 2.1 in front of the MCP endpoint, for clients that cannot send an API key header:
//! claude.ai and ChatGPT connectors and other browser-based clients only speak the MCP
//! authorization spec (2025-11-25, 2026-07-28).
//!
//! ds24-mcp is its own authorization server, and a stateless one. The parts, in the order a
//! client meets them:
//! - [`metadata`]: Protected Resource Metadata (RFC 9728) for every MCP path, Authorization
//!   Server Metadata (RFC 8414) and the `WWW-Authenticate` challenge that points to them;
//! - [`register`]: who a client is, by Dynamic Client Registration (RFC 7591; the client id is
//!   the sealed registration, so nothing is stored) or by a Client ID Metadata Document (the
//!   client id is an https URL the server fetches);
//! - [`authorize`]: the consent page, where the vendor connects a Digistore24 key in one of two
//!   ways (Connect with Digistore24, or paste a key, checked with Digistore24 first) and the
//!   browser returns to the client with a code;
//! - [`connect`]: Connect with Digistore24, the trip to Digistore24's approval page
//!   (`requestApiKey`) and back (`retrieveApiKey`), bound to the browser that started it and
//!   confirmed on this server's page;
//! - [`token`]: the token endpoint (authorization code with PKCE S256, refresh with rotation);
//! - [`tokens`]: the sealed values themselves; each carries the Digistore24 key, the access
//!   level, the client, the audience and the expiry, so any replica can serve it;
//! - [`ledger`]: the only memory, per replica: single use of codes, refresh tokens and
//!   Connect flows;
//! - `guard`: bounds on what anonymous browsers can make the server do (key checks,
//!   developer-key calls);
//! - [`digistore`]: the Digistore24 calls the consent needs; [`pages`]: the HTML.
//!
//! The HTTP front door mounts [`OAuth::router`] and turns a valid access token into the same
//! [`RequestContext`](crate::context::RequestContext) a plain API key gives, with
//! [`OAuth::verify`].

mod access;
pub mod audience;
pub mod authorize;
pub mod connect;
pub mod digistore;
mod flow;
mod guard;
pub mod ledger;
pub mod metadata;
pub mod pages;
pub mod register;
pub mod token;
pub mod tokens;
mod web;
pub use web::ClientAddress;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::{get, post};
use ds24_client::ApiKey;

use crate::seal::StateSecret;
use crate::upstream::Upstream;

pub use tokens::{Access, TokenProblem, VerifiedToken};

/// Which credentials the MCP endpoint accepts (`--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    /// `Authorization: Bearer <Digistore24 API key>` only.
    Key,
    /// OAuth access tokens only.
    Oauth,
    /// Both: tokens are told apart from keys by their prefix.
    Both,
}

impl AuthMode {
    /// Whether plain Digistore24 API keys are accepted as bearer credentials.
    pub fn accepts_keys(self) -> bool {
        matches!(self, Self::Key | Self::Both)
    }

    /// Whether the authorization server runs.
    pub fn oauth(self) -> bool {
        matches!(self, Self::Oauth | Self::Both)
    }
}

/// The server's public base URL (`--public-url`): the OAuth issuer, and the origin of every
/// resource identifier, redirect and metadata URL. An origin only, so the well-known paths of
/// RFC 8414 and RFC 9728 sit where clients look for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    origin: String,
    host: String,
    local: bool,
}

/// Why a `--public-url` value was refused.
#[derive(Debug, thiserror::Error)]
pub enum PublicUrlError {
    /// Not an absolute URL.
    #[error("--public-url `{0}` is not an absolute URL such as https://mcp.example.com")]
    NotAUrl(String),
    /// Plain http on a host that is not this machine.
    #[error(
        "--public-url must use https (plain http is allowed only for localhost, 127.0.0.1 and [::1]); got `{0}`"
    )]
    NotHttps(String),
    /// Something after the origin.
    #[error(
        "--public-url must be an origin without path, query or credentials (e.g. https://mcp.example.com); got `{0}`"
    )]
    NotAnOrigin(String),
}

impl PublicUrl {
    /// Parses and checks a public URL: https (http only on loopback), origin only.
    pub fn parse(text: &str) -> Result<Self, PublicUrlError> {
        let url = url::Url::parse(text.trim()).map_err(|_| PublicUrlError::NotAUrl(text.into()))?;
        let host = url
            .host_str()
            .ok_or_else(|| PublicUrlError::NotAUrl(text.into()))?
            .to_owned();
        let local = is_loopback_host(&host);
        match url.scheme() {
            "https" => {}
            "http" if local => {}
            "http" => return Err(PublicUrlError::NotHttps(text.into())),
            _ => return Err(PublicUrlError::NotAUrl(text.into())),
        }
        if !matches!(url.path(), "" | "/")
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(PublicUrlError::NotAnOrigin(text.into()));
        }
        Ok(Self {
            origin: url.origin().ascii_serialization(),
            host: host.trim_matches(['[', ']']).to_owned(),
            local: local && url.scheme() == "http",
        })
    }

    /// `scheme://host[:port]`, without a trailing slash: the issuer identifier.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The host name, for the Host allowlist.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether this is a plain-http deployment on this machine (the sandbox quick start),
    /// which relaxes what "public" means for client metadata documents.
    pub fn is_local(&self) -> bool {
        self.local
    }

    /// An absolute URL on this server.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Whether cookies must be `Secure`.
    fn https(&self) -> bool {
        self.origin.starts_with("https://")
    }
}

/// Whether a URL host names this machine.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_matches(['[', ']']);
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The authorization endpoint.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
/// Where Digistore24's approval page sends the vendor back.
pub const CALLBACK_PATH: &str = "/oauth/callback";
/// The token endpoint.
pub const TOKEN_PATH: &str = "/oauth/token";

/// The longest `--access-token-ttl`: a day. Access tokens cannot be revoked one by one, so
/// their lifetime bounds what a leaked one can do.
pub const MAX_ACCESS_TTL: u64 = 24 * 3600;
/// The longest `--refresh-token-ttl`: 366 days (each refresh starts a new period).
pub const MAX_REFRESH_TTL: u64 = 366 * 24 * 3600;

/// How long sealed values live.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// Access tokens (`--access-token-ttl`).
    pub access: Duration,
    /// Refresh tokens (`--refresh-token-ttl`); each rotation starts a new period.
    pub refresh: Duration,
    /// Authorization codes: only the time a client needs to redeem one.
    pub code: Duration,
    /// A consent page, and a trip to Digistore24's approval page and back.
    pub consent: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            access: Duration::from_secs(3600),
            refresh: Duration::from_secs(30 * 24 * 3600),
            code: Duration::from_secs(120),
            consent: Duration::from_secs(30 * 60),
        }
    }
}

/// What the authorization server is configured with.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// The server's public URL.
    pub public_url: PublicUrl,
    /// The operator's Digistore24 developer key, for "Connect with Digistore24".
    pub developer_key: Option<ApiKey>,
    /// Lifetimes of codes and tokens.
    pub lifetimes: Lifetimes,
}

/// The authorization server: settings, sealers, the replay ledger and the upstream it asks.
pub struct OAuth {
    public: PublicUrl,
    developer_key: Option<ApiKey>,
    lifetimes: Lifetimes,
    seals: tokens::Seals,
    secret: StateSecret,
    ledger: ledger::Ledger,
    upstream: Arc<dyn Upstream>,
    clients: register::ClientResolver,
    guards: guard::Guards,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("issuer", &self.public.origin)
            .finish_non_exhaustive()
    }
}

impl OAuth {
    /// Builds the authorization server. `upstream` is where key checks and the interactive key
    /// flow go (the same Digistore24, or sandbox, that tool calls use).
    pub fn new(
        settings: OAuthSettings,
        secret: &StateSecret,
        upstream: Arc<dyn Upstream>,
    ) -> Result<Self, register::ResolverError> {
        Ok(Self {
            clients: register::ClientResolver::new(settings.public_url.is_local())?,
            seals: tokens::Seals::new(secret),
            secret: secret.clone(),
            public: settings.public_url,
            developer_key: settings.developer_key,
            lifetimes: settings.lifetimes,
            ledger: ledger::Ledger::new(ledger::DEFAULT_CAPACITY),
            upstream,
            guards: guard::Guards::new(),
        })
    }

    /// The issuer identifier (the public URL's origin).
    pub fn issuer(&self) -> &str {
        self.public.origin()
    }

    /// The public URL.
    pub fn public_url(&self) -> &PublicUrl {
        &self.public
    }

    /// Whether "Connect with Digistore24" is offered.
    pub fn can_connect(&self) -> bool {
        self.developer_key.is_some()
    }

    /// The routes: well-known metadata, registration, the consent page, its callback from
    /// Digistore24, and the token endpoint.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(
                metadata::AUTHORIZATION_SERVER_PATH,
                get(metadata::authorization_server),
            )
            .route(
                metadata::PROTECTED_RESOURCE_PATH,
                get(metadata::protected_resource),
            )
            .route(
                &format!("{}/{{*path}}", metadata::PROTECTED_RESOURCE_PATH),
                get(metadata::protected_resource_for_path),
            )
            .route(register::PATH, post(register::register))
            .route(AUTHORIZE_PATH, get(authorize::show).post(authorize::decide))
            .route(CALLBACK_PATH, get(connect::callback).post(connect::finish))
            .route(TOKEN_PATH, post(token::token))
            // Every OAuth request is small: forms and registrations of a few KB.
            .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
            .layer(axum::middleware::from_fn(web::cors))
            .with_state(self)
    }

    /// Checks an access token presented to the MCP endpoint.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenProblem> {
        tokens::verify_access(self, token)
    }

    /// The `WWW-Authenticate` value for a 401 on `path`, naming the metadata to discover.
    pub fn challenge(&self, path: &str, problem: Option<&TokenProblem>) -> String {
        metadata::challenge(self, path, problem)
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `n` random bytes as URL-safe text.
pub(crate) fn random_id(n: usize) -> String {
    use base64::Engine as _;
    let mut bytes = vec![0u8; n];
    if let Err(e) = getrandom::fill(&mut bytes) {
        // Without randomness nothing here is safe; the sealer fails the same way next, and
        // the request gets an error instead of a predictable id.
        tracing::error!(error = %e, "no randomness for an OAuth id");
        return String::new();
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_rules() {
        let local = PublicUrl::parse("http://localhost:8787/").unwrap();
        assert_eq!(local.origin(), "http://localhost:8787");
        assert!(local.is_local());
        assert_eq!(local.host(), "localhost");
        let public = PublicUrl::parse("https://MCP.Example.com").unwrap();
        assert_eq!(public.origin(), "https://mcp.example.com");
        assert!(!public.is_local());
        assert_eq!(
            PublicUrl::parse("https://mcp.example.com:443")
                .unwrap()
                .origin(),
            "https://mcp.example.com"
        );
        assert_eq!(
            PublicUrl::parse("http://[::1]:9").unwrap().host(),
            "::1",
            "brackets are not part of the Host allowlist entry"
        );
        assert!(matches!(
            PublicUrl::parse("http://mcp.example.com"),
            Err(PublicUrlError::NotHttps(_))
        ));
        for bad in [
            "https://x.example/mcp",
            "https://x.example/?a=1",
            "https://u:p@x.example",
        ] {
            assert!(
                matches!(PublicUrl::parse(bad), Err(PublicUrlError::NotAnOrigin(_))),
                "{bad}"
            );
        }
        assert!(PublicUrl::parse("mcp.example.com").is_err());
        assert!(PublicUrl::parse("ftp://x.example").is_err());
    }
}
