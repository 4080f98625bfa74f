//! Confirmation of destructive calls, without server-side state.
//!
//! A client that can ask its user (2026-07-28 with elicitation) first gets a question and a
//! sealed [`PendingCall`]; it calls again with the answer and the sealed value. The seal binds the
//! answer to this tool, these exact arguments and this key, and expires; each question carries
//! a random nonce that this process accepts only once, so one "yes" runs the call once (a
//! client's or proxy's retry of an accepted call is refused, not charged twice). Replicas each
//! remember the nonces they accepted, until the question expires.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::failure::ToolFailure;
use crate::seal::Sealer;

/// How long a question stays answerable unless configured otherwise.
pub const DEFAULT_TTL: Duration = Duration::from_secs(600);

/// What the client can do about confirmations, and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// The client cannot ask its user: rely on its own approval prompt (annotations).
    Unavailable,
    /// The client can ask; nothing has been asked yet.
    Available,
    /// The client answers an earlier question.
    Answered {
        /// The sealed state it got with the question.
        state: String,
        /// Whether the user accepted.
        accepted: bool,
    },
}

/// A question for the user, with the state to send back.
#[derive(Debug, Clone)]
pub struct Question {
    /// What the user is asked.
    pub message: String,
    /// The sealed pending call, to be sent back with the answer.
    pub state: String,
}

/// What a pending confirmation is bound to.
#[derive(Serialize, Deserialize, PartialEq, Eq, Debug)]
struct PendingCall {
    tool: String,
    args: String,
    key: String,
    /// Seconds since the epoch when the question was asked.
    iat: u64,
    /// Seconds since the epoch after which the answer is refused.
    exp: u64,
    /// Random; an answer to this question is accepted once.
    nonce: String,
}

/// Issues and checks confirmations.
#[derive(Debug)]
pub struct Confirmer {
    sealer: Sealer,
    ttl: Duration,
    /// Nonces of answered questions, with their expiry (seconds since the epoch).
    answered: Mutex<HashMap<String, u64>>,
}

/// Answered questions remembered at most; expired ones are forgotten first. Beyond it new
/// answers are refused rather than forgetting ones that could still be replayed.
const MAX_REMEMBERED: usize = 100_000;

/// What the confirmation step decided.
#[derive(Debug)]
pub enum Decision {
    /// Go ahead.
    Proceed,
    /// Ask the user first.
    Ask(Question),
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Confirmer {
    /// A confirmer sealing with `sealer`, answers valid for `ttl`.
    pub fn new(sealer: Sealer, ttl: Duration) -> Self {
        Self {
            sealer,
            ttl,
            answered: Mutex::new(HashMap::new()),
        }
    }

    /// Records that the question with `nonce` was answered; false if it already was.
    fn first_answer(&self, nonce: &str, exp: u64) -> Result<bool, ToolFailure> {
        let mut answered = self
            .answered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if answered.contains_key(nonce) {
            return Ok(false);
        }
        if answered.len() >= MAX_REMEMBERED {
            let now = now_secs();
            answered.retain(|_, e| *e >= now);
            if answered.len() >= MAX_REMEMBERED {
                return Err(ToolFailure::BadConfirmation {
                    reason: "cannot be checked right now (too many open confirmations); try again in a few minutes",
                });
            }
        }
        answered.insert(nonce.to_owned(), exp);
        Ok(true)
    }

    /// Decides for one destructive call.
    pub fn decide(
        &self,
        tool: &str,
        title: &str,
        summary: &str,
        args: &Map<String, Value>,
        key_fingerprint: &str,
        confirmation: &Confirmation,
    ) -> Result<Decision, ToolFailure> {
        let args_text = Value::Object(args.clone()).to_string();
        match confirmation {
            Confirmation::Unavailable => Ok(Decision::Proceed),
            Confirmation::Available => {
                let iat = now_secs();
                let mut nonce = [0u8; 16];
                getrandom::fill(&mut nonce).map_err(|_| ToolFailure::BadConfirmation {
                    reason: "could not be created; try again",
                })?;
                let pending = PendingCall {
                    tool: tool.to_owned(),
                    args: args_text,
                    key: key_fingerprint.to_owned(),
                    iat,
                    exp: iat.saturating_add(self.ttl.as_secs()),
                    nonce: nonce.iter().map(|b| format!("{b:02x}")).collect(),
                };
                let state =
                    self.sealer
                        .seal(&pending)
                        .map_err(|_| ToolFailure::BadConfirmation {
                            reason: "could not be created; try again",
                        })?;
                Ok(Decision::Ask(Question {
                    message: format!(
                        "{title} cannot be undone ({summary}). Call it with {}?",
                        pending.args
                    ),
                    state,
                }))
            }
            Confirmation::Answered { state, accepted } => {
                let pending: PendingCall =
                    self.sealer
                        .open(state)
                        .map_err(|_| ToolFailure::BadConfirmation {
                            reason: "is invalid or was tampered with",
                        })?;
                if pending.tool != tool
                    || pending.args != args_text
                    || pending.key != key_fingerprint
                {
                    return Err(ToolFailure::BadConfirmation {
                        reason: "belongs to a different call",
                    });
                }
                if now_secs() >= pending.exp {
                    return Err(ToolFailure::BadConfirmation {
                        reason: "has expired: call the tool again without it to be asked anew",
                    });
                }
                if !self.first_answer(&pending.nonce, pending.exp)? {
                    return Err(ToolFailure::BadConfirmation {
                        reason: "was already answered: the call ran (or was declined) once; call the tool again without it to be asked anew",
                    });
                }
                if *accepted {
                    Ok(Decision::Proceed)
                } else {
                    Err(ToolFailure::Declined {
                        tool: tool.to_owned(),
                    })
                }
            }
        }
    }
}
