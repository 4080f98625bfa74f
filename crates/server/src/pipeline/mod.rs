//! The call pipeline: one path from a tool call to Digistore24 and back, the same for every
//! front door and every way of naming a tool.
//!
//! Data flows one way: find the tool → check it may be called here (enabled, not narrowed out,
//! not a write on a read-only connection) → take the key → rate limit (client address, then
//! key) → refuse a key Digistore24 just rejected → validate and normalise the arguments (a
//! report's own and the time window's too) → confirm if destructive → wait for an upstream
//! slot → write the audit line ahead → encode → call → shape. Each step either
//! passes the call on or stops it with a [`ToolFailure`]; nothing reaches Digistore24 unless
//! every step before the call passed.
//!
//! Every call is recorded exactly once, in [`Pipeline::call`] around the steps: one metrics
//! sample and (when it is audited) one audit line, whichever step ended it. A call that goes
//! upstream has its audit line written before it is sent (see [`crate::audit`]). Compact
//! mode's own tools, which answer without Digistore24, go through [`Pipeline::call_local`]:
//! admitted and recorded the same way. Who called (the key's fingerprint) and what (the
//! tool, once found) are noted before any check can refuse the call, so a refusal's line says
//! both.

mod confirm;
mod failure;
mod rejected;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ds24_catalog::{Effect, Function, Kind};
use ds24_client::{ApiKey, CallError, ErrorCode, Retry, encode_form};
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

pub use confirm::{Confirmation, Confirmer, DEFAULT_TTL, Question};
pub use failure::{LimitedBy, ToolFailure};
pub use rejected::{REJECTED_KEY_TTL, RejectedKeys};

use crate::audit::{self, Auditor};
use crate::context::RequestContext;
use crate::limit::{OncePer, RateLimiter, address_key, unix_now};
use crate::reports;
pub use crate::reports::{NoProgress, Progress};
use crate::tools::{Inventory, Problems, ToolEntry, compact};
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
    /// Compact mode's own tool, for a call of one ([`Pipeline::call_local`]).
    local: Option<&'static str>,
    /// The tool, once found.
    entry: Option<&'p ToolEntry>,
    /// The catalog function called (or, for `callTool`, named), once known.
    function: Option<&'static Function>,
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
            local: None,
            entry: None,
            function: None,
            fingerprint: None,
            writes: false,
            sent: false,
            pending: None,
            head: None,
        }
    }

    /// The `tool` label of the call's metrics: compact mode's tool, else the catalog function,
    /// else `unknown` (a bounded set: never a name the caller chose).
    fn label(&self) -> &'static str {
        self.local
            .or(self.entry.map(|e| e.function.name))
            .unwrap_or("unknown")
    }

    /// Notes the tool, as soon as it is found: a refusal's line says what was called.
    fn found(&mut self, entry: &'p ToolEntry) {
        self.entry = Some(entry);
        self.function = Some(entry.function);
        self.writes = entry.function.writes();
    }
}

impl Drop for Trace<'_> {
    fn drop(&mut self) {
        if self.recorded {
            return;
        }
        crate::telemetry::tool_call(self.label(), "cancelled");
        let Some(auditor) = self.auditor else {
            return;
        };
        let outcome = audit::Outcome {
            kind: "cancelled",
            code: None,
            sent: self.sent,
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
    address_limiter: Option<RateLimiter>,
    rejected: RejectedKeys,
    upstream_slots: Semaphore,
    max_result_bytes: usize,
    auditor: Option<Auditor>,
    reports: reports::Limits,
    /// Audit lines of refused calls per client address: a flood of refusals (any bearer
    /// string can make them) must not rotate the lines of real writes out of the kept files.
    refusal_lines: RateLimiter,
    /// Skipped refusal lines are logged once a minute at most.
    refusal_lines_warned: OncePer,
}

/// Audit lines of refused calls one client address may cause per second on average (twice
/// that in a burst). Calls that reach Digistore24 are always audited.
pub const AUDITED_REFUSALS_PER_SECOND: u32 = 10;

/// Which calls the tool a request came through may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Any call its function allows: a function's own tool, compact mode's
    /// `callDestructiveTool`.
    All,
    /// None that is destructive: compact mode's `callTool`. A client's approval of that one
    /// tool, perhaps "always", must not cover a refund or a delete.
    NotDestructive,
}

