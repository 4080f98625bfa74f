//! What an operator sees of a running server: logs (text or JSON on stderr) and Prometheus
//! metrics on a listener of their own.
//!
//! Metrics go through the `metrics` facade, so call sites stay one line and cost nothing when no
//! recorder is installed (`--metrics-listen` unset); `metrics-exporter-prometheus` renders
//! them in the Prometheus text format. Labels are bounded sets only: a catalog function name
//! (or compact mode's tool, or `unknown`), an outcome kind, an HTTP status. Never a key, a fingerprint or an argument.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Tool calls by `tool` (the Digistore24 function, compact mode's own tool for its searches,
/// descriptions and refused `callTool`s, `unknown` for names not in the catalog) and `outcome`
/// (`ok`, `confirmation_requested` or a failure kind).
pub const TOOL_CALLS: &str = "ds24_mcp_tool_calls_total";
/// Seconds Digistore24 took to answer, by `function`.
pub const UPSTREAM_SECONDS: &str = "ds24_mcp_upstream_duration_seconds";
/// Requests in flight on the HTTP door.
pub const IN_FLIGHT: &str = "ds24_mcp_http_requests_in_flight";
/// HTTP responses by `status`.
pub const HTTP_RESPONSES: &str = "ds24_mcp_http_responses_total";
/// Requests refused for a missing or malformed `Authorization` header (401).
pub const AUTH_REFUSALS: &str = "ds24_mcp_auth_refusals_total";
/// Tool calls refused by the per-key rate limit.
pub const RATE_LIMITED: &str = "ds24_mcp_rate_limited_total";
/// Audit lines that could not be written.
pub const AUDIT_FAILURES: &str = "ds24_mcp_audit_failures_total";
/// Audit lines of refused calls not written: over one client address's budget.
pub const AUDIT_REFUSALS_SKIPPED: &str = "ds24_mcp_audit_refusals_skipped_total";
/// Always 1, labelled with the version.
pub const BUILD_INFO: &str = "ds24_mcp_build_info";

/// Upstream latency buckets, in seconds: Digistore24 answers in tens to hundreds of
/// milliseconds, the sandbox in well under one.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Counts one finished tool call.
pub fn tool_call(function: &'static str, outcome: &'static str) {
    metrics::counter!(TOOL_CALLS, "tool" => function, "outcome" => outcome).increment(1);
    if outcome == "rate_limited" {
        metrics::counter!(RATE_LIMITED).increment(1);
    }
}

/// Records how long one upstream call took.
pub fn upstream_latency(function: &'static str, took: Duration) {
    metrics::histogram!(UPSTREAM_SECONDS, "function" => function).record(took.as_secs_f64());
}

/// Counts an audit line that could not be written.
pub fn audit_failure() {
    metrics::counter!(AUDIT_FAILURES).increment(1);
}

/// Counts the audit line of a refused call left out: its client address had used its budget.
pub fn audit_refusal_skipped() {
    metrics::counter!(AUDIT_REFUSALS_SKIPPED).increment(1);
}

/// Counts one HTTP response (and a 401 as an authentication refusal).
pub fn http_response(status: u16) {
    metrics::counter!(HTTP_RESPONSES, "status" => status.to_string()).increment(1);
    if status == 401 {
        metrics::counter!(AUTH_REFUSALS).increment(1);
    }
}

/// Holds one in-flight request on the gauge until dropped (also when the request is cancelled).
#[derive(Debug)]
pub struct InFlight(());

impl InFlight {
    /// Counts a request as in flight.
    pub fn start() -> Self {
        metrics::gauge!(IN_FLIGHT).increment(1.0);
        Self(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!(IN_FLIGHT).decrement(1.0);
    }
}

/// Installs the Prometheus recorder for this process and describes the metrics.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(UPSTREAM_SECONDS.into()), &LATENCY_BUCKETS)
        .context("metrics buckets")?
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    metrics::describe_counter!(
        TOOL_CALLS,
        "Tool calls by Digistore24 function and outcome."
    );
    metrics::describe_histogram!(
        UPSTREAM_SECONDS,
        metrics::Unit::Seconds,
        "Time Digistore24 took to answer, by function."
    );
    metrics::describe_gauge!(IN_FLIGHT, "HTTP requests being served.");
    metrics::describe_counter!(HTTP_RESPONSES, "HTTP responses by status.");
    metrics::describe_counter!(
        AUTH_REFUSALS,
        "Requests refused with 401 (missing or malformed Authorization header)."
    );
    metrics::describe_counter!(
        RATE_LIMITED,
        "Tool calls refused by a rate limit (per key or per client address)."
    );
    metrics::describe_counter!(AUDIT_FAILURES, "Audit lines that could not be written.");
    metrics::describe_counter!(
        AUDIT_REFUSALS_SKIPPED,
        "Audit lines of refused calls (nothing sent) left out because their client address went over its budget."
    );
    metrics::describe_gauge!(BUILD_INFO, "Build information; always 1.");
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    // Make the counters visible from the first scrape, not only after their first event.
    metrics::gauge!(IN_FLIGHT).set(0.0);
    metrics::counter!(AUTH_REFUSALS).absolute(0);
    metrics::counter!(RATE_LIMITED).absolute(0);
    metrics::counter!(AUDIT_FAILURES).absolute(0);
    metrics::counter!(AUDIT_REFUSALS_SKIPPED).absolute(0);
    Ok(handle)
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves. A listener of its own, so
/// metrics never share the public MCP port (and its Host/Origin/auth gates).
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    handle: PrometheusHandle,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let upkeep = handle.clone();
    let upkeep_task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(
                        http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    handle.render(),
                )
            }
        }),
    );
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    upkeep_task.abort();
    served
}

