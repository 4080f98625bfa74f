//! The stdio front door for local clients: one process per client, the key from the
//! environment, logs on stderr only (stdout carries JSON-RPC).

use std::sync::Arc;

use rmcp::ServiceExt;

use crate::context::RequestContext;
use crate::mcp::{Door, Ds24Service};
use crate::pipeline::Pipeline;

/// Serves MCP on stdin/stdout until the client closes the stream. Every request runs under
/// `context` (the environment's key, no narrowing).
pub async fn serve(pipeline: Arc<Pipeline>, context: RequestContext) -> anyhow::Result<()> {
    let service = Ds24Service::new(pipeline, Door::Fixed(Arc::new(context)));
    let running = service.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
