//! Command-line refusals, on the real binary: `serve --anonymous-key` (requests without a key
//! use a sandbox key) is only for the built-in sandbox on a loopback address.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use serde_json::json;
use support::*;

/// How a `ds24-mcp serve` run ended: it refused (exited), or it came up and was stopped.
enum Outcome {
    Exited(ExitStatus, String),
    Served(String),
}

/// Runs `ds24-mcp serve <args>` until it exits or says it is ready (then stops it), at most 30 s.
fn serve_outcome(args: &[&str]) -> Outcome {
    let mut child = Command::new(bin())
        .arg("serve")
        .args(args)
        .env("NO_COLOR", "1")
        .env("DS24_MCP_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("MCP endpoint ready at") {
                let _ = tx.send((true, seen.clone()));
            }
        }
        let _ = tx.send((false, seen));
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok((true, seen)) => {
            let _ = child.kill();
            let _ = child.wait();
            Outcome::Served(seen)
        }
        Ok((false, seen)) => Outcome::Exited(child.wait().unwrap(), seen),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`ds24-mcp serve {}` neither exited nor came up in 30 s",
                args.join(" ")
            )
        }
    }
}

fn assert_refused(args: &[&str], message: &[&str]) {
    match serve_outcome(args) {
        Outcome::Served(logs) => panic!(
            "`ds24-mcp serve {}` started instead of refusing:\n{logs}",
            args.join(" ")
        ),
        Outcome::Exited(status, stderr) => {
            assert!(!status.success(), "{status}: {stderr}");
            for m in message {
                assert!(stderr.contains(m), "{m:?} not in:\n{stderr}");
            }
        }
    }
}

fn assert_serves(args: &[&str]) {
    if let Outcome::Exited(status, stderr) = serve_outcome(args) {
        panic!(
            "`ds24-mcp serve {}` exited ({status}):\n{stderr}",
            args.join(" ")
        );
    }
}

#[test]
fn anonymous_key_without_sandbox_is_refused() {
    // Against a real Digistore24 account a key-less request must never act with some key.
    assert_refused(
        &[
            "--listen",
            "127.0.0.1:0",
            "--api-url",
            "http://127.0.0.1:9/api/call",
            "--anonymous-key",
            "sandbox-read",
        ],
        &["required arguments were not provided", "--sandbox"],
    );
}

#[test]
fn anonymous_key_on_a_non_loopback_address_is_refused() {
    assert_refused(
        &[
            "--sandbox",
            "--state",
            ":memory:",
            "--listen",
            "0.0.0.0:0",
            "--anonymous-key",
            "sandbox-read",
        ],
        &["--anonymous-key is only allowed on a loopback --listen address"],
    );
}

