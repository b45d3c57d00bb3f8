//! The session's MCP servers: started in the background when the session
//! starts (their progress reported as `mcp_startup_update` events, then one
//! `mcp_startup_complete`), offered to every request through a tool
//! provider, and the bridge for their requests for input (elicitation).
//!
//! Nothing waits for start-up: each request of a turn offers the tools of
//! the servers that are ready then, and a server that becomes ready later
//! joins at the next request. A server with `required = true` is the one
//! exception: the session does not start until it is ready, and not at all
//! if it fails.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use codex_mcp::{
    ElicitationRequest, ElicitationResponse, Elicitor, McpConnectionManager, ServerState,
};
use codex_protocol::mcp::{ElicitationAction, ElicitationRequestEvent};
use codex_protocol::protocol::{AskForApproval, EventMsg};
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::oneshot;

use codex_protocol::models::{ContentItem, ResponseItem};

use crate::error::CodexErr;
use crate::features::SessionFeatures as _;
use crate::session::{INITIAL_SUBMIT_ID, Session};
use crate::state::lock;
use crate::turn_context::TurnContext;

/// The servers of a session and what is waiting on them.
pub(crate) struct McpState {
    manager: OnceLock<Arc<McpConnectionManager>>,
    /// Elicitations waiting for the person, by (server, request id).
    elicitations: Mutex<HashMap<(String, String), oneshot::Sender<ElicitationResponse>>>,
    /// Tools the person approved for the rest of the session.
    approved_tools: Mutex<HashSet<String>>,
    /// Namespaces the model has been told of (tool search); `None` until
    /// read back from the history (a resumed session told them before).
    announced: Mutex<Option<HashSet<String>>>,
}

impl McpState {
    pub(crate) fn new() -> Self {
        Self {
            manager: OnceLock::new(),
            elicitations: Mutex::new(HashMap::new()),
            approved_tools: Mutex::new(HashSet::new()),
            announced: Mutex::new(None),
        }
    }

    /// Starts the configured servers in the background and returns at
    /// once.
    pub(crate) fn start(session: &Arc<Session>) {
        let config = Arc::clone(&session.services.config);
        let state = Arc::clone(&session.features().mcp);
        let weak = Arc::downgrade(session);
        let elicitor: Arc<dyn Elicitor> = Arc::new(SessionElicitor {
            session: weak.clone(),
        });
        // `[mcp_servers]` and the servers of enabled plugins.
        let (servers, warnings) = codex_plugins::effective_mcp_servers(&config);
        for message in warnings {
            session.send_event_unrecorded(
                INITIAL_SUBMIT_ID,
                EventMsg::Warning(codex_protocol::protocol::WarningEvent { message }),
            );
        }
        let manager = Arc::new(McpConnectionManager::new(
            &servers,
            &config.cwd,
            Some(&config.codex_home),
            Some(elicitor),
        ));
        let _ = state.manager.set(Arc::clone(&manager));
        if manager.server_names().is_empty() {
            return;
        }
        let progress_session = weak.clone();
        let progress: codex_mcp::ProgressFn = Arc::new(move |update| {
            if let Some(session) = progress_session.upgrade() {
                session
                    .send_event_unrecorded(INITIAL_SUBMIT_ID, EventMsg::McpStartupUpdate(update));
            }
        });
        let complete = manager.start(progress);
        tokio::spawn(async move {
            let summary = complete.await;
            if let Some(session) = weak.upgrade() {
                session.send_event_unrecorded(
                    INITIAL_SUBMIT_ID,
                    EventMsg::McpStartupComplete(summary),
                );
            }
        });
    }

