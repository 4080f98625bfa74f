//! Who a client is: Dynamic Client Registration (RFC 7591) and Client ID Metadata Documents.
//!
//! Registration is stateless: the client id handed out is the registration itself (name,
//! redirect URIs, token-endpoint authentication), sealed, behind the prefix `ds24c_`. Any
//! replica can read it back and nothing is stored, so registering cannot fill the server up.
//! Clients that registered for `client_secret_post`/`client_secret_basic` get a secret derived
//! from the state secret and the client id, which is checked the same way.
//!
//! A client id that is an https URL is a Client ID Metadata Document (the MCP 2025-11-25
//! preferred way): the server fetches it (bounded in size and time, no redirects, only public
//! addresses) and reads the name and redirect URIs from it. A deployment on plain
//! `http://localhost` (the sandbox quick start) also accepts documents on loopback http URLs,
//! so the flow can be tried offline; a public deployment never fetches from private addresses.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::OAuth;

/// The registration endpoint.
pub const PATH: &str = "/oauth/register";
/// Prefix of client ids issued by registration.
pub const CLIENT_PREFIX: &str = "ds24c_";
/// Token-endpoint authentication methods supported.
pub const AUTH_METHODS: [&str; 3] = ["none", "client_secret_post", "client_secret_basic"];

const MAX_REDIRECT_URIS: usize = 10;
const MAX_REDIRECT_URI_LEN: usize = 1000;
const MAX_REDIRECT_URIS_TOTAL: usize = 2000;
const MAX_NAME_CHARS: usize = 100;
const MAX_REGISTRATION_BYTES: usize = 16 * 1024;
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
const DOCUMENT_CACHE_TTL: Duration = Duration::from_secs(300);
const DOCUMENT_CACHE_ENTRIES: usize = 1000;

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A public client: PKCE only.
    None,
    /// `client_secret` in the form body.
    ClientSecretPost,
    /// HTTP Basic with the client id and secret.
    ClientSecretBasic,
}

impl AuthMethod {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "none" => Some(Self::None),
            "client_secret_post" => Some(Self::ClientSecretPost),
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
        }
    }
}

/// What the server knows of a client, however it learnt it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientInfo {
    /// Display name (from the client; shown as the client's own claim).
    pub name: String,
    /// Redirect URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// Token-endpoint authentication.
    pub auth: AuthMethod,
    /// For a metadata document, the host that vouches for it (the client id's host); `None`
    /// for a self-registered client, whose name nobody vouches for.
    #[serde(skip)]
    pub verified_host: Option<String>,
}

impl ClientInfo {
    /// The registered redirect URI that `requested` names: exact match, except that a
    /// loopback IP redirect may use any port (RFC 8252 §7.3, OAuth 2.1 §8.4.2: native apps
    /// pick a free port when they start). Without `requested`, the only registered one.
    pub fn redirect_uri(&self, requested: Option<&str>) -> Option<String> {
        let Some(requested) = requested else {
            return match self.redirect_uris.as_slice() {
                [only] => Some(only.clone()),
                _ => None,
            };
        };
        if self.redirect_uris.iter().any(|r| r == requested) {
            return Some(requested.to_owned());
        }
        let req = url::Url::parse(requested).ok()?;
        let loopback_ip = |u: &url::Url| {
            u.scheme() == "http"
                && matches!(u.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
                || u.scheme() == "http"
                    && matches!(u.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
        };
        if !loopback_ip(&req) {
            return None;
        }
        self.redirect_uris.iter().find_map(|r| {
            let mut reg = url::Url::parse(r).ok()?;
            if !loopback_ip(&reg) {
                return None;
            }
            reg.set_port(req.port()).ok()?;
            (reg.as_str() == req.as_str()).then(|| requested.to_owned())
        })
    }
}

/// Why a client could not be identified.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Neither a registration of this server nor a metadata document URL.
    #[error(
        "unknown client: the client_id was not issued by this server's registration endpoint (or by another deployment) and is not an https metadata document URL"
    )]
    Unknown,
    /// The metadata document could not be used.
    #[error("the client metadata document {url} cannot be used: {problem}")]
    Document {
        /// The client id.
        url: String,
        /// What went wrong.
        problem: String,
    },
}

/// Why the resolver could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client for client metadata documents: {0}")]
pub struct ResolverError(String);

/// Resolves client ids: opens registrations, fetches (and briefly caches) metadata documents.
pub struct ClientResolver {
    http: reqwest::Client,
    allow_loopback: bool,
    cache: Mutex<HashMap<String, (Instant, ClientInfo)>>,
}

