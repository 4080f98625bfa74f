//! The HTTP front door: MCP Streamable HTTP, stateless, for every protocol era at once.
//!
//! Before a request reaches rmcp it passes three gates, outermost first, so each failure has
//! one clear status: Host/Origin (403, DNS-rebinding protection), method (405: the endpoint is
//! POST-only), and the bearer credential (401 with `WWW-Authenticate`). The last gate also
//! records the per-request narrowing (`/readonly`, `X-DS24-Read-Only`, `X-DS24-Toolsets`) for
//! the handler.
//!
//! The bearer credential is a Digistore24 API key or, with OAuth on (`--auth oauth|both`), an
//! access token of the built-in authorization server ([`crate::oauth`], mounted here beside
//! the MCP paths); the `ds24at_` prefix tells them apart. Both build the same
//! [`RequestContext`]: a read-only grant narrows exactly like the `/readonly` path.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ds24_client::ApiKey;
use http::{HeaderMap, Method, StatusCode, header};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::correlation;
use super::message::{self, Message, ReadError};
use crate::context::RequestContext;
use crate::mcp::{Door, Ds24Service};
use crate::oauth::{OAuth, TokenProblem};
use crate::pipeline::Pipeline;
use crate::tools::{Mode, Scope};
use crate::transport::tools_call::DirectCalls;
use crate::transport::tools_list::PreparedLists;

pub use crate::context::MCP_PATHS;

/// Front-door settings.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Host header values accepted (`host` or `host:port`); `*` accepts any.
    pub allowed_hosts: Vec<String>,
    /// Browser origins accepted (`scheme://host[:port]`); `*` accepts any. Requests without an
    /// Origin header (CLI and desktop clients) always pass.
    pub allowed_origins: Vec<String>,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Time allowed for the whole request body to arrive once its head has.
    pub body_read_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client; from anyone else it is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The door's own key, used when a request carries none. Only ever set for the sandbox
    /// (`--anonymous-key`, for test suites that cannot send headers).
    pub fallback_key: Option<ApiKey>,
    /// Whether a plain Digistore24 API key is accepted as the bearer credential.
    pub accept_keys: bool,
    /// The authorization server, when OAuth is on.
    pub oauth: Option<Arc<OAuth>>,
}

struct Gate {
    opts: HttpOptions,
    /// The ordinary requests answered without rmcp's per-request service; `None` leaves every
    /// request to rmcp (tests compare the two).
    shortcuts: Option<Shortcuts>,
    /// Request body bytes held at once across all connections ([`BODIES_IN_FLIGHT`] bodies of
    /// the largest size): without it, every connection could hold a body of the largest size
    /// at the same time.
    body_budget: Arc<Semaphore>,
}

/// How many request bodies of the largest accepted size may be held at once. Bodies are
/// usually a few hundred bytes, so this only ever bites a flood of large ones.
const BODIES_IN_FLIGHT: usize = 64;

/// The first bytes of every body are not counted against the budget: an MCP request is a few
/// hundred bytes, and `--max-connections` of these are a few MiB.
const FREE_BODY_BYTES: usize = 8 * 1024;

/// The paths that answer ordinary requests exactly as rmcp would, for a fraction of the CPU.
#[derive(Debug, Clone)]
pub(super) struct Shortcuts {
    /// `tools/list` from bytes prepared once per shape.
    pub lists: Arc<PreparedLists>,
    /// Legacy-era `tools/call` straight to the handler.
    pub calls: Arc<DirectCalls>,
}

impl Shortcuts {
    pub(super) fn new(service: &Ds24Service) -> Self {
        Self {
            lists: PreparedLists::new(service.clone()),
            calls: DirectCalls::new(service.clone()),
        }
    }
}

/// Builds the application: MCP on [`MCP_PATHS`], `/healthz` without auth, and with OAuth on
/// the authorization server's metadata and endpoints.
pub fn app(pipeline: Arc<Pipeline>, opts: HttpOptions, shutdown: CancellationToken) -> Router {
    let service = Ds24Service::new(pipeline, Door::PerRequest);
    let shortcuts = Shortcuts::new(&service);
    build(service, opts, shutdown, Some(shortcuts))
}

