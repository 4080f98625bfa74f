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

/// Most characters of the arguments a question shows: a person reads it, and a destructive
/// call's arguments (ids, amounts, a code) fit many times over.
const SHOWN_ARGS_CHARS: usize = 2_000;

/// The arguments as the question shows them: whole, or their start and how much is not shown.
fn shown(args_text: &str) -> String {
    match args_text.char_indices().nth(SHOWN_ARGS_CHARS) {
        None => args_text.to_owned(),
        Some((at, _)) => format!(
            "{}… ({} more characters not shown)",
            &args_text[..at],
            args_text[at..].chars().count()
        ),
    }
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
                    message: format!(
                        "{title} cannot be undone ({summary}). Call it with {}?",
                        shown(&args_text)
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
    /// the argument limits (about 1 MiB) to the user and to the client and back.
    #[test]
    fn large_arguments_keep_the_question_and_the_state_small_and_still_bind() {
        let c = confirmer();
        let big = |tail: &str| -> Map<String, Value> {
            json!({"code": "X", "note": format!("{}{tail}", "a".repeat(500_000))})
                .as_object()
                .unwrap()
                .clone()
        };
        let asked = c
            .decide(
                "deleteVoucher",
                "Delete voucher",
                "s",
                &big("1"),
                "fp",
                &Confirmation::Available,
            )
            .unwrap();
        let Decision::Ask(question) = asked else {
            panic!("a question");
        };
        assert!(question.message.len() < 3_000, "{}", question.message.len());
        assert!(question.message.contains("more characters not shown"));
        assert!(question.state.len() < 1_000, "{}", question.state.len());
        // The seal still binds the exact arguments: one character further on is another call.
        let answer = |state: &str| Confirmation::Answered {
            state: state.to_owned(),
            accepted: true,
        };
        let other = c.decide(
            "deleteVoucher",
            "Delete voucher",
            "s",
            &big("2"),
            "fp",
            &answer(&question.state),
        );
        assert!(other.is_err());
        let same = c.decide(
            "deleteVoucher",
            "Delete voucher",
            "s",
            &big("1"),
            "fp",
            &answer(&question.state),
        );
        assert!(matches!(same, Ok(Decision::Proceed)));
    }
}
