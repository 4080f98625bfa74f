//! The account itself and what hangs off it: access grants, API keys, IPN connections,
//! member-area logins and conversion tools.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ACCOUNT_ID, document, flag, wire};
use crate::error::Lang;
use crate::labels::label;

/// The vendor account (one document, id [`ACCOUNT_ID`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Digistore24 user id.
    pub user_id: String,
    /// Login name.
    pub user_name: String,
    /// Owner's first name.
    pub first_name: String,
    /// Owner's last name.
    pub last_name: String,
    /// Owner's e-mail.
    pub email: String,
    /// Company.
    pub company: String,
    /// When the account was opened (`start` in time expressions).
    pub created_at: String,
    /// Account language.
    pub language: String,
    /// Account currency.
    pub currency: String,
    /// Comma list of roles.
    pub granted_roles: String,
    /// The "billing on demand" account right.
    #[serde(with = "flag")]
    pub billing_on_demand: bool,
    /// The test-payment key.
    pub testpay_key: String,
    /// When the test-payment key expires.
    pub testpay_expires_at: String,
    /// The e-ticket owner id.
    pub eticket_owner_id: String,
}
document!(Account, "account", |_a| ACCOUNT_ID.to_string());

impl Account {
    /// getUserInfo's record.
    pub fn render(&self, lang: Lang) -> Value {
        let msgs: Vec<String> = self
            .granted_roles
            .split(',')
            .map(|r| label(lang, "role", r.trim()))
            .collect();
        json!({
            "user_id": self.user_id,
            "user_name": self.user_name,
            "granted_roles": self.granted_roles,
            "granted_roles_msg": msgs.join(","),
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "company": self.company,
            "language": self.language,
        })
    }
}

/// Another user's access to this account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct AccountAccess {
    pub id: String,
    pub owner_id: String,
    pub accessor_id: String,
    /// `can_full_access` or `can_read`.
    pub permissions: String,
    pub created_at: String,
    pub modified_at: String,
    #[serde(with = "flag")]
    pub can_see_non_affiliate_purchases: bool,
    #[serde(with = "flag")]
    pub can_approve_affiliations: bool,
    #[serde(with = "flag")]
    pub can_edit_products: bool,
    #[serde(with = "flag")]
    pub can_give_permissions: bool,
    #[serde(with = "flag")]
    pub can_see_revenue: bool,
    #[serde(with = "flag")]
    pub can_csv_export: bool,
}
document!(AccountAccess, "account_access");

impl AccountAccess {
    /// listAccountAccess's row.
    pub fn render(&self, lang: Lang) -> Value {
        let mut v = wire(self);
        if let Value::Object(m) = &mut v {
            m.insert(
                "permissions_msg".into(),
                json!(label(lang, "permissions", &self.permissions)),
            );
        }
        v
    }
}

/// One member-area login reported by logMemberAccess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct MemberAccess {
    pub id: String,
    pub purchase_id: String,
    pub platform_name: String,
    pub login_name: String,
    pub login_url: String,
    #[serde(with = "super::int")]
    pub number_of_unlocked_lectures: i64,
    #[serde(with = "super::int")]
    pub total_number_of_lectures: i64,
    pub login_at: String,
}
document!(MemberAccess, "member_access");

/// A requestApiKey flow (keyed by its token): `pending` until the vendor answers on the
/// approval page, then `completed` (approved) or `aborted` (declined).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ApiKeyRequest {
    pub token: String,
    /// `full` or `read`.
    pub permission: String,
    pub return_url: String,
    /// Where Decline sends the vendor (empty: `return_url`).
    #[serde(default)]
    pub cancel_url: String,
    pub comment: String,
    pub request_status: String,
    #[serde(with = "flag")]
    pub retrieved: bool,
    pub created_at: String,
}
document!(ApiKeyRequest, "api_key_request", |r| r.token.clone());

/// A key issued through retrieveApiKey (keyed by its fingerprint, never the key itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ApiKey {
    pub fingerprint: String,
    /// `full` or `read`.
    pub permission: String,
    pub created_at: String,
}
document!(ApiKey, "api_key", |k| k.fingerprint.clone());

/// A key revoked by `unregister` (keyed by its fingerprint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct RevokedKey {
    pub fingerprint: String,
    pub revoked_at: String,
}
document!(RevokedKey, "revoked_key", |k| k.fingerprint.clone());

/// An IPN connection of one API key and domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Ipn {
    pub id: String,
    /// Fingerprint of the key that set it up.
    pub key_fp: String,
    pub domain_id: String,
    pub ipn_url: String,
    pub name: String,
    pub product_ids: String,
    pub categories: String,
    pub transactions: String,
    pub timing: String,
    pub newsletter_send_policy: String,
    pub sha_passphrase: String,
    pub created_at: String,
    pub modified_at: String,
}
document!(Ipn, "ipn");

impl Ipn {
    /// ipnInfo's answer.
    pub fn render(&self) -> Value {
        json!({
            "have_settings": "Y",
            "ipn_config_id": self.id,
            "domain_id": self.domain_id,
            "name": self.name,
            "ipn_url": self.ipn_url,
            "product_ids": self.product_ids,
            "categories": self.categories,
            "transactions": self.transactions,
            "timing": self.timing,
            "newsletter_send_policy": self.newsletter_send_policy,
            "created_at": self.created_at,
            "modified_at": self.modified_at,
        })
    }
}

/// A conversion tool other than a smart upgrade (countdown, trust badge, social proof).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ConversionTool {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub is_active: String,
    pub created_at: String,
}
document!(ConversionTool, "conversion_tool");
