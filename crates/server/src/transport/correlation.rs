//! Request correlation on the HTTP door: every request gets an id of our own, generated
//! (never the caller's: a caller-chosen id could collide with another request's or be forged
//! to point at one), that names its log span, goes into its audit line and comes back in the
//! `X-Request-Id` response header. A sane `X-Request-Id` the caller sent (visible ASCII, at
//! most 128 characters) is kept beside it as `client_request_id` in the span and the audit
//! line, so the caller's or a proxy's records still correlate. Plus the operator
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

/// The request's ids, in the request extensions for the layers within.
#[derive(Debug, Clone)]
pub struct RequestId {
    /// Ours, generated.
    pub id: String,
    /// The caller's `X-Request-Id`, if it was sane.
    pub client: Option<String>,
}

/// Outermost layer: assigns the id, opens the request's log span, counts the request in flight
/// and its response by status, and returns the id.
pub async fn correlate(mut req: Request, next: Next) -> Response {
    let _in_flight = telemetry::InFlight::start();
    let id = crate::context::new_request_id();
    let client = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| is_sane_id(id))
        .map(str::to_owned);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        client_request_id = client.as_deref()
    );
    req.extensions_mut().insert(RequestId {
        id: id.clone(),
        client,
    });
    let mut response = next.run(req).instrument(span).await;
    telemetry::http_response(response.status().as_u16());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Visible ASCII (no spaces), 1 to 128 characters: safe in a header, a log line and an audit
/// line; anything else the caller sent is not kept.
fn is_sane_id(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
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

/// The ids [`correlate`] gave this request: ours, and the caller's if it sent a sane one.
pub fn request_ids(req: &Request) -> (Option<String>, Option<String>) {
    req.extensions()
        .get::<RequestId>()
        .map_or((None, None), |r| (Some(r.id.clone()), r.client.clone()))
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
