//! The API functions: one registry keyed by function name, and the call pipeline (key check,
//! permission check, positional arguments, one store transaction per call).
//!
//! The registry is the sandbox's own reading of catalog.json (names, key permission, positional
//! signature), written out by hand on purpose: the server derives its tools from the shared
//! catalog crate, and the sandbox must not, so that a wrong catalog entry shows up as a failing
//! call instead of being mirrored on both sides of the wire.
//!
//! Key permissions: `readonly` → read or full key; `writable` → full key; `any` → every key;
//! `developer` (requestApiKey, retrieveApiKey) and `readonly_or_developer` (validateAffiliate)
//! → every key (the sandbox has no separate developer account); `unknown` (validateEticket) →
//! full key, because a successful scan marks the ticket used. Read functions that write under
//! an option (getTestpayKey `do_recreate`, getDelivery `set_in_progress`) demand a full key for
//! that option. The billing-on-demand account right is always granted in the demo account.

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::config::{KeyPermission, KeySpec};
use crate::error::{ApiError, Lang};
use crate::model::{self, kind};
use crate::params::{Params, View};
use crate::store::{Store, Tx};
use crate::time::{self, DateEnd};

mod account;
mod affiliates;
mod fulfilment;
mod offers;
mod payments;
mod products;
mod purchases;
mod shop;
mod stats;

/// Which keys may call a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `readonly`: read or full key.
    Read,
    /// `writable`: full key only.
    Write,
    /// `any`: every valid key, developer keys included.
    Any,
    /// `developer`: the interactive key flow; every valid key.
    Developer,
}

/// What a handler gets besides the store.
pub struct Req<'a> {
    /// The function name.
    pub function: &'static str,
    /// The call's parameters (positional arguments already mapped to names).
    pub p: View<'a>,
    /// Language of messages and labels.
    pub lang: Lang,
    /// The request's clock.
    pub now: NaiveDateTime,
    /// The account creation time (`start` in time expressions).
    pub start: NaiveDateTime,
    /// The calling key.
    pub key: &'a KeySpec,
}

impl Req<'_> {
    /// A point-in-time parameter.
    pub fn time(&self, name: &str, end: DateEnd) -> Result<Option<NaiveDateTime>, ApiError> {
        self.p.opt_time(name, self.now, self.start, end)
    }

    /// A localized `*_msg` label.
    pub fn label(&self, domain: &str, value: &str) -> String {
        model::label(self.lang, domain, value)
    }

    /// Text in the request language.
    pub fn msg(&self, de: &str, en: &str) -> String {
        self.lang.pick(de, en).to_string()
    }

    /// Demands a full-access key (for read functions with a writing option).
    pub fn require_full(&self) -> Result<(), ApiError> {
        match self.key.permission {
            KeyPermission::Full => Ok(()),
            KeyPermission::Read => Err(ApiError::read_only_key(self.function)),
            KeyPermission::Developer => Err(ApiError::developer_key(self.function)),
        }
    }

    /// The current time as a wire string.
    pub fn now_s(&self) -> String {
        time::fmt(self.now)
    }
}

/// A handler: reads and changes the account inside one transaction.
pub type Handler = fn(&mut Tx<'_>, &Req<'_>) -> Result<Value, ApiError>;

/// One API function of the sandbox.
pub struct FnSpec {
    /// The Digistore24 function name (case-sensitive).
    pub name: &'static str,
    /// Which keys may call it.
    pub access: Access,
    /// Parameter names in positional (`arg1`, `arg2`, ...) order.
    pub args: &'static [&'static str],
    /// The implementation.
    pub handler: Handler,
}

const fn f(
    name: &'static str,
    access: Access,
    args: &'static [&'static str],
    handler: Handler,
) -> FnSpec {
    FnSpec {
        name,
        access,
        args,
        handler,
    }
}

