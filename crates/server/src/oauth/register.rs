//! Who a client is: Dynamic Client Registration (RFC 7591) and Client ID Metadata Documents.
//!
//! Registration is stateless: the client id handed out is the registration itself (name,
//! redirect URIs, token-endpoint authentication), sealed, behind the prefix `ds24c_`. Any
//! replica can read it back and nothing is stored, so registering cannot fill the server up.
//! Clients that registered for `client_secret_post`/`client_secret_basic` get a secret derived
//! from the state secret and the client id, which is checked the same way.
//!
//! A client id that is an https URL is a Client ID Metadata Document (the MCP 2025-11-25
//! preferred way): the server fetches it and reads the name and redirect URIs from it. Anyone
//! can make the server fetch a URL this way, so a fetch is hemmed in:
//! - only public addresses, checked on the address actually connected to (a resolver that
//!   drops private ones), never through a proxy (with `HTTPS_PROXY` set the resolver would only
//!   ever see the proxy, which then connects wherever it is told); a deployment on plain
//!   `http://localhost` (the sandbox quick start) also reaches loopback, so the flow can be
//!   tried offline, but never private or link-local addresses;
//! - bounded in size (64 KB) and time (3 s), no redirects;
//! - a few per client address ([`FETCHES_PER_SECOND`], at most
//!   [`FETCHES_IN_FLIGHT_PER_ADDRESS`] at once), at most [`FETCHES_IN_FLIGHT`] at once for the
//!   whole replica, and each answer, good or bad, remembered for a while;
//! - one answer for every way a fetch can fail (nothing there, an error, not JSON, a document
//!   for another URL), so the consent page is not a port scanner. The log has the details.

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
use crate::limit::RateLimiter;

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
/// A failed document is not asked for again for this long.
const FAILED_DOCUMENT_TTL: Duration = Duration::from_secs(60);
const DOCUMENT_CACHE_ENTRIES: usize = 1000;
/// Document fetches per second per client address (bursts of twice that).
pub const FETCHES_PER_SECOND: u32 = 2;
/// Document fetches in flight at once, per replica.
pub const FETCHES_IN_FLIGHT: usize = 16;
/// Document fetches in flight at once for one client address: one address pointing at slow
/// servers of its own cannot hold the replica's slots.
pub const FETCHES_IN_FLIGHT_PER_ADDRESS: usize = 2;
/// The longest a document fetch may take, connecting included (a document is at most 64 KiB).
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a request waits for a fetch slot before it is told the server is busy.
const FETCH_SLOT_WAIT: Duration = Duration::from_secs(2);
/// The longest host name a document URL may have (DNS allows 253 characters).
const MAX_HOST_CHARS: usize = 253;
/// What the vendor is told about any document that could not be fetched or is not a document
/// for its URL: one text for all of them.
const UNUSABLE_DOCUMENT: &str =
    "it could not be fetched, or it is not a client metadata document for that URL";

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
    // The URL is not repeated: it is the client's text, shown on the origin where vendors
    // paste their key.
    #[error("the client metadata document cannot be used: {problem}")]
    Document {
        /// The client id.
        url: String,
        /// What went wrong.
        problem: String,
    },
    /// This client address asked for too many documents.
    #[error(
        "too many client metadata documents were asked for from your address; wait a few seconds and try again"
    )]
    TooMany,
    /// Every fetch slot is taken.
    #[error("the server is busy fetching client metadata documents; try again in a moment")]
    Busy,
}

/// Why the resolver could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client for client metadata documents: {0}")]
pub struct ResolverError(String);

/// A remembered answer for a document: the client, or what the vendor is told.
type Remembered = Result<ClientInfo, String>;

/// Resolves client ids: opens registrations, fetches (and briefly caches) metadata documents.
pub struct ClientResolver {
    http: reqwest::Client,
    allow_loopback: bool,
    cache: Mutex<HashMap<String, (Instant, Remembered)>>,
    per_address: RateLimiter,
    in_flight: tokio::sync::Semaphore,
    /// Fetches in flight per client address (only addresses with one in flight are present).
    in_flight_by_address: Mutex<HashMap<String, usize>>,
}

/// One fetch counted against its client address until dropped.
struct AddressSlot<'r> {
    counts: &'r Mutex<HashMap<String, usize>>,
    address: String,
}

impl<'r> AddressSlot<'r> {
    fn take(counts: &'r Mutex<HashMap<String, usize>>, address: &str) -> Option<Self> {
        let mut map = counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = map.entry(address.to_owned()).or_default();
        if *count >= FETCHES_IN_FLIGHT_PER_ADDRESS {
            return None;
        }
        *count += 1;
        Some(Self {
            counts,
            address: address.to_owned(),
        })
    }
}

