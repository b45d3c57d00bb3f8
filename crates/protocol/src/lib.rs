//! Plain data shared by every part of codex.
//!
//! This crate is the seam of the product. Frontends (`codex exec`, the TUI, the
//! servers) talk to the engine only by sending [`protocol::Op`]s and reading
//! [`protocol::Event`]s; the engine talks to the model in [`models::ResponseItem`]s,
//! the exact JSON shape of the OpenAI Responses API; and sessions are stored as
//! [`rollout::RolloutLine`]s. Keeping all of that in one dependency-light crate
//! (serde only, no I/O) is what lets every other crate agree on the wire format and
//! what lets tests assert on it.
//!
//! The JSON shapes are those of the reference Codex CLI, so files written by one
//! can be read by the other. Readers are tolerant (unknown fields are ignored and
//! unknown item types map to an `Other` variant where the reference has grown new
//! kinds); writers are exact.

pub mod config_types;
pub mod goals;
pub mod items;
pub mod jsonrpc;
pub mod mcp;
pub mod message_history;
pub mod models;
pub mod parse_command;
pub mod plan;
pub mod protocol;
pub mod rewind;
pub mod rollout;
pub mod thread_id;
pub mod user_input;
pub mod user_questions;

pub use thread_id::ThreadId;
