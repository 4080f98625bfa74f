//! The response envelope and everything that can go wrong with a call.

use std::time::Duration;

use serde_json::Value;

use crate::doc::{Doc, Json, Kind, NotJson};

/// Digistore24's error codes, as its official connector names them. The server never
/// documented the list, so unknown codes are kept as they are and never branched on alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 2: the key is unknown, revoked or inactive.
    BadApiKey,
    /// 3: a parameter is missing or invalid.
    BadParameters,
    /// 4: the object does not exist.
    NotFound,
    /// 8: the key may not call this function (read-only key on a write function).
    PermissionDenied,
    /// 9: the function does not exist.
    UnknownFunction,
    /// Anything else.
    Other(i64),
}

impl ErrorCode {
    /// Maps the numeric code.
    pub fn from_code(code: i64) -> Self {
        match code {
            2 => Self::BadApiKey,
            3 => Self::BadParameters,
            4 => Self::NotFound,
            8 => Self::PermissionDenied,
            9 => Self::UnknownFunction,
            other => Self::Other(other),
        }
    }

    /// Refines a missing or generic code with the HTTP status the spec assigns (401/403/404),
    /// for servers that signal errors through the status line.
    fn from_status(code: Option<i64>, status: u16) -> Option<Self> {
        match (code.map(Self::from_code), status) {
            (Some(c @ (Self::BadApiKey | Self::BadParameters | Self::NotFound)), _)
            | (Some(c @ (Self::PermissionDenied | Self::UnknownFunction)), _) => Some(c),
            (_, 401) => Some(Self::BadApiKey),
            (_, 403) => Some(Self::PermissionDenied),
            (_, 404) => Some(Self::NotFound),
            (Some(c), _) => Some(c),
            (None, 400) => Some(Self::BadParameters),
            (None, _) => None,
        }
    }
}

/// Why a call did not return data. Messages never contain the API key.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Digistore24 answered with `result: "error"`.
    #[error(
        "Digistore24 error{}{}: {}",
        code.map(|c| format!(" {c}")).unwrap_or_default(),
        if *status == 200 { String::new() } else { format!(" (HTTP {status})") },
        message.trim_end_matches('.')
    )]
    Api {
        /// The numeric code, when the envelope had one.
        code: Option<i64>,
        /// The code as understood (also derived from the HTTP status).
        kind: Option<ErrorCode>,
        /// Digistore24's message, as it wrote it.
        message: String,
        /// The HTTP status it came with.
        status: u16,
    },
    /// The request was sent and no complete answer came within the configured time.
    #[error(
        "sent, no answer within {} s",
        .0.as_secs_f64()
    )]
    Timeout(Duration),
    /// No connection could be made (refused, unreachable, or the connect timeout passed), so
    /// nothing was sent. What exactly went wrong is logged, not shown: it names internal
    /// addresses.
    #[error("could not connect to Digistore24 (nothing was sent; safe to retry)")]
    Connect,
    /// The connection broke after the request may have been sent. Details are logged only.
    #[error("the connection to Digistore24 broke after the request was sent")]
    Transport,
    /// The key cannot be sent: it holds characters an HTTP header cannot carry.
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    UnsendableKey,
    /// Digistore24 (or something in its place) answered with a redirect. Redirects are never
    /// followed: the key would go to another address, and a POST could turn into a GET.
    #[error("Digistore24 answered with a redirect (HTTP {status}), which is not followed")]
    Redirect {
        /// The 3xx status.
        status: u16,
    },
    /// The answer was larger than the configured cap; reading stopped there.
    #[error("Digistore24's answer is larger than {limit} bytes, the most this server reads")]
    TooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The server was already holding as many large answers as it may (the in-flight answer
    /// budget); reading this one stopped. Nothing of the server's state was lost.
    #[error(
        "the server is reading other large Digistore24 answers and has no room for this one now"
    )]
    Crowded,
    /// The answer was not a Digistore24 envelope (an HTML error page, a truncated body, ...).
    #[error("Digistore24 sent an unreadable answer (HTTP {status}): {detail}")]
    BadResponse {
        /// The HTTP status.
        status: u16,
        /// What was wrong, with the start of the body.
        detail: String,
    },
}

