//! Start-up and shutdown, for every job of the binary.
//!
//! [`run`] is the one place that puts the parts together (inventory, upstream client or the
//! embedded sandbox, state secret, pipeline, front door) and takes them down again in order:
//! the front door drains in-flight requests, then the embedded sandbox stops. Nothing in here
//! exits the process; it returns the exit code for `main` to use.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use ds24_client::{ApiKey, Client};
use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, Command, CommonArgs, Format, ServeArgs, StdioArgs};
use crate::context::RequestContext;
use crate::limit::RateLimiter;
use crate::pipeline::{
    Confirmer, Fingerprinter, Pipeline, PipelineParts, REJECTED_KEY_TTL, RejectedKeys,
};
use crate::seal;
use crate::transport::http::{self, HttpOptions};

/// Runs the parsed command to completion.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Stdio(args) => stdio(args).await,
        Command::Sandbox(cmd) => {
            let opts = cmd.sandbox.into_options();
            let api = format!("http://{}/api/call", cmd.listen);
            let keys: Vec<String> = opts
                .keys
                .iter()
                .map(|k| format!("{} ({})", k.key, k.permission.as_str()))
                .collect();
            writeln!(
                std::io::stdout().lock(),
                "Sandbox Digistore24 API (simulated account) at {api}\n  API keys: {}\n\n\
                 Try it:\n  curl -s -X POST {api}/listProducts -H 'X-DS-API-KEY: sandbox-read'\n\
                 Put ds24-mcp in front of it:\n  ds24-mcp serve --api-url {api}\n",
                keys.join(", ")
            )?;
            ds24_sandbox::run(opts, cmd.listen, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Tools(args) => {
            let inventory = args.selection.inventory()?;
            let text = match args.format {
                Format::Markdown => crate::docs::markdown(&inventory),
                Format::Json => serde_json::to_string_pretty(&crate::docs::json(&inventory))?,
            };
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", text.trim_end())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The shared pipeline, and the embedded sandbox it calls when there is one.
struct Started {
    pipeline: Arc<Pipeline>,
    sandbox: Option<ds24_sandbox::RunningSandbox>,
}

impl Started {
    async fn stop(self) {
        if let Some(sb) = self.sandbox {
            sb.shutdown().await;
        }
    }
}

/// Starts the sandbox if asked, then builds the pipeline every front door shares.
/// `address_rate_limit` is the per-client-address limit (0: none, as for stdio).
async fn start(common: &CommonArgs, address_rate_limit: u32) -> anyhow::Result<Started> {
    if common.max_upstream_concurrency == 0 {
        bail!("--max-upstream-concurrency must be at least 1");
    }
    let inventory = common.selection.inventory()?;
    let (api_url, sandbox) = if common.sandbox {
        let opts = common.sandbox_args.clone().into_options();
        let running = ds24_sandbox::start(opts, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .context("cannot start the sandbox")?;
        (running.api_url(), Some(running))
    } else {
        ds24_client::check_api_url(&common.api_url)
            .map_err(|e| anyhow::anyhow!("--api-url (DS24_API_URL): {e}"))?;
        (common.api_url.clone(), None)
    };
    let client = Client::new(common.client_config(api_url)?)?;
    let secret = common.secret()?;
    let pipeline = Pipeline::new(PipelineParts {
        inventory,
        upstream: Arc::new(client),
        confirmer: Confirmer::new(
            secret.sealer(seal::CONFIRMATION),
            crate::cli::seconds(common.confirmation_ttl, "confirmation-ttl")?,
        ),
        fingerprints: Fingerprinter::new(secret.derive(seal::KEY_FINGERPRINT)),
        limiter: (common.key_rate_limit > 0).then(|| RateLimiter::new(common.key_rate_limit)),
        address_limiter: (address_rate_limit > 0).then(|| RateLimiter::new(address_rate_limit)),
        rejected: RejectedKeys::new(secret.derive(seal::REJECTED_KEYS), REJECTED_KEY_TTL),
        max_upstream_concurrency: common.max_upstream_concurrency,
        max_result_bytes: common.max_result_bytes,
        report_max_rows: common.report_max_rows,
    });
    Ok(Started {
        pipeline: Arc::new(pipeline),
        sandbox,
    })
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let fallback_key = match &args.anonymous_key {
        Some(_) if !args.listen.ip().is_loopback() => {
            bail!("--anonymous-key is only allowed on a loopback --listen address")
        }
        Some(k) => Some(ApiKey::new(k).context("--anonymous-key is empty")?),
        None => None,
    };
    let loopback_only = args
        .allowed_hosts
        .iter()
        .all(|h| ["localhost", "127.0.0.1", "::1", "[::1]"].contains(&h.as_str()));
    if !args.listen.ip().is_loopback() && loopback_only {
        tracing::warn!(
            "listening on {} but --allowed-hosts only lists loopback names: requests addressed to any other hostname get 403. \
             Add the public hostname with --allowed-hosts (env DS24_MCP_ALLOWED_HOSTS).",
            args.listen
        );
    }
    let limits = args.connection_limits()?;
    let body_read_timeout = crate::cli::seconds(args.body_read_timeout, "body-read-timeout")?;
    let started = start(&args.common, args.ip_rate_limit).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let cancel = CancellationToken::new();
    let opts = HttpOptions {
        allowed_hosts: args.allowed_hosts.clone(),
        allowed_origins: args.allowed_origins.clone(),
        max_body_bytes: args.max_body_bytes,
        body_read_timeout,
        trusted_proxies: args.trusted_proxies.clone(),
        fallback_key,
    };
    let app = http::app(started.pipeline.clone(), opts, cancel.child_token());
    let tools = started
        .pipeline
        .inventory
        .visible(&Default::default())
        .count();
    tracing::info!(%addr, tools, sandbox = started.sandbox.is_some(), "MCP endpoint ready at {}", http::endpoint_url(addr));
    if let Some(sb) = &started.sandbox {
        banner(addr, sb)?;
    }
    crate::transport::connections::serve(listener, app, limits, shutdown_signal()).await?;
    cancel.cancel();
    started.stop().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// What a newcomer needs after `serve --sandbox`: where, which keys, what to paste.
fn banner(addr: SocketAddr, sandbox: &ds24_sandbox::RunningSandbox) -> anyhow::Result<()> {
    let url = http::endpoint_url(addr);
    let keys: Vec<String> = sandbox
        .keys()
        .iter()
        .map(|k| format!("{} ({})", k.key, k.permission.as_str()))
        .collect();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "ds24-mcp is serving a sandbox Digistore24 account (simulated; nothing real is charged).\n\
         \n  MCP endpoint:  {url}\n  Read-only:     http://{addr}/mcp/readonly\n  API keys:      {}\n\
         \nTry it:\n  npx -y @modelcontextprotocol/inspector@2.12.0 --cli --server-url {url} --transport http \\\n    \
         --header \"Authorization: Bearer sandbox-read\" --method tools/list\n\
         \nClaude Desktop (claude_desktop_config.json):\n{}\n\
         \nCursor (~/.cursor/mcp.json), Windsurf and VS Code:\n{}\n",
        keys.join(", "),
        indent(&serde_json::to_string_pretty(
            &serde_json::json!({"mcpServers": {"digistore24-sandbox": {
                "command": "npx",
                "args": ["-y", "mcp-remote@0.15.1", url, "--header", "Authorization:${DS24_AUTH}", "--allow-http"],
                "env": {"DS24_AUTH": "Bearer sandbox-full"}
            }}})
        )?),
        indent(&serde_json::to_string_pretty(
            &serde_json::json!({"mcpServers": {"digistore24-sandbox": {
                "url": url,
                "headers": {"Authorization": "Bearer sandbox-full"}
            }}})
        )?),
    )?;
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn stdio(args: StdioArgs) -> anyhow::Result<ExitCode> {
    let key = match std::env::var("DS24_API_KEY").ok().and_then(ApiKey::new) {
        Some(key) => key,
        None if args.common.sandbox => {
            tracing::info!(
                "stdio on the sandbox account with the full-access key sandbox-full (set DS24_API_KEY=sandbox-read for a read-only key)"
            );
            ApiKey::new("sandbox-full").context("sandbox key")?
        }
        None => {
            let mut err = std::io::stderr().lock();
            writeln!(
                err,
                "ds24-mcp stdio: set DS24_API_KEY to your Digistore24 API key (Digistore24: Settings > Account access > API keys),\n\
                 or add --sandbox to try the simulated account without one."
            )?;
            return Ok(ExitCode::from(2));
        }
    };
    let started = start(&args.common, 0).await?;
    let context = RequestContext {
        key: Some(key),
        ..RequestContext::default()
    };
    let served = crate::transport::stdio::serve(started.pipeline.clone(), context).await;
    started.stop().await;
    served?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
