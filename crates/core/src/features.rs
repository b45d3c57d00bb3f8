//! The state each feature keeps for a session, in one place the features
//! layer owns.
//!
//! `SessionServices` (the session-state layer) cannot name a feature's
//! type: that would make the bottom of the engine import its middle. It
//! carries the features' state opaquely instead, and this module — at the
//! top of the features layer, built by `session_init` — gives it back its
//! type: `session.features().mcp`. A feature added to the engine adds its
//! field here, not to `SessionServices`.

use std::sync::{Arc, Mutex};

use crate::queue_pair::Codex;
use crate::session::Session;

pub(crate) struct Features {
    /// The session's hooks, when any were found.
    pub(crate) hooks: Option<Arc<crate::hooks::SessionHooks>>,
    /// The repository for ghost snapshots (None: not a git repository, or
    /// the `undo` feature is off), and the snapshots of past turns.
    pub(crate) ghost: Option<crate::ghost::Repo>,
    pub(crate) ghost_turns: Mutex<Vec<crate::ghost::TurnSnapshots>>,
    /// The reviewer of a running review task (approvals go to it too).
    pub(crate) review_child: Mutex<Option<Arc<Codex>>>,
    /// The sub-agents this session spawned, and its place in their tree.
    pub(crate) agents: Arc<crate::agents::AgentControl>,
    /// The interactive processes of `exec_command`.
    pub(crate) unified_exec: crate::unified_exec::UnifiedExec,
    /// The login shell's state, taken once in the background; read by
    /// each `bash -lc` command instead of the profile.
    pub(crate) shell_snapshot: crate::shell_snapshot::ShellSnapshot,
    /// The skills found for the session's cwd, and the section its history
    /// carries.
    pub(crate) skills: crate::skills::SessionSkills,
    /// The MCP servers (starting in the background, then running).
    pub(crate) mcp: Arc<crate::mcp::McpState>,
    /// How this session's features start sessions of their own.
    pub(crate) spawn_thread: crate::spawn::SpawnThread,
}

/// `session.features()`.
pub(crate) trait SessionFeatures {
    fn features(&self) -> &Features;
}

impl SessionFeatures for Session {
    fn features(&self) -> &Features {
        #[allow(clippy::expect_used)]
        self.services
            .features
            .downcast_ref::<Features>()
            // Invariant: `session_init` is the only place that builds
            // `SessionServices`, and it always stores a `Features` there.
            .expect("a session's services carry its Features")
    }
}
