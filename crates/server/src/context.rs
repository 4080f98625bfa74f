//! What a front door knows about a request, in one shape for every door.
//!
//! The HTTP door builds a [`RequestContext`] from headers (bearer key, narrowing headers and
//! paths, operator, request id, client address); the stdio door builds one at start-up from the
//! environment. The MCP layer and the call pipeline read only this, so they never guess which
//! transport they run under, and a door that forgot to supply a context is a bug that shows,
//! not a silent fall-back to some other key.

use std::net::IpAddr;

use ds24_client::ApiKey;

use crate::tools::{Mode, Scope};

/// One request as its front door saw it.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The Digistore24 key the call runs under, if the request brought one (or the door has
    /// one of its own: stdio's `DS24_API_KEY`, the sandbox's `--anonymous-key`).
    pub key: Option<ApiKey>,
    /// Per-request narrowing of the tools.
    pub scope: Scope,
    /// How this request wants the tools presented (`X-DS24-Mode`, `/mcp/compact`); `None`
    /// keeps the server's `--mode`.
    pub mode: Option<Mode>,
    /// Who is acting, as the deployment knows them: for an OAuth access token, the Digistore24
    /// user and the client the grant was made to (`<user> via <client>`).
    pub operator: Option<String>,
    /// The MCP client, where the protocol says (name and version): 2026-07-28 requests carry
    /// it in `_meta`, stdio has it from `initialize`; legacy stateless HTTP calls do not.
    pub client: Option<ClientInfo>,
    /// The HTTP `User-Agent`, bounded: the only hint of the client on legacy stateless HTTP
    /// calls, shown as what it is (never as `client`).
    pub user_agent: Option<String>,
    /// Correlates logs, audit lines and the response (`X-Request-Id`, or generated).
    pub request_id: Option<String>,
    /// The caller's address, where there is a network.
    pub peer: Option<IpAddr>,
}

/// The MCP client's self-description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// `clientInfo.name`.
    pub name: String,
    /// `clientInfo.version`.
    pub version: String,
}
