//! Single use of authorization codes and refresh tokens: the one thing a sealed token cannot
//! say about itself is whether it was used before.
//!
//! The ledger remembers, per grant (a code and every token issued from it share a random
//! `family`), whether the code was redeemed, the highest refresh-token generation used, and
//! whether the grant was revoked. A second redemption of the code, or a refresh token whose
//! generation was already used (a rotated-away token coming back: a sign that it leaked),
//! revokes the whole grant: its refresh tokens stop working and its access tokens are refused
//! on the next request (OAuth 2.1 §4.3.1, refresh token rotation with reuse detection).
//! One exception: the refresh token exchanged last may come back within
//! [`REFRESH_RETRY_GRACE_SECS`] of its first use. That is a client retrying after the answer
//! was lost on the way (a dropped connection, a timeout), and revoking would punish it for the
//! network; it gets tokens again (RFC 9700 §4.14.2 allows such a grace period). An older token
//! never has one.
//!
//! The ledger also closes Connect-with-Digistore24 flows ([`Ledger::close_flow`]): one that
//! completed, or whose way back arrived in a browser that did not start it, cannot be
//! completed again on this replica.
//!
//! The limit, stated honestly: the ledger is in memory and per replica. It forgets on restart,
//! and a replica does not see what another replica redeemed. With several replicas, route
//! `/oauth/token` to one of them (or use one replica) for strict single use; everywhere else
//! the short access-token lifetime bounds what a leaked token can do. Memory is bounded: one
//! entry per grant, kept only until the grant's last refresh token expires, and at most
//! `capacity` entries. When it is full, the grants closest to expiry are forgotten first, but
//! never a revoked one before it expires: forgetting a revocation would make the grant's tokens
//! good again, so a flood of new grants could undo it. If revoked grants alone fill the ledger,
//! new grants are refused ([`Reuse::Full`]) until some expire.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use crate::limit::OncePer;

/// Entries kept before the oldest are forgotten: about 100 bytes each.
pub const DEFAULT_CAPACITY: usize = 200_000;

/// How long after its first use the refresh token exchanged last may be sent again (a client
/// retrying after a lost answer) without revoking the grant.
pub const REFRESH_RETRY_GRACE_SECS: u64 = 30;

#[derive(Debug, Clone, Copy, Default)]
struct Family {
    code_redeemed: bool,
    /// Highest refresh-token generation already exchanged.
    refresh_used: Option<u32>,
    /// When that generation was first exchanged, Unix seconds.
    refresh_used_at: u64,
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
    /// The ledger is full of revoked grants and cannot take a new one: nothing was recorded.
    #[error("the server cannot remember another grant right now")]
    Full,
}

/// The per-replica memory of used codes and refresh tokens.
#[derive(Debug)]
pub struct Ledger {
    families: RwLock<HashMap<String, Family>>,
    capacity: usize,
    /// A full ledger says so once a minute: every refused grant finds it full.
    warned_full: OncePer,
}

impl Ledger {
    /// An empty ledger holding at most `capacity` grants.
    pub fn new(capacity: usize) -> Self {
        Self {
            families: RwLock::new(HashMap::new()),
            capacity: capacity.max(2),
            warned_full: OncePer::default(),
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

    /// Records that refresh token `generation` of `family` was exchanged; an older generation,
    /// or the last one again after the grace period, revokes the grant.
    pub fn rotate(&self, family: &str, generation: u32, until: u64, now: u64) -> Result<(), Reuse> {
        self.update(family, until, now, |f| {
            if f.revoked {
                return Err(Reuse::Revoked);
            }
            match f.refresh_used {
                Some(used)
                    if generation == used
                        && now <= f.refresh_used_at.saturating_add(REFRESH_RETRY_GRACE_SECS) =>
                {
                    Ok(())
                }
                Some(used) if generation <= used => {
                    f.revoked = true;
                    Err(Reuse::Replayed)
                }
                _ => {
                    f.refresh_used = Some(generation);
                    f.refresh_used_at = now;
                    Ok(())
                }
            }
        })
    }

    /// Closes the Connect flow `id` on this replica until `until`: it cannot be completed
    /// (again). Returns whether it was open.
    pub fn close_flow(&self, id: &str, until: u64, now: u64) -> bool {
        self.update(&flow_entry(id), until, now, |f| {
            let was_open = !f.revoked;
            f.revoked = true;
            if was_open {
                Ok(())
            } else {
                Err(Reuse::Revoked)
            }
        })
        .is_ok()
    }

    /// Whether the Connect flow `id` was closed on this replica.
    pub fn is_flow_closed(&self, id: &str) -> bool {
        self.is_revoked(&flow_entry(id))
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
            if families.len() >= self.capacity {
                if self.warned_full.due(now, 60) {
                    tracing::warn!(
                        kept = families.len(),
                        "the OAuth replay ledger is full of revoked grants: new grants are refused until some expire (a restart clears it, and forgets those revocations)"
                    );
                }
                return Err(Reuse::Full);
            }
        }
        let entry = families.entry(family.to_owned()).or_default();
        entry.until = entry.until.max(until);
        change(entry)
    }
}

/// Flows share the map with grants; grant families are base64url, which has no `:`.
fn flow_entry(id: &str) -> String {
    format!("flow:{id}")
}

/// Drops expired grants; if that is not enough, the half of the unrevoked ones closest to
/// expiry. A revoked grant stays until it expires.
fn make_room(families: &mut HashMap<String, Family>, capacity: usize, now: u64) {
    families.retain(|_, f| f.until > now);
    if families.len() < capacity {
        return;
    }
    let mut untils: Vec<u64> = families
        .values()
        .filter(|f| !f.revoked)
        .map(|f| f.until)
        .collect();
    if untils.is_empty() {
        return;
    }
    let mid = untils.len() / 2;
    let (_, cut, _) = untils.select_nth_unstable(mid);
    let cut = *cut;
    families.retain(|_, f| f.revoked || f.until > cut);
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
        assert_eq!(
            l.rotate("g", 5, 100, 1 + REFRESH_RETRY_GRACE_SECS + 1),
            Err(Reuse::Replayed),
            "the same one again after the grace period"
        );
    }

