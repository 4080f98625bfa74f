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
    /// SHA-256 of the arguments as compact JSON: binds the answer to them exactly, at a fixed
    /// size (the arguments themselves may be up to the argument limits, about 1 MiB of text,
    /// which the state would carry to the client and back).
    args_sha256: String,
    key: String,
    /// Milliseconds since the epoch when the question was asked.
    iat: u64,
    /// Milliseconds since the epoch from which the answer is refused.
    exp: u64,
    /// Random; an answer to this question is accepted once.
    nonce: String,
}

/// Most characters of one text value a question shows: an order id, an amount, a code or a
/// date fits many times over; a long free text is cut, value by value, never the whole.
const SHOWN_TEXT_CHARS: usize = 200;
/// Most characters of a whole question's arguments. Beyond it nothing is asked at all: a
/// prefix would let the order of the arguments (the model's choice) hide the ids and amounts
/// the user approves.
const SHOWN_ARGS_CHARS: usize = 6_000;

/// The arguments as the question shows them: every field, with each long text cut on its
/// own; `None` when even that is too long to show in full.
fn shown(args: &Map<String, Value>) -> Option<String> {
    fn cut(value: &Value) -> Value {
        match value {
            Value::String(text) => match text.char_indices().nth(SHOWN_TEXT_CHARS) {
                Some((at, _)) => Value::String(format!(
                    "{}… ({} more characters)",
                    &text[..at],
                    text[at..].chars().count()
                )),
                None => value.clone(),
            },
            Value::Array(items) => Value::Array(items.iter().map(cut).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), cut(v))).collect())
            }
            other => other.clone(),
        }
    }
    let text = Value::Object(args.iter().map(|(k, v)| (k.clone(), cut(v))).collect()).to_string();
    (text.chars().count() <= SHOWN_ARGS_CHARS).then_some(text)
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
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
            let now = now_millis();
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
        // The exact arguments, only where a question is asked or answered (a client without
        // confirmation pays nothing for it).
        let args_text = || Value::Object(args.clone()).to_string();
        match confirmation {
            Confirmation::Unavailable => Ok(Decision::Proceed),
            Confirmation::Available => {
                // Everything the user approves is shown, or nothing is asked.
                let shown = shown(args).ok_or(ToolFailure::BadConfirmation {
                    reason: "cannot be asked: the arguments are too long to show the user in full; shorten the free-text fields",
                })?;
                let args_text = args_text();
                let iat = now_millis();
                let mut nonce = [0u8; 16];
                getrandom::fill(&mut nonce).map_err(|_| ToolFailure::BadConfirmation {
                    reason: "could not be created; try again",
                })?;
                let pending = PendingCall {
                    tool: tool.to_owned(),
                    args_sha256: sha256_hex(&args_text),
                    key: key_fingerprint.to_owned(),
                    iat,
                    exp: iat
                        .saturating_add(u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX)),
                    nonce: nonce.iter().map(|b| format!("{b:02x}")).collect(),
                };
                let state =
                    self.sealer
                        .seal(&pending)
                        .map_err(|_| ToolFailure::BadConfirmation {
                            reason: "could not be created; try again",
                        })?;
                Ok(Decision::Ask(Question {
                    message: format!("{title} cannot be undone ({summary}). Call it with {shown}?"),
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
                    || pending.args_sha256 != sha256_hex(&args_text())
                    || pending.key != key_fingerprint
                {
                    return Err(ToolFailure::BadConfirmation {
                        reason: "belongs to a different call",
                    });
                }
                if now_millis() >= pending.exp {
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

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::{Confirmation, Confirmer, DEFAULT_TTL, Decision};
    use crate::seal::StateSecret;

    fn confirmer() -> Confirmer {
        let secret = StateSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
        Confirmer::new(secret.sealer("confirmation"), DEFAULT_TTL)
    }

    /// Code review 14: the question and the sealed state carried the arguments whole, up to
    /// the argument limits (about 1 MiB), to the user and to the client and back. Diff review 3
    /// (1): a question cut after a prefix let a long text sent first hide the order and the
    /// amount; every field is shown, each long text cut on its own.
    #[test]
    fn large_arguments_keep_the_question_and_the_state_small_and_still_bind() {
        let c = confirmer();
        let args = |tail: &str| -> Map<String, Value> {
            json!({
                "placeholders": {"note": format!("{}{tail}", "Routine follow-up. ".repeat(30_000))},
                "purchase_id": "VICTIM123",
                "payment_plan": {"first_amount": 4999, "currency": "EUR"}
            })
            .as_object()
            .unwrap()
            .clone()
        };
        let asked = c
            .decide(
                "createBillingOnDemand",
                "Create billing on demand",
                "s",
                &args("1"),
                "fp",
                &Confirmation::Available,
            )
            .unwrap();
        let Decision::Ask(question) = asked else {
            panic!("a question");
        };
        let message = &question.message;
        assert!(message.len() < 1_000, "{}", message.len());
        for shown in ["VICTIM123", "4999", "EUR", "more characters"] {
            assert!(message.contains(shown), "{shown}: {message}");
        }
        assert!(question.state.len() < 1_000, "{}", question.state.len());
        // The seal still binds the exact arguments: one character further on is another call.
        let answer = |state: &str| Confirmation::Answered {
            state: state.to_owned(),
            accepted: true,
        };
        let other = c.decide(
            "createBillingOnDemand",
            "t",
            "s",
            &args("2"),
            "fp",
            &answer(&question.state),
        );
        assert!(other.is_err());
        let same = c.decide(
            "createBillingOnDemand",
            "t",
            "s",
            &args("1"),
            "fp",
            &answer(&question.state),
        );
        assert!(matches!(same, Ok(Decision::Proceed)));
        // Too many fields to show in full: nothing is asked, so nothing unseen is approved.
        let many: Map<String, Value> = (0..200)
            .map(|i| (format!("field_{i}"), Value::String("x".repeat(100))))
            .collect();
        let refused = c.decide("t", "t", "s", &many, "fp", &Confirmation::Available);
        assert!(refused.is_err());
    }
}
