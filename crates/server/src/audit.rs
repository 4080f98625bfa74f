//! The audit trail: one JSON line per tool call that changes data or is refused (every call
//! with `--audit all`), for vendors who must record who used the agent and what it did.
//!
//! Why it looks the way it does:
//! - **Exactly one line per call, written before a write reaches Digistore24.** A call that
//!   goes upstream gets its line *before* it is sent, with a fixed-width tail that reads
//!   `"sent":true,"outcome":"pending"`; when Digistore24 answers, the tail is overwritten in
//!   place with the outcome and duration (a positioned write inside bytes already on disk, so
//!   it needs no new space). A crash between the two leaves an honest `pending` line: the call
//!   was sent (or about to be), its outcome is unknown. Calls that never reach Digistore24 (refusals) get their one line at the
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
//! - **Outside tools may rotate it too.** Before each line the writer checks that `PATH` is
//!   still the file it holds open: moved away or removed (logrotate's default), it starts a new
//!   `PATH`; truncated in place (`copytruncate`), lines land at the new end, since appends use
//!   `O_APPEND`. A line written ahead is completed in place only if it is still there, byte
//!   for byte; otherwise (cut away, or its file removed) the outcome gets a line of its own in
//!   the current file, marked `"completes":"pending"`.
//! - **A call that goes away is still completed.** A line written ahead whose call is dropped
//!   before it learns the line was written (the request's task was cancelled) completes itself
//!   as `cancelled`, not sent: [`Pending`] does that when dropped.
//!
//! With `--audit-log -` lines go to stderr, which cannot be rewritten: there each call's one
//! line is written when its outcome is known, and `--audit-required` refuses writes once a
//! write to stderr has failed.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

/// A line written ahead of its call, waiting for the outcome. Completed with
/// [`Auditor::complete`] or [`Auditor::abandon`]; dropped without either (its call went away
/// before it could use it), it completes its line as `cancelled`, not sent: a line written
/// ahead never stays `pending` while the server runs on.
#[derive(Debug)]
pub struct Pending {
    /// The line; `None` once handed back to the writer.
    written: Option<Written>,
    /// The writer, for the completion on drop.
    writer: mpsc::Sender<Command>,
}

impl Pending {
    /// The line, for its completion (after this, dropping `self` does nothing).
    fn take(mut self) -> Option<Written> {
        self.written.take()
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(written) = self.written.take() {
            let tail = written.cancelled_tail();
            let (reply, _) = oneshot::channel();
            // If the writer is gone, nothing can complete the line.
            let _ = self.writer.send(Command::Complete {
                written,
                tail,
                reply,
            });
        }
    }
}

/// Where a line written ahead went, and what it says, so it can be found again.
#[derive(Debug)]
struct Written {
    /// The file it went to, held open: it completes there even after rotation.
    file: Arc<File>,
    /// Where the line starts.
    start: u64,
    /// The line as written, ending in its pending tail and `}\n`.
    line: Vec<u8>,
    /// When its call began.
    started: Instant,
}

impl Written {
    /// Where the rewritable tail starts in the line: just before the closing `}\n`.
    fn tail_at(&self) -> usize {
        self.line.len().saturating_sub(2 + TAIL_WIDTH)
    }

    /// The tail of a call that went away before it was sent.
    fn cancelled_tail(&self) -> Vec<u8> {
        pad(tail(
            false,
            "cancelled",
            None,
            Some(millis(self.started.elapsed())),
        ))
    }

    /// The line as a whole line with this tail, for when it cannot be completed in place:
    /// marked as the completion of a line written (and perhaps left `pending`) earlier.
    fn completion_line(&self, tail: &[u8]) -> Vec<u8> {
        let mut line = self.line[..self.tail_at()].to_vec();
        line.extend_from_slice(b"\"completes\":\"pending\",");
        line.extend_from_slice(tail.trim_ascii_end());
        line.extend_from_slice(b"}\n");
        line
    }
}

/// What happened to an audited call.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    /// `ok`, `confirmation_requested`, or a [`crate::pipeline::ToolFailure::kind`].
    pub kind: &'a str,
    /// Digistore24's error code, when it answered with one.
    pub code: Option<i64>,
    /// Whether the call was handed to Digistore24.
    pub sent: bool,
    /// How long the call took.
    pub duration: Duration,
}

/// Width of the rewritable tail of a line written ahead: enough for `sent`, the longest
/// outcome name, any `i64` code and any `u64` duration (checked by a test).
const TAIL_WIDTH: usize = 128;
/// Longest text value kept in an audit line; longer values are cut.
const MAX_TEXT: usize = 256;
/// Largest `arguments` object kept, in bytes of JSON; larger ones are summarised.
const MAX_ARGS_BYTES: usize = 8 * 1024;
/// What masked values read.
const MASK: &str = "***";