impl ClientResolver {
    /// A resolver; `allow_loopback` for a plain-http deployment on this machine.
    pub fn new(allow_loopback: bool) -> Result<Self, ResolverError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(5))
            .user_agent(concat!("ds24-mcp/", env!("CARGO_PKG_VERSION")));
        if !allow_loopback {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        Ok(Self {
            http: builder.build().map_err(|e| ResolverError(e.to_string()))?,
            allow_loopback,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Who `client_id` is.
    pub async fn resolve(&self, o: &OAuth, client_id: &str) -> Result<ClientInfo, ClientError> {
        if let Some(sealed) = client_id.strip_prefix(CLIENT_PREFIX) {
            return o
                .seals
                .client
                .open::<ClientInfo>(sealed)
                .map_err(|_| ClientError::Unknown);
        }
        if client_id.starts_with("https://") || client_id.starts_with("http://") {
            return self.document(client_id).await;
        }
        Err(ClientError::Unknown)
    }

    /// How `client_id` authenticates at the token endpoint, without fetching anything: a
    /// registration says so itself, and a metadata-document client is always public (the
    /// authorization endpoint refused any document that said otherwise).
    pub fn token_auth(&self, o: &OAuth, client_id: &str) -> Result<AuthMethod, ClientError> {
        if let Some(sealed) = client_id.strip_prefix(CLIENT_PREFIX) {
            return o
                .seals
                .client
                .open::<ClientInfo>(sealed)
                .map(|info| info.auth)
                .map_err(|_| ClientError::Unknown);
        }
        match document_url(client_id, self.allow_loopback) {
            Ok(_) => Ok(AuthMethod::None),
            Err(problem) => Err(ClientError::Document {
                url: client_id.to_owned(),
                problem,
            }),
        }
    }

    async fn document(&self, client_id: &str) -> Result<ClientInfo, ClientError> {
        let problem = |p: String| ClientError::Document {
            url: client_id.to_owned(),
            problem: p,
        };
        let url = document_url(client_id, self.allow_loopback).map_err(problem)?;
        if let Some(info) = self.cached(client_id) {
            return Ok(info);
        }
        let response = self
            .http
            .get(url.clone())
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| problem(format!("fetching it failed ({e})")))?;
        if !response.status().is_success() {
            return Err(problem(format!("it answered HTTP {}", response.status())));
        }
        let body = read_limited(response, MAX_DOCUMENT_BYTES)
            .await
            .map_err(problem)?;
        let doc: Value =
            serde_json::from_slice(&body).map_err(|e| problem(format!("it is not JSON ({e})")))?;
        if doc.get("client_id").and_then(Value::as_str) != Some(client_id) {
            return Err(problem(
                "its client_id is not the URL it was fetched from".into(),
            ));
        }
        let metadata = ClientMetadata::read(&doc).map_err(problem)?;
        if metadata.auth != AuthMethod::None {
            return Err(problem(
                "a metadata-document client must use token_endpoint_auth_method `none` (this server cannot verify its keys)".into(),
            ));
        }
        let info = ClientInfo {
            name: metadata
                .name
                .unwrap_or_else(|| url.host_str().unwrap_or("?").to_owned()),
            redirect_uris: metadata.redirect_uris,
            auth: AuthMethod::None,
            verified_host: url.host_str().map(str::to_owned),
        };
        self.remember(client_id, &info);
        Ok(info)
    }

    fn cached(&self, client_id: &str) -> Option<ClientInfo> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let (at, info) = cache.get(client_id)?;
        (at.elapsed() < DOCUMENT_CACHE_TTL).then(|| info.clone())
    }

    fn remember(&self, client_id: &str, info: &ClientInfo) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= DOCUMENT_CACHE_ENTRIES {
            cache.retain(|_, (at, _)| at.elapsed() < DOCUMENT_CACHE_TTL);
            if cache.len() >= DOCUMENT_CACHE_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(client_id.to_owned(), (Instant::now(), info.clone()));
    }
}

/// A metadata document URL: https with a path (http only on loopback for a local deployment),
/// no credentials, fragment or dot segments, and no private address literal.
fn document_url(client_id: &str, allow_loopback: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(client_id).map_err(|_| "it is not a URL".to_owned())?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let local = super::is_loopback_host(&host);
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && local && allow_loopback);
    if !scheme_ok {
        return Err("a client id URL must use https".into());
    }
    if url.as_str() != client_id {
        return Err("the URL is not in normal form (dot segments, case or escapes)".into());
    }
    if matches!(url.path(), "" | "/") || url.fragment().is_some() || !url.username().is_empty() {
        return Err("a client id URL needs a path and no fragment or credentials".into());
    }
    if !allow_loopback {
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if literal.is_some_and(|ip| !is_public(ip)) || local {
            return Err("the host is not a public address".into());
        }
    }
    Ok(url)
}

