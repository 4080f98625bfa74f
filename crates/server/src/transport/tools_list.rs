//! `tools/list` answered from bytes prepared once per (scope, mode, protocol era).
//!
//! Why: the list never changes while the server runs, yet rmcp answers each `tools/list` by
//! cloning every tool, serializing about 90 of them (tens of kilobytes of JSON with escaped
//! descriptions and schemas) and spinning up a one-shot service with its tasks and channels.
//! That was 0.2–0.4 ms of CPU per call for an answer that is the same every time. Here the
//! answer's `result` is serialized once, by rmcp's own types and with rmcp's own per-era
//! finishing (`resultType` and cache hints for 2026-07-28, their removal for older eras), and
//! each request only writes its id around those bytes. The naming style is the server's, so
//! it is part of every shape implicitly.
//!
//! Only requests whose every check can be decided exactly as rmcp decides it take this path:
//! the gates in front (Host/Origin, POST, bearer key, body) have already passed, the message is
//! a `tools/list` request, Accept and Content-Type are plain, and the protocol version is either
//! legacy (header absent or a known pre-2026 version, no version in `_meta`) or 2026-07-28 with
//! matching header and `_meta`, complete request metadata and a single `Mcp-Method: tools/list`.
//! Anything else goes on to rmcp, which answers, or refuses, as before; a test compares the two
//! paths byte for byte. The prepared answers are bounded ([`MAX_PREPARED`]); beyond that a
//! request shape is answered by rmcp.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::response::Response;
use http::{HeaderMap, StatusCode, header};
use rmcp::model::{
    ClientJsonRpcMessage, ClientRequest, GetMeta as _, ProtocolVersion, ServerResult,
};

use crate::context::RequestContext;
use crate::mcp::Ds24Service;
use crate::tools::{Mode, Scope};

/// Most request shapes (scope × mode × era) kept prepared. Real deployments use a handful; the
/// bound keeps a client that tries every toolset combination from growing memory.
pub const MAX_PREPARED: usize = 32;

/// What a prepared answer depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Shape {
    scope: Scope,
    mode: Option<Mode>,
    modern: bool,
}

/// The prepared `tools/list` answers of one service.
pub struct PreparedLists {
    service: Ds24Service,
    prepared: RwLock<HashMap<Shape, Bytes>>,
    answered: AtomicU64,
}

impl std::fmt::Debug for PreparedLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedLists").finish_non_exhaustive()
    }
}

impl PreparedLists {
    /// Prepared answers of `service`'s tool list, made on first use of each shape.
    pub fn new(service: Ds24Service) -> Arc<Self> {
        Arc::new(Self {
            service,
            prepared: RwLock::new(HashMap::new()),
            answered: AtomicU64::new(0),
        })
    }

    /// How many requests were answered from prepared bytes (the rest went to rmcp).
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// The answer to `body`, if it is a `tools/list` request this path answers exactly as rmcp
    /// would; `None` sends the request on to rmcp.
    pub fn answer(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        context: &RequestContext,
    ) -> Option<Response> {
        if !plain_content_negotiation(headers) {
            return None;
        }
        let Ok(ClientJsonRpcMessage::Request(request)) =
            serde_json::from_slice::<ClientJsonRpcMessage>(body)
        else {
            return None;
        };
        // A cursor is refused by the handler (this server lists everything on one page).
        let ClientRequest::ListToolsRequest(list) = &request.request else {
            return None;
        };
        if list.params.as_ref().is_some_and(|p| p.cursor.is_some()) {
            return None;
        }
        let modern = era(headers, &request.request)?;
        let shape = Shape {
            scope: context.scope.clone(),
            mode: context.mode,
            modern,
        };
        let result = self.result(shape, context)?;
        let id = serde_json::to_vec(&request.id).ok()?;
        let mut out = Vec::with_capacity(result.len() + id.len() + 40);
        out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
        out.extend_from_slice(&id);
        out.extend_from_slice(br#","result":"#);
        out.extend_from_slice(&result);
        out.push(b'}');
        let response = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(out))
            .ok()?;
        self.answered.fetch_add(1, Ordering::Relaxed);
        Some(response)
    }

