//! `ds24-mcp doctor`: checks a deployment the way a vendor's support question would, and says
//! what to fix.
//!
//! It reaches the API (`ping`), checks the key (`ping`, `getUserInfo`), tells a read-only key
//! from a full-access one without changing anything, compares the clock with Digistore24's
//! server time, and summarises the effective configuration (the same flags and environment as
//! `serve`). Every problem comes with the fix, mirroring the README's troubleshooting list.
//! The exit code is 0 only when every check passed.
//!
//! **Telling read-only from full access without a write**: see [`crate::access_probe`]; with no
//! order in the account, "not found" only *suggests* full access, and the doctor says exactly that.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeZone as _, Utc};
use chrono_tz::Europe::Berlin;
use ds24_client::{Answer, ApiKey, CallError, Client, ErrorCode, Retry};
use serde_json::Value;

use crate::cli::ServeArgs;

/// Largest clock difference from Digistore24 that passes: relative times (`-24h`) and
/// confirmation expiry are computed on this server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(60);

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Passed.
    Ok,
    /// Passed, with something to know.
    Note,
    /// Failed: the exit code will say so.
    Fail,
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// How it ended.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do about it (empty when nothing).
    pub fix: String,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Ok,
            detail: detail.into(),
            fix: String::new(),
        }
    }
    fn note(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Note,
            detail: detail.into(),
            fix: fix.into(),
        }
    }
    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Fail,
            detail: detail.into(),
            fix: fix.into(),
        }
    }
}

/// The access level a key was found to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads and changes.
    Full,
    /// Reads only.
    ReadOnly,
    /// A developer key: no account access.
    Developer,
    /// Not certain (see the check's text).
    Unknown,
}

/// Runs the API checks with `key` against `client`.
pub async fn check_api(client: &Client, key: &ApiKey) -> (Vec<Check>, Option<Access>) {
    let mut checks = Vec::new();
    let api = client.api_url().to_owned();
    let sent = Instant::now();
    let ping = client
        .call("ping", key, &Vec::new(), Retry::OnConnectFailure)
        .await
        .map(Answer::into_value);
    let round_trip = sent.elapsed();
    let answered_at = Utc::now();
    let data = match ping {
        Ok(data) => {
            checks.push(Check::ok(
                "API reachable",
                format!("{api} answered ping in {} ms", round_trip.as_millis()),
            ));
            checks.push(Check::ok("API key", "Digistore24 accepts the key"));
            data
        }
        Err(e @ (CallError::Connect | CallError::Timeout(_))) => {
            checks.push(Check::fail(
                "API reachable",
                format!("{api}: {e}"),
                "Check this machine's network access (proxy, firewall, DNS) and --api-url (DS24_API_URL); the default is https://www.digistore24.com/api/call.",
            ));
            return (checks, None);
        }
        Err(
            e @ (CallError::Transport
            | CallError::BadResponse { .. }
            | CallError::Redirect { .. }
            | CallError::TooLarge { .. }
            | CallError::Crowded),
        ) => {
            checks.push(Check::fail(
                "API reachable",
                format!("{api}: {e}"),
                "Something answered that is not the Digistore24 API: check --api-url (DS24_API_URL) and any proxy in between.",
            ));
            return (checks, None);
        }
        Err(e @ CallError::UnsendableKey) => {
            // Nothing went out: whether the API is reachable was not tested.
            checks.push(key_failure(&e, key));
            return (checks, None);
        }
        Err(e) => {
            checks.push(Check::ok(
                "API reachable",
                format!("{api} answered in {} ms", round_trip.as_millis()),
            ));
            checks.push(key_failure(&e, key));
            return (checks, None);
        }
    };
    match client
        .call("getUserInfo", key, &Vec::new(), Retry::OnConnectFailure)
        .await
        .map(Answer::into_value)
    {
        Ok(info) => {
            let name = info["user_name"].as_str().unwrap_or("?");
            let roles = info["granted_roles"].as_str().unwrap_or("?");
            checks.push(Check::ok(
                "Account",
                format!("user {name}, roles {roles}"),
            ));
        }
        Err(e) => checks.push(Check::fail(
            "Account",
            format!("getUserInfo failed: {e}"),
            "The key works for ping but not for account data: check the key's permissions in Digistore24 (Settings > Account access > API keys).",
        )),
    }
    let (access_check, access) = probe_access(client, key).await;
    checks.push(access_check);
    checks.push(clock_check(&data, answered_at, round_trip));
    (checks, Some(access))
}