async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("reading it failed ({e})"))?
    {
        if body.len() + chunk.len() > limit {
            return Err(format!("it is larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Resolves names to public addresses only, so a metadata document URL cannot make the server
/// fetch from its own network.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether an address is on the public internet (not loopback, private, link-local, shared,
/// documentation, multicast or unspecified).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Client metadata as sent to the registration endpoint or published in a document.
struct ClientMetadata {
    name: Option<String>,
    redirect_uris: Vec<String>,
    auth: AuthMethod,
}

impl ClientMetadata {
    fn read(doc: &Value) -> Result<Self, String> {
        let redirect_uris: Vec<String> = match doc.get("redirect_uris") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| "redirect_uris must be strings".to_owned())
                })
                .collect::<Result<_, _>>()?,
            _ => return Err("redirect_uris must list at least one URI".into()),
        };
        if redirect_uris.len() > MAX_REDIRECT_URIS {
            return Err(format!("at most {MAX_REDIRECT_URIS} redirect_uris"));
        }
        if redirect_uris.iter().map(String::len).sum::<usize>() > MAX_REDIRECT_URIS_TOTAL {
            return Err(format!(
                "the redirect_uris are longer than {MAX_REDIRECT_URIS_TOTAL} characters together"
            ));
        }
        for uri in &redirect_uris {
            check_redirect_uri(uri)?;
        }
        let auth = match doc.get("token_endpoint_auth_method") {
            None | Some(Value::Null) => AuthMethod::ClientSecretBasic,
            Some(Value::String(m)) => AuthMethod::parse(m).ok_or_else(|| {
                format!(
                    "token_endpoint_auth_method `{m}` is not supported; use one of {}",
                    AUTH_METHODS.join(", ")
                )
            })?,
            Some(_) => return Err("token_endpoint_auth_method must be a string".into()),
        };
        if let Some(types) = doc.get("grant_types") {
            let types: Vec<&str> = types
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if !types.contains(&"authorization_code") {
                return Err("grant_types must include authorization_code".into());
            }
        }
        if let Some(types) = doc.get("response_types") {
            let ok = types
                .as_array()
                .is_some_and(|a| a.iter().any(|t| t.as_str() == Some("code")));
            if !ok {
                return Err("response_types must include code".into());
            }
        }
        let name = match doc.get("client_name") {
            None | Some(Value::Null) => None,
            Some(Value::String(n)) => Some(clean_name(n)).filter(|n| !n.is_empty()),
            Some(_) => return Err("client_name must be a string".into()),
        };
        Ok(Self {
            name,
            redirect_uris,
            auth,
        })
    }
}

/// A display name: no control characters, at most [`MAX_NAME_CHARS`] characters.
fn clean_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    trimmed.chars().take(MAX_NAME_CHARS).collect()
}

/// A redirect URI a client may register: absolute, no fragment; https anywhere, http only to
/// this machine (native apps), or an app's own scheme; never a scheme a browser would run.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return Err(format!(
            "redirect URI longer than {MAX_REDIRECT_URI_LEN} characters"
        ));
    }
    let url = url::Url::parse(uri).map_err(|_| format!("redirect URI `{uri}` is not absolute"))?;
    if url.fragment().is_some() {
        return Err(format!("redirect URI `{uri}` must not have a fragment"));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if url.host_str().is_some_and(super::is_loopback_host) => Ok(()),
        "http" => Err(format!(
            "redirect URI `{uri}`: plain http only to localhost, 127.0.0.1 or [::1]"
        )),
        "javascript" | "data" | "file" | "vbscript" | "about" | "blob" | "ftp" | "ws" | "wss" => {
            Err(format!("redirect URI `{uri}` has a forbidden scheme"))
        }
        _ => Ok(()),
    }
}

