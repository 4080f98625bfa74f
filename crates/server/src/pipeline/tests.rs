//! The pipeline in-process, against an upstream double that records what reached it.

use std::sync::Mutex;

use ds24_client::{CallError, FormPairs};
use serde_json::json;

use super::*;
use crate::seal::StateSecret;
use crate::tools::{NameStyle, Scope, Selection};
use crate::upstream::UpstreamFuture;

#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<(String, FormPairs, Retry)>>,
    fail: Option<fn() -> CallError>,
}

impl Upstream for Recorder {
    fn call<'a>(
        &'a self,
        function: &'static str,
        _key: &'a ApiKey,
        form: FormPairs,
        retry: Retry,
    ) -> UpstreamFuture<'a> {
        self.calls
            .lock()
            .unwrap()
            .push((function.to_owned(), form, retry));
        let answer = match self.fail {
            Some(make) => Err(make()),
            None => Ok(json!({"ok": "Y"})),
        };
        Box::pin(async move { answer.map(ds24_client::Answer::from) })
    }
}

fn pipeline(upstream: Arc<Recorder>, ttl: Duration) -> Pipeline {
    pipeline_over(upstream, ttl, 4)
}

fn pipeline_over(upstream: Arc<dyn Upstream>, ttl: Duration, slots: usize) -> Pipeline {
    let secret = StateSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
    Pipeline::new(PipelineParts {
        inventory: Inventory::new(
            NameStyle::Ds24,
            Selection::new(Some("all"), &[], &[], false).unwrap(),
        ),
        upstream,
        confirmer: Confirmer::new(secret.sealer("confirmation"), ttl),
        fingerprints: Fingerprinter::new(secret.derive("key-fingerprint")),
        limiter: None,
        address_limiter: None,
        rejected: RejectedKeys::new(secret.derive("rejected-keys"), REJECTED_KEY_TTL),
        max_upstream_concurrency: slots,
        max_result_bytes: 100_000,
        auditor: None,
        reports: crate::reports::Limits::default(),
    })
}

fn ctx() -> RequestContext {
    RequestContext {
        key: ApiKey::new("k-1"),
        ..RequestContext::default()
    }
}

