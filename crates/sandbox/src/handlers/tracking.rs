//! The tracking toolset: the JavaScript tracking code for sales pages.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::reference::USER_ID;
use crate::request::Req;
use crate::store::Tx;

/// `renderJsTrackingCode(affiliate_input, campaignkey_input, trackingkey_input, callback)`.
pub fn render_js_tracking_code(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let mut query: Vec<(String, String)> = vec![("vendor".into(), USER_ID.into())];
    for name in ["affiliate_input", "campaignkey_input", "trackingkey_input"] {
        if let Some(v) = req.p.opt_str(name) {
            query.push((name.to_string(), v));
        }
    }
    if let Some(cb) = req.p.opt_str("callback") {
        let ok = cb
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$')
            && !cb.starts_with(|c: char| c.is_ascii_digit());
        if !ok {
            return Err(ApiError::invalid(
                "callback",
                "nur ein JavaScript-Funktionsname ist erlaubt.",
                "only a JavaScript function name is allowed.",
            ));
        }
        query.push(("callback".into(), cb));
    }
    let qs = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    let url = format!("https://www.digistore24.com/service/js/tracking.js?{qs}");
    Ok(json!({
        "script_code": format!("<script src='{url}'></script>"),
        "script_url": url,
    }))
}