#[test]
fn the_same_servers_start_without_the_anonymous_key() {
    // The refusals above are about --anonymous-key, not about the rest of the command line.
    for args in [
        &[
            "--listen",
            "127.0.0.1:0",
            "--api-url",
            "http://127.0.0.1:9/api/call",
        ][..],
        &["--sandbox", "--state", ":memory:", "--listen", "0.0.0.0:0"][..],
    ] {
        assert_serves(args);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn on_loopback_with_the_sandbox_a_keyless_request_uses_the_anonymous_key() {
    let server = serve(&[
        "--sandbox",
        "--state",
        ":memory:",
        "--anonymous-key",
        "sandbox-read",
    ]);
    let keyless = Mcp::new(server.url(), None, Era::Legacy);
    keyless.connect().await;
    let products = keyless.ok("listProducts", json!({})).await;
    assert!(
        !products["products"].as_array().unwrap().is_empty(),
        "{products}"
    );
    // It is the read-only sandbox key: a write is refused by the sandbox, not by a missing key.
    let write = keyless
        .call("createProduct", json!({"data": {"name_en": "Anonymous"}}))
        .await;
    assert_eq!(write["isError"], true, "{write}");
    assert_eq!(
        write["structuredContent"]["error"]["kind"], "permission_denied",
        "{write}"
    );
    // A request that brings its own key acts with that key.
    let full = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let created = full
        .ok("createProduct", json!({"data": {"name_en": "Keyed"}}))
        .await;
    assert!(!created["product_id"].is_null(), "{created}");

    // And the anonymous key is used as given: one the sandbox does not know is rejected.
    let unknown = serve(&[
        "--sandbox",
        "--state",
        ":memory:",
        "--anonymous-key",
        "no-such-sandbox-key",
    ]);
    let keyless = Mcp::new(unknown.url(), None, Era::Legacy);
    let r = keyless.call("listProducts", json!({})).await;
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(
        r["structuredContent"]["error"]["kind"], "invalid_key",
        "{r}"
    );
}

/// Review finding 8: a plain-http localhost public URL is for a server only this machine can
/// reach; on a public address a remote browser could be sent through it.
#[test]
fn a_local_public_url_needs_a_loopback_listen_address() {
    assert_refused(
        &[
            "--listen",
            "0.0.0.0:0",
            "--api-url",
            "http://127.0.0.1:9/api/call",
            "--public-url",
            "http://localhost:8787",
        ],
        &["--public-url http://localhost:8787", "loopback --listen"],
    );
}

/// Review finding 12: token lifetimes are bounded at start-up (an unbounded one overflowed
/// the expiry on every token request).
#[test]
fn token_lifetimes_are_bounded() {
    for (extra, says) in [
        (
            &["--refresh-token-ttl", "18446744073709551615"][..],
            "--refresh-token-ttl",
        ),
        (&["--access-token-ttl", "86401"][..], "--access-token-ttl"),
        (
            &[
                "--access-token-ttl",
                "18446744073709551615",
                "--refresh-token-ttl",
                "18446744073709551615",
            ][..],
            "--access-token-ttl",
        ),
    ] {
        let mut args = vec![
            "--listen",
            "127.0.0.1:0",
            "--api-url",
            "http://127.0.0.1:9/api/call",
            "--public-url",
            "http://127.0.0.1:9",
        ];
        args.extend_from_slice(extra);
        assert_refused(&args, &[says, "at most"]);
    }
}

/// Review finding 16: `config --url` ends up in a shell command; it must be a URL, and be
/// quoted when the shell would read anything in it.
#[test]
fn config_urls_are_checked_and_quoted() {
    let config = |url: &str| {
        Command::new(bin())
            .args(["config", "--client", "claude-code", "--url", url])
            .output()
            .unwrap()
    };
    for bad in [
        "http://x/mcp; touch /tmp/pwned #",
        "http://x/mcp;touch${IFS}/tmp/pwned#",
        "ftp://x/mcp",
        "mcp.example.com/mcp",
    ] {
        let out = config(bad);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{bad}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(stderr.contains("--url"), "{bad}: {stderr}");
    }
    let out = config("https://mcp.example.com/mcp?team=a&b=c'd");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(r#"'https://mcp.example.com/mcp?team=a&b=c'\''d'"#),
        "{stdout}"
    );
    let out = config("https://mcp.example.com/mcp");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("digistore24 https://mcp.example.com/mcp --header"),
        "plain URLs stay as they are: {stdout}"
    );
}

/// Review of operations, finding 6: the state secret in `deploy/k8s/secret.yaml` is public. A
/// server running on it seals OAuth tokens (which carry vendors' API keys) under a key anyone
/// can read, so it refuses to start and says how to make one.
#[test]
fn the_manifests_placeholder_state_secret_is_refused() {
    let manifest = include_str!("../../../deploy/k8s/secret.yaml");
    let placeholder = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("state-secret:"))
        .map(str::trim)
        .expect("the manifest has a placeholder");
    assert_refused(
        &[
            "--sandbox",
            "--state",
            ":memory:",
            "--listen",
            "127.0.0.1:0",
            "--state-secret",
            placeholder,
        ],
        &["placeholder", "openssl rand"],
    );
    assert_serves(&[
        "--sandbox",
        "--state",
        ":memory:",
        "--listen",
        "127.0.0.1:0",
        "--state-secret",
        "a-real-secret-of-at-least-32-characters!",
    ]);
}