/// Binds the metrics listener.
pub async fn bind_metrics(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for metrics on {addr}"))
}

/// Log line formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, with the request's span fields (request id).
    Json,
}

/// Sets up logging on stderr (stdout carries JSON-RPC in stdio mode), filtered by
/// `DS24_MCP_LOG`.
pub fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DS24_MCP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=warn"));
    // Colours only on a terminal: in a file or a log collector the escape codes are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_ansi(ansi)
        .with_env_filter(filter)
        // A log line that cannot be written (stderr closed by a supervisor or a pipe) is lost;
        // reporting it would `eprintln!` to the same closed stderr, which panics and ends the
        // server with every call in flight.
        .log_internal_errors(false);
    match format {
        LogFormat::Text => builder.with_writer(OneLineStderr { ansi }).init(),
        LogFormat::Json => builder
            .with_writer(std::io::stderr)
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// stderr for the text format, where each event is one line whatever its fields hold.
///
/// Why: a field written with `%` (Display) goes out as it is, and some carry text a client
/// chose: Digistore24 repeats IDs in its error messages ("Order 'X' not found"), so a
/// `purchase_id` with a newline in it could write a second, forged line ("tool call
/// function=deleteProduct outcome=ok") under a real key's fingerprint. Escaping at this one
/// place covers every field and every crate's events; the JSON format escapes by itself.
#[derive(Debug, Clone, Copy)]
struct OneLineStderr {
    /// Whether the formatter writes colour codes, whose ESC bytes must pass.
    ansi: bool,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for OneLineStderr {
    type Writer = OneLine;

    fn make_writer(&'a self) -> OneLine {
        OneLine { ansi: self.ansi }
    }
}

/// One event's writer: the formatter hands it the whole line at once.
#[derive(Debug)]
struct OneLine {
    ansi: bool,
}

impl std::io::Write for OneLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::Write::write_all(&mut std::io::stderr().lock(), &one_line(buf, self.ansi))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::Write::flush(&mut std::io::stderr())
    }
}

/// `line` with every control character but its final newline and tabs written as an escape
/// (`\\n`, `\\r`, `\\x1b`, `\\u{2028}`): C0 and DEL, C1 (U+0080 to U+009F, NEL among
/// them) and the Unicode line and paragraph separators. With colours on, the formatter's own
/// colour codes (`ESC [ digits ; m`) pass; any other escape sequence (cursor moves, erasing)
/// is escaped like the rest.
fn one_line(line: &[u8], ansi: bool) -> std::borrow::Cow<'_, [u8]> {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    // How many bytes at `i` pass as they are (0: escape the byte at `i`).
    let passes = |i: usize| -> usize {
        match body[i] {
            b'\t' => 1,
            0x1b if ansi => colour_code(&body[i..]),
            0x00..=0x1f | 0x7f => 0,
            0xc2 if body.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)) => 0,
            0xe2 if body.get(i + 1) == Some(&0x80)
                && body.get(i + 2).is_some_and(|b| matches!(b, 0xa8 | 0xa9)) =>
            {
                0
            }
            _ => 1,
        }
    };
    if (0..body.len()).all(|i| passes(i) > 0) {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = Vec::with_capacity(line.len() + 16);
    let mut i = 0;
    while i < body.len() {
        let n = passes(i);
        if n > 0 {
            out.extend_from_slice(&body[i..i + n]);
            i += n;
            continue;
        }
        match body[i] {
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0xc2 => {
                out.extend_from_slice(format!("\\u{{{:04x}}}", body[i + 1]).as_bytes());
                i += 1;
            }
            0xe2 => {
                let c = if body[i + 2] == 0xa8 { "2028" } else { "2029" };
                out.extend_from_slice(format!("\\u{{{c}}}").as_bytes());
                i += 2;
            }
            b => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
        i += 1;
    }
    if body.len() < line.len() {
        out.push(b'\n');
    }
    std::borrow::Cow::Owned(out)
}

/// The length of the colour code (SGR: `ESC [`, digits and `;`, `m`) at the start of `bytes`,
/// or 0 when it starts with anything else.
fn colour_code(bytes: &[u8]) -> usize {
    let Some(rest) = bytes.strip_prefix(b"\x1b[") else {
        return 0;
    };
    let params = rest
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b';')
        .count();
    if rest.get(params) == Some(&b'm') {
        2 + params + 1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn an_event_stays_one_line() {
        assert_eq!(&*one_line(b"plain line\n", false), b"plain line\n");
        assert_eq!(
            &*one_line(
                b"error=Order 'X\n2026 INFO forged'\r\x1b[2J\x7f not found\n",
                false
            ),
            b"error=Order 'X\\n2026 INFO forged'\\r\\x1b[2J\\x7f not found\n"
        );
        assert_eq!(
            &*one_line(b"a\tb \x1b[32mINFO\x1b[0m\n", true),
            b"a\tb \x1b[32mINFO\x1b[0m\n"
        );
        // With colours on, only colour codes pass: a cursor move or an erase is escaped.
        assert_eq!(
            &*one_line(b"\x1b[2mx\x1b[1A\x1b[2K\x1b[\n", true),
            b"\x1b[2mx\\x1b[1A\\x1b[2K\\x1b[\n"
        );
        // C1's next line and the Unicode separators are line breaks to some viewers.
        assert_eq!(
            &*one_line("a\u{85}b\u{2028}c\u{2029}d\n".as_bytes(), false),
            b"a\\u{0085}b\\u{2028}c\\u{2029}d\n"
        );
        assert_eq!(
            &*one_line(b"no newline\nat end", false),
            b"no newline\\nat end"
        );
        assert_eq!(&*one_line("ä ü\n".as_bytes(), false), "ä ü\n".as_bytes());
    }
}
