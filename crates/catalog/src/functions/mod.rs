//! The catalog entries: one file per toolset, each declaring the toolset and its functions.
//!
//! A new toolset is one new file plus one line in [`TOOLSETS`]; a new function is one entry in
//! its toolset's file.

use std::sync::LazyLock;

use crate::model::{Function, Toolset};

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
mod reports;
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

/// Every toolset, in the order people read them (`ds24-mcp tools`, the README).
pub(crate) static TOOLSETS: &[&Toolset] = &[
    &products::TOOLSET,
    &product_groups::TOOLSET,
    &orderforms::TOOLSET,
    &buy_urls::TOOLSET,
    &payment_plans::TOOLSET,
    &purchases::TOOLSET,
    &refunds::TOOLSET,
    &invoices::TOOLSET,
    &deliveries::TOOLSET,
    &billing::TOOLSET,
    &etickets::TOOLSET,
    &images::TOOLSET,
    &buyers::TOOLSET,
    &vouchers::TOOLSET,
    &affiliates::TOOLSET,
    &upgrades::TOOLSET,
    &smart_upgrades::TOOLSET,
    &upsells::TOOLSET,
    &service_proofs::TOOLSET,
    &statistics::TOOLSET,
    &reports::TOOLSET,
    &transactions::TOOLSET,
    &commissions::TOOLSET,
    &rebilling::TOOLSET,
    &marketplace::TOOLSET,
    &shipping::TOOLSET,
    &reference::TOOLSET,
    &conversion_tools::TOOLSET,
    &custom_forms::TOOLSET,
    &account::TOOLSET,
    &licenses::TOOLSET,
    &payouts::TOOLSET,
    &tracking::TOOLSET,
    &fraud::TOOLSET,
    &ipn::TOOLSET,
    &api_keys::TOOLSET,
    &testing::TOOLSET,
];

/// All functions sorted by name, for deterministic listing and binary search.
pub(crate) static SORTED: LazyLock<Vec<&'static Function>> = LazyLock::new(|| {
    let mut all: Vec<&'static Function> = TOOLSETS.iter().flat_map(|t| t.functions).collect();
    all.sort_by_key(|f| f.name);
    all
});
