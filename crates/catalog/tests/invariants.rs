//! Every catalog entry keeps the catalog's rules, checked one test per function so that
//! `cargo test createVoucher` runs exactly that function's checks, plus a cross-check of each
//! entry against Digistore24's OpenAPI spec (`tests/fixtures/openapi-facts.json`, the facts the
//! check needs from the resolved spec of 2025-10-15).
//!
//! Adding a function to the catalog means adding its name to the `functions!` list below; the
//! test `every_function_has_a_test_row` fails until it is there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use ds24_catalog::{Access, Function, HttpMethod, Param, Ty};
use serde_json::{Value, json};

/// Our parameters that the spec lacks, each with the evidence for it.
const BEYOND_SPEC: &[(&str, &str, &str)] = &[
    (
        "getProduct",
        "show_deleted",
        "documented on dev.digistore24.com",
    ),
    (
        "listOrderforms",
        "layout",
        "community OpenAPI spec (HEPTACOM); unverified",
    ),
    (
        "updateUpsells",
        "data",
        "the spec's request body lists no properties; the wire takes data[...] (protocol.md 4.3)",
    ),
];

static SPEC: LazyLock<BTreeMap<String, Value>> = LazyLock::new(|| {
    let text = include_str!("fixtures/openapi-facts.json");
    let v: Value = serde_json::from_str(text).unwrap();
    v["functions"]
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .collect()
});

/// The catalog's own rules for one entry.
fn check_entry(f: &Function) -> Vec<String> {
    let mut problems = Vec::new();
    let name_ok = !f.name.is_empty()
        && f.name.len() <= 40
        && f.name.bytes().all(|b| b.is_ascii_alphanumeric());
    if !name_ok {
        problems.push("name must be 1-40 ASCII letters or digits".into());
    }
    if !f.toolset.functions.iter().any(|g| std::ptr::eq(g, f)) {
        problems.push(format!(
            "listed under toolset `{}` but not among its functions",
            f.toolset.id
        ));
    }
    let summary = f.summary.trim();
    if summary.is_empty() || !summary.ends_with('.') || summary.len() > 300 {
        problems
            .push("summary must be one or two sentences ending in '.' (at most 300 chars)".into());
    }
    if f.writes() && f.access == Access::Read {
        problems.push("a function that writes cannot be callable with a read-only key".into());
    }
    let official = f.official_name();
    if official.is_empty()
        || !official
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        problems.push(format!(
            "official name `{official}` is not a valid tool name"
        ));
    }
    check_params(f.params, "", &mut problems);
    problems
}

/// Parameter names that hold a person's data wherever they appear.
const PERSONAL_NAMES: &[&str] = &[
    "email",
    "first_name",
    "last_name",
    "phone_no",
    "phone_number",
    "street",
    "street_name",
    "street_number",
    "zipcode",
    "city",
    "tax_id",
    "login_name",
    "company",
    // Affiliates are people: their ID may be a user name or an e-mail address.
    "affiliate",
    "affiliate_id",
    "affiliate_name",
    "referrer_id",
];

/// Free text that is about a person (a note printed on a ticket, why a buyer is a fraud, a
/// message to a buyer), by function and parameter path: personal data in these places only
/// (other parameters of the same name, such as a product's `note`, are not about a person).
const PERSONAL_TEXT: &[(&str, &str)] = &[
    ("createEticket", "note"),
    ("reportFraud", "comment"),
    ("updateServiceProofRequest", "data.message"),
];

/// The parameter at a dotted path (`data.message`) of `params`.
fn param_at<'a>(params: &'a [Param], path: &str) -> Option<&'a Param> {
    let (head, rest) = path
        .split_once('.')
        .map_or((path, None), |(h, r)| (h, Some(r)));
    let p = params.iter().find(|p| p.name == head)?;
    match (rest, &p.ty) {
        (None, _) => Some(p),
        (Some(rest), Ty::Object(fields) | Ty::Array(fields)) => param_at(fields, rest),
        (Some(_), _) => None,
    }
}

#[test]
fn personal_free_text_is_marked() {
    for (function, path) in PERSONAL_TEXT {
        let f = ds24_catalog::get(function).unwrap_or_else(|| panic!("{function} is gone"));
        let p = param_at(f.params, path).unwrap_or_else(|| panic!("{function}: no `{path}`"));
        assert!(
            p.personal,
            "{function}: `{path}` is free text about a person; mark it `.personal()`"
        );
    }
}