/// An allowlist entry no Host header can match (a pasted URL, a trailing slash, a wildcard,
/// an empty variable) was accepted, and then every request got 403. First-run review 1. An
/// empty element beside real ones (a templated list's trailing comma) is dropped, not fatal
/// (diff review 7). A bare IPv6 address whose last group could be a port (`::1:8787`) is
/// refused with both readings: it matched only `[::1:8787]`, never `[::1]:8787`.
#[test]
fn an_allowed_host_that_can_never_match_is_refused() {
    for (entry, says) in [
        ("https://mcp.example.com", "like mcp.example.com"),
        ("mcp.example.com/", "not a hostname"),
        ("*.example.com", "wildcards"),
        ("::1:8787", "[::1]:8787 for that address and port"),
        ("", "is empty"),
        (",", "is empty"),
    ] {
        assert_refused(
            &[
                "--sandbox",
                "--state",
                ":memory:",
                "--listen",
                "127.0.0.1:0",
                "--allowed-hosts",
                entry,
            ],
            &["--allowed-hosts", says],
        );
    }
    assert_serves(&[
        "--sandbox",
        "--state",
        ":memory:",
        "--listen",
        "127.0.0.1:0",
        "--allowed-hosts",
        "mcp.example.com,mcp.example.com:8443,[2001:db8::1],::1,[::1]:8787,[::1:8787],2001:db8::1,localhost,",
    ]);
}

/// Review of operations, finding 10: an allowed origin written without its scheme was
/// accepted and then never matched a browser's `Origin`; it is refused at start-up with the
/// form to use, and `--help` lists the audit flags under their own heading.
#[test]
fn an_origin_without_its_scheme_is_refused_and_help_groups_the_audit_flags() {
    assert_refused(
        &[
            "--sandbox",
            "--listen",
            "127.0.0.1:0",
            "--allowed-origins",
            "app.example.com",
        ],
        &["not an origin", "https://app.example.com"],
    );
    assert_serves(&[
        "--sandbox",
        "--state",
        ":memory:",
        "--listen",
        "127.0.0.1:0",
        "--allowed-origins",
        "https://app.example.com,http://localhost:6274",
    ]);
    let help = Command::new(bin())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let audit = help.find("Audit trail:").expect("an audit heading");
    let sandbox = help.find("Sandbox:").expect("a sandbox heading");
    let flag = help.find("--audit-log").unwrap();
    assert!(
        flag > audit && (sandbox > flag || sandbox < audit),
        "{help}"
    );
}

/// The start-up banner of `serve <args>` (stdout up to the client snippets) and the server,
/// still running, for a request to the address the banner gives.
fn banner_of(args: &[&str]) -> (String, Running) {
    let mut child = Command::new(bin())
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary runs");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = String::new();
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        for line in lines.by_ref() {
            let done = line.contains("Claude Desktop");
            seen.push_str(&line);
            seen.push('\n');
            if done {
                break;
            }
        }
        let _ = tx.send(seen);
        // Read on to the end, as a terminal would.
        lines.for_each(drop);
    });
    let running = Running(child);
    let banner = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("a banner within 30 s");
    (banner, running)
}

/// A server process, stopped when dropped (also when an assertion fails).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The banner line that starts with `label`, its value.
fn banner_line<'b>(banner: &'b str, label: &str) -> &'b str {
    banner
        .lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {label} line in:\n{banner}"))
}