/// Every function the sandbox implements, sorted by name.
#[rustfmt::skip]
pub static FUNCTIONS: &[FnSpec] = &[
    f("addBalanceToPurchase", Access::Write, &["purchase_id", "amount"], purchases::add_balance_to_purchase),
    f("copyProduct", Access::Write, &["product_id", "data"], products::copy_product),
    f("createAddonChangePurchase", Access::Write, &["purchase_id", "addons", "tracking", "placeholders"], payments::create_addon_change_purchase),
    f("createBillingOnDemand", Access::Write, &["purchase_id", "product_id", "payment_plan", "tracking", "placeholders", "settings", "addons"], payments::create_billing_on_demand),
    f("createBuyUrl", Access::Write, &["product_id", "buyer", "payment_plan", "tracking", "valid_until", "urls", "placeholders", "settings", "addons"], offers::create_buy_url),
    f("createEticket", Access::Write, &["buyer", "product_id", "location_id", "template_id", "date", "days", "note", "count"], fulfilment::create_eticket),
    f("createImage", Access::Write, &["data"], shop::create_image),
    f("createOrderform", Access::Write, &["data"], shop::create_orderform),
    f("createPaymentplan", Access::Write, &["product_id", "data"], products::create_paymentplan),
    f("createProduct", Access::Write, &["data"], products::create_product),
    f("createProductGroup", Access::Write, &["data"], products::create_product_group),
    f("createRebillingPayment", Access::Write, &["purchase_id"], payments::create_rebilling_payment),
    f("createShippingCostPolicy", Access::Write, &["data"], shop::create_shipping_cost_policy),
    f("createUpgrade", Access::Write, &["name", "to_product_id", "upgrade_from", "downgrade_from", "special_offer_for", "fallback_product_id", "is_active", "buyer_readonly_keys"], offers::create_upgrade),
    f("createUpgradePurchase", Access::Write, &["purchase_ids", "upgrade_id", "payment_plan_id", "quantities"], offers::create_upgrade_purchase),
    f("createVoucher", Access::Write, &["data"], offers::create_voucher),
    f("deleteBuyUrl", Access::Write, &["id"], offers::delete_buy_url),
    f("deleteImage", Access::Write, &["image_id"], shop::delete_image),
    f("deleteOrderform", Access::Write, &["orderform_id"], shop::delete_orderform),
    f("deletePaymentplan", Access::Write, &["paymentplan_id"], products::delete_paymentplan),
    f("deleteProduct", Access::Write, &["product_id"], products::delete_product),
    f("deleteProductGroup", Access::Write, &["product_group_id"], products::delete_product_group),
    f("deleteShippingCostPolicy", Access::Write, &["policy_id"], shop::delete_shipping_cost_policy),
    f("deleteUpgrade", Access::Write, &["upgrade_id"], offers::delete_upgrade),
    f("deleteUpsells", Access::Write, &["product_id"], products::delete_upsells),
    f("deleteVoucher", Access::Write, &["code"], offers::delete_voucher),
    f("getAffiliateCommission", Access::Read, &["affiliate_id", "product_ids"], affiliates::get_affiliate_commission),
    f("getAffiliateForEmail", Access::Read, &["email"], affiliates::get_affiliate_for_email),
    f("getBuyer", Access::Read, &["buyer_id"], purchases::get_buyer),
    f("getCustomerToAffiliateBuyerDetails", Access::Write, &["purchase_id"], affiliates::get_customer_to_affiliate_buyer_details),
    f("getDelivery", Access::Read, &["delivery_id", "set_in_progress"], fulfilment::get_delivery),
    f("getEticket", Access::Read, &["eticket_id"], fulfilment::get_eticket),
    f("getEticketSettings", Access::Read, &[], fulfilment::get_eticket_settings),
    f("getGlobalSettings", Access::Read, &[], account::get_global_settings),
    f("getImage", Access::Read, &["image_id"], shop::get_image),
    f("getMarketplaceEntry", Access::Read, &["entry_id"], stats::get_marketplace_entry),
    f("getOrderform", Access::Read, &["orderform_id"], shop::get_orderform),
    f("getOrderformMetas", Access::Read, &[], shop::get_orderform_metas),
    f("getProduct", Access::Read, &["product_id"], products::get_product),
    f("getProductGroup", Access::Read, &["product_group_id"], products::get_product_group),
    f("getPurchase", Access::Read, &["purchase_id"], purchases::get_purchase),
    f("getPurchaseDownloads", Access::Read, &["purchase_id"], purchases::get_purchase_downloads),
    f("getPurchaseTracking", Access::Read, &["purchase_id"], purchases::get_purchase_tracking),
    f("getReferringAffiliate", Access::Read, &["affiliate_id"], affiliates::get_referring_affiliate),
    f("getServiceProofRequest", Access::Read, &["service_proof_id"], fulfilment::get_service_proof_request),
    f("getShippingCostPolicy", Access::Read, &["policy_id"], shop::get_shipping_cost_policy),
    f("getSmartupgrade", Access::Read, &["smartupgrade_id", "purchase_id"], offers::get_smartupgrade),
    f("getTestpayKey", Access::Read, &["do_recreate"], account::get_testpay_key),
    f("getUpgrade", Access::Read, &["upgrade_id", "order_ids"], offers::get_upgrade),
    f("getUpsells", Access::Write, &["product_id"], products::get_upsells),
    f("getUserInfo", Access::Any, &[], account::get_user_info),  // catalog: any
    f("getVoucher", Access::Read, &["code"], offers::get_voucher),
    f("ipnDelete", Access::Write, &["domain_id"], account::ipn_delete),
    f("ipnInfo", Access::Read, &["domain_id"], account::ipn_info),
    f("ipnSetup", Access::Write, &["ipn_url", "name", "product_ids", "domain_id", "categories", "transactions", "timing", "newsletter_send_policy", "sha_passphrase"], account::ipn_setup),
    f("listAccountAccess", Access::Read, &[], account::list_account_access),
    f("listBuyUrls", Access::Read, &[], offers::list_buy_urls),
    f("listBuyers", Access::Read, &["page_no", "page_size"], purchases::list_buyers),
    f("listCommissions", Access::Read, &["from", "to", "page_no", "page_size", "transaction_type", "commission_type", "purchase_id"], stats::list_commissions),
    f("listConversionTools", Access::Read, &["type"], account::list_conversion_tools),
    f("listCountries", Access::Read, &[], account::list_countries),
    f("listCurrencies", Access::Read, &["convert_to"], account::list_currencies),
    f("listCustomFormRecords", Access::Read, &["purchase_id"], account::list_custom_form_records),
    f("listDeliveries", Access::Read, &["search"], fulfilment::list_deliveries),
    f("listEticketLocations", Access::Read, &[], fulfilment::list_eticket_locations),
    f("listEticketTemplates", Access::Read, &[], fulfilment::list_eticket_templates),
    f("listEtickets", Access::Read, &["search"], fulfilment::list_etickets),
    f("listImages", Access::Read, &["usage_type"], shop::list_images),
    f("listInvoices", Access::Write, &["purchase_id"], purchases::list_invoices),
    f("listMarketplaceEntries", Access::Read, &["sort_by"], stats::list_marketplace_entries),
    f("listOrderforms", Access::Read, &["layout"], shop::list_orderforms),
    f("listPaymentPlans", Access::Read, &["product_id"], products::list_payment_plans),
    f("listPayouts", Access::Read, &[], stats::list_payouts),
    f("listProductGroups", Access::Read, &[], products::list_product_groups),
    f("listProductTypes", Access::Read, &[], products::list_product_types),
    f("listProducts", Access::Read, &["sort_by"], products::list_products),
    f("listPurchases", Access::Read, &["from", "to", "search", "sort_by", "sort_order", "load_transactions", "page_no", "page_size"], purchases::list_purchases),
    f("listPurchasesOfEmail", Access::Read, &["email", "limit"], purchases::list_purchases_of_email),
    f("listRebillingStatusChanges", Access::Read, &["from", "to", "page_no", "page_size"], payments::list_rebilling_status_changes),
    f("listServiceProofRequests", Access::Read, &["search"], fulfilment::list_service_proof_requests),
    f("listShippingCostPolicies", Access::Read, &[], shop::list_shipping_cost_policies),
    f("listSmartUpgrades", Access::Read, &[], offers::list_smart_upgrades),
    f("listTransactions", Access::Read, &["from", "to", "search", "sort_by", "sort_order", "page_no", "page_size"], payments::list_transactions),
    f("listUpgrades", Access::Read, &[], offers::list_upgrades),
    f("listVouchers", Access::Read, &[], offers::list_vouchers),
    f("logMemberAccess", Access::Write, &["purchase_id", "platform_name", "login_name", "login_url", "number_of_unlocked_lectures", "total_number_of_lectures", "login_at"], account::log_member_access),
    f("ping", Access::Any, &[], account::ping),  // catalog: any
    f("refundPartially", Access::Write, &["purchase_id", "amount"], purchases::refund_partially),
    f("refundPurchase", Access::Write, &["purchase_id", "force", "request_date"], purchases::refund_purchase),
    f("refundTransaction", Access::Write, &["transaction_id", "force", "request_date"], payments::refund_transaction),
    f("renderJsTrackingCode", Access::Read, &["affiliate_input", "campaignkey_input", "trackingkey_input", "callback"], account::render_js_tracking_code),
    f("reportFraud", Access::Write, &["transaction_id", "who", "comment"], payments::report_fraud),
    f("requestApiKey", Access::Developer, &["permissions", "return_url", "cancel_url", "site_url", "comment"], account::request_api_key),  // catalog: developer
    f("resendInvoiceMail", Access::Write, &["purchase_id"], purchases::resend_invoice_mail),
    f("resendPurchaseConfirmationMail", Access::Write, &["purchase_id"], purchases::resend_purchase_confirmation_mail),
    f("retrieveApiKey", Access::Developer, &["token"], account::retrieve_api_key),  // catalog: developer
    f("setAffiliateForEmail", Access::Write, &["email", "affiliate", "campaignkey", "trackingkey", "click_id"], affiliates::set_affiliate_for_email),
    f("setReferringAffiliate", Access::Write, &["referrer_id", "affiliate_id", "commission"], affiliates::set_referring_affiliate),
    f("startRebilling", Access::Write, &["purchase_id"], payments::start_rebilling),
    f("statsAffiliateToplist", Access::Read, &["from", "to", "affiliate", "currency"], stats::stats_affiliate_toplist),
    f("statsDailyAmounts", Access::Read, &["from", "to"], stats::stats_daily_amounts),
    f("statsExpectedPayouts", Access::Read, &[], stats::stats_expected_payouts),
    f("statsMarketplace", Access::Read, &["language"], stats::stats_marketplace),
    f("statsSales", Access::Read, &["period", "from", "to"], stats::stats_sales),
    f("statsSalesSummary", Access::Read, &[], stats::stats_sales_summary),
    f("stopRebilling", Access::Write, &["purchase_id", "force", "ignore_refund_possibility"], payments::stop_rebilling),
    f("unregister", Access::Write, &[], account::unregister),
    f("updateAffiliateCommission", Access::Write, &["affiliate_id", "product_ids", "data"], affiliates::update_affiliate_commission),
    f("updateBuyer", Access::Write, &["buyer_id", "data"], purchases::update_buyer),
    f("updateDelivery", Access::Write, &["delivery_id", "data", "tracking", "notify_via_email"], fulfilment::update_delivery),
    f("updateOrderform", Access::Write, &["orderform_id", "data"], shop::update_orderform),
    f("updatePaymentplan", Access::Write, &["paymentplan_id", "data"], products::update_paymentplan),
    f("updateProduct", Access::Write, &["product_id", "data"], products::update_product),
    f("updateProductGroup", Access::Write, &["product_group_id", "data"], products::update_product_group),
    f("updatePurchase", Access::Write, &["purchase_id", "data"], purchases::update_purchase),
    f("updateServiceProofRequest", Access::Write, &["service_proof_id", "data", "files"], fulfilment::update_service_proof_request),
    f("updateShippingCostPolicy", Access::Write, &["policy_id", "data"], shop::update_shipping_cost_policy),
    f("updateUpsells", Access::Write, &["product_id", "data"], products::update_upsells),
    f("updateVoucher", Access::Write, &["code", "data"], offers::update_voucher),
    f("validateAffiliate", Access::Any, &["affiliate_name", "product_ids"], affiliates::validate_affiliate),  // catalog: readonly_or_developer
    f("validateCouponCode", Access::Read, &["code"], offers::validate_coupon_code),
    f("validateEticket", Access::Write, &["eticket_id", "template_id", "location_id", "date", "seperator"], fulfilment::validate_eticket),  // catalog: unknown; a scan marks the ticket used
    f("validateLicenseKey", Access::Read, &["purchase_id", "license_key"], purchases::validate_license_key),
];