fn check_params(params: &[Param], at: &str, problems: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    for p in params {
        let path = format!("{at}{}", p.name);
        if !seen.insert(p.name) {
            problems.push(format!("`{path}` is declared twice"));
        }
        let nested = matches!(&p.ty, Ty::Object(f) | Ty::Array(f) if !f.is_empty());
        if nested && p.doc.trim().is_empty() {
            problems.push(format!("`{path}` is a nested block without a description"));
        }
        if p.doc != p.doc.trim() || p.doc.ends_with('.') {
            problems.push(format!(
                "`{path}`: a description is a trimmed phrase without a final '.'"
            ));
        }
        if p.values == ["Y", "N"] || p.values == ["N", "Y"] {
            problems.push(format!(
                "`{path}` is a Y/N flag written as a string enum; flags are Ty::Boolean"
            ));
        }
        if p.values.iter().any(|v| v.is_empty()) {
            problems.push(format!("`{path}` allows an empty value"));
        }
        // Allowed values apply to text: a string, each item of a list, each value of a map.
        if !p.values.is_empty() && !matches!(p.ty, Ty::String | Ty::StringList | Ty::TextOrMap) {
            problems.push(format!("`{path}` has allowed values but is not text"));
        }
        if (p.max_len.is_some() || p.format.is_some()) && !matches!(p.ty, Ty::String) {
            problems.push(format!("`{path}` has a text limit but is not a string"));
        }
        if let (Some(min), Some(max)) = (p.min, p.max)
            && min > max
        {
            problems.push(format!("`{path}` has min {min} > max {max}"));
        }
        if (p.min.is_some() || p.max.is_some()) && !matches!(p.ty, Ty::Integer | Ty::Number) {
            problems.push(format!("`{path}` has bounds but is not a number"));
        }
        if let Some(d) = p.default {
            let fits = match p.ty {
                Ty::Integer => d
                    .parse::<i64>()
                    .is_ok_and(|n| p.min.is_none_or(|m| n >= m) && p.max.is_none_or(|m| n <= m)),
                Ty::Number => d.parse::<f64>().is_ok(),
                Ty::Boolean => matches!(d, "Y" | "N"),
                Ty::String => p.values.is_empty() || p.values.contains(&d),
                Ty::DateTime | Ty::Date => !d.is_empty(),
                Ty::Object(_) | Ty::Array(_) | Ty::StringList | Ty::TextOrMap => false,
            };
            if !fits {
                problems.push(format!(
                    "`{path}` default `{d}` does not fit its type or bounds"
                ));
            }
        }
        if p.required && p.default.is_some() {
            problems.push(format!("`{path}` is required yet has a default"));
        }
        // Personal data is masked in audit lines by the `personal` marker; a parameter named
        // like a person's contact data must carry it (a safety net, not the source of truth).
        if PERSONAL_NAMES.contains(&p.name) && !p.personal {
            problems.push(format!(
                "`{path}` looks like personal data; mark it `.personal()` so audit lines mask it"
            ));
        }
        // Secrets likewise: a parameter whose name says it is one must carry `.secret()`.
        let secret_name = [
            "passphrase",
            "password",
            "secret",
            "license_key",
            "token",
            "auth_key",
        ]
        .iter()
        .any(|part| p.name.contains(part));
        if secret_name && !p.secret {
            problems.push(format!(
                "`{path}` looks like a secret; mark it `.secret()` so audit lines mask it"
            ));
        }
        if p.personal && !matches!(p.ty, Ty::String) {
            problems.push(format!(
                "`{path}`: only text parameters are marked personal"
            ));
        }
        if let Ty::Object(fields) | Ty::Array(fields) = &p.ty {
            check_params(fields, &format!("{path}."), problems);
            if p.mutating {
                problems.push(format!("`{path}`: only scalar parameters can be mutating"));
            }
        }
    }
}

