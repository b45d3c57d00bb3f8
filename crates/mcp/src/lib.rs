//! The MCP client: the servers of `[mcp_servers]`, their tools, their
//! resources.
//!
//! # Design
//!
//! Built on the official Rust SDK (`rmcp`). [`McpConnectionManager::start`]
//! starts every enabled server of a session at once (a child process on
//! stdio, or a streamable HTTP endpoint through codex's own HTTP client, so
//! TLS stays on the ring provider) and reports each one's progress; one that
//! fails is named with its reason and left out. Each tool is offered under a
//! model-safe name (`naming`) with its schema made acceptable to the model
//! APIs (`schema`). Calls go to the right server within its tool timeout; a
//! server that died is started again by the next call. Server requests for
//! input (elicitation) go to an [`Elicitor`] the engine provides.
//!
//! The engine owns one manager per session and offers its tools through the
//! tool registry; this crate knows nothing of turns, approvals or events.

mod connection;
mod error;
mod handler;
mod manager;
pub mod naming;
mod schema;

pub use error::{CallError, StartupError};
pub use handler::{ElicitationRequest, ElicitationResponse, Elicitor};
pub use manager::{McpConnectionManager, McpToolInfo, ProgressFn};
pub use schema::to_function_parameters;
