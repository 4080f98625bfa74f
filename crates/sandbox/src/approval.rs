//! Digistore24's approval page for `requestApiKey`, simulated: where an app sends the vendor to
//! approve or decline a new API key (the "Connect with Digistore24" of ds24-mcp's consent page).
//!
//! The real page lives on digistore24.com behind the vendor's login; the sandbox serves its own at
//! `/api_key_request/{token}` (the wire layer points `request_url` there), with no login: the
//! vendor is the demo account. Approve marks the request `completed` and sends the browser to
//! the app's `return_url`; Decline marks it `aborted` and sends it to `cancel_url` (or
//! `return_url`). `retrieveApiKey` then hands out the key, or says why not. This module renders
//! and decides; the wire layer does the HTTP.

use crate::documents::{ACCOUNT_ID, Account, ApiKeyRequest};
use crate::error::Lang;
use crate::store::Tx;

/// What the vendor chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Issue the key.
    Approve,
    /// Do not.
    Decline,
}

impl Decision {
    /// Parses the form's `decision` field.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "approve" => Some(Self::Approve),
            "decline" => Some(Self::Decline),
            _ => None,
        }
    }
}

/// Why a decision was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No request with this token.
    Unknown,
    /// The request was answered before (`completed` or `aborted`).
    Answered(String),
}

/// The approval page for `token`, or `None` for an unknown token.
pub fn page(tx: &Tx<'_>, token: &str, lang: Lang) -> Option<String> {
    let request = tx.get::<ApiKeyRequest>(token)?;
    let user = tx
        .get::<Account>(ACCOUNT_ID)
        .map(|a| a.user_name.clone())
        .unwrap_or_default();
    let t = |de: &'static str, en: &'static str| lang.pick(de, en);
    let access = if request.permission == "full" {
        t(
            "Vollzugriff: Daten lesen und ändern",
            "Full access: read and change data",
        )
    } else {
        t("Nur lesen", "Read only")
    };
    let host = request
        .return_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .unwrap_or(&request.return_url);
    let mut body = format!(
        "<p class=\"badge\">{badge}</p><h1>{title}</h1>\
         <p>{intro} <strong>{user}</strong>.</p>\
         <dl><dt>{access_label}</dt><dd>{access}</dd>\
         <dt>{note_label}</dt><dd>{comment}</dd>\
         <dt>{back_label}</dt><dd>{host}</dd></dl>",
        badge = t(
            "Sandbox: simuliertes Digistore24-Konto",
            "Sandbox: a simulated Digistore24 account"
        ),
        title = t("API-Schlüssel freigeben", "Approve an API key"),
        intro = t(
            "Eine Anwendung bittet um einen neuen API-Schlüssel für das Konto",
            "An application asks for a new API key for the account"
        ),
        user = escape(&user),
        access_label = t("Zugriff", "Access"),
        access = access,
        note_label = t("Hinweis der Anwendung", "Note from the application"),
        comment = escape(&request.comment),
        back_label = t("Danach zurück zu", "Afterwards back to"),
        host = escape(host),
    );
    if request.request_status == "pending" {
        body.push_str(&format!(
            "<form method=\"post\"><button name=\"decision\" value=\"approve\">{approve}</button> \
             <button class=\"secondary\" name=\"decision\" value=\"decline\">{decline}</button></form>",
            approve = t("Freigeben", "Approve"),
            decline = t("Ablehnen", "Decline"),
        ));
    } else {
        body.push_str(&format!(
            "<p class=\"done\">{}</p>",
            answered(lang, &request.request_status)
        ));
    }
    Some(html(
        lang,
        t("Digistore24: API-Schlüssel", "Digistore24: API key"),
        &body,
    ))
}

/// Records the vendor's decision and returns where the browser goes next.
pub fn decide(tx: &mut Tx<'_>, token: &str, decision: Decision) -> Result<String, Refusal> {
    let request = tx.get_mut::<ApiKeyRequest>(token).ok_or(Refusal::Unknown)?;
    if request.request_status != "pending" {
        return Err(Refusal::Answered(request.request_status.clone()));
    }
    Ok(match decision {
        Decision::Approve => {
            request.request_status = "completed".into();
            request.return_url.clone()
        }
        Decision::Decline => {
            request.request_status = "aborted".into();
            if request.cancel_url.is_empty() {
                request.return_url.clone()
            } else {
                request.cancel_url.clone()
            }
        }
    })
}

/// A page that says the request was answered already, or does not exist.
pub fn refused(lang: Lang, refusal: &Refusal) -> String {
    let text = match refusal {
        Refusal::Unknown => lang
            .pick(
                "Diese Anfrage gibt es nicht (mehr).",
                "There is no such request.",
            )
            .to_owned(),
        Refusal::Answered(status) => answered(lang, status),
    };
    html(
        lang,
        "Digistore24",
        &format!("<p class=\"done\">{text}</p>"),
    )
}

fn answered(lang: Lang, status: &str) -> String {
    if status == "completed" {
        lang.pick(
            "Diese Anfrage wurde bereits freigegeben.",
            "This request was already approved.",
        )
    } else {
        lang.pick(
            "Diese Anfrage wurde bereits abgelehnt.",
            "This request was already declined.",
        )
    }
    .to_owned()
}

/// The page language: German when the browser prefers it to English, else English.
pub fn lang_of(accept_language: Option<&str>) -> Lang {
    let first = accept_language
        .unwrap_or_default()
        .split(',')
        .find_map(|part| {
            let tag = part.split(';').next().unwrap_or_default().trim();
            match tag
                .split('-')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
                .as_str()
            {
                "de" => Some(Lang::De),
                "en" => Some(Lang::En),
                _ => None,
            }
        });
    first.unwrap_or(Lang::En)
}

fn html(lang: Lang, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        code = lang.pick("de", "en"),
        title = escape(title),
    )
}

const STYLE: &str = "body{margin:0;background:#eef1f5;color:#1d2230;font:16px/1.5 system-ui,sans-serif}\
main{max-width:34rem;margin:3rem auto;background:#fff;border:1px solid #d6dae3;border-radius:10px;padding:1.5rem}\
.badge{display:inline-block;background:#fff3cd;color:#6b4e00;border-radius:4px;padding:.1rem .5rem;font-size:.85rem}\
h1{font-size:1.4rem}dt{font-weight:600;margin-top:.5rem}dd{margin:0}\
button{font:inherit;padding:.55rem 1.2rem;border-radius:6px;border:1px solid #e35a00;background:#e35a00;color:#fff;margin-top:1rem}\
button.secondary{background:#fff;color:#1d2230;border-color:#d6dae3}.done{font-weight:600}";

/// HTML-escapes text for element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_languages() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(lang_of(Some("de-DE,de;q=0.9,en;q=0.8")), Lang::De);
        assert_eq!(lang_of(Some("fr-FR,en-US;q=0.8")), Lang::En);
        assert_eq!(lang_of(None), Lang::En);
        assert_eq!(Decision::parse("approve"), Some(Decision::Approve));
        assert_eq!(Decision::parse("yes"), None);
    }
}
