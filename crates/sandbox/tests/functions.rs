//! Every API function, table-driven over real HTTP: a call with valid arguments succeeds and
//! returns its documented container, and a call with bad arguments fails with code 3 (naming
//! the parameter) or code 4. The table must cover exactly the functions the sandbox registers,
//! and those must be exactly the functions of the shared catalog.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions may panic too

mod common;

use std::collections::BTreeSet;

use common::*;
use ds24_sandbox::{KeyPermission, KeySpec, SandboxOptions};

const LONG_NAME: &str = "A product group name that is far too long";

type Pairs = Vec<(String, String)>;

struct Row {
    f: &'static str,
    ok: Pairs,
    /// A JSON pointer into `data` that must exist after the valid call.
    expect: &'static str,
    /// Bad arguments, the expected code, and a word the message must contain.
    bad: Option<(Pairs, i64, &'static str)>,
}

fn pairs(p: &[(&str, &str)]) -> Pairs {
    p.iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

fn row(f: &'static str, ok: &[(&str, &str)], expect: &'static str) -> Row {
    Row {
        f,
        ok: pairs(ok),
        expect,
        bad: None,
    }
}

impl Row {
    fn bad(mut self, p: &[(&str, &str)], code: i64, mention: &'static str) -> Self {
        self.bad = Some((pairs(p), code, mention));
        self
    }
}

#[allow(clippy::too_many_lines)]
fn table(fx: &Fixtures) -> Vec<Row> {
    let single = |i: usize| fx.singles[i].as_str();
    let sub = |i: usize| fx.subscriptions[i].as_str();
    let (lic_purchase, lic_key) = (&fx.licensed[0].0, &fx.licensed[0].1);
    vec![
        // account & reference
        row("ping", &[], "/server_time"),
        row("getUserInfo", &[], "/user_name"),
        row("listAccountAccess", &[], "/by_me/0/permissions"),
        row("getGlobalSettings", &[], "/types/pay_method/paypal"),
        row("listCountries", &[], "/DE"),
        row("listCurrencies", &[("convert_to", "EUR")], "/0/to_EUR").bad(
            &[("convert_to", "XYZ")],
            3,
            "convert_to",
        ),
        row("listProductTypes", &[], "/0/category"),
        row(
            "listConversionTools",
            &[("type", "smartupgrade,countdown")],
            "/smartupgrades/0/id",
        )
        .bad(&[], 3, "type"),
        row("listCustomFormRecords", &[], "/records/0/data").bad(
            &[("purchase_id", "ZZZZ9999")],
            4,
            "ZZZZ9999",
        ),
        row("getTestpayKey", &[("do_recreate", "Y")], "/testpay_key").bad(
            &[("do_recreate", "maybe")],
            3,
            "do_recreate",
        ),
        row(
            "renderJsTrackingCode",
            &[("affiliate_input", "aff"), ("callback", "cb")],
            "/script_url",
        )
        .bad(&[("callback", "alert(1)")], 3, "callback"),
        row(
            "logMemberAccess",
            &[
                ("purchase_id", single(0)),
                ("platform_name", "Kursplattform"),
                ("login_name", "anna"),
                ("login_url", "https://learn.example.com"),
                ("number_of_unlocked_lectures", "3"),
                ("total_number_of_lectures", "10"),
            ],
            "",
        )
        .bad(&[("purchase_id", single(0))], 3, "platform_name"),
        row(
            "requestApiKey",
            &[
                ("permissions", "writable"),
                ("return_url", "https://app.example.com/back"),
            ],
            "/request_token",
        )
        .bad(
            &[
                ("permissions", "writable"),
                ("return_url", "http://app.example.com/x"),
            ],
            3,
            "return_url",
        ),
        row(
            "ipnSetup",
            &[
                ("ipn_url", "https://app.example.com/ipn"),
                ("name", "Test"),
                ("product_ids", "all"),
                ("domain_id", "table-test"),
            ],
            "/ipn_config_id",
        )
        .bad(&[("name", "x"), ("product_ids", "all")], 3, "ipn_url"),
        row("ipnInfo", &[("domain_id", "table-test")], "/ipn_url"),
        // products
        row(
            "listProducts",
            &[("sort_by", "group")],
            "/products/0/approval_status_list/0/reseller_id",
        )
        .bad(&[("sort_by", "price")], 3, "sort_by"),
        row("getProduct", &[("product_id", "512340")], "/product/name").bad(
            &[("product_id", "999999")],
            4,
            "999999",
        ),
        row(
            "createProduct",
            &[("data[name_de]", "Neu"), ("data[product_type_id]", "1")],
            "/product_id",
        )
        .bad(
            &[
                ("data[name_de]", "Neu"),
                ("data[thankyou_url]", "http://example.com"),
            ],
            3,
            "thankyou_url",
        ),
        row(
            "updateProduct",
            &[("product_id", "512340"), ("data[note]", "table test")],
            "/modified",
        )
        .bad(&[("data[note]", "x")], 3, "product_id"),
        row(
            "copyProduct",
            &[("product_id", "512340"), ("data[name_intern]", "copy")],
            "/product_id",
        )
        .bad(
            &[("product_id", "999999"), ("data[name_intern]", "x")],
            4,
            "999999",
        ),
        row("listProductGroups", &[], "/product_groups/0/name"),
        row(
            "getProductGroup",
            &[("product_group_id", "17")],
            "/product_group/name",
        )
        .bad(&[("product_group_id", "9999")], 4, "9999"),
        row(
            "createProductGroup",
            &[("data[name]", "Neue Gruppe")],
            "/product_group_id",
        )
        .bad(&[("data[position]", "1")], 3, "data[name]"),
        row(
            "updateProductGroup",
            &[("product_group_id", "17"), ("data[name]", "Kurse")],
            "/is_modified",
        )
        .bad(
            &[("product_group_id", "17"), ("data[name]", LONG_NAME)],
            3,
            "data[name]",
        ),
        row(
            "listPaymentPlans",
            &[("product_id", "512341")],
            "/0/first_amount",
        )
        .bad(&[("product_id", "999999")], 4, "999999"),
        row(
            "createPaymentplan",
            &[
                ("product_id", "512340"),
                ("data[first_amount]", "19.00"),
                ("data[currency]", "EUR"),
            ],
            "/paymentplan_id",
        )
        .bad(
            &[("product_id", "512340"), ("data[first_amount]", "19,00")],
            3,
            "data[first_amount]",
        ),
        row(
            "updatePaymentplan",
            &[("paymentplan_id", "99800"), ("data[first_amount]", "49.00")],
            "/is_modified",
        )
        .bad(
            &[("paymentplan_id", "1"), ("data[first_amount]", "49.00")],
            4,
            "1",
        ),
        row("getUpsells", &[("product_id", "512340")], "/upsells/y").bad(&[], 3, "product_id"),
        row(
            "updateUpsells",
            &[("product_id", "512340"), ("data[yn]", "512343")],
            "/is_modified",
        )
        .bad(
            &[("product_id", "512340"), ("data[x]", "512343")],
            3,
            "data[x]",
        ),
        // shop front
        row(
            "listOrderforms",
            &[("layout", "orderform_widget")],
            "/orderforms/0/id",
        )
        .bad(&[("layout", "fancy")], 3, "layout"),
        row(
            "getOrderform",
            &[("orderform_id", "3181")],
            "/orderform/layout",
        )
        .bad(&[("orderform_id", "1")], 4, "1"),
        row("getOrderformMetas", &[], "/options/step_count"),
        row(
            "createOrderform",
            &[("data[name]", "Neu"), ("data[layout]", "widget")],
            "/orderform_id",
        )
        .bad(
            &[("data[name]", "Neu"), ("data[layout]", "responsive")],
            3,
            "data[layout]",
        ),
        row(
            "updateOrderform",
            &[("orderform_id", "3181"), ("data[name]", "Standard 2")],
            "/is_modified",
        )
        .bad(
            &[("orderform_id", "3181"), ("data[product_id]", "1")],
            4,
            "1",
        ),
        row("listImages", &[("usage_type", "product")], "/images/0/url").bad(
            &[("usage_type", "wallpaper")],
            3,
            "usage_type",
        ),
        row(
            "getImage",
            &[("image_id", fx.images[0].as_str())],
            "/image/properties/width",
        )
        .bad(&[("image_id", "NOPE1234")], 4, "NOPE1234"),
        row(
            "createImage",
            &[
                ("data[name]", "Bild"),
                ("data[image-url]", "https://cdn.example.com/a.png"),
            ],
            "/image_id",
        )
        .bad(&[("data[name]", "Bild")], 3, "data[image-url]"),
        row("listShippingCostPolicies", &[], "/0/rules"),
        row(
            "getShippingCostPolicy",
            &[("policy_id", "1234")],
            "/policy/scale_1_amount",
        )
        .bad(&[("policy_id", "1")], 4, "1"),
        row(
            "createShippingCostPolicy",
            &[("data[name]", "Welt"), ("data[scale_1_amount]", "12.00")],
            "/policy_id",
        )
        .bad(&[("data[fee_type]", "per_kilo")], 3, "data[fee_type]"),
        row(
            "updateShippingCostPolicy",
            &[("policy_id", "1234"), ("data[scale_1_amount]", "5.90")],
            "/is_modified",
        )
        .bad(
            &[("policy_id", "1234"), ("data[for_currencies]", "XYZ")],
            3,
            "data[for_currencies]",
        ),
        // offers
        row("listVouchers", &[], "/coupons/0/code"),
        row("getVoucher", &[("code", "WELCOME10")], "/coupon/id").bad(
            &[("code", "NOPE")],
            4,
            "NOPE",
        ),
        row(
            "createVoucher",
            &[("data[code]", "TABLE10"), ("data[first_rate]", "10")],
            "/discount_code_id",
        )
        .bad(&[("data[first_rate]", "10")], 3, "data[code]"),
        row(
            "updateVoucher",
            &[("code", "WELCOME10"), ("data[first_rate]", "15")],
            "/modified",
        )
        .bad(&[("code", "NOPE"), ("data[first_rate]", "15")], 4, "NOPE"),
        row("validateCouponCode", &[("code", "WELCOME10")], "/coupon_id").bad(&[], 3, "code"),
        row(
            "createBuyUrl",
            &[
                ("product_id", "512341"),
                ("payment_plan[first_amount]", "39.00"),
                ("buyer[email]", "anna@example.com"),
                ("tracking[affiliate]", "anna_s24"),
            ],
            "/url",
        )
        .bad(
            &[
                ("product_id", "512341"),
                ("tracking[affiliate]", "nobody_here"),
            ],
            4,
            "nobody_here",
        ),
        row("listBuyUrls", &[], "/items/0/url"),
        row("listUpgrades", &[], "/upgrades/0/upgrade_url"),
        row(
            "getUpgrade",
            &[("upgrade_id", "7922"), ("order_ids", lic_purchase)],
            "/check/is_upgrade_possible",
        )
        .bad(&[("upgrade_id", "1")], 4, "1"),
        row(
            "createUpgrade",
            &[
                ("name", "Neu"),
                ("to_product_id", "512344"),
                ("upgrade_from", "512343"),
            ],
            "/upgrade_id",
        )
        .bad(&[("name", "Neu"), ("to_product_id", "999999")], 4, "999999"),
        row("listSmartUpgrades", &[], "/smartupgrades/0/authkey"),
        row(
            "getSmartupgrade",
            &[("smartupgrade_id", "1"), ("purchase_id", single(0))],
            "/html",
        )
        .bad(&[("smartupgrade_id", "99")], 4, "99"),
        // purchases & buyers
        row(
            "listPurchases",
            &[("from", "-7d"), ("search[billing_type]", "subscription")],
            "/purchase_list/0/id",
        )
        .bad(&[("from", "yesterday-ish")], 3, "from"),
        row(
            "getPurchase",
            &[("purchase_id", single(0))],
            "/transaction_list/0/type_msg",
        )
        .bad(&[("purchase_id", "ZZZZ9999")], 4, "ZZZZ9999"),
        row(
            "listPurchasesOfEmail",
            &[("email", fx.buyer_email.as_str())],
            "/0/id",
        )
        .bad(&[("email", "not-an-email")], 3, "email"),
        row(
            "getPurchaseTracking",
            &[("purchase_id", single(0))],
            "/utm_params",
        )
        .bad(&[("purchase_id", "ZZZZ9999")], 4, "ZZZZ9999"),
        row(
            "getPurchaseDownloads",
            &[("purchase_id", single(0))],
            "/downloads",
        )
        .bad(&[], 3, "purchase_id"),
        row(
            "listInvoices",
            &[("purchase_id", single(0))],
            "/invoice_list/0/invoice_label",
        )
        .bad(&[("purchase_id", "ZZZZ9999")], 4, "ZZZZ9999"),
        row(
            "updatePurchase",
            &[("purchase_id", single(0)), ("data[custom]", "table")],
            "/is_modified",
        )
        .bad(
            &[
                ("purchase_id", single(0)),
                ("data[unlock_invoices]", "perhaps"),
            ],
            3,
            "data[unlock_invoices]",
        ),
        row("resendInvoiceMail", &[("purchase_id", single(0))], "/note").bad(
            &[("purchase_id", "ZZZZ9999")],
            4,
            "ZZZZ9999",
        ),
        row(
            "resendPurchaseConfirmationMail",
            &[("purchase_id", single(0))],
            "/modified",
        )
        .bad(&[("purchase_id", "ZZZZ9999")], 4, "ZZZZ9999"),
        row(
            "validateLicenseKey",
            &[("purchase_id", lic_purchase), ("license_key", lic_key)],
            "/is_license_valid",
        )
        .bad(&[("purchase_id", lic_purchase)], 3, "license_key"),
        row(
            "addBalanceToPurchase",
            &[("purchase_id", single(1)), ("amount", "10.00")],
            "/new_balance",
        )
        .bad(&[("purchase_id", single(1)), ("amount", "-5")], 3, "amount"),
        row("getBuyer", &[("buyer_id", "54000")], "/buyer/email").bad(&[("buyer_id", "1")], 4, "1"),
        row(
            "updateBuyer",
            &[("buyer_id", "54000"), ("data[phone_number]", "+49 30 123")],
            "/is_modified",
        )
        .bad(
            &[("buyer_id", "54000"), ("data[email]", "no-at-sign")],
            3,
            "data[email]",
        ),
        row("listBuyers", &[("page_size", "10")], "/items/9/id").bad(
            &[("page_no", "0")],
            3,
            "page_no",
        ),
        // payments
        row(
            "listTransactions",
            &[("from", "-7d"), ("search[transaction_type]", "payment")],
            "/summary/amounts",
        )
        .bad(
            &[("search[transaction_type]", "gift")],
            3,
            "search[transaction_type]",
        ),
        row(
            "refundTransaction",
            &[
                ("transaction_id", fx.payment_txns[0].as_str()),
                ("request_date", "now"),
            ],
            "/status",
        )
        .bad(&[("transaction_id", "1")], 4, "1"),
        row(
            "refundPurchase",
            &[("purchase_id", single(2)), ("force", "Y")],
            "/status",
        )
        .bad(&[("purchase_id", "ZZZZ9999")], 4, "ZZZZ9999"),
        row(
            "refundPartially",
            &[("purchase_id", single(3)), ("amount", "1.00")],
            "/modified",
        )
        .bad(
            &[("purchase_id", single(3)), ("amount", "100000.00")],
            3,
            "amount",
        ),
        row(
            "stopRebilling",
            &[("purchase_id", sub(0)), ("force", "Y")],
            "/rebilling_active",
        )
        .bad(&[("purchase_id", "ZZZZ9999")], 4, "ZZZZ9999"),
        row(
            "startRebilling",
            &[("purchase_id", sub(0))],
            "/billing_status",
        )
        .bad(&[], 3, "purchase_id"),
        row(
            "createRebillingPayment",
            &[("purchase_id", sub(1))],
            "/payment_status",
        )
        .bad(&[("purchase_id", "ZZZZ9999")], 4, "ZZZZ9999"),
        row(
            "createBillingOnDemand",
            &[
                ("purchase_id", sub(2)),
                ("product_id", "512350"),
                ("payment_plan[first_amount]", "9.00"),
                ("payment_plan[currency]", "EUR"),
            ],
            "/created_purchase_id",
        )
        .bad(&[("purchase_id", sub(2))], 3, "product_id"),
        row(
            "createAddonChangePurchase",
            &[
                ("purchase_id", sub(3)),
                ("addons[0][product_id]", "512348"),
                ("addons[0][amount]", "5.00"),
            ],
            "/created_purchase_id",
        )
        .bad(&[("purchase_id", sub(3))], 3, "addons"),
        row(
            "createUpgradePurchase",
            &[("purchase_ids", lic_purchase), ("upgrade_id", "7922")],
            "/new_purchase/id",
        )
        .bad(
            &[("purchase_ids", lic_purchase), ("upgrade_id", "1")],
            4,
            "1",
        ),
        row(
            "listRebillingStatusChanges",
            &[("from", "-180d")],
            "/items/0/type_msg",
        )
        .bad(&[("to", "soon")], 3, "to"),
        row(
            "reportFraud",
            &[
                ("transaction_id", fx.payment_txns[1].as_str()),
                ("who", "buyer"),
                ("comment", "stolen card"),
            ],
            "/buyer_code",
        )
        .bad(
            &[
                ("transaction_id", fx.payment_txns[1].as_str()),
                ("who", "vendor"),
                ("comment", "x"),
            ],
            3,
            "who",
        ),
        // affiliates
        row(
            "getAffiliateCommission",
            &[("affiliate_id", "anna_s24")],
            "/commissions/0/commission_rate",
        )
        .bad(&[("affiliate_id", "nobody")], 4, "nobody"),
        row(
            "updateAffiliateCommission",
            &[
                ("affiliate_id", "88120"),
                ("product_ids", "512340"),
                ("data[commission_rate]", "45"),
            ],
            "",
        )
        .bad(&[("affiliate_id", "88120")], 3, "product_ids"),
        row(
            "validateAffiliate",
            &[("affiliate_name", "anna_s24"), ("product_ids", "512340")],
            "/affiliation_status",
        )
        .bad(&[("affiliate_name", "anna_s24")], 3, "product_ids"),
        row(
            "setReferringAffiliate",
            &[
                ("referrer_id", "88121"),
                ("affiliate_id", "88122"),
                ("commission", "5"),
            ],
            "/action",
        )
        .bad(&[("referrer_id", "88121"), ("affiliate_id", "1")], 4, "1"),
        row(
            "getReferringAffiliate",
            &[("affiliate_id", "88120")],
            "/referrer_name",
        )
        .bad(&[("affiliate_id", "1")], 4, "1"),
        row(
            "setAffiliateForEmail",
            &[("email", "new@example.com"), ("affiliate", "tech_tom")],
            "",
        )
        .bad(
            &[("email", "new@example.com"), ("affiliate", "nobody")],
            4,
            "nobody",
        ),
        row(
            "getAffiliateForEmail",
            &[("email", "new@example.com")],
            "/affiliate_id",
        )
        .bad(&[("email", "nope")], 3, "email"),
        row(
            "getCustomerToAffiliateBuyerDetails",
            &[("purchase_id", single(0))],
            "/customer_to_affiliate_url",
        )
        .bad(&[("purchase_id", "ZZZZ9999")], 4, "ZZZZ9999"),
        // statistics & money flow
        row(
            "statsSalesSummary",
            &[],
            "/for/all/amounts/EUR/total_brutto_amount",
        ),
        row(
            "statsSales",
            &[("period", "month"), ("from", "-90d")],
            "/amounts/EUR/0/vendor_share_amount",
        )
        .bad(&[("period", "decade")], 3, "period"),
        row(
            "statsDailyAmounts",
            &[("from", "-7d")],
            "/amount_list/0/day",
        )
        .bad(&[("from", "last tuesday")], 3, "from"),
        row("statsExpectedPayouts", &[], "/total_earnings/EUR"),
        row("statsMarketplace", &[], "/entries/0/stats_stars"),
        row(
            "statsAffiliateToplist",
            &[("from", "2000-01"), ("to", "now")],
            "/top_list/0/affiliate_name",
        )
        .bad(&[("from", "2024-01")], 3, "to"),
        row(
            "listCommissions",
            &[("from", "-7d")],
            "/items/0/schedule_payout_at",
        )
        .bad(&[("commission_type", "bonus")], 3, "commission_type"),
        row("listPayouts", &[], "/payout_list/0/vendor_net_amount"),
        row(
            "listMarketplaceEntries",
            &[("sort_by", "stars")],
            "/entries/0/headline",
        )
        .bad(&[("sort_by", "price")], 3, "sort_by"),
        row(
            "getMarketplaceEntry",
            &[("entry_id", "1")],
            "/approval_status_msg",
        )
        .bad(&[("entry_id", "99")], 4, "99"),
        // fulfilment
        row(
            "listEtickets",
            &[("search[template_id]", "3")],
            "/etickets/0/download_url",
        )
        .bad(&[("search[date]", "someday")], 3, "search[date]"),
        row(
            "getEticket",
            &[("eticket_id", fx.eticket.as_str())],
            "/eticket/email",
        )
        .bad(&[("eticket_id", "1")], 4, "1"),
        row(
            "createEticket",
            &[
                ("buyer[email]", "guest@example.com"),
                ("product_id", "512346"),
                ("location_id", "3"),
                ("template_id", "3"),
                ("date", "30d"),
                ("count", "2"),
            ],
            "/etickets/1/url",
        )
        .bad(
            &[
                ("buyer[email]", "guest@example.com"),
                ("product_id", "512346"),
                ("location_id", "99"),
                ("template_id", "3"),
                ("date", "30d"),
            ],
            4,
            "99",
        ),
        row(
            "validateEticket",
            &[
                ("eticket_id", fx.eticket.as_str()),
                ("template_id", "3"),
                ("location_id", "3"),
                ("date", "30d"),
            ],
            "/status",
        )
        .bad(&[("eticket_id", fx.eticket.as_str())], 3, "template_id"),
        row("listEticketTemplates", &[], "/0/name"),
        row("listEticketLocations", &[], "/0/address"),
        row("getEticketSettings", &[], "/eticket_owners"),
        row(
            "listDeliveries",
            &[(
                "search[type]",
                "request,in_progress,delivery,partial_delivery,cancel",
            )],
            "/delivery/0/delivery_address/country",
        )
        .bad(&[("search[type]", "lost")], 3, "search[type]"),
        row(
            "getDelivery",
            &[("delivery_id", fx.delivery.as_str())],
            "/delivery/delivery_slip_url",
        )
        .bad(&[("delivery_id", "1")], 4, "1"),
        row(
            "updateDelivery",
            &[
                ("delivery_id", fx.delivery.as_str()),
                ("data[type]", "delivery"),
                ("tracking[0][parcel_service]", "dhl"),
                ("tracking[0][tracking_id]", "1234567890"),
                ("notify_via_email", "N"),
            ],
            "/is_modified",
        )
        .bad(
            &[
                ("delivery_id", fx.delivery.as_str()),
                ("data[type]", "lost"),
            ],
            3,
            "data[type]",
        ),
        row(
            "listServiceProofRequests",
            &[("search[approval_status]", "pending")],
            "/0/request_status",
        )
        .bad(
            &[("search[request_status]", "maybe")],
            3,
            "search[request_status]",
        ),
        row(
            "getServiceProofRequest",
            &[("service_proof_id", "4412")],
            "/service_proof_request/due_date",
        )
        .bad(&[("service_proof_id", "1")], 4, "1"),
        row(
            "updateServiceProofRequest",
            &[
                ("service_proof_id", "4412"),
                ("data[request_status]", "proof_provided"),
                ("data[message]", "Zugang genutzt"),
                ("files[0][url]", "https://files.example.com/log.pdf"),
            ],
            "/is_modified",
        )
        .bad(
            &[("service_proof_id", "4412"), ("data[message]", "x")],
            3,
            "data[request_status]",
        ),
        // deletes last: they remove objects other rows use
        row("deleteBuyUrl", &[("id", "8721903")], "/is_deleted").bad(&[("id", "1")], 4, "1"),
        row(
            "deleteImage",
            &[("image_id", fx.images[1].as_str())],
            "/is_deleted",
        )
        .bad(&[("image_id", "NOPE1234")], 4, "NOPE1234"),
        row(
            "deleteOrderform",
            &[("orderform_id", "3183")],
            "/is_deleted",
        )
        .bad(&[("orderform_id", "1")], 4, "1"),
        row(
            "deletePaymentplan",
            &[("paymentplan_id", "99801")],
            "/is_deleted",
        )
        .bad(&[("paymentplan_id", "1")], 4, "1"),
        row("deleteProduct", &[("product_id", "512352")], "/is_deleted").bad(
            &[("product_id", "999999")],
            4,
            "999999",
        ),
        row(
            "deleteProductGroup",
            &[("product_group_id", "20")],
            "/is_deleted",
        )
        .bad(&[("product_group_id", "9999")], 4, "9999"),
        row(
            "deleteShippingCostPolicy",
            &[("policy_id", "1235")],
            "/is_deleted",
        )
        .bad(&[("policy_id", "1")], 4, "1"),
        row("deleteUpgrade", &[("upgrade_id", "7923")], "/is_deleted").bad(
            &[("upgrade_id", "1")],
            4,
            "1",
        ),
        row("deleteUpsells", &[("product_id", "512340")], "/is_modified").bad(
            &[("product_id", "999999")],
            4,
            "999999",
        ),
        row("deleteVoucher", &[("code", "USEDUP")], "/is_deleted").bad(
            &[("code", "NOPE")],
            4,
            "NOPE",
        ),
        row("ipnDelete", &[("domain_id", "table-test")], "/modified").bad(&[], 3, "domain_id"),
        row("retrieveApiKey", &[("token", "SET-BY-TEST")], "/api_key").bad(
            &[("token", "NOTATOKEN")],
            4,
            "NOTATOKEN",
        ),
        row("unregister", &[], "/modified"),
    ]
}

/// A sandbox with an extra full key (`victim`) that `unregister` revokes.
async fn table_sandbox() -> Sb {
    let mut opts = SandboxOptions::in_memory();
    opts.keys.push(KeySpec::new("victim", KeyPermission::Full));
    Sb::with(opts).await
}

/// Runs every row: the bad call (expecting its code and mention), then the valid call.
async fn run_table(sb: &Sb) {
    let fx = Fixtures::discover(sb).await;
    let mut rows = table(&fx);

    // The table covers exactly the registered functions.
    let table_names: BTreeSet<&str> = rows.iter().map(|r| r.f).collect();
    let registered: BTreeSet<&str> = ds24_sandbox::function_names().collect();
    assert_eq!(table_names.len(), rows.len(), "duplicate rows");
    assert_eq!(table_names, registered);
    assert_eq!(registered.len(), 123);

    let mut token = String::new();
    for row in &mut rows {
        // Bad arguments first, so they see the same state as the valid call.
        if let Some((bad, code, mention)) = &row.bad {
            let refs: Vec<(&str, &str)> =
                bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (got, msg) = sb.err(FULL, row.f, &refs).await;
            assert_eq!(got, *code, "{}: {refs:?} → {msg}", row.f);
            assert!(
                msg.contains(mention),
                "{}: '{msg}' should name {mention}",
                row.f
            );
        }
        if row.f == "retrieveApiKey" {
            row.ok = pairs(&[("token", token.as_str())]);
        }
        let refs: Vec<(&str, &str)> = row
            .ok
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let key = if row.f == "unregister" {
            "victim"
        } else {
            FULL
        };
        let data = sb.ok_as(key, row.f, &refs).await;
        if !row.expect.is_empty() {
            assert!(
                data.pointer(row.expect).is_some(),
                "{}: {} missing in {data}",
                row.f,
                row.expect
            );
        }
        if row.f == "requestApiKey" {
            token = s(&data["request_token"]);
        }
    }
}

#[tokio::test]
async fn every_function_accepts_valid_and_rejects_bad_arguments() {
    let sb = table_sandbox().await;
    run_table(&sb).await;

    // Deletes delete.
    let (code, _) = sb
        .err(FULL, "getProduct", &[("product_id", "512352")])
        .await;
    assert_eq!(code, 4);
    let (code, _) = sb.err(FULL, "getVoucher", &[("code", "USEDUP")]).await;
    assert_eq!(code, 4);
    // The unregistered key is gone, the others still work.
    let (code, _) = sb.err("victim", "ping", &[]).await;
    assert_eq!(code, 2);
    sb.ok("ping", &[]).await;
}

#[test]
fn sandbox_covers_the_catalog() {
    let catalog: BTreeSet<&str> = ds24_catalog::all()
        .filter(|f| f.kind == ds24_catalog::Kind::Api)
        .map(|f| f.name)
        .collect();
    let sandbox: BTreeSet<&str> = ds24_sandbox::function_names().collect();
    let missing: Vec<_> = catalog.difference(&sandbox).collect();
    let extra: Vec<_> = sandbox.difference(&catalog).collect();
    assert!(
        missing.is_empty(),
        "catalog functions without a sandbox handler: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "sandbox functions not in the catalog: {extra:?}"
    );
}

/// The sandbox's own permission table agrees with the catalog: a read-only key is refused
/// (code 8) exactly on the catalog's full-access functions.
#[tokio::test]
async fn read_key_is_refused_exactly_on_full_access_functions() {
    let sb = Sb::start().await;
    let mut disagreements = Vec::new();
    for f in ds24_catalog::all().filter(|f| f.kind == ds24_catalog::Kind::Api) {
        let (_, v) = sb.raw(READ, f.name, &[("language", "en")]).await;
        let refused = v["code"] == 8;
        let needs_full = f.access == ds24_catalog::Access::Full;
        if refused != needs_full {
            disagreements.push(format!(
                "{} (catalog {:?}, sandbox answered {v})",
                f.name, f.access
            ));
        }
        if refused {
            let msg = s(&v["message"]);
            assert!(
                msg.contains("read-only") && msg.contains("Full access"),
                "{msg}"
            );
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

/// Where the sandbox's parameters of a function differ from the catalog's, and why.
/// `(function, parameter, reason)`: the parameter is in one list and not the other, or it is
/// an undocumented name the handler accepts besides (its registry `also`).
const ARG_DIFFERENCES: &[(&str, &str, &str)] = &[(
    "listPurchases",
    "show_transactions",
    "older name of load_transactions that clients still send; accepted, never positional",
)];

/// Declared parameters a handler did not read in the table's calls, and why.
const UNREAD: &[(&str, &str, &str)] = &[
    (
        "createAddonChangePurchase",
        "placeholders",
        "placeholders fill order forms and e-mails, which the sandbox does not render; accepted and ignored",
    ),
    (
        "createBillingOnDemand",
        "placeholders",
        "placeholders fill order forms and e-mails, which the sandbox does not render; accepted and ignored",
    ),
    (
        "createBuyUrl",
        "placeholders",
        "placeholders fill the order form behind the link, which the sandbox does not render; accepted and ignored",
    ),
    (
        "createBillingOnDemand",
        "addons",
        "add-ons on a billing-on-demand order are not simulated (createAddonChangePurchase is); accepted and ignored",
    ),
    (
        "refundPurchase",
        "request_date",
        "read only when the refund window is checked (force=N with money left to refund); the table refunds with force=Y",
    ),
    (
        "statsMarketplace",
        "language",
        "read by the wire layer for every call (language of messages and labels), not by the handler",
    ),
];

fn catalog_params(f: &ds24_catalog::Function) -> Vec<&'static str> {
    f.params.iter().map(|p| p.name).collect()
}

/// The sandbox's positional parameter list of every function (its registry `args`, which is
/// also everything its handler may read) agrees with the catalog's parameters in name and
/// order, apart from the differences listed above with their reasons.
#[test]
fn sandbox_arguments_agree_with_the_catalog() {
    let sandbox: std::collections::BTreeMap<&str, &[&str]> = ds24_sandbox::function_params()
        .map(|(name, args, _)| (name, args))
        .collect();
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    for (name, _, also) in ds24_sandbox::function_params() {
        for a in also {
            match ARG_DIFFERENCES
                .iter()
                .find(|(f, p, _)| *f == name && p == a)
            {
                Some(d) => {
                    used.insert((d.0, d.1));
                }
                None => problems.push(format!(
                    "{name}: accepts undocumented {a} (list it in ARG_DIFFERENCES with a reason)"
                )),
            }
        }
    }
    for f in ds24_catalog::all().filter(|f| f.kind == ds24_catalog::Kind::Api) {
        let cat = catalog_params(f);
        let Some(sb) = sandbox.get(f.name) else {
            problems.push(format!("{}: not in the sandbox", f.name));
            continue;
        };
        let listed = |p: &str| {
            ARG_DIFFERENCES
                .iter()
                .find(|(func, param, _)| *func == f.name && *param == p)
        };
        let cat_kept: Vec<&str> = cat
            .iter()
            .copied()
            .filter(|p| listed(p).is_none())
            .collect();
        let sb_kept: Vec<&str> = sb.iter().copied().filter(|p| listed(p).is_none()).collect();
        for p in cat.iter().chain(sb.iter()) {
            if let Some(d) = listed(p) {
                used.insert((d.0, d.1));
            }
        }
        if cat_kept != sb_kept {
            problems.push(format!(
                "{}: catalog {cat:?}, sandbox {sb:?} (list a difference with its reason in ARG_DIFFERENCES)",
                f.name
            ));
        }
    }
    for (func, param, _) in ARG_DIFFERENCES {
        if !used.contains(&(*func, *param)) {
            problems.push(format!(
                "{func}.{param}: listed difference that no longer exists"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Every handler reads exactly what it declares: calling every function (the table above)
/// never reads an undeclared parameter (a debug build answers such a call with an internal
/// error, and it is recorded here too), and every declared parameter is read by some call,
/// apart from the ones listed in `UNREAD` with their reasons.
#[tokio::test]
async fn handlers_read_the_parameters_they_declare() {
    if !cfg!(debug_assertions) {
        return; // release builds do not record reads
    }
    let sb = table_sandbox().await;
    run_table(&sb).await;
    let observed = ds24_sandbox::observed_reads();
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    for (name, args, also) in ds24_sandbox::function_params() {
        let reads = observed.get(name).cloned().unwrap_or_default();
        for r in &reads {
            if !args.contains(&r.as_str()) && !also.contains(&r.as_str()) {
                problems.push(format!("{name}: read undeclared parameter {r}"));
            }
        }
        for a in args.iter().chain(also.iter()) {
            if reads.contains(*a) {
                continue;
            }
            match UNREAD.iter().find(|(f, p, _)| *f == name && p == a) {
                Some(u) => {
                    used.insert((u.0, u.1));
                }
                None => problems.push(format!(
                    "{name}: declared parameter {a} was never read (implement it, or list it in UNREAD with a reason)"
                )),
            }
        }
    }
    for (func, param, _) in UNREAD {
        if !used.contains(&(*func, *param)) {
            problems.push(format!(
                "{func}.{param}: listed in UNREAD but read after all"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
