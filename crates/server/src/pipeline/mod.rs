//! The call pipeline: one path from a tool call to Digistore24 and back, the same for every
//! front door and every way of naming a tool.
//!
//! Data flows one way: find the tool → check it may be called here (enabled, not narrowed out,
//! not a write on a read-only connection) → take the key → rate limit → validate and
//! normalise the arguments → confirm if destructive → encode → call → shape. Each step either
//! passes the call on or stops it with a [`ToolFailure`]; nothing reaches Digistore24 unless
//! every step before the call passed.
//!
//! Every call is recorded exactly once, in [`Pipeline::call`] around the steps: one metrics
//! sample and (when it is audited) one audit line, whichever step ended it. A call that goes
//! upstream has its audit line written before it is sent (see [`crate::audit`]).

mod confirm;
mod failure;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ds24_catalog::{Effect, Function, Kind};
use ds24_client::{ApiKey, Retry, encode_form};
use serde_json::{Map, Value};

pub use confirm::{Confirmation, Confirmer, DEFAULT_TTL, Question};
pub use failure::ToolFailure;

use crate::audit::{self, Auditor};
use crate::context::RequestContext;
use crate::limit::RateLimiter;
use crate::reports;
pub use crate::reports::{NoProgress, Progress};
use crate::tools::{Inventory, ToolEntry};
use crate::upstream::Upstream;

/// What a call produced when it did not fail.
#[derive(Debug)]
pub enum CallOutcome {
    /// Digistore24's data, shaped for the model.
    Done(crate::shape::Shaped),
    /// The user must confirm first; the client calls again with the answer.
    Confirm(Question),
}

/// Salts key fingerprints, so logs can tell keys apart without revealing them.
#[derive(Debug, Clone)]
pub struct Fingerprinter {
    salt: [u8; 32],
}

impl Fingerprinter {
    /// A fingerprinter with this salt.
    pub fn new(salt: [u8; 32]) -> Self {
        Self { salt }
    }

    /// The short salted fingerprint of `key`.
    pub fn of(&self, key: &ApiKey) -> String {
        key.fingerprint(&self.salt)
    }
}

/// How far a call got, for the one place that records it. If the call's future is dropped
/// before it was recorded (the client went away mid-call), dropping the trace records it as
/// `cancelled`, so a line written ahead never stays `pending` while the server runs on.
struct Trace<'p> {
    /// The audit trail, if any.
    auditor: Option<&'p Auditor>,
    /// When the call began.
    started: Instant,
    /// Whether [`Pipeline::record`] ran.
    recorded: bool,
    /// The tool, once found.
    entry: Option<&'p ToolEntry>,
    /// The key's fingerprint, once there was a key.
    fingerprint: Option<String>,
    /// Whether the call changes data (known exactly after validation).
    writes: bool,
    /// Whether the call was handed to the upstream.
    sent: bool,
    /// The audit line written ahead of the upstream call, to complete.
    pending: Option<audit::Pending>,
    /// The head of an audit line that could not be written ahead (stderr), to write whole.
    head: Option<Map<String, Value>>,
}

impl<'p> Trace<'p> {
    fn new(auditor: Option<&'p Auditor>) -> Self {
        Self {
            auditor,
            started: Instant::now(),
            recorded: false,
            entry: None,
            fingerprint: None,
            writes: false,
            sent: false,
            pending: None,
            head: None,
        }
    }
}

impl Drop for Trace<'_> {
    fn drop(&mut self) {
        if self.recorded {
            return;
        }
        let function = self.entry.map_or("unknown", |e| e.function.name);
        crate::telemetry::tool_call(function, "cancelled");
        let Some(auditor) = self.auditor else {
            return;
        };
        let outcome = audit::Outcome {
            kind: "cancelled",
            code: None,
            duration: self.started.elapsed(),
        };
        if let Some(pending) = self.pending.take() {
            auditor.abandon(pending, outcome);
        } else if let Some(head) = self.head.take() {
            auditor.abandon_whole(&head, outcome);
        }
    }
}

