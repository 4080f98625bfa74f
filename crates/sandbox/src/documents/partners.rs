//! Affiliates and what ties them to the vendor: per-product commissions, referrers and
//! e-mail attributions.

use serde::{Deserialize, Serialize};

use super::document;
use crate::money::Money;

/// An affiliate (a partner who promotes the vendor's products).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Affiliate {
    pub id: String,
    /// The Digistore24 user name.
    pub name: String,
    pub email: String,
    pub created_at: String,
}
document!(Affiliate, "affiliate");

/// An affiliate's terms for one product (keyed `{affiliate_id}-{product_id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Commission {
    pub affiliate_id: String,
    pub product_id: String,
    /// Percent as a money value.
    pub commission_rate: Money,
    pub commission_fix: Money,
    pub commission_currency: String,
    pub approval_status: String,
}
document!(Commission, "commission", |c| Commission::key(
    &c.affiliate_id,
    &c.product_id
));

impl Commission {
    /// The document id of an affiliate's terms for a product.
    pub fn key(affiliate_id: &str, product_id: &str) -> String {
        format!("{affiliate_id}-{product_id}")
    }
}

/// Who referred an affiliate (keyed by the affiliate's id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Referrer {
    pub affiliate_id: String,
    pub referrer_id: String,
    /// Percent as a money value.
    pub commission: Money,
    pub created_at: String,
    pub created_by: String,
}
document!(Referrer, "referrer", |r| r.affiliate_id.clone());

/// The affiliate a buyer's e-mail is attributed to (keyed by the lower-case e-mail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct EmailAffiliate {
    pub email: String,
    pub affiliate_name: String,
    pub affiliate_id: String,
    pub campaignkey: String,
    pub trackingkey: String,
    pub click_id: String,
    pub promoclick_at: String,
}
document!(EmailAffiliate, "email_affiliate", |e| e.email.clone());
