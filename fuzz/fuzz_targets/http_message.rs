//! The JSON-RPC body through the whole in-process service: the HTTP gates, the bounded message
//! reader, rmcp, the MCP handler and the pipeline, with an in-process upstream. Whatever the
//! body, the service answers (no panic, no 5xx), and an error answer stays under 16 KB.

#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use ds24_mcp::transport::http::{self as front, HttpOptions};
use http_body_util::BodyExt as _;
use libfuzzer_sys::fuzz_target;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

struct Fixture {
    rt: tokio::runtime::Runtime,
    app: axum::Router,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => panic!("runtime: {e}"),
        };
        let opts = HttpOptions {
            allowed_hosts: vec!["localhost".into()],
            allowed_origins: vec![],
            max_body_bytes: 1 << 20,
            body_read_timeout: Duration::from_secs(10),
            trusted_proxies: vec![],
            fallback_key: None,
            accept_keys: true,
            oauth: None,
        };
        let app = rt.block_on(async {
            front::app(
                Arc::new(ds24_mcp_fuzz::pipeline()),
                opts,
                CancellationToken::new(),
            )
        });
        Fixture { rt, app }
    })
}

/// Paths and protocol versions the first input byte chooses between.
const PATHS: [&str; 4] = ["/mcp", "/mcp/readonly", "/", "/mcp/compact"];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, body)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let modern = choice & 4 != 0;
    let mut req = http::Request::post(PATHS[usize::from(choice & 3)])
        .header("host", "localhost")
        .header("authorization", "Bearer fuzz-key")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header(
            "mcp-protocol-version",
            if modern { "2026-07-28" } else { "2025-11-25" },
        );
    if choice & 8 != 0 {
        req = req.header("x-ds24-read-only", "true");
    }
    if modern {
        // The 2026-07-28 era names the method in a header; take it from the body when it has one.
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
            && let Some(m) = v.get("method").and_then(|m| m.as_str())
            && let Ok(h) = http::HeaderValue::from_str(m)
        {
            req = req.header("mcp-method", h);
            if let Some(name) = v["params"]["name"].as_str()
                && let Ok(h) = http::HeaderValue::from_str(name)
            {
                req = req.header("mcp-name", h);
            }
        }
    }
    let Ok(req) = req.body(Body::from(body.to_vec())) else {
        return;
    };
    let (status, answer) = f.rt.block_on(async {
        let response = match f.app.clone().oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = response.status();
        let bytes = match response.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => panic!("answer body: {e}"),
        };
        (status, bytes)
    });
    assert!(
        !status.is_server_error(),
        "{status} for {:?}: {}",
        String::from_utf8_lossy(body),
        String::from_utf8_lossy(&answer)
    );
    if let Ok(reply) = serde_json::from_slice::<serde_json::Value>(&answer) {
        let failed = reply.get("error").is_some() || reply["result"]["isError"] == true;
        assert!(
            !failed || answer.len() <= 16 * 1024,
            "{} byte error answer for a {} byte request",
            answer.len(),
            body.len()
        );
    }
});
