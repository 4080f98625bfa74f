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

/// The read connection's endpoint for a server URL (`…/mcp` → `…/mcp/readonly`, before a
/// query if there is one).
pub fn readonly_url(url: &str) -> String {
    let (path, query) = url
        .split_once('?')
        .map_or((url, None), |(p, q)| (p, Some(q)));
    let mut out = format!("{}/readonly", path.trim_end_matches('/'));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Checks `config --url`: an absolute http or https URL with a host, without credentials or
/// fragment, and without whitespace or control characters. The URL ends up in a shell command
/// and in configuration files, so anything else is refused rather than pasted on.
pub fn parse_url(text: &str) -> Result<String, String> {
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{}` contains whitespace or control characters; give the MCP endpoint's URL, e.g. https://mcp.example.com/mcp",
            text.escape_debug()
        ));
    }
    let url = url::Url::parse(text).map_err(|e| {
        format!("`{text}` is not an absolute URL ({e}); give the MCP endpoint's URL, e.g. https://mcp.example.com/mcp")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "`{text}` is not an http or https URL; give the MCP endpoint's URL, e.g. https://mcp.example.com/mcp"
        ));
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{text}` has a fragment (#) or credentials; give the MCP endpoint's URL, e.g. https://mcp.example.com/mcp"
        ));
    }
    // The server answers `/mcp`, not `/mcp/`: a trailing slash would be pasted into every
    // client and get 404 there.
    if url.path().len() > 1 {
        let (path, query) = text
            .split_once('?')
            .map_or((text, None), |(p, q)| (p, Some(q)));
        let path = path.trim_end_matches('/');
        return Ok(query.map_or_else(|| path.to_owned(), |q| format!("{path}?{q}")));
    }
    Ok(text.to_owned())
}

/// Why `url` cannot be split into a read and a write connection (`config --two-keys`): it is
/// already the read-only endpoint, or the compact one, which has no read-only twin.
pub fn two_keys_problem(url: &str) -> Option<String> {
    let path = url.split('?').next().unwrap_or(url);
    if path.ends_with("/readonly") {
        return Some(format!(
            "--two-keys needs the server's full endpoint (…/mcp), not its read-only one: `{url}`"
        ));
    }
    path.ends_with("/compact").then(|| {
        format!(
            "--two-keys splits the full endpoint (…/mcp) into …/mcp/readonly and …/mcp; compact mode (`{url}`) has no read-only endpoint: use one key, or the header X-DS24-Read-Only: true"
        )
    })
}

/// `text` as one shell word: unchanged when it has only characters no shell reads specially,
/// else in single quotes (a quote inside written as `'\''`).
fn shell_word(text: &str) -> String {
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~:/%+,@=".contains(&b));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
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
                    "claude mcp add --transport http {name} {} --header \"Authorization: Bearer {key}\"",
                    shell_word(url)
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

    #[test]
    fn urls_are_checked_and_shell_words_quoted() {
        assert!(parse_url(DEFAULT_URL).is_ok());
        for bad in [
            "http://x/mcp; touch /tmp/pwned #",
            "http://x/mcp#frag",
            "https://u:p@x/mcp",
            "ftp://x/mcp",
            "x/mcp",
            "http://x/mcp\n",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
        assert_eq!(shell_word("https://a.example/mcp"), "https://a.example/mcp");
        assert_eq!(
            shell_word("https://a.example/m?x=1&y"),
            "'https://a.example/m?x=1&y'"
        );
        assert_eq!(
            shell_word("https://a.example/it's"),
            r"'https://a.example/it'\''s'"
        );
        assert_eq!(
            readonly_url("https://a.example/mcp?team=1"),
            "https://a.example/mcp/readonly?team=1"
        );
    }
}