/// The application around `service`, with the shortcuts when given.
pub(super) fn build(
    service: Ds24Service,
    opts: HttpOptions,
    shutdown: CancellationToken,
    shortcuts: Option<Shortcuts>,
) -> Router {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        // Host and Origin are checked by our own gate, before authentication, so that a
        // rebinding attempt gets 403 whether or not it carries a key.
        .disable_allowed_hosts()
        .with_max_request_body_bytes(opts.max_body_bytes)
        .with_cancellation_token(shutdown);
    let mcp = StreamableHttpService::new(
        move || Ok(service.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let oauth = opts.oauth.clone();
    let budget = opts
        .max_body_bytes
        .saturating_mul(BODIES_IN_FLIGHT)
        .min(Semaphore::MAX_PERMITS);
    let gate = Arc::new(Gate {
        opts,
        shortcuts,
        body_budget: Arc::new(Semaphore::new(budget)),
    });
    let mut router = Router::new();
    for path in MCP_PATHS {
        router = router.route_service(path, mcp.clone());
    }
    let mut router = router
        .layer(middleware::from_fn_with_state(gate.clone(), json_rpc_body))
        .layer(middleware::from_fn_with_state(gate.clone(), authenticate))
        .layer(middleware::from_fn(post_only))
        .layer(middleware::from_fn(cors))
        .layer(middleware::from_fn_with_state(
            gate.clone(),
            check_host_and_origin,
        ));
    if let Some(oauth) = oauth {
        // Browsers reach these from the client's origin (CORS) or by navigation, so only the
        // Host check applies; the consent form checks its own Origin.
        router = router.merge(
            oauth
                .router()
                .layer(middleware::from_fn_with_state(gate, check_host_and_address)),
        );
    }
    // Request ids, the request's log span and the HTTP metrics cover MCP and OAuth alike.
    router
        .fallback(not_found)
        .layer(middleware::from_fn(correlation::correlate))
        .route("/healthz", get(|| async { "ok" }))
}

/// Any other path (a trailing slash, another case, a typo): what is here instead.
async fn not_found() -> Response {
    let paths = MCP_PATHS.join(", ");
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": format!("Nothing here. MCP endpoints: {paths} (POST); health check: /healthz.")})),
    )
        .into_response()
}

async fn check_host_and_origin(
    State(gate): State<Arc<Gate>>,
    req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    if let Some(problem) = host_problem(headers, &gate.opts.allowed_hosts).or_else(|| {
        origin_problem(
            headers,
            &gate.opts.allowed_origins,
            &gate.opts.allowed_hosts,
        )
    }) {
        return (StatusCode::FORBIDDEN, axum::Json(json!({"error": problem}))).into_response();
    }
    next.run(req).await
}

/// The OAuth routes' door: the Host check, and the browser's address worked out as for MCP
/// requests (behind `--trusted-proxies`, from `X-Forwarded-For`) for their per-address limits.
async fn check_host_and_address(
    State(gate): State<Arc<Gate>>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(problem) = host_problem(req.headers(), &gate.opts.allowed_hosts) {
        return (StatusCode::FORBIDDEN, axum::Json(json!({"error": problem}))).into_response();
    }
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| client_address(c.0.ip(), req.headers(), &gate.opts.trusted_proxies));
    if let Some(ip) = peer {
        req.extensions_mut().insert(crate::oauth::ClientAddress(ip));
    }
    next.run(req).await
}

fn host_problem(headers: &HeaderMap, allowed: &[String]) -> Option<String> {
    if allowed.iter().any(|h| h == "*") {
        return None;
    }
    let Some(value) = headers.get(header::HOST) else {
        return Some("Forbidden: missing Host header".into());
    };
    let text = value.to_str().unwrap_or("<not plain text>");
    (!host_allowed(text, allowed)).then(|| {
        format!(
            "Forbidden: Host `{}` is not allowed. A public deployment must list its hostname with --allowed-hosts (env DS24_MCP_ALLOWED_HOSTS).",
            shorten(text)
        )
    })
}

/// Whether a `Host` header value passes the allowlist (`*` passes any).
pub(crate) fn host_allowed(host: &str, allowed: &[String]) -> bool {
    if allowed.iter().any(|h| h == "*") {
        return true;
    }
    authority(host).is_some_and(|(host, port)| {
        allowed
            .iter()
            .filter_map(|a| allowed_authority(a))
            .any(|(allowed_host, allowed_port)| {
                allowed_host == host && allowed_port.is_none_or(|p| Some(p) == port)
            })
    })
}

/// The host (lower-case, IPv6 without brackets) and port of an authority: `host`,
/// `host:port`, `[v6]` or `[v6]:port`. Anything else (`[::1]evil.example`, `a:b:c`, spaces)
/// is `None`: an unreadable Host is a foreign one.
fn authority(text: &str) -> Option<(String, Option<u16>)> {
    let text = text.trim();
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']')?;
            inside.parse::<std::net::Ipv6Addr>().ok()?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            (inside, port)
        }
        None => {
            let (host, port) = match text.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            };
            let name_like = host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            if host.is_empty() || !name_like {
                return None;
            }
            (host, port)
        }
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    Some((host.to_ascii_lowercase(), port))
}

/// An `--allowed-hosts` entry as an authority; a bare IPv6 address (`::1`) is accepted too.
pub(crate) fn allowed_authority(entry: &str) -> Option<(String, Option<u16>)> {
    match entry.trim().parse::<std::net::Ipv6Addr>() {
        Ok(v6) => Some((v6.to_string(), None)),
        Err(_) => authority(entry),
    }
}

/// A header value as quoted in an error: short, so a 400 KB header is not sent back.
fn shorten(text: &str) -> String {
    crate::limit::start_of(text, 100)
}

