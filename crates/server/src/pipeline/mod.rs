//! The call pipeline: one path from a tool call to Digistore24 and back, the same for every
//! front door and every way of naming a tool.
//!
//! Data flows one way: find the tool → check it may be called here (enabled, not narrowed out,
//! not a write on a read-only connection) → take the key → rate limit → validate and
//! normalise the arguments → confirm if destructive → encode → call → shape. Each step either
//! passes the call on or stops it with a [`ToolFailure`]; nothing reaches Digistore24 unless
//! every step before the call passed.

mod confirm;
mod failure;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ds24_catalog::Effect;
use ds24_client::{ApiKey, Retry, encode_form};
use serde_json::{Map, Value};

pub use confirm::{Confirmation, Confirmer, DEFAULT_TTL, Question};
pub use failure::ToolFailure;

use crate::context::RequestContext;
use crate::limit::RateLimiter;
use crate::tools::{Inventory, Problems, ToolEntry};
use crate::upstream::Upstream;

/// What a call produced when it did not fail.
#[derive(Debug)]
pub enum CallOutcome {
    /// Digistore24's data, shaped for the model.
    Done(Value),
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
    max_result_bytes: usize,
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
        }
    }

    /// The salted fingerprint of a key, for logs.
    pub fn fingerprint(&self, key: &ApiKey) -> String {
        self.fingerprints.of(key)
    }

    /// Runs one tool call.
    pub async fn call(
        &self,
        ctx: &RequestContext,
        name: &str,
        args: Map<String, Value>,
        confirmation: &Confirmation,
    ) -> Result<CallOutcome, ToolFailure> {
        let entry = self.find(ctx, name)?;
        let read_only = self.inventory.read_only(&ctx.scope);
        let key = ctx.key.as_ref().ok_or(ToolFailure::NoKey)?;
        // Logs and the rate limit know a key only by its salted fingerprint.
        let fp = self.fingerprint(key);
        if let Some(retry_after) = self.limiter.as_ref().and_then(|l| l.check(&fp).err()) {
            tracing::info!(key = %fp, outcome = "rate_limited", "tool call rejected");
            return Err(ToolFailure::RateLimited { retry_after });
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
        let started = Instant::now();
        tracing::debug!(function = f.name, "calling Digistore24");
        let outcome = self
            .upstream
            .call(f.name, key, encode_form(&args), retry)
            .await;
        let ms = millis(started.elapsed());
        match outcome {
            Ok(data) => {
                tracing::info!(key = %fp, ms, outcome = "ok", "tool call");
                Ok(CallOutcome::Done(crate::shape::shape(
                    data,
                    self.max_result_bytes,
                )))
            }
            Err(error) => {
                tracing::info!(key = %fp, ms, outcome = "error", error = %error, "tool call");
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
            });
        }
        Ok(entry)
    }
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
