//! Finding documents by the names the API accepts besides their ids: a voucher by its code,
//! an affiliate by their user name.

use crate::documents::{Affiliate, Voucher};
use crate::store::Tx;

/// A voucher by id, or by code (case-insensitive).
pub fn voucher<'t>(tx: &'t Tx<'_>, code_or_id: &str) -> Option<&'t Voucher> {
    let want = code_or_id.trim();
    tx.get::<Voucher>(want).or_else(|| {
        tx.all::<Voucher>()
            .find(|v| v.code.eq_ignore_ascii_case(want))
    })
}

/// An affiliate by id, or by user name (case-insensitive).
pub fn affiliate<'t>(tx: &'t Tx<'_>, id_or_name: &str) -> Option<&'t Affiliate> {
    let want = id_or_name.trim();
    tx.get::<Affiliate>(want).or_else(|| {
        tx.all::<Affiliate>()
            .find(|a| a.name.eq_ignore_ascii_case(want))
    })
}
