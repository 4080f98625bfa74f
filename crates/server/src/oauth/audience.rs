//! Which resource a grant is for (RFC 8707 resource indicators): this server's origin plus one
//! of its MCP paths, checked against the public URL. Authorization, the token endpoint and
//! every token check ask the same question here.

use super::OAuth;
use super::access::Access;
use crate::context::MCP_PATHS;

/// The canonical resource for an MCP path: origin plus path, no trailing slash.
pub(super) fn audience_for_path(o: &OAuth, path: &str) -> String {
    o.public.join(path.trim_end_matches('/'))
}

/// A resource indicator this server accepts, canonicalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    /// Origin plus MCP path, no trailing slash.
    pub uri: String,
    /// The most a grant for it may allow (`read` for the `/readonly` paths).
    pub max_access: Access,
}

/// Why a `resource` value was refused (`invalid_target`).
#[derive(Debug, thiserror::Error)]
// The value asked for is not repeated: the text reaches a page on the origin where vendors
// paste their key, and a link can put any sentence in it.
#[error(
    "the resource is not this server: use its MCP URL, such as {1}/mcp (RFC 8707 resource indicator)"
)]
pub struct WrongResource(pub String, pub String);

/// Checks a `resource` parameter against the public URL; absent means the whole server.
pub fn audience(o: &OAuth, resource: Option<&str>) -> Result<Audience, WrongResource> {
    let Some(text) = resource.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(Audience {
            uri: o.issuer().to_owned(),
            max_access: Access::Full,
        });
    };
    let wrong = || WrongResource(text.to_owned(), o.issuer().to_owned());
    let url = url::Url::parse(text).map_err(|_| wrong())?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(wrong());
    }
    if url.origin().ascii_serialization() != o.issuer() {
        return Err(wrong());
    }
    let path = url.path().trim_end_matches('/');
    let known = path.is_empty() || MCP_PATHS.contains(&path);
    if !known {
        return Err(wrong());
    }
    Ok(Audience {
        uri: audience_for_path(o, path),
        max_access: if path.ends_with("/readonly") {
            Access::Read
        } else {
            Access::Full
        },
    })
}

/// Whether a token's audience names this server.
pub(crate) fn is_own_audience(o: &OAuth, aud: &str) -> bool {
    audience(o, Some(aud)).is_ok_and(|a| a.uri == aud)
}
