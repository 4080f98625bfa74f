//! The sandbox as a process: file state survives restarts and `--reset` regenerates it, many
//! parallel writes lose nothing, and the fault options (latency, fail rate, rate limit) do what
//! they say.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions may panic too

mod common;

use std::time::{Duration, Instant};

use common::*;
use ds24_sandbox::{ErrorStatus, SandboxOptions, StateLocation};

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ds24-sandbox-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn file_opts(path: &std::path::Path, reset: bool) -> SandboxOptions {
    SandboxOptions {
        state: StateLocation::File(path.to_path_buf()),
        reset,
        ..SandboxOptions::default()
    }
}

#[tokio::test]
async fn file_state_survives_restart_and_reset_regenerates() {
    let dir = temp_dir("persist");
    let path = dir.join("nested").join("sandbox.sqlite");

    let sb = Sb::with(file_opts(&path, false)).await;
    let id = s(&sb.ok("createProduct", &[("data[name_de]", "Bleibt")]).await["product_id"]);
    let fx = Fixtures::discover(&sb).await;
    let pid = fx.singles[0].clone();
    sb.ok(
        "refundPurchase",
        &[("purchase_id", pid.as_str()), ("force", "Y")],
    )
    .await;
    let purchases = s(&sb.ok("listPurchases", &[("from", "start")]).await["item_count"]);
    // unregister revokes a configured key until the next start.
    sb.ok("unregister", &[]).await;
    let (code, _) = sb.err(FULL, "ping", &[]).await;
    assert_eq!(code, 2);
    sb.sb.shutdown().await;
    assert!(path.exists());

    // Restart: everything is still there, including the refund and the id counter.
    let sb = Sb::with(file_opts(&path, false)).await;
    let p = sb.ok("getProduct", &[("product_id", id.as_str())]).await;
    assert_eq!(p["product"]["name_de"], "Bleibt");
    let purchase = sb.ok("getPurchase", &[("purchase_id", pid.as_str())]).await;
    assert_eq!(purchase["billing_status"], "aborted");
    assert_eq!(
        s(&sb.ok("listPurchases", &[("from", "start")]).await["item_count"]),
        purchases
    );
    let next = s(&sb
        .ok("createProduct", &[("data[name_de]", "Zweites")])
        .await["product_id"]);
    assert!(next.parse::<u64>().unwrap() > id.parse::<u64>().unwrap());
    sb.sb.shutdown().await;

    // --reset: the demo account again, our product gone.
    let sb = Sb::with(file_opts(&path, true)).await;
    let (code, _) = sb
        .err(FULL, "getProduct", &[("product_id", id.as_str())])
        .await;
    assert_eq!(code, 4);
    let purchase = sb.ok("getPurchase", &[("purchase_id", pid.as_str())]).await;
    assert_ne!(
        purchase["billing_status"], "aborted",
        "same seed, fresh account"
    );
    sb.sb.shutdown().await;

    // Not a database: a clear error, no panic.
    let junk = dir.join("junk.sqlite");
    std::fs::write(
        &junk,
        b"this is not sqlite, just text long enough to have a header",
    )
    .unwrap();
    let err = ds24_sandbox::start(file_opts(&junk, false), any_port())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("junk.sqlite"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn run_serves_until_shutdown() {
    // `run` binds the address itself, so the port can only be found free and released just
    // before (a socket held meanwhile would make `run` fail). Should another test take it in
    // between, `run` fails with "address in use" (and whatever answered, or kept a request
    // waiting, was not this sandbox): then try another port.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for attempt in 1..=5 {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(ds24_sandbox::run(
            SandboxOptions::in_memory(),
            addr,
            async {
                let _ = stopped.await;
            },
        ));
        let url = format!("http://{addr}/api/call/ping");
        // Retry until it accepts connections (bounded), or `run` has ended.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut answered = None;
        while answered.is_none() && !server.is_finished() && Instant::now() < deadline {
            if let Ok(r) = http.post(&url).header("X-DS-API-KEY", FULL).send().await {
                answered = Some(r.json::<serde_json::Value>().await.unwrap_or_default());
            } else {
                tokio::task::yield_now().await;
            }
        }
        let stopped_by_us = stop.send(()).is_ok();
        match server.await.unwrap() {
            Err(ds24_sandbox::SandboxError::Io(e))
                if e.kind() == std::io::ErrorKind::AddrInUse && attempt < 5 =>
            {
                continue;
            }
            ended => ended.unwrap(),
        }
        assert!(stopped_by_us, "run ended before it was told to stop");
        assert_eq!(answered.unwrap()["result"], "success");
        assert!(http.post(&url).send().await.is_err(), "stopped");
        return;
    }
}

