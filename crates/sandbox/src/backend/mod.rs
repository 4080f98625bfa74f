//! The account's behaviour (moto's "models"): everything that changes more than one document
//! or moves money. Handlers parse parameters, call in here, and render; the seed builds the
//! demo account through the same functions, so seeded and API-made data follow one set of
//! rules.
//!
//! - [`ledger`]: how a payment splits (VAT, fee, commission, earnings) and how transactions
//!   are booked.
//! - [`refunds`]: refund windows, refunding payments, ending a refunded subscription.
//! - [`rebilling`]: stopping, resuming and charging subscriptions; status change records.
//! - [`billing`]: billing on demand and orders derived from an existing one (add-ons,
//!   upgrades).
//! - [`lookup`]: vouchers by code, affiliates by name.
//! - [`products`]: product lookups, copying and deleting products with their plans.

pub mod billing;
pub mod ledger;
pub mod lookup;
pub mod products;
pub mod rebilling;
pub mod refunds;
