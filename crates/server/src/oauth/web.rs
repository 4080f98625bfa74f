//! HTTP details the OAuth endpoints share: parameters (each at most once, RFC 6749 §3.1),
//! cookies, HTML responses with their security headers, redirects back to the client, and CORS
//! for the endpoints browser-based clients call directly.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

/// Parameters of a query string or form body.
pub(crate) type Params = HashMap<String, String>;

/// Parses `application/x-www-form-urlencoded` text; a parameter given twice is an error.
pub(crate) fn params(text: &[u8]) -> Result<Params, String> {
    let mut out = Params::new();
    for (k, v) in url::form_urlencoded::parse(text) {
        if out.insert(k.to_string(), v.into_owned()).is_some() {
            // Named only when it looks like a parameter name: the text reaches pages on the
            // origin where vendors paste their key, and a link can make it say anything.
            let plain = k.len() <= 32 && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            return Err(if plain {
                format!("the parameter `{k}` is given more than once")
            } else {
                "a parameter is given more than once".to_owned()
            });
        }
    }
    Ok(out)
}

/// A cookie's value from the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

/// The two cookies of a consent. On https they carry the `__Host-` prefix, which browsers
/// accept only with `Secure`, `Path=/` and no `Domain`: no sibling subdomain can set or
/// overwrite them (a planted flow or CSRF cookie is what an attacker would need). A plain-http
/// local deployment cannot have `Secure` cookies, so there they are plain and scoped to the
/// paths that read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cookie {
    /// The consent page's CSRF value (`SameSite=Strict`: only this server's own pages send
    /// it back).
    Csrf,
    /// The trip to Digistore24's approval page (`SameSite=Lax`: the browser comes back by a
    /// top-level navigation from Digistore24). One at a time: a new Connect click replaces it.
    Flow,
}

impl Cookie {
    /// The cookie's name.
    pub(crate) fn name(self, https: bool) -> &'static str {
        match (self, https) {
            (Self::Csrf, true) => "__Host-ds24_csrf",
            (Self::Csrf, false) => "ds24_csrf",
            (Self::Flow, true) => "__Host-ds24_flow",
            (Self::Flow, false) => "ds24_flow",
        }
    }

    fn path(self, https: bool) -> &'static str {
        match (self, https) {
            (_, true) => "/",
            (Self::Csrf, false) => "/oauth",
            (Self::Flow, false) => super::CALLBACK_PATH,
        }
    }

    fn same_site(self) -> &'static str {
        match self {
            Self::Csrf => "Strict",
            Self::Flow => "Lax",
        }
    }

    /// The `Set-Cookie` value: HttpOnly, `Secure` on https.
    pub(crate) fn set(self, value: &str, max_age: u64, https: bool) -> String {
        format!(
            "{}={value}; Path={}; Max-Age={max_age}; HttpOnly; SameSite={}{}",
            self.name(https),
            self.path(https),
            self.same_site(),
            if https { "; Secure" } else { "" }
        )
    }

    /// The `Set-Cookie` value that deletes it.
    pub(crate) fn clear(self, https: bool) -> String {
        self.set("", 0, https)
    }

    /// Its value in the request.
    pub(crate) fn read(self, headers: &HeaderMap, https: bool) -> Option<String> {
        cookie(headers, self.name(https))
    }
}

/// The browser's address as the front door worked it out (behind a trusted proxy, from
/// `X-Forwarded-For`), put into the request's extensions before the OAuth routes see it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub std::net::IpAddr);

/// The key of the per-address limits for the browser making a request: its address as the
/// front door found it (the connection's peer when there is no [`ClientAddress`]), with an
/// IPv6 address counted by its /64 as the MCP door counts it.
pub(crate) fn client_address(extensions: &http::Extensions) -> String {
    extensions
        .get::<ClientAddress>()
        .map(|a| a.0)
        .or_else(|| {
            extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip())
        })
        .map_or_else(|| "unknown".to_owned(), crate::limit::address_key)
}

/// The language of the pages: German when the browser prefers it to English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// German.
    De,
}

impl Lang {
    /// From `Accept-Language`: the supported language with the highest weight (English when
    /// neither is named, or on a tie the one named first).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let Some(value) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Self::En;
        };
        let mut best: Option<(f32, Self)> = None;
        for part in value.split(',') {
            let mut fields = part.split(';');
            let tag = fields
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let q = fields
                .filter_map(|f| f.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            let lang = match primary {
                "de" => Self::De,
                "en" => Self::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::En, |(_, l)| l)
    }

    /// The `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
        }
    }
}

