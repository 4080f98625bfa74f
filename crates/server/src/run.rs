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

use crate::audit::Auditor;
use crate::cli::{Cli, Command, CommonArgs, DoctorArgs, Format, ServeArgs, StdioArgs};
use crate::client_config::ClientKind;
use crate::context::RequestContext;
use crate::limit::RateLimiter;
use crate::oauth::{OAuth, OAuthSettings, PublicUrl};
use crate::pipeline::{
    Confirmer, Fingerprinter, Pipeline, PipelineParts, REJECTED_KEY_TTL, RejectedKeys,
};
use crate::seal::{self, StateSecret};
use crate::transport::http::{self, HttpOptions};
use crate::upstream::Upstream;

/// The developer key every embedded sandbox accepts, so "Connect with Digistore24" works with
/// `serve --sandbox` and nothing else.
pub const SANDBOX_DEVELOPER_KEY: &str = "sandbox-developer";

/// Runs the parsed command to completion.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Stdio(args) => stdio(*args).await,
        Command::Sandbox(cmd) => {
            let opts = cmd.sandbox.into_options();
            let keys: Vec<String> = opts
                .keys
                .iter()
                .map(|k| format!("{} ({})", k.key, k.permission.as_str()))
                .collect();
            // Started first: the banner names the address actually bound (`--listen :0`), and
            // only once the account's state has opened.
            let running = ds24_sandbox::start(opts, cmd.listen)
                .await
                .with_context(|| format!("cannot start the sandbox on {}", cmd.listen))?;
            // A wildcard address is none to connect to (and `serve` refuses plain http to
            // anything but this machine): the banner gives this machine's loopback address.
            let api = format!("{}/api/call", http::local_origin(running.local_addr()));
            writeln!(
                std::io::stdout().lock(),
                "Sandbox Digistore24 API (simulated account) at {api}\n  API keys: {}\n\n\
                 Try it:\n  curl -s -X POST {api}/listProducts -H 'X-DS-API-KEY: sandbox-read'\n\
                 Put ds24-mcp in front of it:\n  ds24-mcp serve --api-url {api}\n",
                keys.join(", ")
            )?;
            shutdown_signal().await;
            running.shutdown().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor(args) => doctor(*args).await,
        Command::Config(args) => {
            if args.two_keys
                && let Some(problem) = crate::client_config::two_keys_problem(&args.url)
            {
                bail!(problem);
            }
            let snippet = crate::client_config::snippet(args.client, &args.url, args.two_keys);
            writeln!(std::io::stderr().lock(), "{}", args.client.where_to_paste())?;
            print_out(&snippet)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Tools(args) => {
            let inventory = args.selection.inventory()?;
            let text = match args.format {
                Format::Markdown => crate::docs::markdown(&inventory),
                Format::Json => serde_json::to_string_pretty(&crate::docs::json(&inventory))?,
            };
            print_out(text.trim_end())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The shared pipeline, and the embedded sandbox it calls when there is one.
struct Started {
    pipeline: Arc<Pipeline>,
    sandbox: Option<ds24_sandbox::RunningSandbox>,
    upstream: Arc<dyn Upstream>,
    secret: StateSecret,
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
    common.limits()?;
    let inventory = common.selection.inventory()?;
    let (api_url, sandbox) = if common.sandbox {
        let running = ds24_sandbox::start(
            embedded_sandbox(common),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .context("cannot start the sandbox")?;
        (running.api_url(), Some(running))
    } else {
        ds24_client::check_api_url(&common.api_url)
            .map_err(|e| anyhow::anyhow!("--api-url (DS24_API_URL): {e}"))?;
        (common.api_url.clone(), None)
    };
    let client = Client::new(common.client_config(api_url)?)?;
    let upstream: Arc<dyn Upstream> = Arc::new(client);
    let secret = common.secret()?;
    let auditor = match common.audit.config() {
        Some(config) => Some(Auditor::start(&config).context("--audit-log")?),
        None => None,
    };
    let pipeline = Pipeline::new(PipelineParts {
        inventory,
        upstream: upstream.clone(),
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
        auditor,
        reports: crate::reports::Limits {
            max_rows: common.report_max_rows,
            max_time: std::time::Duration::from_secs(common.report_timeout.max(1)),
        },
    });
    Ok(Started {
        pipeline: Arc::new(pipeline),
        sandbox,
        upstream,
        secret,
    })
}

/// The options of the sandbox `--sandbox` embeds: the flags' keys and the developer key the
/// banner lists (for "Connect with Digistore24"), the same for `serve`, `stdio` and `doctor`.
fn embedded_sandbox(common: &CommonArgs) -> ds24_sandbox::SandboxOptions {
    let mut opts = common.sandbox_args.clone().into_options();
    if !opts.keys.iter().any(|k| k.key == SANDBOX_DEVELOPER_KEY) {
        opts.keys.push(ds24_sandbox::KeySpec::new(
            SANDBOX_DEVELOPER_KEY,
            ds24_sandbox::KeyPermission::Developer,
        ));
    }
    opts
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    // Before anything listens (the metrics address opens before the pipeline is built).
    args.common.limits()?;
    let fallback_key = match &args.anonymous_key {
        Some(_) if !args.listen.ip().is_loopback() => {
            bail!("--anonymous-key is only allowed on a loopback --listen address")
        }
        Some(k) => Some(ApiKey::new(k).context("--anonymous-key is empty")?),
        None => None,
    };
    let auth = args.oauth.mode()?;
    let public_url = match &args.oauth.public_url {
        Some(text) => Some(PublicUrl::parse(text)?),
        None => None,
    };
    if let Some(public) = &public_url
        && public.is_local()
        && !args.listen.ip().is_loopback()
    {
        // A plain-http localhost deployment relaxes what it fetches and which cookies it sets;
        // reachable from elsewhere, a remote browser could be sent through it.
        bail!(
            "--public-url {} is plain http for this machine only, so it needs a loopback --listen address such as 127.0.0.1:8787 (got {}); a server others can reach needs an https --public-url",
            public.origin(),
            args.listen
        );
    }
    let mut allowed_hosts = args.hosts()?;
    if let Some(public) = &public_url
        && !allowed_hosts.iter().any(|h| {
            h == "*"
                || h.trim_matches(['[', ']'])
                    .eq_ignore_ascii_case(public.host())
        })
    {
        allowed_hosts.push(public.host().to_owned());
    }
    let developer_key = args.oauth.developer_key()?;
    let lifetimes = args.oauth.lifetimes()?;
    if auth.oauth() && args.common.state_secret.is_none() {
        tracing::warn!(
            "OAuth tokens are sealed with a random per-process secret: every connected client must sign in again after a restart, \
             and replicas cannot read each other's tokens. Set --state-secret (env DS24_MCP_STATE_SECRET) to the same value everywhere."
        );
    }
    if args.public_with_loopback_hosts() {
        tracing::warn!(
            "listening on {} but --allowed-hosts only lists loopback names: requests addressed to any other hostname get 403. \
             Add the public hostname with --allowed-hosts (env DS24_MCP_ALLOWED_HOSTS).",
            args.listen
        );
    }
    let limits = args.connection_limits()?;
    let body_read_timeout = crate::cli::seconds(args.body_read_timeout, "body-read-timeout")?;
    let metrics = match args.metrics_listen {
        Some(addr) => {
            let handle = crate::telemetry::install()?;
            let listener = crate::telemetry::bind_metrics(addr).await?;
            tracing::info!(addr = %listener.local_addr()?, "metrics at http://{}/metrics", listener.local_addr()?);
            Some((listener, handle))
        }
        None => None,
    };
    let started = start(&args.common, args.ip_rate_limit).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let cancel = CancellationToken::new();
    let oauth = match (auth.oauth(), public_url) {
        (true, Some(public_url)) => {
            let developer_key = match developer_key {
                Some(key) => Some(key),
                None if args.common.sandbox => {
                    Some(ApiKey::new(SANDBOX_DEVELOPER_KEY).context("sandbox developer key")?)
                }
                None => None,
            };
            let settings = OAuthSettings {
                public_url,
                developer_key,
                lifetimes,
            };
            Some(Arc::new(OAuth::new(
                settings,
                &started.secret,
                started.upstream.clone(),
            )?))
        }
        _ => None,
    };
    let allowed_hosts_in_use = allowed_hosts.clone();
    let opts = HttpOptions {
        allowed_hosts,
        allowed_origins: args.allowed_origins.clone(),
        max_body_bytes: args.max_body_bytes,
        body_read_timeout,
        trusted_proxies: args.trusted_proxies.clone(),
        fallback_key,
        accept_keys: auth.accepts_keys(),
        oauth: oauth.clone(),
    };
    let app = http::app(started.pipeline.clone(), opts, cancel.child_token());
    let tools = started
        .pipeline
        .inventory
        .visible(&Default::default())
        .count();
    if tools == 0 {
        tracing::warn!(
            "these settings offer no tool at all: clients will list nothing. Widen --toolsets / --tools, or drop --read-only."
        );
    }
    // Before the ready line: a SIGHUP any time after it must find the handler in place.
    #[cfg(unix)]
    ignore_hangups();
    let local = http::endpoint_url(addr);
    let connect = crate::doctor::connect_to(&args, &local);
    if connect == local {
        tracing::info!(%addr, tools, sandbox = started.sandbox.is_some(), "MCP endpoint ready at {local}");
    } else {
        // The local address would answer 403 to a Host not in --allowed-hosts: the ready line
        // names where clients connect, as the doctor does.
        tracing::info!(%addr, tools, sandbox = started.sandbox.is_some(), "MCP endpoint ready at {local} (this address answers only the allowed hosts); clients connect to {connect}");
    }
    if let Some(oauth) = &oauth {
        tracing::info!(
            issuer = oauth.issuer(),
            keys = auth.accepts_keys(),
            connect_with_digistore24 = oauth.can_connect(),
            "OAuth on: browser-based clients connect to {}",
            oauth.public_url().join("/mcp")
        );
    }
    if let Some(sb) = &started.sandbox {
        // A closed or full stdout (a supervisor that does not read it) must not stop the
        // server: the banner is help for a person, not part of serving.
        if let Err(e) = banner(addr, &allowed_hosts_in_use, sb, oauth.as_deref()) {
            tracing::warn!(error = %e, "could not print the sandbox banner on standard output");
        }
    }
    let metrics_task = metrics.map(|(listener, handle)| {
        let stop = cancel.clone();
        tokio::spawn(crate::telemetry::serve_metrics(
            listener,
            handle,
            async move {
                stop.cancelled().await;
            },
        ))
    });
    crate::transport::connections::serve(listener, app, limits, shutdown_signal()).await?;
    cancel.cancel();
    if let Some(task) = metrics_task {
        let _ = task.await;
    }
    started.stop().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` and a newline to stdout. A reader that has stopped (`ds24-mcp tools | head`)
/// is not an error: it has what it wanted.
fn print_out(text: &str) -> anyhow::Result<()> {
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// What a newcomer needs after `serve --sandbox`: where, which keys, what to paste.
fn banner(
    addr: SocketAddr,
    allowed_hosts: &[String],
    sandbox: &ds24_sandbox::RunningSandbox,
    oauth: Option<&OAuth>,
) -> anyhow::Result<()> {
    // With OAuth the public URL is the one clients must use: its protected-resource metadata
    // names it, and a client that came by another address refuses the mismatch. Without it,
    // this machine's address if the Host allowlist takes it, else the first public hostname
    // (behind TLS, as the doctor says too).
    let local = http::local_origin(addr);
    let local_allowed = local
        .strip_prefix("http://")
        .is_some_and(|authority| http::host_allowed(authority, allowed_hosts));
    // The first name the allowlist takes instead: plain http for this machine's own names,
    // https (TLS in front) for a public one.
    let listed = allowed_hosts.iter().find(|h| h.as_str() != "*").map(|h| {
        if crate::cli::is_loopback_name(h) {
            format!("http://{h}")
        } else {
            format!("https://{h}")
        }
    });
    let origin = match (oauth, listed) {
        (Some(o), _) => o.public_url().join(""),
        (None, Some(listed)) if !local_allowed => listed,
        (None, _) => local,
    };
    let url = format!("{origin}/mcp");
    let keys: Vec<String> = sandbox
        .keys()
        .iter()
        .map(|k| format!("{} ({})", k.key, k.permission.as_str()))
        .collect();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "ds24-mcp is serving a sandbox Digistore24 account (simulated; nothing real is charged).\n\
         \n  MCP endpoint:  {url}\n  Read-only:     {origin}/mcp/readonly\n  API keys:      {}\n\
         \nTry it:\n  npx -y @modelcontextprotocol/inspector@2.12.0 --cli --server-url {url} --transport http \\\n    \
         --header \"Authorization: Bearer sandbox-read\" --method tools/list\n\
         \nClaude Desktop (claude_desktop_config.json):\n{}\n\
         \nCursor (~/.cursor/mcp.json); `ds24-mcp config --client windsurf|vscode|claude-code` for the others:\n{}\n",
        keys.join(", "),
        indent(&sandbox_snippet(ClientKind::ClaudeDesktop, &url)),
        indent(&sandbox_snippet(ClientKind::Cursor, &url)),
    )?;
    if let Some(oauth) = oauth {
        writeln!(
            out,
            "Browser-based clients (claude.ai, ChatGPT and others that sign in with OAuth):\n  \
             add a custom connector with the URL {}\n  \
             and on the consent page pick \"Connect with Digistore24\" or paste sandbox-read / sandbox-full.\n",
            oauth.public_url().join("/mcp")
        )?;
    }
    Ok(())
}

/// A client snippet with the sandbox's full-access key filled in.
fn sandbox_snippet(client: ClientKind, url: &str) -> String {
    crate::client_config::snippet(client, url, false)
        .replace(crate::client_config::KEY, "sandbox-full")
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

/// `doctor`: the API checks with the key, the configuration checks, one report on stdout.
async fn doctor(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    use crate::doctor::{self, Check, Status};
    let common = &args.serve.common;
    let key = if args.key_stdin {
        // A person at a terminal otherwise sees nothing and does not know it waits for them.
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            let _ = write!(
                std::io::stderr(),
                "Paste the Digistore24 API key and press Enter (it shows as you type; pipe it in to keep it off the screen): "
            );
        }
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the key from standard input")?;
        ApiKey::new(line)
    } else {
        std::env::var("DS24_API_KEY").ok().and_then(ApiKey::new)
    };
    let key = match key {
        Some(key) => Some(key),
        None if common.sandbox => ApiKey::new("sandbox-full"),
        None => None,
    };
    let (config_checks, summary) = doctor::check_config(&args.serve);
    let (api_url, sandbox) = if common.sandbox {
        // The doctor only reads: an account of its own in memory, so that it runs beside a
        // `serve --sandbox` that holds the state file.
        let options = ds24_sandbox::SandboxOptions {
            state: ds24_sandbox::StateLocation::Memory,
            ..embedded_sandbox(common)
        };
        let running = ds24_sandbox::start(options, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .context("cannot start the sandbox")?;
        (running.api_url(), Some(running))
    } else {
        (common.api_url.clone(), None)
    };
    let client = Client::new(common.client_config(api_url)?)?;
    let api_checks = match &key {
        Some(key) => doctor::check_api(&client, key).await.0,
        None => vec![Check {
            name: "API key",
            status: Status::Fail,
            detail: "no key to check".into(),
            fix: "Set DS24_API_KEY, or pipe the key in with --key-stdin (Digistore24: Settings > Account access > API keys).".into(),
        }],
    };
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    let failed = api_checks
        .iter()
        .chain(&config_checks)
        .any(|c| c.status == Status::Fail);
    write!(
        std::io::stdout().lock(),
        "{}",
        doctor::report(&api_checks, &config_checks, &summary)
    )?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// SIGHUP, which log rotation sends by habit (`postrotate kill -HUP`), would otherwise end the
/// server at once, without draining its calls. There is nothing to reload: an audit file that
/// was moved or removed is reopened by the next line on its own. So it is logged and ignored.
#[cfg(unix)]
fn ignore_hangups() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(mut hangups) => {
            tokio::spawn(async move {
                while hangups.recv().await.is_some() {
                    tracing::info!(
                        "SIGHUP ignored: nothing to reload (a moved audit file is reopened on its own; SIGTERM stops the server)"
                    );
                }
            });
        }
        Err(e) => tracing::warn!(error = %e, "cannot listen for SIGHUP"),
    }
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
