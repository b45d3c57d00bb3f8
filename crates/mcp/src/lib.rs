//! The MCP client: the servers of `[mcp_servers]`, their tools, their
//! resources.
//!
//! # Design
//!
//! Built on the official Rust SDK (`rmcp`). [`McpConnectionManager::start`]
//! starts every enabled server of a session at once, each in the background
//! (a child process on stdio, or a streamable HTTP endpoint through codex's
//! own HTTP client, so TLS stays on the ring provider), and reports each
//! one's progress; a server's tools join the [`Catalog`] when it is ready, so
//! nothing waits for the slowest one. One that fails is named with its
//! reason and left out. Each tool is offered under a
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
pub mod oauth;
mod schema;

pub use error::{CallError, StartupError};
pub use handler::{ElicitationRequest, ElicitationResponse, Elicitor};
pub use manager::{Catalog, McpConnectionManager, McpToolInfo, ProgressFn, ServerState};
pub use schema::to_function_parameters;

/// A std mutex's guard, also after a panic elsewhere (the data stays usable:
/// every writer leaves it whole).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
