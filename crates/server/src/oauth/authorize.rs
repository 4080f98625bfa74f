//! The authorization endpoint: the consent page and what happens when the vendor decides.
//!
//! `GET /oauth/authorize` checks the client and its redirect URI first, then everything else
//! (RFC 6749 §4.1.2.1). Every problem is shown to the vendor on an error page: anyone can
//! register any https redirect URI, so redirecting an invalid request there would make this
//! server an open redirector (RFC 9700 §4.11.2); the browser goes back to the client only after
//! the vendor acted on the consent page. A good request gets the consent page, which carries
//! the request sealed in its forms: the server keeps nothing, and a form cannot be altered or
//! replayed past its expiry. CSRF: the sealed request names a random value that must also come
//! back in a `SameSite=Strict` cookie (`Cookie::Csrf`), and a POST whose `Origin` is not this
//! server is refused.
//!
//! `POST /oauth/authorize` carries the decision:
//! - `paste`: the key is checked with Digistore24 ([`super::digistore::check_key`]); then a
//!   code goes to the client. Attempts are bounded per address and per page (`guard`);
//! - `connect`: "Connect with Digistore24", the trip to Digistore24's approval page and back
//!   ([`super::connect`]);
//! - `deny`: `access_denied` goes to the client.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use ds24_client::ApiKey;
use http::StatusCode;
use http::request::Parts;

use super::flow::{
    MAX_STATE_BYTES, Pending, VERSION, error_redirect, grant, read_form, same_origin,
};
use super::guard::Refused;
use super::pages::{self, text};
use super::tokens::{self, Access};
use super::web::{self, Cookie, Lang};
use super::{OAuth, connect};

/// `GET /oauth/authorize`.
pub async fn show(State(o): State<Arc<OAuth>>, parts: Parts) -> Response {
    let headers = &parts.headers;
    let lang = Lang::from_headers(headers);
    let t = text(lang);
    let stop = |status, message: String| web::html(status, pages::stopped(lang, &message), &[]);
    let params = match web::params(parts.uri.query().unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return stop(StatusCode::BAD_REQUEST, format!("Invalid request: {e}.")),
    };
    let Some(client_id) = params.get("client_id") else {
        return stop(
            StatusCode::BAD_REQUEST,
            "Invalid request: client_id is missing.".into(),
        );
    };
    let from = web::client_address(&parts.extensions);
    let client = match o.clients.resolve(&o, client_id, &from).await {
        Ok(c) => c,
        Err(e @ super::register::ClientError::TooMany) => {
            return stop(StatusCode::TOO_MANY_REQUESTS, e.to_string());
        }
        Err(super::register::ClientError::Busy) => {
            return stop(StatusCode::SERVICE_UNAVAILABLE, t.busy.to_owned());
        }
        Err(e) => return stop(StatusCode::BAD_REQUEST, format!("Invalid request: {e}.")),
    };
    let requested = params.get("redirect_uri").map(String::as_str);
    let Some(redirect_uri) = client.redirect_uri(requested) else {
        return stop(
            StatusCode::BAD_REQUEST,
            // Neither the URI asked for nor the registered ones are repeated: this page is on
            // the origin where vendors paste their key, and a link can put any text in them.
            match requested {
                Some(_) => {
                    "Invalid request: the redirect_uri is not registered for this client.".into()
                }
                None => "Invalid request: redirect_uri is missing.".into(),
            },
        );
    };
    // Shown, not redirected: nobody vouches for a redirect URI before the vendor acted.
    let invalid = |error: &str, description: &str| {
        stop(
            StatusCode::BAD_REQUEST,
            format!("{}{error}: {description}.", t.invalid_request),
        )
    };
    let state = params.get("state").cloned();
    if let Some(s) = &state
        && json_size(s) > MAX_STATE_BYTES
    {
        return invalid(
            "invalid_request",
            &format!("state is longer than {MAX_STATE_BYTES} bytes (counted JSON-escaped)"),
        );
    }
    if params.get("response_type").map(String::as_str) != Some("code") {
        return invalid(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    let challenge = match params.get("code_challenge") {
        Some(c) if is_s256_challenge(c) => c.clone(),
        Some(_) => {
            return invalid(
                "invalid_request",
                "code_challenge must be the 43-character base64url SHA-256 of the verifier (PKCE S256)",
            );
        }
        None => {
            return invalid(
                "invalid_request",
                "PKCE is required: send code_challenge and code_challenge_method=S256",
            );
        }
    };
    if params.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return invalid(
            "invalid_request",
            "code_challenge_method must be S256 (plain is not accepted)",
        );
    }
    let audience = match super::audience::audience(&o, params.get("resource").map(String::as_str)) {
        Ok(a) => a,
        Err(e) => return invalid("invalid_target", &e.to_string()),
    };
    let wants_write = params
        .get("scope")
        .is_none_or(|s| s.split_whitespace().any(|s| s == "write"));
    let max_access = if wants_write {
        audience.max_access
    } else {
        Access::Read
    };
    let https = o.public.https();
    let (csrf, csrf_cookie) = match Cookie::Csrf.read(headers, https) {
        Some(c) if c.len() >= 16 => (c, None),
        _ => {
            let c = super::random_id(16);
            let cookie = Cookie::Csrf.set(&c, o.lifetimes.consent.as_secs(), https);
            (c, Some(cookie))
        }
    };
    let pending = Pending {
        v: VERSION,
        id: super::random_id(12),
        client: tokens::client_fingerprint(client_id),
        client_name: client.name.clone(),
        verified_host: client.verified_host.clone(),
        redirect_uri,
        state,
        challenge,
        aud: audience.uri,
        max_access,
        csrf,
        exp: super::now() + o.lifetimes.consent.as_secs(),
    };
    let sealed = match o.seals.consent.seal(&pending) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot seal the consent state");
            return stop(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        }
    };
    let page = consent_page(&o, lang, &pending, &sealed, Access::Read, None);
    web::html(StatusCode::OK, page, csrf_cookie.as_slice())
}

