//! "Connect with Digistore24": the trip to Digistore24's approval page and back, bound to the
//! browser that started it and confirmed on this server's own page.
//!
//! The attack this is built against: someone starts a connection with their own app, and
//! sends the vendor Digistore24's approval link (a real Digistore24 page that names the app).
//! The vendor approves in their own browser. The key must not end up with the browser that
//! started the flow. So:
//!
//! 1. `start` (the consent page's "Continue to Digistore24"): `requestApiKey` with the
//!    developer key, `return_url` = `/oauth/callback?flow=ID&k=K` and `cancel_url` =
//!    `/oauth/callback?flow=ID&result=cancel`. `K` is derived from the state secret and the
//!    flow id, so any replica can check it; it travels only server to server (to Digistore24)
//!    and, after the approval, in the redirect to the approving browser. The cancel link, which
//!    Digistore24's page may show to anyone holding the approval link, does not carry it. The
//!    browser that clicked gets the flow sealed in a cookie (`Cookie::Flow`; one at a time,
//!    small enough for every browser: the request inside is size-bounded).
//! 2. [`callback`] (`GET`, the way back): it takes the flow cookie *and* `K`. With both, the
//!    vendor sees the confirmation page: the app's name, where the browser goes afterwards,
//!    the access. With `K` but without the cookie, the approval happened in a browser that did
//!    not start the flow (the attack above, or an expired cookie): the flow is closed on this
//!    replica and the vendor is told to delete the new key. With the cookie but without `K`,
//!    nothing: whoever started the flow never learns `K`.
//! 3. [`finish`] (`POST` from the confirmation page): the same origin, the consent page's
//!    CSRF cookie, the flow cookie and `K` again. Only then is the key collected
//!    (`retrieveApiKey`) and a code sent to the client; a flow completes once.
//!
//! Declined on Digistore24 (the cancel link): with the flow cookie, `access_denied` goes to
//! the client. Every developer-key call is bounded per address and per replica
//! (`guard`).

use axum::extract::{Request, State};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::CALLBACK_PATH;
use super::OAuth;
use super::digistore::{self, Retrieved};
use super::flow::{self, Pending, VERSION};
use super::guard::Refused;
use super::pages::{self, text};
use super::tokens::Access;
use super::web::{self, Cookie, Lang};

/// The most a flow cookie may take, name and value: browsers keep cookies up to 4096 bytes.
pub const MAX_FLOW_COOKIE_BYTES: usize = 4000;
/// The longest request token accepted from Digistore24 (it travels in the cookie).
const MAX_REQUEST_TOKEN_CHARS: usize = 128;

/// A trip to Digistore24's approval page, sealed into a cookie of the browser that left.
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    v: u8,
    /// The flow id (also in the way back's URL).
    id: String,
    /// For `retrieveApiKey`.
    rt: String,
    /// The authorization request the vendor consented to.
    p: Pending,
    /// The access the vendor picked.
    a: Access,
    exp: u64,
}

/// The way back's secret for flow `id`.
fn return_secret(o: &OAuth, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(o.secret.derive(&format!("oauth-connect-return {id}")))
}

/// Whether `k` is flow `id`'s secret (compared as hashes, so timing says nothing).
fn is_return_secret(o: &OAuth, id: &str, k: &str) -> bool {
    super::register::same_secret(k, &return_secret(o, id))
}

/// A flow id as this server makes them.
fn valid_flow_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The comment Digistore24 shows on its approval page and keeps with the key: a
/// self-registered app's name is its own claim.
fn comment(pending: &Pending) -> String {
    match &pending.verified_host {
        Some(host) => format!("ds24-mcp: {} ({host})", pending.client_name),
        None => format!("unverified app: {} (ds24-mcp)", pending.client_name),
    }
}

