//! The audit trail: one JSON line per tool call that changes data or is refused (every call
//! with `--audit all`), for vendors who must record who used the agent and what it did.
//!
//! Why it looks the way it does:
//! - **Exactly one line per call, written before a write reaches Digistore24.** A call that
//!   goes upstream gets its line *before* it is sent, with a fixed-width tail that reads
//!   `"outcome":"pending"`; when Digistore24 answers, the tail is overwritten in place with the
//!   outcome and duration (a positioned write inside bytes already on disk, so it needs no new
//!   space). A crash between the two leaves an honest `pending` line: the call was sent, its
//!   outcome is unknown. Calls that never reach Digistore24 (refusals) get their one line at the
//!   end. So every call has one line, and no write is sent without one.
//! - **`--audit-required`**: if the line cannot be written before the call (disk full, file
//!   gone, writer stopped), the write is refused with [`AuditError`] and nothing is sent.
//!   Without it, the call goes on and the record goes to the log instead, at `warn`.
//! - **Never the key, masked personal data.** Lines carry the salted key fingerprint; argument
//!   values of parameters the catalog marks [`ds24_catalog::Param::personal`], and of any
//!   parameter the catalog does not know, are masked; long text is cut.
//! - **Bounded.** The file rotates by size (`--audit-max-bytes`, `--audit-keep` old files);
//!   one dedicated writer thread does the blocking file I/O, so request tasks never block on
//!   the disk.
//!
//! With `--audit-log -` lines go to stderr, which cannot be rewritten: there each call's one
//! line is written when its outcome is known, and `--audit-required` refuses writes once a
//! write to stderr has failed.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use ds24_catalog::{Function, Param, Ty};
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

use crate::context::RequestContext;

/// Where audit lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditSink {
    /// Standard error (`--audit-log -`).
    Stderr,
    /// A file, rotated by size.
    File(PathBuf),
}

/// Which calls are audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AuditScope {
    /// Calls that change data (or could), and every call that did not succeed.
    #[default]
    Writes,
    /// Every tool call.
    All,
}

/// How the audit trail is set up.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// Where lines go.
    pub sink: AuditSink,
    /// Which calls get a line.
    pub scope: AuditScope,
    /// Rotate the file before it grows beyond this many bytes (0: never).
    pub max_bytes: u64,
    /// How many rotated files to keep (`PATH.1` newest … `PATH.N`).
    pub keep: usize,
    /// Refuse writes that cannot be audited.
    pub required: bool,
}

/// The audit trail could not take a line.
#[derive(Debug, thiserror::Error)]
#[error("the audit log cannot be written: {0}")]
pub struct AuditError(String);

/// A line written ahead of its call, waiting for the outcome.
#[derive(Debug)]
pub struct Pending {
    file: Arc<File>,
    offset: u64,
}

/// What happened to an audited call.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    /// `ok`, `confirmation_requested`, or a [`crate::pipeline::ToolFailure::kind`].
    pub kind: &'a str,
    /// Digistore24's error code, when it answered with one.
    pub code: Option<i64>,
    /// How long the call took.
    pub duration: Duration,
}

/// Width of the rewritable tail of a line written ahead: enough for the longest outcome
/// name, any `i64` code and any `u64` duration (checked by a test).
const TAIL_WIDTH: usize = 128;
/// Longest text value kept in an audit line; longer values are cut.
const MAX_TEXT: usize = 256;
/// Largest `arguments` object kept, in bytes of JSON; larger ones are summarised.
const MAX_ARGS_BYTES: usize = 8 * 1024;
/// What masked values read.
const MASK: &str = "***";

enum Command {
    /// Append a line. With `ahead`, the line ends in a pending tail to be completed later.
    Append {
        line: Vec<u8>,
        ahead: bool,
        reply: oneshot::Sender<Result<Option<Pending>, String>>,
    },
    /// Rewrite the tail of a line written ahead.
    Complete {
        pending: Pending,
        tail: Vec<u8>,
        reply: oneshot::Sender<Result<(), String>>,
    },
}

/// The audit trail: decides which calls get a line, formats it, hands it to the writer thread.
#[derive(Debug)]
pub struct Auditor {
    tx: mpsc::Sender<Command>,
    scope: AuditScope,
    required: bool,
}

