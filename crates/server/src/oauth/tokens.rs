//! The sealed values of the authorization server: authorization codes, access tokens and
//! refresh tokens (and the sealers for client registrations and consent state).
//!
//! Each is JSON sealed with XChaCha20-Poly1305 under a key derived from the state secret for
//! that purpose alone ([`crate::seal`]), behind a short prefix that tells the kinds apart
//! (`ds24at_` access, `ds24rt_` refresh, `ds24ac_` code) and tells tokens apart from plain
//! Digistore24 API keys. A token carries everything a replica needs to serve it (the
//! Digistore24 key, the access level, the client, the audience, the expiry), so nothing is
//! stored and a restart loses nothing. The price: a token cannot be revoked one by one. Rotating
//! the Digistore24 key or the state secret revokes; access tokens are short-lived to bound the
//! rest, and refresh-token reuse revokes a whole grant on the replica that sees it
//! ([`super::ledger`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ds24_client::ApiKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::OAuth;
use crate::seal::{SealError, Sealer, StateSecret};

/// Prefix of access tokens.
pub const ACCESS_PREFIX: &str = "ds24at_";
/// Prefix of refresh tokens.
pub const REFRESH_PREFIX: &str = "ds24rt_";
/// Prefix of authorization codes.
pub const CODE_PREFIX: &str = "ds24ac_";

/// Sealer label of access tokens.
pub const ACCESS_LABEL: &str = "oauth-access-token";
/// Sealer label of refresh tokens.
pub const REFRESH_LABEL: &str = "oauth-refresh-token";
/// Sealer label of authorization codes.
pub const CODE_LABEL: &str = "oauth-authorization-code";
/// Sealer label of dynamically registered clients (the client id).
pub const CLIENT_LABEL: &str = "oauth-client-registration";
/// Sealer label of consent-page state (the pending authorization request).
pub const CONSENT_LABEL: &str = "oauth-consent";
/// Sealer label of the trip to Digistore24's approval page (a cookie).
pub const FLOW_LABEL: &str = "oauth-key-request";

/// Format version of every sealed OAuth value; a change of shape bumps it.
const VERSION: u8 = 1;

/// One sealer per purpose.
#[derive(Debug, Clone)]
pub(crate) struct Seals {
    pub access: Sealer,
    pub refresh: Sealer,
    pub code: Sealer,
    pub client: Sealer,
    pub consent: Sealer,
    pub flow: Sealer,
}

impl Seals {
    pub fn new(secret: &StateSecret) -> Self {
        Self {
            access: secret.sealer(ACCESS_LABEL),
            refresh: secret.sealer(REFRESH_LABEL),
            code: secret.sealer(CODE_LABEL),
            client: secret.sealer(CLIENT_LABEL),
            consent: secret.sealer(CONSENT_LABEL),
            flow: secret.sealer(FLOW_LABEL),
        }
    }
}

pub use super::access::Access;

/// A grant: one vendor's consent for one client, shared by the code and every token issued
/// from it (its `family`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    /// The Digistore24 key calls run under.
    pub key: ApiKey,
    /// Read-only or full.
    pub access: Access,
    /// Fingerprint of the client id the grant was made to ([`client_fingerprint`]).
    pub client: String,
    /// The client's name as shown on the consent page.
    pub client_name: String,
    /// The Digistore24 user name of the key's owner, when Digistore24 told.
    pub user: Option<String>,
    /// The resource (RFC 8707) the tokens are for.
    pub aud: String,
    /// Random id of this grant: the code and every token issued from it share it, so reuse of
    /// one revokes them all.
    pub family: String,
}

impl Grant {
    /// Who acts, for logs and the audit trail: the Digistore24 user and the client.
    pub fn operator(&self) -> String {
        match &self.user {
            Some(user) => format!("{user} via {}", self.client_name),
            None => format!("oauth client {}", self.client_name),
        }
    }
}

/// An authorization code's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeClaims {
    /// Format version.
    pub v: u8,
    /// What was granted.
    pub grant: Grant,
    /// The redirect URI the code was sent to; the token request must name the same.
    pub redirect_uri: String,
    /// The PKCE S256 challenge.
    pub challenge: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
}

/// An access token's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Format version.
    pub v: u8,
    /// What was granted.
    pub grant: Grant,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Expiry, Unix seconds.
    pub exp: u64,
}

/// A refresh token's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshClaims {
    /// Format version.
    pub v: u8,
    /// What was granted.
    pub grant: Grant,
    /// 0 for the token issued with the code, one more with each rotation.
    pub generation: u32,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Expiry, Unix seconds.
    pub exp: u64,
}

/// Why an access token was refused. Every variant is a 401 with `error="invalid_token"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenProblem {
    /// Not one of this server's tokens: tampered with, or sealed under another state secret.
    #[error(
        "The access token is not valid here (tampered with, or issued by another deployment). Connect again."
    )]
    Invalid,
    /// Past its expiry.
    #[error("The access token has expired. Use the refresh token, or connect again.")]
    Expired,
    /// Issued for another resource.
    #[error("The access token was issued for another server ({0}). Connect again.")]
    WrongAudience(String),
    /// Its grant was revoked after refresh-token or code reuse.
    #[error(
        "The access token's grant was revoked after a refresh token or code was used twice. Connect again."
    )]
    Revoked,
    /// A refresh token (or code) sent as an access token.
    #[error("This is a refresh token or authorization code; send the access token instead.")]
    NotAnAccessToken,
    /// OAuth tokens are not accepted by this server (`--auth key`).
    #[error("This server does not accept OAuth access tokens (it runs with --auth key).")]
    OAuthDisabled,
}

