//! Money on the wire and in documents.
//!
//! Digistore24 sends amounts as decimal strings with a dot and two places (`"12.34"`); the
//! sandbox computes in integer cents. [`Money`] is that pair in one type: cents in memory,
//! the wire string when serialised, so documents and answers never format amounts by hand.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A decimal money string with a dot (`"9"`, `"9.5"`, `"-10.00"`) in cents.
pub fn parse_money(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 && frac[2..].bytes().any(|b| b != b'0') {
        return None;
    }
    if int.len() > 12 {
        return None;
    }
    let units: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut cents_str: String = frac.chars().take(2).collect();
    while cents_str.len() < 2 {
        cents_str.push('0');
    }
    let cents: i64 = cents_str.parse().ok()?;
    let v = units * 100 + cents;
    Some(if neg { -v } else { v })
}

/// Cents as a wire money string: `1234` → `"12.34"`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Money as the German display text: `1234` → `"12,34"`.
pub fn money_de(cents: i64) -> String {
    money(cents).replace('.', ",")
}

/// `a / b` rounded half away from zero (0 when `b` is 0).
pub fn round_div(a: i64, b: i64) -> i64 {
    if b == 0 {
        return 0;
    }
    let q = (2 * a.abs() + b.abs()) / (2 * b.abs());
    if (a < 0) ^ (b < 0) { -q } else { q }
}

/// The VAT included in `gross` cents at `percent`.
pub fn vat_included(gross: i64, percent: i64) -> i64 {
    round_div(gross * percent, 100 + percent)
}

/// An amount in cents that (de)serialises as the wire string (`"12.34"`). Rates stored the
/// same way (`"19.00"` percent, `"40.00"` commission) use it too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// The amount in cents.
    pub fn cents(self) -> i64 {
        self.0
    }

    /// The wire string.
    pub fn wire(self) -> String {
        money(self.0)
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&money(self.0))
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&money(self.0))
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_money(&s)
            .map(Money)
            .ok_or_else(|| serde::de::Error::custom(format!("not an amount: {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trip() {
        assert_eq!(parse_money("10"), Some(1000));
        assert_eq!(parse_money("0.5"), Some(50));
        assert_eq!(parse_money("-3.25"), Some(-325));
        assert_eq!(parse_money("1.230"), Some(123));
        assert_eq!(parse_money("1.234"), None);
        assert_eq!(parse_money("abc"), None);
        assert_eq!(parse_money("."), None);
        assert_eq!(money(-325), "-3.25");
        assert_eq!(money(5), "0.05");
        assert_eq!(money_de(123_456), "1234,56");
        let v = serde_json::to_value(Money(1999)).unwrap();
        assert_eq!(v, serde_json::json!("19.99"));
        assert_eq!(serde_json::from_value::<Money>(v).unwrap(), Money(1999));
    }
}
