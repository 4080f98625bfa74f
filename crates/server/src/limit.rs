//! Per-key rate limiting of tool calls, so a runaway agent cannot hammer a Digistore24 account
//! (the MCP spec asks servers to rate-limit tool invocations). Per replica and in memory: the
//! server stays stateless, and N replicas allow at most N times the rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket per key fingerprint: `rate` calls per second on average, bursts up to twice
/// that.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` calls per key on average.
    pub fn new(per_second: u32) -> Self {
        let rate = f64::from(per_second.max(1));
        Self::with_burst(rate, rate * 2.0)
    }

    /// A limiter allowing `per_second` calls per key on average (a fraction for slower
    /// rates) and bursts of `burst` calls.
    pub fn with_burst(per_second: f64, burst: f64) -> Self {
        Self {
            rate: per_second.max(1e-6),
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one call from `key`'s bucket; `Err` says how long to wait.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 10_000 {
            // Forget keys that have been quiet long enough to have a full bucket again.
            let full_after = Duration::from_secs_f64(self.burst / self.rate);
            buckets.retain(|_, (_, seen)| now.duration_since(*seen) < full_after);
        }
        let (tokens, seen) = buckets.entry(key.to_owned()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*seen).as_secs_f64() * self.rate).min(self.burst);
        *seen = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_limits_per_key() {
        let limiter = RateLimiter::new(2);
        for _ in 0..4 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        assert!(limiter.check("b").is_ok(), "other keys are not affected");
    }

    #[test]
    fn slow_rates_with_their_own_burst() {
        let limiter = RateLimiter::with_burst(10.0 / 60.0, 3.0);
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").unwrap_err();
        assert!(wait > Duration::from_secs(5), "{wait:?}");
    }
}