    /// The serialized `result` for a shape, prepared now if it is new and there is room.
    fn result(&self, shape: Shape, context: &RequestContext) -> Option<Bytes> {
        if let Some(bytes) = self.prepared.read().ok()?.get(&shape) {
            return Some(bytes.clone());
        }
        let mut result =
            ServerResult::ListToolsResult(self.service.tools_list(context, shape.modern));
        // What rmcp's handler does to every result for the negotiated era.
        if shape.modern {
            result.fill_missing_cache_hints();
        } else {
            result.strip_result_type_for_legacy_peer();
            result.strip_non_object_output_for_legacy_peer();
        }
        let bytes = Bytes::from(serde_json::to_vec(&result).ok()?);
        let mut prepared = self.prepared.write().ok()?;
        if prepared.len() >= MAX_PREPARED {
            return None;
        }
        prepared.insert(shape, bytes.clone());
        Some(bytes)
    }
}

/// Accept names JSON and SSE and Content-Type is JSON, without media-type parameters whose
/// reading could differ from rmcp's (quality values, duplicates).
pub(super) fn plain_content_negotiation(headers: &HeaderMap) -> bool {
    let single = |name| {
        let mut values = headers.get_all(name).iter();
        match (values.next(), values.next()) {
            (Some(v), None) => v.to_str().ok(),
            _ => None,
        }
    };
    let Some(accept) = single(header::ACCEPT) else {
        return false;
    };
    if accept.contains(['=', '"']) {
        return false;
    }
    let types: Vec<&str> = accept
        .split(',')
        .map(|t| t.split(';').next().unwrap_or("").trim())
        .collect();
    let accepts = |want: &str| types.iter().any(|t| t.eq_ignore_ascii_case(want));
    let json = single(header::CONTENT_TYPE).is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
    });
    json && accepts("application/json") && accepts("text/event-stream")
}