/// Looks a function up by its exact name.
pub fn find(name: &str) -> Option<&'static FnSpec> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// The names of all implemented functions.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|f| f.name)
}

/// Resolves the calling key: configured keys, then keys issued through `retrieveApiKey`;
/// revoked keys (`unregister`) are rejected.
fn resolve_key(tx: &Tx<'_>, configured: &[KeySpec], key: &str) -> Option<KeySpec> {
    let fp = model::key_fingerprint(key);
    if tx.exists(kind::REVOKED_KEY, &fp) {
        return None;
    }
    if let Some(k) = configured.iter().find(|k| k.key == key) {
        return Some(k.clone());
    }
    let doc = tx.get(kind::API_KEY, &fp)?;
    let permission = if model::sr(doc, "permission") == "full" {
        KeyPermission::Full
    } else {
        KeyPermission::Read
    };
    Some(KeySpec::new(key, permission))
}

fn check_access(spec: &FnSpec, key: &KeySpec) -> Result<(), ApiError> {
    match (spec.access, key.permission) {
        (Access::Any | Access::Developer, _)
        | (Access::Read, KeyPermission::Read | KeyPermission::Full)
        | (Access::Write, KeyPermission::Full) => Ok(()),
        (Access::Write, KeyPermission::Read) => Err(ApiError::read_only_key(spec.name)),
        (Access::Read | Access::Write, KeyPermission::Developer) => {
            Err(ApiError::developer_key(spec.name))
        }
    }
}