/// A browser Origin passes when it is listed, or when its host is one of the server's own
/// allowed hosts (a page served from the same host, such as a local inspector on localhost).
/// A rebinding page keeps its foreign Origin, so it is refused either way.
fn origin_problem(headers: &HeaderMap, allowed: &[String], hosts: &[String]) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?;
    let origin = origin
        .to_str()
        .unwrap_or("<non-ASCII>")
        .trim()
        .to_ascii_lowercase();
    let origin_host = origin
        .split_once("://")
        .and_then(|(_, rest)| authority(rest.trim_end_matches('/')))
        .map(|(host, _)| host);
    let same_host = origin_host.is_some_and(|h| {
        hosts
            .iter()
            .filter(|a| *a != "*")
            .filter_map(|a| allowed_authority(a))
            .any(|(allowed, _)| allowed == h)
    });
    let ok = same_host
        || allowed
            .iter()
            .any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(&origin));
    (!ok).then(|| {
        format!(
            "Forbidden: Origin `{}` is not allowed. Allow browser origins with --allowed-origins (env DS24_MCP_ALLOWED_ORIGINS).",
            shorten(&origin)
        )
    })
}

/// Request headers a browser client may send (answer to a CORS preflight).
const CORS_ALLOW_HEADERS: &str = "authorization, content-type, accept, mcp-protocol-version, mcp-session-id, mcp-method, mcp-name, last-event-id, x-ds24-mode, x-ds24-operator, x-ds24-read-only, x-ds24-toolsets, x-request-id";
/// Response headers a browser client may read.
const CORS_EXPOSE_HEADERS: &str = "www-authenticate, mcp-session-id, retry-after";

/// CORS for browser clients on an allowed origin: the preflight (`OPTIONS` with
/// `Access-Control-Request-Method`) is answered here, and every answer to such an origin says
/// it may be read. Foreign origins never get this far (403 above), so echoing the Origin is
/// exactly the allowlist.
async fn cors(req: Request, next: Next) -> Response {
    let Some(origin) = req.headers().get(header::ORIGIN).cloned() else {
        return next.run(req).await;
    };
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            header::HeaderValue::from_static("POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            header::HeaderValue::from_static(CORS_ALLOW_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            header::HeaderValue::from_static("600"),
        );
        r
    } else {
        let mut r = next.run(req).await;
        r.headers_mut().insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            header::HeaderValue::from_static(CORS_EXPOSE_HEADERS),
        );
        r
    };
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.append(header::VARY, header::HeaderValue::from_static("origin"));
    response
}