/// A valid access token, as the front door needs it.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    /// The Digistore24 key calls run under.
    pub key: ApiKey,
    /// Whether the grant is read-only.
    pub read_only: bool,
    /// Who acts (Digistore24 user via client).
    pub operator: String,
}

/// Why a code or token could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// Sealing failed (no randomness).
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The expiry does not fit the clock (a lifetime past every bound).
    #[error("the token lifetime does not fit the clock")]
    Lifetime,
}

/// `now` plus `ttl`, or an error instead of an expiry that wrapped around.
fn expiry(now: u64, ttl: std::time::Duration) -> Result<u64, IssueError> {
    now.checked_add(ttl.as_secs()).ok_or(IssueError::Lifetime)
}

/// A short stable fingerprint of a client id (SHA-256, 16 bytes, URL-safe), so tokens name
/// their client without carrying a long sealed registration or metadata URL.
pub fn client_fingerprint(client_id: &str) -> String {
    let digest = Sha256::digest(client_id.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Seals an authorization code.
pub(crate) fn issue_code(
    o: &OAuth,
    grant: Grant,
    redirect_uri: String,
    challenge: String,
) -> Result<String, IssueError> {
    let claims = CodeClaims {
        v: VERSION,
        grant,
        redirect_uri,
        challenge,
        exp: expiry(super::now(), o.lifetimes.code)?,
    };
    Ok(format!("{CODE_PREFIX}{}", o.seals.code.seal(&claims)?))
}

/// Opens an authorization code (expiry is the caller's to check, to say so precisely).
pub(crate) fn open_code(o: &OAuth, text: &str) -> Option<CodeClaims> {
    let claims: CodeClaims = o.seals.code.open(text.strip_prefix(CODE_PREFIX)?).ok()?;
    (claims.v == VERSION).then_some(claims)
}

/// Opens a refresh token (expiry is the caller's to check).
pub(crate) fn open_refresh(o: &OAuth, text: &str) -> Option<RefreshClaims> {
    let claims: RefreshClaims = o
        .seals
        .refresh
        .open(text.strip_prefix(REFRESH_PREFIX)?)
        .ok()?;
    (claims.v == VERSION).then_some(claims)
}

/// An access and a refresh token for a grant.
pub(crate) struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub refresh_expires_at: u64,
}

/// Seals a new access token and the refresh token of `generation`.
pub(crate) fn issue_tokens(
    o: &OAuth,
    grant: &Grant,
    generation: u32,
) -> Result<Issued, IssueError> {
    let now = super::now();
    let access = AccessClaims {
        v: VERSION,
        grant: grant.clone(),
        iat: now,
        exp: expiry(now, o.lifetimes.access)?,
    };
    let refresh = RefreshClaims {
        v: VERSION,
        grant: grant.clone(),
        generation,
        iat: now,
        exp: expiry(now, o.lifetimes.refresh)?,
    };
    Ok(Issued {
        access_token: format!("{ACCESS_PREFIX}{}", o.seals.access.seal(&access)?),
        refresh_token: format!("{REFRESH_PREFIX}{}", o.seals.refresh.seal(&refresh)?),
        expires_in: o.lifetimes.access.as_secs(),
        refresh_expires_at: refresh.exp,
    })
}

/// Checks an access token: ours, current, for this server, not revoked.
pub(crate) fn verify_access(o: &OAuth, text: &str) -> Result<VerifiedToken, TokenProblem> {
    let Some(sealed) = text.strip_prefix(ACCESS_PREFIX) else {
        return Err(
            if text.starts_with(REFRESH_PREFIX) || text.starts_with(CODE_PREFIX) {
                TokenProblem::NotAnAccessToken
            } else {
                TokenProblem::Invalid
            },
        );
    };
    let claims: AccessClaims = o
        .seals
        .access
        .open(sealed)
        .map_err(|_| TokenProblem::Invalid)?;
    if claims.v != VERSION {
        return Err(TokenProblem::Invalid);
    }
    if claims.exp <= super::now() {
        return Err(TokenProblem::Expired);
    }
    if !super::audience::is_own_audience(o, &claims.grant.aud) {
        return Err(TokenProblem::WrongAudience(claims.grant.aud));
    }
    if o.ledger.is_revoked(&claims.grant.family) {
        return Err(TokenProblem::Revoked);
    }
    let operator = claims.grant.operator();
    Ok(VerifiedToken {
        key: claims.grant.key,
        read_only: claims.grant.access == Access::Read,
        operator,
    })
}

/// Whether a bearer credential is one of our tokens or codes rather than a Digistore24 key.
pub fn looks_like_token(bearer: &str) -> bool {
    [ACCESS_PREFIX, REFRESH_PREFIX, CODE_PREFIX]
        .iter()
        .any(|p| bearer.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_levels() {
        assert_eq!(Access::Full.min(Access::Read), Access::Read);
        assert_eq!(Access::Full.min(Access::Full), Access::Full);
        assert_eq!(Access::parse("full"), Some(Access::Full));
        assert_eq!(Access::parse("write"), None);
        assert_eq!(Access::Read.scope(), "read");
    }

    #[test]
    fn expiries_never_wrap() {
        use std::time::Duration;
        assert_eq!(expiry(100, Duration::from_secs(20)).unwrap(), 120);
        assert!(matches!(
            expiry(100, Duration::from_secs(u64::MAX)),
            Err(IssueError::Lifetime)
        ));
    }

    #[test]
    fn fingerprints_are_short_and_distinct() {
        let a = client_fingerprint("https://a.example/client.json");
        assert_eq!(a.len(), 22);
        assert_ne!(a, client_fingerprint("https://b.example/client.json"));
        assert!(looks_like_token("ds24at_x") && !looks_like_token("12345-abc"));
    }
}
