//! What the two ways of granting access share: the authorization request waiting for the
//! vendor ([`Pending`]), reading the vendor's form, and sending the browser back to the client
//! with a code or an error. The consent page ([`super::authorize`]) and "Connect with
//! Digistore24" ([`super::connect`]) both end here.

use axum::body::Body;
use axum::response::Response;
use ds24_client::ApiKey;
use http::header;
use serde::{Deserialize, Serialize};

use super::OAuth;
use super::tokens::{self, Access, Grant};
use super::web::{self, Params};

const MAX_FORM_BYTES: usize = 16 * 1024;
/// The longest `state`, counted as it is stored (JSON-escaped): the request travels in a
/// cookie during "Connect with Digistore24", and browsers keep cookies up to 4096 bytes.
pub const MAX_STATE_BYTES: usize = 512;
pub(super) const VERSION: u8 = 2;

/// A checked authorization request waiting for the vendor, sealed into the consent page (and
/// into the flow cookie during "Connect with Digistore24").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Pending {
    pub v: u8,
    /// Random id of this consent page: attempts are counted per page.
    pub id: String,
    pub client: String,
    pub client_name: String,
    pub verified_host: Option<String>,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub challenge: String,
    pub aud: String,
    pub max_access: Access,
    pub csrf: String,
    pub exp: u64,
}

impl Pending {
    /// Where the browser returns to, as the vendor should see it: the host of a web address,
    /// and the scheme of an app's own (`x-app:`). The "host" in `x-app://claude.ai/cb` says
    /// nothing: the browser hands that URI to whatever app on the device claims `x-app:`; and
    /// the rest of such a URI is the registrant's free text, not repeated on the page where
    /// vendors paste their key.
    pub fn redirect_host(&self) -> String {
        match url::Url::parse(&self.redirect_uri) {
            Ok(u) if matches!(u.scheme(), "https" | "http") => {
                u.host_str().unwrap_or_default().to_owned()
            }
            Ok(u) => format!("{}:", u.scheme().chars().take(60).collect::<String>()),
            Err(_) => "?".to_owned(),
        }
    }
}

/// The redirect that tells the client about an error, once the vendor acted.
pub(super) fn error_redirect(
    o: &OAuth,
    pending: &Pending,
    error: &str,
    description: &str,
) -> String {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(s) = &pending.state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", o.issuer()));
    web::with_query(&pending.redirect_uri, &pairs)
}

fn code_redirect(o: &OAuth, pending: &Pending, code: &str) -> String {
    let mut pairs = vec![("code", code)];
    if let Some(s) = &pending.state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", o.issuer()));
    web::with_query(&pending.redirect_uri, &pairs)
}

/// Whether a form POST came from this server's own page (an `Origin` of another site is
/// refused; browsers send one on every cross-site POST).
pub(super) fn same_origin(o: &OAuth, headers: &http::HeaderMap) -> bool {
    headers
        .get(header::ORIGIN)
        .is_none_or(|origin| origin.to_str().ok() == Some(o.issuer()))
}

/// A form body of at most [`MAX_FORM_BYTES`].
pub(super) async fn read_form(body: Body) -> Result<Params, String> {
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| format!("The form is larger than {MAX_FORM_BYTES} bytes."))?;
    web::params(&bytes).map_err(|e| format!("Invalid form: {e}."))
}

/// Issues the code for an accepted grant and sends the browser back to the client.
pub(super) fn grant(
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
                    pending,
                    "server_error",
                    "the server could not issue a code",
                ),
                cookies,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(redirect_uri: &str) -> Pending {
        serde_json::from_value(serde_json::json!({
            "v": VERSION, "id": "i", "client": "c", "client_name": "Claude", "verified_host": null,
            "redirect_uri": redirect_uri, "state": null, "challenge": "e", "aud": "a",
            "max_access": "full", "csrf": "f", "exp": 1
        }))
        .unwrap()
    }

    /// The consent page names where the code goes: a web address by its host, an app's own
    /// scheme by the whole URI, never as if it were the web host written inside it.
    #[test]
    fn the_return_address_is_shown_as_the_browser_will_use_it() {
        assert_eq!(
            pending("https://claude.ai/api/cb").redirect_host(),
            "claude.ai"
        );
        assert_eq!(
            pending("https://claude.ai@evil.example/cb").redirect_host(),
            "evil.example"
        );
        assert_eq!(
            pending("http://127.0.0.1:5173/cb").redirect_host(),
            "127.0.0.1"
        );
        assert_eq!(pending("x-evil://claude.ai/cb").redirect_host(), "x-evil:");
        assert_eq!(
            pending("x-app:/PASTE-YOUR-KEY-AT-evil.example").redirect_host(),
            "x-app:"
        );
        assert_eq!(
            pending("com.example.app:/oauth").redirect_host(),
            "com.example.app:"
        );
    }
}
