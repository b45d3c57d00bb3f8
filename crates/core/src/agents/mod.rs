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

pub(crate) mod roles;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use codex_protocol::ThreadId;
use codex_protocol::items::{
    AgentStatus, CollabAgentTool, CollabAgentToolCallItem, CollabToolCallStatus,
};
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{EventMsg, Op};
use tokio::sync::watch;

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
        })
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
}

/// One spawned child.
pub(crate) struct ChildAgent {
    pub(crate) thread_id: ThreadId,
    pub(crate) nickname: String,
    pub(crate) codex: Arc<Codex>,
    status: watch::Sender<AgentStatus>,
    /// What it did last (a command, a message), for people.
    pub(crate) last_action: Mutex<Option<String>>,
    closed: AtomicBool,
    pump: Mutex<Option<tokio::task::JoinHandle<()>>>,
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
        let control = Arc::new(Self {
            tree,
            depth,
            link,
            children: Mutex::new(Vec::new()),
            roles,
            notifications: Mutex::new(Vec::new()),
        });
        (control, warnings)
    }

    /// Whether this session may spawn (its children would be within
    /// `max_depth`).
    pub(crate) fn can_spawn(&self) -> bool {
        self.depth < self.tree.max_depth
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
    ) -> Arc<ChildAgent> {
        let (status, _) = watch::channel(AgentStatus::PendingInit);
        let child = Arc::new(ChildAgent {
            thread_id: codex.thread_id(),
            nickname,
            codex: Arc::new(codex),
            status,
            last_action: Mutex::new(None),
            closed: AtomicBool::new(false),
            pump: Mutex::new(None),
        });
        let pump = tokio::spawn(pump(
            Arc::clone(&child),
            Arc::downgrade(self),
            Arc::downgrade(parent),
            self.tree.job_max_runtime,
        ));
        *crate::state::lock(&child.pump) = Some(pump);
        crate::state::lock(&self.children).push(Arc::clone(&child));
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
        previous
    }

    /// Closes every open child (the parent was interrupted or ends).
    pub(crate) async fn close_all(&self) {
        let children = self.children();
        let open = children.iter().filter(|c| !c.is_closed());
        futures::future::join_all(open.map(|c| self.close(c))).await;
    }

    fn notify(&self, child: &ChildAgent, status: &AgentStatus) {
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
        if notes.is_empty() {
            return;
        }
        let items: Vec<ResponseItem> = notes.into_iter().map(ResponseItem::user_text).collect();
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
        let final_status = match event.msg {
            EventMsg::TaskStarted(_) => {
                deadline = job_max_runtime.map(|d| tokio::time::Instant::now() + d);
                ran_out = false;
                last_error = None;
                child.status.send_replace(AgentStatus::Running);
                None
            }
            EventMsg::TaskComplete(done) => {
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
            nicknames: BTreeMap::new(),
        };
        session
            .send_event(&ctx.sub_id, EventMsg::CollabToolCallBegin(item.clone()))
            .await;
        Self { item }
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
