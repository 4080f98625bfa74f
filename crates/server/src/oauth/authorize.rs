//! The authorization endpoint: the consent page and what happens when the vendor decides.
//!
//! `GET /oauth/authorize` checks the request in the order RFC 6749 §4.1.2.1 asks: first the
//! client and its redirect URI (if either is wrong the browser must not be sent anywhere, so
//! the vendor sees an error page), then everything else (errors go back to the client's
//! redirect URI). A good request gets the consent page, which carries the request sealed in
//! its forms: the server keeps nothing, and a form cannot be altered or replayed past its
//! expiry. CSRF: the sealed request names a random value that must also come back in a
//! `SameSite=Strict` cookie, and a POST whose `Origin` is not this server is refused.
//!
//! `POST /oauth/authorize` carries the decision:
//! - `paste`: the key is checked with Digistore24 ([`super::digistore::check_key`]); then a
//!   code goes to the client;
//! - `connect`: `requestApiKey` with the developer key, and the browser goes to Digistore24's
//!   approval page; the request token travels in a sealed cookie, and `GET /oauth/callback`
//!   collects the key with `retrieveApiKey` when the vendor comes back;
//! - `deny`: `access_denied` goes to the client.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, RawQuery, Request, State};
use axum::response::Response;
use ds24_client::ApiKey;
use http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};

use super::digistore::{self, Retrieved};
use super::pages::{self, text};
use super::tokens::{self, Access, Grant};
use super::web::{self, Lang, Params};
use super::{OAuth, metadata};

/// The authorization endpoint.
pub const PATH: &str = "/oauth/authorize";
/// Where Digistore24's approval page sends the vendor back.
pub const CALLBACK_PATH: &str = "/oauth/callback";

const CSRF_COOKIE: &str = "ds24_csrf";
const FLOW_COOKIE_PREFIX: &str = "ds24_flow_";
const MAX_FORM_BYTES: usize = 16 * 1024;
const MAX_STATE_CHARS: usize = 1024;
const VERSION: u8 = 1;

/// A checked authorization request waiting for the vendor, sealed into the consent page.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    v: u8,
    client: String,
    client_name: String,
    verified_host: Option<String>,
    redirect_uri: String,
    state: Option<String>,
    challenge: String,
    aud: String,
    max_access: Access,
    csrf: String,
    exp: u64,
}

/// A trip to Digistore24's approval page, sealed into a cookie of the browser that left.
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    v: u8,
    pending: Pending,
    access: Access,
    request_token: String,
    exp: u64,
}

