//! The audit writer on real files: lines written ahead and completed in place, rotation,
//! masking, and refusal when the disk refuses.

use std::io::Read as _;

use super::*;

fn config(path: &Path, max_bytes: u64, keep: usize) -> AuditConfig {
    AuditConfig {
        sink: AuditSink::File(path.to_owned()),
        scope: AuditScope::Writes,
        max_bytes,
        keep,
        required: true,
    }
}

fn lines(path: &Path) -> Vec<Value> {
    let mut text = String::new();
    File::open(path).unwrap().read_to_string(&mut text).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ds24-audit-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("audit.log")
}

fn head_of(tool: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("tool".into(), json!(tool));
    m
}

fn outcome(kind: &str) -> Outcome<'_> {
    Outcome {
        kind,
        code: Some(8),
        duration: Duration::from_millis(42),
    }
}

#[tokio::test]
async fn a_line_written_ahead_is_completed_in_place() {
    let path = tmp("ahead");
    let a = Auditor::start(&config(&path, 0, 1)).unwrap();
    let first = a.ahead(&head_of("createProduct")).await.unwrap().unwrap();
    let second = a.ahead(&head_of("updateProduct")).await.unwrap().unwrap();
    let before = lines(&path);
    assert_eq!(before.len(), 2);
    assert_eq!(before[0]["outcome"], "pending");
    assert_eq!(before[0]["duration_ms"], Value::Null);
    // Completed out of order: each completion lands in its own line.
    a.complete(second, outcome("permission_denied"))
        .await
        .unwrap();
    a.complete(first, outcome("ok")).await.unwrap();
    a.finish(&head_of("refundPurchase"), outcome("declined"))
        .await
        .unwrap();
    let after = lines(&path);
    assert_eq!(after.len(), 3);
    assert_eq!(after[0]["tool"], "createProduct");
    assert_eq!(after[0]["outcome"], "ok");
    assert_eq!(after[1]["outcome"], "permission_denied");
    assert_eq!(after[1]["code"], 8);
    assert_eq!(after[1]["duration_ms"], 42);
    assert_eq!(after[2]["outcome"], "declined");
}

#[test]
fn the_longest_tail_fits_its_width() {
    let longest = tail(
        "confirmation_requested_and_then_some",
        Some(i64::MIN),
        Some(u64::MAX),
    );
    assert!(
        longest.len() <= TAIL_WIDTH,
        "{} > {TAIL_WIDTH}",
        longest.len()
    );
}

#[tokio::test]
async fn rotation_keeps_n_files_and_pending_lines_complete_in_the_old_one() {
    let path = tmp("rotate");
    let a = Auditor::start(&config(&path, 300, 2)).unwrap();
    let pending = a.ahead(&head_of("first")).await.unwrap().unwrap();
    for i in 0..20 {
        a.finish(&head_of(&format!("t{i}")), outcome("ok"))
            .await
            .unwrap();
    }
    a.complete(pending, outcome("ok")).await.unwrap();
    let rotated = |n: usize| PathBuf::from(format!("{}.{n}", path.display()));
    assert!(rotated(1).exists() && rotated(2).exists());
    assert!(!rotated(3).exists(), "keeps 2 old files");
    for p in [path.clone(), rotated(1), rotated(2)] {
        assert!(std::fs::metadata(&p).unwrap().len() <= 300);
    }
    // Every line still parses; the lines of the oldest kept file include none pending.
    let all: Vec<Value> = [rotated(2), rotated(1), path.clone()]
        .iter()
        .flat_map(|p| lines(p))
        .collect();
    assert!(all.iter().all(|l| l["outcome"] != "pending"), "{all:?}");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_full_disk_refuses_the_line_ahead() {
    // /dev/full accepts open and refuses every write with ENOSPC.
    let a = Auditor::start(&config(Path::new("/dev/full"), 0, 1)).unwrap();
    let err = a.ahead(&head_of("createProduct")).await.unwrap_err();
    assert!(err.to_string().contains("/dev/full"), "{err}");
    assert!(
        a.finish(&head_of("x"), outcome("ok")).await.is_err(),
        "whole lines fail too"
    );
}

#[test]
fn personal_and_unknown_values_are_masked() {
    let f = ds24_catalog::get("createBuyUrl").unwrap();
    let args = json!({
        "product_id": "12345",
        "buyer": {"email": "anna@example.com", "first_name": "Anna", "country": "DE"},
        "surprise": "anything",
        "payment_plan": {"first_amount": "9.00", "currency": "EUR"},
    });
    let shown = masked_arguments(Some(f), args.as_object().unwrap());
    let text = shown.to_string();
    assert!(
        !text.contains("anna@example.com") && !text.contains("Anna"),
        "{text}"
    );
    assert_eq!(shown["buyer"]["email"], MASK);
    assert_eq!(shown["buyer"]["country"], "DE");
    assert_eq!(shown["product_id"], "12345");
    assert_eq!(shown["payment_plan"]["first_amount"], "9.00");
    assert_eq!(
        shown["surprise"], MASK,
        "parameters the catalog does not know"
    );
    let unknown = masked_arguments(None, args.as_object().unwrap());
    assert!(!unknown.to_string().contains("12345"));
}

#[test]
fn arguments_are_bounded() {
    let f = ds24_catalog::get("createBuyUrl").unwrap();
    let long = "x".repeat(10_000);
    let shown = masked_arguments(Some(f), json!({"product_id": long}).as_object().unwrap());
    assert!(shown["product_id"].as_str().unwrap().chars().count() <= MAX_TEXT + 1);
    let many: Map<String, Value> = (0..2000).map(|i| (format!("p{i}"), json!("y"))).collect();
    assert!(masked_arguments(Some(f), &many).get("_omitted").is_some());
}