    /// Waits for the servers with `required = true`; the first that fails
    /// fails the session's start.
    pub(crate) async fn wait_for_required(&self) -> Result<(), CodexErr> {
        let Some(manager) = self.current() else {
            return Ok(());
        };
        for name in manager.server_names() {
            if !manager.is_required(&name) {
                continue;
            }
            match manager.wait_for(&name).await {
                Some(ServerState::Ready) | None => {}
                Some(ServerState::Failed(error)) => {
                    return Err(CodexErr::Fatal(format!(
                        "{error}\nThe server is marked `required = true` in [mcp_servers.{name}], so the session cannot start without it; fix it, or set `required = false` to go on without it."
                    )));
                }
                Some(ServerState::Starting | ServerState::Cancelled) => {
                    return Err(CodexErr::Fatal(format!(
                        "the required MCP server `{name}` did not start"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The servers (some may still be starting).
    pub(crate) fn current(&self) -> Option<Arc<McpConnectionManager>> {
        self.manager.get().cloned()
    }

    /// The namespaces of servers ready now that the model has not been
    /// told of, marked told; and whether it was told of any before.
    /// `history` is read only the first time (a resumed session's notes).
    fn untold_namespaces(
        &self,
        history: impl FnOnce() -> Arc<Vec<ResponseItem>>,
    ) -> (Vec<String>, bool) {
        let Some(manager) = self.current() else {
            return (Vec::new(), false);
        };
        let catalog = manager.catalog();
        let mut announced = lock(&self.announced);
        let told = announced.get_or_insert_with(|| told_in(&history()));
        let before = !told.is_empty();
        let new: Vec<String> = catalog
            .ready
            .iter()
            .map(|(_, namespace)| namespace.clone())
            .filter(|namespace| told.insert(namespace.clone()))
            .collect();
        (new, before)
    }

    /// Ends every server.
    pub(crate) async fn shutdown(&self) {
        if let Some(manager) = self.current() {
            manager.shutdown().await;
        }
    }

    /// Delivers the person's answer to an elicitation.
    pub(crate) fn resolve_elicitation(
        &self,
        server: String,
        id: String,
        response: ElicitationResponse,
    ) {
        match lock(&self.elicitations).remove(&(server.clone(), id.clone())) {
            Some(waiter) => {
                let _ = waiter.send(response);
            }
            None => tracing::warn!(server, id, "answer to an elicitation nobody is waiting for"),
        }
    }

    pub(crate) fn is_tool_approved(&self, qualified_name: &str) -> bool {
        lock(&self.approved_tools).contains(qualified_name)
    }

    pub(crate) fn approve_tool(&self, qualified_name: &str) {
        lock(&self.approved_tools).insert(qualified_name.to_string());
    }
}

/// Asks the frontend on a server's behalf: an `elicitation_request` event,
/// answered by `Op::ResolveElicitation`. Under the `never` approval policy
/// nobody is asked and the request is declined.
struct SessionElicitor {
    session: Weak<Session>,
}

impl Elicitor for SessionElicitor {
    fn elicit(
        &self,
        server: String,
        request: ElicitationRequest,
    ) -> BoxFuture<'static, ElicitationResponse> {
        let session = self.session.clone();
        async move {
            let decline = ElicitationResponse {
                action: ElicitationAction::Decline,
                content: None,
            };
            let Some(session) = session.upgrade() else {
                return decline;
            };
            if session.state.configuration().approval_policy == AskForApproval::Never {
                tracing::info!(
                    server,
                    "declined an elicitation: the approval policy is never"
                );
                return decline;
            }
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
            let id = format!(
                "elicitation-{}",
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            );
            let (tx, rx) = oneshot::channel();
            lock(&session.features().mcp.elicitations).insert((server.clone(), id.clone()), tx);
            let sub_id = session
                .active_sub_id()
                .unwrap_or_else(|| INITIAL_SUBMIT_ID.to_string());
            session.send_event_unrecorded(
                &sub_id,
                EventMsg::ElicitationRequest(ElicitationRequestEvent {
                    server_name: server,
                    id,
                    message: request.message,
                    requested_schema: request.requested_schema,
                }),
            );
            // Dropped (shutdown): declined.
            rx.await.unwrap_or(decline)
        }
        .boxed()
    }
}

/// With tool search, tells the model (a developer message, recorded) which
/// deferred namespaces it can search, before each request: the servers
/// ready at the first request, then each server that joined since, as the
/// reference announces them. Without tool search the tools are listed and
/// nothing is said.
pub(crate) async fn announce_deferred_namespaces(session: &Session, ctx: &TurnContext) {
    let deferred = ctx
        .tools
        .specs()
        .iter()
        .any(|spec| matches!(spec, codex_client::ToolSpec::ToolSearch { .. }));
    if !deferred {
        return;
    }
    let (new, told_before) = session
        .features()
        .mcp
        .untold_namespaces(|| session.state.history_for_prompt().items);
    if new.is_empty() {
        return;
    }
    let header = if told_before {
        ADDED_HEADER
    } else {
        FIRST_HEADER
    };
    let lines: Vec<String> = new
        .iter()
        .map(|namespace| format!("- {namespace}"))
        .collect();
    let note = ResponseItem::Message {
        id: None,
        role: "developer".to_string(),
        content: vec![ContentItem::InputText {
            text: format!("<tools>\n{header}\n{}\n</tools>", lines.join("\n")),
        }],
    };
    session.record_conversation_items(ctx, &[note]).await;
}

const FIRST_HEADER: &str = "Deferred tool namespaces:";
const ADDED_HEADER: &str = "Added deferred tool namespaces:";

/// The namespaces earlier notes of `history` told the model of.
fn told_in(history: &[ResponseItem]) -> HashSet<String> {
    history
        .iter()
        .filter_map(|item| crate::history::message_text(item, "developer"))
        .filter(|text| {
            text.starts_with("<tools>\n")
                && (text.contains(FIRST_HEADER) || text.contains(ADDED_HEADER))
        })
        .flat_map(|text| {
            text.lines()
                .filter_map(|line| line.strip_prefix("- "))
                .map(|name| name.split(':').next().unwrap_or(name).trim().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}
