//! The stdio front door for local clients: one process per client, the key from the
//! environment, logs on stderr only (stdout carries JSON-RPC).

use rmcp::ServiceExt;

use crate::mcp::Ds24Service;

/// Serves MCP on stdin/stdout until the client closes the stream.
pub async fn serve(service: Ds24Service) -> anyhow::Result<()> {
    let running = service.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
