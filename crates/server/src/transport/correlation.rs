//! Request correlation on the HTTP door: every request gets an id (the caller's
//! `X-Request-Id` when it is sane, a fresh one otherwise) that names its log span, goes into
//! its audit line and comes back in the `X-Request-Id` response header; plus the operator
//! (`X-DS24-Operator`) and the `User-Agent`, bounded, for the request context. The outermost
//! layer, so even a 403 carries an id and is counted.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, HeaderValue};
use tracing::Instrument as _;

use crate::telemetry;

/// The header that carries the request id, both ways.
pub const REQUEST_ID: &str = "x-request-id";
/// The header naming the person acting (for the audit trail).
pub const OPERATOR: &str = "x-ds24-operator";

/// Longest accepted request id, operator name or kept User-Agent, in characters.
const MAX_LEN: usize = 128;

/// The request's id, in the request extensions for the layers within.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Outermost layer: assigns the id, opens the request's log span, counts the request in flight
/// and its response by status, and returns the id.
pub async fn correlate(mut req: Request, next: Next) -> Response {
    let _in_flight = telemetry::InFlight::start();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| is_sane_id(id))
        .map_or_else(generate, str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(req).instrument(span).await;
    telemetry::http_response(response.status().as_u16());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Visible ASCII (no spaces), 1 to 128 characters: safe in a header, a log line and a label
/// of a person's choosing; anything else is replaced by a generated id.
fn is_sane_id(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// 16 random bytes as 32 hex digits.
fn generate() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: still unique enough within a process for correlation.
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        return format!("{n:032x}");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `X-DS24-Operator`: who is acting, as the deployment knows them. UTF-8 text without control
/// characters, at most 128 characters; `Err` says what is wrong (the request gets 400, since an
/// audit trail must not record a mangled name).
pub fn operator(headers: &HeaderMap) -> Result<Option<String>, String> {
    let Some(value) = headers.get(OPERATOR) else {
        return Ok(None);
    };
    let text = std::str::from_utf8(value.as_bytes())
        .map_err(|_| "X-DS24-Operator must be UTF-8 text.".to_owned())?
        .trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().any(char::is_control) {
        return Err("X-DS24-Operator must not contain control characters.".into());
    }
    if text.chars().count() > MAX_LEN {
        return Err(format!(
            "X-DS24-Operator is longer than {MAX_LEN} characters."
        ));
    }
    Ok(Some(text.to_owned()))
}

/// The `User-Agent`, cut to 128 characters, printable only.
pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    let ua = headers.get(http::header::USER_AGENT)?.to_str().ok()?.trim();
    let kept: String = ua
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_LEN)
        .collect();
    (!kept.is_empty()).then_some(kept)
}

/// The id [`correlate`] gave this request.
pub fn request_id(req: &Request) -> Option<String> {
    req.extensions().get::<RequestId>().map(|r| r.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_bounded_and_visible() {
        assert!(is_sane_id("abc-123_x.y:z"));
        assert!(!is_sane_id(""));
        assert!(!is_sane_id("has space"));
        assert!(!is_sane_id(&"a".repeat(129)));
        assert!(is_sane_id(&"a".repeat(128)));
        let g = generate();
        assert_eq!(g.len(), 32);
        assert_ne!(g, generate());
    }

    #[test]
    fn operator_is_checked() {
        let mut h = HeaderMap::new();
        assert_eq!(operator(&h), Ok(None));
        h.insert(OPERATOR, HeaderValue::from_static(" alice@example.com "));
        assert_eq!(operator(&h), Ok(Some("alice@example.com".into())));
        h.insert(
            OPERATOR,
            HeaderValue::from_bytes("Jürgen Müller".as_bytes()).unwrap(),
        );
        assert_eq!(operator(&h), Ok(Some("Jürgen Müller".into())));
        h.insert(OPERATOR, HeaderValue::from_bytes(b"a\tb").unwrap());
        assert!(operator(&h).is_err());
        h.insert(OPERATOR, HeaderValue::from_bytes(&[0xff, 0xfe]).unwrap());
        assert!(operator(&h).is_err());
        h.insert(OPERATOR, HeaderValue::from_str(&"x".repeat(129)).unwrap());
        assert!(operator(&h).is_err());
    }
}
