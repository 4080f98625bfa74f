//! `ds24-mcp doctor` against the sandbox with each kind of key and a wrong one, and
//! `ds24-mcp config` against the README's snippets (one source).
//!
//! Regenerate the README's snippets after a deliberate change with
//! `UPDATE_GENERATED=1 cargo test -p ds24-mcp --test doctor`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write as _;
use std::process::{Command, Stdio};

use support::bin;

struct Run {
    code: i32,
    out: String,
}

/// Runs `ds24-mcp doctor --sandbox <args>` with `key` in DS24_API_KEY (or on stdin).
/// The embedded sandbox answers in Europe/Berlin time as Digistore24 does; TZ is set far from
/// Berlin to show that the doctor's clock check does not depend on the machine's zone.
fn doctor(key: Option<&str>, stdin: bool, args: &[&str]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(["doctor", "--sandbox", "--state", ":memory:"])
        .args(args)
        .env("TZ", "Asia/Tokyo")
        .env("DS24_MCP_LOG", "warn")
        .env_remove("DS24_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if stdin {
        cmd.arg("--key-stdin");
    } else if let Some(k) = key {
        cmd.env("DS24_API_KEY", k);
    }
    let mut child = cmd.spawn().unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if stdin {
            writeln!(input, "{}", key.unwrap_or_default()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Run {
        code: out.status.code().unwrap_or(-1),
        out: text,
    }
}

fn line<'a>(run: &'a Run, check: &str) -> &'a str {
    run.out
        .lines()
        .find(|l| l.contains(&format!(" {check}: ")))
        .unwrap_or_else(|| panic!("no `{check}` line in:\n{}", run.out))
}

#[test]
fn a_full_access_key_passes_every_check() {
    let run = doctor(Some("sandbox-full"), false, &[]);
    assert_eq!(run.code, 0, "{}", run.out);
    assert!(line(&run, "API reachable").starts_with("  ok"));
    assert!(line(&run, "Account").contains("sandbox_vendor"));
    assert!(line(&run, "Access").contains("full access"), "{}", run.out);
    assert!(line(&run, "Clock").starts_with("  ok"), "{}", run.out);
    assert!(run.out.contains("All checks passed."));
    assert!(
        !run.out.contains("sandbox-full"),
        "the key is never printed"
    );
}

#[test]
fn a_read_only_key_is_told_apart_without_a_write_and_passes() {
    let run = doctor(Some("sandbox-read"), true, &[]);
    assert_eq!(run.code, 0, "{}", run.out);
    let access = line(&run, "Access");
    assert!(access.contains("read-only"), "{access}");
    assert!(run.out.contains("needs a full-access API key"));
}

#[test]
fn a_wrong_key_fails_with_the_fix() {
    let run = doctor(Some("not-a-key"), false, &[]);
    assert_eq!(run.code, 1, "{}", run.out);
    let key = line(&run, "API key");
    assert!(key.starts_with("  FAIL"), "{key}");
    assert!(run.out.contains("Settings > Account access > API keys"));
    assert!(run.out.contains("Bearer"));
    assert!(!run.out.contains("not-a-key"), "the key is never printed");
}

#[test]
fn a_developer_key_has_no_account_access() {
    let run = doctor(Some("dev-key"), false, &["--key", "dev-key:developer"]);
    assert_eq!(run.code, 1, "{}", run.out);
    assert!(
        line(&run, "Access").contains("developer key"),
        "{}",
        run.out
    );
}