/// First-run review 3 and 4: listening on every address (as in a container), the banner gave
/// `http://0.0.0.0:PORT/mcp`, which no client can use and the Host allowlist refuses; with
/// OAuth on, it gave the listen address although clients must use the public URL (Inspector
/// refuses the mismatch with the protected-resource metadata).
#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_banner_gives_an_address_clients_can_use() {
    let (banner, running) =
        banner_of(&["--sandbox", "--state", ":memory:", "--listen", "0.0.0.0:0"]);
    let url = banner_line(&banner, "MCP endpoint:").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{banner}");
    assert!(banner_line(&banner, "Read-only:").starts_with("http://127.0.0.1:"));
    let mcp = Mcp::new(url, Some(READ_KEY), Era::Legacy);
    let listed = mcp.raw("tools/list", json!({})).await;
    drop(running);
    assert_eq!(
        listed.status, 200,
        "the banner's endpoint answers: {}",
        listed.body
    );

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let public = format!("http://localhost:{port}");
    let (banner, _running) = banner_of(&[
        "--sandbox",
        "--state",
        ":memory:",
        "--listen",
        &listen,
        "--public-url",
        &public,
    ]);
    assert_eq!(
        banner_line(&banner, "MCP endpoint:"),
        format!("{public}/mcp"),
        "{banner}"
    );
    assert_eq!(
        banner_line(&banner, "Read-only:"),
        format!("{public}/mcp/readonly")
    );
    drop(_running);
    // Diff review 8: a Host allowlist without this machine's names made the loopback address
    // a 403; the banner gives the public hostname then, as the doctor does.
    let (banner, _running) = banner_of(&[
        "--sandbox",
        "--state",
        ":memory:",
        "--listen",
        "0.0.0.0:0",
        "--allowed-hosts",
        "mcp.example.com",
    ]);
    assert_eq!(
        banner_line(&banner, "MCP endpoint:"),
        "https://mcp.example.com/mcp",
        "{banner}"
    );
    drop(_running);
    // An allowlist entry with a port (diff review 3, finding 8): plain http for this machine's
    // own name, and the address answers.
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let entry = format!("localhost:{port}");
    let (banner, _running) = banner_of(&[
        "--sandbox",
        "--state",
        ":memory:",
        "--listen",
        &listen,
        "--allowed-hosts",
        &entry,
    ]);
    let url = banner_line(&banner, "MCP endpoint:").to_owned();
    assert_eq!(url, format!("http://{entry}/mcp"), "{banner}");
    let listed = Mcp::new(url, Some(READ_KEY), Era::Legacy)
        .raw("tools/list", json!({}))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    // And `ds24-mcp sandbox` on every address prints an API URL serve accepts.
    let mut sandbox = Command::new(bin())
        .args(["sandbox", "--state", ":memory:", "--listen", "0.0.0.0:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(sandbox.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let _sandbox = Running(sandbox);
    assert!(first.contains("at http://127.0.0.1:"), "{first}");
}

/// First-run review 5: a state the sandbox cannot use said "Permission denied" twice, with no
/// path and no way out; `--reset` did not replace a file that is no sandbox account.
#[test]
fn an_unusable_sandbox_state_is_named_with_the_way_out_and_reset_replaces_it() {
    let file = temp_path("not-a-dir");
    std::fs::write(&file, "a file, not a directory").unwrap();
    let inside = file.join("state.sqlite");
    let inside = inside.to_str().unwrap();
    assert_refused(
        &["--sandbox", "--state", inside, "--listen", "127.0.0.1:0"],
        &[inside, "--state :memory:"],
    );
    let garbage = temp_path("garbage.sqlite");
    std::fs::write(&garbage, "no SQLite here ".repeat(100)).unwrap();
    let garbage = garbage.to_str().unwrap();
    assert_refused(
        &["--sandbox", "--state", garbage, "--listen", "127.0.0.1:0"],
        &[garbage, "--reset"],
    );
    assert_serves(&[
        "--sandbox",
        "--state",
        garbage,
        "--reset",
        "--listen",
        "127.0.0.1:0",
    ]);
}

/// A sandbox server whose standard output and error are closed (a supervisor that discards them) keeps
/// serving: the banner is help for a person. Found when a test closed the pipe after reading
/// the banner's first lines and the server exited.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_standard_output_does_not_stop_the_server() {
    let mut child = Command::new(bin())
        .args([
            "serve",
            "--sandbox",
            "--state",
            ":memory:",
            "--listen",
            "127.0.0.1:0",
        ])
        .env("NO_COLOR", "1")
        .env("DS24_MCP_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    drop(child.stdout.take());
    let stderr = child.stderr.take().unwrap();
    let running = Running(child);
    let url = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("MCP endpoint ready at ")
                .nth(1)
                .map(|u| u.split_whitespace().next().unwrap_or_default().to_owned())
        })
        .expect("the ready line");
    let mcp = Mcp::new(url, Some(READ_KEY), Era::Legacy);
    for _ in 0..3 {
        // A call writes log lines, to the closed stderr too.
        let called = mcp
            .raw("tools/call", json!({"name": "ping", "arguments": {}}))
            .await;
        assert_eq!(called.status, 200, "{}", called.body);
    }
    let listed = mcp.raw("tools/list", json!({})).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    drop(running);
}