/// Whether the request is answered in the 2026-07-28 shape (`Some(true)`) or the legacy one
/// (`Some(false)`); `None` when rmcp should decide (an unknown or mismatched version, missing
/// request metadata, standard headers that do not say `tools/list`).
pub(super) fn era(headers: &HeaderMap, request: &ClientRequest) -> Option<bool> {
    let mut versions = headers.get_all("mcp-protocol-version").iter();
    let header_version = match (versions.next(), versions.next()) {
        (None, _) => None,
        (Some(v), None) => Some(v.to_str().ok()?),
        (Some(_), Some(_)) => return None,
    };
    if let Some(v) = header_version
        && !ProtocolVersion::KNOWN_VERSIONS
            .iter()
            .any(|k| k.as_str() == v)
    {
        return None;
    }
    let modern = ProtocolVersion::V_2026_07_28;
    let meta = request.get_meta();
    match meta.protocol_version() {
        // Legacy: the version comes from the header (or defaults); it must be a pre-2026 one,
        // which needs no request metadata and no standard headers.
        None => header_version
            .is_none_or(|v| v < modern.as_str())
            .then_some(false),
        Some(v) => {
            let mut methods = headers.get_all("mcp-method").iter();
            let method_is_list = matches!(
                (methods.next(), methods.next()),
                (Some(m), None) if m == "tools/list"
            );
            (v == modern
                && header_version == Some(modern.as_str())
                && meta.missing_required_keys(&modern).is_empty()
                && method_is_list)
                .then_some(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::tools::Mode;
    use crate::transport::twins::{Setup, send as send_as, twins};

    /// A request with the key every case uses.
    async fn send(
        app: &axum::Router,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String, String) {
        let mut all = vec![("authorization", "Bearer k-1")];
        all.extend_from_slice(headers);
        send_as(app, path, Some(b"localhost"), &all, body).await
    }

    type Headers = Vec<(&'static str, &'static str)>;

    fn plain() -> Headers {
        vec![
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ]
    }

    fn versioned(version: &'static str) -> Headers {
        let mut h = plain();
        h.push(("mcp-protocol-version", version));
        h
    }

    fn modern() -> Headers {
        let mut h = versioned("2026-07-28");
        h.push(("mcp-method", "tools/list"));
        h
    }

    fn modern_meta() -> Value {
        json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        })
    }

    fn list(id: &Value, params: Option<Value>) -> String {
        let mut m = json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"});
        if let Some(p) = params {
            m["params"] = p;
        }
        m.to_string()
    }

    /// (path, headers, body, answered from prepared bytes)
    fn cases() -> Vec<(&'static str, Headers, String, bool)> {
        let mut cases = vec![];
        for path in ["/mcp", "/mcp/readonly", "/mcp/compact", "/"] {
            for id in [
                json!(1),
                json!("req-\"1\"\u{e9}"),
                json!(-7),
                json!(9_007_199_254_740_993_i64),
            ] {
                cases.push((path, plain(), list(&id, None), true));
                let empty = Some(json!({}));
                cases.push((path, versioned("2025-11-25"), list(&id, empty), true));
                let cursor = Some(json!({"cursor": "x"}));
                cases.push((path, versioned("2025-03-26"), list(&id, cursor), false));
                let progress = Some(json!({"_meta": {"progressToken": 3}}));
                cases.push((path, versioned("2024-11-05"), list(&id, progress), true));
                let meta = Some(json!({"_meta": modern_meta()}));
                cases.push((path, modern(), list(&id, meta), true));
            }
        }
        for extra in [
            ("x-ds24-toolsets", "products,statistics"),
            ("x-ds24-read-only", "true"),
            ("x-ds24-mode", "compact"),
            ("x-ds24-mode", "full"),
        ] {
            let mut h = versioned("2025-11-25");
            h.push(extra);
            cases.push(("/mcp", h, list(&json!(2), None), true));
            let mut h = modern();
            h.push(extra);
            let meta = Some(json!({"_meta": modern_meta()}));
            cases.push(("/mcp", h, list(&json!(3), meta), true));
        }
        // Shapes rmcp decides (refusals and unusual negotiation): rmcp answers on both sides.
        let mut wrong_method = versioned("2026-07-28");
        wrong_method.push(("mcp-method", "tools/call"));
        let mut incomplete = modern_meta();
        incomplete
            .as_object_mut()
            .unwrap()
            .remove("io.modelcontextprotocol/clientCapabilities");
        let weighted = vec![
            ("content-type", "application/json"),
            ("accept", "application/json;q=0, text/event-stream"),
        ];
        let no_sse = vec![
            ("content-type", "application/json"),
            ("accept", "application/json"),
        ];
        let meta = || Some(json!({"_meta": modern_meta()}));
        for (headers, body) in [
            (versioned("2026-07-28"), list(&json!(4), meta())),
            (wrong_method, list(&json!(5), meta())),
            (
                modern(),
                list(&json!(6), Some(json!({"_meta": incomplete}))),
            ),
            (modern(), list(&json!(7), None)),
            (versioned("2025-11-25"), list(&json!(8), meta())),
            (versioned("1999-01-01"), list(&json!(9), None)),
            (weighted, list(&json!(10), None)),
            (no_sse, list(&json!(11), None)),
            (versioned("2025-11-25"), list(&json!(1.5), None)),
            (
                versioned("2025-11-25"),
                json!({"jsonrpc": "2.0", "method": "tools/list"}).to_string(),
            ),
        ] {
            cases.push(("/mcp", headers, body, false));
        }
        cases
    }

    /// Every request shape is answered byte for byte as rmcp answers it, and the ordinary ones
    /// come from the prepared bytes.
    #[tokio::test]
    async fn prepared_answers_are_rmcps_answers() {
        let cases = cases();
        for mode in [Mode::Full, Mode::Compact] {
            let t = twins(&Setup {
                api_url: "http://127.0.0.1:9/api/call",
                toolsets: None,
                mode,
                max_result_bytes: 100_000,
                hosts: "localhost",
            });
            let (fast, rmcp, lists) = (t.fast, t.rmcp, t.shortcuts.lists);
            for (path, headers, body, taken) in &cases {
                let before = lists.answered();
                let ours = send(&fast, path, headers, body).await;
                let theirs = send(&rmcp, path, headers, body).await;
                assert_eq!(ours, theirs, "{mode:?} {path} {headers:?} {body}");
                assert_eq!(
                    lists.answered() - before,
                    u64::from(*taken),
                    "{mode:?} {path} {headers:?} {body}"
                );
            }
        }
    }
}
