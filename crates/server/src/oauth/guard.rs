//! Bounds on the work anonymous browsers can make the authorization server do.
//!
//! The consent page needs no account: anyone can load it and press its buttons, and two of
//! them cost more than a page. "Paste an API key" asks Digistore24 about the key, and "Connect
//! with Digistore24" spends the operator's developer key on `requestApiKey` and
//! `retrieveApiKey`. So, per replica and in memory:
//! - pasted keys: [`KEY_CHECKS_PER_SECOND`] per client address, and at most
//!   [`ATTEMPTS_PER_CONSENT`] per consent page. A page is one authorization request; the app
//!   starts a new one for a new try. The per-page bound matters because the per-address one
//!   is shared by every vendor behind the same proxy or NAT;
//! - developer-key calls: a few a minute per client address and [`DEVELOPER_CALLS_PER_SECOND`]
//!   for the whole replica, so neither one browser nor a crowd can get the operator's
//!   developer key throttled by Digistore24.
//!
//! Metadata document fetches are bounded where they happen ([`super::register`]).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::limit::RateLimiter;

/// Pasted keys checked per second per client address (bursts of twice that).
pub const KEY_CHECKS_PER_SECOND: u32 = 5;
/// Pasted keys checked per consent page.
pub const ATTEMPTS_PER_CONSENT: u32 = 5;
/// Developer-key calls per minute per client address.
pub const DEVELOPER_CALLS_PER_MINUTE: f64 = 10.0;
/// Developer-key calls per client address in a burst.
pub const DEVELOPER_CALLS_BURST: f64 = 6.0;
/// Developer-key calls per second for the whole replica (bursts of four times that).
pub const DEVELOPER_CALLS_PER_SECOND: f64 = 5.0;
/// Consent pages whose attempts are counted at once; beyond, the ones past their expiry are
/// forgotten first.
const CONSENTS_REMEMBERED: usize = 100_000;

/// The limits of one replica's authorization server.
#[derive(Debug)]
pub(crate) struct Guards {
    key_checks: RateLimiter,
    attempts: Attempts,
    developer_per_address: RateLimiter,
    developer_all: RateLimiter,
}

/// Why a request was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Too many from this client address, or for the whole replica: wait and try again.
    TooFast,
    /// This consent page had its attempts: start again from the app.
    PageUsedUp,
}

impl Guards {
    pub fn new() -> Self {
        Self {
            key_checks: RateLimiter::new(KEY_CHECKS_PER_SECOND),
            attempts: Attempts::new(ATTEMPTS_PER_CONSENT, CONSENTS_REMEMBERED),
            developer_per_address: RateLimiter::with_burst(
                DEVELOPER_CALLS_PER_MINUTE / 60.0,
                DEVELOPER_CALLS_BURST,
            ),
            developer_all: RateLimiter::with_burst(
                DEVELOPER_CALLS_PER_SECOND,
                DEVELOPER_CALLS_PER_SECOND * 4.0,
            ),
        }
    }

    /// May the browser at `from` have a pasted key checked on consent page `consent` (valid
    /// until `until`)?
    pub fn key_check(
        &self,
        from: &str,
        consent: &str,
        until: u64,
        now: u64,
    ) -> Result<(), Refused> {
        self.key_checks.check(from).map_err(|_| Refused::TooFast)?;
        if !self.attempts.take(consent, until, now) {
            return Err(Refused::PageUsedUp);
        }
        Ok(())
    }

    /// May the browser at `from` make the server call Digistore24 with the developer key?
    pub fn developer_call(&self, from: &str) -> Result<(), Refused> {
        self.developer_per_address
            .check(from)
            .map_err(|_| Refused::TooFast)?;
        self.developer_all.check("").map_err(|_| Refused::TooFast)
    }
}

/// Attempts counted per consent page, in memory, bounded.
#[derive(Debug)]
struct Attempts {
    max: u32,
    capacity: usize,
    counts: Mutex<HashMap<String, (u32, u64)>>,
}

impl Attempts {
    fn new(max: u32, capacity: usize) -> Self {
        Self {
            max,
            capacity: capacity.max(1),
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt on `id` (valid until `until`); false once `max` were made.
    fn take(&self, id: &str, until: u64, now: u64) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if !counts.contains_key(id) && counts.len() >= self.capacity {
            counts.retain(|_, (_, u)| *u > now);
            if counts.len() >= self.capacity {
                // Every page is still open: forgetting them all only gives each its attempts
                // back, the per-address limit still holds.
                tracing::warn!("too many consent pages to count attempts on: counts start over");
                counts.clear();
            }
        }
        let (n, u) = counts.entry(id.to_owned()).or_insert((0, until));
        *u = (*u).max(until);
        if *n >= self.max {
            return false;
        }
        *n += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_per_page_are_capped_and_memory_bounded() {
        let a = Attempts::new(2, 2);
        assert!(a.take("p1", 100, 1) && a.take("p1", 100, 1));
        assert!(!a.take("p1", 100, 1), "third attempt");
        assert!(a.take("p2", 100, 1), "another page");
        assert!(a.take("p3", 100, 200), "full: expired pages are forgotten");
        assert!(a.counts.lock().unwrap().len() <= 2);
    }

    #[test]
    fn developer_calls_per_address() {
        let g = Guards::new();
        let allowed = (0..20)
            .filter(|_| g.developer_call("1.2.3.4").is_ok())
            .count();
        assert_eq!(allowed, DEVELOPER_CALLS_BURST as usize);
        assert!(g.developer_call("5.6.7.8").is_ok(), "another address");
    }
}