fn key_failure(e: &CallError, key: &ApiKey) -> Check {
    if matches!(e, CallError::UnsendableKey) {
        // Never sent: Digistore24 did not refuse it, and trying later will not help.
        return Check::fail(
            "API key",
            "the key was not sent: it holds a line break or another character an HTTP header cannot carry",
            "Copy the key again as plain text (letters, digits and dashes), without line breaks or quotes.",
        );
    }
    if key.has_bearer_prefix() {
        return Check::fail(
            "API key",
            format!("Digistore24 refused the key: {e}"),
            "The key starts with the word `Bearer `: give the key alone here (DS24_API_KEY or --key-stdin). `Bearer <key>` belongs only in an HTTP Authorization header, as in Claude Desktop's DS24_AUTH.",
        );
    }
    let refused = matches!(
        e,
        CallError::Api {
            kind: Some(ErrorCode::BadApiKey | ErrorCode::PermissionDenied),
            ..
        }
    );
    Check::fail(
        "API key",
        format!("Digistore24 refused the key: {e}"),
        if refused {
            "The key is mistyped, deleted or deactivated, restricted to other IP addresses, or not an API key. Create or copy one in Digistore24 (Settings > Account access > API keys) and send it as `Authorization: Bearer <key>` (in Claude Desktop: DS24_AUTH=\"Bearer <key>\", note the word Bearer)."
        } else {
            "See Digistore24's message; if it persists, try again later."
        },
    )
}

/// Tells read-only from full access with reads only (see the module docs).
pub async fn probe_access(client: &Client, key: &ApiKey) -> (Check, Access) {
    const NAME: &str = "Access";
    let probe = crate::access_probe::ask_invoices(client, key).await;
    let (on_real_order, answer) = match probe {
        Ok(probe) => (probe.on_real_order, probe.answer),
        Err(CallError::Api {
            kind: Some(ErrorCode::PermissionDenied),
            ..
        }) => {
            return (
                Check::fail(
                    NAME,
                    "the key may not read orders: a developer key (or one without account rights) has no access to the account",
                    "Use a read-only key for the read connection and a full-access key for the write connection (Digistore24: Settings > Account access > API keys).",
                ),
                Access::Developer,
            );
        }
        // Rejected outright: the key check above has said so already.
        Err(e) => (false, Err(e)),
    };
    match answer {
        Ok(_) => (
            Check::ok(
                NAME,
                "full access: the key may change data (write tools work)",
            ),
            Access::Full,
        ),
        Err(CallError::Api {
            kind: Some(ErrorCode::PermissionDenied),
            ..
        }) => (
            Check::note(
                NAME,
                "read-only: reads work; every tool that changes data will be refused by Digistore24 (\"needs a full-access API key\")",
                "Fine for the read connection (/mcp/readonly). For changes, configure a second connection with a full-access key.",
            ),
            Access::ReadOnly,
        ),
        Err(CallError::Api {
            kind: Some(ErrorCode::NotFound),
            ..
        }) if !on_real_order => (
            Check::note(
                NAME,
                "probably full access, not certain: the account has no order to ask about, and Digistore24 answered \"not found\" rather than \"permission denied\" for an order that does not exist",
                "To be sure, try one harmless write (such as creating an inactive test product) from your write connection.",
            ),
            Access::Unknown,
        ),
        Err(e) => (
            Check::note(
                NAME,
                format!("cannot tell read-only from full access: listInvoices answered {e}"),
                "Nothing is wrong with that by itself; a write tool will tell when it is refused.",
            ),
            Access::Unknown,
        ),
    }
}

