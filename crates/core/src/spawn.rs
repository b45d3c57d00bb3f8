//! What a new session is started with ([`SpawnParams`]), and how a feature
//! starts a session of its own (a review's reviewer, a sub-agent, the
//! memory consolidator) without naming the seam: the seam hands every
//! session a [`SpawnThread`] at start (`crate::codex`), kept in its
//! [`crate::features::Features`].

use std::path::PathBuf;
use std::sync::Arc;

use codex_config::Config;
use codex_protocol::ThreadId;
use codex_protocol::rollout::{RolloutItem, SessionSource};

use crate::error::CodexResult;
use crate::features::SessionFeatures as _;
use crate::queue_pair::Codex;
use crate::session::Session;
use crate::tools::ToolHandler;

/// How a session starts.
#[derive(Debug, Clone, Default)]
pub enum InitialHistory {
    #[default]
    New,
    /// Continue a session: same id, same file.
    Resumed {
        thread_id: ThreadId,
        items: Vec<RolloutItem>,
        rollout_path: PathBuf,
    },
    /// Copy a session's history into a new session.
    Forked {
        from: ThreadId,
        items: Vec<RolloutItem>,
    },
}

/// Who starts the session and how.
#[derive(Clone)]
pub struct SpawnParams {
    pub initial_history: InitialHistory,
    pub source: SessionSource,
    /// `codex_exec`, `codex_cli_rs`, ...: sent as the `originator` header.
    pub originator: String,
    /// Do not write a session file.
    pub ephemeral: bool,
    /// The program that plays `codex-linux-sandbox` (normally the running
    /// `codex` binary).
    pub linux_sandbox_exe: Option<PathBuf>,
    /// The state database, if one is open (the session works without it).
    pub state_db: Option<codex_state::StateDb>,
    /// Tools offered in addition to the built-in ones.
    pub extra_tools: Vec<Arc<dyn ToolHandler>>,
    /// Sent as `warning` events right after `session_configured` (problems
    /// found while reading a resumed file, for example).
    pub startup_warnings: Vec<String>,
    /// Who started the thread (`user` unless a program says otherwise,
    /// e.g. the SDK's `--thread-source`); recorded in the session file.
    pub thread_source: String,
    /// What starts the turns (`tui`, `exec`, `mcp`, `app_server`): the
    /// frontend says so; the engine knows no frontend's name.
    pub turn_trigger: String,
    /// Set when the session is a sub-agent: its place in the agent tree
    /// (see `crate::agents`).
    pub subagent: Option<crate::agents::AgentLink>,
}

impl SpawnParams {
    /// A new session from `source`, with nothing else set.
    pub fn new(source: SessionSource, originator: impl Into<String>) -> Self {
        Self {
            initial_history: InitialHistory::New,
            source,
            originator: originator.into(),
            ephemeral: false,
            linux_sandbox_exe: None,
            state_db: None,
            extra_tools: Vec::new(),
            startup_warnings: Vec::new(),
            thread_source: "user".to_string(),
            turn_trigger: "tui".to_string(),
            subagent: None,
        }
    }
}

/// A session being started.
pub(crate) type Spawning =
    std::pin::Pin<Box<dyn std::future::Future<Output = CodexResult<Codex>> + Send>>;

/// Starts a session: the seam's `Codex::spawn`, behind a boxed future with a
/// written-out type (the concrete future would make a task's type contain
/// itself).
pub(crate) type SpawnThread = fn(Config, SpawnParams) -> Spawning;

/// Starts a session on behalf of `parent`.
pub(crate) fn spawn_child(parent: &Session, config: Config, params: SpawnParams) -> Spawning {
    (parent.features().spawn_thread)(config, params)
}

/// The settings of the engine's own child sessions (a reviewer, the
/// memory consolidator), from the parent's: no user or developer
/// instructions, AGENTS.md, web search, image viewing, MCP servers,
/// notifications, interactive exec, hooks, undo or memories. The caller
/// sets the model, prompt, policies and cwd.
pub(crate) fn child_config(parent: &Config) -> Config {
    let mut config = parent.clone();
    config.user_instructions = None;
    config.developer_instructions = None;
    config.project_doc_max_bytes = 0;
    config.web_search = codex_config::WebSearchMode::Disabled;
    config.view_image = false;
    config.mcp_servers.clear();
    config.notify = None;
    config.memories.generate_memories = Some(false);
    config.memories.use_memories = Some(false);
    for feature in ["unified_exec", "hooks", "undo", "memories", "goals"] {
        config.features.insert(feature.to_string(), false);
    }
    config
}

/// The spawn parameters of an engine child session: ephemeral, with the
/// parent's originator, turn trigger and sandbox helper.
pub(crate) fn child_params(
    parent: &crate::state::SessionServices,
    thread_source: &str,
) -> SpawnParams {
    let mut params = SpawnParams::new(SessionSource::Exec, parent.originator.clone());
    params.ephemeral = true;
    params.linux_sandbox_exe = parent.linux_sandbox_exe.clone();
    params.thread_source = thread_source.to_string();
    params.turn_trigger = parent.turn_trigger.clone();
    params
}