impl Auditor {
    /// Opens the sink (creating the file) and starts the writer thread.
    pub fn start(config: &AuditConfig) -> Result<Self, AuditError> {
        let mut sink = match &config.sink {
            AuditSink::Stderr => Sink::Stderr { failed: false },
            AuditSink::File(path) => Sink::File(
                RotatingFile::open(path, config.max_bytes, config.keep)
                    .map_err(|e| AuditError(format!("{}: {e}", path.display())))?,
            ),
        };
        let required = config.required;
        let (tx, rx) = mpsc::channel::<Command>();
        std::thread::Builder::new()
            .name("ds24-audit".into())
            .spawn(move || {
                while let Ok(command) = rx.recv() {
                    match command {
                        Command::Append { line, ahead, reply } => {
                            let _ = reply.send(sink.append(&line, ahead, required));
                        }
                        Command::Complete {
                            pending,
                            tail,
                            reply,
                        } => {
                            let _ = reply.send(complete(&pending, &tail, required));
                        }
                    }
                }
            })
            .map_err(|e| AuditError(format!("cannot start the audit writer: {e}")))?;
        Ok(Self {
            tx,
            scope: config.scope,
            required,
        })
    }

    /// Whether a call gets a line: writes always, everything with `--audit all`, and every
    /// call that did not succeed.
    pub fn covers(&self, writes: bool, succeeded: bool) -> bool {
        writes || !succeeded || self.scope == AuditScope::All
    }

    /// Whether writes that cannot be audited are refused.
    pub fn required(&self) -> bool {
        self.required
    }

    /// Writes the line of a call that is about to be sent upstream, ahead of the call.
    /// `Ok(None)` when the sink cannot be rewritten (stderr): the caller writes the whole line
    /// with [`finish`](Self::finish) instead.
    pub async fn ahead(&self, head: &Map<String, Value>) -> Result<Option<Pending>, AuditError> {
        let mut line = head_bytes(head);
        line.extend_from_slice(&pad(tail("pending", None, None)));
        line.extend_from_slice(b"}\n");
        let (reply, answer) = oneshot::channel();
        self.send(Command::Append {
            line,
            ahead: true,
            reply,
        })?;
        answer
            .await
            .map_err(|_| AuditError("the audit writer stopped".into()))?
            .map_err(AuditError)
    }

    /// Completes a line written ahead with the call's outcome.
    pub async fn complete(&self, pending: Pending, outcome: Outcome<'_>) -> Result<(), AuditError> {
        let tail = pad(tail(
            outcome.kind,
            outcome.code,
            Some(millis(outcome.duration)),
        ));
        let (reply, answer) = oneshot::channel();
        self.send(Command::Complete {
            pending,
            tail,
            reply,
        })?;
        answer
            .await
            .map_err(|_| AuditError("the audit writer stopped".into()))?
            .map_err(AuditError)
    }

    /// Completes a line written ahead without waiting (for a call whose future was dropped).
    pub fn abandon(&self, pending: Pending, outcome: Outcome<'_>) {
        let tail = pad(tail(
            outcome.kind,
            outcome.code,
            Some(millis(outcome.duration)),
        ));
        let (reply, _) = oneshot::channel();
        if self
            .send(Command::Complete {
                pending,
                tail,
                reply,
            })
            .is_err()
        {
            tracing::warn!("audit line of a cancelled call not completed: the writer stopped");
        }
    }

    /// Writes a whole line without waiting (for a call whose future was dropped).
    pub fn abandon_whole(&self, head: &Map<String, Value>, outcome: Outcome<'_>) {
        let (reply, _) = oneshot::channel();
        if self
            .send(Command::Append {
                line: whole_line(head, outcome),
                ahead: false,
                reply,
            })
            .is_err()
        {
            tracing::warn!("audit line of a cancelled call not written: the writer stopped");
        }
    }

    /// Writes the whole line of a call whose outcome is known.
    pub async fn finish(
        &self,
        head: &Map<String, Value>,
        outcome: Outcome<'_>,
    ) -> Result<(), AuditError> {
        let mut line = head_bytes(head);
        line.extend_from_slice(
            tail(outcome.kind, outcome.code, Some(millis(outcome.duration))).as_bytes(),
        );
        line.extend_from_slice(b"}\n");
        let (reply, answer) = oneshot::channel();
        self.send(Command::Append {
            line,
            ahead: false,
            reply,
        })?;
        answer
            .await
            .map_err(|_| AuditError("the audit writer stopped".into()))?
            .map(|_| ())
            .map_err(AuditError)
    }

