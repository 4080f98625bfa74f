//! ds24-mcp: an MCP server for the Digistore24 vendor API.
//!
//! Layers, in the direction a request flows:
//! - [`transport`]: the front doors (HTTP with its gates, stdio), each building a
//!   [`context::RequestContext`]; [`oauth`] is the HTTP door's authorization server for
//!   clients that sign in instead of sending a key;
//! - [`mcp`]: the MCP service (tools/list, tools/call), thin over the pipeline;
//! - [`pipeline`]: one call path (checks, validation, confirmation, the upstream call, shaping)
//!   that ends in data or a [`pipeline::ToolFailure`];
//! - [`guides`]: workflow prompts and reference-data resources;
//! - [`reports`]: counts and sums computed by paging through Digistore24's lists;
//! - [`tools`]: the catalog (`ds24_catalog`) turned into tools, filters and validation;
//! - [`upstream`]: the Digistore24 client (`ds24_client`) behind a small trait;
//! - `ds24_sandbox`: the simulated account used as the embedded default upstream.
//!
//! Beside the flow, for operating it: [`audit`] (one line per audited call, written by the
//! pipeline), [`telemetry`] (metrics and log setup), [`doctor`] (checks a deployment) and
//! [`client_config`] (client snippets).
//!
//! [`run`] puts them together for each job of the binary; [`cli`] declares its flags.

pub mod access_probe;
pub mod audit;
pub mod cli;
pub mod client_config;
pub mod context;
pub mod docs;
pub mod doctor;
pub mod guides;
pub mod limit;
pub mod mcp;
pub mod oauth;
pub mod pipeline;
pub mod reports;
pub mod run;
pub mod seal;
pub mod shape;
pub mod telemetry;
pub mod tools;
pub mod transport;
pub mod upstream;
pub mod window;
