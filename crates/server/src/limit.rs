//! Rate limiting of tool calls, per key and per client address, so a runaway agent cannot
//! hammer a Digistore24 account (the MCP spec asks servers to rate-limit tool invocations) and
//! an anonymous caller cannot drive unlimited upstream calls by inventing a new key for each.
//! Per replica and in memory: the server stays stateless, and N replicas allow at most N times
//! the rate. Also the one rule for bounding a text that is repeated back (a client's value in
//! an error, a field in the audit trail): [`start_of`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries kept before quiet ones are swept out.
const SWEEP_ABOVE: usize = 10_000;
/// At most one sweep per this long, so a flood of new names costs each call O(1).
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// The name a client address is limited under: an IPv4 address as it is, an IPv6 address by
/// its /64 network (one subscriber commonly holds a whole /64, so single addresses would cost
/// nothing to rotate).
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// At most once per period: for a warning that every refused request would otherwise repeat.
/// Times are Unix seconds, passed in (so callers with a clock of their own, and tests, decide).
#[derive(Debug, Default)]
pub struct OncePer {
    last: std::sync::atomic::AtomicU64,
}

impl OncePer {
    /// Whether `period` seconds have passed since the last time this said yes; saying yes
    /// starts a new period.
    pub fn due(&self, now: u64, period: u64) -> bool {
        use std::sync::atomic::Ordering;
        let last = self.last.load(Ordering::Relaxed);
        if last != 0 && now < last.saturating_add(period) {
            return false;
        }
        self.last
            .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }
}

/// Seconds since the Unix epoch, for [`OncePer`].
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A token bucket per name (a key fingerprint, a client address): `rate` calls per second on
/// average, bursts up to twice that.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<Buckets>,
}

#[derive(Debug)]
struct Buckets {
    by_name: HashMap<String, (f64, Instant)>,
    swept: Instant,
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
            buckets: Mutex::new(Buckets {
                by_name: HashMap::new(),
                swept: Instant::now(),
            }),
        }
    }

    /// Takes one call from `key`'s bucket; `Err` says how long to wait.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.by_name.len() > SWEEP_ABOVE && now.duration_since(buckets.swept) >= SWEEP_EVERY {
            // Forget names that have been quiet long enough to have a full bucket again.
            let full_after = Duration::from_secs_f64(self.burst / self.rate);
            buckets
                .by_name
                .retain(|_, (_, seen)| now.duration_since(*seen) < full_after);
            buckets.swept = now;
        }
        let (tokens, seen) = buckets
            .by_name
            .entry(key.to_owned())
            .or_insert((self.burst, now));
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

/// The first `max` characters of `text`, with `…` when there were more: how a text someone
/// else chose is repeated, so that its size cannot set the size of an answer or a log line.
pub fn start_of(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
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

    #[test]
    fn addresses_are_limited_by_host_or_ipv6_network() {
        let key = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[test]
    fn once_per_says_yes_once_a_period() {
        let gate = OncePer::default();
        assert!(gate.due(1_000, 60), "the first time");
        assert!(!gate.due(1_059, 60));
        assert!(gate.due(1_060, 60), "a period later");
        assert!(!gate.due(1_061, 60));
    }
}
