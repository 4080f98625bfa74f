//! The account's documents as typed values: one struct per kind of object (product, purchase,
//! transaction, ...), each with its wire rendering.
//!
//! Why typed: business logic reads fields as Rust values (cents, flags, enums) instead of
//! looking strings up in JSON maps, so a misspelt field is a compile error and listing
//! thousands of transactions costs no parsing. The serde form of a document is what SQLite
//! stores; fields the wire shows as strings (`"Y"`, `"12.34"`, `"3"`) are serialised that way,
//! so documents the API returns whole render by serialisation. Rendering that needs more
//! (labels in the request language, related documents) is a method on the type.
//!
//! Documents never touch the store: the store is generic over [`Document`], and whatever a
//! rendering needs from other documents is passed in.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

mod account;
mod catalog;
mod fulfilment;
mod partners;
mod sales;

pub use account::*;
pub use catalog::*;
pub use fulfilment::*;
pub use partners::*;
pub use sales::*;

/// A kind of stored object. `KIND` names its table; `id` is its key within it.
pub trait Document: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The kind (the `kind` column in SQLite).
    const KIND: &'static str;
    /// The document's id within its kind.
    fn id(&self) -> String;
}

/// Implements [`Document`] for a type whose id is its `id` field.
macro_rules! document {
    ($t:ty, $kind:literal) => {
        impl $crate::documents::Document for $t {
            const KIND: &'static str = $kind;
            fn id(&self) -> String {
                self.id.clone()
            }
        }
    };
    ($t:ty, $kind:literal, |$d:ident| $id:expr) => {
        impl $crate::documents::Document for $t {
            const KIND: &'static str = $kind;
            fn id(&self) -> String {
                let $d = self;
                $id
            }
        }
    };
}
pub(crate) use document;

/// The serialised (wire) form of a document or part of one.
pub fn wire<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// `"Y"`/`"N"`.
pub fn yn(b: bool) -> &'static str {
    if b { "Y" } else { "N" }
}

/// Serde for `bool` as the wire's `"Y"`/`"N"`.
pub mod flag {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `"Y"` or `"N"`.
    pub fn serialize<S: Serializer>(b: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(super::yn(*b))
    }

    /// Reads `"Y"` (anything else is `false`).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(String::deserialize(d)? == "Y")
    }
}

/// Serde for `i64` as a decimal string (`"3"`), the way the API sends counts and positions.
pub mod int {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the decimal string.
    pub fn serialize<S: Serializer>(n: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&n.to_string())
    }

    /// Reads a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The single account document's id.
pub const ACCOUNT_ID: &str = "1";
