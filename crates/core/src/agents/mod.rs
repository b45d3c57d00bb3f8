//! Sub-agents: threads a session spawns to work beside it (`spawn_agent`
//! and the other tools of the `multi_agent_v1` namespace, one handler per
//! file under `tools/handlers/`).
//!
//! A child is a session of its own ([`crate::queue_pair::Codex`]: its own
//! submission loop, a tokio task, not a process) with its own session file,
//! whose `session_meta` names the parent and the child's nickname and role
//! as the reference writes them. Each session holds an [`AgentControl`]:
//! the children it spawned, the notes for its next request, and a link to
//! the [`AgentTree`] every session of one tree shares, which holds the
//! limits (`[agents] max_threads`, `max_depth`, `job_max_runtime_seconds`)
//! and the count of open agents. Depth is carried by the spawn itself
//! (a child's depth is its spawner's plus one, whatever history it was
//! seeded with), so a fork cannot reset it.
//!
//! A pump task per child reads the child's events: it keeps the child's
//! [`AgentStatus`] (a `watch` channel `wait_agent` waits on), passes the
//! child's approval requests to the parent's frontend labelled with the
//! child's name, enforces the job runtime, and, when the child reaches a
//! final status, queues the `<subagent_notification>` the parent's next
//! request carries. A parent that is interrupted or shut down closes its
//! children (each closes its own), so nothing is left running.

pub(crate) mod mailbox;
pub(crate) mod roles;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use codex_protocol::ThreadId;
use codex_protocol::items::{
    AgentStatus, CollabAgentTool, CollabAgentToolCallItem, CollabToolCallStatus,
    SubAgentActivityItem, SubAgentActivityKind,
};
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{EventMsg, Op};
use tokio::sync::watch;

use self::mailbox::{Mailbox, MessageKind};
use crate::queue_pair::Codex;
use crate::session::Session;
use crate::turn_context::TurnContext;

/// How long a closing child may take to confirm its shutdown.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

/// Names given to children, in order of preference (the first one not
/// taken in the tree).
const NICKNAMES: &[&str] = &[
    "Euler", "Noether", "Turing", "Hopper", "Lovelace", "Gauss", "Curie", "Darwin", "Kepler",
    "Faraday", "Maxwell", "Riemann", "Hilbert", "Galois", "Fermat", "Pascal", "Bohr", "Dirac",
    "Planck", "Fourier", "Laplace", "Cantor", "Godel", "Shannon",
];

/// The limits and the open-agent count of one tree of sessions.
pub struct AgentTree {
    pub(crate) max_threads: usize,
    pub(crate) max_depth: u32,
    pub(crate) job_max_runtime: Option<Duration>,
    /// Open agents (spawned, not closed) and their nicknames.
    open: Mutex<BTreeMap<ThreadId, String>>,
    /// `multi_agent_v2`: the tree's agents by path, the root included.
    members: Mutex<BTreeMap<String, Member>>,
    /// What the person approved for the session, in any agent's request.
    pub(crate) approvals: crate::state::SessionApprovals,
}

/// An agent of a v2 tree, as others address it.
#[derive(Clone)]
pub(crate) struct Member {
    pub(crate) mailbox: Arc<Mailbox>,
    /// None for the root (a person's session, not spawned).
    pub(crate) child: Option<Arc<ChildAgent>>,
}

impl AgentTree {
    pub(crate) fn new(config: &codex_config::Config) -> Arc<Self> {
        Arc::new(Self {
            max_threads: config.agents.max_threads(),
            max_depth: config.agents.max_depth(),
            job_max_runtime: config
                .agents
                .job_max_runtime_seconds
                .filter(|s| *s > 0)
                .map(Duration::from_secs),
            open: Mutex::new(BTreeMap::new()),
            members: Mutex::new(BTreeMap::new()),
            approvals: Default::default(),
        })
    }

    /// The live member at `path`.
    pub(crate) fn member(&self, path: &str) -> Option<Member> {
        crate::state::lock(&self.members)
            .get(path)
            .filter(|m| m.child.as_ref().is_none_or(|c| !c.is_closed()))
            .cloned()
    }