/// Reads the body (bounded: 413 beyond the limit) and answers malformed JSON with a JSON-RPC
/// parse error, which clients understand, instead of a bare HTTP error.
async fn json_rpc_body(State(gate): State<Arc<Gate>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let limit = gate.opts.max_body_bytes;
    // Held until the answer is ready: the body's bytes are in use until then.
    let mut held = None;
    // The declared length, to hold the body in one allocation of its size: grown by doubling,
    // a large body cost about twice its size in memory on the way.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .filter(|n| *n <= limit);
    let read = read_bounded(
        body,
        declared,
        limit,
        gate.opts.body_read_timeout,
        &gate.body_budget,
        &mut held,
    )
    .await;
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(problem) => {
            drop(held);
            let (status, message) = match problem {
                BodyProblem::Busy => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The server is receiving too many large requests at once; nothing was run. Retry in a moment.".to_owned(),
                ),
                BodyProblem::TooLarge => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("Request body larger than {limit} bytes."),
                ),
                BodyProblem::TooSlow => (
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "The request body did not arrive within {} s.",
                        gate.opts.body_read_timeout.as_secs_f64()
                    ),
                ),
                BodyProblem::Broken => (
                    StatusCode::BAD_REQUEST,
                    "The request body could not be read completely (cut short or malformed); nothing was run.".to_owned(),
                ),
            };
            let mut response =
                (status, axum::Json(rpc_error(None, -32600, message))).into_response();
            if problem == BodyProblem::Busy {
                // The rest of the body is not read: the connection closes, and with it what
                // it buffered.
                let headers = response.headers_mut();
                headers.insert(header::RETRY_AFTER, http::HeaderValue::from_static("1"));
                headers.insert(header::CONNECTION, http::HeaderValue::from_static("close"));
            }
            return response;
        }
    };
    let mut id = None;
    let mut tools_list = false;
    let mut tool_call = false;
    let mut rewritten = None;
    let problem = match message::read(&bytes) {
        Err(ReadError::Json(e)) => {
            id = message::request_id(&bytes);
            Some((
                -32700,
                format!("Parse error: the body is not valid JSON ({e})."),
            ))
        }
        Err(ReadError::TooLarge(p)) => Some((-32600, format!("Invalid Request: {p}."))),
        Ok(Message {
            value: serde_json::Value::Object(msg),
            ..
        }) if msg.get("jsonrpc").and_then(|v| v.as_str()) == Some("2.0")
            && let Some(problem) = envelope_problem(&msg) =>
        {
            // An id that is itself the problem is not echoed.
            if id_problem(&msg).is_none() {
                id = msg.get("id").cloned();
            }
            Some((-32600, problem))
        }
        Ok(Message {
            value: serde_json::Value::Object(msg),
            arguments_problem,
        }) if msg.get("jsonrpc").and_then(|v| v.as_str()) == Some("2.0") => {
            id = msg.get("id").cloned();
            tools_list = msg.get("method").and_then(|m| m.as_str()) == Some("tools/list");
            tool_call = is_tool_call(&msg);
            if let Some(problem) = version_problem(&parts.headers, &msg) {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(rpc_error(id, -32600, problem)),
                )
                    .into_response();
            }
            match (tool_call_problem(&msg), arguments_problem) {
                (Some(p), _) => Some((-32602, p)),
                (None, None) => None,
                // Too large to hand on: the call goes ahead without its arguments, and the
                // pipeline answers it with the problem as a tool error.
                (None, Some(p)) if is_tool_call(&msg) => {
                    rewritten = Some((serde_json::to_vec(&msg), p));
                    None
                }
                (None, Some(p)) => Some((-32602, format!("Invalid params: {p}."))),
            }
        }
        Ok(_) => Some((
            -32600,
            "Invalid Request: expected one JSON-RPC 2.0 message object.".to_owned(),
        )),
    };
    if let Some((code, message)) = problem {
        // Unreadable or malformed requests are HTTP 400; a request that was read but has bad
        // params is answered like any other JSON-RPC error.
        let status = if code == -32602 {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        return (status, axum::Json(rpc_error(id, code, message))).into_response();
    }
    if let Some(shortcuts) = &gate.shortcuts
        && reaches_rmcp_handler(&parts)
        && let Some(context) = parts.extensions.get::<Arc<RequestContext>>()
    {
        if tools_list && let Some(answer) = shortcuts.lists.answer(&parts.headers, &bytes, context)
        {
            return answer;
        }
        if tool_call
            && rewritten.is_none()
            && let Some(call) = DirectCalls::take(&parts.headers, &bytes)
        {
            let context = context.clone();
            // The call holds what it needs; the body (up to the size limit) is not kept for
            // as long as the call runs.
            drop(bytes);
            return shortcuts.calls.run(call, context).await;
        }
    }
    let mut parts = parts;
    let body = match rewritten {
        None => bytes,
        Some((Ok(smaller), problem)) => {
            drop(bytes);
            if let Some(context) = parts.extensions.get::<Arc<RequestContext>>() {
                let mut context = RequestContext::clone(context);
                context.arguments_problem = Some(problem);
                parts.extensions.insert(Arc::new(context));
            }
            smaller
        }
        Some((Err(e), _)) => {
            tracing::error!(error = %e, "cannot re-serialise a message read from JSON");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// A JSON-RPC error answer. Without a readable id the answer has none: MCP's schema makes the
/// id optional and never null (JSON-RPC 2.0's `"id": null` fails clients that validate
/// against it).
fn rpc_error(
    id: Option<serde_json::Value>,
    code: i64,
    message: impl Into<String>,
) -> serde_json::Value {
    let mut answer = serde_json::Map::new();
    answer.insert("jsonrpc".into(), "2.0".into());
    if let Some(id) = id.filter(|id| !id.is_null()) {
        answer.insert("id".into(), id);
    }
    answer.insert(
        "error".into(),
        json!({"code": code, "message": message.into()}),
    );
    serde_json::Value::Object(answer)
}

/// Whether rmcp's own front checks would hand this request on at all, the condition for
/// answering it without rmcp: an MCP path (the gates wrap the router's fallback too, so other
/// paths reach them, and rmcp's answer there is a 404) and a Host rmcp can read (with
/// `--allowed-hosts '*'` our gate does not look at it; rmcp refuses a missing, non-UTF-8 or
/// malformed one).
fn reaches_rmcp_handler(parts: &http::request::Parts) -> bool {
    let host_readable = match parts.headers.get(header::HOST) {
        Some(host) => host
            .to_str()
            .is_ok_and(|h| http::uri::Authority::try_from(h).is_ok()),
        None => parts.uri.authority().is_some(),
    };
    MCP_PATHS.contains(&parts.uri.path()) && host_readable
}

fn is_tool_call(msg: &serde_json::Map<String, serde_json::Value>) -> bool {
    msg.get("method").and_then(|m| m.as_str()) == Some("tools/call")
}

/// Longest request id accepted, in bytes: ids are echoed in answers and logs.
const MAX_ID_BYTES: usize = 256;

/// What makes a JSON-RPC message unusable before its method is even looked at: an `id` that is
/// not a string or an integer (or is a string a log line could be forged with), a `method` that
/// is not a plain string, `params` that are not an object. Said here, as a 400 naming the
/// field, instead of rmcp's "unrecognized JSON-RPC message" under HTTP 415.
fn envelope_problem(msg: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    use serde_json::Value;
    if let Some(problem) = id_problem(msg) {
        return Some(problem);
    }
    match msg.get("method") {
        Some(Value::String(m)) if plain(m) && m.len() <= MAX_ID_BYTES => {}
        Some(_) => {
            return Some(
                "Invalid Request: `method` must be a method name such as \"tools/call\".".into(),
            );
        }
        // A response (to nothing this server asked over HTTP) is refused further on.
        None if msg.contains_key("result") || msg.contains_key("error") => {}
        None => return Some("Invalid Request: the message has no `method`.".into()),
    }
    match msg.get("params") {
        None | Some(Value::Object(_)) => None,
        Some(_) => Some("Invalid Request: `params` must be an object.".into()),
    }
}

/// An `MCP-Protocol-Version` header this server does not speak, said with the versions it does
/// (rmcp's own answer is plain text that echoes the value, whatever it is). As in rmcp, a
/// message that names its version itself (2026-07-28 `_meta`) is left to the later checks.
fn version_problem(
    headers: &HeaderMap,
    msg: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    let value = headers.get("mcp-protocol-version")?;
    let per_request = msg
        .get("params")
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get("io.modelcontextprotocol/protocolVersion"))
        .is_some();
    let known = rmcp::model::ProtocolVersion::KNOWN_VERSIONS;
    // Only an answer that refuses says them: nothing is built for a request that passes.
    let supported = || {
        known
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match value.to_str() {
        Ok(v) if per_request || known.iter().any(|k| k.as_str() == v) => None,
        Ok(v) => {
            let shown = if v.len() <= 32
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            {
                format!(" {v}")
            } else {
                String::new()
            };
            Some(format!(
                "Invalid Request: this server does not speak MCP-Protocol-Version{shown}; it speaks {}.",
                supported()
            ))
        }
        Err(_) => Some(format!(
            "Invalid Request: the MCP-Protocol-Version header is not readable text; this server speaks {}.",
            supported()
        )),
    }
}

/// Why a message's `id` cannot be used (or echoed): see [`envelope_problem`].
fn id_problem(msg: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    use serde_json::Value;
    match msg.get("id")? {
        Value::Number(n) if n.is_i64() => None,
        Value::Number(_) => Some(
            "Invalid Request: `id` must be a string or an integer between -2^63 and 2^63-1.".into(),
        ),
        Value::String(s) if s.len() > MAX_ID_BYTES => Some(format!(
            "Invalid Request: `id` is longer than {MAX_ID_BYTES} bytes."
        )),
        Value::String(s) if !plain(s) => Some(
            "Invalid Request: `id` must not contain control characters (line breaks, escapes)."
                .into(),
        ),
        Value::String(_) => None,
        _ => Some("Invalid Request: `id` must be a string or an integer.".into()),
    }
}

/// Text with no control characters: safe in a log line and a terminal.
fn plain(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// rmcp answers a `tools/call` whose params it cannot read with "method not found"; the
/// accurate answer is "invalid params", with what is wrong.
fn tool_call_problem(msg: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    if !is_tool_call(msg) {
        return None;
    }
    let Some(params) = msg.get("params").and_then(|p| p.as_object()) else {
        return Some(
            "Invalid params: tools/call needs params {\"name\": <tool>, \"arguments\": {...}}."
                .into(),
        );
    };
    if !params.get("name").is_some_and(|n| n.is_string()) {
        return Some("Invalid params: tools/call needs the tool's `name` as a string.".into());
    }
    match params.get("arguments") {
        None | Some(serde_json::Value::Null | serde_json::Value::Object(_)) => None,
        Some(_) => Some("Invalid params: `arguments` must be an object of named arguments.".into()),
    }
}

/// Why a request body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyProblem {
    /// More than the limit.
    TooLarge,
    /// Not all of it within the body read timeout.
    TooSlow,
    /// The connection broke or closed before the body was complete: what arrived is a
    /// fragment, never a request to act on.
    Broken,
    /// The server holds as many body bytes as it may: a flood of large bodies.
    Busy,
}

/// Collects at most `limit` bytes within `timeout`. An oversized body is still read (and
/// dropped) for a while, so the client finishes sending and sees the 413 instead of a reset
/// connection.
async fn read_bounded(
    mut body: Body,
    declared: Option<usize>,
    limit: usize,
    timeout: Duration,
    budget: &Arc<Semaphore>,
    held: &mut Option<tokio::sync::OwnedSemaphorePermit>,
) -> Result<Vec<u8>, BodyProblem> {
    use http_body_util::BodyExt as _;
    // A declared length is counted against the budget at once, before anything is read or
    // allocated: a flood of large bodies is refused for the price of its heads.
    let reserved = match declared {
        Some(n) => {
            let counted =
                u32::try_from(n.saturating_sub(FREE_BODY_BYTES)).map_err(|_| BodyProblem::Busy)?;
            if counted > 0 {
                *held = Some(
                    budget
                        .clone()
                        .try_acquire_many_owned(counted)
                        .map_err(|_| BodyProblem::Busy)?,
                );
            }
            true
        }
        None => false,
    };
    let mut buf = Vec::with_capacity(declared.unwrap_or(0));
    let mut too_big = false;
    let mut seen = 0usize;
    let drain = async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Err(BodyProblem::Broken);
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            seen += data.len();
            if seen > limit {
                too_big = true;
                buf.clear();
                *held = None;
                if seen > limit.saturating_mul(16) {
                    break;
                }
            } else {
                // Each byte kept beyond the first few KiB counts against the server-wide
                // budget, so ordinary requests never meet it; none is waited for (a waiting
                // body would hold its connection and what it read so far).
                let counted = seen.saturating_sub(FREE_BODY_BYTES)
                    - (seen - data.len()).saturating_sub(FREE_BODY_BYTES);
                if counted > 0 && !reserved {
                    let bytes = u32::try_from(counted).map_err(|_| BodyProblem::Busy)?;
                    let permit = budget
                        .clone()
                        .try_acquire_many_owned(bytes)
                        .map_err(|_| BodyProblem::Busy)?;
                    match held {
                        Some(held) => held.merge(permit),
                        None => *held = Some(permit),
                    }
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, drain).await {
        _ if too_big => Err(BodyProblem::TooLarge),
        Err(_) => Err(BodyProblem::TooSlow),
        Ok(Err(problem)) => Err(problem),
        Ok(Ok(())) => Ok(buf),
    }
}

async fn post_only(req: Request, next: Next) -> Response {
    if req.method() == Method::POST {
        return next.run(req).await;
    }
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, "POST")],
        axum::Json(json!({"error": "This MCP endpoint is stateless and takes POST requests only (no SSE stream, no sessions)."})),
    )
        .into_response()
}

async fn authenticate(State(gate): State<Arc<Gate>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let opts = &gate.opts;
    let (key, grant) = match bearer(req.headers()) {
        Ok(Some(credential)) if crate::oauth::tokens::looks_like_token(&credential) => {
            let Some(oauth) = &opts.oauth else {
                return unauthorized(
                    opts,
                    &path,
                    TokenProblem::OAuthDisabled.to_string().as_str(),
                    None,
                );
            };
            match oauth.verify(&credential) {
                Ok(token) => {
                    let key = token.key.clone();
                    (key, Some(token))
                }
                Err(problem) => {
                    return unauthorized(opts, &path, &problem.to_string(), Some(&problem));
                }
            }
        }
        Ok(Some(_)) if !opts.accept_keys => {
            return unauthorized(
                opts,
                &path,
                "This server accepts OAuth access tokens only (it runs with --auth oauth), not Digistore24 API keys.",
                None,
            );
        }
        Ok(Some(credential)) => match ApiKey::new(credential) {
            Some(key) => (key, None),
            None => {
                return unauthorized(
                    opts,
                    &path,
                    "The Authorization header has an empty key.",
                    None,
                );
            }
        },
        Ok(None) => match &opts.fallback_key {
            Some(key) => (key.clone(), None),
            None => return unauthorized(opts, &path, "Missing Authorization header.", None),
        },
        Err(problem) => return unauthorized(opts, &path, problem, None),
    };
    let mut scope = match scope(&path, req.headers()) {
        Ok(scope) => scope,
        Err(problem) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(rpc_error(None, -32600, problem)),
            )
                .into_response();
        }
    };
    // A read-only grant narrows exactly like the /readonly path.
    if grant.as_ref().is_some_and(|g| g.read_only) {
        scope.read_only = true;
        scope.read_only_grant = true;
    }
    let mode = match mode(req.uri().path(), req.headers()) {
        Ok(mode) => mode,
        Err(problem) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(rpc_error(None, -32600, problem)),
            )
                .into_response();
        }
    };
    // Who is acting: the OAuth grant's identity when there is one (authenticated), else the
    // deployment's X-DS24-Operator header.
    let operator = match correlation::operator(req.headers()) {
        Ok(header) => grant.map(|g| g.operator).or(header),
        Err(problem) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(rpc_error(None, -32600, problem)),
            )
                .into_response();
        }
    };
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| client_address(c.0.ip(), req.headers(), &gate.opts.trusted_proxies));
    let (request_id, client_request_id) = correlation::request_ids(&req);
    let context = RequestContext {
        key: Some(key),
        scope,
        operator,
        request_id,
        client_request_id,
        user_agent: correlation::user_agent(req.headers()),
        mode,
        peer,
        ..RequestContext::default()
    };
    req.extensions_mut().insert(Arc::new(context));
    next.run(req).await
}

