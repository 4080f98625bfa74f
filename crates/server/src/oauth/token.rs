//! The token endpoint: authorization code with PKCE (S256), and refresh with rotation.
//!
//! Every check happens before anything is remembered, so a request that fails (wrong
//! verifier, wrong client, wrong resource) does not use up the code. Then the ledger records
//! the use: a code redeemed twice, or a refresh token used after it was rotated, revokes the
//! grant ([`super::ledger`]). Answers follow RFC 6749 §5: JSON, `Cache-Control: no-store`,
//! `invalid_grant` for a bad code or refresh token, `invalid_client` (401) for a client that
//! cannot be identified, `invalid_target` (RFC 8707) for a resource that is not this server.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::{HeaderMap, StatusCode, header};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::ledger::Reuse;
use super::register::{self, AuthMethod};
use super::tokens::{self, Access, Grant};
use super::web::{self, Params};
use super::{OAuth, metadata};

const MAX_BODY_BYTES: usize = 16 * 1024;

/// An RFC 6749 §5.2 error.
struct Failure {
    status: StatusCode,
    error: &'static str,
    description: String,
    basic_challenge: bool,
}

impl Failure {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: if error == "invalid_client" {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            },
            error,
            description: description.into(),
            basic_challenge: false,
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response();
        if self.basic_challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static(r#"Basic realm="ds24-mcp""#),
            );
        }
        response
    }
}

/// `POST /oauth/token`.
pub async fn token(State(o): State<Arc<OAuth>>, headers: HeaderMap, body: Bytes) -> Response {
    match exchange(&o, &headers, &body) {
        Ok(answer) => (
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            Json(answer),
        )
            .into_response(),
        Err(failure) => failure.into_response(),
    }
}

