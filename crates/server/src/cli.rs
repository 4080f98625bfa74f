//! The command line: one binary, four jobs. Flags are declared and checked here, once, before
//! anything listens; [`crate::run`] puts the parts together.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ds24_client::{ClientConfig, Language};
use ds24_sandbox::SandboxArgs;

use crate::audit::{AuditConfig, AuditScope, AuditSink};
use crate::oauth::AuthMode;
use crate::seal::StateSecret;
use crate::telemetry::LogFormat;
use crate::tools::{Inventory, Mode, NameStyle, Selection};

/// The smallest `--max-result-bytes`: below a few hundred bytes not even the note of a cut list
/// fits, so the cap could not hold; 4 KiB leaves room for that note and a useful row or two.
pub const MIN_RESULT_BYTES: usize = 4096;
use crate::transport::connections::ConnectionLimits;

/// An MCP server for the Digistore24 vendor API.
#[derive(Debug, Parser)]
#[command(name = "ds24-mcp", version, about, long_about = None)]
pub struct Cli {
    /// Log line format on stderr.
    #[arg(
        long,
        global = true,
        env = "DS24_MCP_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The jobs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP over Streamable HTTP; each request brings its key as `Authorization: Bearer <key>`.
    Serve(Box<ServeArgs>),
    /// Serve MCP over stdin/stdout for a local client; the key comes from DS24_API_KEY.
    Stdio(Box<StdioArgs>),
    /// Run the simulated Digistore24 account as a Digistore24 API server.
    Sandbox(SandboxCommand),
    /// Print the tool catalog as a user sees it.
    Tools(ToolsArgs),
    /// Check the key, the API, the clock and the configuration, and say what to fix.
    Doctor(Box<DoctorArgs>),
    /// Print the configuration snippet for an MCP client.
    Config(ConfigArgs),
}

/// `doctor`: the same flags and environment as `serve`, plus where the key comes from.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Read the API key from the first line of standard input instead of DS24_API_KEY.
    #[arg(long)]
    pub key_stdin: bool,
    /// The deployment to check, configured as for `serve`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// `config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The client to configure.
    #[arg(long, value_enum)]
    pub client: crate::client_config::ClientKind,
    /// The server's MCP endpoint (an http or https URL).
    #[arg(long, default_value = crate::client_config::DEFAULT_URL, value_parser = crate::client_config::parse_url)]
    pub url: String,
    /// Two connections: a read connection (`/readonly`) with a read-only key and a write
    /// connection with a full-access key, as Digistore24's setup guide recommends.
    #[arg(long)]
    pub two_keys: bool,
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DS24_MCP_LISTEN", default_value = "127.0.0.1:8787", value_parser = socket_address)]
    pub listen: SocketAddr,
    /// Host header values to accept (comma list; `*` for any). Public deployments add their hostname.
    #[arg(
        long,
        env = "DS24_MCP_ALLOWED_HOSTS",
        value_delimiter = ',',
        default_value = "localhost,127.0.0.1,::1",
        value_parser = allowed_host
    )]
    pub allowed_hosts: Vec<String>,
    /// Browser origins to accept (comma list of `scheme://host:port`). Requests with any other Origin get 403.
    #[arg(long, env = "DS24_MCP_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = origin)]
    pub allowed_origins: Vec<String>,
    /// Largest accepted request body in bytes.
    #[arg(long, env = "DS24_MCP_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
    /// Connections held at once; at the cap, idle connections (and request heads stalled over
    /// 1 s) are closed to make room, otherwise new connections wait.
    #[arg(long, env = "DS24_MCP_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: u32,
    /// Seconds for a complete request head, from the connection opening or the head's first byte.
    #[arg(long, env = "DS24_MCP_HEADER_READ_TIMEOUT", default_value_t = 10.0)]
    pub header_read_timeout: f64,
    /// Seconds for a request body to arrive once its head has; slower bodies get 408.
    #[arg(long, env = "DS24_MCP_BODY_READ_TIMEOUT", default_value_t = 10.0)]
    pub body_read_timeout: f64,
    /// Seconds a connection may stay idle between requests before it is closed.
    #[arg(long, env = "DS24_MCP_KEEP_ALIVE_TIMEOUT", default_value_t = 60.0)]
    pub keep_alive_timeout: f64,
    /// Tool calls allowed per second and client address (IPv6: per /64; bursts up to twice that); 0 turns the limit off.
    #[arg(long, env = "DS24_MCP_IP_RATE_LIMIT", default_value_t = 50)]
    pub ip_rate_limit: u32,
    /// Reverse proxies (comma list of addresses or CIDR ranges) whose X-Forwarded-For names the client address.
    #[arg(long, env = "DS24_MCP_TRUSTED_PROXIES", value_delimiter = ',', value_parser = address_range)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// With --sandbox on a loopback address only: requests without a key use this sandbox key
    /// (for test suites that cannot send headers).
    #[arg(long, requires = "sandbox", value_name = "SANDBOX_KEY")]
    pub anonymous_key: Option<String>,
    /// Serve Prometheus metrics on this address at `/metrics` (a listener of its own; off when
    /// unset). Keep it private: metrics are not authenticated.
    #[arg(long, env = "DS24_MCP_METRICS_LISTEN", value_name = "ADDR", value_parser = socket_address)]
    pub metrics_listen: Option<SocketAddr>,
    /// OAuth for browser-based clients (claude.ai, ChatGPT connectors).
    #[command(flatten)]
    pub oauth: OAuthArgs,
    /// Options shared with the other MCP front door.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `serve`'s OAuth flags.