fn args(v: serde_json::Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn refusals_send_nothing() {
    let up = Arc::new(Recorder::default());
    let p = pipeline(up.clone(), DEFAULT_TTL);
    let none = Confirmation::Unavailable;
    let unknown = p.call(&ctx(), "nope", Map::new(), &none, &NoProgress).await;
    assert!(matches!(unknown, Err(ToolFailure::UnknownTool { .. })));
    let mut read_only = ctx();
    read_only.scope = Scope {
        read_only: true,
        toolsets: None,
        ..Scope::default()
    };
    let write = p
        .call(
            &read_only,
            "createVoucher",
            args(json!({"data": {"code": "X", "first_rate": 10}})),
            &none,
            &NoProgress,
        )
        .await;
    assert!(matches!(
        write,
        Err(ToolFailure::ReadOnly {
            server_wide: false,
            ..
        })
    ));
    let invalid = p
        .call(
            &ctx(),
            "getProduct",
            args(json!({"product_id": "abc"})),
            &none,
            &NoProgress,
        )
        .await;
    assert!(matches!(invalid, Err(ToolFailure::InvalidArguments { .. })));
    let keyless = p
        .call(
            &RequestContext::default(),
            "ping",
            Map::new(),
            &none,
            &NoProgress,
        )
        .await;
    assert!(matches!(keyless, Err(ToolFailure::NoKey)));
    assert!(up.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn destructive_calls_are_confirmed_once_and_bound_to_their_arguments() {
    let up = Arc::new(Recorder::default());
    let p = pipeline(up.clone(), DEFAULT_TTL);
    let a = args(json!({"code": "LAUNCH10"}));
    let asked = p
        .call(
            &ctx(),
            "deleteVoucher",
            a.clone(),
            &Confirmation::Available,
            &NoProgress,
        )
        .await;
    let Ok(CallOutcome::Confirm(question)) = asked else {
        panic!("expected a question, got {asked:?}");
    };
    assert!(
        up.calls.lock().unwrap().is_empty(),
        "nothing before the answer"
    );
    let other = p
        .call(
            &ctx(),
            "deleteVoucher",
            args(json!({"code": "OTHER"})),
            &Confirmation::Answered {
                state: question.state.clone(),
                accepted: true,
            },
            &NoProgress,
        )
        .await;
    assert!(matches!(other, Err(ToolFailure::BadConfirmation { .. })));
    let declined = p
        .call(
            &ctx(),
            "deleteVoucher",
            a.clone(),
            &Confirmation::Answered {
                state: question.state.clone(),
                accepted: false,
            },
            &NoProgress,
        )
        .await;
    assert!(matches!(declined, Err(ToolFailure::Declined { .. })));
    let mut tampered = question.state.clone();
    tampered.pop();
    let forged = p
        .call(
            &ctx(),
            "deleteVoucher",
            a.clone(),
            &Confirmation::Answered {
                state: tampered,
                accepted: true,
            },
            &NoProgress,
        )
        .await;
    assert!(matches!(forged, Err(ToolFailure::BadConfirmation { .. })));
    // The declined question is used up: accepting it afterwards does nothing.
    let after_decline = p
        .call(
            &ctx(),
            "deleteVoucher",
            a.clone(),
            &Confirmation::Answered {
                state: question.state.clone(),
                accepted: true,
            },
            &NoProgress,
        )
        .await;
    assert!(matches!(
        after_decline,
        Err(ToolFailure::BadConfirmation { .. })
    ));
    assert!(up.calls.lock().unwrap().is_empty());
    let Ok(CallOutcome::Confirm(question)) = p
        .call(
            &ctx(),
            "deleteVoucher",
            a.clone(),
            &Confirmation::Available,
            &NoProgress,
        )
        .await
    else {
        panic!("asked again");
    };
    let accept = Confirmation::Answered {
        state: question.state,
        accepted: true,
    };
    let done = p
        .call(&ctx(), "deleteVoucher", a.clone(), &accept, &NoProgress)
        .await;
    assert!(matches!(done, Ok(CallOutcome::Done(_))), "{done:?}");
    // One "yes" runs the call once: the same answer again (a retry) is refused.
    let replay = p
        .call(&ctx(), "deleteVoucher", a, &accept, &NoProgress)
        .await;
    assert!(
        matches!(replay, Err(ToolFailure::BadConfirmation { .. })),
        "{replay:?}"
    );
    let calls = up.calls.lock().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, "deleteVoucher");
    assert_eq!(calls[0].2, Retry::Never);
}

#[tokio::test]
async fn expired_confirmations_are_refused() {
    let up = Arc::new(Recorder::default());
    let p = pipeline(up.clone(), Duration::ZERO);
    let a = args(json!({"code": "LAUNCH10"}));
    let Ok(CallOutcome::Confirm(question)) = p
        .call(
            &ctx(),
            "deleteVoucher",
            a.clone(),
            &Confirmation::Available,
            &NoProgress,
        )
        .await
    else {
        panic!("expected a question");
    };
    let late = p
        .call(
            &ctx(),
            "deleteVoucher",
            a,
            &Confirmation::Answered {
                state: question.state,
                accepted: true,
            },
            &NoProgress,
        )
        .await;
    let Err(failure) = late else {
        panic!("an expired answer was accepted");
    };
    assert!(
        failure.message().contains("expired"),
        "{}",
        failure.message()
    );
    assert!(up.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_write_triggering_argument_makes_a_read_a_write() {
    let up = Arc::new(Recorder::default());
    let p = pipeline(up.clone(), DEFAULT_TTL);
    let none = Confirmation::Unavailable;
    p.call(
        &ctx(),
        "getDelivery",
        args(json!({"delivery_id": "1"})),
        &none,
        &NoProgress,
    )
    .await
    .unwrap();
    p.call(
        &ctx(),
        "getDelivery",
        args(json!({"delivery_id": "1", "set_in_progress": true})),
        &none,
        &NoProgress,
    )
    .await
    .unwrap();
    let calls = up.calls.lock().unwrap();
    assert_eq!(calls[0].2, Retry::OnConnectFailure);
    assert_eq!(calls[1].2, Retry::Never);
}

#[tokio::test]
async fn a_failed_write_says_to_check_before_retrying() {
    let up = Arc::new(Recorder {
        fail: Some(|| CallError::Timeout(Duration::from_secs(30))),
        ..Recorder::default()
    });
    let p = pipeline(up, DEFAULT_TTL);
    let none = Confirmation::Unavailable;
    let write = p
        .call(
            &ctx(),
            "createVoucher",
            args(json!({"data": {"code": "X", "first_rate": 10}})),
            &none,
            &NoProgress,
        )
        .await
        .unwrap_err();
    assert_eq!(write.kind(), "timeout");
    assert!(
        write.message().contains("Check with a list or get tool"),
        "{}",
        write.message()
    );
    let read = p
        .call(&ctx(), "ping", Map::new(), &none, &NoProgress)
        .await
        .unwrap_err();
    assert!(
        read.message().contains("Try again later"),
        "{}",
        read.message()
    );
}

/// An upstream that takes every call and never answers.
struct Stuck;

impl Upstream for Stuck {
    fn call<'a>(
        &'a self,
        _function: &'static str,
        _key: &'a ApiKey,
        _form: FormPairs,
        _retry: Retry,
    ) -> UpstreamFuture<'a> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_call_dropped_midway_completes_its_audit_line_as_cancelled() {
    let dir = std::env::temp_dir().join(format!("ds24-pipeline-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.log");
    let _ = std::fs::remove_file(&path);
    let auditor = Auditor::start(&audit::AuditConfig {
        sink: audit::AuditSink::File(path.clone()),
        scope: audit::AuditScope::Writes,
        max_bytes: 0,
        keep: 1,
        required: true,
    })
    .unwrap();
    let secret = StateSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
    let p = Pipeline::new(PipelineParts {
        inventory: Inventory::new(
            NameStyle::Ds24,
            Selection::new(Some("all"), &[], &[], false).unwrap(),
        ),
        upstream: Arc::new(Stuck),
        confirmer: Confirmer::new(secret.sealer("confirmation"), DEFAULT_TTL),
        fingerprints: Fingerprinter::new(secret.derive("key-fingerprint")),
        limiter: None,
        address_limiter: None,
        rejected: RejectedKeys::new(secret.derive("rejected-keys"), REJECTED_KEY_TTL),
        max_upstream_concurrency: 4,
        max_result_bytes: 100_000,
        auditor: Some(auditor),
        reports: crate::reports::Limits::default(),
    });
    let request = ctx();
    let call = p.call(
        &request,
        "createVoucher",
        args(json!({"data": {"code": "X", "first_rate": 10}})),
        &Confirmation::Unavailable,
        &NoProgress,
    );
    // The future is dropped while the upstream call is pending.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), call)
            .await
            .is_err()
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let text = loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if !text.contains("\"pending\"") || Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let line: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(line["outcome"], "cancelled", "{text}");
    assert_eq!(line["sent"], true);
    assert_eq!(text.lines().count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_call_that_finds_every_upstream_slot_taken_is_busy_and_sends_nothing() {
    let p = Arc::new(pipeline_over(Arc::new(Stuck), DEFAULT_TTL, 1));
    let holder = tokio::spawn({
        let p = p.clone();
        async move {
            p.call(
                &ctx(),
                "ping",
                Map::new(),
                &Confirmation::Unavailable,
                &NoProgress,
            )
            .await
        }
    });
    // Let the first call take the only slot.
    while p.upstream_slots.available_permits() > 0 {
        tokio::task::yield_now().await;
    }
    let second = p
        .call(
            &ctx(),
            "ping",
            Map::new(),
            &Confirmation::Unavailable,
            &NoProgress,
        )
        .await;
    let Err(failure) = second else {
        panic!("a second call got through a cap of one");
    };
    assert_eq!(failure.kind(), "busy");
    assert!(
        failure.message().contains("Nothing was sent"),
        "{}",
        failure.message()
    );
    assert!(!holder.is_finished(), "the first call still holds its slot");
    holder.abort();
}

#[tokio::test]
async fn a_key_digistore24_rejects_is_not_sent_again() {
    let up = Arc::new(Recorder {
        fail: Some(|| CallError::Api {
            code: Some(2),
            kind: Some(ds24_client::ErrorCode::BadApiKey),
            message: "Invalid API key".into(),
            status: 200,
        }),
        ..Recorder::default()
    });
    let p = pipeline(up.clone(), DEFAULT_TTL);
    let none = Confirmation::Unavailable;
    let first = p.call(&ctx(), "ping", Map::new(), &none, &NoProgress).await;
    assert_eq!(first.unwrap_err().kind(), "invalid_key");
    let second = p
        .call(&ctx(), "listProducts", Map::new(), &none, &NoProgress)
        .await;
    let failure = second.unwrap_err();
    assert!(
        matches!(failure, ToolFailure::KeyRejected { .. }),
        "{failure:?}"
    );
    assert_eq!(up.calls.lock().unwrap().len(), 1, "sent once");
}