/// Compares Digistore24's `server_time` (Europe/Berlin wall-clock time) with this machine's
/// clock at the moment the answer arrived, allowing for the round trip.
pub fn clock_check(
    ping: &Value,
    answered_at: chrono::DateTime<Utc>,
    round_trip: Duration,
) -> Check {
    const NAME: &str = "Clock";
    let Some(text) = ping["server_time"].as_str() else {
        return Check::note(
            NAME,
            "ping carried no server_time; the clock was not compared",
            "",
        );
    };
    match skew(text, answered_at) {
        None => Check::note(
            NAME,
            format!("cannot read Digistore24's server_time `{text}`"),
            "",
        ),
        Some(skew) => {
            // The server read its clock somewhere within the round trip; its time has one-second
            // resolution.
            let slack = round_trip.as_secs_f64() + 1.0;
            let off = (skew.abs() - slack).max(0.0);
            let text = if skew >= 0.0 {
                format!("{skew:.0} s ahead of")
            } else {
                format!("{:.0} s behind", -skew)
            };
            let measured = format!("measured {}", text.trim_end_matches(" of"));
            if off <= MAX_SKEW.as_secs_f64() {
                Check::ok(
                    NAME,
                    format!(
                        "this machine's clock is within {} s of Digistore24's ({measured})",
                        MAX_SKEW.as_secs()
                    ),
                )
            } else {
                Check::fail(
                    NAME,
                    format!(
                        "this machine's clock is {text} Digistore24's (more than {} s)",
                        MAX_SKEW.as_secs()
                    ),
                    "Synchronise the clock (NTP: timedatectl set-ntp true, or chrony). Relative times such as -24h and the expiry of confirmations are computed on this clock.",
                )
            }
        }
    }
}

