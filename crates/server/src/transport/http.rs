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
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

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
use tokio_util::sync::CancellationToken;

use super::correlation;
use crate::context::RequestContext;
use crate::mcp::{Door, Ds24Service};
use crate::oauth::{OAuth, TokenProblem};
use crate::pipeline::Pipeline;
use crate::tools::{Mode, Scope};
use crate::transport::tools_list::PreparedLists;

/// Paths that serve MCP. The hosted server documents the bare root; `/readonly` variants give
/// the documented two-connection setup a server-enforced read connection.
pub const MCP_PATHS: [&str; 6] = [
    "/",
    "/mcp",
    "/readonly",
    "/mcp/readonly",
    "/compact",
    "/mcp/compact",
];

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
    /// `tools/list` from prepared bytes; `None` leaves every request to rmcp (tests compare).
    lists: Option<Arc<PreparedLists>>,
}

/// Builds the application: MCP on [`MCP_PATHS`], `/healthz` without auth, and with OAuth on
/// the authorization server's metadata and endpoints.
pub fn app(pipeline: Arc<Pipeline>, opts: HttpOptions, shutdown: CancellationToken) -> Router {
    let service = Ds24Service::new(pipeline, Door::PerRequest);
    let lists = PreparedLists::new(service.clone());
    build(service, opts, shutdown, Some(lists))
}

/// The application around `service`, with `tools/list` from `lists` when given.
pub(super) fn build(
    service: Ds24Service,
    opts: HttpOptions,
    shutdown: CancellationToken,
    lists: Option<Arc<PreparedLists>>,
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
    let gate = Arc::new(Gate { opts, lists });
    let mut router = Router::new();
    for path in MCP_PATHS {
        router = router.route_service(path, mcp.clone());
    }
    let mut router = router
        .layer(middleware::from_fn_with_state(gate.clone(), json_rpc_body))
        .layer(middleware::from_fn_with_state(gate.clone(), authenticate))
        .layer(middleware::from_fn(post_only))
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
                .layer(middleware::from_fn_with_state(gate, check_host)),
        );
    }
    // Request ids, the request's log span and the HTTP metrics cover MCP and OAuth alike.
    router
        .layer(middleware::from_fn(correlation::correlate))
        .route("/healthz", get(|| async { "ok" }))
}

/// Serves `app` on `listener` until `shutdown` resolves; in-flight requests finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
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

async fn check_host(State(gate): State<Arc<Gate>>, req: Request, next: Next) -> Response {
    if let Some(problem) = host_problem(req.headers(), &gate.opts.allowed_hosts) {
        return (StatusCode::FORBIDDEN, axum::Json(json!({"error": problem}))).into_response();
    }
    next.run(req).await
}

fn host_problem(headers: &HeaderMap, allowed: &[String]) -> Option<String> {
    if allowed.iter().any(|h| h == "*") {
        return None;
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return Some("Forbidden: missing Host header".into());
    };
    let host = host.trim().to_ascii_lowercase();
    let bare = strip_port(&host);
    let ok = allowed
        .iter()
        .map(|a| a.to_ascii_lowercase())
        .any(|a| a == host || a.trim_matches(['[', ']']) == bare);
    (!ok).then(|| {
        format!(
            "Forbidden: Host `{host}` is not allowed. A public deployment must list its hostname with --allowed-hosts (env DS24_MCP_ALLOWED_HOSTS)."
        )
    })
}

fn strip_port(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !host.contains(':') => {
            host
        }
        _ => authority,
    }
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
    let origin_host = origin.split_once("://").map(|(_, rest)| {
        strip_port(rest.trim_end_matches('/'))
            .trim_matches(['[', ']'])
            .to_owned()
    });
    let same_host = origin_host.is_some_and(|h| {
        hosts
            .iter()
            .any(|a| a != "*" && a.trim_matches(['[', ']']).eq_ignore_ascii_case(&h))
    });
    let ok = same_host
        || allowed
            .iter()
            .any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(&origin));
    (!ok).then(|| {
        format!("Forbidden: Origin `{origin}` is not allowed. Allow browser origins with --allowed-origins (env DS24_MCP_ALLOWED_ORIGINS).")
    })
}