/// The client secret of a registered client: derived from the state secret and the client id,
/// so it needs no storage and changes when the secret rotates.
pub(crate) fn client_secret(o: &OAuth, client_id: &str) -> String {
    use base64::Engine as _;
    let digest = Sha256::digest(client_id.as_bytes());
    let label = format!(
        "oauth-client-secret {}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(o.secret.derive(&label))
}

/// Compares secrets without leaking where they differ (hash first, then compare).
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// `POST /oauth/register`.
pub async fn register(State(o): State<Arc<OAuth>>, headers: HeaderMap, body: Bytes) -> Response {
    let fail = |message: String| {
        (
            StatusCode::BAD_REQUEST,
            [(header::CACHE_CONTROL, "no-store")],
            Json(json!({"error": "invalid_client_metadata", "error_description": message})),
        )
            .into_response()
    };
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().starts_with("application/json"));
    if !json_type {
        return fail("send the client metadata as application/json (RFC 7591)".into());
    }
    if body.len() > MAX_REGISTRATION_BYTES {
        return fail(format!(
            "the registration is larger than {MAX_REGISTRATION_BYTES} bytes"
        ));
    }
    let doc: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return fail("the registration must be a JSON object".into()),
        Err(e) => return fail(format!("the registration is not JSON: {e}")),
    };
    let metadata = match ClientMetadata::read(&doc) {
        Ok(m) => m,
        Err(problem) => return fail(problem),
    };
    let info = ClientInfo {
        name: metadata
            .name
            .unwrap_or_else(|| "Unnamed MCP client".to_owned()),
        redirect_uris: metadata.redirect_uris,
        auth: metadata.auth,
        verified_host: None,
    };
    let client_id = match o.seals.client.seal(&info) {
        Ok(sealed) => format!("{CLIENT_PREFIX}{sealed}"),
        Err(e) => {
            tracing::error!(error = %e, "cannot seal a client registration");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "server_error"})),
            )
                .into_response();
        }
    };
    tracing::info!(client = %info.name, auth = info.auth.as_str(), "OAuth client registered");
    let mut answer = json!({
        "client_id": client_id,
        "client_id_issued_at": super::now(),
        "client_name": info.name,
        "redirect_uris": info.redirect_uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": info.auth.as_str(),
    });
    if info.auth != AuthMethod::None {
        answer["client_secret"] = json!(client_secret(&o, &client_id));
        answer["client_secret_expires_at"] = json!(0);
    }
    (
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(answer),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(uris: &[&str]) -> ClientInfo {
        ClientInfo {
            name: "c".into(),
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            auth: AuthMethod::None,
            verified_host: None,
        }
    }

    #[test]
    fn redirect_uris_match_exactly_except_loopback_ports() {
        let c = client(&[
            "https://claude.ai/api/mcp/auth_callback",
            "http://127.0.0.1:33418/callback",
            "http://localhost:3000/cb",
        ]);
        assert!(
            c.redirect_uri(Some("https://claude.ai/api/mcp/auth_callback"))
                .is_some()
        );
        assert!(
            c.redirect_uri(Some("https://claude.ai/api/mcp/auth_callback/"))
                .is_none()
        );
        assert!(
            c.redirect_uri(Some("https://claude.ai/api/mcp/auth_callback?x=1"))
                .is_none()
        );
        assert!(c.redirect_uri(Some("https://evil.example/cb")).is_none());
        assert!(
            c.redirect_uri(Some("http://127.0.0.1:50000/callback"))
                .is_some(),
            "loopback IP: any port"
        );
        assert!(
            c.redirect_uri(Some("http://127.0.0.1:50000/other"))
                .is_none()
        );
        assert!(
            c.redirect_uri(Some("http://localhost:3001/cb")).is_none(),
            "localhost is a name, not a loopback IP literal: exact"
        );
        assert!(c.redirect_uri(None).is_none(), "several registered");
        assert_eq!(
            client(&["https://a.example/cb"])
                .redirect_uri(None)
                .as_deref(),
            Some("https://a.example/cb")
        );
    }

    #[test]
    fn redirect_uri_rules() {
        assert!(
            check_redirect_uri("https://chatgpt.com/connector_platform_oauth_redirect").is_ok()
        );
        assert!(check_redirect_uri("http://localhost:8080/callback").is_ok());
        assert!(check_redirect_uri("cursor://anysphere.cursor-mcp/oauth/callback").is_ok());
        assert!(check_redirect_uri("http://evil.example/cb").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
        assert!(check_redirect_uri("https://a.example/cb#frag").is_err());
        assert!(check_redirect_uri("/relative").is_err());
    }

    #[test]
    fn document_urls() {
        assert!(document_url("https://app.example/oauth/client.json", false).is_ok());
        assert!(
            document_url("https://app.example/", false).is_err(),
            "needs a path"
        );
        assert!(document_url("http://app.example/c.json", false).is_err());
        assert!(document_url("http://127.0.0.1:9/c.json", false).is_err());
        assert!(document_url("http://127.0.0.1:9/c.json", true).is_ok());
        assert!(document_url("https://10.0.0.1/c.json", false).is_err());
        assert!(document_url("https://app.example/a/../c.json", false).is_err());
    }

    #[test]
    fn public_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("  Claude\n\u{7}  Desktop "), "Claude Desktop");
        assert_eq!(clean_name(&"x".repeat(500)).chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn metadata_defaults_and_refusals() {
        let m = ClientMetadata::read(&json!({"redirect_uris": ["https://a.example/cb"]})).unwrap();
        assert_eq!(m.auth, AuthMethod::ClientSecretBasic, "RFC 7591 default");
        assert!(ClientMetadata::read(&json!({"redirect_uris": []})).is_err());
        assert!(
            ClientMetadata::read(&json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}))
                .is_err()
        );
        assert!(
            ClientMetadata::read(&json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["client_credentials"]}))
                .is_err()
        );
    }
}
