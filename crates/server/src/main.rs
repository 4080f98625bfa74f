//! The `ds24-mcp` binary: parse the command line, set up logging on stderr, run.

use clap::Parser;
use ds24_mcp::cli::{Cli, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to stderr: in stdio mode stdout carries JSON-RPC and nothing else.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DS24_MCP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=warn")),
        )
        .init();
    run(Cli::parse()).await
}