#[tokio::test]
async fn parallel_writes_lose_nothing() {
    let sb = Sb::start().await;
    let fx = Fixtures::discover(&sb).await;
    let pid = fx.singles[0].clone();
    let before = sb.ok("listProducts", &[]).await["products"]
        .as_array()
        .unwrap()
        .len();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let http = sb.http.clone();
        let url_p = sb.url("createProduct");
        let url_b = sb.url("addBalanceToPurchase");
        let pid = pid.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("data[name_de]=Parallel+{i}");
            let a: serde_json::Value = http
                .post(url_p)
                .header("X-DS-API-KEY", FULL)
                .body(name)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let b: serde_json::Value = http
                .post(url_b)
                .header("X-DS-API-KEY", FULL)
                .body(format!("purchase_id={pid}&amount=1.00"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (s(&a["data"]["product_id"]), s(&b["data"]["new_balance"]))
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut balances = std::collections::BTreeSet::new();
    for t in tasks {
        let (id, bal) = t.await.unwrap();
        assert!(ids.insert(id), "duplicate product id");
        assert!(balances.insert(bal), "two writes saw the same balance");
    }
    let after = sb.ok("listProducts", &[]).await["products"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, before + 40);
    let last = sb
        .ok(
            "addBalanceToPurchase",
            &[("purchase_id", pid.as_str()), ("amount", "1.00")],
        )
        .await;
    assert_eq!(last["old_balance"], "40.00");
}

#[tokio::test]
async fn latency_applies_to_scoped_functions() {
    let sb = Sb::with(SandboxOptions {
        latency: Duration::from_millis(800),
        fault_functions: vec!["getProduct".into()],
        ..SandboxOptions::in_memory()
    })
    .await;
    let t = Instant::now();
    sb.ok("getProduct", &[("product_id", "512340")]).await;
    assert!(
        t.elapsed() >= Duration::from_millis(800),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    sb.ok("ping", &[]).await;
    assert!(
        t.elapsed() < Duration::from_millis(800),
        "ping is not in scope"
    );
}

#[tokio::test]
async fn fail_rate_one_always_answers_500() {
    let sb = Sb::with(SandboxOptions {
        fail_rate: 1.0,
        fault_functions: vec!["getProduct".into()],
        ..SandboxOptions::in_memory()
    })
    .await;
    let mut html = 0;
    let mut json = 0;
    for _ in 0..12 {
        let resp = sb
            .http
            .post(sb.url("getProduct"))
            .header("X-DS-API-KEY", FULL)
            .body("product_id=512340")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 500);
        let body = resp.text().await.unwrap();
        match serde_json::from_str::<serde_json::Value>(&body) {
            Ok(v) => {
                assert_eq!(v["result"], "error");
                json += 1;
            }
            Err(_) => html += 1,
        }
    }
    assert!(
        html > 0 && json > 0,
        "both failure bodies occur ({html} html, {json} json)"
    );
    sb.ok("ping", &[]).await;
}

#[tokio::test]
async fn rate_limit_per_key() {
    for mode in [ErrorStatus::Envelope, ErrorStatus::Http] {
        let sb = Sb::with(SandboxOptions {
            rate_limit: Some(3),
            error_status: mode,
            ..SandboxOptions::in_memory()
        })
        .await;
        let mut limited = None;
        for _ in 0..10 {
            let resp = sb
                .http
                .post(sb.url("ping"))
                .header("X-DS-API-KEY", FULL)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let retry = resp.headers().get("retry-after").cloned();
            let v: serde_json::Value = resp.json().await.unwrap();
            if v["result"] == "error" {
                limited = Some((status, v, retry));
                break;
            }
        }
        let (status, v, retry) = limited.expect("more than 3 requests in a second are limited");
        assert_eq!(v["code"], 0);
        assert!(s(&v["message"]).contains("Rate-Limit") || s(&v["message"]).contains("rate limit"));
        assert!(retry.is_some());
        let expected = if mode == ErrorStatus::Http { 429 } else { 200 };
        assert_eq!(status, expected);
        // Another key has its own budget.
        sb.ok_as(READ, "ping", &[]).await;
    }
}