/// A line written ahead: when its call began, and the writer its [`Pending`] completes
/// through.
#[derive(Debug)]
struct Ahead {
    started: Instant,
    writer: mpsc::Sender<Command>,
}

#[derive(Debug)]
enum Command {
    /// Append a line. With `ahead`, the line ends in a pending tail to be completed later.
    Append {
        line: Vec<u8>,
        ahead: Option<Ahead>,
        reply: oneshot::Sender<Result<Option<Pending>, String>>,
    },
    /// Rewrite the tail of a line written ahead.
    Complete {
        written: Written,
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
                            let result = sink.append(&line, ahead, required);
                            if let Err(Ok(Some(pending))) = reply.send(result) {
                                // Its call went away while the line was written: it was never
                                // sent. Completed here, before the next command.
                                if let Some(written) = pending.take() {
                                    let tail = written.cancelled_tail();
                                    if let Err(e) = sink.complete(written, &tail, required) {
                                        tracing::warn!(error = %e, "audit line of a cancelled call not completed");
                                    }
                                }
                            }
                        }
                        Command::Complete {
                            written,
                            tail,
                            reply,
                        } => {
                            let _ = reply.send(sink.complete(written, &tail, required));
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

    /// Writes the line of a call (begun at `started`) that is about to be sent upstream,
    /// ahead of the call. `Ok(None)` when the sink cannot be rewritten (stderr): the caller
    /// writes the whole line with [`finish`](Self::finish) instead.
    pub async fn ahead(
        &self,
        head: &Map<String, Value>,
        started: Instant,
    ) -> Result<Option<Pending>, AuditError> {
        let mut line = head_bytes(head);
        line.extend_from_slice(&pad(tail(true, "pending", None, None)));
        line.extend_from_slice(b"}\n");
        let (reply, answer) = oneshot::channel();
        self.send(Command::Append {
            line,
            ahead: Some(Ahead {
                started,
                writer: self.tx.clone(),
            }),
            reply,
        })?;
        answer
            .await
            .map_err(|_| AuditError("the audit writer stopped".into()))?
            .map_err(AuditError)
    }

    /// Completes a line written ahead with the call's outcome.
    pub async fn complete(&self, pending: Pending, outcome: Outcome<'_>) -> Result<(), AuditError> {
        let Some(written) = pending.take() else {
            return Ok(());
        };
        let (reply, answer) = oneshot::channel();
        self.send(Command::Complete {
            written,
            tail: pad(outcome_tail(outcome)),
            reply,
        })?;
        answer
            .await
            .map_err(|_| AuditError("the audit writer stopped".into()))?
            .map_err(AuditError)
    }

    /// Completes a line written ahead without waiting (for a call whose future was dropped).
    pub fn abandon(&self, pending: Pending, outcome: Outcome<'_>) {
        let Some(written) = pending.take() else {
            return;
        };
        let (reply, _) = oneshot::channel();
        if self
            .send(Command::Complete {
                written,
                tail: pad(outcome_tail(outcome)),
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
                ahead: None,
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
        let (reply, answer) = oneshot::channel();
        self.send(Command::Append {
            line: whole_line(head, outcome),
            ahead: None,
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

/// The fields of a line that are known before the call: who, what, with which arguments
/// (already masked: [`masked_arguments`], [`masked_compact_arguments`]).
pub fn head(
    ctx: &RequestContext,
    key_fingerprint: Option<&str>,
    tool: &str,
    function: Option<&'static Function>,
    writes: bool,
    arguments: Value,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "time".into(),
        json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
    );
    m.insert("request_id".into(), json!(ctx.request_id));
    if let Some(id) = &ctx.client_request_id {
        m.insert("client_request_id".into(), json!(id));
    }
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
    m.insert("tool".into(), json!(shown_key(tool)));
    m.insert("function".into(), json!(function.map(|f| f.name)));
    m.insert("writes".into(), json!(writes));
    m.insert("arguments".into(), arguments);
    m
}

/// Arguments as an audit line shows them: values of personal or unknown parameters masked,
/// anything that looks like an e-mail address masked, long text cut, the whole bounded.
pub fn masked_arguments(function: Option<&'static Function>, args: &Map<String, Value>) -> Value {
    let params: &[Param] = function.map_or(&[], |f| f.params);
    bounded(Value::Object(mask_object(params, args)))
}

/// The arguments of one of compact mode's own tools (`searchTools`, `describeTool`,
/// `callTool`): their own arguments shown like any parameter, and the arguments `callTool`
/// passes on masked for the function it names (`function`; everything masked if none).
pub fn masked_compact_arguments(
    function: Option<&'static Function>,
    args: &Map<String, Value>,
) -> Value {
    let shown = args
        .iter()
        .map(|(name, value)| {
            let value = match (name.as_str(), value) {
                ("arguments", Value::Object(inner)) => {
                    Value::Object(mask_object(function.map_or(&[], |f| f.params), inner))
                }
                ("arguments", other) => mask(other),
                ("query" | "name" | "limit", other) => keep(other),
                (_, other) => mask(other),
            };
            (shown_key(name), value)
        })
        .collect();
    bounded(Value::Object(shown))
}

fn bounded(masked: Value) -> Value {
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
            let shown = match params.iter().find(|p| p.is_named(name)) {
                None => mask(value),
                Some(p) => mask_param(p, value),
            };
            (shown_key(name), shown)
        })
        .collect()
}

fn mask_param(p: &Param, value: &Value) -> Value {
    if p.personal || p.secret {
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

/// A value of a parameter that is not personal data, with long text cut; the safety net for
/// what the catalog cannot know (an address typed into a description) masks anything that
/// looks like an e-mail address.
fn keep(v: &Value) -> Value {
    match v {
        Value::String(s) if looks_like_email(s) => json!(MASK),
        Value::String(s) => json!(cut(s)),
        Value::Array(items) => Value::Array(items.iter().map(keep).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (shown_key(k), keep(v))).collect())
        }
        other => other.clone(),
    }
}

/// A name as a line shows it (an argument's or a tool's, chosen by the caller): cut, and
/// masked if it looks like an e-mail address.
fn shown_key(k: &str) -> String {
    if looks_like_email(k) {
        MASK.to_owned()
    } else {
        cut(k)
    }
}

/// A masked value: its shape stays (so the line still says *that* something was given).
fn mask(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Array(items) => Value::Array(items.iter().map(mask).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (shown_key(k), mask(v))).collect())
        }
        _ => json!(MASK),
    }
}

/// Whether `text` holds something shaped like an e-mail address, `local@domain.tld`
/// anywhere in it: some of `[alnum . _ % + -]` before an `@`, a dotted domain after it, ending
/// in a label of two or more letters. One pass over the text.
fn looks_like_email(text: &str) -> bool {
    let local_char = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let domain_char = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-');
    text.match_indices('@').any(|(at, _)| {
        let has_local = text[..at].chars().next_back().is_some_and(local_char);
        let end = text[at + 1..]
            .find(|c: char| !domain_char(c))
            .map_or(text.len(), |n| at + 1 + n);
        let domain = text[at + 1..end].trim_end_matches('.');
        let Some((host, tld)) = domain.rsplit_once('.') else {
            return false;
        };
        has_local
            && !host.is_empty()
            && !host.starts_with('.')
            && tld.chars().count() >= 2
            && tld.chars().all(char::is_alphabetic)
    })
}

fn cut(s: &str) -> String {
    crate::limit::start_of(s, MAX_TEXT)
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
    line.extend_from_slice(outcome_tail(outcome).as_bytes());
    line.extend_from_slice(b"}\n");
    line
}

fn outcome_tail(outcome: Outcome<'_>) -> String {
    tail(
        outcome.sent,
        outcome.kind,
        outcome.code,
        Some(millis(outcome.duration)),
    )
}

/// The fields decided last: whether the call was sent (a line written ahead says so before
/// it is, and a call cancelled before it was says otherwise) and how it ended.
fn tail(sent: bool, kind: &str, code: Option<i64>, ms: Option<u64>) -> String {
    format!(
        "\"sent\":{sent},\"outcome\":{},\"code\":{},\"duration_ms\":{}",
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
    fn append(
        &mut self,
        line: &[u8],
        ahead: Option<Ahead>,
        sync: bool,
    ) -> Result<Option<Pending>, String> {
        match self {
            Self::Stderr { failed } => {
                if ahead.is_some() {
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
                Ok(ahead.map(|ahead| Pending {
                    written: Some(Written {
                        file: handle,
                        start,
                        line: line.to_vec(),
                        started: ahead.started,
                    }),
                    writer: ahead.writer,
                }))
            }
        }
    }

    /// Completes a line written ahead: in place if it is still where it was written, else
    /// with a line of its own in the current file.
    fn complete(&mut self, written: Written, tail: &[u8], sync: bool) -> Result<(), String> {
        let Self::File(current) = self else {
            // Stderr never writes ahead.
            return Ok(());
        };
        match in_place(&written) {
            Ok(true) => {
                let at = written.start + written.tail_at() as u64;
                write_at(&written.file, tail, at)
                    .and_then(|()| {
                        if sync {
                            written.file.sync_data()
                        } else {
                            Ok(())
                        }
                    })
                    .map_err(|e| e.to_string())
            }
            Ok(false) | Err(_) => {
                tracing::warn!(
                    "an audit line written ahead is no longer where it was written (the file was \
                     truncated or removed by another program); its outcome gets a line of its own"
                );
                current
                    .append(&written.completion_line(tail), sync)
                    .map(|_| ())
                    .map_err(|e| format!("{}: {e}", current.path.display()))
            }
        }
    }
}

/// Whether a line written ahead is still in a file someone can read, byte for byte where it
/// was written (another program may have truncated the file and refilled it since).
fn in_place(written: &Written) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if written.file.metadata()?.nlink() == 0 {
            return Ok(false);
        }
    }
    let mut found = vec![0; written.line.len()];
    match read_at(&written.file, &mut found, written.start) {
        Ok(()) => Ok(found == written.line),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The audit file, rotated by size: `PATH` is current, `PATH.1` the newest old one. Another
/// program may move, remove or truncate `PATH` at any time (logrotate); see the module docs.
struct RotatingFile {
    path: PathBuf,
    /// Appends, opened `O_APPEND`: each line lands at the end of the file as it is now, even
    /// after another program truncated it.
    appender: File,
    /// The same file, for rewriting tails in place (on Linux a positioned write to an
    /// `O_APPEND` file appends instead).
    rewriter: Arc<File>,
    max_bytes: u64,
    keep: usize,
}

impl RotatingFile {
    fn open(path: &Path, max_bytes: u64, keep: usize) -> io::Result<Self> {
        let appender = OpenOptions::new().create(true).append(true).open(path)?;
        let rewriter = OpenOptions::new().read(true).write(true).open(path)?;
        if !same_file(&appender.metadata()?, &rewriter.metadata()?) {
            return Err(io::Error::other(
                "the file was replaced while it was opened",
            ));
        }
        Ok(Self {
            path: path.to_owned(),
            appender,
            rewriter: Arc::new(rewriter),
            max_bytes,
            keep,
        })
    }

    /// Appends a line; returns the file it went to and where the line starts.
    fn append(&mut self, line: &[u8], sync: bool) -> io::Result<(Arc<File>, u64)> {
        self.follow()?;
        let len = line.len() as u64;
        // The size as it is, not as we left it: another program may have truncated the file.
        let size = self.appender.metadata()?.len();
        if self.max_bytes > 0 && size > 0 && size + len > self.max_bytes {
            self.rotate()?;
        }
        self.appender.write_all(line)?;
        // One writer: the line ends where the file now ends. (Should another program append
        // at the same instant, the line is not found at `start` later, and its completion
        // gets a line of its own.)
        let start = self.appender.metadata()?.len().saturating_sub(len);
        if sync {
            self.appender.sync_data()?;
        }
        Ok((self.rewriter.clone(), start))
    }

    /// Makes sure `PATH` is the file held open: when another program moved it away, removed
    /// it or put another file there, a new `PATH` is opened.
    fn follow(&mut self) -> io::Result<()> {
        let held = self.appender.metadata()?;
        match std::fs::metadata(&self.path) {
            Ok(at_path) if same_file(&held, &at_path) => Ok(()),
            Ok(_) => {
                tracing::info!(path = %self.path.display(), "another file is at the audit log's path now; writing to it");
                self.reopen()
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                tracing::info!(path = %self.path.display(), "the audit log was moved or removed; starting a new one");
                self.reopen()
            }
            Err(e) => Err(e),
        }
    }

    fn reopen(&mut self) -> io::Result<()> {
        *self = Self::open(&self.path, self.max_bytes, self.keep)?;
        Ok(())
    }

    /// `PATH.(keep-1)` → `PATH.keep`, …, `PATH` → `PATH.1`, then a fresh `PATH`. Lines still
    /// pending in the old file complete there (their file handle stays open). Files another
    /// program moved away in the meantime are simply not there to move.
    fn rotate(&mut self) -> io::Result<()> {
        let numbered = |n: usize| {
            let mut name = self.path.clone().into_os_string();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        let gone_is_fine = |result: io::Result<()>| match result {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        };
        if self.keep == 0 {
            gone_is_fine(std::fs::remove_file(&self.path))?;
        } else {
            for n in (1..self.keep).rev() {
                gone_is_fine(std::fs::rename(numbered(n), numbered(n + 1)))?;
            }
            gone_is_fine(std::fs::rename(&self.path, numbered(1)))?;
        }
        self.reopen()
    }
}

/// Whether two metadata describe the same file (device and inode).
#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Without stable file identities in `std`, a file still at the path counts as the same one
/// (moved or removed files are still noticed).
#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt as _;
    file.write_all_at(buf, offset)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt as _;
    file.read_exact_at(buf, offset)
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

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt as _;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