/// Reads the body (bounded: 413 beyond the limit) and answers malformed JSON with a JSON-RPC
/// parse error, which clients understand, instead of a bare HTTP error.
async fn json_rpc_body(State(gate): State<Arc<Gate>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let limit = gate.opts.max_body_bytes;
    let bytes = match read_bounded(body, limit).await {
        Ok(bytes) => bytes,
        Err(()) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                axum::Json(json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": format!("Request body larger than {limit} bytes.")}})),
            )
                .into_response();
        }
    };
    let mut id = serde_json::Value::Null;
    let mut tools_list = false;
    let problem = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Err(e) => Some((
            -32700,
            format!("Parse error: the body is not valid JSON ({e})."),
        )),
        Ok(serde_json::Value::Object(msg))
            if msg.get("jsonrpc").and_then(|v| v.as_str()) == Some("2.0") =>
        {
            id = msg.get("id").cloned().unwrap_or(serde_json::Value::Null);
            tools_list = msg.get("method").and_then(|m| m.as_str()) == Some("tools/list");
            tool_call_problem(&msg).map(|m| (-32602, m))
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
        return (
            status,
            axum::Json(
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
            ),
        )
            .into_response();
    }
    if tools_list
        && let Some(lists) = &gate.lists
        && let Some(context) = parts.extensions.get::<Arc<RequestContext>>()
        && let Some(answer) = lists.answer(&parts.headers, &bytes, context)
    {
        return answer;
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// rmcp answers a `tools/call` whose params it cannot read with "method not found"; the
/// accurate answer is "invalid params", with what is wrong.
fn tool_call_problem(msg: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    if msg.get("method").and_then(|m| m.as_str()) != Some("tools/call") {
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

/// Collects at most `limit` bytes. An oversized body is still read (and dropped) for a while,
/// so the client finishes sending and sees the 413 instead of a reset connection.
async fn read_bounded(mut body: Body, limit: usize) -> Result<Vec<u8>, ()> {
    use http_body_util::BodyExt as _;
    let mut buf = Vec::new();
    let mut too_big = false;
    let mut seen = 0usize;
    let drain = async {
        while let Some(Ok(frame)) = body.frame().await {
            let Ok(data) = frame.into_data() else {
                continue;
            };
            seen += data.len();
            if seen > limit {
                too_big = true;
                buf.clear();
                if seen > limit.saturating_mul(16) {
                    break;
                }
            } else {
                buf.extend_from_slice(&data);
            }
        }
    };
    let finished = tokio::time::timeout(std::time::Duration::from_secs(10), drain)
        .await
        .is_ok();
    if too_big || !finished {
        Err(())
    } else {
        Ok(buf)
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
            return (StatusCode::BAD_REQUEST, axum::Json(json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": problem}})))
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
            return (StatusCode::BAD_REQUEST, axum::Json(json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": problem}})))
                .into_response();
        }
    };
    // Who is acting: the OAuth grant's identity when there is one (authenticated), else the
    // deployment's X-DS24-Operator header.
    let operator = match correlation::operator(req.headers()) {
        Ok(header) => grant.map(|g| g.operator).or(header),
        Err(problem) => {
            return (StatusCode::BAD_REQUEST, axum::Json(json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": problem}})))
                .into_response();
        }
    };
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let context = RequestContext {
        key: Some(key),
        scope,
        operator,
        request_id: correlation::request_id(&req),
        user_agent: correlation::user_agent(req.headers()),
        mode,
        peer,
        ..RequestContext::default()
    };
    req.extensions_mut().insert(Arc::new(context));
    next.run(req).await
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
        .body(Body::from(
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32001, "message": message}})
                .to_string(),
        ))
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

fn scope(path: &str, headers: &HeaderMap) -> Result<Scope, String> {
    let header_text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let read_only_header = match header_text("x-ds24-read-only")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("" | "false" | "0" | "no" | "n") => false,
        Some("true" | "1" | "yes" | "y") => true,
        Some(other) => {
            return Err(format!(
                "X-DS24-Read-Only must be true or false, not `{other}`."
            ));
        }
    };
    let toolsets = match header_text("x-ds24-toolsets") {
        None | Some("" | "all") => None,
        Some(list) => Some(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|name| {
                    crate::tools::toolset(name).map(|t| t.id).ok_or_else(|| {
                        format!(
                            "X-DS24-Toolsets names an unknown toolset `{name}`; known: {}.",
                            crate::tools::toolset_names().join(", ")
                        )
                    })
                })
                .collect::<Result<BTreeSet<_>, _>>()?,
        ),
    };
    Ok(Scope {
        read_only: read_only_header || path.ends_with("/readonly"),
        toolsets,
        read_only_grant: false,
    })
}

/// The address clients should use, for startup messages.
pub fn endpoint_url(addr: SocketAddr) -> String {
    format!("http://{addr}/mcp")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_ports_and_ipv6() {
        assert_eq!(strip_port("localhost:8787"), "localhost");
        assert_eq!(strip_port("[::1]:8787"), "::1");
        assert_eq!(strip_port("example.com"), "example.com");
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
    }
}