#[test]
fn the_configuration_is_summarised_and_public_loopback_hosts_fail() {
    let run = doctor(
        Some("sandbox-full"),
        false,
        &[
            "--listen",
            "0.0.0.0:8787",
            "--toolsets",
            "products",
            "--read-only",
            "--audit-log",
            "-",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.out);
    assert!(line(&run, "Hosts").starts_with("  FAIL"));
    assert!(run.out.contains("--allowed-hosts mcp.example.com"));
    assert!(run.out.contains("listen             0.0.0.0:8787"));
    assert!(run.out.contains("read-only (--read-only)"));
    assert!(
        run.out.contains("audit log          - (writes)"),
        "{}",
        run.out
    );
    assert!(line(&run, "State secret").contains("random per process"));

    let ok = doctor(
        Some("sandbox-full"),
        false,
        &[
            "--listen",
            "0.0.0.0:8787",
            "--allowed-hosts",
            "mcp.example.com",
        ],
    );
    assert_eq!(ok.code, 0, "{}", ok.out);
    assert!(ok.out.contains("https://mcp.example.com/mcp"));

    // --public-url is the URL clients use, and its host counts as allowed.
    let oauth = doctor(
        Some("sandbox-full"),
        false,
        &[
            "--listen",
            "0.0.0.0:8787",
            "--public-url",
            "https://mcp.example.org",
        ],
    );
    assert_eq!(oauth.code, 0, "{}", oauth.out);
    assert!(
        oauth
            .out
            .contains("https://mcp.example.org/mcp (--public-url; OAuth on)"),
        "{}",
        oauth.out
    );
}

#[test]
fn no_key_is_a_failure_that_says_where_to_put_one() {
    let mut cmd = Command::new(bin());
    let out = cmd
        .args(["doctor", "--api-url", "http://127.0.0.1:9/api/call"])
        .env_remove("DS24_API_KEY")
        .env("DS24_MCP_LOG", "warn")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("DS24_API_KEY"), "{text}");
}

#[test]
fn an_unreachable_api_is_named_with_the_fix() {
    let out = Command::new(bin())
        .args(["doctor", "--api-url", "http://127.0.0.1:9/api/call"])
        .env("DS24_API_KEY", "whatever")
        .env("DS24_MCP_LOG", "warn")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL  API reachable"), "{text}");
    assert!(text.contains("--api-url"), "{text}");
}

// --- config ---------------------------------------------------------------------------------

const START: &str = "<!-- config:start ds24-mcp config ";
const END: &str = "<!-- config:end -->";

fn config_output(args: &[&str]) -> (String, String) {
    let out = Command::new(bin())
        .arg("config")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "config {args:?}: {out:?}");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_readme_shows_exactly_what_config_prints() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let mut rebuilt = String::new();
    let mut rest = readme.as_str();
    let mut seen = Vec::new();
    while let Some(a) = rest.find(START) {
        let header_end = a + rest[a..].find("-->").unwrap() + 3;
        let args_text = rest[a + START.len()..header_end - 3].trim().to_owned();
        let b = header_end + rest[header_end..].find(END).expect("config:end");
        let args: Vec<&str> = args_text.split_whitespace().collect();
        let (snippet, _) = config_output(&args);
        let client = args[1];
        let fence = if client == "claude-code" {
            "sh"
        } else {
            "json"
        };
        let wanted = format!("\n```{fence}\n{}\n```\n", snippet.trim_end());
        rebuilt.push_str(&rest[..header_end]);
        rebuilt.push_str(&wanted);
        if rest[header_end..b] != wanted && std::env::var_os("UPDATE_GENERATED").is_none() {
            panic!(
                "README.md's snippet for `ds24-mcp config {args_text}` differs from what the command prints:\n{}\nRegenerate with:\n    UPDATE_GENERATED=1 cargo test -p ds24-mcp --test doctor",
                snippet
            );
        }
        seen.push(args_text);
        rest = &rest[b..];
    }
    rebuilt.push_str(rest);
    for client in [
        "claude-desktop",
        "claude-code",
        "cursor",
        "windsurf",
        "vscode",
    ] {
        assert!(
            seen.contains(&format!("--client {client}")),
            "the README has no snippet for {client}"
        );
    }
    if std::env::var_os("UPDATE_GENERATED").is_some() && rebuilt != readme {
        std::fs::write(&path, rebuilt).unwrap();
    }
}

