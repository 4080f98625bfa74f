//! The `ds24-mcp` binary: parse the command line, set up logging on stderr, run.

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
    // Logs go to stderr: in stdio mode stdout carries JSON-RPC and nothing else.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DS24_MCP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=warn")),
        )
        .init();
    match ds24_mcp::run::run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            // One readable line with its causes, whatever RUST_BACKTRACE says.
            eprintln!("ds24-mcp: {e:#}");
            ExitCode::FAILURE
        }
    }
}