/// The size of `text` as a JSON string, without the quotes.
fn json_size(text: &str) -> usize {
    serde_json::to_string(text).map_or(usize::MAX, |j| j.len().saturating_sub(2))
}

fn consent_page(
    o: &OAuth,
    lang: Lang,
    pending: &Pending,
    sealed: &str,
    selected: Access,
    error: Option<String>,
) -> String {
    pages::consent(&pages::Consent {
        lang,
        client_name: &pending.client_name,
        verified_host: pending.verified_host.as_deref(),
        redirect_host: &pending.redirect_host(),
        resource: &pending.aud,
        max_access: pending.max_access,
        selected: selected.min(pending.max_access),
        can_connect: o.can_connect(),
        request: sealed,
        action: super::AUTHORIZE_PATH,
        error,
    })
}

/// PKCE S256 output: 32 bytes in unpadded base64url.
fn is_s256_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `POST /oauth/authorize`: the vendor's decision.
pub async fn decide(State(o): State<Arc<OAuth>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let lang = Lang::from_headers(&headers);
    let t = text(lang);
    let stop = |status, message: &str| web::html(status, pages::stopped(lang, message), &[]);
    if !same_origin(&o, &headers) {
        return stop(StatusCode::FORBIDDEN, t.foreign_form);
    }
    let params = match read_form(body).await {
        Ok(p) => p,
        Err(e) => return stop(StatusCode::BAD_REQUEST, &e),
    };
    let sealed = params
        .get("request")
        .map(String::as_str)
        .unwrap_or_default();
    let Ok(pending) = o.seals.consent.open::<Pending>(sealed) else {
        return stop(StatusCode::BAD_REQUEST, t.expired);
    };
    if pending.v != VERSION || pending.exp <= super::now() {
        return stop(StatusCode::BAD_REQUEST, t.expired);
    }
    if Cookie::Csrf.read(&headers, o.public.https()).as_deref() != Some(pending.csrf.as_str()) {
        return stop(StatusCode::FORBIDDEN, t.foreign_form);
    }
    let access = params
        .get("access")
        .and_then(|a| Access::parse(a))
        .unwrap_or(Access::Read)
        .min(pending.max_access);
    let again = |status, message: String| {
        web::html(
            status,
            consent_page(&o, lang, &pending, sealed, access, Some(message)),
            &[],
        )
    };
    let from = web::client_address(&parts.extensions);
    match params.get("action").map(String::as_str) {
        Some("deny") => {
            tracing::info!(client = %pending.client_name, "OAuth consent declined");
            web::see_other(
                &error_redirect(
                    &o,
                    &pending,
                    "access_denied",
                    "the vendor declined to connect",
                ),
                &[],
            )
        }
        Some("paste") => {
            match o
                .guards
                .key_check(&from, &pending.id, pending.exp, super::now())
            {
                Ok(()) => {}
                Err(Refused::TooFast) => {
                    return again(StatusCode::TOO_MANY_REQUESTS, t.too_many.to_owned());
                }
                Err(Refused::PageUsedUp) => {
                    return stop(StatusCode::TOO_MANY_REQUESTS, t.too_many_attempts);
                }
            }
            let Some(key) = params.get("api_key").and_then(ApiKey::new) else {
                return again(StatusCode::BAD_REQUEST, t.missing_key.to_owned());
            };
            match super::digistore::check_key(o.upstream.as_ref(), &key, access).await {
                Ok(identity) => grant(&o, &pending, key, access, identity.user_name, &[]),
                Err(problem) => {
                    tracing::info!(client = %pending.client_name, problem = %problem, "pasted key refused");
                    again(StatusCode::BAD_REQUEST, pages::key_problem(lang, &problem))
                }
            }
        }
        Some("connect") => connect::start(&o, lang, &pending, access, &from)
            .await
            .unwrap_or_else(|(status, message)| again(status, message)),
        _ => again(
            StatusCode::BAD_REQUEST,
            "Choose one of the buttons.".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_is_measured_as_stored() {
        assert_eq!(json_size("abc"), 3);
        assert_eq!(json_size("\""), 2);
        assert_eq!(json_size("\u{1}"), 6);
    }

    #[test]
    fn challenges() {
        assert!(is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"
        ));
        assert!(!is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+c="
        ));
    }
}