/// "Continue to Digistore24": starts the key request and sends the browser to Digistore24's
/// approval page. `Err` is shown on the consent page again.
pub(super) async fn start(
    o: &OAuth,
    lang: Lang,
    pending: &Pending,
    access: Access,
    from: &str,
) -> Result<Response, (StatusCode, String)> {
    let t = text(lang);
    let Some(developer_key) = &o.developer_key else {
        return Err((StatusCode::BAD_REQUEST, t.no_developer_key.to_owned()));
    };
    if o.guards.developer_call(from) == Err(Refused::TooFast) {
        return Err((StatusCode::TOO_MANY_REQUESTS, t.too_many.to_owned()));
    }
    let id = super::random_id(12);
    let back = o.public.join(&format!("{CALLBACK_PATH}?flow={id}"));
    let return_url = format!("{back}&k={}", return_secret(o, &id));
    let cancel_url = format!("{back}&result=cancel");
    let started = digistore::request_key(
        o.upstream.as_ref(),
        developer_key,
        access,
        &return_url,
        &cancel_url,
        o.issuer(),
        &comment(pending),
    )
    .await;
    let request = match started {
        Ok(r) if r.request_token.chars().count() <= MAX_REQUEST_TOKEN_CHARS => r,
        Ok(_) => {
            tracing::warn!("requestApiKey answered with an overlong request token");
            return Err((
                StatusCode::BAD_GATEWAY,
                format!("{}the request token is too long", t.flow_failed),
            ));
        }
        Err(e) => {
            tracing::warn!(error = %e, "requestApiKey failed");
            return Err((StatusCode::BAD_GATEWAY, format!("{}{e}", t.flow_failed)));
        }
    };
    let flow = Flow {
        v: VERSION,
        id,
        rt: request.request_token,
        p: pending.clone(),
        a: access,
        exp: super::now() + o.lifetimes.consent.as_secs(),
    };
    let https = o.public.https();
    let sealed = o
        .seals
        .flow
        .seal(&flow)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if Cookie::Flow.name(https).len() + 1 + sealed.len() > MAX_FLOW_COOKIE_BYTES {
        tracing::warn!(
            bytes = sealed.len(),
            "the authorization request is too large for a flow cookie"
        );
        return Err((StatusCode::BAD_REQUEST, t.flow_too_large.to_owned()));
    }
    let cookie = Cookie::Flow.set(&sealed, o.lifetimes.consent.as_secs(), https);
    tracing::info!(client = %pending.client_name, access = access.scope(), "sending the vendor to Digistore24 to approve a key");
    Ok(web::see_other(&request.request_url, &[cookie]))
}

/// The flow in this browser's cookie, if it is flow `id` and still current.
fn flow_of(o: &OAuth, headers: &HeaderMap, id: &str) -> Option<Flow> {
    Cookie::Flow
        .read(headers, o.public.https())
        .and_then(|sealed| o.seals.flow.open::<Flow>(&sealed).ok())
        .filter(|f| f.v == VERSION && f.exp > super::now() && f.id == id)
}

fn confirmation(lang: Lang, flow: &Flow, k: &str, waiting: bool) -> Response {
    let page = pages::confirmation(&pages::Confirmation {
        lang,
        client_name: &flow.p.client_name,
        verified_host: flow.p.verified_host.as_deref(),
        redirect_host: &flow.p.redirect_host(),
        resource: &flow.p.aud,
        access: flow.a,
        flow: &flow.id,
        k,
        action: CALLBACK_PATH,
        waiting,
    });
    web::html(StatusCode::OK, page, &[])
}

/// Sends `access_denied` to the client and forgets the flow.
fn denied(o: &OAuth, flow: &Flow, description: &str) -> Response {
    o.ledger.close_flow(&flow.id, flow.exp, super::now());
    tracing::info!(client = %flow.p.client_name, "Connect with Digistore24 declined");
    web::see_other(
        &flow::error_redirect(o, &flow.p, "access_denied", description),
        &[Cookie::Flow.clear(o.public.https())],
    )
}

/// `GET /oauth/callback?flow=ID&k=K` (approved) or `?flow=ID&result=cancel` (declined): back
/// from Digistore24's approval page.
pub async fn callback(State(o): State<Arc<OAuth>>, parts: Parts) -> Response {
    let lang = Lang::from_headers(&parts.headers);
    let t = text(lang);
    let stop = |status, message: &str| web::html(status, pages::stopped(lang, message), &[]);
    let params = web::params(parts.uri.query().unwrap_or_default().as_bytes()).unwrap_or_default();
    let id = params.get("flow").map(String::as_str).unwrap_or_default();
    if !valid_flow_id(id) {
        return stop(StatusCode::BAD_REQUEST, t.lost_flow);
    }
    let flow = flow_of(&o, &parts.headers, id);
    if params.get("result").map(String::as_str) == Some("cancel") {
        return match flow {
            Some(flow) => denied(
                &o,
                &flow,
                "the vendor declined the API key request on Digistore24",
            ),
            None => stop(StatusCode::BAD_REQUEST, t.lost_flow),
        };
    }
    let k = params.get("k").map(String::as_str).unwrap_or_default();
    if !is_return_secret(&o, id, k) {
        return stop(StatusCode::BAD_REQUEST, t.lost_flow);
    }
    if o.ledger.is_flow_closed(id) {
        return stop(StatusCode::BAD_REQUEST, t.flow_closed);
    }
    let Some(flow) = flow else {
        // Approved, but this browser did not start the flow: stop it for good here.
        o.ledger.close_flow(
            id,
            super::now() + o.lifetimes.consent.as_secs(),
            super::now(),
        );
        tracing::warn!(
            "a browser came back from Digistore24's approval page without the flow's cookie: flow closed (approved elsewhere than it was started)"
        );
        return stop(StatusCode::BAD_REQUEST, t.other_browser);
    };
    confirmation(lang, &flow, k, false)
}