impl CallError {
    /// Whether the failure happened before Digistore24 could have acted on the request, so a
    /// retry cannot duplicate an effect.
    pub(crate) fn is_safe_to_retry(&self) -> bool {
        matches!(self, Self::Connect)
    }

    /// Replaces every copy of `secret` in Digistore24's words with `label`. Digistore24 repeats
    /// what it was sent ("API key request 'X' not found"), and its words go to the log: a
    /// secret argument (a license key, a key request's token) must not. A copy cut short at
    /// the end of a body snippet goes too, down to its first 4 characters.
    pub fn redact(&mut self, secret: &str, label: &str) {
        self.redact_whole(secret, label);
        self.redact_cut_end(secret, label);
    }

    /// Replaces every whole copy of `secret` in Digistore24's words with `label`, and a copy cut
    /// short only where the words were cut (they end in `…`): for the API key, whose first
    /// characters (a user id) may end an uncut message by chance.
    pub(crate) fn redact_copies(&mut self, secret: &str, label: &str) {
        self.redact_whole(secret, label);
        if self.text_mut().is_some_and(|t| t.ends_with('…')) {
            self.redact_cut_end(secret, label);
        }
    }

    fn redact_whole(&mut self, secret: &str, label: &str) {
        if let Some(text) = self.text_mut()
            && !secret.is_empty()
            && text.contains(secret)
        {
            *text = text.replace(secret, label);
        }
    }

    /// A copy of `secret` cut short at the end of the words (before a closing `…`), down to its
    /// first 4 characters.
    fn redact_cut_end(&mut self, secret: &str, label: &str) {
        let Some(text) = self.text_mut() else {
            return;
        };
        let body = text.strip_suffix('…').unwrap_or(text);
        let cut = secret
            .char_indices()
            .map(|(i, _)| i)
            .skip(4)
            .filter(|&i| body.ends_with(&secret[..i]))
            .max();
        if let Some(len) = cut {
            let start = body.len() - len;
            text.replace_range(start..start + len, label);
        }
    }

    /// The part of the error that holds Digistore24's (or a proxy's) words.
    fn text_mut(&mut self) -> Option<&mut String> {
        match self {
            Self::Api { message, .. } => Some(message),
            Self::BadResponse { detail, .. } => Some(detail),
            _ => None,
        }
    }
}

/// Longest error message kept, in characters. Digistore24's are a sentence or two; anything
/// longer (a proxy's page, an echo of a huge argument) would go twice into a tool result past
/// the answer cap, and whole into a log line.
const MAX_MESSAGE_CHARS: usize = 1_000;

/// `text` cut to `max` characters, with `…` where it was cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// A successful call's answer: Digistore24's envelope as it came, and where its `data` is in it.
/// The data stays in the envelope's text (see [`Doc`]): a tool call writes it out again with
/// its strings copied as they stood, and only code that wants a `Value` builds one.
#[derive(Debug, Clone)]
pub struct Answer {
    doc: Doc,
    data: usize,
}

impl Answer {
    /// The envelope's `data` (`null` where it had none).
    pub fn data(&self) -> Json<'_> {
        self.doc.at(self.data).unwrap_or_else(|| self.doc.root())
    }

    /// The whole envelope as it came.
    pub fn envelope(&self) -> Json<'_> {
        self.doc.root()
    }

    /// Whether the answer names a key twice in one object (see [`Doc::has_duplicate_keys`]).
    pub fn has_duplicate_keys(&self) -> bool {
        self.doc.has_duplicate_keys()
    }

    /// The envelope's `data` as a `Value`.
    pub fn into_value(self) -> Value {
        self.data().to_value()
    }

    /// An answer whose data is `value`: for answers made here (reports) and test doubles,
    /// which then take the same way to a tool result. Its [`Answer::envelope`] is the data.
    pub fn from_value(value: &Value) -> Self {
        Self {
            doc: Doc::from_value(value),
            data: 0,
        }
    }
}

