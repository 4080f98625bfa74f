//! The API functions: one registry keyed by function name, and the call pipeline (key check,
//! permission check, positional arguments, one store transaction per call).
//!
//! Handlers live in one module per catalog toolset (`handlers/refunds.rs` holds refundPurchase,
//! refundPartially and refundTransaction); they parse parameters, call [`crate::backend`] and
//! render, and never import each other.
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

use std::collections::BTreeSet;

use serde_json::Value;

use crate::config::{KeyPermission, KeySpec};
use crate::documents::{ACCOUNT_ID, Account, ApiKey, RevokedKey};
use crate::error::{ApiError, Lang};
use crate::ids::key_fingerprint;
use crate::params::Params;
use crate::request::Req;
use crate::store::{Store, Tx};
use crate::time;

mod account;
mod affiliates;
mod api_keys;
mod billing;
mod buy_urls;
mod buyers;
mod commissions;
mod conversion_tools;
mod custom_forms;
mod deliveries;
mod etickets;
mod fraud;
mod images;
mod invoices;
mod ipn;
mod licenses;
mod marketplace;
mod orderforms;
mod payment_plans;
mod payouts;
mod product_groups;
mod products;
mod purchases;
mod rebilling;
mod reference;
mod refunds;
mod service_proofs;
mod shipping;
mod smart_upgrades;
mod statistics;
mod testing;
mod tracking;
mod transactions;
mod upgrades;
mod upsells;
mod vouchers;

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

/// A handler: reads and changes the account inside one transaction.
pub type Handler = fn(&mut Tx<'_>, &Req<'_>) -> Result<Value, ApiError>;

/// One API function of the sandbox.
pub struct FnSpec {
    /// The Digistore24 function name (case-sensitive).
    pub name: &'static str,
    /// Which keys may call it.
    pub access: Access,
    /// Its parameters in positional (`arg1`, `arg2`, ...) order: every top-level parameter the
    /// handler may read. A debug build refuses a call whose handler read anything else (see
    /// [`call`]), so this list cannot silently drift from the code.
    pub args: &'static [&'static str],
    /// Undocumented names the handler also accepts (older spellings), never positional.
    pub also: &'static [&'static str],
    /// The implementation.
    pub handler: Handler,
}

const fn f(
    name: &'static str,
    access: Access,
    args: &'static [&'static str],
    also: &'static [&'static str],
    handler: Handler,
) -> FnSpec {
    FnSpec {
        name,
        access,
        args,
        also,
        handler,
    }
}

