//! Keys Digistore24 just rejected as invalid (code 2), remembered briefly.
//!
//! A client configured with a wrong key, or a caller trying keys, would otherwise cost a
//! Digistore24 call per attempt, and if Digistore24 throttles by source address every tenant
//! of this server pays for it. So a rejected key is refused here for a short while without
//! another upstream call. Keys are remembered by a salted SHA-256 digest, never as
//! themselves, and the memory is bounded.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ds24_client::ApiKey;

/// How long a rejected key is refused unless configured otherwise.
pub const REJECTED_KEY_TTL: Duration = Duration::from_secs(60);

/// Most keys remembered at once; beyond this, newly rejected keys are not remembered (the
/// per-address limit and the upstream concurrency cap still bound what they cost).
const MAX_REMEMBERED: usize = 100_000;

/// Recently rejected keys, by salted digest.
#[derive(Debug)]
pub struct RejectedKeys {
    salt: [u8; 32],
    ttl: Duration,
    until: Mutex<HashMap<[u8; 32], Instant>>,
}

impl RejectedKeys {
    /// Remembers rejected keys for `ttl`, hashed with `salt`.
    pub fn new(salt: [u8; 32], ttl: Duration) -> Self {
        Self {
            salt,
            ttl,
            until: Mutex::new(HashMap::new()),
        }
    }

    /// `Err` with the time left if `key` was rejected within the last `ttl`.
    pub fn check(&self, key: &ApiKey) -> Result<(), Duration> {
        let digest = key.salted_digest(&self.salt);
        let now = Instant::now();
        let mut until = self
            .until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match until.get(&digest) {
            Some(&end) if end > now => Err(end - now),
            Some(_) => {
                until.remove(&digest);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Remembers that Digistore24 rejected `key` just now.
    pub fn remember(&self, key: &ApiKey) {
        let digest = key.salted_digest(&self.salt);
        let now = Instant::now();
        let mut until = self
            .until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if until.len() >= MAX_REMEMBERED {
            until.retain(|_, end| *end > now);
        }
        if until.len() < MAX_REMEMBERED {
            until.insert(digest, now + self.ttl);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejected_key_is_refused_until_the_time_is_up() {
        let keys = RejectedKeys::new([7; 32], Duration::from_secs(60));
        let bad = ApiKey::new("made-up").unwrap();
        let good = ApiKey::new("sandbox-read").unwrap();
        assert!(keys.check(&bad).is_ok());
        keys.remember(&bad);
        let left = keys.check(&bad).unwrap_err();
        assert!(left > Duration::from_secs(59) && left <= Duration::from_secs(60));
        assert!(keys.check(&good).is_ok(), "other keys pass");
        let expired = RejectedKeys::new([7; 32], Duration::ZERO);
        expired.remember(&bad);
        assert!(expired.check(&bad).is_ok(), "forgotten after the time");
        let dump = format!("{keys:?}");
        assert!(!dump.contains("made-up"), "only digests are kept: {dump}");
    }
}
