//! ds24-mcp: an MCP server for the Digistore24 vendor API.
//!
//! Layers, in the direction a request flows:
//! - [`http`] and [`stdio`]: the front doors (transport, auth, per-request narrowing);
//! - [`mcp`]: the MCP service (tools/list, tools/call, confirmation of destructive calls);
//! - [`tools`]: the catalog (`ds24_catalog`) turned into tools, filters and validation;
//! - `ds24_client`: the upstream Digistore24 client;
//! - `ds24_sandbox`: the simulated account used as the embedded default upstream.

pub mod cli;
pub mod docs;
pub mod http;
pub mod limit;
pub mod mcp;
pub mod shape;
pub mod stdio;
pub mod tools;
