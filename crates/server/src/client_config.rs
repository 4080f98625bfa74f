//! Client configuration snippets: what to paste into each MCP client to reach this server.
//!
//! One source for `ds24-mcp config`, the `serve --sandbox` banner and the README's snippets
//! (generated blocks, checked by a test), so the three never drift apart.

use serde_json::{Value, json};

/// The endpoint a local `ds24-mcp serve` listens on by default.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8787/mcp";
/// Placeholder for the key in single-connection snippets.
pub const KEY: &str = "YOUR_DIGISTORE24_API_KEY";
/// Placeholder for the read-only key in two-connection snippets.
pub const READ_KEY: &str = "YOUR_READ_ONLY_KEY";
/// Placeholder for the full-access key in two-connection snippets.
pub const FULL_KEY: &str = "YOUR_FULL_ACCESS_KEY";
/// The pinned mcp-remote version the README and the external stage use.
pub const MCP_REMOTE: &str = "mcp-remote@0.15.1";

/// The clients we have snippets for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClientKind {
    /// Claude Desktop (`claude_desktop_config.json`), through mcp-remote.
    ClaudeDesktop,
    /// Claude Code (`claude mcp add`).
    ClaudeCode,
    /// Cursor (`~/.cursor/mcp.json`).
    Cursor,
    /// Windsurf (`~/.codeium/windsurf/mcp_config.json`).
    Windsurf,
    /// VS Code (`.vscode/mcp.json`).
    Vscode,
}

impl ClientKind {
    /// Every client, in the README's order.
    pub const ALL: [Self; 5] = [
        Self::ClaudeDesktop,
        Self::ClaudeCode,
        Self::Cursor,
        Self::Windsurf,
        Self::Vscode,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClaudeDesktop => "claude-desktop",
            Self::ClaudeCode => "claude-code",
            Self::Cursor => "cursor",
            Self::Windsurf => "windsurf",
            Self::Vscode => "vscode",
        }
    }

    /// Where the snippet goes.
    pub fn where_to_paste(self) -> &'static str {
        match self {
            Self::ClaudeDesktop => {
                "Paste into claude_desktop_config.json (Claude Desktop: Settings > Developer > Edit Config), then restart Claude Desktop."
            }
            Self::ClaudeCode => "Run in a terminal:",
            Self::Cursor => "Paste into ~/.cursor/mcp.json (or .cursor/mcp.json in a project):",
            Self::Windsurf => "Paste into ~/.codeium/windsurf/mcp_config.json:",
            Self::Vscode => "Paste into .vscode/mcp.json (VS Code asks for the key once):",
        }
    }

    /// The language of the snippet, for a Markdown code fence.
    pub fn fence(self) -> &'static str {
        match self {
            Self::ClaudeCode => "sh",
            _ => "json",
        }
    }
}

/// The read connection's endpoint for a server URL (`…/mcp` → `…/mcp/readonly`).
pub fn readonly_url(url: &str) -> String {
    format!("{}/readonly", url.trim_end_matches('/'))
}

/// The snippet for `client` reaching `url`; with `two_keys`, a read connection and a write
/// connection.
pub fn snippet(client: ClientKind, url: &str, two_keys: bool) -> String {
    let read = readonly_url(url);
    let conns: Vec<(&str, &str, &str)> = if two_keys {
        vec![
            ("digistore24-read", read.as_str(), READ_KEY),
            ("digistore24-write", url, FULL_KEY),
        ]
    } else {
        vec![("digistore24", url, KEY)]
    };
    match client {
        ClientKind::ClaudeCode => conns
            .iter()
            .map(|(name, url, key)| {
                format!(
                    "claude mcp add --transport http {name} {url} --header \"Authorization: Bearer {key}\""
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        ClientKind::ClaudeDesktop => pretty(&json!({"mcpServers": servers(&conns, |url, key| {
            let mut args = vec![json!("-y"), json!(MCP_REMOTE), json!(url),
                json!("--header"), json!("Authorization:${DS24_AUTH}")];
            if url.starts_with("http://") {
                args.push(json!("--allow-http"));
            }
            json!({"command": "npx", "args": args, "env": {"DS24_AUTH": format!("Bearer {key}")}})
        })})),
        ClientKind::Cursor => pretty(&json!({"mcpServers": servers(&conns, |url, key| {
            json!({"url": url, "headers": {"Authorization": format!("Bearer {key}")}})
        })})),
        ClientKind::Windsurf => pretty(&json!({"mcpServers": servers(&conns, |url, key| {
            json!({"serverUrl": url, "headers": {"Authorization": format!("Bearer {key}")}})
        })})),
        ClientKind::Vscode => {
            let input_id = |key: &str| match key {
                READ_KEY => "ds24-read-key",
                FULL_KEY => "ds24-full-key",
                _ => "ds24-key",
            };
            let inputs: Vec<Value> = conns
                .iter()
                .map(|(_, _, key)| {
                    let what = match *key {
                        READ_KEY => "Digistore24 read-only API key",
                        FULL_KEY => "Digistore24 full-access API key",
                        _ => "Digistore24 API key",
                    };
                    json!({"type": "promptString", "id": input_id(key), "description": what, "password": true})
                })
                .collect();
            pretty(&json!({
                "inputs": inputs,
                "servers": servers(&conns, |url, key| json!({
                    "type": "http",
                    "url": url,
                    "headers": {"Authorization": format!("Bearer ${{input:{}}}", input_id(key))}
                }))
            }))
        }
    }
}

fn servers(conns: &[(&str, &str, &str)], entry: impl Fn(&str, &str) -> Value) -> Value {
    Value::Object(
        conns
            .iter()
            .map(|(name, url, key)| ((*name).to_owned(), entry(url, key)))
            .collect(),
    )
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_valid_and_carry_the_url_and_the_placeholder() {
        for client in ClientKind::ALL {
            for two in [false, true] {
                let s = snippet(client, "https://mcp.example.com/mcp", two);
                if client.fence() == "json" {
                    serde_json::from_str::<Value>(&s).unwrap();
                }
                assert!(s.contains("https://mcp.example.com/mcp"), "{s}");
                if two {
                    assert!(s.contains("https://mcp.example.com/mcp/readonly"), "{s}");
                    assert!(s.contains("digistore24-read") && s.contains("digistore24-write"));
                } else if client != ClientKind::Vscode {
                    assert!(s.contains(KEY), "{s}");
                }
                assert!(
                    !s.contains("--allow-http"),
                    "no --allow-http for https: {s}"
                );
            }
        }
        assert!(snippet(ClientKind::ClaudeDesktop, DEFAULT_URL, false).contains("--allow-http"));
    }
}