impl Drop for AddressSlot<'_> {
    fn drop(&mut self) {
        let mut map = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = map.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                map.remove(&self.address);
            }
        }
    }
}

impl ClientResolver {
    /// A resolver; `allow_loopback` for a plain-http deployment on this machine.
    pub fn new(allow_loopback: bool) -> Result<Self, ResolverError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(Reachable { allow_loopback }))
            .connect_timeout(FETCH_TIMEOUT)
            .timeout(FETCH_TIMEOUT)
            .user_agent(concat!("ds24-mcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ResolverError(e.to_string()))?;
        Ok(Self {
            http,
            allow_loopback,
            cache: Mutex::new(HashMap::new()),
            per_address: RateLimiter::new(FETCHES_PER_SECOND),
            in_flight: tokio::sync::Semaphore::new(FETCHES_IN_FLIGHT),
            in_flight_by_address: Mutex::new(HashMap::new()),
        })
    }

    /// Who `client_id` is; `from` is the address of the browser asking (fetches are limited
    /// per address).
    pub async fn resolve(
        &self,
        o: &OAuth,
        client_id: &str,
        from: &str,
    ) -> Result<ClientInfo, ClientError> {
        if let Some(sealed) = client_id.strip_prefix(CLIENT_PREFIX) {
            return o
                .seals
                .client
                .open::<ClientInfo>(sealed)
                .map_err(|_| ClientError::Unknown);
        }
        if client_id.starts_with("https://") || client_id.starts_with("http://") {
            return self.document(client_id, from).await;
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

    async fn document(&self, client_id: &str, from: &str) -> Result<ClientInfo, ClientError> {
        let problem = |p: String| ClientError::Document {
            url: client_id.to_owned(),
            problem: p,
        };
        let url = document_url(client_id, self.allow_loopback).map_err(problem)?;
        if let Some(remembered) = self.cached(client_id) {
            return remembered.map_err(problem);
        }
        let Some(_address_slot) = AddressSlot::take(&self.in_flight_by_address, from) else {
            return Err(ClientError::TooMany);
        };
        if self.per_address.check(from).is_err() {
            return Err(ClientError::TooMany);
        }
        let Ok(Ok(_slot)) = tokio::time::timeout(FETCH_SLOT_WAIT, self.in_flight.acquire()).await
        else {
            return Err(ClientError::Busy);
        };
        let fetched = self.fetch(client_id, &url).await;
        if let Err(detail) = &fetched {
            tracing::info!(client_id, problem = %detail, "client metadata document refused");
        }
        let remembered = fetched.map_err(Refusal::shown);
        self.remember(client_id, &remembered);
        remembered.map_err(problem)
    }

    /// Fetches and reads a document. A [`Refusal::Unusable`] is shown to the vendor as
    /// [`UNUSABLE_DOCUMENT`] only.
    async fn fetch(&self, client_id: &str, url: &url::Url) -> Result<ClientInfo, Refusal> {
        let response = self
            .http
            .get(url.clone())
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| Refusal::Unusable(format!("fetching it failed ({e})")))?;
        if !response.status().is_success() {
            return Err(Refusal::Unusable(format!(
                "it answered HTTP {}",
                response.status()
            )));
        }
        let body = read_limited(response, MAX_DOCUMENT_BYTES)
            .await
            .map_err(Refusal::Unusable)?;
        let doc: Value = serde_json::from_slice(&body)
            .map_err(|e| Refusal::Unusable(format!("it is not JSON ({e})")))?;
        if doc.get("client_id").and_then(Value::as_str) != Some(client_id) {
            return Err(Refusal::Unusable(
                "its client_id is not the URL it was fetched from".into(),
            ));
        }
        // From here on the document names itself: its author may learn what is wrong with it.
        let metadata = ClientMetadata::read(&doc).map_err(Refusal::Shown)?;
        if metadata.auth != AuthMethod::None {
            return Err(Refusal::Shown(
                "a metadata-document client must use token_endpoint_auth_method `none` (this server cannot verify its keys)".into(),
            ));
        }
        Ok(ClientInfo {
            name: metadata
                .name
                .unwrap_or_else(|| url.host_str().unwrap_or("?").to_owned()),
            redirect_uris: metadata.redirect_uris,
            auth: AuthMethod::None,
            verified_host: url.host_str().map(str::to_owned),
        })
    }

    fn cached(&self, client_id: &str) -> Option<Remembered> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let (until, remembered) = cache.get(client_id)?;
        (Instant::now() < *until).then(|| remembered.clone())
    }

    fn remember(&self, client_id: &str, remembered: &Remembered) {
        let ttl = if remembered.is_ok() {
            DOCUMENT_CACHE_TTL
        } else {
            FAILED_DOCUMENT_TTL
        };
        let now = Instant::now();
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= DOCUMENT_CACHE_ENTRIES {
            cache.retain(|_, (until, _)| now < *until);
            if cache.len() >= DOCUMENT_CACHE_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(client_id.to_owned(), (now + ttl, remembered.clone()));
    }
}

/// Why a fetched document was refused.
#[derive(Debug)]
enum Refusal {
    /// Not a usable document for its URL: nothing there, an error, not JSON, another
    /// client_id. The detail goes to the log only.
    Unusable(String),
    /// A document for its URL with a problem its author should hear about.
    Shown(String),
}

impl Refusal {
    /// What the vendor is told.
    fn shown(self) -> String {
        match self {
            Self::Unusable(_) => UNUSABLE_DOCUMENT.to_owned(),
            Self::Shown(text) => text,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unusable(text) | Self::Shown(text) => f.write_str(text),
        }
    }
}

/// A metadata document URL: https with a path (http only on loopback for a local deployment),
/// no credentials, fragment or dot segments, and no private address literal (a local
/// deployment allows loopback ones).
fn document_url(client_id: &str, allow_loopback: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(client_id).map_err(|_| "it is not a URL".to_owned())?;
    let host = url.host_str().unwrap_or_default().to_owned();
    if host.chars().count() > MAX_HOST_CHARS {
        return Err(format!(
            "its host name is longer than {MAX_HOST_CHARS} characters"
        ));
    }
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
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    if literal.is_some_and(|ip| !is_reachable(ip, allow_loopback)) || (local && !allow_loopback) {
        return Err("the host is not a public address".into());
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

/// Resolves names to public addresses only (and loopback ones for a local deployment), so a
/// metadata document URL cannot make the server fetch from its own network.
struct Reachable {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for Reachable {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_reachable(a.ip(), allow_loopback))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether a document may be fetched from `ip`: a public address, or with `allow_loopback`
/// (a local deployment) this machine.
fn is_reachable(ip: IpAddr, allow_loopback: bool) -> bool {
    let loopback = match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    };
    is_public(ip) || (allow_loopback && loopback)
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
            if let Some(v4) = embedded_v4(v6) {
                return is_public(IpAddr::V4(v4));
            }
            let [first, second, ..] = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && (second == 0x0db8 || second == 0))
                // Local-use NAT64 (RFC 8215) and IPv4-compatible (deprecated) addresses: where
                // they lead depends on the network they are used in.
                || (first == 0x0064 && second == 0xff9b)
                || v6.segments()[..6] == [0; 6])
        }
    }
}