#[test]
fn config_takes_the_url_and_says_where_to_paste() {
    let (out, err) = config_output(&["--client", "cursor", "--url", "https://mcp.example.com/mcp"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["mcpServers"]["digistore24"]["url"],
        "https://mcp.example.com/mcp"
    );
    assert!(err.contains(".cursor/mcp.json"), "{err}");
    let (out, _) = config_output(&["--client", "claude-code", "--two-keys"]);
    assert_eq!(out.lines().count(), 2);
    assert!(out.contains("claude mcp add --transport http digistore24-read http://127.0.0.1:8787/mcp/readonly --header \"Authorization: Bearer YOUR_READ_ONLY_KEY\""), "{out}");
}

/// Review of operations, finding 6: the manifests' placeholder state secret, on which the
/// server refuses to start, fails the doctor too (it used to pass every check).
#[test]
fn the_placeholder_state_secret_fails_the_doctor() {
    let run = doctor(
        Some("sandbox-full"),
        false,
        &[
            "--state-secret",
            "CHANGE-ME-to-at-least-32-random-characters-0000",
        ],
    );
    assert_ne!(run.code, 0, "{}", run.out);
    assert!(
        line(&run, "State secret").contains("placeholder"),
        "{}",
        run.out
    );
    assert!(!run.out.contains("All checks passed."), "{}", run.out);
}

/// First-run review 2: the doctor passed configurations that `serve` refuses to start with (an
/// unreadable developer key file, an audit log that cannot be opened); a port in use, which
/// may be the running server itself, is a note.
#[test]
fn what_would_stop_serve_fails_the_doctor() {
    let run = doctor(
        Some("sandbox-full"),
        false,
        &[
            "--developer-key-file",
            "/nonexistent/developer.key",
            "--audit-log",
            "/nonexistent/dir/audit.log",
        ],
    );
    assert_ne!(run.code, 0, "{}", run.out);
    assert!(line(&run, "Developer key").contains("FAIL"), "{}", run.out);
    assert!(line(&run, "Developer key").contains("/nonexistent/developer.key"));
    assert!(line(&run, "Audit log").contains("FAIL"), "{}", run.out);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run = doctor(Some("sandbox-full"), false, &["--listen", &addr]);
    assert!(line(&run, "Listen").contains("in use"), "{}", run.out);
    assert_eq!(run.code, 0, "in use is a note, not a failure: {}", run.out);
    drop(taken);
    // The metrics address on the listen address: `serve` cannot hold both (diff review 6).
    let addr = format!("127.0.0.1:{}", support::free_port());
    let run = doctor(
        Some("sandbox-full"),
        false,
        &["--listen", &addr, "--metrics-listen", &addr],
    );
    assert_ne!(run.code, 0, "{}", run.out);
    assert!(line(&run, "Metrics").contains("FAIL"), "{}", run.out);
    // A result cap too small to hold (review G7), which `serve` and `stdio` refuse.
    let run = doctor(Some("sandbox-full"), false, &["--max-result-bytes", "4095"]);
    assert_ne!(run.code, 0, "{}", run.out);
    assert!(
        line(&run, "Limits").contains("at least 4096"),
        "{}",
        run.out
    );
}

/// First-run review 8 and 11: the doctor's embedded sandbox did not know `sandbox-developer`,
/// which `serve --sandbox` lists and accepts ("Invalid API key"); settings that offer no tool
/// at all passed.
#[test]
fn the_sandbox_developer_key_is_known_and_no_tools_fails() {
    let run = doctor(Some("sandbox-developer"), false, &[]);
    assert!(line(&run, "API key").contains("ok"), "{}", run.out);
    assert!(
        line(&run, "Access").contains("developer key"),
        "{}",
        run.out
    );
    let run = doctor(
        Some("sandbox-full"),
        false,
        &["--toolsets", "refunds", "--read-only"],
    );
    assert_ne!(run.code, 0, "{}", run.out);
    assert!(line(&run, "Tools").contains("FAIL"), "{}", run.out);
}

/// First-run review 6: `config --url` pasted endpoints the server answers with 404: a trailing
/// slash, and `--two-keys` on a URL that is already read-only or compact.
#[test]
fn config_gives_only_endpoints_the_server_has() {
    let (out, _) = config_output(&[
        "--client",
        "cursor",
        "--url",
        "https://mcp.example.com/mcp/",
    ]);
    assert!(out.contains("\"https://mcp.example.com/mcp\""), "{out}");
    assert!(!out.contains("/mcp/\""), "{out}");
    for url in [
        "https://mcp.example.com/mcp/readonly",
        "https://mcp.example.com/mcp/compact",
    ] {
        let out = Command::new(bin())
            .args(["config", "--client", "cursor", "--two-keys", "--url", url])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{url}");
        assert!(out.stdout.is_empty(), "nothing to paste: {url}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--two-keys"),
            "{url}"
        );
    }
}