impl From<Value> for Answer {
    fn from(value: Value) -> Self {
        Self::from_value(&value)
    }
}

/// Reads an envelope from a response body, whatever the status: Digistore24 sends errors both
/// as HTTP 200 with `result: "error"` and as 4xx with the same body.
pub fn decode(status: u16, body: &[u8]) -> Result<Answer, CallError> {
    decode_owned(status, body.to_vec()).map_err(|(error, _)| error)
}

/// [`decode`] without a copy of the body; a failure gives the body back with the error.
pub(crate) fn decode_owned(status: u16, body: Vec<u8>) -> Result<Answer, (CallError, Vec<u8>)> {
    // One UTF-8 check of the whole body, then a parse that trusts it: checking string by string
    // (`from_slice`) cost more. A body that is not UTF-8 goes the checking way for its message.
    let text = match String::from_utf8(body) {
        Ok(text) => text,
        Err(e) => {
            let body = e.into_bytes();
            let error = match serde_json::from_slice::<Value>(&body) {
                Err(e) => not_json(status, &e, &body),
                Ok(_) => not_json(status, &"invalid UTF-8", &body),
            };
            return Err((error, body));
        }
    };
    let mut doc = match Doc::parse(text) {
        Ok(doc) => doc,
        Err(NotJson { error, text }) => {
            let body = text.into_bytes();
            return Err((not_json(status, &error, &body), body));
        }
    };
    match envelope(status, &doc) {
        Ok(Some(data)) => Ok(Answer { doc, data }),
        Ok(None) => {
            let data = doc.push_null();
            Ok(Answer { doc, data })
        }
        Err(error) => Err((error, doc.into_text().into_bytes())),
    }
}

/// The start of a body, for a message about it.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.chars().take(160).collect();
    if text.chars().count() > 160 {
        s.push('…');
    }
    s
}

fn not_json(status: u16, error: &dyn std::fmt::Display, body: &[u8]) -> CallError {
    if body.is_empty() {
        return CallError::BadResponse {
            status,
            detail: format!("empty body ({error})"),
        };
    }
    CallError::BadResponse {
        status,
        detail: format!("not JSON ({error}); body starts: {}", snippet(body)),
    }
}