/// The entry against the OpenAPI spec: method, operationId, parameters and required flags.
fn check_spec(f: &Function) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(s) = SPEC.get(f.name) else {
        if f.in_spec {
            problems.push("marked as in the spec, but the spec lacks it".into());
        }
        return problems;
    };
    if !f.in_spec {
        problems.push("marked beyond_spec, but the spec has it".into());
    }
    let method = match f.spec_method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
    };
    if s["method"] != json!(method) {
        problems.push(format!("method {method}, spec {}", s["method"]));
    }
    if s["operationId"].as_str() != f.operation_id {
        problems.push(format!(
            "operationId {:?}, spec {}",
            f.operation_id, s["operationId"]
        ));
    }
    let top: BTreeMap<&str, bool> = f.params.iter().map(|p| (p.name, p.required)).collect();
    let data: BTreeMap<&str, bool> = f
        .params
        .iter()
        .find(|p| p.name == "data")
        .and_then(|p| match &p.ty {
            Ty::Object(fields) => Some(fields.iter().map(|x| (x.name, x.required)).collect()),
            _ => None,
        })
        .unwrap_or_default();
    let mut covered = BTreeSet::new();
    for q in s["query"].as_array().unwrap() {
        let (name, required) = (q[0].as_str().unwrap(), q[1].as_bool().unwrap());
        covered.insert(name);
        match top.get(name) {
            None => problems.push(format!("spec parameter `{name}` missing")),
            Some(&r) if r != required => {
                problems.push(format!("`{name}` required={r}, spec {required}"));
            }
            _ => {}
        }
    }
    // Request-body properties travel either as top-level parameters (createUpgrade, ipnSetup,
    // updateDelivery's data/tracking) or inside the `data[...]` block (protocol.md §4.3).
    let mut body_in_data = false;
    for b in s["body"].as_array().unwrap() {
        let (name, required) = (b[0].as_str().unwrap(), b[1].as_bool().unwrap());
        let found = match data.get(name) {
            Some(&r) => {
                body_in_data = true;
                Some(r)
            }
            None => top.get(name).copied(),
        };
        match found {
            None => problems.push(format!("spec body property `{name}` missing")),
            Some(r) if r != required => {
                problems.push(format!("body `{name}` required={r}, spec {required}"));
            }
            _ => {
                covered.insert(name);
            }
        }
    }
    if body_in_data {
        covered.insert("data");
    }
    for p in f.params {
        let beyond = BEYOND_SPEC
            .iter()
            .any(|(func, param, _)| *func == f.name && *param == p.name);
        if !covered.contains(p.name) && !beyond {
            problems.push(format!(
                "`{}` is not in the spec and not listed in BEYOND_SPEC",
                p.name
            ));
        }
    }
    problems
}

fn check(name: &str) {
    let f = ds24_catalog::get(name).unwrap_or_else(|| panic!("{name} is not in the catalog"));
    let mut problems = check_entry(f);
    problems.extend(check_spec(f));
    assert!(problems.is_empty(), "{name}:\n  {}", problems.join("\n  "));
}

macro_rules! functions {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            #[allow(non_snake_case)]
            fn $name() {
                check(stringify!($name));
            }
        )*
        const ROWS: &[&str] = &[$(stringify!($name)),*];
    };
}