    /// Review finding 14: a client that lost the answer to a refresh sends the same token
    /// again at once; that is not a leak, and must not revoke its own grant.
    #[test]
    fn a_refresh_retried_at_once_is_not_reuse() {
        let l = Ledger::new(10);
        l.redeem_code("f", 10_000, 100).unwrap();
        assert_eq!(l.rotate("f", 0, 10_000, 100), Ok(()));
        assert_eq!(l.rotate("f", 0, 10_000, 110), Ok(()), "retried 10 s later");
        assert!(!l.is_revoked("f"));
        assert_eq!(l.rotate("f", 1, 10_000, 120), Ok(()));
        assert_eq!(
            l.rotate("f", 0, 10_000, 121),
            Err(Reuse::Replayed),
            "older than the last one used: revoked, grace or not"
        );
        let l = Ledger::new(10);
        assert_eq!(l.rotate("g", 3, 10_000, 100), Ok(()));
        assert_eq!(
            l.rotate("g", 3, 10_000, 100 + 120),
            Err(Reuse::Replayed),
            "two minutes later it is reuse"
        );
        assert!(l.is_revoked("g"));
    }

    #[test]
    fn flows_close_once() {
        let l = Ledger::new(10);
        assert!(!l.is_flow_closed("abc"));
        assert!(l.close_flow("abc", 100, 1));
        assert!(l.is_flow_closed("abc"));
        assert!(!l.close_flow("abc", 100, 1), "already closed");
        assert!(
            !l.is_revoked("abc"),
            "a grant family of the same text is another entry"
        );
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

    /// A flood of new grants must not push a revocation out: a forgotten revoked grant is
    /// "unknown here", and unknown grants are accepted, so its stolen tokens would work again.
    #[test]
    fn a_revoked_grant_outlives_a_flood_of_new_ones() {
        let l = Ledger::new(4);
        l.redeem_code("victim", 1000, 1).unwrap();
        l.rotate("victim", 0, 1000, 2).unwrap();
        assert_eq!(l.rotate("victim", 0, 1000, 100), Err(Reuse::Replayed));
        for i in 0..8 {
            let _ = l.redeem_code(&format!("flood{i}"), 2000 + i, 101);
        }
        assert!(l.is_revoked("victim"), "the revocation was forgotten");
        assert!(l.len() <= 4);
        assert_eq!(l.rotate("victim", 1, 1000, 102), Err(Reuse::Revoked));
    }

    /// Revoked grants alone filling the ledger: a new grant is refused, not recorded, and the
    /// revocations stay; once they expire there is room again.
    #[test]
    fn a_ledger_full_of_revocations_refuses_new_grants() {
        let l = Ledger::new(2);
        for family in ["a", "b"] {
            l.redeem_code(family, 100, 1).unwrap();
            assert_eq!(l.redeem_code(family, 100, 1), Err(Reuse::Replayed));
        }
        assert_eq!(l.redeem_code("c", 100, 2), Err(Reuse::Full));
        assert!(l.is_revoked("a") && l.is_revoked("b"));
        assert_eq!(l.len(), 2);
        l.redeem_code("c", 300, 101).unwrap();
        assert!(!l.is_revoked("a"), "expired entries make room");
    }
}
