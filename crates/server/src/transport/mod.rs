//! The front doors: how requests reach the MCP service. Each door builds the same
//! [`RequestContext`](crate::context::RequestContext) and nothing else differs downstream.

pub mod connections;
pub mod correlation;
pub mod http;
pub mod message;
pub mod stdio;
pub mod tools_call;
pub mod tools_list;
#[cfg(test)]
mod twins;