    /// The live members whose path starts with `prefix`, by path.
    pub(crate) fn members(&self, prefix: &str) -> Vec<(String, Member)> {
        crate::state::lock(&self.members)
            .iter()
            .filter(|(path, m)| {
                (path.as_str() == prefix || path.starts_with(&format!("{prefix}/")))
                    && m.child.as_ref().is_none_or(|c| !c.is_closed())
            })
            .map(|(path, m)| (path.clone(), m.clone()))
            .collect()
    }

    fn join(&self, path: String, member: Member) {
        crate::state::lock(&self.members).insert(path, member);
    }

    /// Takes a slot and a nickname for a new child, or says why not.
    fn reserve(&self, id: ThreadId, candidates: &[String]) -> Result<String, String> {
        let mut open = crate::state::lock(&self.open);
        if open.len() >= self.max_threads {
            return Err(format!(
                "agent thread limit reached: {} agents are open (`[agents] max_threads = {}`); close one with close_agent before spawning another",
                open.len(),
                self.max_threads
            ));
        }
        let taken = |name: &str| open.values().any(|n| n == name);
        let nickname = candidates
            .iter()
            .map(String::as_str)
            .chain(NICKNAMES.iter().copied())
            .find(|n| !taken(n))
            .map(str::to_string)
            .unwrap_or_else(|| format!("Agent {}", open.len() + 1));
        open.insert(id, nickname.clone());
        Ok(nickname)
    }

    /// Moves a slot held under a placeholder to the thread's own id.
    pub(crate) fn rekey(&self, placeholder: ThreadId, id: ThreadId) {
        let mut open = crate::state::lock(&self.open);
        if let Some(nickname) = open.remove(&placeholder) {
            open.insert(id, nickname);
        }
    }

    fn release(&self, id: ThreadId) {
        crate::state::lock(&self.open).remove(&id);
    }
}

/// What a spawned session knows of its place in the tree (passed through
/// [`crate::spawn::SpawnParams::subagent`]).
#[derive(Clone)]
pub struct AgentLink {
    pub(crate) tree: Arc<AgentTree>,
    pub(crate) depth: u32,
    pub(crate) parent: ThreadId,
    pub(crate) nickname: String,
    /// `multi_agent_v2`: its path and the mailbox its parent fills.
    pub(crate) path: Option<String>,
    pub(crate) mailbox: Option<Arc<Mailbox>>,
}

/// The sub-agents of one session.
pub(crate) struct AgentControl {
    pub(crate) tree: Arc<AgentTree>,
    /// 0 for a person's session, 1 for its children, ...
    pub(crate) depth: u32,
    /// Set for a sub-agent: its spawner and its own name.
    pub(crate) link: Option<AgentLink>,
    children: Mutex<Vec<Arc<ChildAgent>>>,
    /// The custom roles, by name.
    pub(crate) roles: BTreeMap<String, roles::AgentRole>,
    /// `<subagent_notification>` texts for the next request.
    notifications: Mutex<Vec<String>>,
    /// `[features] multi_agent` / `multi_agent_v2`: which tools, if any.
    pub(crate) version: AgentsVersion,
    /// v2: this agent's path (`/root` for a person's session).
    pub(crate) path: String,
    /// v2: what other agents sent this one, for its next request.
    pub(crate) mailbox: Arc<Mailbox>,
}

/// Which agent tools a session has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AgentsVersion {
    Off,
    V1,
    V2,
}

/// One spawned child.
pub(crate) struct ChildAgent {
    pub(crate) thread_id: ThreadId,
    pub(crate) nickname: String,
    pub(crate) codex: Arc<Codex>,
    /// v2: its path and mailbox (a v1 child has neither).
    pub(crate) path: Option<String>,
    pub(crate) mailbox: Option<Arc<Mailbox>>,
    status: watch::Sender<AgentStatus>,
    /// What it did last (a command, a message), for people.
    pub(crate) last_action: Mutex<Option<String>>,
    closed: AtomicBool,
    pump: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// How it was started (without its starting history), to reopen it
    /// from its session file once closed (`resume_agent`).
    start: Mutex<Option<(codex_config::Config, crate::spawn::SpawnParams)>>,
    /// Its session file, once it said where (none when ephemeral).
    rollout_path: Mutex<Option<std::path::PathBuf>>,
}

