//! The ipn toolset: IPN connections of the calling key.

use serde_json::{Value, json};

use crate::documents::{Document, Ipn, Product};
use crate::error::{ApiError, Entity};
use crate::ids::{Rng, key_fingerprint, token};
use crate::request::{Req, check_url, enum_list, must, yn};
use crate::store::Tx;

/// First id of IPN connections made through the API.
const FIRST_ID: i64 = 293_441;

const IPN_TRANSACTIONS: &[&str] = &[
    "payment",
    "refund",
    "chargeback",
    "payment_missed",
    "payment_denial",
    "rebill_cancelled",
    "rebill_resumed",
    "last_paid_day",
    "connection_test",
    // catalog.json lists it (the server's tool text too); openapi.yaml does not.
    "all",
];

fn ipn_for<'t>(tx: &'t Tx<'_>, fp: &str, domain: Option<&str>) -> Option<&'t Ipn> {
    tx.all::<Ipn>()
        .find(|d| d.key_fp == fp && domain.is_none_or(|dom| d.domain_id == dom))
}

/// `ipnSetup(ipn_url, name, product_ids, domain_id, categories, transactions, timing,
/// newsletter_send_policy, sha_passphrase)`: upsert per (calling key, domain_id). The sandbox
/// does not call `ipn_url` (it works offline).
pub fn ipn_setup(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let url = req.p.str("ipn_url")?;
    check_url("ipn_url", &url)?;
    let name = req.p.str("name")?;
    let products = req.p.list_str("product_ids");
    if products.is_empty() {
        return Err(ApiError::missing("product_ids"));
    }
    if products.iter().any(|p| p != "all") {
        for p in &products {
            must::<Product>(tx, p, Entity::Product)?;
        }
    }
    let transactions = match enum_list(&req.p, "transactions", IPN_TRANSACTIONS)? {
        Some(t) => t.join(","),
        None => "payment,refund,chargeback,payment_missed".into(),
    };
    let timing = req
        .p
        .opt_enum("timing", &["before_thankyou", "delayed"])?
        .unwrap_or_else(|| "before_thankyou".into());
    let policy = req
        .p
        .opt_enum(
            "newsletter_send_policy",
            &[
                "end_policy_send_always",
                "end_if_not_optout",
                "end_if_optout",
                "end_if_optin",
            ],
        )?
        .unwrap_or_else(|| "end_policy_send_always".into());
    let domain = req
        .p
        .opt_str("domain_id")
        .unwrap_or_else(|| "default".into());
    let fp = key_fingerprint(&req.key.key);
    let existing = ipn_for(tx, &fp, Some(&domain)).cloned();
    // `random` asks Digistore24 to generate one (openapi.yaml, wire sample 8), new each time.
    let generated = |tx: &mut Tx<'_>| {
        let mut rng = Rng::new(tx.random());
        token(&mut rng, 30)
    };
    let passphrase = match req.p.opt_str("sha_passphrase") {
        Some(p) if p.trim().eq_ignore_ascii_case("random") => generated(tx),
        Some(p) => p,
        None => existing
            .as_ref()
            .map(|d| d.sha_passphrase.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| generated(tx)),
    };
    let (id, created_at, created) = match &existing {
        Some(d) => (d.id.clone(), d.created_at.clone(), false),
        None => (
            tx.next_id(Ipn::KIND, FIRST_ID).to_string(),
            req.now_s(),
            true,
        ),
    };
    tx.put(Ipn {
        id: id.clone(),
        key_fp: fp,
        domain_id: domain.clone(),
        ipn_url: url,
        name,
        product_ids: products.join(","),
        categories: req.p.opt_str("categories").unwrap_or_default(),
        transactions,
        timing,
        newsletter_send_policy: policy,
        sha_passphrase: passphrase.clone(),
        created_at,
        modified_at: req.now_s(),
    });
    let num: i64 = id.parse().unwrap_or(0);
    Ok(json!({
        "created": yn(created),
        "updated": yn(!created),
        "deleted": "N",
        "domain_id": domain,
        "sha_passphrase": passphrase,
        "ipn_config_id": num,
        "ipn_id": num,
    }))
}

/// `ipnInfo(domain_id)`: the calling key's connection (for `domain_id`, or its first one).
pub fn ipn_info(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let fp = key_fingerprint(&req.key.key);
    let domain = req.p.opt_str("domain_id");
    match ipn_for(tx, &fp, domain.as_deref()) {
        None => Ok(json!({ "have_settings": "N", "domain_id": domain.unwrap_or_default() })),
        Some(d) => Ok(d.render()),
    }
}

/// `ipnDelete(domain_id)`.
pub fn ipn_delete(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let domain = req.p.str("domain_id")?;
    let fp = key_fingerprint(&req.key.key);
    let found = ipn_for(tx, &fp, Some(&domain)).map(|d| d.id.clone());
    if let Some(id) = &found {
        tx.delete::<Ipn>(id);
    }
    Ok(json!({ "modified": yn(found.is_some()) }))
}
