//! The `ds24-mcp` binary: parse the command line, set up logging on stderr, run.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use ds24_mcp::cli::Cli;

/// mimalloc instead of the system allocator: a tool call parses, shapes and writes JSON, which
/// is thousands of small allocations; with glibc's allocator they were about a third of the
/// server's CPU per `listProducts` call (README, Performance, has the before and after).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr: in stdio mode stdout carries JSON-RPC and nothing else.
    ds24_mcp::telemetry::init_logs(cli.log_format);
    match ds24_mcp::run::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            // One readable line with its causes, whatever RUST_BACKTRACE says (and no panic
            // if stderr is gone: the exit code still says it failed).
            let _ = writeln!(std::io::stderr(), "ds24-mcp: {e:#}");
            ExitCode::FAILURE
        }
    }
}