/// What a call may do beyond its arguments: what the client can confirm, where progress goes,
/// which calls its tool may make.
struct Terms<'a> {
    confirmation: &'a Confirmation,
    progress: &'a dyn Progress,
    reach: Reach,
}

/// How long a call waits for a free upstream slot before it is refused as "busy".
pub const SLOT_WAIT: Duration = Duration::from_secs(10);

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
    /// Per-client-address limit on calls, if any.
    pub address_limiter: Option<RateLimiter>,
    /// Keys Digistore24 just rejected.
    pub rejected: RejectedKeys,
    /// Digistore24 calls in flight at once, across all keys and clients.
    pub max_upstream_concurrency: usize,
    /// Larger results keep only their leading rows.
    pub max_result_bytes: usize,
    /// The audit trail, if one is kept.
    pub auditor: Option<Auditor>,
    /// What a report may take.
    pub reports: reports::Limits,
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
            address_limiter: parts.address_limiter,
            rejected: parts.rejected,
            upstream_slots: Semaphore::new(
                parts
                    .max_upstream_concurrency
                    .clamp(1, Semaphore::MAX_PERMITS),
            ),
            max_result_bytes: parts.max_result_bytes,
            auditor: parts.auditor,
            reports: parts.reports,
            refusal_lines: RateLimiter::new(AUDITED_REFUSALS_PER_SECOND),
            refusal_lines_warned: OncePer::default(),
        }
    }

    /// Whether a refused call's audit line fits its client address's budget (calls without
    /// an address, over stdio, always do). Over it, the line is counted and, once a minute, a
    /// warning names the address.
    fn refusal_line_allowed(&self, ctx: &RequestContext) -> bool {
        let Some(address) = ctx.peer.map(address_key) else {
            return true;
        };
        if self.refusal_lines.check(&address).is_ok() {
            return true;
        }
        crate::telemetry::audit_refusal_skipped();
        if self.refusal_lines_warned.due(unix_now(), 60) {
            tracing::warn!(%address, "audit lines of refused calls from this address are over {AUDITED_REFUSALS_PER_SECOND}/s; the rest are counted in {}, not written", crate::telemetry::AUDIT_REFUSALS_SKIPPED);
        }
        false
    }

    /// Runs one of compact mode's own tools (`tool`: `searchTools`, `describeTool`, or a
    /// `callTool` whose arguments are refused before it names a call), which answer without
    /// Digistore24: admitted like a call (a key, the key's rate limit), then `answer`ed, and
    /// recorded like a call (metrics, audit line) whichever way it ends.
    pub async fn call_local(
        &self,
        ctx: &RequestContext,
        tool: &'static str,
        args: &Map<String, Value>,
        answer: impl FnOnce() -> Result<CallOutcome, ToolFailure>,
    ) -> Result<CallOutcome, ToolFailure> {
        let mut trace = Trace::new(self.auditor.as_ref());
        trace.local = Some(tool);
        // A refused callTool's line says what it would have called.
        if let Some(entry) =
            compact::named_function(tool, args).and_then(|name| self.inventory.get(name))
        {
            trace.function = Some(entry.function);
            trace.writes = entry.function.writes();
        }
        let result = self.admit(ctx, &mut trace).and_then(|_| answer());
        self.record(ctx, tool, args, &mut trace, &result).await;
        result
    }

    /// Takes the key (noting its fingerprint) and applies its rate limit.
    fn admit<'k>(
        &self,
        ctx: &'k RequestContext,
        trace: &mut Trace<'_>,
    ) -> Result<(&'k ApiKey, String), ToolFailure> {
        let key = ctx.key.as_ref().ok_or(ToolFailure::NoKey)?;
        // Logs and the rate limit know a key only by its salted fingerprint.
        let fp = match &trace.fingerprint {
            Some(fp) => fp.clone(),
            None => {
                let fp = self.fingerprint(key);
                trace.fingerprint = Some(fp.clone());
                fp
            }
        };
        self.rate_limit(ctx, &fp)?;
        Ok((key, fp))
    }

    /// The client address's limit, then the key's. The address comes first: inventing a new
    /// key per call must not escape a limit.
    fn rate_limit(&self, ctx: &RequestContext, fp: &str) -> Result<(), ToolFailure> {
        let address = ctx.peer.map(address_key);
        if let Some((limiter, address)) = self.address_limiter.as_ref().zip(address.as_ref())
            && let Err(retry_after) = limiter.check(address)
        {
            tracing::info!(key = %fp, %address, outcome = "rate_limited", "tool call rejected");
            return Err(ToolFailure::RateLimited {
                retry_after,
                by: LimitedBy::Address,
            });
        }
        if let Some(retry_after) = self.limiter.as_ref().and_then(|l| l.check(fp).err()) {
            tracing::info!(key = %fp, outcome = "rate_limited", "tool call rejected");
            return Err(ToolFailure::RateLimited {
                retry_after,
                by: LimitedBy::Key,
            });
        }
        Ok(())
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
        self.call_reaching(ctx, name, args, confirmation, progress, Reach::All)
            .await
    }

    /// [`call`](Self::call), through a tool that may make only the calls `reach` allows.
    pub async fn call_reaching(
        &self,
        ctx: &RequestContext,
        name: &str,
        args: Map<String, Value>,
        confirmation: &Confirmation,
        progress: &dyn Progress,
        reach: Reach,
    ) -> Result<CallOutcome, ToolFailure> {
        let mut trace = Trace::new(self.auditor.as_ref());
        let result = self
            .run(
                ctx,
                name,
                &args,
                Terms {
                    confirmation,
                    progress,
                    reach,
                },
                &mut trace,
            )
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
        terms: Terms<'_>,
        trace: &mut Trace<'p>,
    ) -> Result<CallOutcome, ToolFailure> {
        let Terms {
            confirmation,
            progress,
            reach,
        } = terms;
        // Who, before anything can refuse the call: its line names the key either way.
        if let Some(key) = &ctx.key {
            trace.fingerprint = Some(self.fingerprint(key));
        }
        let entry = self
            .inventory
            .get(name)
            .ok_or_else(|| ToolFailure::UnknownTool {
                name: name.to_owned(),
            })?;
        trace.found(entry);
        self.check(ctx, entry)?;
        let f = entry.function;
        let read_only = self.inventory.read_only(&ctx.scope);
        let (key, fp) = self.admit(ctx, trace)?;
        if let Err(retry_after) = self.rejected.check(key) {
            tracing::info!(key = %fp, outcome = "key_rejected", "tool call rejected");
            return Err(ToolFailure::KeyRejected { retry_after });
        }
        let args = match &ctx.arguments_problem {
            Some(problem) => Err(Problems::one(problem.clone())),
            None => entry.validate(read_only, args),
        };
        let args = args.map_err(|problems| {
            tracing::info!(key = %fp, outcome = "invalid_arguments", "tool call rejected");
            ToolFailure::InvalidArguments {
                tool: entry.name.clone(),
                problems,
            }
        })?;
        if f.kind == Kind::Report {
            let problems = reports::check(f.name, &args);
            if !problems.is_empty() {
                return Err(ToolFailure::InvalidArguments {
                    tool: entry.name.clone(),
                    problems: problems.into(),
                });
            }
        }
        let now = chrono::Utc::now().naive_utc();
        if let Some(problem) = crate::window::inverted(f.params, &args, now)
            .or_else(|| crate::window::passed(f.params, &args, now))
        {
            return Err(ToolFailure::InvalidArguments {
                tool: entry.name.clone(),
                problems: Problems::one(problem),
            });
        }
        // Some writes are destructive only with some values (cancelling a delivery): those are
        // read as they go to Digistore24.
        let destroys = match f.destructive_when {
            Some(_) => f.destroys(&encode_form(&args)),
            None => f.effect == Effect::Destructive,
        };
        if destroys && reach == Reach::NotDestructive {
            return Err(ToolFailure::InvalidArguments {
                tool: compact::CALL.to_owned(),
                problems: Problems::one(format!(
                    "`{}` {}: call it with {}, which the client asks the user to approve",
                    entry.name,
                    if f.effect == Effect::Destructive {
                        "deletes or moves money"
                    } else {
                        "is destructive with these arguments"
                    },
                    compact::CALL_DESTRUCTIVE
                )),
            });
        }
        // A client that cannot be asked relies on its own approval prompt: nothing to build.
        if destroys && !matches!(confirmation, Confirmation::Unavailable) {
            let title = f.title_text();
            // Destructive only with these values: the question says what they do (a cancelled
            // delivery, not only "update a delivery").
            let summary = match f.destructive_when {
                Some(when) => format!(
                    "{}. Destructive when {}",
                    f.summary.trim_end_matches('.'),
                    when.words
                ),
                None => f.summary.to_owned(),
            };
            match self
                .confirmer
                .decide(f.name, &title, &summary, &args, &fp, confirmation)?
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
        // One slot per call; a report holds its one slot while it pages.
        let Ok(Ok(_slot)) = tokio::time::timeout(SLOT_WAIT, self.upstream_slots.acquire()).await
        else {
            tracing::warn!(key = %fp, outcome = "busy", "tool call rejected: no upstream slot");
            return Err(ToolFailure::Busy);
        };
        self.audit_ahead(ctx, entry, &fp, writes, &args, trace)
            .await?;
        let started = Instant::now();
        tracing::debug!(function = f.name, "calling Digistore24");
        trace.sent = true;
        let outcome = match (f.kind, reports::find(f.name)) {
            (Kind::Report, Some(report)) => {
                match reports::run(report, &*self.upstream, key, &args, self.reports, progress)
                    .await
                {
                    Ok(data) => Ok(ds24_client::Answer::from(data)),
                    Err(reports::Failure::Upstream(error)) => Err(error),
                    Err(reports::Failure::Arguments(problem)) => {
                        tracing::info!(key = %fp, function = f.name, outcome = "invalid_arguments", "report refused: a field no row has");
                        return Err(ToolFailure::ReportArguments {
                            tool: entry.name.clone(),
                            problem,
                        });
                    }
                }
            }
            _ => {
                self.upstream
                    .call(f.name, key, encode_form(&args), retry)
                    .await
            }
        };
        let ms = millis(started.elapsed());
        match outcome {
            Ok(data) if let Some(failure) = failure::not_done(&entry.name, f, &data) => {
                tracing::info!(key = %fp, function = f.name, ms, outcome = "not_done", "tool call");
                Err(failure)
            }
            Ok(data) => {
                tracing::info!(key = %fp, function = f.name, ms, outcome = "ok", "tool call");
                Ok(CallOutcome::Done(crate::shape::shape(
                    data,
                    self.max_result_bytes,
                    paging(f, &args),
                )))
            }
            Err(error) => {
                // The log names the failure as the audit line and the metrics do.
                let outcome = failure::upstream_kind(&error);
                tracing::info!(key = %fp, function = f.name, ms, outcome, error = %error, "tool call");
                if let CallError::Api {
                    kind: Some(ErrorCode::BadApiKey),
                    ..
                } = error
                {
                    self.rejected.remember(key);
                }
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
            audit::masked_arguments(Some(entry.function), args),
        );
        match auditor.ahead(&head, trace.started).await {
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
        crate::telemetry::tool_call(trace.label(), kind);
        let Some(auditor) = &self.auditor else {
            return;
        };
        let outcome = audit::Outcome {
            kind,
            code,
            sent: trace.sent,
            duration: elapsed,
        };
        if let Some(pending) = trace.pending.take() {
            if let Err(e) = auditor.complete(pending, outcome).await {
                crate::telemetry::audit_failure();
                // The line is in the file, still `pending`; its outcome goes to the log.
                tracing::warn!(error = %e, tool = name, outcome = kind, code, request_id = ctx.request_id.as_deref(), "audit line not completed");
            }
        } else if auditor.covers(trace.writes, kind == "ok")
            && (trace.sent || kind == "ok" || self.refusal_line_allowed(ctx))
        {
            let head = trace.head.take().unwrap_or_else(|| {
                let arguments = if trace.local.is_some() {
                    audit::masked_compact_arguments(trace.function, raw_args)
                } else {
                    audit::masked_arguments(trace.function, raw_args)
                };
                audit::head(
                    ctx,
                    trace.fingerprint.as_deref(),
                    trace.entry.map_or(name, |e| e.name.as_str()),
                    trace.function,
                    trace.writes,
                    arguments,
                )
            });
            if let Err(e) = auditor.finish(&head, outcome).await {
                crate::telemetry::audit_failure();
                // Nothing is lost: the record (fingerprint and masked arguments only, never
                // the key) goes to the log instead.
                let mut record = head;
                record.insert("sent".into(), Value::from(trace.sent));
                record.insert("outcome".into(), Value::from(kind));
                record.insert("code".into(), code.map_or(Value::Null, Value::from));
                let record = Value::Object(record);
                tracing::warn!(error = %e, %record, "audit line not written");
            }
        }
    }

    /// Whether this request may call the tool: enabled, not narrowed out, not a write on a
    /// read-only connection.
    fn check(&self, ctx: &RequestContext, entry: &ToolEntry) -> Result<(), ToolFailure> {
        let inventory = &self.inventory;
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
        Ok(())
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
