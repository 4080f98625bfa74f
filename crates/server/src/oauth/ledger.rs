//! Single use of authorization codes and refresh tokens: the one thing a sealed token cannot
//! say about itself is whether it was used before.
//!
//! The ledger remembers, per grant (a code and every token issued from it share a random
//! `family`), whether the code was redeemed, the highest refresh-token generation used, and
//! whether the grant was revoked. A second redemption of the code, or a refresh token whose
//! generation was already used (a rotated-away token coming back: a sign that it leaked),
//! revokes the whole grant: its refresh tokens stop working and its access tokens are refused
//! on the next request (OAuth 2.1 §4.3.1, refresh token rotation with reuse detection).
//!
//! The limit, stated honestly: the ledger is in memory and per replica. It forgets on restart,
//! and a replica does not see what another replica redeemed. With several replicas, route
//! `/oauth/token` to one of them (or use one replica) for strict single use; everywhere else
//! the short access-token lifetime bounds what a leaked token can do. Memory is bounded: one
//! entry per grant, kept only until the grant's last refresh token expires, and at most
//! `capacity` entries (the ones closest to expiry are forgotten first when it is full).

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// Entries kept before the oldest are forgotten: about 100 bytes each.
pub const DEFAULT_CAPACITY: usize = 200_000;

#[derive(Debug, Clone, Copy, Default)]
struct Family {
    code_redeemed: bool,
    /// Highest refresh-token generation already exchanged.
    refresh_used: Option<u32>,
    revoked: bool,
    /// Unix seconds after which nothing of this grant is valid any more.
    until: u64,
}

/// Why a code or refresh token was refused by the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Reuse {
    /// It was used before; the grant is now revoked.
    #[error("it was already used, so the whole grant is now revoked")]
    Replayed,
    /// The grant was revoked earlier.
    #[error("its grant was revoked after a reuse")]
    Revoked,
}

/// The per-replica memory of used codes and refresh tokens.
#[derive(Debug)]
pub struct Ledger {
    families: RwLock<HashMap<String, Family>>,
    capacity: usize,
}

impl Ledger {
    /// An empty ledger holding at most `capacity` grants.
    pub fn new(capacity: usize) -> Self {
        Self {
            families: RwLock::new(HashMap::new()),
            capacity: capacity.max(2),
        }
    }

    /// Records that the code of `family` was redeemed; a second redemption revokes the grant.
    pub fn redeem_code(&self, family: &str, until: u64, now: u64) -> Result<(), Reuse> {
        self.update(family, until, now, |f| {
            if f.revoked {
                return Err(Reuse::Revoked);
            }
            if f.code_redeemed {
                f.revoked = true;
                return Err(Reuse::Replayed);
            }
            f.code_redeemed = true;
            Ok(())
        })
    }

    /// Records that refresh token `generation` of `family` was exchanged; a generation that
    /// was exchanged before (or an older one) revokes the grant.
    pub fn rotate(&self, family: &str, generation: u32, until: u64, now: u64) -> Result<(), Reuse> {
        self.update(family, until, now, |f| {
            if f.revoked {
                return Err(Reuse::Revoked);
            }
            if f.refresh_used.is_some_and(|used| generation <= used) {
                f.revoked = true;
                return Err(Reuse::Replayed);
            }
            f.refresh_used = Some(generation);
            Ok(())
        })
    }

    /// Whether the grant `family` was revoked on this replica.
    pub fn is_revoked(&self, family: &str) -> bool {
        self.families
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(family)
            .is_some_and(|f| f.revoked)
    }

    /// How many grants are remembered.
    pub fn len(&self) -> usize {
        self.families
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn update(
        &self,
        family: &str,
        until: u64,
        now: u64,
        change: impl FnOnce(&mut Family) -> Result<(), Reuse>,
    ) -> Result<(), Reuse> {
        let mut families = self
            .families
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if !families.contains_key(family) && families.len() >= self.capacity {
            make_room(&mut families, self.capacity, now);
        }
        let entry = families.entry(family.to_owned()).or_default();
        entry.until = entry.until.max(until);
        change(entry)
    }
}

/// Drops expired grants; if that is not enough, the half closest to expiry.
fn make_room(families: &mut HashMap<String, Family>, capacity: usize, now: u64) {
    families.retain(|_, f| f.until > now);
    if families.len() < capacity {
        return;
    }
    let mut untils: Vec<u64> = families.values().map(|f| f.until).collect();
    let mid = untils.len() / 2;
    let (_, cut, _) = untils.select_nth_unstable(mid);
    let cut = *cut;
    families.retain(|_, f| f.until > cut);
    tracing::warn!(
        kept = families.len(),
        "the OAuth replay ledger was full: grants closest to expiry are forgotten (their codes and refresh tokens lose reuse detection on this replica)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_redeems_once_and_reuse_revokes_the_grant() {
        let l = Ledger::new(10);
        assert_eq!(l.redeem_code("f", 100, 1), Ok(()));
        assert!(!l.is_revoked("f"));
        assert_eq!(l.redeem_code("f", 100, 1), Err(Reuse::Replayed));
        assert!(l.is_revoked("f"));
        assert_eq!(l.rotate("f", 0, 100, 1), Err(Reuse::Revoked));
    }

    #[test]
    fn refresh_generations_move_forward_only() {
        let l = Ledger::new(10);
        l.redeem_code("f", 100, 1).unwrap();
        assert_eq!(l.rotate("f", 0, 100, 1), Ok(()));
        assert_eq!(l.rotate("f", 1, 100, 1), Ok(()));
        assert_eq!(
            l.rotate("f", 0, 100, 1),
            Err(Reuse::Replayed),
            "older token"
        );
        assert!(l.is_revoked("f"));
        assert_eq!(
            l.rotate("f", 2, 100, 1),
            Err(Reuse::Revoked),
            "even the newest"
        );
        assert!(!l.is_revoked("g"));
        assert_eq!(
            l.rotate("g", 5, 100, 1),
            Ok(()),
            "unknown here (another replica, a restart): accepted"
        );
        assert_eq!(l.rotate("g", 5, 100, 1), Err(Reuse::Replayed));
    }

    #[test]
    fn bounded_expired_first_then_closest_to_expiry() {
        let l = Ledger::new(4);
        l.redeem_code("old", 5, 1).unwrap();
        for (i, until) in [(1, 50), (2, 60), (3, 70)] {
            l.redeem_code(&format!("f{i}"), until, 1).unwrap();
        }
        l.redeem_code("new", 100, 10).unwrap();
        assert_eq!(l.len(), 4, "the expired entry made room");
        l.redeem_code("newer", 200, 10).unwrap();
        assert!(l.len() <= 4);
        assert_eq!(
            l.redeem_code("newer", 200, 10),
            Err(Reuse::Replayed),
            "the newest entries survive"
        );
    }
}
