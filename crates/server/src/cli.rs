//! The command line: one binary, four jobs. Configuration is parsed and checked here, once,
//! before anything listens.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ds24_client::{ApiKey, Client, ClientConfig, Language};
use ds24_sandbox::SandboxArgs;
use rmcp::model::RequestStateCodec;
use tokio_util::sync::CancellationToken;

use crate::http::{self, HttpOptions};
use crate::mcp::{Ds24Service, Shared};
use crate::tools::{Inventory, NameStyle, Selection};

/// An MCP server for the Digistore24 vendor API.
#[derive(Debug, Parser)]
#[command(name = "ds24-mcp", version, about, long_about = None)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The jobs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP over Streamable HTTP; each request brings its key as `Authorization: Bearer <key>`.
    Serve(ServeArgs),
    /// Serve MCP over stdin/stdout for a local client; the key comes from DS24_API_KEY.
    Stdio(StdioArgs),
    /// Run the simulated Digistore24 account as a Digistore24 API server.
    Sandbox(SandboxCommand),
    /// Print the tool catalog as a user sees it.
    Tools(ToolsArgs),
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DS24_MCP_LISTEN", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Host header values to accept (comma list; `*` for any). Public deployments add their hostname.
    #[arg(
        long,
        env = "DS24_MCP_ALLOWED_HOSTS",
        value_delimiter = ',',
        default_value = "localhost,127.0.0.1,::1"
    )]
    pub allowed_hosts: Vec<String>,
    /// Browser origins to accept (comma list of `scheme://host:port`). Requests with any other Origin get 403.
    #[arg(long, env = "DS24_MCP_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Largest accepted request body in bytes.
    #[arg(long, env = "DS24_MCP_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
    /// With --sandbox on a loopback address only: requests without a key use this sandbox key
    /// (for test suites that cannot send headers).
    #[arg(long, requires = "sandbox", value_name = "SANDBOX_KEY")]
    pub anonymous_key: Option<String>,
    /// Options shared with the other MCP front door.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `stdio`.
#[derive(Debug, Args)]
pub struct StdioArgs {
    /// Options shared with the other MCP front door.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `sandbox`.
#[derive(Debug, Args)]
pub struct SandboxCommand {
    /// Address to listen on.
    #[arg(long, env = "DS24_SANDBOX_LISTEN", default_value = "127.0.0.1:8788")]
    pub listen: SocketAddr,
    /// The simulated account.
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

/// `tools`.
#[derive(Debug, Args)]
pub struct ToolsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
    /// Which tools.
    #[command(flatten)]
    pub selection: SelectionArgs,
}

/// Output formats of `tools`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// A Markdown table.
    Markdown,
    /// The tools as tools/list returns them.
    Json,
}

/// Which tools are offered, under which names.
#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Toolsets to offer: `default` (the hosted server's 93 tools), `all`, or a comma list of toolsets.
    #[arg(long, env = "DS24_MCP_TOOLSETS", default_value = "default")]
    pub toolsets: String,
    /// Extra tools to offer by name (comma list).
    #[arg(long, env = "DS24_MCP_TOOLS", value_delimiter = ',')]
    pub tools: Vec<String>,
    /// Tools to leave out by name (comma list).
    #[arg(long, env = "DS24_MCP_EXCLUDE_TOOLS", value_delimiter = ',')]
    pub exclude_tools: Vec<String>,
    /// Offer no tool that changes data.
    #[arg(long, env = "DS24_MCP_READ_ONLY")]
    pub read_only: bool,
    /// Tool names: Digistore24 function names, or the hosted server's names for existing prompts.
    #[arg(long, env = "DS24_MCP_TOOL_NAMES", value_enum, default_value = "ds24")]
    pub tool_names: NameStyle,
}

impl SelectionArgs {
    /// Checks the flags and builds the inventory.
    pub fn inventory(&self) -> anyhow::Result<Inventory> {
        let selection = Selection::new(
            &self.toolsets,
            &self.tools,
            &self.exclude_tools,
            self.read_only,
        )?;
        Ok(Inventory::new(self.tool_names, selection))
    }
}

