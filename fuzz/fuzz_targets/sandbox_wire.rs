//! The sandbox's wire parser: the path (function name and positional arguments), the query and
//! the body as a form or as JSON (by content type), first through `parse_params` alone, then
//! through the sandbox's whole HTTP layer. Whatever arrives, the answer is Digistore24's: the
//! parser fails only with code 3, and every answer under /api/call is a JSON envelope.

#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use http_body_util::BodyExt as _;
use libfuzzer_sys::fuzz_target;
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
        let state = match ds24_sandbox::SandboxState::open(ds24_sandbox::SandboxOptions::in_memory())
        {
            Ok(state) => state,
            Err(e) => panic!("sandbox: {e}"),
        };
        let app = rt.block_on(async { ds24_sandbox::router(state) });
        Fixture { rt, app }
    })
}

const CONTENT_TYPES: [Option<&str>; 6] = [
    None,
    Some("application/x-www-form-urlencoded"),
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("text/plain"),
    Some("application/x-www-form-urlencoded; charset=utf-8"),
];

/// Path bytes as a URI path: unreserved bytes and `/` as they are, `%` as it is (so broken
/// escapes reach the decoder), everything else percent-encoded.
fn path_text(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"/-_.~%".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(3, |b| *b == 0);
    let path = parts.next().unwrap_or_default();
    let query = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let content_type = CONTENT_TYPES[usize::from(choice) % CONTENT_TYPES.len()];

    if let Err(e) = ds24_sandbox::parse_params(content_type, body) {
        assert_eq!(
            e.code(),
            3,
            "the parser failed otherwise than with code 3: {e:?}"
        );
    }

    let mut uri = format!("/api/call/{}", path_text(path));
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&path_text(query).replace("%3D", "=").replace("%26", "&"));
    }
    let method = if choice & 0x40 != 0 { "GET" } else { "POST" };
    let mut req = http::Request::builder().method(method).uri(&uri);
    if choice & 0x80 != 0 {
        req = req.header("x-ds-api-key", "sandbox-read");
    }
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let Ok(req) = req.body(Body::from(body.to_vec())) else {
        return;
    };
    let f = fixture();
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
    let envelope: serde_json::Value = serde_json::from_slice(&answer).unwrap_or_else(|e| {
        panic!(
            "{status} for {method} {uri}: not JSON ({e}): {}",
            String::from_utf8_lossy(&answer)
        )
    });
    assert!(
        matches!(envelope["result"].as_str(), Some("success" | "error")),
        "{status} for {method} {uri}: {envelope}"
    );
});
