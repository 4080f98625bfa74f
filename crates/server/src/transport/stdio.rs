//! The stdio front door for local clients: one process per client, the key from the
//! environment, logs on stderr only (stdout carries JSON-RPC).
//!
//! rmcp's stdio transport drops a line it cannot read without a word, so a client that sent
//! one (a number beyond a float's range, `1e400`, in a tool's arguments; a line cut short)
//! would wait for an answer forever. Lines therefore pass a reader first: a line that is not
//! JSON, or is longer than [`MAX_LINE_BYTES`], is answered here with a JSON-RPC parse error
//! (with the request's id when it can be read) and the server goes on; every other line goes
//! to rmcp unchanged. Answers from both reach stdout as whole lines.

use std::sync::Arc;

use rmcp::ServiceExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::context::RequestContext;
use crate::mcp::{Door, Ds24Service};
use crate::pipeline::Pipeline;

/// Longest line read from the client: far above any MCP request a client sends, and what
/// bounds the memory one line can take.
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// Room in the pipes between the reader, rmcp and the writer.
const PIPE_BYTES: usize = 64 << 10;

/// Serves MCP on stdin/stdout until the client closes the stream. Every request runs under
/// `context` (the environment's key, no narrowing).
pub async fn serve(pipeline: Arc<Pipeline>, context: RequestContext) -> anyhow::Result<()> {
    serve_on(pipeline, context, tokio::io::stdin(), tokio::io::stdout()).await
}

/// [`serve`] on any pair of streams.
async fn serve_on(
    pipeline: Arc<Pipeline>,
    context: RequestContext,
    input: impl AsyncRead + Unpin + Send + 'static,
    output: impl AsyncWrite + Unpin + Send + 'static,
) -> anyhow::Result<()> {
    let service = Ds24Service::new(pipeline, Door::Fixed(Arc::new(context)));
    let (to_rmcp, rmcp_reads) = tokio::io::duplex(PIPE_BYTES);
    let (rmcp_writes, from_rmcp) = tokio::io::duplex(PIPE_BYTES);
    let (refusals, refused) = mpsc::channel(16);
    let reader = tokio::spawn(read_lines(input, to_rmcp, refusals));
    let writer = tokio::spawn(write_lines(from_rmcp, refused, output));
    let running = service.serve((rmcp_reads, rmcp_writes)).await?;
    running.waiting().await?;
    reader.abort();
    // rmcp's end of the pipe is gone: the writer passes on what is left and ends.
    writer.await??;
    Ok(())
}

/// Passes the client's lines to rmcp, and answers the ones it could not read.
async fn read_lines(
    input: impl AsyncRead + Unpin,
    mut to_rmcp: impl AsyncWrite + Unpin,
    refusals: mpsc::Sender<Vec<u8>>,
) -> std::io::Result<()> {
    let mut input = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        line.clear();
        let limit = u64::try_from(MAX_LINE_BYTES + 1).unwrap_or(u64::MAX);
        let read = (&mut input)
            .take(limit)
            .read_until(b'\n', &mut line)
            .await?;
        if read == 0 {
            return Ok(());
        }
        if !line.ends_with(b"\n") && line.len() > MAX_LINE_BYTES {
            skip_rest_of_line(&mut input).await?;
            let answer = parse_error(
                None,
                &format!("the line is longer than {MAX_LINE_BYTES} bytes"),
            );
            if refusals.send(answer).await.is_err() {
                return Ok(());
            }
            continue;
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(text) {
            Ok(_) => {
                to_rmcp.write_all(text).await?;
                to_rmcp.write_all(b"\n").await?;
                to_rmcp.flush().await?;
            }
            Err(e) => {
                if refusals
                    .send(parse_error(
                        super::message::request_id(text),
                        &e.to_string(),
                    ))
                    .await
                    .is_err()
                {
                    return Ok(());
                }
            }
        }
    }
}

/// Reads on to the end of a line too long to keep.
async fn skip_rest_of_line(input: &mut (impl AsyncBufReadExt + Unpin)) -> std::io::Result<()> {
    loop {
        let buffer = input.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(());
        }
        match buffer.iter().position(|&b| b == b'\n') {
            Some(at) => {
                input.consume(at + 1);
                return Ok(());
            }
            None => {
                let len = buffer.len();
                input.consume(len);
            }
        }
    }
}

/// A JSON-RPC parse error as a line.
fn parse_error(id: Option<Value>, why: &str) -> Vec<u8> {
    let mut answer = json!({
        "jsonrpc": "2.0",
        "error": {"code": -32700, "message": format!("Parse error: {why}. Send one JSON-RPC message per line.")},
    });
    if let Some(id) = id {
        answer["id"] = id;
    }
    let mut line = answer.to_string().into_bytes();
    line.push(b'\n');
    line
}

/// Writes rmcp's lines and the reader's refusals to the client, each line whole.
async fn write_lines(
    from_rmcp: impl AsyncRead + Unpin,
    mut refused: mpsc::Receiver<Vec<u8>>,
    mut output: impl AsyncWrite + Unpin,
) -> std::io::Result<()> {
    let mut from_rmcp = BufReader::new(from_rmcp);
    let mut line = Vec::new();
    let mut rmcp_open = true;
    loop {
        tokio::select! {
            read = from_rmcp.read_until(b'\n', &mut line), if rmcp_open => {
                if read? == 0 {
                    rmcp_open = false;
                } else {
                    output.write_all(&line).await?;
                    output.flush().await?;
                    line.clear();
                }
            }
            answer = refused.recv() => match answer {
                Some(answer) => {
                    output.write_all(&answer).await?;
                    output.flush().await?;
                }
                None if rmcp_open => {
                    // The reader is done; rmcp still answers what it was sent (after the part
                    // of a line already read, if any).
                    from_rmcp.read_to_end(&mut line).await?;
                    output.write_all(&line).await?;
                    output.flush().await?;
                    return Ok(());
                }
                None => return Ok(()),
            },
            else => return Ok(()),
        }
        if !rmcp_open && refused.is_closed() && refused.is_empty() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_that_cannot_be_read_keeps_its_id() {
        let line =
            br#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"arguments":{"x":1e400}}}"#;
        assert!(serde_json::from_slice::<Value>(line).is_err());
        assert_eq!(super::super::message::request_id(line), Some(json!(5)));
        assert_eq!(super::super::message::request_id(b"not json"), None);
        let answer: Value = serde_json::from_slice(&parse_error(Some(json!("a")), "x")).unwrap();
        assert_eq!(answer["id"], "a");
        assert_eq!(answer["error"]["code"], -32700);
    }
}