/// Where the envelope's data is (`None`: it has none), or why the call failed.
fn envelope(status: u16, doc: &Doc) -> Result<Option<usize>, CallError> {
    let bad = |detail: String| CallError::BadResponse { status, detail };
    let root = doc.root();
    if !root.is_object() {
        return Err(bad(format!(
            "not an envelope: {}",
            snippet(doc.text().as_bytes())
        )));
    }
    match root.get("result").and_then(Json::as_str) {
        Some("success") if (200..300).contains(&status) => Ok(root.get("data").map(Json::index)),
        Some("error") | Some("success") => {
            let code = root.get("code").and_then(|c| match c.kind() {
                Kind::Number(n) => n.as_i64(),
                Kind::String(s) => s.trim().parse().ok(),
                _ => None,
            });
            let message = root
                .get("message")
                .and_then(Json::as_str)
                .filter(|m| !m.trim().is_empty())
                .map(|m| cut(m, MAX_MESSAGE_CHARS))
                .unwrap_or_else(|| format!("no message (HTTP {status})"));
            Err(CallError::Api {
                code,
                kind: ErrorCode::from_status(code, status),
                message,
                status,
            })
        }
        _ => Err(bad(format!(
            "no \"result\" field in the answer: {}",
            snippet(doc.text().as_bytes())
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_returns_data() {
        let data = decode(
            200,
            br#"{"api_version":"1.2","result":"success","data":{"a":"1"}}"#,
        )
        .unwrap();
        assert_eq!(data.into_value()["a"], "1");
    }

    #[test]
    fn error_envelope_on_200_and_4xx() {
        for status in [200, 403] {
            let err = decode(
                status,
                br#"{"result":"error","code":8,"message":"read only"}"#,
            )
            .unwrap_err();
            match err {
                CallError::Api {
                    code,
                    kind,
                    message,
                    ..
                } => {
                    assert_eq!(code, Some(8));
                    assert_eq!(kind, Some(ErrorCode::PermissionDenied));
                    assert_eq!(message, "read only");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    /// Code review 3: a message of any length went twice into the tool result and whole into
    /// the log.
    #[test]
    fn a_long_message_is_cut() {
        let long = "é".repeat(50_000);
        let body = format!(r#"{{"result":"error","code":3,"message":"{long}"}}"#);
        let CallError::Api { message, .. } = decode(200, body.as_bytes()).unwrap_err() else {
            panic!("an API error");
        };
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(message.ends_with('…'));
        let short = decode(200, br#"{"result":"error","message":"kurz"}"#).unwrap_err();
        assert!(matches!(short, CallError::Api { message, .. } if message == "kurz"));
    }

    #[test]
    fn status_refines_missing_code() {
        let err = decode(401, br#"{"result":"error","message":"nope"}"#).unwrap_err();
        assert!(matches!(
            err,
            CallError::Api {
                kind: Some(ErrorCode::BadApiKey),
                ..
            }
        ));
        let err = decode(404, br#"{"result":"error","code":"4","message":"x"}"#).unwrap_err();
        assert!(matches!(
            err,
            CallError::Api {
                code: Some(4),
                kind: Some(ErrorCode::NotFound),
                ..
            }
        ));
    }

    #[test]
    fn garbage_and_truncation_are_bad_responses() {
        assert!(matches!(
            decode(200, b"<html>oops</html>"),
            Err(CallError::BadResponse { .. })
        ));
        assert!(matches!(
            decode(200, br#"{"result":"succ"#),
            Err(CallError::BadResponse { .. })
        ));
        assert!(matches!(
            decode(502, b""),
            Err(CallError::BadResponse { status: 502, .. })
        ));
        assert!(matches!(
            decode(200, b"[1,2]"),
            Err(CallError::BadResponse { .. })
        ));
        // Not UTF-8: refused with where it went wrong, like any other garbage.
        match decode(200, b"{\"result\":\"success\",\"data\":\"M\xfcller\"}") {
            Err(CallError::BadResponse { detail, .. }) => {
                assert!(detail.contains("not JSON (invalid unicode"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn redact_takes_a_secret_out_of_digistore24s_words() {
        let secret = "TOK-4f9a2c7e";
        let mut api = decode(
            200,
            br#"{"result":"error","code":4,"message":"API key request 'TOK-4f9a2c7e' not found (TOK-4f9a2c7e)"}"#,
        )
        .unwrap_err();
        api.redact(secret, "<token>");
        let text = api.to_string();
        assert!(!text.contains("4f9a"), "{text}");
        assert!(
            text.contains("API key request '<token>' not found (<token>)"),
            "{text}"
        );
        // A page whose snippet ends inside the secret: the cut copy goes too.
        let page = format!("<html>{}TOK-4f9a2c7e and more</html>", "x".repeat(146));
        let mut bad = decode(502, page.as_bytes()).unwrap_err();
        assert!(bad.to_string().contains("TOK-4f9a"), "{bad}");
        bad.redact(secret, "<token>");
        let text = bad.to_string();
        assert!(!text.contains("TOK-4f9a"), "{text}");
        assert!(text.ends_with("<token>…"), "{text}");
        // Not every 4 characters at the end: only a start of the secret.
        let mut other = decode(
            200,
            br#"{"result":"error","code":4,"message":"order TOK-1 not found"}"#,
        )
        .unwrap_err();
        other.redact(secret, "<token>");
        assert!(
            other.to_string().ends_with("order TOK-1 not found"),
            "{other}"
        );
    }
}
