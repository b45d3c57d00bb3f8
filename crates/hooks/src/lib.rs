//! Hooks: the user's own programs, run at points of a session's life, in
//! the style of Claude Code's hooks (so the same scripts work with codex,
//! with Claude Code and with the reference Codex CLI).
//!
//! - [`discovery`]: reading `hooks.json` and `[hooks]` of each layer into a
//!   [`HookRegistry`] (project layers only when the project is trusted).
//! - [`runner`]: running the matching handlers of one event in parallel,
//!   with the event's JSON on stdin, bounded by their timeouts.
//! - [`output`]: what their exit codes and JSON mean, and combining them.
//! - [`trust`]: the reference's per-hook trust record (`[hooks.state]`),
//!   which a plugin's hooks need before they run.
//!
//! The engine decides when each event fires and what the outcome changes;
//! this crate knows nothing of turns or tools beyond their names.

pub mod discovery;
pub mod output;
pub mod runner;
pub mod trust;

pub use discovery::{Handler, HookRegistry, Layer, Origin};
pub use output::{HookResult, Permission, combine};
pub use runner::{HookRun, run_handlers};

/// The lifecycle points, by the reference's (and Claude Code's) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookEvent {
    SessionStart,
    UserPromptSubmit,
    PreToolUse,
    PermissionRequest,
    PostToolUse,
    PreCompact,
    PostCompact,
    Stop,
    StopFailure,
    SubagentStart,
    SubagentStop,
}

const ALL: [HookEvent; 11] = [
    HookEvent::SessionStart,
    HookEvent::UserPromptSubmit,
    HookEvent::PreToolUse,
    HookEvent::PermissionRequest,
    HookEvent::PostToolUse,
    HookEvent::PreCompact,
    HookEvent::PostCompact,
    HookEvent::Stop,
    HookEvent::StopFailure,
    HookEvent::SubagentStart,
    HookEvent::SubagentStop,
];

impl HookEvent {
    pub fn name(self) -> &'static str {
        match self {
            Self::SessionStart => "SessionStart",
            Self::UserPromptSubmit => "UserPromptSubmit",
            Self::PreToolUse => "PreToolUse",
            Self::PermissionRequest => "PermissionRequest",
            Self::PostToolUse => "PostToolUse",
            Self::PreCompact => "PreCompact",
            Self::PostCompact => "PostCompact",
            Self::Stop => "Stop",
            Self::StopFailure => "StopFailure",
            Self::SubagentStart => "SubagentStart",
            Self::SubagentStop => "SubagentStop",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        ALL.into_iter().find(|e| e.name() == name)
    }

    fn names() -> String {
        ALL.map(HookEvent::name).join(", ")
    }
}