    fn send(&self, command: Command) -> Result<(), AuditError> {
        self.tx
            .send(command)
            .map_err(|_| AuditError("the audit writer stopped".into()))
    }
}

/// The fields of a line that are known before the call: who, what, with which arguments.
pub fn head(
    ctx: &RequestContext,
    key_fingerprint: Option<&str>,
    tool: &str,
    function: Option<&'static Function>,
    writes: bool,
    sent: bool,
    args: &Map<String, Value>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "time".into(),
        json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
    );
    m.insert("request_id".into(), json!(ctx.request_id));
    m.insert("key".into(), json!(key_fingerprint));
    m.insert("operator".into(), json!(ctx.operator));
    m.insert(
        "client".into(),
        match &ctx.client {
            Some(c) => json!({"name": cut(&c.name), "version": cut(&c.version)}),
            None => Value::Null,
        },
    );
    if ctx.client.is_none() {
        // Legacy stateless HTTP requests carry clientInfo only in `initialize`; the User-Agent
        // is the next best thing, and labelled as what it is.
        if let Some(ua) = &ctx.user_agent {
            m.insert("user_agent".into(), json!(cut(ua)));
        }
    }
    m.insert("peer".into(), json!(ctx.peer.map(|p| p.to_string())));
    m.insert("tool".into(), json!(cut(tool)));
    m.insert("function".into(), json!(function.map(|f| f.name)));
    m.insert("writes".into(), json!(writes));
    m.insert("sent".into(), json!(sent));
    m.insert("arguments".into(), masked_arguments(function, args));
    m
}

/// Arguments as an audit line shows them: values of personal or unknown parameters masked,
/// long text cut, the whole bounded.
pub fn masked_arguments(function: Option<&'static Function>, args: &Map<String, Value>) -> Value {
    let params: &[Param] = function.map_or(&[], |f| f.params);
    let masked = Value::Object(mask_object(params, args));
    let size = serde_json::to_vec(&masked).map_or(usize::MAX, |v| v.len());
    if size > MAX_ARGS_BYTES {
        json!({"_omitted": format!("{size} bytes of arguments")})
    } else {
        masked
    }
}

fn mask_object(params: &[Param], args: &Map<String, Value>) -> Map<String, Value> {
    args.iter()
        .map(|(name, value)| {
            let shown = match params.iter().find(|p| p.name == name) {
                None => mask(value),
                Some(p) => mask_param(p, value),
            };
            (cut(name), shown)
        })
        .collect()
}

fn mask_param(p: &Param, value: &Value) -> Value {
    if p.personal {
        return mask(value);
    }
    match (&p.ty, value) {
        (Ty::Object(fields), Value::Object(map)) if !fields.is_empty() => {
            Value::Object(mask_object(fields, map))
        }
        (Ty::Array(fields), Value::Array(items)) if !fields.is_empty() => Value::Array(
            items
                .iter()
                .map(|item| match item {
                    Value::Object(map) => Value::Object(mask_object(fields, map)),
                    other => mask(other),
                })
                .collect(),
        ),
        // Free-form maps and lists (placeholders, settings) may hold anything: keys are kept,
        // text values cut.
        (_, v) => keep(v),
    }
}

/// A value of a parameter that is not personal data, with long text cut.
fn keep(v: &Value) -> Value {
    match v {
        Value::String(s) => json!(cut(s)),
        Value::Array(items) => Value::Array(items.iter().map(keep).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (cut(k), keep(v))).collect()),
        other => other.clone(),
    }
}

/// A masked value: its shape stays (so the line still says *that* something was given).
fn mask(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Array(items) => Value::Array(items.iter().map(mask).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (cut(k), mask(v))).collect()),
        _ => json!(MASK),
    }
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_TEXT) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The head as JSON without its closing brace, ready for `,` and the tail.
fn head_bytes(head: &Map<String, Value>) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(head).unwrap_or_else(|_| b"{}".to_vec());
    bytes.pop(); // the closing `}`
    if head.is_empty() {
        bytes.push(b' ');
    } else {
        bytes.push(b',');
    }
    bytes
}

fn whole_line(head: &Map<String, Value>, outcome: Outcome<'_>) -> Vec<u8> {
    let mut line = head_bytes(head);
    line.extend_from_slice(
        tail(outcome.kind, outcome.code, Some(millis(outcome.duration))).as_bytes(),
    );
    line.extend_from_slice(b"}\n");
    line
}