functions!(
    addBalanceToPurchase,
    copyProduct,
    createAddonChangePurchase,
    createBillingOnDemand,
    createBuyUrl,
    createEticket,
    createImage,
    createOrderform,
    createPaymentplan,
    createProduct,
    createProductGroup,
    createRebillingPayment,
    createShippingCostPolicy,
    createUpgrade,
    createUpgradePurchase,
    createVoucher,
    deleteBuyUrl,
    deleteImage,
    deleteOrderform,
    deletePaymentplan,
    deleteProduct,
    deleteProductGroup,
    deleteShippingCostPolicy,
    deleteUpgrade,
    deleteUpsells,
    deleteVoucher,
    getAffiliateCommission,
    getAffiliateForEmail,
    getBuyer,
    getCustomerToAffiliateBuyerDetails,
    getDelivery,
    getEticket,
    getEticketSettings,
    getGlobalSettings,
    getImage,
    getMarketplaceEntry,
    getOrderform,
    getOrderformMetas,
    getProduct,
    getProductGroup,
    getPurchase,
    getPurchaseDownloads,
    getPurchaseTracking,
    getReferringAffiliate,
    getServiceProofRequest,
    getShippingCostPolicy,
    getSmartupgrade,
    getTestpayKey,
    getUpgrade,
    getUpsells,
    getUserInfo,
    getVoucher,
    ipnDelete,
    ipnInfo,
    ipnSetup,
    listAccountAccess,
    listBuyUrls,
    listBuyers,
    listCommissions,
    listConversionTools,
    listCountries,
    listCurrencies,
    listCustomFormRecords,
    listDeliveries,
    listEticketLocations,
    listEticketTemplates,
    listEtickets,
    listImages,
    listInvoices,
    listMarketplaceEntries,
    listOrderforms,
    listPaymentPlans,
    listPayouts,
    listProductGroups,
    listProductTypes,
    listProducts,
    listPurchases,
    listPurchasesOfEmail,
    listRebillingStatusChanges,
    listServiceProofRequests,
    listShippingCostPolicies,
    listSmartUpgrades,
    listTransactions,
    listUpgrades,
    listVouchers,
    logMemberAccess,
    ping,
    refundPartially,
    refundPurchase,
    refundTransaction,
    renderJsTrackingCode,
    reportFraud,
    requestApiKey,
    resendInvoiceMail,
    resendPurchaseConfirmationMail,
    retrieveApiKey,
    setAffiliateForEmail,
    setReferringAffiliate,
    startRebilling,
    statsAffiliateToplist,
    statsDailyAmounts,
    statsExpectedPayouts,
    statsMarketplace,
    statsSales,
    statsSalesSummary,
    summarizePurchases,
    summarizeTransactions,
    stopRebilling,
    unregister,
    updateAffiliateCommission,
    updateBuyer,
    updateDelivery,
    updateOrderform,
    updatePaymentplan,
    updateProduct,
    updateProductGroup,
    updatePurchase,
    updateServiceProofRequest,
    updateShippingCostPolicy,
    updateUpsells,
    updateVoucher,
    validateAffiliate,
    validateCouponCode,
    validateEticket,
    validateLicenseKey,
);

#[test]
fn every_function_has_a_test_row() {
    let catalog: BTreeSet<&str> = ds24_catalog::all().map(|f| f.name).collect();
    let rows: BTreeSet<&str> = ROWS.iter().copied().collect();
    let missing: Vec<_> = catalog.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&catalog).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "add these names to functions!(...) in crates/catalog/tests/invariants.rs: {missing:?}; remove these: {stale:?}"
    );
    assert_eq!(rows.len(), ROWS.len(), "a row is listed twice");
}

#[test]
fn names_are_unique_and_sorted_lookup_works() {
    let names: Vec<&str> = ds24_catalog::all().map(|f| f.name).collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "duplicate function names");
    for f in ds24_catalog::all() {
        assert!(std::ptr::eq(ds24_catalog::get(f.name).unwrap(), f));
    }
    let official: BTreeSet<String> = ds24_catalog::all().map(|f| f.official_name()).collect();
    assert_eq!(official.len(), names.len(), "duplicate official names");
}

#[test]
fn toolsets_are_unique_non_empty_and_described() {
    let mut ids = BTreeSet::new();
    for t in ds24_catalog::toolsets() {
        assert!(ids.insert(t.id), "toolset {} twice", t.id);
        assert!(!t.functions.is_empty(), "toolset {} is empty", t.id);
        assert!(
            t.description.ends_with('.') && t.description.len() <= 120,
            "toolset {}: one short sentence",
            t.id
        );
        assert!(
            t.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{}",
            t.id
        );
        for f in t.functions {
            assert!(
                std::ptr::eq(f.toolset, *t),
                "{} points at another toolset",
                f.name
            );
        }
        if !t.default_on {
            assert!(
                t.functions.iter().all(|f| !f.opt_in),
                "{}: opt_in means nothing in a toolset that is off by default",
                t.id
            );
        }
    }
    let total: usize = ds24_catalog::toolsets()
        .iter()
        .map(|t| t.functions.len())
        .sum();
    assert_eq!(total, ds24_catalog::all().count());
}

#[test]
fn every_spec_function_is_in_the_catalog_and_beyond_spec_is_used() {
    for name in SPEC.keys() {
        assert!(
            ds24_catalog::get(name).is_some_and(|f| f.in_spec),
            "the spec has {name}"
        );
    }
    for (func, param, _) in BEYOND_SPEC {
        let f = ds24_catalog::get(func).unwrap();
        assert!(
            f.params.iter().any(|p| p.name == *param),
            "BEYOND_SPEC lists {func}.{param}, which the catalog no longer has"
        );
    }
}