/// Content Security Policy of every page: nothing but the page's own inline style; no
/// scripts, no frames around it.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

/// An HTML page with the headers every page carries.
pub(crate) fn html(status: StatusCode, body: String, cookies: &[String]) -> Response {
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::CONTENT_SECURITY_POLICY, CSP)
        .header(header::X_FRAME_OPTIONS, "DENY")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        // The authorization request (state, challenge) must not leak to Digistore24 or the
        // client through Referer. Not `no-referrer`: with it, browsers send `Origin: null` on
        // the page's own form POST, which the consent's same-origin check must refuse.
        .header(header::REFERRER_POLICY, "same-origin");
    for c in cookies {
        response = response.header(header::SET_COOKIE, c);
    }
    response
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// A 303 to `location` (after a form POST the browser follows with GET), setting `cookies`.
pub(crate) fn see_other(location: &str, cookies: &[String]) -> Response {
    let Ok(value) = HeaderValue::from_str(location) else {
        return (StatusCode::BAD_GATEWAY, "unusable redirect target").into_response();
    };
    let mut response = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, value)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::REFERRER_POLICY, "no-referrer");
    for c in cookies {
        response = response.header(header::SET_COOKIE, c);
    }
    response
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// `redirect_uri` with `pairs` added to its query (keeping what it had).
pub(crate) fn with_query(redirect_uri: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            url.to_string()
        }
        // Registered URIs were parsed when registered; this is unreachable in practice and
        // the browser is better off with the plain URI than with nothing.
        Err(_) => redirect_uri.to_owned(),
    }
}

/// CORS for what browser-based clients fetch themselves (metadata, registration, token):
/// any origin, no credentials, so no cookie-bearing endpoint becomes readable cross-site. The
/// consent page and its callback are navigations and get no CORS headers.
pub(crate) async fn cors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let open = path.starts_with("/.well-known/")
        || path == super::TOKEN_PATH
        || path == super::register::PATH;
    if !open {
        return next.run(req).await;
    }
    if req.method() == Method::OPTIONS {
        return Response::builder()
            .status(StatusCode::NO_CONTENT)
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
            .header(header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS")
            .header(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "Authorization, Content-Type, MCP-Protocol-Version",
            )
            .header(header::ACCESS_CONTROL_MAX_AGE, "86400")
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    let mut response = next.run(req).await;
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(value: &str) -> Lang {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, value.parse().unwrap());
        Lang::from_headers(&h)
    }

    #[test]
    fn accept_language() {
        assert_eq!(lang("de-DE,de;q=0.9,en;q=0.8"), Lang::De);
        assert_eq!(lang("en-US,en;q=0.9,de;q=0.8"), Lang::En);
        assert_eq!(lang("fr-FR,de;q=0.5"), Lang::De);
        assert_eq!(lang("fr-FR"), Lang::En);
        assert_eq!(lang("de;q=0,en"), Lang::En);
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::En);
    }

    #[test]
    fn duplicate_parameters_are_refused() {
        assert!(params(b"a=1&b=2").is_ok());
        assert!(params(b"a=1&a=2").is_err());
        assert_eq!(params(b"x=a%20b+c").unwrap()["x"], "a b c");
    }

    #[test]
    fn host_prefixed_cookies_on_https_only() {
        let set = Cookie::Flow.set("v", 60, true);
        assert_eq!(
            set,
            "__Host-ds24_flow=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
        let local = Cookie::Csrf.set("v", 60, false);
        assert_eq!(
            local,
            "ds24_csrf=v; Path=/oauth; Max-Age=60; HttpOnly; SameSite=Strict"
        );
        assert!(
            Cookie::Flow
                .clear(false)
                .contains("ds24_flow=; Path=/oauth/callback; Max-Age=0")
        );
    }

    #[test]
    fn cookies_and_queries() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; ds24_csrf=xyz; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "ds24_csrf").as_deref(), Some("xyz"));
        assert!(cookie(&h, "c").is_none());
        assert_eq!(
            with_query(
                "https://a.example/cb?keep=1",
                &[("code", "c d"), ("state", "s")]
            ),
            "https://a.example/cb?keep=1&code=c+d&state=s"
        );
    }
}