/// The client's address: the socket's peer, or, when the peer is a trusted proxy, the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy (read from the
/// right: entries further left were written by the client and prove nothing). A malformed
/// entry ends the walk at the last trusted hop, so garbage never picks the address.
fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().ok())
        .collect::<Vec<_>>();
    for value in hops.into_iter().rev() {
        let Some(value) = value else {
            return client;
        };
        for hop in value.rsplit(',') {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                return client;
            };
            client = ip;
            if !is_trusted(&ip) {
                return client;
            }
        }
    }
    client
}

/// The bearer credential, as text (a key or a token).
fn bearer(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| "The Authorization header is not plain text.")?
        .trim();
    let (scheme, token) = value
        .split_once(' ')
        .ok_or("The Authorization header must read `Bearer <key>`.")?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("The Authorization header must use the Bearer scheme: `Bearer <key>`.");
    }
    let token = token.trim();
    if token.is_empty() {
        return Err("The Authorization header has an empty key.");
    }
    Ok(Some(token.to_owned()))
}

/// A 401. Key-only servers name the realm and explain the header; with OAuth on, the
/// challenge points to the protected resource metadata (RFC 9728) so clients can discover the
/// authorization server, and a bad token is `error="invalid_token"` (RFC 6750).
fn unauthorized(
    opts: &HttpOptions,
    path: &str,
    problem: &str,
    token_problem: Option<&TokenProblem>,
) -> Response {
    let (challenge, message) = match &opts.oauth {
        Some(oauth) => (
            oauth.challenge(path, token_problem),
            if token_problem.is_some() {
                problem.to_owned()
            } else if opts.accept_keys {
                format!(
                    "{problem} Connect with OAuth (the client discovers it from this response), or send your Digistore24 API key as `Authorization: Bearer <key>`."
                )
            } else {
                format!(
                    "{problem} Connect with OAuth (the client discovers it from this response)."
                )
            },
        ),
        None => (
            r#"Bearer realm="digistore24""#.to_owned(),
            format!(
                "{problem} Send your Digistore24 API key as `Authorization: Bearer <key>`. \
                 Claude Desktop: use mcp-remote with --header \"Authorization:${{DS24_AUTH}}\" and DS24_AUTH=\"Bearer <key>\"; \
                 Cursor, Windsurf and VS Code: add a headers entry to the server's configuration (see the README)."
            ),
        ),
    };
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header(header::WWW_AUTHENTICATE, challenge)
        .header(header::CONTENT_TYPE, "application/json")
        // The request body was not read, so the server closes the connection after this
        // answer; saying so keeps a client from sending its next request (the OAuth discovery
        // that a 401 starts) down a connection that is going away.
        .header(header::CONNECTION, "close")
        .body(Body::from(rpc_error(None, -32001, message).to_string()))
        .unwrap_or_else(|_| StatusCode::UNAUTHORIZED.into_response())
}