fn tail(kind: &str, code: Option<i64>, ms: Option<u64>) -> String {
    format!(
        "\"outcome\":{},\"code\":{},\"duration_ms\":{}",
        json!(kind),
        code.map_or_else(|| "null".to_owned(), |c| c.to_string()),
        ms.map_or_else(|| "null".to_owned(), |m| m.to_string()),
    )
}

/// A tail padded with spaces (insignificant JSON whitespace) to the fixed rewritable width.
fn pad(tail: String) -> Vec<u8> {
    let mut bytes = tail.into_bytes();
    bytes.truncate(TAIL_WIDTH);
    bytes.resize(TAIL_WIDTH, b' ');
    bytes
}

enum Sink {
    Stderr { failed: bool },
    File(RotatingFile),
}

impl Sink {
    fn append(&mut self, line: &[u8], ahead: bool, sync: bool) -> Result<Option<Pending>, String> {
        match self {
            Self::Stderr { failed } => {
                if ahead {
                    // Not rewritable: the line is written whole once the outcome is known.
                    return if *failed {
                        Err("the last write to stderr failed".into())
                    } else {
                        Ok(None)
                    };
                }
                let result = io::stderr().lock().write_all(line);
                *failed = result.is_err();
                result.map(|()| None).map_err(|e| format!("stderr: {e}"))
            }
            Self::File(file) => {
                let (handle, start) = file
                    .append(line, sync)
                    .map_err(|e| format!("{}: {e}", file.path.display()))?;
                // A line written ahead ends in its tail, then `}\n`.
                let tail_at = (start + line.len() as u64).checked_sub(2 + TAIL_WIDTH as u64);
                Ok(ahead.then_some(tail_at).flatten().map(|offset| Pending {
                    file: handle,
                    offset,
                }))
            }
        }
    }
}

fn complete(pending: &Pending, tail: &[u8], sync: bool) -> Result<(), String> {
    // The tail sits just before the closing `}\n`.
    let at = pending.offset;
    write_at(&pending.file, tail, at)
        .and_then(|()| {
            if sync {
                pending.file.sync_data()
            } else {
                Ok(())
            }
        })
        .map_err(|e| e.to_string())
}

/// The audit file, rotated by size: `PATH` is current, `PATH.1` the newest old one.
struct RotatingFile {
    path: PathBuf,
    file: Arc<File>,
    size: u64,
    max_bytes: u64,
    keep: usize,
}

impl RotatingFile {
    fn open(path: &Path, max_bytes: u64, keep: usize) -> io::Result<Self> {
        // Not O_APPEND: on Linux a positioned write to an O_APPEND file appends instead.
        // Positioned writes everywhere (one writer thread) need no shared cursor.
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)?;
        let size = file.metadata()?.len();
        Ok(Self {
            path: path.to_owned(),
            file: Arc::new(file),
            size,
            max_bytes,
            keep,
        })
    }

    /// Appends a line; returns the file it went to and where the line starts.
    fn append(&mut self, line: &[u8], sync: bool) -> io::Result<(Arc<File>, u64)> {
        let len = line.len() as u64;
        if self.max_bytes > 0 && self.size > 0 && self.size + len > self.max_bytes {
            self.rotate()?;
        }
        let start = self.size;
        write_at(&self.file, line, start)?;
        if sync {
            self.file.sync_data()?;
        }
        self.size += len;
        Ok((self.file.clone(), start))
    }

    /// `PATH.(keep-1)` → `PATH.keep`, …, `PATH` → `PATH.1`, then a fresh `PATH`. Lines still
    /// pending in the old file complete there (their file handle stays open).
    fn rotate(&mut self) -> io::Result<()> {
        let numbered = |n: usize| {
            let mut name = self.path.clone().into_os_string();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            for n in (1..self.keep).rev() {
                let from = numbered(n);
                if from.exists() {
                    std::fs::rename(&from, numbered(n + 1))?;
                }
            }
            std::fs::rename(&self.path, numbered(1))?;
        }
        *self = Self::open(&self.path, self.max_bytes, self.keep)?;
        Ok(())
    }
}

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt as _;
    file.write_all_at(buf, offset)
}

#[cfg(windows)]
fn write_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt as _;
    while !buf.is_empty() {
        let n = file.seek_write(buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        buf = &buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