/// Every function the sandbox implements, sorted by name; handlers live in one module per
/// catalog toolset.
#[rustfmt::skip]
pub static FUNCTIONS: &[FnSpec] = &[
    f("addBalanceToPurchase", Access::Write, &["purchase_id", "amount"], &[], purchases::add_balance_to_purchase),
    f("copyProduct", Access::Write, &["product_id", "data"], &[], products::copy_product),
    f("createAddonChangePurchase", Access::Write, &["purchase_id", "addons", "tracking", "placeholders"], &[], billing::create_addon_change_purchase),
    f("createBillingOnDemand", Access::Write, &["purchase_id", "product_id", "payment_plan", "tracking", "placeholders", "settings", "addons"], &[], billing::create_billing_on_demand),
    f("createBuyUrl", Access::Write, &["product_id", "buyer", "payment_plan", "tracking", "valid_until", "urls", "placeholders", "settings", "addons"], &[], buy_urls::create_buy_url),
    f("createEticket", Access::Write, &["buyer", "product_id", "location_id", "template_id", "date", "days", "note", "count"], &[], etickets::create_eticket),
    f("createImage", Access::Write, &["data"], &[], images::create_image),
    f("createOrderform", Access::Write, &["data"], &[], orderforms::create_orderform),
    f("createPaymentplan", Access::Write, &["product_id", "data"], &[], payment_plans::create_paymentplan),
    f("createProduct", Access::Write, &["data"], &[], products::create_product),
    f("createProductGroup", Access::Write, &["data"], &[], product_groups::create_product_group),
    f("createRebillingPayment", Access::Write, &["purchase_id"], &[], rebilling::create_rebilling_payment),
    f("createShippingCostPolicy", Access::Write, &["data"], &[], shipping::create_shipping_cost_policy),
    f("createUpgrade", Access::Write, &["name", "to_product_id", "upgrade_from", "downgrade_from", "special_offer_for", "fallback_product_id", "is_active", "buyer_readonly_keys"], &[], upgrades::create_upgrade),
    f("createUpgradePurchase", Access::Write, &["purchase_ids", "upgrade_id", "payment_plan_id", "quantities"], &[], upgrades::create_upgrade_purchase),
    f("createVoucher", Access::Write, &["data"], &[], vouchers::create_voucher),
    f("deleteBuyUrl", Access::Write, &["id"], &[], buy_urls::delete_buy_url),
    f("deleteImage", Access::Write, &["image_id"], &[], images::delete_image),
    f("deleteOrderform", Access::Write, &["orderform_id"], &[], orderforms::delete_orderform),
    f("deletePaymentplan", Access::Write, &["paymentplan_id"], &[], payment_plans::delete_paymentplan),
    f("deleteProduct", Access::Write, &["product_id"], &[], products::delete_product),
    f("deleteProductGroup", Access::Write, &["product_group_id"], &[], product_groups::delete_product_group),
    f("deleteShippingCostPolicy", Access::Write, &["policy_id"], &[], shipping::delete_shipping_cost_policy),
    f("deleteUpgrade", Access::Write, &["upgrade_id"], &[], upgrades::delete_upgrade),
    f("deleteUpsells", Access::Write, &["product_id"], &[], upsells::delete_upsells),
    f("deleteVoucher", Access::Write, &["code"], &[], vouchers::delete_voucher),
    f("getAffiliateCommission", Access::Read, &["affiliate_id", "product_ids"], &[], affiliates::get_affiliate_commission),
    f("getAffiliateForEmail", Access::Read, &["email"], &[], affiliates::get_affiliate_for_email),
    f("getBuyer", Access::Read, &["buyer_id"], &[], buyers::get_buyer),
    f("getCustomerToAffiliateBuyerDetails", Access::Write, &["purchase_id"], &[], affiliates::get_customer_to_affiliate_buyer_details),
    f("getDelivery", Access::Read, &["delivery_id", "set_in_progress"], &[], deliveries::get_delivery),
    f("getEticket", Access::Read, &["eticket_id"], &[], etickets::get_eticket),
    f("getEticketSettings", Access::Read, &[], &[], etickets::get_eticket_settings),
    f("getGlobalSettings", Access::Read, &[], &[], account::get_global_settings),
    f("getImage", Access::Read, &["image_id"], &[], images::get_image),
    f("getMarketplaceEntry", Access::Read, &["entry_id"], &[], marketplace::get_marketplace_entry),
    f("getOrderform", Access::Read, &["orderform_id"], &[], orderforms::get_orderform),
    f("getOrderformMetas", Access::Read, &[], &[], orderforms::get_orderform_metas),
    f("getProduct", Access::Read, &["product_id", "show_deleted"], &[], products::get_product),
    f("getProductGroup", Access::Read, &["product_group_id"], &[], product_groups::get_product_group),
    f("getPurchase", Access::Read, &["purchase_id"], &[], purchases::get_purchase),
    f("getPurchaseDownloads", Access::Read, &["purchase_id"], &[], purchases::get_purchase_downloads),
    f("getPurchaseTracking", Access::Read, &["purchase_id"], &[], purchases::get_purchase_tracking),
    f("getReferringAffiliate", Access::Read, &["affiliate_id"], &[], affiliates::get_referring_affiliate),
    f("getServiceProofRequest", Access::Read, &["service_proof_id"], &[], service_proofs::get_service_proof_request),
    f("getShippingCostPolicy", Access::Read, &["policy_id"], &[], shipping::get_shipping_cost_policy),
    f("getSmartupgrade", Access::Read, &["smartupgrade_id", "purchase_id"], &[], smart_upgrades::get_smartupgrade),
    f("getTestpayKey", Access::Read, &["do_recreate"], &[], testing::get_testpay_key),
    f("getUpgrade", Access::Read, &["upgrade_id", "order_ids"], &[], upgrades::get_upgrade),
    f("getUpsells", Access::Write, &["product_id"], &[], upsells::get_upsells),
    f("getUserInfo", Access::Any, &[], &[], account::get_user_info),  // catalog: any
    f("getVoucher", Access::Read, &["code"], &[], vouchers::get_voucher),
    f("ipnDelete", Access::Write, &["domain_id"], &[], ipn::ipn_delete),
    f("ipnInfo", Access::Read, &["domain_id"], &[], ipn::ipn_info),
    f("ipnSetup", Access::Write, &["ipn_url", "name", "product_ids", "domain_id", "categories", "transactions", "timing", "newsletter_send_policy", "sha_passphrase"], &[], ipn::ipn_setup),
    f("listAccountAccess", Access::Read, &[], &[], account::list_account_access),
    f("listBuyUrls", Access::Read, &[], &[], buy_urls::list_buy_urls),
    f("listBuyers", Access::Read, &["page_no", "page_size"], &[], buyers::list_buyers),
    f("listCommissions", Access::Read, &["from", "to", "page_no", "page_size", "transaction_type", "commission_type", "purchase_id"], &[], commissions::list_commissions),
    f("listConversionTools", Access::Read, &["type"], &[], conversion_tools::list_conversion_tools),
    f("listCountries", Access::Read, &[], &[], reference::list_countries),
    f("listCurrencies", Access::Read, &["convert_to"], &[], reference::list_currencies),
    f("listCustomFormRecords", Access::Read, &["purchase_id"], &[], custom_forms::list_custom_form_records),
    f("listDeliveries", Access::Read, &["search"], &[], deliveries::list_deliveries),
    f("listEticketLocations", Access::Read, &[], &[], etickets::list_eticket_locations),
    f("listEticketTemplates", Access::Read, &[], &[], etickets::list_eticket_templates),
    f("listEtickets", Access::Read, &["search"], &[], etickets::list_etickets),
    f("listImages", Access::Read, &["usage_type"], &[], images::list_images),
    f("listInvoices", Access::Write, &["purchase_id"], &[], invoices::list_invoices),
    f("listMarketplaceEntries", Access::Read, &["sort_by"], &[], marketplace::list_marketplace_entries),
    f("listOrderforms", Access::Read, &["layout"], &[], orderforms::list_orderforms),
    f("listPaymentPlans", Access::Read, &["product_id"], &[], payment_plans::list_payment_plans),
    f("listPayouts", Access::Read, &[], &[], payouts::list_payouts),
    f("listProductGroups", Access::Read, &[], &[], product_groups::list_product_groups),
    f("listProductTypes", Access::Read, &[], &[], products::list_product_types),
    f("listProducts", Access::Read, &["sort_by"], &[], products::list_products),
    f("listPurchases", Access::Read, &["from", "to", "search", "sort_by", "sort_order", "load_transactions", "page_no", "page_size"], &["show_transactions"], purchases::list_purchases),
    f("listPurchasesOfEmail", Access::Read, &["email", "limit"], &[], purchases::list_purchases_of_email),
    f("listRebillingStatusChanges", Access::Read, &["from", "to", "page_no", "page_size"], &[], rebilling::list_rebilling_status_changes),
    f("listServiceProofRequests", Access::Read, &["search"], &[], service_proofs::list_service_proof_requests),
    f("listShippingCostPolicies", Access::Read, &[], &[], shipping::list_shipping_cost_policies),
    f("listSmartUpgrades", Access::Read, &[], &[], smart_upgrades::list_smart_upgrades),
    f("listTransactions", Access::Read, &["from", "to", "search", "sort_by", "sort_order", "page_no", "page_size"], &[], transactions::list_transactions),
    f("listUpgrades", Access::Read, &[], &[], upgrades::list_upgrades),
    f("listVouchers", Access::Read, &[], &[], vouchers::list_vouchers),
    f("logMemberAccess", Access::Write, &["purchase_id", "platform_name", "login_name", "login_url", "number_of_unlocked_lectures", "total_number_of_lectures", "login_at"], &[], account::log_member_access),
    f("ping", Access::Any, &[], &[], account::ping),  // catalog: any
    f("refundPartially", Access::Write, &["purchase_id", "amount"], &[], refunds::refund_partially),
    f("refundPurchase", Access::Write, &["purchase_id", "force", "request_date"], &[], refunds::refund_purchase),
    f("refundTransaction", Access::Write, &["transaction_id", "force", "request_date"], &[], refunds::refund_transaction),
    f("renderJsTrackingCode", Access::Read, &["affiliate_input", "campaignkey_input", "trackingkey_input", "callback"], &[], tracking::render_js_tracking_code),
    f("reportFraud", Access::Write, &["transaction_id", "who", "comment"], &[], fraud::report_fraud),
    f("requestApiKey", Access::Developer, &["permissions", "return_url", "cancel_url", "site_url", "comment"], &[], api_keys::request_api_key),  // catalog: developer
    f("resendInvoiceMail", Access::Write, &["purchase_id"], &[], purchases::resend_invoice_mail),
    f("resendPurchaseConfirmationMail", Access::Write, &["purchase_id"], &[], purchases::resend_purchase_confirmation_mail),
    f("retrieveApiKey", Access::Developer, &["token"], &[], api_keys::retrieve_api_key),  // catalog: developer
    f("setAffiliateForEmail", Access::Write, &["email", "affiliate", "campaignkey", "trackingkey", "click_id"], &[], affiliates::set_affiliate_for_email),
    f("setReferringAffiliate", Access::Write, &["referrer_id", "affiliate_id", "commission"], &[], affiliates::set_referring_affiliate),
    f("startRebilling", Access::Write, &["purchase_id"], &[], rebilling::start_rebilling),
    f("statsAffiliateToplist", Access::Read, &["from", "to", "affiliate", "currency"], &[], statistics::stats_affiliate_toplist),
    f("statsDailyAmounts", Access::Read, &["from", "to"], &[], statistics::stats_daily_amounts),
    f("statsExpectedPayouts", Access::Read, &[], &[], statistics::stats_expected_payouts),
    f("statsMarketplace", Access::Read, &["language"], &[], statistics::stats_marketplace),
    f("statsSales", Access::Read, &["period", "from", "to"], &[], statistics::stats_sales),
    f("statsSalesSummary", Access::Read, &[], &[], statistics::stats_sales_summary),
    f("stopRebilling", Access::Write, &["purchase_id", "force", "ignore_refund_possibility"], &[], rebilling::stop_rebilling),
    f("unregister", Access::Write, &[], &[], api_keys::unregister),
    f("updateAffiliateCommission", Access::Write, &["affiliate_id", "product_ids", "data"], &[], affiliates::update_affiliate_commission),
    f("updateBuyer", Access::Write, &["buyer_id", "data"], &[], buyers::update_buyer),
    f("updateDelivery", Access::Write, &["delivery_id", "data", "tracking", "notify_via_email"], &[], deliveries::update_delivery),
    f("updateOrderform", Access::Write, &["orderform_id", "data"], &[], orderforms::update_orderform),
    f("updatePaymentplan", Access::Write, &["paymentplan_id", "data"], &[], payment_plans::update_paymentplan),
    f("updateProduct", Access::Write, &["product_id", "data"], &[], products::update_product),
    f("updateProductGroup", Access::Write, &["product_group_id", "data"], &[], product_groups::update_product_group),
    f("updatePurchase", Access::Write, &["purchase_id", "data"], &[], purchases::update_purchase),
    f("updateServiceProofRequest", Access::Write, &["service_proof_id", "data", "files"], &[], service_proofs::update_service_proof_request),
    f("updateShippingCostPolicy", Access::Write, &["policy_id", "data"], &[], shipping::update_shipping_cost_policy),
    f("updateUpsells", Access::Write, &["product_id", "data"], &[], upsells::update_upsells),
    f("updateVoucher", Access::Write, &["code", "data"], &[], vouchers::update_voucher),
    f("validateAffiliate", Access::Any, &["affiliate_name", "product_ids"], &[], affiliates::validate_affiliate),  // catalog: readonly_or_developer
    f("validateCouponCode", Access::Read, &["code"], &[], vouchers::validate_coupon_code),
    f("validateEticket", Access::Write, &["eticket_id", "template_id", "location_id", "date", "seperator"], &[], etickets::validate_eticket),  // catalog: unknown; a scan marks the ticket used
    f("validateLicenseKey", Access::Read, &["purchase_id", "license_key"], &[], licenses::validate_license_key),
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
    let fp = key_fingerprint(key);
    if tx.exists::<RevokedKey>(&fp) {
        return None;
    }
    if let Some(k) = configured.iter().find(|k| k.key == key) {
        return Some(k.clone());
    }
    let issued = tx.get::<ApiKey>(&fp)?;
    let permission = if issued.permission == "full" {
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

/// The top-level parameters a handler read that its registry entry does not declare.
pub fn undeclared_reads(spec: &FnSpec, reads: &BTreeSet<String>) -> Vec<String> {
    reads
        .iter()
        .filter(|r| !spec.args.contains(&r.as_str()) && !spec.also.contains(&r.as_str()))
        .cloned()
        .collect()
}

/// Runs one API call against the store: authenticate, authorise, map positional arguments, run
/// the handler in a transaction and commit.
///
/// Debug builds record the top-level parameters the handler read; reading one the registry
/// does not declare is a sandbox bug, answered with an internal error (so every test that
/// calls the function catches it) and remembered for [`crate::observed_reads`].
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
        .get::<Account>(ACCOUNT_ID)
        .and_then(|a| time::parse_stored(&a.created_at))
        .unwrap_or(now);
    params.clear_reads();
    let req = Req {
        function: spec.name,
        p: params.view(),
        lang,
        now,
        start,
        key: &key,
    };
    let out = (spec.handler)(&mut tx, &req);
    if cfg!(debug_assertions) {
        let reads = params.reads();
        crate::observe_reads(spec.name, &reads);
        let bad = undeclared_reads(spec, &reads);
        if !bad.is_empty() {
            tracing::error!(function = spec.name, params = ?bad, "handler read undeclared parameters");
            return Err(ApiError::bug(&format!(
                "{} read undeclared parameters {bad:?}",
                spec.name
            )));
        }
    }
    let out = out?;
    tx.commit()?;
    Ok(out)
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

    fn sneaky(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
        req.p.opt_str("declared");
        req.p.opt_str("sneaky");
        Ok(Value::Null)
    }

    #[test]
    fn undeclared_reads_are_caught() {
        let spec = f("probe", Access::Read, &["declared"], &[], sneaky);
        let params = crate::params::parse_params(None, b"sneaky=1").unwrap();
        let (mut store, _) = Store::open(&crate::config::StateLocation::Memory, false).unwrap();
        let mut tx = store.begin();
        let key = KeySpec::new("k", KeyPermission::Full);
        let now = time::now();
        let req = Req {
            function: "probe",
            p: params.view(),
            lang: Lang::En,
            now,
            start: now,
            key: &key,
        };
        (spec.handler)(&mut tx, &req).unwrap();
        if cfg!(debug_assertions) {
            assert_eq!(undeclared_reads(&spec, &params.reads()), vec!["sneaky"]);
        }
    }
}