/// The presentation a request asks for: the `/compact` paths, or `X-DS24-Mode`.
fn mode(path: &str, headers: &HeaderMap) -> Result<Option<Mode>, String> {
    if path.ends_with("/compact") {
        return Ok(Some(Mode::Compact));
    }
    match headers.get("x-ds24-mode") {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(Mode::parse)
            .map(Some)
            .ok_or_else(|| "X-DS24-Mode must be `full` or `compact`.".to_owned()),
    }
}

/// The request's narrowing. Narrowing only ever narrows: when a header comes more than once
/// (a client's and a proxy's, say), every occurrence applies, so the result is the narrowest
/// reading (read-only if any says so; only toolsets every occurrence names). A value that
/// cannot be read is an error, never "absent".
fn scope(path: &str, headers: &HeaderMap) -> Result<Scope, String> {
    let values = |name: &'static str| {
        headers.get_all(name).iter().map(move |v| {
            v.to_str().map(str::trim).map_err(|_| {
                format!("{name} is not readable: send plain ASCII text (got a non-ASCII or control byte).")
            })
        })
    };
    let mut read_only = path.ends_with("/readonly");
    for value in values("X-DS24-Read-Only") {
        for word in value?.split(',').map(str::trim) {
            match word.to_ascii_lowercase().as_str() {
                // The words the DS24_MCP_READ_ONLY variable takes (clap's "boolish" ones).
                "" | "false" | "f" | "0" | "no" | "n" | "off" => {}
                "true" | "t" | "1" | "yes" | "y" | "on" => read_only = true,
                _ => {
                    return Err(format!(
                        "X-DS24-Read-Only must be true or false, not `{}`.",
                        shorten(word)
                    ));
                }
            }
        }
    }
    let mut toolsets: Option<BTreeSet<&'static str>> = None;
    for value in values("X-DS24-Toolsets") {
        let value = value?;
        if value.is_empty() || value == "all" {
            continue;
        }
        let named = value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                crate::tools::toolset(name).map(|t| t.id).ok_or_else(|| {
                    format!(
                        "X-DS24-Toolsets names an unknown toolset `{}`; known: {}.",
                        shorten(name),
                        crate::tools::toolset_names().join(", ")
                    )
                })
            })
            .collect::<Result<BTreeSet<_>, _>>()?;
        toolsets = Some(match toolsets {
            None => named,
            Some(before) => before.intersection(&named).copied().collect(),
        });
    }
    Ok(Scope {
        read_only,
        toolsets,
        read_only_grant: false,
    })
}

