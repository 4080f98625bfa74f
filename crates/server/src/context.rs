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

/// Paths that serve MCP. The hosted server documents the bare root; `/readonly` variants give
/// the documented two-connection setup a server-enforced read connection.
pub const MCP_PATHS: [&str; 6] = [
    "/",
    "/mcp",
    "/readonly",
    "/mcp/readonly",
    "/compact",
    "/mcp/compact",
];

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
    /// Our id for the request, generated for each one: correlates logs, audit lines and the
    /// response's `X-Request-Id`. Never the caller's choice, so it cannot collide or be forged.
    pub request_id: Option<String>,
    /// The caller's `X-Request-Id`, when it sent a sane one: kept beside ours for correlating
    /// with the caller's (or a proxy's) records, never in its place.
    pub client_request_id: Option<String>,
    /// The caller's address, where there is a network.
    pub peer: Option<IpAddr>,
    /// The front door found the tool call's arguments beyond the limits and did not keep
    /// them; the call fails with this problem instead of being validated.
    pub arguments_problem: Option<String>,
}

/// The MCP client's self-description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// `clientInfo.name`.
    pub name: String,
    /// `clientInfo.version`.
    pub version: String,
}

/// A fresh request id: 16 random bytes as 32 hex digits. Every request gets one from its door
/// (HTTP: per request; stdio: per message), whatever the caller sent.
pub fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: still unique enough within a process for correlation.
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        return format!("{n:032x}");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_are_fresh_hex() {
        let a = super::new_request_id();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, super::new_request_id());
    }
}
