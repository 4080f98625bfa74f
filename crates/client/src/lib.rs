//! How ds24-mcp talks to Digistore24.
//!
//! The Digistore24 API is one POST per function (`{api-url}/{function}`), form-encoded with PHP
//! bracket keys, answered by a JSON envelope whose `result` decides success whatever the HTTP
//! status says (see `shared/ds24-api/protocol.md` §4, §5 and §7). This crate knows that shape
//! and nothing about MCP: it turns named arguments into a request and a response into either
//! the envelope's `data` or a typed [`CallError`].

mod client;
mod doc;
mod encode;
mod envelope;
mod key;

pub use client::{
    Client, ClientConfig, ConfigError, Language, MEMORY_PER_ANSWER_BYTE, Retry,
    UNCOUNTED_ANSWER_BYTES, check_api_url,
};
pub use doc::{Doc, Entries, Items, Json, Kind, NotJson};
pub use encode::{FormPairs, encode_form, form_body};
pub use envelope::{Answer, CallError, ErrorCode, decode};
pub use key::ApiKey;