/// `ds24-mcp tools | head -1`: a reader that stops early is not a failure (it exited 1 with
/// "Broken pipe", or 101 when the message itself could not be written). First-run review 13.
#[test]
fn a_reader_that_stops_early_is_not_a_failure() {
    let mut child = Command::new(bin())
        // The JSON catalog is larger than a pipe holds, so the write meets the closed end.
        .args(["tools", "--toolsets", "all", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// First-run review 7: `DS24_MCP_READ_ONLY=1` (or `yes`) was refused with "invalid value '1'
/// for '--read-only'", a flag the operator never passed; the header X-DS24-Read-Only takes them.
#[test]
fn boolean_variables_take_the_usual_spellings() {
    let tools = |value: Option<&str>| {
        let mut cmd = Command::new(bin());
        cmd.args(["tools", "--format", "json"])
            .env_remove("DS24_MCP_READ_ONLY");
        if let Some(v) = value {
            cmd.env("DS24_MCP_READ_ONLY", v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{value:?}: {out:?}");
        let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        listed["tools"].as_array().unwrap().len()
    };
    let all = tools(None);
    for on in ["1", "yes", "true", "on", "TRUE"] {
        assert!(tools(Some(on)) < all, "{on}");
    }
    for off in ["0", "no", "false", "off"] {
        assert_eq!(tools(Some(off)), all, "{off}");
    }
}

/// First-run review 12: two sandboxes on one state file (the default path, say) handed out the
/// same ids and overwrote each other's writes without a word. The second is refused.
#[test]
fn two_sandboxes_cannot_share_one_state_file() {
    let state = temp_path("shared.sqlite");
    let state = state.to_str().unwrap();
    let args = ["--sandbox", "--state", state, "--listen", "127.0.0.1:0"];
    let mut first = Command::new(bin())
        .arg("serve")
        .args(args)
        .env("DS24_MCP_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = first.stderr.take().unwrap();
    let first = Running(first);
    let mut lines = BufReader::new(stderr).lines().map_while(Result::ok);
    assert!(
        lines.any(|l| l.contains("MCP endpoint ready at")),
        "the first sandbox came up"
    );
    assert_refused(&args, &["in use", state]);
    // The doctor beside it works: its own sandbox keeps an account in memory (diff review 3).
    let doctor = Command::new(bin())
        .args(["doctor", "--sandbox", "--state", state])
        .env("DS24_API_KEY", "sandbox-full")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        report.contains("Digistore24 accepts the key"),
        "{report}{}",
        String::from_utf8_lossy(&doctor.stderr)
    );
    drop(first);
    assert_serves(&args);
}

/// The answer memory must hold one answer of the largest size, parsed, in one key's half.
#[test]
fn an_answer_memory_too_small_for_the_largest_answer_is_refused() {
    assert_refused(
        &[
            "--sandbox",
            "--state",
            ":memory:",
            "--listen",
            "127.0.0.1:0",
            "--max-upstream-bytes",
            "8388608",
            "--max-upstream-memory",
            "67108864",
        ],
        &["--max-upstream-memory", "134217728"],
    );
}

/// Review G7: a cap of a few hundred bytes could not hold (a cut list's note alone is longer),
/// and answers broke it; such a cap is refused at start, naming the smallest.
#[test]
fn a_result_cap_too_small_to_hold_is_refused() {
    // The sandbox in memory, on a port of its own, then `extra`.
    let args = |extra: &[&'static str]| {
        let mut args = vec![
            "--sandbox",
            "--state",
            ":memory:",
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        args
    };
    assert_refused(
        &args(&["--max-result-bytes", "4095"]),
        &["--max-result-bytes (4095)", "at least 4096"],
    );
    // Refused before anything listens: the metrics address opened first (stop 21's review).
    match serve_outcome(&args(&[
        "--metrics-listen",
        "127.0.0.1:0",
        "--max-result-bytes",
        "4095",
    ])) {
        Outcome::Exited(status, stderr) => {
            assert!(
                !status.success() && stderr.contains("at least 4096"),
                "{stderr}"
            );
            assert!(!stderr.contains("metrics at"), "listened first:\n{stderr}");
        }
        Outcome::Served(logs) => panic!("served:\n{logs}"),
    }
    assert_serves(&args(&["--max-result-bytes", "4096"]));
}

/// First-run review 11: `tools --mode compact` listed 97 tools where a compact connection sees
/// four; the catalog it prints is what such a connection lists.
#[test]
fn tools_in_compact_mode_print_what_a_compact_connection_lists() {
    let run = |args: &[&str]| {
        let out = Command::new(bin())
            .arg("tools")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let listed: serde_json::Value =
        serde_json::from_str(&run(&["--mode", "compact", "--format", "json"])).unwrap();
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "searchTools",
            "describeTool",
            "callTool",
            "callDestructiveTool"
        ]
    );
    assert!(run(&["--mode", "compact"]).starts_with("Compact mode: a connection lists 4 tools"));
    assert!(!run(&[]).contains("Compact mode"));
}

/// Operator review: behind a proxy (`--allowed-hosts mcp.example.com`), the ready line named
/// only the listen address, which answers 403 to clients (their Host is not allowed there). It
/// now also names where clients connect, as the doctor does; a local server's line is as before.
#[tokio::test(flavor = "multi_thread")]
async fn the_ready_line_names_where_clients_connect() {
    let public = serve(&[
        "--sandbox",
        "--state",
        ":memory:",
        "--allowed-hosts",
        "mcp.example.com",
    ]);
    let line = public
        .log_line(|l| l.contains("MCP endpoint ready at"))
        .await;
    assert!(
        line.contains("clients connect to https://mcp.example.com/mcp"),
        "{line}"
    );
    let local = serve(&["--sandbox", "--state", ":memory:"]);
    let line = local
        .log_line(|l| l.contains("MCP endpoint ready at"))
        .await;
    assert!(!line.contains("clients connect to"), "{line}");
}

/// Operator review: `--listen localhost:8947` said only "invalid socket address syntax", and
/// `--metrics-listen` on the `--listen` address said "Address already in use" naming neither
/// flag. Both now say what to write.
#[test]
fn listen_addresses_are_refused_with_what_to_write() {
    assert_refused(
        &["--listen", "localhost:8947"],
        &["an IP address and a port", "127.0.0.1:8787"],
    );
    let port = free_port().to_string();
    let addr = format!("127.0.0.1:{port}");
    assert_refused(
        &[
            "--sandbox",
            "--state",
            ":memory:",
            "--listen",
            &addr,
            "--metrics-listen",
            &addr,
        ],
        &[
            "--metrics-listen",
            "is the --listen address",
            "port of their own",
        ],
    );
}
