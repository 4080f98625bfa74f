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
        match serve_outcome(args) {
            Outcome::Served(_) => {}
            Outcome::Exited(status, stderr) => {
                panic!("`ds24-mcp serve {}`: {status}\n{stderr}", args.join(" "))
            }
        }
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