#[derive(Debug, Args)]
pub struct OAuthArgs {
    /// The server's public URL (origin only, e.g. `https://mcp.example.com`; http only for
    /// localhost). Turns on the OAuth authorization server and is the token audience.
    #[arg(long, env = "DS24_MCP_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Which bearer credentials the MCP endpoint accepts: Digistore24 API keys, OAuth access
    /// tokens, or both. Default: both with --public-url, else key.
    #[arg(long, env = "DS24_MCP_AUTH", value_enum)]
    pub auth: Option<AuthMode>,
    /// File holding your Digistore24 developer key: offers "Connect with Digistore24" on the
    /// consent page. With --sandbox, the sandbox's own developer key is used when unset.
    #[arg(long, env = "DS24_MCP_DEVELOPER_KEY_FILE", value_name = "PATH")]
    pub developer_key_file: Option<std::path::PathBuf>,
    /// Lifetime of OAuth access tokens, in seconds.
    #[arg(
        long,
        env = "DS24_MCP_ACCESS_TOKEN_TTL",
        default_value_t = 3600,
        value_name = "SECONDS"
    )]
    pub access_token_ttl: u64,
    /// Lifetime of OAuth refresh tokens, in seconds (each refresh issues a new one).
    #[arg(long, env = "DS24_MCP_REFRESH_TOKEN_TTL", default_value_t = 30 * 24 * 3600, value_name = "SECONDS")]
    pub refresh_token_ttl: u64,
}

impl OAuthArgs {
    /// The effective `--auth`, checked against `--public-url`.
    pub fn mode(&self) -> anyhow::Result<AuthMode> {
        match (self.auth, &self.public_url) {
            (Some(mode), None) if mode.oauth() => bail!(
                "--auth {} needs --public-url (the URL clients use to reach this server, e.g. https://mcp.example.com)",
                if mode == AuthMode::Oauth {
                    "oauth"
                } else {
                    "both"
                }
            ),
            (Some(mode), _) => Ok(mode),
            (None, Some(_)) => Ok(AuthMode::Both),
            (None, None) => Ok(AuthMode::Key),
        }
    }

    /// The developer key from `--developer-key-file`, if given.
    pub fn developer_key(&self) -> anyhow::Result<Option<ds24_client::ApiKey>> {
        let Some(path) = &self.developer_key_file else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --developer-key-file {}", path.display()))?;
        ds24_client::ApiKey::new(text)
            .map(Some)
            .with_context(|| format!("--developer-key-file {} is empty", path.display()))
    }