/// Runs one API call against the store: authenticate, authorise, map positional arguments, run
/// the handler in a transaction and commit.
pub fn call(
    store: &mut Store,
    configured: &[KeySpec],
    key: Option<&str>,
    function: &str,
    mut params: Params,
    lang: Lang,
) -> Result<Value, ApiError> {
    let mut tx = store.begin();
    let key = match key {
        None | Some("") => return Err(ApiError::missing_key()),
        Some(k) => resolve_key(&tx, configured, k).ok_or_else(ApiError::bad_key)?,
    };
    let spec = find(function).ok_or_else(|| ApiError::unknown_function(function))?;
    check_access(spec, &key)?;
    params.apply_positional(spec.args);
    let now = time::now();
    let start = tx
        .get(kind::ACCOUNT, model::ACCOUNT_ID)
        .and_then(|a| time::parse_stored(model::sr(a, "created_at")))
        .unwrap_or(now);
    let req = Req {
        function: spec.name,
        p: params.view(),
        lang,
        now,
        start,
        key: &key,
    };
    let out = (spec.handler)(&mut tx, &req)?;
    tx.commit()?;
    Ok(out)
}

/// `Y`/`N` as a JSON string value.
pub fn yn(b: bool) -> Value {
    Value::String(model::yn(b).to_string())
}

/// Requires a document to exist, else code 4.
pub fn must<'t>(
    tx: &'t Tx<'_>,
    kind: &str,
    id: &str,
    what: crate::error::Entity,
) -> Result<&'t Value, ApiError> {
    tx.get(kind, id)
        .ok_or_else(|| ApiError::not_found(what, id))
}

/// Applies `page_no`/`page_size` (with defaults) to `rows`, returning the page and its paging.
pub fn paginate<T>(
    p: &View<'_>,
    rows: Vec<T>,
    default_size: i64,
    max_size: i64,
) -> Result<(Vec<T>, model::Page), ApiError> {
    let page_no = p.int_in("page_no", 1, 1, 1_000_000)?;
    let page_size = p.int_in("page_size", default_size, 0, max_size)?;
    let page = model::Page::new(page_no as usize, page_size as usize, rows.len());
    let range = page.range();
    let out = rows
        .into_iter()
        .skip(range.start)
        .take(range.end - range.start)
        .collect();
    Ok((out, page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        for w in FUNCTIONS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
    }
}