/// First-run review 9: a key that cannot be sent was reported as refused by Digistore24 ("try
/// again later"), and `Bearer <key>` in DS24_API_KEY got advice about the Authorization header.
#[test]
fn malformed_keys_get_their_own_diagnosis() {
    let run = doctor(Some("abc\u{1}def"), false, &[]);
    let key = line(&run, "API key");
    assert!(key.contains("not sent"), "{}", run.out);
    assert!(
        !run.out.contains("API reachable"),
        "nothing went out, so reachability was not tested: {}",
        run.out
    );
    assert!(!run.out.contains("try again later"), "{}", run.out);
    let run = doctor(Some("Bearer sandbox-full"), false, &[]);
    assert!(line(&run, "API key").contains("FAIL"), "{}", run.out);
    assert!(run.out.contains("give the key alone"), "{}", run.out);
}

/// First-run review 10: `doctor --key-stdin` at a terminal showed nothing and waited. Run under
/// `script`, which gives it a terminal, it asks; with a pipe it stays silent.
#[test]
fn key_stdin_asks_at_a_terminal_only() {
    let prompt = "Paste the Digistore24 API key";
    let command = format!("{} doctor --sandbox --state :memory: --key-stdin", bin());
    let mut at_terminal = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("DS24_MCP_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1) runs (util-linux)");
    writeln!(at_terminal.stdin.take().unwrap(), "sandbox-full").unwrap();
    let out = at_terminal.wait_with_output().unwrap();
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(seen.contains(prompt), "{seen}");
    assert!(seen.contains("Digistore24 accepts the key"), "{seen}");
    let piped = doctor(Some("sandbox-full"), true, &[]);
    assert!(!piped.out.contains(prompt), "{}", piped.out);
}

/// Diff review 3, finding 3: a trailing comma in the host list made the doctor print
/// `https:///mcp` and pass a public listen address with only loopback names.
#[test]
fn an_empty_host_element_changes_nothing_in_the_doctor() {
    let run = doctor(
        Some("sandbox-full"),
        false,
        &["--allowed-hosts", "localhost,"],
    );
    assert!(!run.out.contains("https:///"), "{}", run.out);
    assert!(
        run.out.contains("allowed hosts      localhost\n"),
        "{}",
        run.out
    );
    let run = doctor(
        Some("sandbox-full"),
        false,
        &[
            "--listen",
            "0.0.0.0:0",
            "--allowed-hosts",
            "localhost,127.0.0.1,",
        ],
    );
    assert!(line(&run, "Hosts").contains("FAIL"), "{}", run.out);
}

/// Operator review: with OAuth on (`--public-url`) and a loopback listen address (behind a
/// proxy on the same host), the doctor passed without a word on the random state secret, which
/// `serve` warns about: OAuth tokens sealed with it do not survive a restart.
#[test]
fn oauth_without_a_state_secret_is_noted_wherever_it_listens() {
    let run = doctor(
        Some("sandbox-full"),
        false,
        &["--public-url", "https://mcp.example.com"],
    );
    let secret = line(&run, "State secret");
    assert!(secret.contains("sign in again"), "{}", run.out);
}