    /// Token lifetimes, checked: positive, a refresh token outliving its access token, and
    /// bounded (an access token cannot be revoked one by one, and an expiry must fit the clock).
    pub fn lifetimes(&self) -> anyhow::Result<crate::oauth::Lifetimes> {
        use crate::oauth::{MAX_ACCESS_TTL, MAX_REFRESH_TTL};
        if self.access_token_ttl > MAX_ACCESS_TTL {
            bail!(
                "--access-token-ttl must be at most {MAX_ACCESS_TTL} seconds (a day): an access token cannot be revoked one by one; got {}",
                self.access_token_ttl
            );
        }
        if self.refresh_token_ttl > MAX_REFRESH_TTL {
            bail!(
                "--refresh-token-ttl must be at most {MAX_REFRESH_TTL} seconds (366 days); got {}",
                self.refresh_token_ttl
            );
        }
        if self.access_token_ttl == 0 || self.refresh_token_ttl == 0 {
            bail!("--access-token-ttl and --refresh-token-ttl must be positive");
        }
        if self.refresh_token_ttl < self.access_token_ttl {
            bail!("--refresh-token-ttl must not be shorter than --access-token-ttl");
        }
        Ok(crate::oauth::Lifetimes {
            access: Duration::from_secs(self.access_token_ttl),
            refresh: Duration::from_secs(self.refresh_token_ttl),
            ..crate::oauth::Lifetimes::default()
        })
    }
}

impl ServeArgs {
    /// Whether the server listens on a public address while only loopback names may be used
    /// to reach it (every request to the public hostname would get 403).
    /// The Host allowlist without empty elements; refused when nothing is left, since then
    /// every request would get 403.
    pub fn hosts(&self) -> anyhow::Result<Vec<String>> {
        let hosts: Vec<String> = self
            .allowed_hosts
            .iter()
            .filter(|h| !h.is_empty())
            .cloned()
            .collect();
        if hosts.is_empty() {
            anyhow::bail!(
                "--allowed-hosts (DS24_MCP_ALLOWED_HOSTS) is empty, so every request would get 403: list hostnames like mcp.example.com, or `*` for any"
            );
        }
        Ok(hosts)
    }

    /// `--public-url`'s host counts as allowed: `serve` adds it to the allowlist.
    pub fn public_with_loopback_hosts(&self) -> bool {
        let public_host = self
            .oauth
            .public_url
            .as_deref()
            .and_then(|u| crate::oauth::PublicUrl::parse(u).ok())
            .map(|u| u.host().to_owned());
        !self.listen.ip().is_loopback()
            && self
                .allowed_hosts
                .iter()
                .filter(|h| !h.is_empty())
                .chain(public_host.as_ref())
                .all(|h| is_loopback_name(h))
    }
}

/// Whether a Host allowlist entry names this machine only, with or without a port
/// (`localhost:8787`, `[::1]:8787`).
pub fn is_loopback_name(host: &str) -> bool {
    let name = crate::transport::http::allowed_authority(host).map(|(name, _)| name);
    name.as_deref()
        .is_some_and(|n| ["localhost", "127.0.0.1", "::1"].contains(&n))
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
    #[arg(long, env = "DS24_SANDBOX_LISTEN", default_value = "127.0.0.1:8788", value_parser = socket_address)]
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
    /// Toolsets to offer: `default` (the toolsets on by default, less their opt-in tools), `all`,
    /// or a comma list of toolsets (which may include `default`). Default: `default`, or none
    /// when --tools is given alone.
    #[arg(long, env = "DS24_MCP_TOOLSETS")]
    pub toolsets: Option<String>,
    /// Tools to offer by name (comma list): added to --toolsets, or, without it, exactly these.
    #[arg(long, env = "DS24_MCP_TOOLS", value_delimiter = ',')]
    pub tools: Vec<String>,
    /// Tools to leave out by name (comma list).
    #[arg(long, env = "DS24_MCP_EXCLUDE_TOOLS", value_delimiter = ',')]
    pub exclude_tools: Vec<String>,
    /// Offer no tool that changes data.
    #[arg(long, env = "DS24_MCP_READ_ONLY", value_parser = clap::builder::BoolishValueParser::new())]
    pub read_only: bool,
    /// `full`: one tool per function; `compact`: four tools (searchTools, describeTool,
    /// callTool, callDestructiveTool) that reach every function in a few KB of context.
    #[arg(long, env = "DS24_MCP_MODE", value_enum, default_value = "full")]
    pub mode: Mode,
    /// Tool names: Digistore24 function names, or the hosted server's names for existing prompts.
    #[arg(long, env = "DS24_MCP_TOOL_NAMES", value_enum, default_value = "ds24")]
    pub tool_names: NameStyle,
}

