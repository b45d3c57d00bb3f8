//! Long-lived helpers of a session (no mutable state of their own).

use std::path::PathBuf;
use std::sync::Arc;

use codex_client::HttpClient;
use codex_config::Config;

use crate::notify::UserNotifier;
use crate::rollout::RolloutRecorder;
use crate::tools::{ToolHandler, ToolRegistry, ToolsConfig};

/// Builds the tool registry of a turn with `config` for the session, its
/// settings and its model.
pub(crate) type TurnTools = fn(
    &crate::session::Session,
    &ToolsConfig,
    &crate::state::SessionConfiguration,
    &codex_client::ModelFamily,
) -> ToolRegistry;

pub(crate) struct SessionServices {
    pub(crate) config: Arc<Config>,
    /// OpenTelemetry events, spans and metrics; None unless `[otel]`
    /// configures an exporter.
    pub(crate) telemetry: Option<codex_otel::SessionTelemetry>,
    /// None for an ephemeral session.
    pub(crate) rollout: Option<RolloutRecorder>,
    /// The threads index, when the database could be opened.
    pub(crate) state_db: Option<codex_state::StateDb>,
    /// history.jsonl as counted at start (announced in SessionConfigured),
    /// which makes looking up recent entries cheap.
    pub(crate) history_count: crate::message_history::HistoryCount,
    /// Appends `AddToHistory` entries to history.jsonl, in order.
    pub(crate) history: crate::message_history::HistoryAppender,
    pub(crate) notifier: UserNotifier,
    /// Shared by all model requests of the session (connection reuse).
    pub(crate) http: HttpClient,
    pub(crate) auth: Option<codex_client::auth::RequestAuth>,
    /// The rewind checkpoints of this thread, one per user message.
    pub(crate) checkpoints: std::sync::Mutex<codex_rewind::Checkpoints>,
    /// What `SessionStart` hooks added, for the first request.
    pub(crate) session_start_context: std::sync::Mutex<Option<String>>,
    /// `codex_exec`, `codex_cli_rs`, ...
    pub(crate) originator: String,
    /// `user`, or what the program that started the thread said.
    pub(crate) thread_source: String,
    /// `turn_trigger` of the turn metadata, as the frontend gave it.
    pub(crate) turn_trigger: String,
    /// Someone can answer the model's questions (not `codex exec`, not an
    /// engine child session).
    pub(crate) user_present: bool,
    /// The program that plays `codex-linux-sandbox`.
    pub(crate) linux_sandbox_exe: Option<PathBuf>,
    /// The command rules (`$CODEX_HOME/rules`, and the project's
    /// `.codex/rules` when it is trusted), read again when they change.
    pub(crate) exec_rules: codex_execpolicy::RulesCache,
    /// The network allowlist proxy, when the permission profile lists
    /// domains: commands without full network reach only it.
    pub(crate) network_proxy: Option<codex_network_proxy::NetworkProxy>,
    /// The user's shell (`bash`, `zsh`, ...), for the environment context.
    pub(crate) user_shell: Option<String>,
    /// The AGENTS.md files' text, fixed for the session.
    pub(crate) agents_md: Option<String>,
    /// The config's `instructions`, fixed for the session.
    pub(crate) developer_instructions: Option<String>,
    pub(crate) base_instructions: String,
    /// What we know about models (built in, plus `model_catalog_json`).
    pub(crate) models: codex_client::ModelCatalog,
    /// Permits for running the model's commands (bounded concurrency).
    pub(crate) command_slots: Arc<tokio::sync::Semaphore>,
    /// Tools the frontend added to the built-in ones, registered every turn.
    pub(crate) extra_tools: Vec<Arc<dyn ToolHandler>>,
    /// The tools of a turn: the built-in ones, the features' and the
    /// frontend's (`crate::tools::handlers::turn_tools`, given by
    /// `session_init`: the registry of every tool sits above this layer).
    pub(crate) turn_tools: TurnTools,
    /// The spawning session, when this one is a sub-agent.
    pub(crate) subagent_parent: Option<codex_protocol::ThreadId>,
    /// Each feature's state for the session: a `crate::features::Features`,
    /// which this layer cannot name (read it with `session.features()`).
    pub(crate) features: Box<dyn std::any::Any + Send + Sync>,
    /// Set once this session was kept out of the memories (it used MCP
    /// tools or web search), so it is recorded once.
    pub(crate) memory_excluded: std::sync::atomic::AtomicBool,
}
