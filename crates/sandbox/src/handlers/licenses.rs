//! The licenses toolset: checking a purchase's license key.

use serde_json::{Value, json};

use crate::documents::{BillingStatus, Purchase};
use crate::error::{ApiError, Entity};
use crate::request::{Req, must, yn};
use crate::store::Tx;

/// `validateLicenseKey(purchase_id, license_key)`.
pub fn validate_license_key(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let key = req.p.str("license_key")?;
    let p = must::<Purchase>(tx, &id, Entity::Purchase)?;
    let found = !p.license_key.is_empty() && p.license_key.eq_ignore_ascii_case(key.trim());
    let valid = found
        && !matches!(
            p.billing_status,
            BillingStatus::Aborted | BillingStatus::Unpaid
        );
    Ok(json!({
        "is_license_valid": yn(valid),
        "is_license_key_found": yn(found),
        "purchase_id": id,
    }))
}