impl SelectionArgs {
    /// Checks the flags and builds the inventory.
    pub fn inventory(&self) -> anyhow::Result<Inventory> {
        let selection = Selection::new(
            self.toolsets.as_deref(),
            &self.tools,
            &self.exclude_tools,
            self.read_only,
        )?;
        Ok(Inventory::new(self.tool_names, selection).with_mode(self.mode))
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
    /// Largest Digistore24 answer read, in bytes; a larger one is a tool error asking to narrow the request.
    #[arg(long, env = "DS24_MCP_MAX_UPSTREAM_BYTES", default_value_t = 8 << 20)]
    pub max_upstream_bytes: usize,
    /// Memory the Digistore24 answers being read and parsed may take at once, all calls together: 8 bytes per byte of answer beyond the first 64 KiB of each (ordinary answers are not counted). One key may take half; an answer that does not fit is a tool error asking to call again. At least 16 × --max-upstream-bytes.
    #[arg(long, env = "DS24_MCP_MAX_UPSTREAM_MEMORY", default_value_t = 128 << 20)]
    pub max_upstream_memory: usize,
    /// Language of Digistore24's messages and labels (never a new product's checkout language: that stays the account's unless `data.language` is given).
    #[arg(long, env = "DS24_MCP_LANGUAGE", value_enum, default_value = "en")]
    pub language: LanguageArg,
    /// Secret (at least 32 bytes) that seals confirmation state and salts key fingerprints.
    /// Set the same value on every replica; random per process when unset.
    #[arg(long, env = "DS24_MCP_STATE_SECRET", hide_env_values = true)]
    pub state_secret: Option<String>,
    /// Seconds a user's confirmation of a destructive call stays valid (2026-07-28 clients with elicitation).
    #[arg(long, env = "DS24_MCP_CONFIRMATION_TTL", default_value_t = 600.0)]
    pub confirmation_ttl: f64,
    /// Tool calls allowed per second and API key (bursts up to twice that); 0 turns the limit off.
    #[arg(long, env = "DS24_MCP_KEY_RATE_LIMIT", default_value_t = 20)]
    pub key_rate_limit: u32,
    /// Digistore24 calls in flight at once, over all keys and clients; further calls wait (up to 10 s).
    #[arg(long, env = "DS24_MCP_MAX_UPSTREAM_CONCURRENCY", default_value_t = 64)]
    pub max_upstream_concurrency: usize,
    /// Largest tool answer in bytes (the text the model reads plus structuredContent); longer
    /// lists keep their leading rows and say which call returns the rest. At least 4096.
    #[arg(long, env = "DS24_MCP_MAX_RESULT_BYTES", default_value_t = 48_000)]
    pub max_result_bytes: usize,
    /// Most rows a report (summarizePurchases, summarizeTransactions) reads before it stops and
    /// says so.
    #[arg(long, env = "DS24_MCP_REPORT_MAX_ROWS", default_value_t = 20_000)]
    pub report_max_rows: u64,
    /// Longest a report runs in seconds, its pages together; then it answers the rows read so
    /// far and says so.
    #[arg(long, env = "DS24_MCP_REPORT_TIMEOUT", default_value_t = 120)]
    pub report_timeout: u64,
    /// Use the built-in sandbox account as the upstream instead of Digistore24.
    #[arg(long)]
    pub sandbox: bool,
    /// Sandbox settings, used with --sandbox.
    #[command(flatten)]
    pub sandbox_args: SandboxArgs,
    /// The audit trail.
    #[command(flatten)]
    pub audit: AuditArgs,
}

/// The audit trail's flags.
#[derive(Debug, Args)]
#[command(next_help_heading = "Audit trail")]
pub struct AuditArgs {
    /// Write one JSON line per audited tool call to this file (`-` for stderr). Off when unset.
    #[arg(long, env = "DS24_MCP_AUDIT_LOG", value_name = "PATH")]
    pub audit_log: Option<String>,
    /// Which calls are audited: `writes` (calls that change data, and every refused or failed
    /// call) or `all`.
    #[arg(long, env = "DS24_MCP_AUDIT", value_enum, default_value = "writes")]
    pub audit: AuditScope,
    /// Rotate the audit file before it grows beyond this many bytes (0: never).
    #[arg(long, env = "DS24_MCP_AUDIT_MAX_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub audit_max_bytes: u64,
    /// How many rotated audit files to keep (PATH.1 … PATH.N).
    #[arg(long, env = "DS24_MCP_AUDIT_KEEP", default_value_t = 5)]
    pub audit_keep: usize,
    /// Refuse a write (before anything is sent) when its audit line cannot be written.
    #[arg(
        long,
        env = "DS24_MCP_AUDIT_REQUIRED",
        requires = "audit_log",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub audit_required: bool,
}

impl AuditArgs {
    /// The audit configuration, if an audit log is asked for.
    pub fn config(&self) -> Option<AuditConfig> {
        let sink = match self.audit_log.as_deref()? {
            "-" => AuditSink::Stderr,
            path => AuditSink::File(path.into()),
        };
        Some(AuditConfig {
            sink,
            scope: self.audit,
            max_bytes: self.audit_max_bytes,
            keep: self.audit_keep,
            required: self.audit_required,
        })
    }
}

/// `--language`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LanguageArg {
    /// English.
    En,
    /// German.
    De,
}