/// `POST /oauth/callback` from the confirmation page: `action=confirm` collects the key and
/// sends the code to the client; `action=cancel` sends `access_denied`.
pub async fn finish(State(o): State<Arc<OAuth>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = &parts.headers;
    let lang = Lang::from_headers(headers);
    let t = text(lang);
    let stop = |status, message: &str| web::html(status, pages::stopped(lang, message), &[]);
    if !flow::same_origin(&o, headers) {
        return stop(StatusCode::FORBIDDEN, t.foreign_form);
    }
    let params = match flow::read_form(body).await {
        Ok(p) => p,
        Err(e) => return stop(StatusCode::BAD_REQUEST, &e),
    };
    let id = params.get("flow").map(String::as_str).unwrap_or_default();
    let k = params.get("k").map(String::as_str).unwrap_or_default();
    let flow = valid_flow_id(id)
        .then(|| flow_of(&o, headers, id))
        .flatten();
    let Some(flow) = flow else {
        return stop(StatusCode::BAD_REQUEST, t.lost_flow);
    };
    if !is_return_secret(&o, id, k) {
        return stop(StatusCode::BAD_REQUEST, t.lost_flow);
    }
    if o.ledger.is_flow_closed(id) {
        return stop(StatusCode::BAD_REQUEST, t.flow_closed);
    }
    if Cookie::Csrf.read(headers, o.public.https()).as_deref() != Some(flow.p.csrf.as_str()) {
        return stop(StatusCode::FORBIDDEN, t.foreign_form);
    }
    match params.get("action").map(String::as_str) {
        Some("cancel") => return denied(&o, &flow, "the vendor declined to connect"),
        Some("confirm") => {}
        _ => return stop(StatusCode::BAD_REQUEST, "Choose one of the buttons."),
    }
    let Some(developer_key) = &o.developer_key else {
        return stop(StatusCode::BAD_REQUEST, t.no_developer_key);
    };
    if o.guards
        .developer_call(&web::client_address(&parts.extensions))
        .is_err()
    {
        return stop(StatusCode::TOO_MANY_REQUESTS, t.too_many);
    }
    match digistore::retrieve_key(o.upstream.as_ref(), developer_key, &flow.rt).await {
        Ok(Retrieved::Key(key)) => {
            o.ledger.close_flow(&flow.id, flow.exp, super::now());
            let user = match digistore::identify(o.upstream.as_ref(), &key).await {
                Ok(identity) => identity.user_name,
                Err(e) => {
                    tracing::warn!(error = %e, "getUserInfo failed for a key Digistore24 just issued");
                    None
                }
            };
            flow::grant(
                &o,
                &flow.p,
                key,
                flow.a,
                user,
                &[Cookie::Flow.clear(o.public.https())],
            )
        }
        Ok(Retrieved::Pending) => confirmation(lang, &flow, k, true),
        Ok(Retrieved::Declined(note)) => denied(
            &o,
            &flow,
            &format!("Digistore24 did not issue the API key: {note}"),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "retrieveApiKey failed");
            stop(StatusCode::BAD_GATEWAY, &format!("{}{e}", t.flow_failed))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::StateSecret;

    /// The largest authorization request the server accepts still fits a browser's cookie.
    #[test]
    fn the_largest_flow_fits_a_cookie() {
        let secret = StateSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
        let flow = Flow {
            v: VERSION,
            id: "x".repeat(16),
            rt: "t".repeat(MAX_REQUEST_TOKEN_CHARS),
            p: Pending {
                v: VERSION,
                id: "i".repeat(16),
                client: "c".repeat(22),
                // 100 characters of four bytes each.
                client_name: "𝔇".repeat(100),
                verified_host: Some("h".repeat(253)),
                redirect_uri: "r".repeat(1000),
                state: Some("s".repeat(flow::MAX_STATE_BYTES)),
                challenge: "e".repeat(43),
                // A long public URL and the longest MCP path.
                aud: format!("https://{}/mcp/readonly", "a".repeat(100)),
                max_access: Access::Full,
                csrf: "f".repeat(22),
                exp: u64::MAX,
            },
            a: Access::Full,
            exp: u64::MAX,
        };
        let sealed = secret.sealer("oauth-key-request").seal(&flow).unwrap();
        let size = Cookie::Flow.name(true).len() + 1 + sealed.len();
        assert!(size <= MAX_FLOW_COOKIE_BYTES, "{size} bytes");
    }

    #[test]
    fn comments_say_who_vouches() {
        let mut p: Pending = serde_json::from_value(serde_json::json!({
            "v": VERSION, "id": "i", "client": "c", "client_name": "Claude", "verified_host": null,
            "redirect_uri": "https://claude.ai/cb", "state": null, "challenge": "e", "aud": "a",
            "max_access": "full", "csrf": "f", "exp": 1
        }))
        .unwrap();
        assert_eq!(comment(&p), "unverified app: Claude (ds24-mcp)");
        p.verified_host = Some("claude.ai".into());
        assert_eq!(comment(&p), "ds24-mcp: Claude (claude.ai)");
    }

    #[test]
    fn flow_ids() {
        assert!(valid_flow_id("abcDEF012-_x"));
        assert!(!valid_flow_id("") && !valid_flow_id("a b") && !valid_flow_id(&"a".repeat(33)));
    }
}
