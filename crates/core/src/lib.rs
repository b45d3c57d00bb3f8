//! The codex engine.
//!
//! Frontends hold a [`ThreadManager`], which starts, resumes, forks and lists
//! threads, and talk to each thread's [`Codex`] — a queue pair: a frontend
//! [`submits`](Codex::submit) [`Op`](codex_protocol::protocol::Op)s and reads
//! [`Event`](codex_protocol::protocol::Event)s with
//! [`next_event`](Codex::next_event). Nothing else of this crate is theirs to
//! use. Behind the queue pair a submission loop owns the
//! [`Session`](session::Session) and runs at most one task at a time; input
//! that arrives during a task joins the task's next model request.
//!
//! A task loops: build the prompt from the full history → stream the model's
//! response → run its tool calls (concurrently where safe, results kept in
//! order) → record everything, until a response calls no tool. Stream errors
//! are retried; a conversation that outgrows its window is compacted. Every
//! recorded item also goes to the session file ([`rollout`]), from which a
//! session can be resumed exactly or forked.
//!
//! The model's tools are [`ToolHandler`]s in a per-turn [`ToolRegistry`]
//! (see [`tools`]); a frontend or test may add its own. Commands run through
//! `codex-sandbox` under the session's policy; approvals follow
//! `tools::orchestrator`. The engine never prints: everything it has to say
//! is an event.

mod agents;
mod approvals;
mod codex;
mod compact;
mod entry;
mod environment_context;
mod error;
mod exec_rules;
mod features;
mod ghost;
mod git_info;
mod goals;
mod history;
mod hooks;
mod initial_context;
mod instructions;
mod item_lifecycle;
pub mod logging;
mod mcp;
mod memories;
pub mod message_history;
mod network_allowlist;
mod notify;
mod one_off;
mod parse_command;
mod plan_mode;
mod project_doc;
mod queue_pair;
mod resume_settings;
mod review;
mod rewind;
pub mod rollout;
mod safety;
mod sampling;
mod session;
mod session_init;
mod shell_snapshot;
mod skills;
mod spawn;
mod state;
mod submission_loop;
mod tasks;
mod telemetry;
mod thread_index;
mod thread_manager;
pub mod tools;
mod turn;
mod turn_context;
mod turn_diff;
mod undo;
mod unified_exec;
mod user_shell;
mod util;

pub use agents::AgentLink;
pub use entry::{
    ExitSignal, block_on_runtime, frontend_handles_signals, report_exit, run_async_main,
};
pub use error::{CodexErr, CodexResult, error_report};
pub use git_info::git_root;
pub use hooks::discover_hooks;
pub use item_lifecycle::{Emitted, ItemLifecycle};
pub use memories::{MemoryFile, MemoryStatus};
pub use network_allowlist::{network_policy, start_network_proxy};
pub use one_off::{OneOffCommand, OneOffOutput};
pub use parse_command::{display_command, shell_join};
pub use queue_pair::Codex;
pub use review::{ReviewTarget, parse_review_output, render_findings, review_request};
pub use spawn::{InitialHistory, SpawnParams};
pub use thread_manager::{
    NewThread, ThreadListQuery, ThreadManager, ThreadManagerOptions, ThreadRef, ThreadSummary,
};
pub use tools::{ToolHandler, ToolInvocation, ToolOutput, ToolPayload, ToolRegistry};
