//! What an operator sees of a running server: logs (text or JSON on stderr) and Prometheus
//! metrics on a listener of their own.
//!
//! Metrics go through the `metrics` facade, so call sites stay one line and cost nothing when no
//! recorder is installed (`--metrics-listen` unset); `metrics-exporter-prometheus` renders
//! them in the Prometheus text format. Labels are bounded sets only: a catalog function name
//! (or `unknown`), an outcome kind, an HTTP status. Never a key, a fingerprint or an argument.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Tool calls by `tool` (the Digistore24 function, `unknown` for names not in the catalog) and
/// `outcome` (`ok`, `confirmation_requested` or a failure kind).
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
        "Tool calls refused by the per-key rate limit."
    );
    metrics::describe_counter!(AUDIT_FAILURES, "Audit lines that could not be written.");
    metrics::describe_gauge!(BUILD_INFO, "Build information; always 1.");
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    // Make the counters visible from the first scrape, not only after their first event.
    metrics::gauge!(IN_FLIGHT).set(0.0);
    metrics::counter!(AUTH_REFUSALS).absolute(0);
    metrics::counter!(RATE_LIMITED).absolute(0);
    metrics::counter!(AUDIT_FAILURES).absolute(0);
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
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}