/// Options shared by `serve` and `stdio`.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Which tools.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Digistore24 API base URL; the function name is appended.
    #[arg(
        long,
        env = "DS24_API_URL",
        default_value = "https://www.digistore24.com/api/call"
    )]
    pub api_url: String,
    /// Seconds allowed for one Digistore24 call.
    #[arg(long, env = "DS24_MCP_TIMEOUT", default_value_t = 30.0)]
    pub timeout: f64,
    /// Seconds allowed to connect to Digistore24.
    #[arg(long, env = "DS24_MCP_CONNECT_TIMEOUT", default_value_t = 5.0)]
    pub connect_timeout: f64,
    /// Language of Digistore24's messages and labels.
    #[arg(long, env = "DS24_MCP_LANGUAGE", value_enum, default_value = "en")]
    pub language: LanguageArg,
    /// Secret (at least 32 bytes) that seals confirmation state and salts key fingerprints.
    /// Set the same value on every replica; random per process when unset.
    #[arg(long, env = "DS24_MCP_STATE_SECRET", hide_env_values = true)]
    pub state_secret: Option<String>,
    /// Tool calls allowed per second and API key (bursts up to twice that); 0 turns the limit off.
    #[arg(long, env = "DS24_MCP_KEY_RATE_LIMIT", default_value_t = 20)]
    pub key_rate_limit: u32,
    /// Largest tool result in bytes of JSON; longer lists keep their leading rows and a note on paging.
    #[arg(long, env = "DS24_MCP_MAX_RESULT_BYTES", default_value_t = 100_000)]
    pub max_result_bytes: usize,
    /// Use the built-in sandbox account as the upstream instead of Digistore24.
    #[arg(long)]
    pub sandbox: bool,
    /// Sandbox settings, used with --sandbox.
    #[command(flatten)]
    pub sandbox_args: SandboxArgs,
}

/// `--language`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LanguageArg {
    /// English.
    En,
    /// German.
    De,
}

impl CommonArgs {
    fn client_config(&self, api_url: String) -> anyhow::Result<ClientConfig> {
        let secs = |s: f64, what: &str| {
            Duration::try_from_secs_f64(s)
                .ok()
                .filter(|d| !d.is_zero())
                .with_context(|| format!("--{what} must be a positive number of seconds"))
        };
        Ok(ClientConfig {
            api_url,
            connect_timeout: secs(self.connect_timeout, "connect-timeout")?,
            timeout: secs(self.timeout, "timeout")?,
            language: Some(match self.language {
                LanguageArg::En => Language::En,
                LanguageArg::De => Language::De,
            }),
        })
    }

    fn secret(&self) -> anyhow::Result<Vec<u8>> {
        match &self.state_secret {
            Some(s) if s.len() >= 32 => Ok(s.as_bytes().to_vec()),
            Some(_) => {
                bail!("--state-secret (DS24_MCP_STATE_SECRET) must be at least 32 characters")
            }
            None => {
                let mut bytes = vec![0u8; 32];
                getrandom::fill(&mut bytes)
                    .map_err(|e| anyhow::anyhow!("no randomness for the state secret: {e}"))?;
                Ok(bytes)
            }
        }
    }

    /// Starts the sandbox if asked, then builds the shared service state.
    async fn start(
        &self,
        env_key: Option<ApiKey>,
    ) -> anyhow::Result<(Ds24Service, Option<ds24_sandbox::RunningSandbox>)> {
        let inventory = self.selection.inventory()?;
        let (api_url, sandbox) = if self.sandbox {
            let opts = self.sandbox_args.clone().into_options();
            let running = ds24_sandbox::start(opts, SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .context("cannot start the sandbox")?;
            (running.api_url(), Some(running))
        } else {
            (self.api_url.clone(), None)
        };
        let client = Client::new(self.client_config(api_url)?)?;
        let secret = self.secret()?;
        let codec = RequestStateCodec::try_new(secret.clone())
            .map_err(|e| anyhow::anyhow!("state secret: {e}"))?;
        let limiter =
            (self.key_rate_limit > 0).then(|| crate::limit::RateLimiter::new(self.key_rate_limit));
        let shared = Shared {
            inventory,
            client,
            codec,
            salt: secret,
            env_key,
            limiter,
            max_result_bytes: self.max_result_bytes,
        };
        Ok((Ds24Service(Arc::new(shared)), sandbox))
    }
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
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
            Ok(())
        }
        Command::Tools(args) => {
            let inventory = args.selection.inventory()?;
            let text = match args.format {
                Format::Markdown => crate::docs::markdown(&inventory),
                Format::Json => serde_json::to_string_pretty(&crate::docs::json(&inventory))?,
            };
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", text.trim_end())?;
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let anonymous_key = match &args.anonymous_key {
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
    let (service, sandbox) = args.common.start(None).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let cancel = CancellationToken::new();
    let opts = HttpOptions {
        allowed_hosts: args.allowed_hosts.clone(),
        allowed_origins: args.allowed_origins.clone(),
        max_body_bytes: args.max_body_bytes,
        anonymous_key,
    };
    let app = http::app(service.clone(), opts, cancel.child_token());
    let tools = service.0.inventory.visible(&Default::default()).count();
    tracing::info!(%addr, tools, sandbox = sandbox.is_some(), "MCP endpoint ready at {}", http::endpoint_url(addr));
    if let Some(sb) = &sandbox {
        banner(addr, sb)?;
    }
    http::serve(listener, app, shutdown_signal()).await?;
    cancel.cancel();
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    tracing::info!("stopped");
    Ok(())
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

async fn stdio(args: StdioArgs) -> anyhow::Result<()> {
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
            std::process::exit(2);
        }
    };
    let (service, sandbox) = args.common.start(Some(key)).await?;
    crate::stdio::serve(service).await?;
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    Ok(())
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
