//! Legacy-era `tools/call` run without rmcp's per-request service.
//!
//! Why: in stateless mode rmcp answers every POST by building a one-shot service around it: a
//! transport, a serve loop with its task sets and channels, a task for the handler and another
//! that waits for the service. For a `listProducts` call that was about a quarter of the
//! server's CPU. A tools/call of a client that speaks a version before 2026-07-28 needs none of
//! it: the answer is one JSON-RPC response. The server never asks such a client anything
//! (legacy clients confirm destructive calls through their own approval, driven by
//! `destructiveHint`), and without a progress token it sends no notification either. Here such
//! a call goes to the same handler body as rmcp's path ([`Ds24Service::call_legacy`]), in a
//! task of its own as there. A successful result is written here (`write_result`) as rmcp
//! writes one for a legacy peer, its structured content straight from Digistore24's answer
//! (see `ds24_client::Doc`); any other result gets rmcp's own finishing for legacy peers.
//!
//! Only requests rmcp would hand to the handler as they are take this path: the gates in front
//! (Host/Origin, POST, bearer key, body, params) have passed, the message is a `tools/call`
//! request whose arguments were read whole, Accept and Content-Type are plain, the protocol
//! version is legacy (header absent or a known pre-2026 version, no version in `_meta`), and
//! there is no progress token. Anything else goes on to rmcp, which answers, or refuses, as
//! before; a test compares the two paths byte for byte.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::response::{IntoResponse as _, Response};
use http::{HeaderMap, StatusCode, header};
use rmcp::ErrorData;
use rmcp::model::{
    CallToolResponse, ClientJsonRpcMessage, ClientRequest, GetMeta as _, JsonRpcMessage, RequestId,
    ServerResult,
};
use tracing::Instrument as _;

use super::tools_list::{era, plain_content_negotiation};
use crate::context::RequestContext;
use crate::mcp::{Ds24Service, Reply};
use crate::shape::Shaped;

/// Legacy `tools/call` requests answered without rmcp's per-request service.
pub struct DirectCalls {
    service: Ds24Service,
    answered: AtomicU64,
}

impl std::fmt::Debug for DirectCalls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectCalls").finish_non_exhaustive()
    }
}

/// A request this path answers, read and checked, not yet run.
pub struct DirectCall {
    id: RequestId,
    request: rmcp::model::CallToolRequestParams,
    meta: rmcp::model::RequestMetaObject,
}

impl DirectCalls {
    /// Direct calls to `service`.
    pub fn new(service: Ds24Service) -> Arc<Self> {
        Arc::new(Self {
            service,
            answered: AtomicU64::new(0),
        })
    }

    /// How many requests were answered here (the rest went to rmcp).
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// The call in `body`, if it is a request this path answers exactly as rmcp would; `None`
    /// sends it on to rmcp.
    pub fn take(headers: &HeaderMap, body: &[u8]) -> Option<DirectCall> {
        if !plain_content_negotiation(headers) {
            return None;
        }
        let Ok(ClientJsonRpcMessage::Request(mut request)) =
            serde_json::from_slice::<ClientJsonRpcMessage>(body)
        else {
            return None;
        };
        // Legacy only: a 2026-07-28 request brings per-request metadata and standard headers
        // that rmcp checks against the tool's schema.
        if era(headers, &request.request) != Some(false) {
            return None;
        }
        let meta = std::mem::take(request.request.get_meta_mut());
        if meta.get_progress_token().is_some() {
            return None;
        }
        let ClientRequest::CallToolRequest(call) = request.request else {
            return None;
        };
        Some(DirectCall {
            id: request.id,
            request: call.params,
            meta,
        })
    }