/// The default set is the hosted Digistore24 server's set, except where we deliberately
/// differ; each difference is listed here with its reason.
const DEFAULT_BEYOND_HOSTED: &[(&str, &str)] = &[
    (
        "updatePaymentplan",
        "\"Copy product X, change its payment plan to a one-time payment\" cannot be done without it",
    ),
    (
        "deletePaymentplan",
        "a copied product with several plans keeps only the one the vendor asked for",
    ),
    (
        "summarizePurchases",
        "report questions in one call instead of paging through hundreds of rows",
    ),
    (
        "summarizeTransactions",
        "report questions in one call instead of paging through hundreds of rows",
    ),
];

#[test]
fn the_default_set_is_the_hosted_set_plus_documented_extras() {
    let defaults: BTreeSet<&str> = ds24_catalog::all()
        .filter(|f| f.is_default())
        .map(|f| f.name)
        .collect();
    let hosted: BTreeSet<&str> = ds24_catalog::all()
        .filter(|f| f.hosted)
        .map(|f| f.name)
        .collect();
    let extras: BTreeSet<&str> = DEFAULT_BEYOND_HOSTED.iter().map(|(n, _)| *n).collect();
    assert!(
        hosted.is_subset(&defaults),
        "hosted functions left out of the default set: {:?}",
        hosted.difference(&defaults).collect::<Vec<_>>()
    );
    assert_eq!(
        defaults
            .difference(&hosted)
            .copied()
            .collect::<BTreeSet<_>>(),
        extras,
        "default functions the hosted server lacks must be listed in DEFAULT_BEYOND_HOSTED"
    );
}

#[test]
fn official_names_follow_the_hosted_server() {
    for f in ds24_catalog::all().filter(|f| f.in_spec) {
        let s = &SPEC[f.name];
        let expected = match s["operationId"].as_str() {
            Some(id) => id.to_owned(),
            None => {
                let m = s["method"].as_str().unwrap();
                let m = format!("{}{}", &m[..1], m[1..].to_lowercase());
                format!(
                    "{m}{}{}",
                    f.name[..1].to_uppercase(),
                    f.name[1..].to_lowercase()
                )
            }
        };
        assert_eq!(f.official_name(), expected);
    }
    let name = |n: &str| ds24_catalog::get(n).unwrap().official_name();
    assert_eq!(name("createProduct"), "PostCreateproduct");
    assert_eq!(name("getProduct"), "GetGetproduct");
    assert_eq!(name("listVouchers"), "PostListvouchers");
    assert_eq!(name("updateProduct"), "updateProduct");
}

/// What a field's schema says apart from its text.
fn facets(p: &Param) -> String {
    let ty = match &p.ty {
        Ty::Object(fields) => format!("object({})", fields.len()),
        Ty::Array(fields) => format!("array({})", fields.len()),
        other => format!("{other:?}"),
    };
    format!(
        "{ty} values={:?} min={:?} max={:?} max_len={:?} format={:?}",
        p.values, p.min, p.max, p.max_len, p.format
    )
}

/// The fields of an object parameter at `path` (`payment_plan`, `data`).
fn object_fields(function: &str, path: &str) -> &'static [Param] {
    let f = ds24_catalog::get(function).unwrap();
    match &param_at(f.params, path).unwrap().ty {
        Ty::Object(fields) => fields,
        other => panic!("{function}.{path} is {other:?}"),
    }
}

/// One payment plan is described in four places (its own create and update, and inside a buy
/// URL and a billing on demand). A field they share must read the same in each: the copies had
/// drifted (`updatePaymentplan.data.currency` lost its 3-letter limit, code review 5).
#[test]
fn a_payment_plans_fields_agree_wherever_a_plan_is_described() {
    let places = [
        ("createPaymentplan", "data"),
        ("updatePaymentplan", "data"),
        ("createBuyUrl", "payment_plan"),
        ("createBillingOnDemand", "payment_plan"),
    ];
    let mut seen: BTreeMap<&str, (String, String)> = BTreeMap::new();
    let mut problems = Vec::new();
    for (function, path) in places {
        for p in object_fields(function, path) {
            let here = format!("{function}.{path}");
            match seen.get(p.name) {
                None => {
                    seen.insert(p.name, (facets(p), here));
                }
                Some((first, at)) if *first != facets(p) => problems.push(format!(
                    "{}: {at} has {first}, {here} has {}",
                    p.name,
                    facets(p)
                )),
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
