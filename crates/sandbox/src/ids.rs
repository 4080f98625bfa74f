//! Deterministic randomness and the shapes of generated identifiers.
//!
//! The demo account, order ids, tokens, keys and fault injection all draw from SplitMix64, so
//! the same seed always gives the same account. Kept apart from the seed and the store so both
//! (and the wire layer's dice) can use it without depending on each other.

/// SplitMix64's output function.
pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small deterministic PRNG (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `0.0..1.0`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below(items.len() as u64) as usize;
        &items[i.min(items.len().saturating_sub(1))]
    }
}

const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// An 8-character order id such as `L4F5DWT5` from 40 random bits.
pub fn order_code(r: u64) -> String {
    code(r, 8)
}

/// A `len`-character upper-case code from random bits (5 bits per character).
pub fn code(mut r: u64, len: usize) -> String {
    let mut out = String::with_capacity(len);
    for i in 0..len {
        if i > 0 && i % 12 == 0 {
            r = splitmix(r);
        }
        out.push(char::from(CODE_ALPHABET[(r & 31) as usize]));
        r >>= 5;
    }
    out
}

/// A mixed-case alphanumeric token of `len` characters.
pub fn token(rng: &mut Rng, len: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| char::from(A[rng.below(A.len() as u64) as usize]))
        .collect()
}

/// A stable short fingerprint of an API key (FNV-1a), so documents can be scoped to the
/// calling key without storing the key itself.
pub fn key_fingerprint(key: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A stable numeric purchase item id derived from the order id.
pub fn item_id(purchase_id: &str) -> String {
    let fp = key_fingerprint(purchase_id);
    let n = u64::from_str_radix(fp.get(..8).unwrap_or("0"), 16).unwrap_or(0) % 9_000_000;
    (1_000_000 + n).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_look_like_order_ids() {
        let c = order_code(123_456_789);
        assert_eq!(c.len(), 8);
        assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(code(1, 20).len(), 20);
    }

    #[test]
    fn rng_is_deterministic() {
        let mut a = Rng::new(5);
        let mut b = Rng::new(5);
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let u = Rng::new(9).unit();
        assert!((0.0..1.0).contains(&u));
    }
}
