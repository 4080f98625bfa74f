//! Sandbox configuration: the options struct the library takes and the clap flags the binary
//! flattens into its `sandbox`, `serve --sandbox` and `stdio --sandbox` subcommands.
//!
//! The flags live here (not in the binary) so every entry point spells and documents them the
//! same way. Their clap ids are prefixed `sandbox_` so flattening them next to the server's own
//! flags cannot clash on ids; the long names are the short user-facing ones (`--state`,
//! `--error-status`, ...), which the server must not reuse.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// The fixed seed of the demo account when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 24;

/// Name of the always-present read-only key.
pub const DEFAULT_READ_KEY: &str = "sandbox-read";
/// Name of the always-present full-access key.
pub const DEFAULT_FULL_KEY: &str = "sandbox-full";

/// Where the simulated account is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    /// An in-memory SQLite database: fresh demo account on every start (tests).
    Memory,
    /// A SQLite file; changes survive restarts.
    File(PathBuf),
}

impl StateLocation {
    /// `:memory:` means [`StateLocation::Memory`], anything else is a file path.
    pub fn parse(s: &str) -> Self {
        if s == ":memory:" {
            Self::Memory
        } else {
            Self::File(PathBuf::from(s))
        }
    }

    /// `<user data dir>/ds24-mcp/sandbox.sqlite`, or in-memory if the platform has no data dir.
    pub fn default_file() -> Self {
        match dirs::data_dir() {
            Some(dir) => Self::File(dir.join("ds24-mcp").join("sandbox.sqlite")),
            None => Self::Memory,
        }
    }
}

impl std::fmt::Display for StateLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory => f.write_str(":memory:"),
            Self::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// How API errors travel over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ErrorStatus {
    /// HTTP 200 with `result: "error"` (the legacy connector contract).
    #[default]
    Envelope,
    /// The OpenAPI statuses: 400 bad parameters, 401 bad key, 403 permission, 404 not found or
    /// unknown function, 429 rate limited; the body is still the error envelope.
    Http,
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPermission {
    /// Read access (`readonly`): every read function.
    Read,
    /// Full access (`writable`): every function.
    Full,
    /// A developer key: only `ping`, `getUserInfo`, `validateAffiliate` and the interactive
    /// key flow (`requestApiKey`, `retrieveApiKey`).
    Developer,
}

impl KeyPermission {
    /// The word used on the command line (`read`, `full`, `developer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Full => "full",
            Self::Developer => "developer",
        }
    }
}

/// One API key the sandbox accepts: the key string itself and its permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    /// The exact value clients send in `X-DS-API-KEY` (or in the legacy URL path).
    pub key: String,
    /// What the key may do.
    pub permission: KeyPermission,
}

impl KeySpec {
    /// A key with the given value and permission.
    pub fn new(key: impl Into<String>, permission: KeyPermission) -> Self {
        Self {
            key: key.into(),
            permission,
        }
    }

    /// The two keys every sandbox accepts: `sandbox-read` and `sandbox-full`.
    pub fn defaults() -> Vec<KeySpec> {
        vec![
            Self::new(DEFAULT_READ_KEY, KeyPermission::Read),
            Self::new(DEFAULT_FULL_KEY, KeyPermission::Full),
        ]
    }
}

/// Why a `--key` value could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("invalid --key value {0:?}: expected NAME:read, NAME:full or NAME:developer")]
pub struct KeySpecError(String);

impl FromStr for KeySpec {
    type Err = KeySpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, perm) = s.rsplit_once(':').ok_or_else(|| KeySpecError(s.into()))?;
        let permission = match perm.to_ascii_lowercase().as_str() {
            "read" | "readonly" | "read-only" => KeyPermission::Read,
            "full" | "writable" | "write" => KeyPermission::Full,
            "developer" | "dev" => KeyPermission::Developer,
            _ => return Err(KeySpecError(s.into())),
        };
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(KeySpecError(s.into()));
        }
        Ok(Self::new(name, permission))
    }
}

/// Everything [`crate::start`] and [`crate::run`] need besides the listen address.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Where the account lives.
    pub state: StateLocation,
    /// Throw the stored account away and generate the demo account again.
    pub reset: bool,
    /// How errors are mapped to HTTP statuses.
    pub error_status: ErrorStatus,
    /// Added delay before every (fault-scoped) answer.
    pub latency: Duration,
    /// Probability (0..=1) that a (fault-scoped) call fails with HTTP 500.
    pub fail_rate: f64,
    /// Requests per second allowed per key; `None` = unlimited.
    pub rate_limit: Option<u32>,
    /// Restrict latency and fail-rate to these function names; empty = every function.
    pub fault_functions: Vec<String>,
    /// Accepted keys (always including the two defaults).
    pub keys: Vec<KeySpec>,
    /// Seed of the demo account generator.
    pub seed: u64,
}

impl Default for SandboxOptions {
    /// In-memory state, envelope errors, no faults, the default keys and seed.
    fn default() -> Self {
        Self {
            state: StateLocation::Memory,
            reset: false,
            error_status: ErrorStatus::Envelope,
            latency: Duration::ZERO,
            fail_rate: 0.0,
            rate_limit: None,
            fault_functions: Vec::new(),
            keys: KeySpec::defaults(),
            seed: DEFAULT_SEED,
        }
    }
}

impl SandboxOptions {
    /// Options for tests: an in-memory account.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// Checks ranges that clap cannot express.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.fail_rate) || self.fail_rate.is_nan() {
            return Err(format!(
                "--fail-rate must be between 0 and 1, got {}",
                self.fail_rate
            ));
        }
        if self.rate_limit == Some(0) {
            return Err("--rate-limit must be at least 1 request per second".into());
        }
        Ok(())
    }

    /// The keys, with the defaults first and later duplicates removed.
    pub(crate) fn effective_keys(&self) -> Vec<KeySpec> {
        let mut out: Vec<KeySpec> = Vec::new();
        for k in KeySpec::defaults()
            .into_iter()
            .chain(self.keys.iter().cloned())
        {
            if let Some(existing) = out.iter_mut().find(|e| e.key == k.key) {
                *existing = k;
            } else {
                out.push(k);
            }
        }
        out
    }
}

