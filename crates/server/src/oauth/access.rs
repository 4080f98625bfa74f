//! The two levels of access a vendor can grant a client.

use serde::{Deserialize, Serialize};

/// What the vendor granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Read tools only, exactly like the `/readonly` path.
    Read,
    /// Every tool the server offers.
    Full,
}

impl Access {
    /// The OAuth scope string for this access.
    pub fn scope(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Full => "read write",
        }
    }

    /// Parses the consent form's `access` field.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Self::Read),
            "full" => Some(Self::Full),
            _ => None,
        }
    }

    /// The lesser of two.
    pub fn min(self, other: Self) -> Self {
        if self == Self::Read || other == Self::Read {
            Self::Read
        } else {
            Self::Full
        }
    }
}