impl ChildAgent {
    pub(crate) fn status(&self) -> AgentStatus {
        self.status.borrow().clone()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<AgentStatus> {
        self.status.subscribe()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Keeps how the child was started, for a later reopening.
    pub(crate) fn remember_start(
        &self,
        config: codex_config::Config,
        mut params: crate::spawn::SpawnParams,
    ) {
        params.initial_history = crate::spawn::InitialHistory::New;
        *crate::state::lock(&self.start) = Some((config, params));
    }

    /// New input was given: the agent works again from now (a wait no
    /// longer ends on its previous answer), as the reference reports it.
    pub(crate) fn mark_running(&self) {
        self.status.send_replace(AgentStatus::Running);
    }
}

impl AgentControl {
    /// The control of a session, and the warnings of role files skipped.
    pub(crate) fn new(
        config: &codex_config::Config,
        link: Option<AgentLink>,
    ) -> (Arc<Self>, Vec<String>) {
        let (tree, depth) = match &link {
            Some(link) => (Arc::clone(&link.tree), link.depth),
            None => (AgentTree::new(config), 0),
        };
        // A child does not spawn beyond the depth limit: it needs no roles
        // (and the person saw the warnings once, from the root).
        let (roles, warnings) = if depth < tree.max_depth {
            roles::load(config)
        } else {
            Default::default()
        };
        let warnings = if link.is_some() { Vec::new() } else { warnings };
        let version = if config.feature_enabled("multi_agent_v2") {
            AgentsVersion::V2
        } else if config.feature_enabled("multi_agent") {
            AgentsVersion::V1
        } else {
            AgentsVersion::Off
        };
        let path = link
            .as_ref()
            .and_then(|l| l.path.clone())
            .unwrap_or_else(|| mailbox::ROOT_PATH.to_string());
        let mailbox = link
            .as_ref()
            .and_then(|l| l.mailbox.clone())
            .unwrap_or_else(|| Arc::new(Mailbox::new()));
        if version == AgentsVersion::V2 && link.is_none() {
            tree.join(
                path.clone(),
                Member {
                    mailbox: Arc::clone(&mailbox),
                    child: None,
                },
            );
        }
        let control = Arc::new(Self {
            tree,
            depth,
            link,
            children: Mutex::new(Vec::new()),
            roles,
            notifications: Mutex::new(Vec::new()),
            version,
            path,
            mailbox,
        });
        (control, warnings)
    }

    /// Whether this session may spawn (its children would be within
    /// `max_depth`).
    pub(crate) fn can_spawn(&self) -> bool {
        self.version != AgentsVersion::Off && self.depth < self.tree.max_depth
    }

    /// v2: the developer messages an agent's conversation starts with
    /// (who it is in the team; no spawning unasked). None in v1.
    pub(crate) fn initial_messages(&self) -> Vec<ResponseItem> {
        if self.version != AgentsVersion::V2 {
            return Vec::new();
        }
        vec![
            mailbox::team_message(&self.path, self.tree.max_threads + 1, self.can_spawn()),
            mailbox::mode_message(),
        ]
    }

    /// The child with this id (open or closed).
    pub(crate) fn child(&self, id: ThreadId) -> Option<Arc<ChildAgent>> {
        crate::state::lock(&self.children)
            .iter()
            .find(|c| c.thread_id == id)
            .cloned()
    }

    pub(crate) fn children(&self) -> Vec<Arc<ChildAgent>> {
        crate::state::lock(&self.children).clone()
    }

    /// Takes a slot for a child about to be spawned.
    pub(crate) fn reserve(&self, id: ThreadId, candidates: &[String]) -> Result<String, String> {
        if !self.can_spawn() {
            return Err(format!(
                "agent depth limit reached: this agent is at depth {} and `[agents] max_depth = {}`; do the work yourself",
                self.depth, self.tree.max_depth
            ));
        }
        self.tree.reserve(id, candidates)
    }

    pub(crate) fn release(&self, id: ThreadId) {
        self.tree.release(id);
    }

    /// Adopts a started child: its pump runs from now on.
    pub(crate) fn adopt(
        self: &Arc<Self>,
        parent: &Arc<Session>,
        codex: Codex,
        nickname: String,
        v2: Option<(String, Arc<Mailbox>)>,
    ) -> Arc<ChildAgent> {
        let (status, _) = watch::channel(AgentStatus::PendingInit);
        let (path, mailbox) = match v2 {
            Some((path, mailbox)) => (Some(path), Some(mailbox)),
            None => (None, None),
        };
        let child = Arc::new(ChildAgent {
            thread_id: codex.thread_id(),
            nickname,
            codex: Arc::new(codex),
            path: path.clone(),
            mailbox: mailbox.clone(),
            status,
            last_action: Mutex::new(None),
            closed: AtomicBool::new(false),
            pump: Mutex::new(None),
            start: Mutex::new(None),
            rollout_path: Mutex::new(None),
        });
        let pump = tokio::spawn(pump(
            Arc::clone(&child),
            Arc::downgrade(self),
            Arc::downgrade(parent),
            self.tree.job_max_runtime,
        ));
        *crate::state::lock(&child.pump) = Some(pump);
        crate::state::lock(&self.children).push(Arc::clone(&child));
        if let (Some(path), Some(mailbox)) = (path, mailbox) {
            self.tree.join(
                path,
                Member {
                    mailbox,
                    child: Some(Arc::clone(&child)),
                },
            );
        }
        child
    }

    /// Ends `child` (interrupting what it does) and frees its slot;
    /// returns its status before.
    pub(crate) async fn close(&self, child: &ChildAgent) -> AgentStatus {
        let previous = child.status();
        if child.closed.swap(true, Ordering::SeqCst) {
            return previous;
        }
        let _ = child.codex.submit(Op::Shutdown).await;
        let pump = crate::state::lock(&child.pump).take();
        if let Some(pump) = pump
            && tokio::time::timeout(SHUTDOWN_WAIT, pump).await.is_err()
        {
            tracing::warn!(agent = %child.thread_id, "a closing agent did not confirm its shutdown");
        }
        child.status.send_replace(AgentStatus::Shutdown);
        self.release(child.thread_id);
        if let Some(path) = &child.path {
            crate::state::lock(&self.tree.members).remove(path);
        }
        previous
    }

    /// Reopens a closed v1 child from its session file (same id, same
    /// name when free); it waits, idle, for `send_input`.
    pub(crate) async fn reopen(
        self: &Arc<Self>,
        parent: &Arc<Session>,
        child: &ChildAgent,
    ) -> Result<Arc<ChildAgent>, String> {
        let id = child.thread_id;
        let Some((config, mut params)) = crate::state::lock(&child.start).clone() else {
            return Err(format!(
                "agent {id} cannot be reopened: it was not started here"
            ));
        };
        let Some(path) = crate::state::lock(&child.rollout_path).clone() else {
            return Err(format!(
                "agent {id} kept no session file, so it cannot be reopened; spawn a new agent"
            ));
        };
        let read_path = path.clone();
        let file = tokio::task::spawn_blocking(move || crate::rollout::read_rollout(&read_path))
            .await
            .map_err(|err| format!("cannot read agent {id}'s session file: {err}"))?
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        let nickname = self
            .tree
            .reserve(id, std::slice::from_ref(&child.nickname))?;
        if let Some(link) = params.subagent.as_mut() {
            link.nickname = nickname.clone();
        }
        params.initial_history = crate::spawn::InitialHistory::Resumed {
            thread_id: id,
            items: file.items,
            rollout_path: path,
        };
        let codex = match crate::spawn::spawn_child(parent, config.clone(), params.clone()).await {
            Ok(codex) => codex,
            Err(err) => {
                self.release(id);
                return Err(format!("agent {id} could not be reopened: {err}"));
            }
        };
        crate::state::lock(&self.children).retain(|c| c.thread_id != id);
        let reopened = self.adopt(parent, codex, nickname, None);
        reopened.remember_start(config, params);
        Ok(reopened)
    }

    /// Closes every open child (the parent was interrupted or ends).
    pub(crate) async fn close_all(&self) {
        let children = self.children();
        let open = children.iter().filter(|c| !c.is_closed());
        futures::future::join_all(open.map(|c| self.close(c))).await;
    }

    fn notify(&self, child: &ChildAgent, status: &AgentStatus) {
        // v2: the answer reaches the parent's mailbox as the child's final
        // message (an error or interruption as its text).
        if let Some(path) = &child.path {
            let payload = match status {
                AgentStatus::Completed(message) => message.clone().unwrap_or_default(),
                AgentStatus::Errored(error) => format!("The agent failed: {error}"),
                other => format!("The agent stopped ({}).", other.word()),
            };
            let item = mailbox::agent_message(MessageKind::FinalAnswer, path, &self.path, &payload);
            self.mailbox.deliver(MessageKind::FinalAnswer, item);
            return;
        }
        let body = serde_json::json!({
            "agent_path": child.thread_id.to_string(),
            "status": status,
        });
        crate::state::lock(&self.notifications).push(format!(
            "<subagent_notification>\n{body}\n</subagent_notification>"
        ));
    }

    /// Records the notifications that arrived since the last request, as
    /// user messages (the reference's form), so this request carries them.
    pub(crate) async fn record_notifications(&self, session: &Session, ctx: &TurnContext) {
        let notes = std::mem::take(&mut *crate::state::lock(&self.notifications));
        let mut items: Vec<ResponseItem> = notes.into_iter().map(ResponseItem::user_text).collect();
        items.extend(self.mailbox.take());
        session.record_conversation_items(ctx, &items).await;
    }
}

impl Drop for AgentControl {
    /// A session dropped without `Op::Shutdown` (a frontend that just lets
    /// go of it) still ends its children.
    fn drop(&mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        for child in crate::state::lock(&self.children).drain(..) {
            if !child.closed.swap(true, Ordering::SeqCst) {
                self.tree.release(child.thread_id);
                let codex = Arc::clone(&child.codex);
                runtime.spawn(async move {
                    let _ = codex.submit(Op::Shutdown).await;
                });
            }
        }
    }
}

/// Reads a child's events until it ends.
async fn pump(
    child: Arc<ChildAgent>,
    control: Weak<AgentControl>,
    parent: Weak<Session>,
    job_max_runtime: Option<Duration>,
) {
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut ran_out = false;
    let mut last_error: Option<String> = None;
    loop {
        let event = tokio::select! {
            event = child.codex.next_event() => event,
            _ = sleep_until(deadline) => {
                deadline = None;
                ran_out = true;
                let _ = child.codex.submit(Op::Interrupt).await;
                continue;
            }
        };
        let Ok(event) = event else {
            child.status.send_replace(AgentStatus::Shutdown);
            break;
        };
        // Frontends following the child see its events as they come.
        forward(
            &parent,
            EventMsg::SubAgentEvent(codex_protocol::protocol::SubAgentEvent {
                thread_id: child.thread_id,
                agent: child.path.clone().unwrap_or_else(|| child.nickname.clone()),
                event: Box::new(event.clone()),
            }),
        );
        let final_status = match event.msg {
            EventMsg::SessionConfigured(configured) => {
                *crate::state::lock(&child.rollout_path) = configured.rollout_path;
                None
            }
            EventMsg::TaskStarted(_) => {
                deadline = job_max_runtime.map(|d| tokio::time::Instant::now() + d);
                ran_out = false;
                last_error = None;
                child.status.send_replace(AgentStatus::Running);
                None
            }
            EventMsg::TaskComplete(done) => {
                // A task that arrived as the turn ended starts the next.
                if child.mailbox.as_ref().is_some_and(|m| m.task_pending()) {
                    let _ = child.codex.submit(start_turn()).await;
                }
                Some(match (done.last_agent_message, last_error.take()) {
                    (None, Some(error)) => AgentStatus::Errored(error),
                    (message, _) => AgentStatus::Completed(message),
                })
            }
            EventMsg::TurnAborted(_) if ran_out => {
                let seconds = job_max_runtime.map_or(0, |d| d.as_secs());
                Some(AgentStatus::Errored(format!(
                    "the agent ran longer than `[agents] job_max_runtime_seconds = {seconds}` and was stopped"
                )))
            }
            EventMsg::TurnAborted(_) => Some(AgentStatus::Interrupted),
            EventMsg::Error(error) => {
                last_error = Some(error.message);
                None
            }
            EventMsg::ShutdownComplete => {
                child.status.send_replace(AgentStatus::Shutdown);
                break;
            }
            EventMsg::ExecCommandBegin(begin) => {
                *crate::state::lock(&child.last_action) =
                    Some(format!("ran {}", begin.command.join(" ")));
                None
            }
            // Asked of the person through the parent's frontend, named
            // after the child; the answer comes back through the parent.
            EventMsg::ExecApprovalRequest(mut request) => {
                request.reason = Some(label(&child.nickname, request.reason.as_deref()));
                forward(&parent, EventMsg::ExecApprovalRequest(request));
                None
            }
            EventMsg::ApplyPatchApprovalRequest(mut request) => {
                request.reason = Some(label(&child.nickname, request.reason.as_deref()));
                forward(&parent, EventMsg::ApplyPatchApprovalRequest(request));
                None
            }
            _ => None,
        };
        if let Some(status) = final_status {
            deadline = None;
            child.status.send_replace(status.clone());
            if let Some(path) = &child.path {
                forward(
                    &parent,
                    EventMsg::SubAgentActivity(SubAgentActivityItem {
                        id: format!("subagent-completed-{}", uuid::Uuid::now_v7()),
                        kind: SubAgentActivityKind::Completed,
                        agent_thread_id: child.thread_id.to_string(),
                        agent_path: path.clone(),
                        model: None,
                        reasoning_effort: None,
                    }),
                );
            }
            // A child being closed was asked to stop: nobody waits for news.
            if !child.is_closed()
                && let Some(control) = control.upgrade()
            {
                control.notify(&child, &status);
            }
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn label(nickname: &str, reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!("[agent {nickname}] {reason}"),
        None => format!("[agent {nickname}]"),
    }
}

/// The op that runs a turn on what the mailbox holds (no user message).
pub(crate) fn start_turn() -> Op {
    Op::UserInput {
        items: Vec::new(),
        final_output_json_schema: None,
    }
}

fn forward(parent: &Weak<Session>, msg: EventMsg) {
    if let Some(parent) = parent.upgrade() {
        let sub_id = parent.active_sub_id().unwrap_or_default();
        parent.send_event_unrecorded(&sub_id, msg);
    }
}

/// The item of one agent tool call: started when the call begins,
/// completed with the agents' states when it ends.
pub(crate) struct CollabCall {
    item: CollabAgentToolCallItem,
}

impl CollabCall {
    pub(crate) async fn begin(
        session: &Session,
        ctx: &TurnContext,
        call_id: &str,
        tool: CollabAgentTool,
        receivers: Vec<ThreadId>,
        prompt: Option<String>,
    ) -> Self {
        let item = CollabAgentToolCallItem {
            id: call_id.to_string(),
            tool,
            sender_thread_id: session.thread_id.to_string(),
            receiver_thread_ids: receivers.iter().map(ThreadId::to_string).collect(),
            prompt,
            agents_states: BTreeMap::new(),
            status: CollabToolCallStatus::InProgress,
            model: None,
            reasoning_effort: None,
            nicknames: BTreeMap::new(),
        };
        session
            .send_event(&ctx.sub_id, EventMsg::CollabToolCallBegin(item.clone()))
            .await;
        Self { item }
    }

    /// Records the model and effort a spawned agent runs with.
    pub(crate) fn with_model(
        mut self,
        model: String,
        effort: Option<codex_protocol::config_types::ReasoningEffort>,
    ) -> Self {
        self.item.model = Some(model);
        self.item.reasoning_effort = effort;
        self
    }

    /// Completes the item with these agents' states.
    pub(crate) async fn end(
        mut self,
        session: &Session,
        ctx: &TurnContext,
        states: Vec<(ThreadId, Option<String>, AgentStatus)>,
        ok: bool,
    ) {
        for (id, nickname, status) in states {
            let id = id.to_string();
            if !self.item.receiver_thread_ids.contains(&id) {
                self.item.receiver_thread_ids.push(id.clone());
            }
            if let Some(nickname) = nickname {
                self.item.nicknames.insert(id.clone(), nickname);
            }
            self.item.agents_states.insert(id, status);
        }
        self.item.status = if ok {
            CollabToolCallStatus::Completed
        } else {
            CollabToolCallStatus::Failed
        };
        session
            .send_event(&ctx.sub_id, EventMsg::CollabToolCallEnd(self.item))
            .await;
    }
}