/// Everything a call needs, built once at start-up and shared by every request.
pub struct Pipeline {
    /// The tools.
    pub inventory: Inventory,
    upstream: Arc<dyn Upstream>,
    confirmer: Confirmer,
    fingerprints: Fingerprinter,
    limiter: Option<RateLimiter>,
    max_result_bytes: usize,
    auditor: Option<Auditor>,
    report_max_rows: u64,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline").finish_non_exhaustive()
    }
}

/// How a pipeline is put together.
pub struct PipelineParts {
    /// The tools.
    pub inventory: Inventory,
    /// Where calls go.
    pub upstream: Arc<dyn Upstream>,
    /// Confirms destructive calls.
    pub confirmer: Confirmer,
    /// Names keys in logs.
    pub fingerprints: Fingerprinter,
    /// Per-key limit on calls, if any.
    pub limiter: Option<RateLimiter>,
    /// Larger results keep only their leading rows.
    pub max_result_bytes: usize,
    /// The audit trail, if one is kept.
    pub auditor: Option<Auditor>,
    /// Most rows a report reads.
    pub report_max_rows: u64,
}

impl Pipeline {
    /// Assembles a pipeline.
    pub fn new(parts: PipelineParts) -> Self {
        Self {
            inventory: parts.inventory,
            upstream: parts.upstream,
            confirmer: parts.confirmer,
            fingerprints: parts.fingerprints,
            limiter: parts.limiter,
            max_result_bytes: parts.max_result_bytes,
            auditor: parts.auditor,
            report_max_rows: parts.report_max_rows,
        }
    }

    /// Admits a request that does not go upstream (compact mode's search and describe): it
    /// needs a key and counts against the key's rate limit like a call.
    pub fn admit(&self, ctx: &RequestContext) -> Result<(), ToolFailure> {
        let key = ctx.key.as_ref().ok_or(ToolFailure::NoKey)?;
        let fp = self.fingerprint(key);
        match self.limiter.as_ref().and_then(|l| l.check(&fp).err()) {
            Some(retry_after) => Err(ToolFailure::RateLimited { retry_after }),
            None => Ok(()),
        }
    }

    /// The salted fingerprint of a key, for logs.
    pub fn fingerprint(&self, key: &ApiKey) -> String {
        self.fingerprints.of(key)
    }

    /// Runs one tool call, and records it (audit line, metrics) exactly once, whichever way it
    /// ends. Long calls (reports) tell `progress` how far they got.
    pub async fn call(
        &self,
        ctx: &RequestContext,
        name: &str,
        args: Map<String, Value>,
        confirmation: &Confirmation,
        progress: &dyn Progress,
    ) -> Result<CallOutcome, ToolFailure> {
        let mut trace = Trace::new(self.auditor.as_ref());
        let result = self
            .run(ctx, name, &args, confirmation, progress, &mut trace)
            .await;
        self.record(ctx, name, &args, &mut trace, &result).await;
        result
    }

