//! The testing toolset: the test-payment key.

use chrono::Duration;
use serde_json::{Value, json};

use crate::documents::{ACCOUNT_ID, Account};
use crate::error::ApiError;
use crate::ids::code;
use crate::request::Req;
use crate::store::Tx;
use crate::time;

/// `getTestpayKey(do_recreate)`: `do_recreate=Y` rotates the key (needs a full-access key).
pub fn get_testpay_key(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    if req.p.bool_or("do_recreate", false)? {
        req.require_full()?;
        let key = format!("tp_{}", code(tx.random(), 12).to_lowercase());
        let expires = time::fmt(req.now + Duration::days(30));
        if let Some(a) = tx.get_mut::<Account>(ACCOUNT_ID) {
            a.testpay_key = key;
            a.testpay_expires_at = expires;
        }
    }
    let a = tx.get::<Account>(ACCOUNT_ID);
    Ok(json!({
        "testpay_key": a.map(|a| a.testpay_key.clone()).unwrap_or_default(),
        "get_param_name": "testpay_key",
        "expires_at": a.map(|a| a.testpay_expires_at.clone()).unwrap_or_default(),
    }))
}