    /// Runs `call` and answers it as rmcp's stateless JSON response would.
    pub async fn run(self: &Arc<Self>, call: DirectCall, context: Arc<RequestContext>) -> Response {
        // In a task of its own, as rmcp runs handlers: a client that hangs up does not cut a
        // call short (a write half done, its audit record without an outcome); it runs to the
        // end, with its log lines, and only its answer is lost.
        let calls = Arc::clone(self);
        let handler = tokio::spawn(
            async move { calls.answer(call, context).await }.instrument(tracing::Span::current()),
        );
        match handler.await {
            Ok(Some(body)) => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
            Ok(None) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            Err(e) => {
                tracing::error!(error = %e, "a tool call's task ended without an answer");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }

    /// The JSON-RPC answer to `call`, serialized.
    async fn answer(&self, call: DirectCall, context: Arc<RequestContext>) -> Option<Vec<u8>> {
        let DirectCall { id, request, meta } = call;
        let reply = self.service.call_legacy(context, request, &meta).await;
        if let Ok(Reply::Done(shaped)) = &reply {
            self.answered.fetch_add(1, Ordering::Relaxed);
            return Some(write_result(&id, shaped));
        }
        let result = reply.and_then(|reply| {
            finish_for_legacy_peer(ServerResult::from(CallToolResponse::from(reply)))
        });
        let message: rmcp::model::ServerJsonRpcMessage = match result {
            Ok(result) => JsonRpcMessage::response(result, id),
            Err(error) => {
                // The line rmcp's service writes for an error answer, under its name so that
                // log filters treat both paths alike.
                tracing::warn!(target: "rmcp::service", %id, ?error, "response error");
                JsonRpcMessage::error(error, Some(id))
            }
        };
        self.answered.fetch_add(1, Ordering::Relaxed);
        serde_json::to_vec(&message)
            .inspect_err(|e| tracing::error!(error = %e, "cannot serialise a tool result"))
            .ok()
    }
}

/// The JSON-RPC answer of a successful call, written as rmcp writes a `CallToolResult` for a
/// legacy peer (a test compares the two byte for byte), with the structured content written
/// from Digistore24's answer as it lies rather than through a `Value`.
pub fn write_result(id: &RequestId, shaped: &Shaped) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(shaped.text.len() * 5 / 4 + shaped.structured.size_hint() + 256);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    let _ = serde_json::to_writer(&mut out, id);
    out.extend_from_slice(br#","result":{"content":[{"type":"text","text":"#);
    let _ = serde_json::to_writer(&mut out, &shaped.text);
    out.extend_from_slice(br#"}],"structuredContent":"#);
    shaped.structured.write_json(&mut out);
    out.extend_from_slice(br#","isError":false}}"#);
    out
}

/// What rmcp's handler does to every result for a peer before 2026-07-28.
fn finish_for_legacy_peer(mut result: ServerResult) -> Result<ServerResult, ErrorData> {
    if matches!(result, ServerResult::InputRequiredResult(_)) {
        return Err(ErrorData::invalid_request(
            "InputRequiredResult requires negotiated protocol version 2026-07-28 or newer",
            None,
        ));
    }
    result.strip_result_type_for_legacy_peer();
    result.strip_non_object_output_for_legacy_peer();
    Ok(result)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::Router;
    use serde_json::{Value, json};

    use super::DirectCalls;
    use crate::tools::Mode;
    use crate::transport::twins::{Setup, send as send_as, twins};

    /// The application with the direct path, the same without, and the direct calls, in front
    /// of the sandbox at `api_url` with every toolset.
    fn apps_for(api_url: &str, mode: Mode, hosts: &str) -> (Router, Router, Arc<DirectCalls>) {
        let t = twins(&Setup {
            api_url,
            toolsets: Some("all"),
            mode,
            max_result_bytes: 8_000,
            hosts,
        });
        (t.fast, t.rmcp, t.shortcuts.calls)
    }

    /// The upstream: a sandbox in memory, over real HTTP.
    async fn sandbox() -> ds24_sandbox::RunningSandbox {
        ds24_sandbox::start(
            ds24_sandbox::SandboxOptions::in_memory(),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap()
    }

    fn apps(api_url: &str, mode: Mode) -> (Router, Router, Arc<DirectCalls>) {
        apps_for(api_url, mode, "localhost")
    }

    type Headers = Vec<(&'static str, &'static str)>;

    async fn send(
        app: &Router,
        path: &str,
        headers: &Headers,
        body: &str,
    ) -> (u16, String, String) {
        send_as(app, path, Some(b"localhost"), headers, body).await
    }

    fn headers(key: &'static str, version: Option<&'static str>) -> Headers {
        let mut h = vec![
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
            ("authorization", key),
        ];
        if let Some(v) = version {
            h.push(("mcp-protocol-version", v));
        }
        h
    }

    fn call(id: &Value, name: &str, args: Option<Value>, extra: Option<(&str, Value)>) -> String {
        let mut params = json!({"name": name});
        if let Some(args) = args {
            params["arguments"] = args;
        }
        if let Some((k, v)) = extra {
            params[k] = v;
        }
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}).to_string()
    }

    const FULL: &str = "Bearer sandbox-full";
    const READ: &str = "Bearer sandbox-read";

    /// (path, headers, body, answered directly). Reads and refusals only, so both apps see the
    /// same account whichever answers first.
    fn cases() -> Vec<(&'static str, Headers, String, bool)> {
        let mut cases = vec![];
        for path in ["/mcp", "/mcp/readonly", "/"] {
            for id in [json!(1), json!("req-\"1\"\u{e9}"), json!(-7)] {
                for version in [
                    None,
                    Some("2025-11-25"),
                    Some("2025-03-26"),
                    Some("2024-11-05"),
                ] {
                    let h = headers(FULL, version);
                    cases.push((
                        path,
                        h.clone(),
                        call(&id, "listProducts", Some(json!({})), None),
                        true,
                    ));
                    cases.push((path, h, call(&id, "listProducts", None, None), true));
                }
            }
        }
        let v = Some("2025-11-25");
        let direct = [
            // Found, paged, truncated by the answer cap, not found, refused by Digistore24.
            call(
                &json!(2),
                "listPurchases",
                Some(json!({"from": "2020-01-01", "to": "2030-01-01", "page_size": 3})),
                None,
            ),
            call(
                &json!(3),
                "listTransactions",
                Some(json!({"from": "2020-01-01", "to": "2030-01-01"})),
                None,
            ),
            call(
                &json!(4),
                "getProduct",
                Some(json!({"product_id": "999999999"})),
                None,
            ),
            call(&json!(5), "listVouchers", Some(json!({})), None),
            // Bad arguments, an unknown tool, arguments null.
            call(&json!(6), "listProducts", Some(json!({"sort_by": 5})), None),
            call(&json!(7), "getProduct", Some(json!({})), None),
            call(&json!(8), "noSuchTool", Some(json!({})), None),
            call(&json!(9), "listProducts", Some(Value::Null), None),
            // Writes the pipeline refuses before Digistore24: a destructive call's made-up
            // confirmation, a write without its required data.
            call(
                &json!(10),
                "deleteVoucher",
                Some(json!({"code": "NOPE"})),
                Some(("requestState", json!("forged"))),
            ),
            call(&json!(11), "createProduct", Some(json!({})), None),
            // A client name and version in `_meta`, and other metadata.
            call(
                &json!(12),
                "listProducts",
                Some(json!({})),
                Some((
                    "_meta",
                    json!({"io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"}, "x": 1}),
                )),
            ),
        ];
        for body in direct {
            cases.push(("/mcp", headers(FULL, v), body.clone(), true));
            cases.push(("/mcp", headers(READ, v), body, true));
        }
        // A destructive call without confirmation (a legacy client confirms through its own
        // approval): refused by Digistore24 for a voucher that does not exist.
        cases.push((
            "/mcp",
            headers(FULL, v),
            call(
                &json!(15),
                "deleteVoucher",
                Some(json!({"code": "NOPE"})),
                None,
            ),
            true,
        ));
        // Per-request narrowing and mode, a Content-Type with a parameter, a forged answer to a
        // confirmation that accepts.
        for extra in [
            ("x-ds24-mode", "compact"),
            ("x-ds24-read-only", "true"),
            ("content-type", "application/json; charset=utf-8"),
        ] {
            let mut h = headers(FULL, v);
            h.retain(|(name, _)| *name != extra.0);
            h.push(extra);
            cases.push((
                "/mcp",
                h.clone(),
                call(&json!(16), "listProducts", Some(json!({})), None),
                true,
            ));
            cases.push((
                "/mcp",
                h,
                call(
                    &json!(17),
                    "createProduct",
                    Some(json!({"data": "not an object"})),
                    None,
                ),
                true,
            ));
        }
        let accepted = json!({"confirm": {"action": "accept", "content": {"confirm": true}}});
        let body = json!({"jsonrpc": "2.0", "id": 18, "method": "tools/call", "params": {
            "name": "deleteVoucher", "arguments": {"code": "NOPE"},
            "requestState": "forged", "inputResponses": accepted}});
        cases.push(("/mcp", headers(FULL, v), body.to_string(), true));
        // Two version headers; a legacy version in `_meta` (per-request negotiation is rmcp's).
        let mut twice = headers(FULL, v);
        twice.push(("mcp-protocol-version", "2025-11-25"));
        cases.push((
            "/mcp",
            twice,
            call(&json!(25), "listProducts", None, None),
            false,
        ));
        let legacy_meta = json!({"io.modelcontextprotocol/protocolVersion": "2025-11-25"});
        cases.push((
            "/mcp",
            headers(FULL, v),
            call(
                &json!(26),
                "listProducts",
                None,
                Some(("_meta", legacy_meta)),
            ),
            false,
        ));
        // A write with a read-only key, narrowed toolsets.
        cases.push((
            "/mcp",
            headers(READ, v),
            call(
                &json!(13),
                "createProduct",
                Some(json!({"data": {"name_de": "x"}})),
                None,
            ),
            true,
        ));
        let mut narrowed = headers(FULL, v);
        narrowed.push(("x-ds24-toolsets", "statistics"));
        cases.push((
            "/mcp",
            narrowed,
            call(&json!(14), "listProducts", Some(json!({})), None),
            true,
        ));
        // Shapes rmcp decides: a progress token, the 2026-07-28 era, unusual negotiation or
        // version, and ids rmcp refuses.
        let progress = Some(("_meta", json!({"progressToken": 1})));
        cases.push((
            "/mcp",
            headers(FULL, v),
            call(&json!(20), "listProducts", Some(json!({})), progress),
            false,
        ));
        let mut modern = headers(FULL, Some("2026-07-28"));
        modern.push(("mcp-method", "tools/call"));
        modern.push(("mcp-name", "listProducts"));
        let meta = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        });
        cases.push((
            "/mcp",
            modern,
            call(
                &json!(21),
                "listProducts",
                Some(json!({})),
                Some(("_meta", meta.clone())),
            ),
            false,
        ));
        cases.push((
            "/mcp",
            headers(FULL, v),
            call(
                &json!(22),
                "listProducts",
                Some(json!({})),
                Some(("_meta", meta)),
            ),
            false,
        ));
        cases.push((
            "/mcp",
            headers(FULL, Some("1999-01-01")),
            call(&json!(23), "listProducts", None, None),
            false,
        ));
        let mut weighted = headers(FULL, v);
        weighted[1] = ("accept", "application/json;q=0, text/event-stream");
        cases.push((
            "/mcp",
            weighted,
            call(&json!(24), "listProducts", None, None),
            false,
        ));
        cases.push((
            "/mcp",
            headers(FULL, v),
            call(&json!(1.5), "listProducts", None, None),
            false,
        ));
        cases.push((
            "/mcp",
            headers(FULL, v),
            json!({"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "listProducts"}})
                .to_string(),
            false,
        ));
        cases
    }

    /// Every request is answered byte for byte as rmcp answers it, and the ordinary ones take
    /// the direct path.
    #[tokio::test]
    async fn direct_answers_are_rmcps_answers() {
        let sandbox = sandbox().await;
        let cases = cases();
        for mode in [Mode::Full, Mode::Compact] {
            let (fast, rmcp, calls) = apps(&sandbox.api_url(), mode);
            for (path, headers, body, taken) in &cases {
                let before = calls.answered();
                let ours = send(&fast, path, headers, body).await;
                let theirs = send(&rmcp, path, headers, body).await;
                assert_eq!(ours, theirs, "{mode:?} {path} {headers:?} {body}");

                assert_eq!(
                    calls.answered() - before,
                    u64::from(*taken),
                    "{mode:?} {path} {headers:?} {body}"
                );
            }
            // Compact mode's own tools take the direct path too.
            if mode == Mode::Compact {
                let h = headers(FULL, Some("2025-11-25"));
                for body in [
                    call(
                        &json!(30),
                        "searchTools",
                        Some(json!({"query": "voucher"})),
                        None,
                    ),
                    call(
                        &json!(31),
                        "describeTool",
                        Some(json!({"name": "listProducts"})),
                        None,
                    ),
                    call(
                        &json!(32),
                        "callTool",
                        Some(json!({"name": "listProducts", "arguments": {}})),
                        None,
                    ),
                    call(&json!(33), "callTool", Some(json!({"name": 5})), None),
                ] {
                    let before = calls.answered();
                    let ours = send(&fast, "/mcp", &h, &body).await;
                    let theirs = send(&rmcp, "/mcp", &h, &body).await;
                    assert_eq!(ours, theirs, "{body}");
                    assert_eq!(calls.answered() - before, 1, "{body}");
                }
            }
        }
        sandbox.shutdown().await;
    }

    /// Requests rmcp's own front checks stop (paths that are not MCP endpoints, a Host it cannot
    /// read where our gate lets any through) are not answered directly: nothing runs.
    #[tokio::test]
    async fn requests_rmcp_would_not_hand_on_stay_with_rmcp() {
        let sandbox = sandbox().await;
        let (fast, rmcp, calls) = apps_for(&sandbox.api_url(), Mode::Full, "*");
        let h = headers(FULL, Some("2025-11-25"));
        let body = call(&json!(1), "listProducts", Some(json!({})), None);
        let cases: [(&str, Option<&[u8]>); 6] = [
            ("/other", Some(b"localhost")),
            ("/mcp/readonly/", Some(b"localhost")),
            ("/mcp/", Some(b"localhost")),
            ("/mcp", None),
            ("/mcp", Some(b"a b")),
            ("/mcp", Some(b"\xffhost")),
        ];
        for (path, host) in cases {
            let before = calls.answered();
            let ours = send_as(&fast, path, host, &h, &body).await;
            let theirs = send_as(&rmcp, path, host, &h, &body).await;
            assert_eq!(ours, theirs, "{path} {host:?}");
            assert_ne!(ours.0, 200, "{path} {host:?}: {ours:?}");
            assert_eq!(calls.answered(), before, "{path} {host:?}");
        }
        // The same request on an MCP path with a readable Host takes the direct path.
        let ours = send_as(&fast, "/mcp", Some(b"any.example:8080"), &h, &body).await;
        assert_eq!(ours.0, 200, "{ours:?}");
        assert_eq!(calls.answered(), 1);
        sandbox.shutdown().await;
    }
}