/// The sandbox's command-line flags (flatten into a clap command).
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Sandbox")]
pub struct SandboxArgs {
    /// SQLite file holding the simulated account (`:memory:` for a throw-away one).
    /// Default: `<user data dir>/ds24-mcp/sandbox.sqlite`.
    #[arg(long = "state", env = "DS24_SANDBOX_STATE", value_name = "PATH")]
    pub sandbox_state: Option<String>,

    /// Regenerate the demo account, discarding all changes.
    #[arg(
        long = "reset",
        env = "DS24_SANDBOX_RESET",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub sandbox_reset: bool,

    /// How API errors are returned: `envelope` (HTTP 200, result:error) or `http` (400/401/403/404).
    #[arg(
        long = "error-status",
        env = "DS24_SANDBOX_ERROR_STATUS",
        value_enum,
        default_value_t = ErrorStatus::Envelope
    )]
    pub sandbox_error_status: ErrorStatus,

    /// Extra latency per call in milliseconds.
    #[arg(
        long = "latency",
        env = "DS24_SANDBOX_LATENCY",
        value_name = "MS",
        default_value_t = 0
    )]
    pub sandbox_latency_ms: u64,

    /// Probability (0..1) that a call fails with HTTP 500.
    #[arg(
        long = "fail-rate",
        env = "DS24_SANDBOX_FAIL_RATE",
        value_name = "P",
        default_value_t = 0.0
    )]
    pub sandbox_fail_rate: f64,

    /// Allowed requests per second per API key; more are answered with a rate-limit error.
    #[arg(long = "rate-limit", env = "DS24_SANDBOX_RATE_LIMIT", value_name = "N")]
    pub sandbox_rate_limit: Option<u32>,

    /// Apply --latency and --fail-rate only to these functions (comma list).
    #[arg(
        long = "fault-functions",
        env = "DS24_SANDBOX_FAULT_FUNCTIONS",
        value_name = "FUNCTIONS",
        value_delimiter = ','
    )]
    pub sandbox_fault_functions: Vec<String>,

    /// Extra API key NAME:read|full|developer (repeatable). `sandbox-read` and `sandbox-full`
    /// always exist.
    #[arg(
        long = "key",
        env = "DS24_SANDBOX_KEYS",
        value_name = "NAME:PERM",
        value_delimiter = ','
    )]
    pub sandbox_keys: Vec<KeySpec>,

    /// Seed of the generated demo account.
    #[arg(long = "seed", env = "DS24_SANDBOX_SEED", default_value_t = DEFAULT_SEED)]
    pub sandbox_seed: u64,
}

impl SandboxArgs {
    /// Turns the parsed flags into [`SandboxOptions`].
    pub fn into_options(self) -> SandboxOptions {
        let state = match self.sandbox_state.as_deref() {
            Some(s) if !s.is_empty() => StateLocation::parse(s),
            _ => StateLocation::default_file(),
        };
        let mut keys = KeySpec::defaults();
        keys.extend(self.sandbox_keys);
        SandboxOptions {
            state,
            reset: self.sandbox_reset,
            error_status: self.sandbox_error_status,
            latency: Duration::from_millis(self.sandbox_latency_ms),
            fail_rate: self.sandbox_fail_rate,
            rate_limit: self.sandbox_rate_limit,
            fault_functions: self
                .sandbox_fault_functions
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            keys,
            seed: self.sandbox_seed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sandbox: SandboxArgs,
    }

    #[test]
    fn parses_flags() {
        let cli = Cli::try_parse_from([
            "x",
            "--state",
            ":memory:",
            "--error-status",
            "http",
            "--latency",
            "5",
            "--fail-rate",
            "0.5",
            "--rate-limit",
            "3",
            "--fault-functions",
            "ping,getPurchase",
            "--key",
            "ci:full",
            "--key",
            "dev1:developer",
            "--seed",
            "7",
            "--reset",
        ])
        .unwrap();
        let o = cli.sandbox.into_options();
        assert_eq!(o.state, StateLocation::Memory);
        assert_eq!(o.error_status, ErrorStatus::Http);
        assert_eq!(o.latency, Duration::from_millis(5));
        assert_eq!(o.rate_limit, Some(3));
        assert_eq!(o.fault_functions, vec!["ping", "getPurchase"]);
        assert!(o.reset);
        assert_eq!(o.seed, 7);
        let keys = o.effective_keys();
        assert_eq!(keys.len(), 4);
        assert_eq!(keys[2], KeySpec::new("ci", KeyPermission::Full));
        assert_eq!(keys[3].permission, KeyPermission::Developer);
    }

    #[test]
    fn rejects_bad_key_spec() {
        assert!("nocolon".parse::<KeySpec>().is_err());
        assert!("a:admin".parse::<KeySpec>().is_err());
        assert!(":read".parse::<KeySpec>().is_err());
        assert!("a b:read".parse::<KeySpec>().is_err());
    }

    #[test]
    fn validates_ranges() {
        let o = SandboxOptions {
            fail_rate: 1.5,
            ..SandboxOptions::default()
        };
        assert!(o.validate().is_err());
        let o = SandboxOptions {
            rate_limit: Some(0),
            ..SandboxOptions::default()
        };
        assert!(o.validate().is_err());
        assert!(SandboxOptions::default().validate().is_ok());
    }
}