/// Seconds this machine's clock is ahead of Digistore24's (`server_time` is Berlin local time).
pub fn skew(server_time: &str, local: chrono::DateTime<Utc>) -> Option<f64> {
    let naive = NaiveDateTime::parse_from_str(server_time.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    // In the autumn hour that occurs twice, either reading is within an hour; take the earlier.
    let server = Berlin.from_local_datetime(&naive).earliest()?;
    let diff = local.signed_duration_since(server.with_timezone(&Utc));
    Some(diff.num_milliseconds() as f64 / 1000.0)
}

/// Where clients connect, as the configuration says: the public URL, else the allowed public
/// host names (behind a proxy that terminates TLS), else `local`, the address listened on.
/// Shared by the doctor's summary and `serve`'s ready line, so both name the same place.
pub fn connect_to(args: &ServeArgs, local: &str) -> String {
    let public: Vec<String> = args
        .hosts()
        .unwrap_or_default()
        .iter()
        .filter(|h| !crate::cli::is_loopback_name(h) && h.as_str() != "*")
        .map(|h| format!("https://{h}/mcp"))
        .collect();
    match args
        .oauth
        .public_url
        .as_deref()
        .map(crate::oauth::PublicUrl::parse)
    {
        Some(Ok(url)) => format!("{}/mcp (--public-url; OAuth on)", url.origin()),
        _ if public.is_empty() => local.to_owned(),
        _ => format!(
            "{} (TLS terminated in front of this server)",
            public.join(", ")
        ),
    }
}

/// The configuration checks and summary, from the same flags and environment as `serve`.
pub fn check_config(args: &ServeArgs) -> (Vec<Check>, String) {
    let mut checks = Vec::new();
    let mut summary = String::new();
    let common = &args.common;
    let upstream = if common.sandbox {
        "the built-in sandbox account (--sandbox)".to_owned()
    } else {
        common.api_url.clone()
    };
    let _ = writeln!(summary, "  Digistore24 API    {upstream}");
    let _ = writeln!(summary, "  listen             {}", args.listen);
    let _ = writeln!(
        summary,
        "  allowed hosts      {}",
        args.hosts().unwrap_or_default().join(", ")
    );
    let public_url = args
        .oauth
        .public_url
        .as_deref()
        .map(crate::oauth::PublicUrl::parse);
    let connect = connect_to(args, &format!("http://{}/mcp", args.listen));
    let _ = writeln!(summary, "  clients connect to {connect}");
    if let Some(Err(e)) = &public_url {
        checks.push(Check::fail(
            "Public URL",
            format!("--public-url is not usable: {e}"),
            "Give the origin clients use, e.g. --public-url https://mcp.example.com (DS24_MCP_PUBLIC_URL).",
        ));
    }
    let origins = if args.allowed_origins.is_empty() {
        "none (browser pages on other hosts get 403)".to_owned()
    } else {
        args.allowed_origins.join(", ")
    };
    let _ = writeln!(summary, "  allowed origins    {origins}");
    match common.selection.inventory() {
        Ok(inventory) => {
            let everyone = crate::tools::Scope::default();
            let offered: Vec<_> = inventory.visible(&everyone).collect();
            let writes = offered
                .iter()
                .filter(|(e, _)| e.function.writes())
                .count();
            let _ = writeln!(
                summary,
                "  tools              {} offered ({writes} change data); toolsets `{}`{}{}",
                offered.len(),
                common.selection.toolsets.as_deref().unwrap_or("default"),
                if common.selection.read_only { "; read-only (--read-only)" } else { "" },
                if inventory.mode() == crate::tools::Mode::Compact {
                    format!(
                        "; compact mode: clients list {} tools that search, describe and call them",
                        crate::tools::compact::tools(&inventory, &everyone).len()
                    )
                } else {
                    String::new()
                }
            );
            if offered.is_empty() {
                checks.push(Check::fail(
                    "Tools",
                    "these settings offer no tool at all (a write-only selection with --read-only, or toolsets with nothing in them)",
                    "Widen --toolsets / --tools (DS24_MCP_TOOLSETS, DS24_MCP_TOOLS), or drop --read-only; `ds24-mcp tools --toolsets all` lists every tool and its toolset.",
                ));
            } else {
            checks.push(Check::note(
                "Tools",
                format!("{} tools offered with these settings", offered.len()),
                "If a client shows none or fewer: some clients cap the number of tools; narrow with --toolsets or the X-DS24-Toolsets header. `ds24-mcp tools --toolsets all` lists every tool and its toolset. Write tools are hidden on /mcp/readonly and with --read-only.",
            ));
            }
        }
        Err(e) => checks.push(Check::fail(
            "Tools",
            format!("the tool selection is invalid: {e}"),
            "Fix --toolsets / --tools / --exclude-tools (DS24_MCP_TOOLSETS, DS24_MCP_TOOLS, DS24_MCP_EXCLUDE_TOOLS).",
        )),
    }
    let secret = match &common.state_secret {
        Some(_) => "configured (DS24_MCP_STATE_SECRET)",
        None => "random per process",
    };
    let _ = writeln!(summary, "  state secret       {secret}");
    let audit = match &common.audit.audit_log {
        Some(path) => format!(
            "{path} ({:?}{})",
            common.audit.audit,
            if common.audit.audit_required {
                ", required"
            } else {
                ""
            }
        )
        .to_lowercase(),
        None => "off".to_owned(),
    };
    let _ = writeln!(summary, "  audit log          {audit}");
    let metrics = args
        .metrics_listen
        .map_or_else(|| "off".to_owned(), |a| format!("http://{a}/metrics"));
    let _ = writeln!(summary, "  metrics            {metrics}");
    let _ = writeln!(
        summary,
        "  key rate limit     {}",
        if common.key_rate_limit == 0 {
            "off".to_owned()
        } else {
            format!("{} calls/s per key", common.key_rate_limit)
        }
    );

    if args.public_with_loopback_hosts() {
        checks.push(Check::fail(
            "Hosts",
            format!(
                "listening on {} but --allowed-hosts only lists loopback names: every request addressed to the public hostname gets 403",
                args.listen
            ),
            "Add the public hostname: --allowed-hosts mcp.example.com (DS24_MCP_ALLOWED_HOSTS). 403 also comes from a browser Origin not in --allowed-origins.",
        ));
    } else {
        checks.push(Check::ok(
            "Hosts",
            "the Host allowlist fits the listen address",
        ));
    }
    checks.extend(start_up_checks(args));
    if let Err(e) = common.secret() {
        // The server would refuse to start (a placeholder, too short): say so here too.
        checks.push(Check::fail(
            "State secret",
            e.to_string(),
            "Set DS24_MCP_STATE_SECRET to your own value of 32+ random characters (e.g. `openssl rand -base64 48`), the same on every replica.",
        ));
    } else if common.state_secret.is_none() && args.oauth.public_url.is_some() {
        // What `serve` warns about with OAuth on, wherever it listens (operator review: a
        // loopback listen behind a proxy passed the doctor without it).
        checks.push(Check::note(
            "State secret",
            "random per process: OAuth tokens are sealed with it, so every connected client must sign in again after a restart, and replicas cannot read each other's tokens",
            "Set DS24_MCP_STATE_SECRET to the same 32+ character value on every replica.",
        ));
    } else if common.state_secret.is_none() && !args.listen.ip().is_loopback() {
        checks.push(Check::note(
            "State secret",
            "random per process: a confirmation started on one replica (or before a restart) is refused by another",
            "Set DS24_MCP_STATE_SECRET to the same 32+ character value on every replica.",
        ));
    }
    (checks, summary)
}

/// What `serve` checks before it starts, checked the same way: a configuration the doctor
/// passes must start (an operator runs the doctor with the deployment's environment, and a
/// pass followed by crash-looping pods is worse than no check).
fn start_up_checks(args: &ServeArgs) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut refuse = |name, result: anyhow::Result<()>, fix: &str| {
        if let Err(e) = result {
            checks.push(Check::fail(name, format!("{e:#}"), fix));
        }
    };
    refuse(
        "Hosts",
        args.hosts().map(drop),
        "List the hostnames clients use.",
    );
    refuse(
        "Developer key",
        args.oauth.developer_key().map(drop),
        "Point --developer-key-file (DS24_MCP_DEVELOPER_KEY_FILE) at a readable file holding the Digistore24 developer key, or leave it unset.",
    );
    refuse(
        "OAuth",
        args.oauth
            .mode()
            .and_then(|_| args.oauth.lifetimes())
            .map(drop),
        "Fix the OAuth flags as the message says (`ds24-mcp serve --help`, OAuth section).",
    );
    refuse(
        "Limits",
        args.connection_limits()
            .and_then(|_| crate::cli::seconds(args.body_read_timeout, "body-read-timeout"))
            .and_then(|_| args.common.limits())
            .map(drop),
        "Fix the limit as the message says (`ds24-mcp serve --help`).",
    );
    if let Some(config) = args.common.audit.config() {
        // Opened as `serve` opens it (created when missing, appended to, never truncated).
        refuse(
            "Audit log",
            crate::audit::Auditor::start(&config)
                .map(drop)
                .map_err(anyhow::Error::from),
            "Give --audit-log (DS24_MCP_AUDIT_LOG) a path in a writable directory, or `-` for standard error.",
        );
    }
    // Held until every address was tried: `serve` holds them all at once, so the metrics
    // address must not be the listen address either.
    let mut bound = Vec::new();
    for (name, flag, addr) in [
        ("Listen", "--listen (DS24_MCP_LISTEN)", Some(args.listen)),
        (
            "Metrics",
            "--metrics-listen (DS24_MCP_METRICS_LISTEN)",
            args.metrics_listen,
        ),
    ] {
        let Some(addr) = addr else { continue };
        match std::net::TcpListener::bind(addr) {
            Ok(listener) => bound.push(listener),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && !bound.is_empty() => {
                checks.push(Check::fail(
                    name,
                    format!("{addr} is in use (by the address above, or by another program): `serve` could not listen on both"),
                    format!("Give {flag} a port of its own."),
                ));
            }
            // Also what a doctor run beside the running server finds: not a fault by itself.
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => checks.push(Check::note(
                name,
                format!("{addr} is in use: by this server if it is running, else by another program, and then `serve` cannot start"),
                format!("If no ds24-mcp is running here, choose a free port with {flag}."),
            )),
            Err(e) => checks.push(Check::fail(
                name,
                format!("cannot listen on {addr}: {e}"),
                format!("Choose an address this machine has and a port it may open with {flag} (ports below 1024 need privileges)."),
            )),
        }
    }
    checks
}