/// The IPv4 address an IPv6 address stands for where a translator or tunnel turns it into
/// that IPv4 address: v4-mapped (`::ffff:a.b.c.d`), NAT64's well-known prefix
/// (`64:ff9b::a.b.c.d`, RFC 6052) and 6to4 (`2002:aabb:ccdd::`, RFC 3056). Behind a NAT64
/// gateway `64:ff9b::a00:1` is 10.0.0.1, so these are as public as the address inside.
fn embedded_v4(v6: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let octets = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        std::net::Ipv4Addr::new(a, b, c, d)
    };
    match s {
        [0x0064, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(octets(hi, lo)),
        // SIIT's IPv4-translated form (RFC 7915): `::ffff:0:a.b.c.d`.
        [0, 0, 0, 0, 0xffff, 0, hi, lo] => Some(octets(hi, lo)),
        [0x2002, hi, lo, ..] => Some(octets(hi, lo)),
        _ => None,
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
                    "token_endpoint_auth_method is not supported; use one of {}",
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
    if uri
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\\' | '<' | '>' | '`'))
    {
        return Err(
            "a redirect URI has characters a URI cannot contain (spaces, quotes, backslashes, angle brackets)"
                .to_owned(),
        );
    }
    // The URI itself is not repeated in these texts: a metadata document's problems are shown
    // on the page where vendors paste their key, and its author chooses the URI.
    let url = url::Url::parse(uri).map_err(|_| "a redirect URI is not absolute".to_owned())?;
    if url.fragment().is_some() {
        return Err("a redirect URI must not have a fragment".to_owned());
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if url.host_str().is_some_and(super::is_loopback_host) => Ok(()),
        "http" => Err(
            "a redirect URI with plain http may only go to localhost, 127.0.0.1 or [::1]"
                .to_owned(),
        ),
        "javascript" | "data" | "file" | "vbscript" | "about" | "blob" | "ftp" | "ws" | "wss" => {
            Err(format!(
                "a redirect URI has a forbidden scheme ({})",
                url.scheme()
            ))
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

    /// A server that accepts connections and never answers: its port, and one message per
    /// connection it accepted.
    async fn slow_server() -> (u16, tokio::sync::mpsc::UnboundedReceiver<()>) {
        let slow = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = slow.local_addr().unwrap().port();
        let (seen, accepted) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut held = vec![];
            while let Ok((socket, _)) = slow.accept().await {
                held.push(socket);
                let _ = seen.send(());
            }
        });
        (port, accepted)
    }

    /// A client address pointing at slow servers of its own holds at most
    /// [`FETCHES_IN_FLIGHT_PER_ADDRESS`] of the replica's fetch slots: its next document is
    /// refused at once, and the other slots stay free for everyone else.
    #[tokio::test]
    async fn one_address_cannot_hold_the_replicas_fetch_slots() {
        let (port, mut accepted) = slow_server().await;
        let resolver = Arc::new(ClientResolver::new(true).unwrap());
        for i in 0..FETCHES_IN_FLIGHT_PER_ADDRESS {
            let r = Arc::clone(&resolver);
            tokio::spawn(async move {
                let _ = r
                    .document(&format!("http://127.0.0.1:{port}/slow/{i}"), "attacker")
                    .await;
            });
            accepted.recv().await.unwrap();
        }
        let next = tokio::time::timeout(
            Duration::from_secs(2),
            resolver.document(&format!("http://127.0.0.1:{port}/slow/next"), "attacker"),
        )
        .await;
        assert!(
            matches!(next, Ok(Err(ClientError::TooMany))),
            "the address's next fetch was started: {next:?}"
        );
        assert_eq!(
            resolver.in_flight.available_permits(),
            FETCHES_IN_FLIGHT - FETCHES_IN_FLIGHT_PER_ADDRESS
        );
    }

    /// A fetch cut short (the vendor closed the tab, the request was dropped) gives its
    /// address's slot back: an address is not locked out by fetches that no longer run.
    #[tokio::test]
    async fn a_cancelled_fetch_gives_its_address_slot_back() {
        let (port, mut accepted) = slow_server().await;
        let resolver = ClientResolver::new(true).unwrap();
        for i in 0..FETCHES_IN_FLIGHT_PER_ADDRESS {
            let url = format!("http://127.0.0.1:{port}/slow/{i}");
            // The fetch runs until the slow server has its connection, then is dropped.
            tokio::select! {
                r = resolver.document(&url, "vendor") => panic!("the slow server answered: {r:?}"),
                _ = accepted.recv() => {}
            }
        }
        assert!(
            resolver
                .in_flight_by_address
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_empty(),
            "a cancelled fetch still counts against its address"
        );
        assert_eq!(resolver.in_flight.available_permits(), FETCHES_IN_FLIGHT);
        let slots: Vec<_> = (0..FETCHES_IN_FLIGHT_PER_ADDRESS)
            .map(|_| AddressSlot::take(&resolver.in_flight_by_address, "vendor"))
            .collect();
        assert!(
            slots.iter().all(Option::is_some),
            "the address has its slots again"
        );
    }

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
        for odd in [
            "https://a.example/c\"b",
            "https://a.example/c\\b",
            "https://a.example/\tcb",
            "https://a.example/<b>",
        ] {
            assert!(check_redirect_uri(odd).is_err(), "{odd}");
        }
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
        for private in [
            "https://10.0.0.1/c.json",
            "https://169.254.169.254/latest/c.json",
            "https://[fd00::1]/c.json",
            "https://[::ffff:192.168.0.1]/c.json",
        ] {
            assert!(
                document_url(private, true).is_err(),
                "a local deployment still refuses {private}"
            );
        }
        assert!(document_url("https://127.0.0.1:9/c.json", true).is_ok());
        assert!(document_url("https://localhost/c.json", false).is_err());
        let long_host = format!("https://{}.example/c.json", "a".repeat(260));
        assert!(document_url(&long_host, false).is_err());
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
            // Translated or tunnelled IPv4 inside IPv6: NAT64 of 10.0.0.1 and of the cloud
            // metadata address, local-use NAT64, 6to4 of 10.0.0.1 and of 127.0.0.1,
            // IPv4-compatible and Teredo.
            "64:ff9b::a00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::a00:1",
            "2002:a00:1::1",
            "2002:7f00:1::1",
            "::a00:1",
            "2001:0:4136:e378::1",
            "::ffff:0:a00:1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        // The same forms around a public IPv4 address are public.
        for public in [
            "93.184.216.34",
            "2606:4700::1111",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(is_reachable(ip("127.0.0.1"), true) && is_reachable(ip("::1"), true));
        assert!(is_reachable(ip("::ffff:127.0.0.1"), true));
        assert!(!is_reachable(ip("127.0.0.1"), false));
        assert!(!is_reachable(ip("10.0.0.1"), true) && !is_reachable(ip("169.254.169.254"), true));
        assert!(is_reachable(ip("93.184.216.34"), true));
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