/// `GET /oauth/authorize`.
pub async fn show(
    State(o): State<Arc<OAuth>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let stop = |status, message: String| web::html(status, pages::stopped(lang, &message), &[]);
    let params = match web::params(query.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return stop(StatusCode::BAD_REQUEST, format!("Invalid request: {e}.")),
    };
    let Some(client_id) = params.get("client_id") else {
        return stop(
            StatusCode::BAD_REQUEST,
            "Invalid request: client_id is missing.".into(),
        );
    };
    let client = match o.clients.resolve(&o, client_id).await {
        Ok(c) => c,
        Err(e) => return stop(StatusCode::BAD_REQUEST, format!("Invalid request: {e}.")),
    };
    let requested = params.get("redirect_uri").map(String::as_str);
    let Some(redirect_uri) = client.redirect_uri(requested) else {
        return stop(
            StatusCode::BAD_REQUEST,
            match requested {
                Some(r) => format!(
                    "Invalid request: the redirect URI {r} is not registered for this client. Registered: {}.",
                    client.redirect_uris.join(", ")
                ),
                None => "Invalid request: redirect_uri is missing.".into(),
            },
        );
    };
    let state = params.get("state").cloned();
    // From here on, problems go back to the client.
    let back = |error: &str, description: String| {
        web::see_other(
            &error_redirect(&o, &redirect_uri, state.as_deref(), error, &description),
            &[],
        )
    };
    if state
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_STATE_CHARS)
    {
        return back(
            "invalid_request",
            format!("state is longer than {MAX_STATE_CHARS} characters"),
        );
    }
    if params.get("response_type").map(String::as_str) != Some("code") {
        return back(
            "unsupported_response_type",
            "only response_type=code is supported".into(),
        );
    }
    let challenge = match params.get("code_challenge") {
        Some(c) if is_s256_challenge(c) => c.clone(),
        Some(_) => {
            return back(
                "invalid_request",
                "code_challenge must be the 43-character base64url SHA-256 of the verifier (PKCE S256)".into(),
            );
        }
        None => {
            return back(
                "invalid_request",
                "PKCE is required: send code_challenge and code_challenge_method=S256".into(),
            );
        }
    };
    if params.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return back(
            "invalid_request",
            "code_challenge_method must be S256 (plain is not accepted)".into(),
        );
    }
    let audience = match metadata::audience(&o, params.get("resource").map(String::as_str)) {
        Ok(a) => a,
        Err(e) => return back("invalid_target", e.to_string()),
    };
    let wants_write = params
        .get("scope")
        .is_none_or(|s| s.split_whitespace().any(|s| s == "write"));
    let max_access = if wants_write {
        audience.max_access
    } else {
        Access::Read
    };
    let (csrf, csrf_cookie) = match web::cookie(&headers, CSRF_COOKIE) {
        Some(c) if c.len() >= 16 => (c, None),
        _ => {
            let c = super::random_id(16);
            let cookie = web::set_cookie(
                CSRF_COOKIE,
                &c,
                PATH,
                "Strict",
                o.lifetimes.consent.as_secs(),
                o.public.https(),
            );
            (c, Some(cookie))
        }
    };
    let pending = Pending {
        v: VERSION,
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

fn consent_page(
    o: &OAuth,
    lang: Lang,
    pending: &Pending,
    sealed: &str,
    selected: Access,
    error: Option<String>,
) -> String {
    let redirect_host = url::Url::parse(&pending.redirect_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| pending.redirect_uri.clone());
    pages::consent(&pages::Consent {
        lang,
        client_name: &pending.client_name,
        verified_host: pending.verified_host.as_deref(),
        redirect_host: &redirect_host,
        resource: &pending.aud,
        max_access: pending.max_access,
        selected: selected.min(pending.max_access),
        can_connect: o.can_connect(),
        request: sealed,
        action: PATH,
        error,
    })
}

/// PKCE S256 output: 32 bytes in unpadded base64url.
fn is_s256_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn error_redirect(
    o: &OAuth,
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> String {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", o.issuer()));
    web::with_query(redirect_uri, &pairs)
}

fn code_redirect(o: &OAuth, pending: &Pending, code: &str) -> String {
    let mut pairs = vec![("code", code)];
    if let Some(s) = &pending.state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", o.issuer()));
    web::with_query(&pending.redirect_uri, &pairs)
}

/// `POST /oauth/authorize`: the vendor's decision.
pub async fn decide(State(o): State<Arc<OAuth>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let lang = Lang::from_headers(&headers);
    let t = text(lang);
    let stop = |status, message: &str| web::html(status, pages::stopped(lang, message), &[]);
    if let Some(origin) = headers.get(header::ORIGIN)
        && origin.to_str().ok() != Some(o.issuer())
    {
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
    if web::cookie(&headers, CSRF_COOKIE).as_deref() != Some(pending.csrf.as_str()) {
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
    match params.get("action").map(String::as_str) {
        Some("deny") => {
            tracing::info!(client = %pending.client_name, "OAuth consent declined");
            web::see_other(
                &error_redirect(
                    &o,
                    &pending.redirect_uri,
                    pending.state.as_deref(),
                    "access_denied",
                    "the vendor declined to connect",
                ),
                &[],
            )
        }
        Some("paste") => {
            let peer = parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
            if o.key_checks.check(&peer).is_err() {
                return again(StatusCode::TOO_MANY_REQUESTS, t.too_many.to_owned());
            }
            let Some(key) = params.get("api_key").and_then(ApiKey::new) else {
                return again(StatusCode::BAD_REQUEST, t.missing_key.to_owned());
            };
            match digistore::check_key(o.upstream.as_ref(), &key, access).await {
                Ok(identity) => grant(&o, &pending, key, access, identity.user_name, &[]),
                Err(problem) => {
                    tracing::info!(client = %pending.client_name, problem = %problem, "pasted key refused");
                    again(StatusCode::BAD_REQUEST, pages::key_problem(lang, &problem))
                }
            }
        }
        Some("connect") => {
            let Some(developer_key) = &o.developer_key else {
                return again(StatusCode::BAD_REQUEST, t.no_developer_key.to_owned());
            };
            let flow_id = super::random_id(12);
            let return_url = o.public.join(&format!("{CALLBACK_PATH}?flow={flow_id}"));
            let cancel_url = format!("{return_url}&result=cancel");
            let comment = format!("ds24-mcp: {}", pending.client_name);
            let started = digistore::request_key(
                o.upstream.as_ref(),
                developer_key,
                access,
                &return_url,
                &cancel_url,
                o.issuer(),
                &comment,
            )
            .await;
            let request = match started {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "requestApiKey failed");
                    return again(StatusCode::BAD_GATEWAY, format!("{}{e}", t.flow_failed));
                }
            };
            let flow = Flow {
                v: VERSION,
                exp: super::now() + o.lifetimes.consent.as_secs(),
                pending: pending.clone(),
                access,
                request_token: request.request_token,
            };
            let cookie = match o.seals.flow.seal(&flow) {
                Ok(sealed_flow) => web::set_cookie(
                    &format!("{FLOW_COOKIE_PREFIX}{flow_id}"),
                    &sealed_flow,
                    CALLBACK_PATH,
                    // Lax: the vendor comes back by a top-level navigation from Digistore24.
                    "Lax",
                    o.lifetimes.consent.as_secs(),
                    o.public.https(),
                ),
                Err(e) => return again(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            };
            tracing::info!(client = %pending.client_name, access = access.scope(), "sending the vendor to Digistore24 to approve a key");
            web::see_other(&request.request_url, &[cookie])
        }
        _ => again(
            StatusCode::BAD_REQUEST,
            "Choose one of the buttons.".to_owned(),
        ),
    }
}

async fn read_form(body: Body) -> Result<Params, String> {
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| format!("The form is larger than {MAX_FORM_BYTES} bytes."))?;
    web::params(&bytes).map_err(|e| format!("Invalid form: {e}."))
}

/// Issues the code for an accepted grant and sends the browser back to the client.
fn grant(
    o: &OAuth,
    pending: &Pending,
    key: ApiKey,
    access: Access,
    user: Option<String>,
    cookies: &[String],
) -> Response {
    let grant = Grant {
        key,
        access,
        client: pending.client.clone(),
        client_name: pending.client_name.clone(),
        user,
        aud: pending.aud.clone(),
        family: super::random_id(16),
    };
    match tokens::issue_code(
        o,
        grant,
        pending.redirect_uri.clone(),
        pending.challenge.clone(),
    ) {
        Ok(code) => {
            tracing::info!(client = %pending.client_name, access = access.scope(), "OAuth grant: code issued");
            web::see_other(&code_redirect(o, pending, &code), cookies)
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot seal an authorization code");
            web::see_other(
                &error_redirect(
                    o,
                    &pending.redirect_uri,
                    pending.state.as_deref(),
                    "server_error",
                    "the server could not issue a code",
                ),
                cookies,
            )
        }
    }
}

/// `GET /oauth/callback?flow=…[&result=cancel]`: back from Digistore24's approval page.
pub async fn callback(
    State(o): State<Arc<OAuth>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let t = text(lang);
    let stop = |status, message: &str, cookies: &[String]| {
        web::html(status, pages::stopped(lang, message), cookies)
    };
    let params = web::params(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let flow_id = params.get("flow").cloned().unwrap_or_default();
    let valid_id = !flow_id.is_empty()
        && flow_id.len() <= 32
        && flow_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let cookie_name = format!("{FLOW_COOKIE_PREFIX}{flow_id}");
    let flow = valid_id
        .then(|| web::cookie(&headers, &cookie_name))
        .flatten()
        .and_then(|sealed| o.seals.flow.open::<Flow>(&sealed).ok())
        .filter(|f| f.v == VERSION && f.exp > super::now());
    let Some(flow) = flow else {
        return stop(StatusCode::BAD_REQUEST, t.lost_flow, &[]);
    };
    let clear = [web::set_cookie(
        &cookie_name,
        "",
        CALLBACK_PATH,
        "Lax",
        0,
        o.public.https(),
    )];
    let pending = &flow.pending;
    let declined = |description: &str| {
        tracing::info!(client = %pending.client_name, "key request declined on Digistore24");
        web::see_other(
            &error_redirect(
                &o,
                &pending.redirect_uri,
                pending.state.as_deref(),
                "access_denied",
                description,
            ),
            &clear,
        )
    };
    if params.get("result").map(String::as_str) == Some("cancel") {
        return declined("the vendor declined the API key request on Digistore24");
    }
    let Some(developer_key) = &o.developer_key else {
        return stop(StatusCode::BAD_REQUEST, t.no_developer_key, &clear);
    };
    match digistore::retrieve_key(o.upstream.as_ref(), developer_key, &flow.request_token).await {
        Ok(Retrieved::Key(key)) => {
            let user = match digistore::identify(o.upstream.as_ref(), &key).await {
                Ok(identity) => identity.user_name,
                Err(e) => {
                    tracing::warn!(error = %e, "getUserInfo failed for a key Digistore24 just issued");
                    None
                }
            };
            grant(&o, pending, key, flow.access, user, &clear)
        }
        Ok(Retrieved::Pending) => {
            let check = o.public.join(&format!("{CALLBACK_PATH}?flow={flow_id}"));
            let cancel = format!("{check}&result=cancel");
            web::html(StatusCode::OK, pages::pending(lang, &check, &cancel), &[])
        }
        Ok(Retrieved::Declined(note)) => {
            declined(&format!("Digistore24 did not issue the API key: {note}"))
        }
        Err(e) => {
            tracing::warn!(error = %e, "retrieveApiKey failed");
            stop(
                StatusCode::BAD_GATEWAY,
                &format!("{}{e}", t.flow_failed),
                &[],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