/// The report, as printed.
pub fn report(api: &[Check], config: &[Check], summary: &str) -> String {
    let mut out = String::from("ds24-mcp doctor\n\nDigistore24\n");
    for c in api {
        line(&mut out, c);
    }
    out.push_str("\nConfiguration\n");
    out.push_str(summary);
    for c in config {
        line(&mut out, c);
    }
    let failed = api
        .iter()
        .chain(config)
        .filter(|c| c.status == Status::Fail)
        .count();
    out.push_str(&format!(
        "\n{}\n",
        match failed {
            0 => "All checks passed.".to_owned(),
            1 => "1 problem: see `fix` above.".to_owned(),
            n => format!("{n} problems: see `fix` above."),
        }
    ));
    out
}

fn line(out: &mut String, c: &Check) {
    let tag = match c.status {
        Status::Ok => "ok  ",
        Status::Note => "note",
        Status::Fail => "FAIL",
    };
    let _ = writeln!(out, "  {tag}  {}: {}", c.name, c.detail);
    if !c.fix.is_empty() && c.status != Status::Ok {
        let _ = writeln!(out, "        fix: {}", c.fix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> chrono::DateTime<Utc> {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn server_time_is_berlin_wall_clock_time() {
        // Winter: UTC+1. Summer: UTC+2.
        assert_eq!(
            skew("2026-01-15 13:00:00", at("2026-01-15T12:00:00Z")),
            Some(0.0)
        );
        assert_eq!(
            skew("2026-07-15 14:00:00", at("2026-07-15T12:00:00Z")),
            Some(0.0)
        );
        assert_eq!(
            skew("2026-07-15 14:00:00", at("2026-07-15T12:02:00Z")),
            Some(120.0)
        );
        assert_eq!(
            skew("2026-07-15 14:00:00", at("2026-07-15T11:59:30Z")),
            Some(-30.0)
        );
        assert_eq!(skew("garbage", at("2026-07-15T11:59:30Z")), None);
    }

    #[test]
    fn the_clock_check_allows_the_round_trip_and_fails_beyond_a_minute() {
        let ping = json!({"server_time": "2026-07-15 14:00:00"});
        let rt = Duration::from_millis(300);
        assert_eq!(
            clock_check(&ping, at("2026-07-15T12:00:30Z"), rt).status,
            Status::Ok
        );
        let off = clock_check(&ping, at("2026-07-15T12:05:00Z"), rt);
        assert_eq!(off.status, Status::Fail);
        assert!(off.detail.contains("ahead"), "{}", off.detail);
        // A machine on UTC reading Berlin time as its own would be an hour off.
        let tz = clock_check(&ping, at("2026-07-15T14:00:00Z"), rt);
        assert_eq!(tz.status, Status::Fail);
    }
}