/// An address to listen on: an IP address and a port. A host name is not looked up (which
/// of its addresses would be meant?), and the message says what to write instead.
fn socket_address(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        "expected an IP address and a port, such as 127.0.0.1:8787, 0.0.0.0:8787 or [::1]:8787 (a host name such as localhost is not looked up)".to_owned()
    })
}

/// A browser origin, `scheme://host[:port]`, as the `Origin` header carries it: a value
/// without its scheme would be accepted and never match.
fn origin(text: &str) -> Result<String, String> {
    let text = text.trim();
    let valid = text.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains(['/', '?', '#'])
    });
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not an origin; write it as the browser sends it, like https://app.example.com"
        ))
    }
}

/// An `--allowed-hosts` entry: `*`, or a name a `Host` header can carry (`host`, `host:port`,
/// `[v6]`, `::1`). Anything else would be accepted and then match no request, so that every
/// request got 403 while the operator believed the hostname listed.
fn allowed_host(text: &str) -> Result<String, String> {
    let text = text.trim();
    if let Some(hint) = address_read_as_port(text) {
        return Err(hint);
    }
    // An empty element (`a.example,`, as templated lists end) is dropped later; a list with
    // nothing else is refused then ([`ServeArgs::hosts`]).
    if text.is_empty() || text == "*" || crate::transport::http::allowed_authority(text).is_some() {
        return Ok(text.to_owned());
    }
    let hint = if let Some((_, rest)) = text.split_once("://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        format!("give the hostname without scheme or path, like {host}")
    } else if text.contains('*') {
        "wildcards are not matched; list each hostname, or `*` alone for any".to_owned()
    } else {
        "write it as a Host header carries it: mcp.example.com, mcp.example.com:8443 or [2001:db8::1]"
            .to_owned()
    };
    Err(format!("`{text}` is not a hostname: {hint}"))
}

/// A bare IPv6 address whose last group could be a port (`::1:8787`) is one address to the
/// parser, `[::1:8787]`, which no client on `[::1]:8787` sends: refused with both readings.
/// (`::1` alone stays allowed: it has no group to mistake.)
fn address_read_as_port(text: &str) -> Option<String> {
    text.parse::<std::net::Ipv6Addr>().ok()?;
    let (address, port) = text.rsplit_once(':')?;
    let unambiguous = port.is_empty()
        || !port.bytes().all(|b| b.is_ascii_digit())
        || port.parse::<u16>().is_err()
        || address == ":"
        || address.parse::<std::net::Ipv6Addr>().is_err();
    (!unambiguous).then(|| {
        format!(
            "`{text}` reads as one IPv6 address: write it as a Host header carries it, [{address}]:{port} for that address and port, or [{text}] for the address alone"
        )
    })
}