/// The address clients should use, for startup messages.
pub fn endpoint_url(addr: SocketAddr) -> String {
    format!("{}/mcp", local_origin(addr))
}

/// Where this machine reaches a server listening on `addr`. A wildcard address (`0.0.0.0`,
/// as in containers) is no address to connect to, and no Host in the default allowlist: the
/// loopback address of its family is both.
pub fn local_origin(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_ports_and_ipv6() {
        assert_eq!(
            authority("localhost:8787"),
            Some(("localhost".into(), Some(8787)))
        );
        assert_eq!(authority("[::1]:8787"), Some(("::1".into(), Some(8787))));
        assert_eq!(authority("Example.COM"), Some(("example.com".into(), None)));
        for bad in [
            "[::1]evil.example",
            "[::1]:",
            "[evil]",
            "a:b:c",
            "evil.example:80x",
            "evil.example:99999",
            "a b",
            "",
            ":80",
        ] {
            assert_eq!(authority(bad), None, "{bad}");
        }
        let allowed = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:9".parse().unwrap());
        assert!(host_problem(&h, &allowed).is_none());
        h.insert(header::HOST, "[::1]:9".parse().unwrap());
        assert!(host_problem(&h, &allowed).is_none());
        h.insert(header::HOST, "evil.example".parse().unwrap());
        assert!(host_problem(&h, &allowed).is_some());
        h.insert(header::HOST, "[::1]evil.example".parse().unwrap());
        assert!(host_problem(&h, &allowed).is_some());
        let with_port = vec!["example.com:8443".to_owned()];
        h.insert(header::HOST, "example.com:8443".parse().unwrap());
        assert!(host_problem(&h, &with_port).is_none());
        h.insert(header::HOST, "example.com:80".parse().unwrap());
        assert!(host_problem(&h, &with_port).is_some());
    }

    #[test]
    fn forwarded_for_counts_only_behind_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "1.1.1.1, 203.0.113.7, 10.0.0.2".parse().unwrap(),
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &h, &trusted),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_address(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1"),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(client_address(ip("10.0.0.1"), &h, &[]), ip("10.0.0.1"));
        h.insert("x-forwarded-for", "evil, 10.0.0.3".parse().unwrap());
        assert_eq!(client_address(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.3"));
        let mut two = HeaderMap::new();
        two.append("x-forwarded-for", "203.0.113.9".parse().unwrap());
        two.append("x-forwarded-for", "10.0.0.5".parse().unwrap());
        assert_eq!(
            client_address(ip("10.0.0.1"), &two, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        assert!(bearer(&h).unwrap().is_none());
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert!(bearer(&h).is_err());
        h.insert(header::AUTHORIZATION, "bearer  k-1 ".parse().unwrap());
        assert!(bearer(&h).unwrap().is_some());
    }

    #[test]
    fn narrowing() {
        let mut h = HeaderMap::new();
        assert_eq!(scope("/mcp", &h).unwrap(), Scope::default());
        assert!(scope("/mcp/readonly", &h).unwrap().read_only);
        h.insert("x-ds24-toolsets", "products, statistics".parse().unwrap());
        h.insert("x-ds24-read-only", "true".parse().unwrap());
        let s = scope("/", &h).unwrap();
        assert!(s.read_only && s.toolsets.unwrap().len() == 2);
        h.insert("x-ds24-toolsets", "nope".parse().unwrap());
        assert!(scope("/", &h).is_err());

        let mut h = HeaderMap::new();
        h.append("x-ds24-read-only", "false".parse().unwrap());
        h.append("x-ds24-read-only", "true".parse().unwrap());
        assert!(scope("/", &h).unwrap().read_only, "any occurrence narrows");
        h.append("x-ds24-toolsets", "products, statistics".parse().unwrap());
        h.append("x-ds24-toolsets", "all".parse().unwrap());
        h.append("x-ds24-toolsets", "statistics,purchases".parse().unwrap());
        assert_eq!(
            scope("/", &h).unwrap().toolsets.unwrap(),
            BTreeSet::from(["statistics"])
        );
        // The same words as the DS24_MCP_READ_ONLY variable (diff review 10).
        for (word, narrows) in [("on", true), ("T", true), ("off", false), ("f", false)] {
            let mut h = HeaderMap::new();
            h.insert("x-ds24-read-only", word.parse().unwrap());
            assert_eq!(scope("/", &h).unwrap().read_only, narrows, "{word}");
        }
        let mut h = HeaderMap::new();
        h.insert(
            "x-ds24-read-only",
            header::HeaderValue::from_bytes(b"tr\xe4ue").unwrap(),
        );
        assert!(scope("/", &h).unwrap_err().contains("not readable"));
    }
}
