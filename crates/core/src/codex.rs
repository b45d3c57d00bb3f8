//! The queue pair (`submit` / `next_event`) and how a session is started.

use std::path::PathBuf;
use std::sync::Arc;

use codex_config::Config;
use codex_protocol::ThreadId;
use codex_protocol::protocol::{Event, Op, Submission};
use codex_protocol::rollout::{RolloutItem, SessionSource};
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::error::{CodexErr, CodexResult};
use crate::tools::ToolHandler;

/// Submissions waiting for the loop; a frontend that submits faster than
/// this waits.
const SUBMISSION_CHANNEL_CAPACITY: usize = 64;

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

/// [`Codex::spawn`] for the engine's own child sessions (a review's
/// reviewer), behind a boxed future with a written-out type: the concrete
/// future would make a task's type contain itself.
pub(crate) fn spawn_child(
    config: Config,
    params: SpawnParams,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = CodexResult<Codex>> + Send>> {
    Box::pin(Codex::spawn(config, params))
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

/// The engine, as a queue pair.
pub struct Codex {
    tx_sub: mpsc::Sender<Submission>,
    rx_event: tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    thread_id: ThreadId,
}

impl Codex {
    /// Starts a session. The first event is `session_configured`.
    pub async fn spawn(config: Config, params: SpawnParams) -> CodexResult<Self> {
        let (tx_sub, rx_sub) = mpsc::channel(SUBMISSION_CHANNEL_CAPACITY);
        let (tx_event, rx_event) = mpsc::unbounded_channel();
        let started = crate::session_init::start_session(config, params, tx_event).await?;
        let thread_id = started.session.thread_id;
        // Everything the session does is logged under its thread id.
        let span = tracing::info_span!("session", thread_id = %thread_id);
        tokio::spawn(
            crate::submission_loop::run(started.session, rx_sub, started.previous_env)
                .instrument(span),
        );
        Ok(Self {
            tx_sub,
            rx_event: tokio::sync::Mutex::new(rx_event),
            thread_id,
        })
    }

    pub fn thread_id(&self) -> ThreadId {
        self.thread_id
    }

    /// Queues `op`; returns its submission id, a UUIDv7 as the reference's
    /// turn ids are: unique across resumes and forks of the thread (a
    /// counter would start again at 0 in every process), and time-ordered.
    pub async fn submit(&self, op: Op) -> CodexResult<String> {
        let id = uuid::Uuid::now_v7().to_string();
        self.tx_sub
            .send(Submission { id: id.clone(), op })
            .await
            .map_err(|_| CodexErr::InternalAgentDied)?;
        Ok(id)
    }

    /// A thread whose session runs elsewhere: whoever holds the other ends
    /// of the channels (a remote client's pump) reads the submissions and
    /// sends the events.
    pub fn from_channels(
        thread_id: ThreadId,
        tx_sub: mpsc::Sender<Submission>,
        rx_event: mpsc::UnboundedReceiver<Event>,
    ) -> Self {
        Self {
            tx_sub,
            rx_event: tokio::sync::Mutex::new(rx_event),
            thread_id,
        }
    }

    /// The next event.
    pub async fn next_event(&self) -> CodexResult<Event> {
        self.rx_event
            .lock()
            .await
            .recv()
            .await
            .ok_or(CodexErr::InternalAgentDied)
    }
}