fn exchange(o: &OAuth, headers: &HeaderMap, body: &[u8]) -> Result<serde_json::Value, Failure> {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !form_type {
        return Err(Failure::new(
            "invalid_request",
            "send the token request as application/x-www-form-urlencoded",
        ));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(Failure::new(
            "invalid_request",
            format!("the request is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    let params = web::params(body).map_err(|e| Failure::new("invalid_request", e))?;
    let client = authenticate_client(o, headers, &params)?;
    match params.get("grant_type").map(String::as_str) {
        Some("authorization_code") => redeem_code(o, &client, &params),
        Some("refresh_token") => refresh(o, &client, &params),
        Some(other) => Err(Failure::new(
            "unsupported_grant_type",
            format!(
                "grant_type `{other}` is not supported; use authorization_code or refresh_token"
            ),
        )),
        None => Err(Failure::new("invalid_request", "grant_type is missing")),
    }
}

/// The client's fingerprint, once it proved who it is.
fn authenticate_client(o: &OAuth, headers: &HeaderMap, params: &Params) -> Result<String, Failure> {
    let basic = basic_credentials(headers)?;
    let (client_id, secret, via_basic) = match (&basic, params.get("client_id")) {
        (Some((id, secret)), body_id) => {
            if body_id.is_some_and(|b| b != id) {
                return Err(Failure::new(
                    "invalid_request",
                    "client_id in the body differs from the one in the Authorization header",
                ));
            }
            (id.clone(), Some(secret.clone()), true)
        }
        (None, Some(id)) => (id.clone(), params.get("client_secret").cloned(), false),
        (None, None) => return Err(Failure::new("invalid_request", "client_id is missing")),
    };
    let auth = o
        .clients
        .token_auth(o, &client_id)
        .map_err(|e| Failure::new("invalid_client", e.to_string()))?;
    if auth != AuthMethod::None {
        let expected = register::client_secret(o, &client_id);
        let ok = secret
            .as_deref()
            .is_some_and(|s| register::same_secret(s, &expected));
        if !ok {
            let mut failure = Failure::new(
                "invalid_client",
                "client authentication failed: this client registered with a secret; send it (client_secret_post or client_secret_basic)",
            );
            failure.basic_challenge = via_basic;
            return Err(failure);
        }
    }
    Ok(tokens::client_fingerprint(&client_id))
}

/// `Authorization: Basic` with URL-encoded id and secret (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, Failure> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || {
        let mut f = Failure::new(
            "invalid_client",
            "the Authorization header must be `Basic base64(client_id:client_secret)`",
        );
        f.basic_challenge = true;
        f
    };
    let text = value.to_str().map_err(|_| bad())?.trim();
    let Some((scheme, encoded)) = text.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

fn redeem_code(o: &OAuth, client: &str, params: &Params) -> Result<serde_json::Value, Failure> {
    let code = params
        .get("code")
        .ok_or_else(|| Failure::new("invalid_request", "code is missing"))?;
    let claims = tokens::open_code(o, code).ok_or_else(|| {
        Failure::new(
            "invalid_grant",
            "the authorization code is not valid (tampered with, or issued by another deployment)",
        )
    })?;
    let now = super::now();
    if claims.exp <= now {
        return Err(Failure::new(
            "invalid_grant",
            "the authorization code has expired; start the authorization again",
        ));
    }
    if claims.grant.client != client {
        return Err(Failure::new(
            "invalid_grant",
            "the authorization code was issued to another client",
        ));
    }
    if let Some(uri) = params.get("redirect_uri")
        && *uri != claims.redirect_uri
    {
        return Err(Failure::new(
            "invalid_grant",
            "redirect_uri differs from the one the code was issued for",
        ));
    }
    let verifier = params.get("code_verifier").ok_or_else(|| {
        Failure::new(
            "invalid_request",
            "code_verifier is missing (PKCE is required)",
        )
    })?;
    if !is_verifier(verifier) {
        return Err(Failure::new(
            "invalid_request",
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        ));
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if !register::same_secret(&computed, &claims.challenge) {
        return Err(Failure::new(
            "invalid_grant",
            "code_verifier does not match the code_challenge (PKCE)",
        ));
    }
    check_resource(o, params, &claims.grant.aud)?;
    let issued = tokens::issue_tokens(o, &claims.grant, 0).map_err(server_error)?;
    o.ledger
        .redeem_code(&claims.grant.family, issued.refresh_expires_at, now)
        .map_err(|reuse| {
            let description = match reuse {
                Reuse::Full => return ledger_full(),
                Reuse::Replayed => "the authorization code was already used; every token issued with it is now revoked",
                Reuse::Revoked => "the authorization code's grant was revoked",
            };
            tracing::warn!(client = %claims.grant.client_name, "authorization code used twice: grant revoked");
            Failure::new("invalid_grant", description)
        })?;
    tracing::info!(client = %claims.grant.client_name, access = claims.grant.access.scope(), "OAuth tokens issued");
    Ok(answer(&claims.grant, &issued))
}

fn refresh(o: &OAuth, client: &str, params: &Params) -> Result<serde_json::Value, Failure> {
    let text = params
        .get("refresh_token")
        .ok_or_else(|| Failure::new("invalid_request", "refresh_token is missing"))?;
    let claims = tokens::open_refresh(o, text).ok_or_else(|| {
        Failure::new(
            "invalid_grant",
            "the refresh token is not valid (tampered with, or issued by another deployment)",
        )
    })?;
    let now = super::now();
    if claims.exp <= now {
        return Err(Failure::new(
            "invalid_grant",
            "the refresh token has expired; connect again",
        ));
    }
    if claims.grant.client != client {
        return Err(Failure::new(
            "invalid_grant",
            "the refresh token was issued to another client",
        ));
    }
    check_resource(o, params, &claims.grant.aud)?;
    let mut grant = claims.grant.clone();
    if let Some(scope) = params.get("scope").filter(|s| !s.trim().is_empty()) {
        let asked: Vec<&str> = scope.split_whitespace().collect();
        if let Some(unknown) = asked.iter().find(|s| !metadata::SCOPES.contains(s)) {
            return Err(Failure::new(
                "invalid_scope",
                format!(
                    "unknown scope `{unknown}`; this server's scopes are {}",
                    metadata::SCOPES.join(" and ")
                ),
            ));
        }
        if asked.contains(&"write") && grant.access == Access::Read {
            return Err(Failure::new(
                "invalid_scope",
                "the grant is read-only; connect again to grant write access",
            ));
        }
        if !asked.contains(&"write") {
            grant.access = Access::Read;
        }
    }
    let generation = claims.generation.saturating_add(1);
    let issued = tokens::issue_tokens(o, &grant, generation).map_err(server_error)?;
    o.ledger
        .rotate(
            &grant.family,
            claims.generation,
            issued.refresh_expires_at,
            now,
        )
        .map_err(|reuse| {
            let description = match reuse {
                Reuse::Full => return ledger_full(),
                Reuse::Replayed => "the refresh token was already used (tokens rotate on every refresh); the connection is revoked, connect again",
                Reuse::Revoked => "the connection was revoked after a refresh token was used twice; connect again",
            };
            tracing::warn!(client = %grant.client_name, "refresh token reused after rotation: grant revoked");
            Failure::new("invalid_grant", description)
        })?;
    Ok(answer(&grant, &issued))
}

/// The grant must be for this server (a code or refresh token of a deployment sharing the
/// state secret under another public URL is not), and a `resource` given must name it.
fn check_resource(o: &OAuth, params: &Params, aud: &str) -> Result<(), Failure> {
    if !super::audience::is_own_audience(o, aud) {
        return Err(Failure::new(
            "invalid_grant",
            format!("the grant was issued for another server ({aud})"),
        ));
    }
    let Some(resource) = params.get("resource") else {
        return Ok(());
    };
    let audience = super::audience::audience(o, Some(resource))
        .map_err(|e| Failure::new("invalid_target", e.to_string()))?;
    if audience.uri != aud {
        return Err(Failure::new(
            "invalid_target",
            format!("the grant is for {aud}, not {}", audience.uri),
        ));
    }
    Ok(())
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
fn is_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The replay ledger cannot take the grant (it is full of revocations): nothing was used up, so
/// the same code or refresh token works once there is room.
fn ledger_full() -> Failure {
    Failure {
        status: StatusCode::SERVICE_UNAVAILABLE,
        error: "temporarily_unavailable",
        description: "the server cannot take another connection right now; try again later".into(),
        basic_challenge: false,
    }
}

fn server_error(e: tokens::IssueError) -> Failure {
    tracing::error!(error = %e, "cannot seal a token");
    Failure {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        error: "server_error",
        description: "the server could not issue a token".into(),
        basic_challenge: false,
    }
}

fn answer(grant: &Grant, issued: &tokens::Issued) -> serde_json::Value {
    json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "scope": grant.access.scope(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers() {
        assert!(is_verifier(&"a".repeat(43)));
        assert!(!is_verifier(&"a".repeat(42)));
        assert!(!is_verifier(&"a".repeat(129)));
        assert!(!is_verifier(&format!("{}+", "a".repeat(43))));
        // RFC 7636 appendix B.
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".as_bytes(),
        ));
        assert_eq!(computed, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
