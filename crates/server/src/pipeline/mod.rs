//! The call pipeline: one path from a tool call to Digistore24 and back, the same for every
//! front door and every way of naming a tool.
//!
//! Data flows one way: find the tool → check it may be called here (enabled, not narrowed out,
//! not a write on a read-only connection) → take the key → rate limit (client address, then
//! key) → refuse a key Digistore24 just rejected → validate and normalise the arguments →
//! confirm if destructive → encode → wait for an upstream slot → call → shape. Each step either
//! passes the call on or stops it with a [`ToolFailure`]; nothing reaches Digistore24 unless
//! every step before the call passed.

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

use crate::context::RequestContext;
use crate::limit::{RateLimiter, address_key};
use crate::reports;
pub use crate::reports::{NoProgress, Progress};
use crate::tools::{Inventory, Problems, ToolEntry};
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
    report_max_rows: u64,
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
            address_limiter: parts.address_limiter,
            rejected: parts.rejected,
            upstream_slots: Semaphore::new(
                parts
                    .max_upstream_concurrency
                    .clamp(1, Semaphore::MAX_PERMITS),
            ),
            max_result_bytes: parts.max_result_bytes,
            report_max_rows: parts.report_max_rows,
        }
    }

    /// Admits a request that does not go upstream (compact mode's search and describe): it
    /// needs a key and counts against the key's rate limit like a call.
    pub fn admit(&self, ctx: &RequestContext) -> Result<(), ToolFailure> {
        let key = ctx.key.as_ref().ok_or(ToolFailure::NoKey)?;
        let fp = self.fingerprint(key);
        self.rate_limit(ctx, &fp)
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

    /// Runs one tool call. Long calls (reports) tell `progress` how far they got.
    pub async fn call(
        &self,
        ctx: &RequestContext,
        name: &str,
        args: Map<String, Value>,
        confirmation: &Confirmation,
        progress: &dyn Progress,
    ) -> Result<CallOutcome, ToolFailure> {
        let entry = self.find(ctx, name)?;
        let read_only = self.inventory.read_only(&ctx.scope);
        let key = ctx.key.as_ref().ok_or(ToolFailure::NoKey)?;
        // Logs and the rate limit know a key only by its salted fingerprint.
        let fp = self.fingerprint(key);
        self.rate_limit(ctx, &fp)?;
        if let Err(retry_after) = self.rejected.check(key) {
            tracing::info!(key = %fp, outcome = "key_rejected", "tool call rejected");
            return Err(ToolFailure::KeyRejected { retry_after });
        }
        let args = match &ctx.arguments_problem {
            Some(problem) => Err(Problems::one(problem.clone())),
            None => entry.validate(read_only, &args),
        };
        let args = args.map_err(|problems| {
            tracing::info!(key = %fp, outcome = "invalid_arguments", "tool call rejected");
            ToolFailure::InvalidArguments {
                tool: entry.name.clone(),
                problems,
            }
        })?;
        let f = entry.function;
        if f.kind == Kind::Report {
            let problems = reports::check(&args);
            if !problems.is_empty() {
                return Err(ToolFailure::InvalidArguments {
                    tool: entry.name.clone(),
                    problems: problems.into(),
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
        // for retries and hints.
        let writes = f.writes()
            || f.params
                .iter()
                .any(|p| p.mutating && args.get(p.name).is_some_and(|v| !is_off(v)));
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
        let started = Instant::now();
        tracing::debug!(function = f.name, "calling Digistore24");
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
        let ms = millis(started.elapsed());
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
