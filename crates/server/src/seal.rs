//! Sealed state: values the server hands to a client and must get back unchanged and unread.
//!
//! The server keeps no sessions, so anything that spans two requests (a pending confirmation
//! of a destructive call, later OAuth tokens) travels with the client, sealed with
//! XChaCha20-Poly1305 under a key derived from the state secret. Every replica that shares the
//! secret can open what another sealed, and a restart loses nothing. Each use gets its own key
//! (HKDF with a distinct label), so a value sealed for one purpose never opens as another, and
//! the log-fingerprint salt is derived the same way rather than being the secret itself.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

/// The purpose of the key that seals pending confirmations.
pub const CONFIRMATION: &str = "confirmation";
/// The purpose of the salt of key fingerprints in logs and limits.
pub const KEY_FINGERPRINT: &str = "key-fingerprint";
/// The purpose of the salt under which rejected keys are remembered.
pub const REJECTED_KEYS: &str = "rejected-keys";

/// The server's state secret, from which every purpose-specific key is derived.
#[derive(Clone)]
pub struct StateSecret(Vec<u8>);

impl std::fmt::Debug for StateSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateSecret(<redacted>)")
    }
}

impl StateSecret {
    /// Wraps configured secret bytes (the caller checks the length).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// A fresh random secret, for a single process.
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut bytes = vec![0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// 32 bytes for one purpose (`label`), independent of every other label's.
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let hk = Hkdf::<Sha256>::new(Some(b"ds24-mcp state v1"), &self.0);
        let mut out = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
        if hk.expand(label.as_bytes(), &mut out).is_err() {
            tracing::error!("HKDF refused a 32-byte output");
        }
        out
    }

    /// A sealer for one purpose.
    pub fn sealer(&self, label: &str) -> Sealer {
        Sealer::new(self.derive(label))
    }
}

/// Seals and opens JSON values for one purpose.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer")
    }
}

/// Why a sealed value could not be opened. Deliberately vague: the client learns only that the
/// value is not one of ours.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Not base64, too short, forged, tampered with, sealed under another secret or purpose.
    #[error("not a value this server sealed (tampered with, or from another deployment)")]
    Invalid,
    /// The value could not be serialised (a bug, not the client's fault).
    #[error("cannot seal the value: {0}")]
    Encode(String),
}

const NONCE_LEN: usize = 24;

impl Sealer {
    /// A sealer with this key.
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// Seals `value` as URL-safe text (nonce followed by ciphertext and tag).
    pub fn seal<T: Serialize>(&self, value: &T) -> Result<String, SealError> {
        let plain = serde_json::to_vec(value).map_err(|e| SealError::Encode(e.to_string()))?;
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| SealError::Encode(e.to_string()))?;
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), plain.as_slice())
            .map_err(|_| SealError::Encode("encryption failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed by [`Sealer::seal`] with the same key.
    pub fn open<T: DeserializeOwned>(&self, text: &str) -> Result<T, SealError> {
        let raw = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| SealError::Invalid)?;
        if raw.len() <= NONCE_LEN {
            return Err(SealError::Invalid);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::Invalid)?;
        let plain = self
            .cipher
            .decrypt(&XNonce::from(nonce), sealed)
            .map_err(|_| SealError::Invalid)?;
        serde_json::from_slice(&plain).map_err(|_| SealError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let secret = StateSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
        let sealer = secret.sealer("confirmation");
        let text = sealer.seal(&("tool", 42)).unwrap();
        let back: (String, i32) = sealer.open(&text).unwrap();
        assert_eq!(back, ("tool".to_owned(), 42));
        let mut bytes = URL_SAFE_NO_PAD.decode(&text).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = URL_SAFE_NO_PAD.encode(bytes);
        assert!(sealer.open::<(String, i32)>(&tampered).is_err());
        assert!(
            secret.sealer("oauth").open::<(String, i32)>(&text).is_err(),
            "another purpose's key does not open it"
        );
        let other = StateSecret::new(b"another secret, also 32 bytes long".to_vec());
        assert!(
            other
                .sealer("confirmation")
                .open::<(String, i32)>(&text)
                .is_err()
        );
        assert!(sealer.open::<(String, i32)>("not base64 !").is_err());
        assert_ne!(secret.derive("a"), secret.derive("b"));
    }

    #[test]
    fn sealing_key_and_fingerprint_salt_are_independent_of_each_other_and_the_secret() {
        let raw = *b"0123456789abcdef0123456789abcdef";
        let secret = StateSecret::new(raw.to_vec());
        let sealing = secret.derive(CONFIRMATION);
        let salt = secret.derive(KEY_FINGERPRINT);
        assert_ne!(sealing, salt);
        assert_ne!(sealing, raw);
        assert_ne!(salt, raw);
        assert_eq!(sealing, secret.derive(CONFIRMATION), "stable across calls");
        // A fingerprint reveals nothing that opens a confirmation: the salt is no sealing key.
        let sealed = secret.sealer(CONFIRMATION).seal(&"pending").unwrap();
        assert!(Sealer::new(salt).open::<String>(&sealed).is_err());
        assert!(Sealer::new(raw).open::<String>(&sealed).is_err());
    }
}
