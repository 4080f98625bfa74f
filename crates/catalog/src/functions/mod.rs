//! The catalog entries, one file per category.

use std::sync::LazyLock;

use crate::model::Function;

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

/// Every category's entries.
const TABLES: &[&[Function]] = &[
    account::FUNCTIONS,
    affiliates::FUNCTIONS,
    api_keys::FUNCTIONS,
    billing::FUNCTIONS,
    buy_urls::FUNCTIONS,
    buyers::FUNCTIONS,
    commissions::FUNCTIONS,
    conversion_tools::FUNCTIONS,
    custom_forms::FUNCTIONS,
    deliveries::FUNCTIONS,
    etickets::FUNCTIONS,
    fraud::FUNCTIONS,
    images::FUNCTIONS,
    invoices::FUNCTIONS,
    ipn::FUNCTIONS,
    licenses::FUNCTIONS,
    marketplace::FUNCTIONS,
    orderforms::FUNCTIONS,
    payment_plans::FUNCTIONS,
    payouts::FUNCTIONS,
    product_groups::FUNCTIONS,
    products::FUNCTIONS,
    purchases::FUNCTIONS,
    rebilling::FUNCTIONS,
    reference::FUNCTIONS,
    refunds::FUNCTIONS,
    service_proofs::FUNCTIONS,
    shipping::FUNCTIONS,
    smart_upgrades::FUNCTIONS,
    statistics::FUNCTIONS,
    testing::FUNCTIONS,
    tracking::FUNCTIONS,
    transactions::FUNCTIONS,
    upgrades::FUNCTIONS,
    upsells::FUNCTIONS,
    vouchers::FUNCTIONS,
];

/// All entries sorted by name, for deterministic listing and binary search.
pub(crate) static SORTED: LazyLock<Vec<&'static Function>> = LazyLock::new(|| {
    let mut all: Vec<&'static Function> = TABLES.iter().flat_map(|t| t.iter()).collect();
    all.sort_by_key(|f| f.name);
    all
});
