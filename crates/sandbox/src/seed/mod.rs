//! The deterministic demo account generated on first start (and by `--reset`).
//!
//! Everything comes from one SplitMix64 stream seeded by `--seed`, so two sandboxes with the same
//! seed hold the same products, buyers, orders and amounts. Timestamps are offsets from the
//! moment of seeding, so "the last 24 hours" and "the last 7 days" always contain sales on a
//! fresh account.
//!
//! The seed is a leaf: it builds typed documents and books money through the same backend the
//! handlers use (ledger, rebilling records), so its statistics agree with its transaction list
//! by construction, and nothing else in the crate depends on it except the wire layer that
//! calls [`populate`].

use chrono::{Duration, NaiveDateTime};

use crate::ids::Rng;
use crate::store::Tx;

mod catalog;
mod data;
mod extras;
mod sales;

/// Number of purchases in the demo account.
pub const PURCHASE_COUNT: usize = 820;

/// The generator's state: the store, the random stream and the seeding moment.
struct Ctx<'t, 's> {
    tx: &'t mut Tx<'s>,
    rng: Rng,
    now: NaiveDateTime,
}

impl Ctx<'_, '_> {
    fn ago(&self, secs: i64) -> NaiveDateTime {
        self.now - Duration::seconds(secs)
    }

    fn ago_days(&mut self, lo: i64, hi: i64) -> NaiveDateTime {
        let span = ((hi - lo).max(1) * 86_400) as u64;
        let r = self.rng.below(span) as i64;
        self.ago(lo * 86_400 + r)
    }

    /// `now` minus `days`, formatted.
    fn days_ago(&self, days: i64) -> String {
        crate::time::fmt(self.now - Duration::days(days))
    }
}

/// Fills an empty store with the demo account.
pub fn populate(tx: &mut Tx<'_>, seed: u64, now: NaiveDateTime) {
    let mut c = Ctx {
        tx,
        rng: Rng::new(seed),
        now,
    };
    let start = now - Duration::days(3 * 365);
    catalog::account(&mut c, start);
    catalog::groups(&mut c);
    let products = catalog::products(&mut c);
    catalog::affiliates(&mut c, &products);
    let buyers = sales::buyers(&mut c);
    sales::purchases(&mut c, &products, &buyers);
    sales::payouts(&mut c);
    extras::all(&mut c, &products);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ledger::Shares;
    use crate::config::StateLocation;
    use crate::documents::{BillingStatus, Product, Purchase, Transaction, TxType};
    use crate::store::Store;
    use crate::time;

    fn ids(seed: u64, now: NaiveDateTime) -> Vec<String> {
        let (mut store, _) = Store::open(&StateLocation::Memory, false).unwrap();
        let mut tx = store.begin();
        populate(&mut tx, seed, now);
        tx.all::<Purchase>().map(|p| p.id.clone()).collect()
    }

    #[test]
    fn seeded_account_has_recent_sales_and_consistent_ledger() {
        let (mut store, _) = Store::open(&StateLocation::Memory, false).unwrap();
        let now = time::parse_stored("2025-06-15 12:00:00").unwrap();
        let mut tx = store.begin();
        populate(&mut tx, 24, now);
        assert!(tx.count::<Product>() >= 10);
        assert_eq!(tx.count::<Purchase>(), PURCHASE_COUNT);
        let txns = tx.count::<Transaction>();
        assert!((1200..3000).contains(&txns), "{txns} transactions");
        let day_ago = time::fmt(now - Duration::days(1));
        let week_ago = time::fmt(now - Duration::days(7));
        let recent = tx
            .all::<Purchase>()
            .filter(|p| p.created_at >= day_ago)
            .count();
        let week = tx
            .all::<Purchase>()
            .filter(|p| p.created_at >= week_ago)
            .count();
        assert!(recent >= 5, "{recent} purchases in the last 24h");
        assert!(week >= 40, "{week} purchases in the last 7 days");
        for status in [
            BillingStatus::Paying,
            BillingStatus::Completed,
            BillingStatus::Aborted,
            BillingStatus::Unpaid,
            BillingStatus::Reminding,
        ] {
            assert!(
                tx.all::<Purchase>().any(|p| p.billing_status == status),
                "no purchase with billing_status {status:?}"
            );
        }
        for t in [TxType::Payment, TxType::Refund, TxType::Chargeback] {
            assert!(
                tx.all::<Transaction>().any(|d| d.kind == t),
                "no {t:?} transaction"
            );
        }
        for t in tx.all::<Transaction>() {
            let sh = Shares::of(t);
            assert_eq!(sh.gross, sh.vat + sh.fee + sh.affiliate + sh.vendor);
            assert!(t.created_at <= time::fmt(now));
        }
        drop(tx);
        // Same seed, same account; another seed, another account.
        assert_eq!(ids(24, now), ids(24, now));
        assert_ne!(ids(24, now), ids(25, now));
    }
}