    /// The call itself; `trace` collects what [`record`](Self::record) needs to know about how
    /// far it got.
    async fn run<'p>(
        &'p self,
        ctx: &RequestContext,
        name: &str,
        args: &Map<String, Value>,
        confirmation: &Confirmation,
        progress: &dyn Progress,
        trace: &mut Trace<'p>,
    ) -> Result<CallOutcome, ToolFailure> {
        let entry = self.find(ctx, name)?;
        trace.entry = Some(entry);
        let f = entry.function;
        trace.writes = f.writes();
        let read_only = self.inventory.read_only(&ctx.scope);
        let key = ctx.key.as_ref().ok_or(ToolFailure::NoKey)?;
        // Logs and the rate limit know a key only by its salted fingerprint.
        let fp = self.fingerprint(key);
        trace.fingerprint = Some(fp.clone());
        if let Some(retry_after) = self.limiter.as_ref().and_then(|l| l.check(&fp).err()) {
            tracing::info!(key = %fp, outcome = "rate_limited", "tool call rejected");
            return Err(ToolFailure::RateLimited { retry_after });
        }
        let args = entry.validate(read_only, args).map_err(|problems| {
            tracing::info!(key = %fp, outcome = "invalid_arguments", "tool call rejected");
            ToolFailure::InvalidArguments {
                tool: entry.name.clone(),
                problems,
            }
        })?;
        if f.kind == Kind::Report {
            let problems = reports::check(&args);
            if !problems.is_empty() {
                return Err(ToolFailure::InvalidArguments {
                    tool: entry.name.clone(),
                    problems,
                });
            }
        }
        if f.effect == Effect::Destructive {
            let title = f.title_text();
            match self
                .confirmer
                .decide(f.name, &title, f.summary, &args, &fp, confirmation)?
            {
                confirm::Decision::Proceed => {}
                confirm::Decision::Ask(question) => return Ok(CallOutcome::Confirm(question)),
            }
        }
        // A read with a write-triggering argument (getDelivery set_in_progress) is a write
        // for retries, hints and the audit trail.
        let writes = f.writes()
            || f.params
                .iter()
                .any(|p| p.mutating && args.get(p.name).is_some_and(|v| !is_off(v)));
        trace.writes = writes;
        let retry = if writes {
            Retry::Never
        } else {
            Retry::OnConnectFailure
        };
        self.audit_ahead(ctx, entry, &fp, writes, &args, trace)
            .await?;
        let started = Instant::now();
        tracing::debug!(function = f.name, "calling Digistore24");
        trace.sent = true;
        let outcome = match (f.kind, reports::find(f.name)) {
            (Kind::Report, Some(report)) => {
                reports::run(
                    report,
                    &*self.upstream,
                    key,
                    &args,
                    self.report_max_rows,
                    progress,
                )
                .await
            }
            _ => {
                self.upstream
                    .call(f.name, key, encode_form(&args), retry)
                    .await
            }
        };
        let elapsed = started.elapsed();
        crate::telemetry::upstream_latency(f.name, elapsed);
        let ms = millis(elapsed);
        match outcome {
            Ok(data) => {
                tracing::info!(key = %fp, function = f.name, ms, outcome = "ok", "tool call");
                Ok(CallOutcome::Done(crate::shape::shape(
                    data,
                    self.max_result_bytes,
                    paging(f, &args),
                )))
            }
            Err(error) => {
                tracing::info!(key = %fp, function = f.name, ms, outcome = "error", error = %error, "tool call");
                Err(ToolFailure::Upstream {
                    tool: entry.name.clone(),
                    function: f,
                    writes,
                    error,
                })
            }
        }
    }

    /// Writes the audit line of a call that is about to go upstream, before it goes. Under
    /// `--audit-required`, a write whose line cannot be written stops here.
    async fn audit_ahead(
        &self,
        ctx: &RequestContext,
        entry: &ToolEntry,
        fp: &str,
        writes: bool,
        args: &Map<String, Value>,
        trace: &mut Trace<'_>,
    ) -> Result<(), ToolFailure> {
        let Some(auditor) = &self.auditor else {
            return Ok(());
        };
        if !auditor.covers(writes, true) {
            return Ok(());
        }
        // The line shows the arguments as the client sent them (masked), like every other line.
        let head = audit::head(
            ctx,
            Some(fp),
            &entry.name,
            Some(entry.function),
            writes,
            true,
            args,
        );
        match auditor.ahead(&head).await {
            Ok(pending) => {
                trace.pending = pending;
                trace.head = (trace.pending.is_none()).then_some(head);
                Ok(())
            }
            Err(e) if writes && auditor.required() => {
                tracing::error!(error = %e, tool = %entry.name, "write refused: it cannot be audited");
                crate::telemetry::audit_failure();
                Err(ToolFailure::AuditUnavailable {
                    tool: entry.name.clone(),
                })
            }
            Err(e) => {
                crate::telemetry::audit_failure();
                tracing::warn!(error = %e, "audit line not written ahead; the call goes on");
                Ok(())
            }
        }
    }

    /// Records a finished call once: metrics, and its audit line (completing the line written
    /// ahead, or writing the whole line now).
    async fn record(
        &self,
        ctx: &RequestContext,
        name: &str,
        raw_args: &Map<String, Value>,
        trace: &mut Trace<'_>,
        result: &Result<CallOutcome, ToolFailure>,
    ) {
        let elapsed = trace.started.elapsed();
        // From here on the call counts as recorded, even if this future is dropped midway.
        trace.recorded = true;
        let (kind, code) = match result {
            Ok(CallOutcome::Done(_)) => ("ok", None),
            Ok(CallOutcome::Confirm(_)) => ("confirmation_requested", None),
            Err(failure) => (failure.kind(), failure.code()),
        };
        let function = trace.entry.map(|e| e.function);
        crate::telemetry::tool_call(function.map_or("unknown", |f| f.name), kind);
        let Some(auditor) = &self.auditor else {
            return;
        };
        let outcome = audit::Outcome {
            kind,
            code,
            duration: elapsed,
        };
        if let Some(pending) = trace.pending.take() {
            if let Err(e) = auditor.complete(pending, outcome).await {
                crate::telemetry::audit_failure();
                // The line is in the file, still `pending`; its outcome goes to the log.
                tracing::warn!(error = %e, tool = name, outcome = kind, code, request_id = ctx.request_id.as_deref(), "audit line not completed");
            }
        } else if auditor.covers(trace.writes, kind == "ok") {
            let head = trace.head.take().unwrap_or_else(|| {
                audit::head(
                    ctx,
                    trace.fingerprint.as_deref(),
                    trace.entry.map_or(name, |e| e.name.as_str()),
                    function,
                    trace.writes,
                    trace.sent,
                    raw_args,
                )
            });
            if let Err(e) = auditor.finish(&head, outcome).await {
                crate::telemetry::audit_failure();
                // Nothing is lost: the record (fingerprint and masked arguments only, never
                // the key) goes to the log instead.
                let mut record = head;
                record.insert("outcome".into(), Value::from(kind));
                record.insert("code".into(), code.map_or(Value::Null, Value::from));
                let record = Value::Object(record);
                tracing::warn!(error = %e, %record, "audit line not written");
            }
        }
    }

    /// The tool, if this request may call it.
    fn find(&self, ctx: &RequestContext, name: &str) -> Result<&ToolEntry, ToolFailure> {
        let inventory = &self.inventory;
        let entry = inventory
            .get(name)
            .ok_or_else(|| ToolFailure::UnknownTool {
                name: name.to_owned(),
            })?;
        let f = entry.function;
        if !inventory.enabled(entry) {
            return Err(ToolFailure::NotEnabled {
                tool: entry.name.clone(),
                function: f,
            });
        }
        if !ctx.scope.allows_toolset(f.toolset) {
            return Err(ToolFailure::NarrowedOut {
                tool: entry.name.clone(),
                function: f,
            });
        }
        if inventory.read_only(&ctx.scope) && entry.view(true).is_none() {
            return Err(ToolFailure::ReadOnly {
                tool: entry.name.clone(),
                server_wide: inventory.read_only(&crate::tools::Scope::default()),
                by_grant: ctx.scope.read_only_grant,
            });
        }
        Ok(entry)
    }
}

/// Where the answered page sits, for a function that pages: the arguments, or the catalog's
/// defaults for them.
fn paging(f: &Function, args: &Map<String, Value>) -> Option<crate::shape::Paging> {
    let size_param = f.params.iter().find(|p| p.name == "page_size")?;
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let page_size = args
        .get("page_size")
        .and_then(number)
        .or_else(|| size_param.default.and_then(|d| d.parse().ok()))?;
    let page_no = args.get("page_no").and_then(number).unwrap_or(1).max(1);
    Some(crate::shape::Paging { page_no, page_size })
}

/// Whether a flag value says "no" (so a mutating flag set to N does not make the call a write).
fn is_off(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => matches!(s.as_str(), "" | "N" | "n"),
        _ => false,
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
