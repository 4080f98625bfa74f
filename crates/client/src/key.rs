//! The API key as a secret: it can be sent upstream but never printed.

use std::fmt;

use sha2::{Digest, Sha256};

/// A Digistore24 API key. `Debug` shows only a salted fingerprint and there is no `Display`,
/// so the key cannot end up in a log line, an error message or a panic by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key. Surrounding whitespace is trimmed; `None` for an empty key.
    pub fn new(key: impl AsRef<str>) -> Option<Self> {
        let key = key.as_ref().trim();
        (!key.is_empty()).then(|| Self(key.to_owned()))
    }

    /// The raw key, for the `X-DS-API-KEY` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the key starts with the word `Bearer `: a whole Authorization header pasted
    /// where the key alone belongs, which Digistore24 refuses as an unknown key.
    pub fn has_bearer_prefix(&self) -> bool {
        self.0
            .get(..7)
            .is_some_and(|head| head.eq_ignore_ascii_case("bearer "))
    }

    /// A short salted fingerprint (12 hex digits of SHA-256) that identifies a key in logs
    /// without revealing it. The salt is per process unless configured, so fingerprints cannot
    /// be matched against a precomputed table.
    pub fn fingerprint(&self, salt: &[u8]) -> String {
        self.salted_digest(salt)
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The full salted SHA-256 of the key: for remembering a key (a rejected one, say)
    /// without keeping the key itself, and without the collisions of a short fingerprint.
    pub fn salted_digest(&self, salt: &[u8]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(salt);
        hasher.update(self.0.as_bytes());
        hasher.finalize().into()
    }
}

/// Serialised as the plain key, so the OAuth front door can seal it (AEAD) into the tokens it
/// hands out; sealing is the only serialisation anything does with it. Deserialising refuses an
/// empty key like [`ApiKey::new`].
impl serde::Serialize for ApiKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ApiKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(text).ok_or_else(|| serde::de::Error::custom("empty API key"))
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey::new("123-secretsecret").unwrap();
        assert!(!format!("{key:?}").contains("secret"));
    }

    #[test]
    fn serde_round_trip_refuses_empty() {
        let key = ApiKey::new("123-secretsecret").unwrap();
        let text = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<ApiKey>(&text).unwrap(), key);
        assert!(serde_json::from_str::<ApiKey>("\" \"").is_err());
    }

    #[test]
    fn fingerprint_is_salted_and_stable() {
        let key = ApiKey::new("123-secretsecret").unwrap();
        assert_eq!(key.fingerprint(b"a"), key.fingerprint(b"a"));
        assert_ne!(key.fingerprint(b"a"), key.fingerprint(b"b"));
        assert_eq!(key.fingerprint(b"a").len(), 12);
        assert!(ApiKey::new("  ").is_none());
    }
}
