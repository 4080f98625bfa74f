//! Discovery: what a client reads to find out that the MCP endpoint wants OAuth and where to
//! get a token.
//!
//! - Protected Resource Metadata (RFC 9728) at `/.well-known/oauth-protected-resource` and
//!   the path-suffixed variant for every MCP path (`…/mcp`, `…/mcp/readonly`, `…/readonly`);
//!   each names the resource (the MCP URL) and this server as its authorization server.
//! - Authorization Server Metadata (RFC 8414) at `/.well-known/oauth-authorization-server`.
//! - The `WWW-Authenticate` challenge of a 401, pointing at the resource metadata.
//! - Resource indicators (RFC 8707): which `resource` values name this server, and the
//!   canonical audience a token is bound to.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use serde_json::json;

use super::OAuth;
use super::tokens::TokenProblem;
use crate::context::MCP_PATHS;

/// RFC 8414 well-known path.
pub const AUTHORIZATION_SERVER_PATH: &str = "/.well-known/oauth-authorization-server";
/// RFC 9728 well-known path.
pub const PROTECTED_RESOURCE_PATH: &str = "/.well-known/oauth-protected-resource";

/// The scopes: `read` for read tools, `write` on top for the rest. The vendor decides on the
/// consent page; a client asking only for `read` is offered only read access.
pub const SCOPES: [&str; 2] = ["read", "write"];

/// `GET /.well-known/oauth-authorization-server`.
pub async fn authorization_server(State(o): State<Arc<OAuth>>) -> Response {
    let issuer = o.issuer();
    let doc = json!({
        "issuer": issuer,
        "authorization_endpoint": o.public.join(super::AUTHORIZE_PATH),
        "token_endpoint": o.public.join(super::TOKEN_PATH),
        "registration_endpoint": o.public.join(super::register::PATH),
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": super::register::AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "client_id_metadata_document_supported": true,
        "authorization_response_iss_parameter_supported": true,
        "ui_locales_supported": ["en", "de"],
    });
    cached_json(doc)
}

/// `GET /.well-known/oauth-protected-resource`: the server root as the resource.
pub async fn protected_resource(State(o): State<Arc<OAuth>>) -> Response {
    cached_json(resource_document(&o, ""))
}

/// `GET /.well-known/oauth-protected-resource/<mcp path>`.
pub async fn protected_resource_for_path(
    State(o): State<Arc<OAuth>>,
    Path(path): Path<String>,
) -> Response {
    let path = format!("/{}", path.trim_end_matches('/'));
    if !MCP_PATHS.contains(&path.as_str()) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("No MCP endpoint at {path}; the MCP endpoints are {}.", MCP_PATHS.join(", "))})),
        )
            .into_response();
    }
    cached_json(resource_document(&o, &path))
}

fn resource_document(o: &OAuth, path: &str) -> serde_json::Value {
    let read_only = path.ends_with("/readonly");
    json!({
        "resource": super::audience::audience_for_path(o, path),
        "authorization_servers": [o.issuer()],
        "scopes_supported": if read_only { &SCOPES[..1] } else { &SCOPES[..] },
        "bearer_methods_supported": ["header"],
        "resource_name": if read_only { "Digistore24 (read-only)" } else { "Digistore24" },
    })
}

fn cached_json(doc: serde_json::Value) -> Response {
    ([(header::CACHE_CONTROL, "public, max-age=3600")], Json(doc)).into_response()
}

/// The value of `WWW-Authenticate` for a 401 at `path`.
pub(crate) fn challenge(o: &OAuth, path: &str, problem: Option<&TokenProblem>) -> String {
    let suffix = match path.trim_end_matches('/') {
        "" => String::new(),
        p if MCP_PATHS.contains(&p) => p.to_owned(),
        _ => String::new(),
    };
    // The scopes this path can grant (MCP: the challenge SHOULD name them).
    let scope = if suffix.ends_with("/readonly") {
        SCOPES[0].to_owned()
    } else {
        SCOPES.join(" ")
    };
    let mut value = format!(
        r#"Bearer realm="digistore24", resource_metadata="{}", scope="{scope}""#,
        o.public.join(&format!("{PROTECTED_RESOURCE_PATH}{suffix}"))
    );
    if let Some(problem) = problem {
        // RFC 6750 §3: quoted-string values; the messages carry no quotes or backslashes.
        let description = problem.to_string().replace(['"', '\\'], "'");
        value.push_str(&format!(
            r#", error="invalid_token", error_description="{description}""#
        ));
    }
    value
}