/// An address (`10.0.0.1`) or a CIDR range (`10.0.0.0/8`).
fn address_range(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{text}` is not an IP address or CIDR range (like 10.0.0.0/8)"))
}

/// A positive number of seconds given for `--{flag}`.
pub fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .with_context(|| format!("--{flag} must be a positive number of seconds"))
}

impl ServeArgs {
    /// The connection limits, checked.
    pub fn connection_limits(&self) -> anyhow::Result<ConnectionLimits> {
        // Checked before either opens: the second bind's "address in use" names neither flag.
        if self.metrics_listen == Some(self.listen) && self.listen.port() != 0 {
            bail!(
                "--metrics-listen {} is the --listen address: give metrics a port of their own (e.g. 127.0.0.1:9090)",
                self.listen
            );
        }
        if self.max_connections == 0 {
            bail!("--max-connections must be at least 1");
        }
        Ok(ConnectionLimits {
            max_connections: self.max_connections,
            header_read_timeout: seconds(self.header_read_timeout, "header-read-timeout")?,
            keep_alive_timeout: seconds(self.keep_alive_timeout, "keep-alive-timeout")?,
            body_read_timeout: seconds(self.body_read_timeout, "body-read-timeout")?,
        })
    }
}

impl CommonArgs {
    /// The limits every front door shares, checked (by `serve` and `stdio` before they start,
    /// and by the doctor).
    pub fn limits(&self) -> anyhow::Result<()> {
        if self.max_upstream_concurrency == 0 {
            bail!("--max-upstream-concurrency must be at least 1");
        }
        if self.max_result_bytes < MIN_RESULT_BYTES {
            bail!(
                "--max-result-bytes ({}) must be at least {MIN_RESULT_BYTES}: a smaller answer cannot hold the note of a cut list and the call that continues it",
                self.max_result_bytes,
            );
        }
        Ok(())
    }

    /// How to reach Digistore24 (or the sandbox at `api_url`).
    pub fn client_config(&self, api_url: String) -> anyhow::Result<ClientConfig> {
        // One answer of the largest size must fit in one key's half of the memory budget.
        let needed = self
            .max_upstream_bytes
            .saturating_mul(2 * ds24_client::MEMORY_PER_ANSWER_BYTE);
        if self.max_upstream_memory < needed {
            anyhow::bail!(
                "--max-upstream-memory ({}) must be at least 16 × --max-upstream-bytes ({}), so that one key's half holds an answer of the largest size parsed: raise it to {needed}, or lower --max-upstream-bytes",
                self.max_upstream_memory,
                self.max_upstream_bytes
            );
        }
        Ok(ClientConfig {
            api_url,
            connect_timeout: seconds(self.connect_timeout, "connect-timeout")?,
            timeout: seconds(self.timeout, "timeout")?,
            language: Some(match self.language {
                LanguageArg::En => Language::En,
                LanguageArg::De => Language::De,
            }),
            without_answer_language: ds24_catalog::all()
                .filter(|f| !f.takes_answer_language())
                .map(|f| f.name)
                .collect(),
            max_answer_bytes: self.max_upstream_bytes,
            max_answer_memory: self.max_upstream_memory,
        })
    }

    /// The state secret: configured (at least 32 bytes, the same on every replica) or random
    /// for this process.
    pub fn secret(&self) -> anyhow::Result<StateSecret> {
        match &self.state_secret {
            // The manifests' placeholder is public: a server running on it seals OAuth tokens
            // (which carry vendors' API keys) under a key anyone can read.
            Some(s) if s.to_ascii_uppercase().contains("CHANGE-ME") => bail!(
                "--state-secret (DS24_MCP_STATE_SECRET) is still the placeholder from the manifests; generate your own, e.g. `openssl rand -base64 48`"
            ),
            Some(s) if s.len() >= 32 => Ok(StateSecret::new(s.as_bytes())),
            Some(_) => {
                bail!("--state-secret (DS24_MCP_STATE_SECRET) must be at least 32 characters")
            }
            None => StateSecret::random()
                .map_err(|e| anyhow::anyhow!("no randomness for the state secret: {e}")),
        }
    }
}
