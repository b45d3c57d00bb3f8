//! The session's MCP servers: started in the background when the session
//! starts (their progress reported as `mcp_startup_update` events, then one
//! `mcp_startup_complete`), offered to every turn through a tool provider,
//! and the bridge for their requests for input (elicitation).
//!
//! A turn waits for start-up to finish before its first request, so the
//! model always sees the servers that started; the session itself does not
//! wait, so `session_configured` and the first frame of a UI never do.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};

use codex_mcp::{ElicitationRequest, ElicitationResponse, Elicitor, McpConnectionManager};
use codex_protocol::mcp::{ElicitationAction, ElicitationRequestEvent};
use codex_protocol::protocol::{AskForApproval, EventMsg};
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::{oneshot, watch};

use crate::session::{INITIAL_SUBMIT_ID, Session};
use crate::state::lock;

/// The servers of a session and what is waiting on them.
pub(crate) struct McpState {
    ready: watch::Sender<Option<Arc<McpConnectionManager>>>,
    /// Elicitations waiting for the person, by (server, request id).
    elicitations: Mutex<HashMap<(String, String), oneshot::Sender<ElicitationResponse>>>,
    /// Tools the person approved for the rest of the session.
    approved_tools: Mutex<HashSet<String>>,
}

impl McpState {
    pub(crate) fn new() -> Self {
        Self {
            ready: watch::channel(None).0,
            elicitations: Mutex::new(HashMap::new()),
            approved_tools: Mutex::new(HashSet::new()),
        }
    }

    /// Starts the configured servers in the background.
    pub(crate) fn start(session: &Arc<Session>) {
        let config = Arc::clone(&session.services.config);
        let state = Arc::clone(&session.services.mcp);
        if !config.mcp_servers.values().any(|s| s.enabled) {
            state
                .ready
                .send_replace(Some(Arc::new(McpConnectionManager::default())));
            return;
        }
        let weak = Arc::downgrade(session);
        let progress_session = weak.clone();
        let progress: codex_mcp::ProgressFn = Arc::new(move |update| {
            if let Some(session) = progress_session.upgrade() {
                session
                    .send_event_unrecorded(INITIAL_SUBMIT_ID, EventMsg::McpStartupUpdate(update));
            }
        });
        let elicitor: Arc<dyn Elicitor> = Arc::new(SessionElicitor {
            session: weak.clone(),
        });
        tokio::spawn(async move {
            let (manager, summary) = McpConnectionManager::start(
                &config.mcp_servers,
                &config.cwd,
                Some(elicitor),
                progress,
            )
            .await;
            for failure in &summary.failed {
                tracing::warn!(server = %failure.server, "{}", failure.error);
            }
            if let Some(session) = weak.upgrade() {
                session.send_event_unrecorded(
                    INITIAL_SUBMIT_ID,
                    EventMsg::McpStartupComplete(summary),
                );
            }
            state.ready.send_replace(Some(Arc::new(manager)));
        });
    }

    /// The servers, once start-up has finished.
    pub(crate) fn current(&self) -> Option<Arc<McpConnectionManager>> {
        self.ready.borrow().clone()
    }

    /// Waits for start-up to finish (each server is bounded by its
    /// `startup_timeout_sec`).
    pub(crate) async fn wait(&self) -> Arc<McpConnectionManager> {
        let mut ready = self.ready.subscribe();
        loop {
            if let Some(manager) = ready.borrow_and_update().clone() {
                return manager;
            }
            if ready.changed().await.is_err() {
                return Arc::new(McpConnectionManager::default());
            }
        }
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
            lock(&session.services.mcp.elicitations).insert((server.clone(), id.clone()), tx);
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
