//! One ACP session: a live thread of the thread manager, and the task that
//! reads its events — item events become session updates (`updates.rs`),
//! approval requests become `session/request_permission` requests whose
//! answers go back to the engine as the TUI's would, and the end of a turn
//! answers the `session/prompt` that started it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use agent_client_protocol::Client;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{
    ContentBlock, PermissionOption, PermissionOptionKind, RequestPermissionOutcome,
    RequestPermissionRequest, SessionNotification, SessionUpdate, StopReason, TextContent,
    ToolCallContent, ToolCallStatus, ToolCallUpdate, ToolCallUpdateFields, ToolKind,
};
use codex_core::Codex;
use codex_protocol::mcp::ElicitationAction;
use codex_protocol::protocol::{
    ApplyPatchApprovalRequestEvent, EventMsg, ExecApprovalRequestEvent, Op, ReviewDecision,
};
use serde_json::json;
use tokio::sync::oneshot;

use crate::diff::file_diff;
use crate::modes::Preset;
use crate::updates::{ItemView, command_kind};

/// How a prompt's turn ended.
pub(crate) enum PromptEnd {
    Stopped(StopReason),
    Failed(String),
}

pub(crate) struct LiveSession {
    pub id: String,
    pub codex: Arc<Codex>,
    pub cwd: PathBuf,
    pub mode: Mutex<&'static Preset>,
    pub model: Mutex<String>,
    /// The slash commands offered (skills), as (name, description).
    pub commands: Mutex<Vec<(String, String)>>,
    /// The prompt whose turn runs, waiting for its end.
    prompt: Mutex<Option<oneshot::Sender<PromptEnd>>>,
    pump: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Permission requests waiting for the editor's answer.
    asking: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl LiveSession {
    pub(crate) fn new(
        id: String,
        codex: Arc<Codex>,
        cwd: PathBuf,
        mode: &'static Preset,
        model: String,
    ) -> Arc<Self> {
        Arc::new(Self {
            id,
            codex,
            cwd,
            mode: Mutex::new(mode),
            model: Mutex::new(model),
            commands: Mutex::new(Vec::new()),
            prompt: Mutex::new(None),
            pump: Mutex::new(None),
            asking: Mutex::new(Vec::new()),
        })
    }

    /// Starts reading the thread's events.
    pub(crate) fn start_pump(self: &Arc<Self>, cx: ConnectionTo<Client>) {
        let handle = tokio::spawn(pump(Arc::clone(self), cx));
        *lock(&self.pump) = Some(handle);
    }

    /// Registers a prompt; None if one is running already.
    pub(crate) fn begin_prompt(&self) -> Option<oneshot::Receiver<PromptEnd>> {
        let mut slot = lock(&self.prompt);
        if slot.as_ref().is_some_and(|tx| !tx.is_closed()) {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        *slot = Some(tx);
        Some(rx)
    }

    /// The turn ended: questions still open are moot. Dropping their
    /// requests sends `$/cancel_request`, so the editor can close them.
    fn withdraw_questions(&self) {
        for task in lock(&self.asking).drain(..) {
            task.abort();
        }
    }

    fn end_prompt(&self, end: PromptEnd) {
        if let Some(tx) = lock(&self.prompt).take() {
            let _ = tx.send(end);
        }
    }

    pub(crate) fn prompt_running(&self) -> bool {
        lock(&self.prompt)
            .as_ref()
            .is_some_and(|tx| !tx.is_closed())
    }

    /// Stops the thread and waits (up to ten seconds) until its session
    /// file is flushed.
    pub(crate) async fn shut_down(&self) {
        let _ = self.codex.submit(Op::Shutdown).await;
        let handle = lock(&self.pump).take();
        if let Some(handle) = handle {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), handle).await;
        }
    }
}

/// The state behind these locks is a slot and a handle; a poisoned lock
/// still holds a usable one.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn notify(cx: &ConnectionTo<Client>, session_id: &str, update: SessionUpdate) {
    if let Err(err) = cx.send_notification(SessionNotification::new(session_id.to_string(), update))
    {
        tracing::debug!(%err, "cannot send session/update");
    }
}

/// After the answer to session/new or session/load: the commands the
/// editor can offer (sent after the answer, which names the session).
pub(crate) fn after_start(
    session: &Arc<LiveSession>,
    cx: &ConnectionTo<Client>,
    commands: Vec<(String, String)>,
) {
    notify(
        cx,
        &session.id,
        SessionUpdate::AvailableCommandsUpdate(crate::commands::update(&commands)),
    );
    *lock(&session.commands) = commands;
}

async fn pump(session: Arc<LiveSession>, cx: ConnectionTo<Client>) {
    let mut view = ItemView::live();
    let mut turn_error: Option<String> = None;
    while let Ok(event) = session.codex.next_event().await {
        for update in view.updates(&event.msg) {
            notify(&cx, &session.id, update);
        }
        match event.msg {
            EventMsg::ShutdownComplete => break,
            EventMsg::TaskStarted(_) => turn_error = None,
            EventMsg::ExecApprovalRequest(request) => ask_exec(&session, &cx, request),
            EventMsg::ApplyPatchApprovalRequest(request) => ask_patch(&session, &cx, request),
            EventMsg::ElicitationRequest(request) => {
                // ACP v1 has no form questions to relay to the editor.
                tracing::warn!(server = %request.server_name, "an MCP elicitation was cancelled: ACP has no way to ask it");
                let _ = session
                    .codex
                    .submit(Op::ResolveElicitation {
                        server_name: request.server_name,
                        request_id: request.id,
                        decision: ElicitationAction::Cancel,
                        content: None,
                    })
                    .await;
            }
            EventMsg::Error(error) => turn_error = Some(error.message),
            EventMsg::TaskComplete(_) => {
                session.withdraw_questions();
                let end = match turn_error.take() {
                    Some(message) => PromptEnd::Failed(message),
                    None => PromptEnd::Stopped(StopReason::EndTurn),
                };
                session.end_prompt(end);
            }
            EventMsg::TurnAborted(_) => {
                session.withdraw_questions();
                turn_error = None;
                session.end_prompt(PromptEnd::Stopped(StopReason::Cancelled));
            }
            _ => {}
        }
    }
    session.end_prompt(PromptEnd::Failed("the session stopped".into()));
}

const ALLOW_ONCE: &str = "allow-once";
const ALLOW_ALWAYS: &str = "allow-always";
const ALLOW_PREFIX: &str = "allow-prefix";
const REJECT: &str = "reject";

fn ask_exec(
    session: &Arc<LiveSession>,
    cx: &ConnectionTo<Client>,
    request: ExecApprovalRequestEvent,
) {
    let mut options = vec![
        PermissionOption::new(ALLOW_ONCE, "Allow", PermissionOptionKind::AllowOnce),
        PermissionOption::new(
            ALLOW_ALWAYS,
            "Allow this command for the session",
            PermissionOptionKind::AllowAlways,
        ),
    ];
    if let Some(prefix) = &request.proposed_execpolicy_amendment {
        options.push(PermissionOption::new(
            ALLOW_PREFIX,
            format!(
                "Always allow commands starting with `{}`",
                codex_core::shell_join(prefix)
            ),
            PermissionOptionKind::AllowAlways,
        ));
    }
    options.push(PermissionOption::new(
        REJECT,
        "Reject",
        PermissionOptionKind::RejectOnce,
    ));
    let mut content = Vec::new();
    if let Some(reason) = &request.reason {
        content.push(ToolCallContent::Content(
            agent_client_protocol::v1::schema::Content::new(ContentBlock::Text(TextContent::new(
                reason.clone(),
            ))),
        ));
    }
    let fields = ToolCallUpdateFields::new()
        .title(codex_core::display_command(&request.command))
        .kind(command_kind(&request.parsed_cmd))
        .status(ToolCallStatus::Pending)
        .content(content)
        .raw_input(json!({"command": request.command, "cwd": request.cwd}));
    let call_id = request.call_id;
    ask(
        session,
        cx,
        ToolCallUpdate::new(call_id.clone(), fields),
        options,
        move |decision| Op::ExecApproval {
            id: call_id,
            decision,
        },
    );
}

fn ask_patch(
    session: &Arc<LiveSession>,
    cx: &ConnectionTo<Client>,
    request: ApplyPatchApprovalRequestEvent,
) {
    let options = vec![
        PermissionOption::new(ALLOW_ONCE, "Allow", PermissionOptionKind::AllowOnce),
        PermissionOption::new(
            ALLOW_ALWAYS,
            "Allow edits to these files for the session",
            PermissionOptionKind::AllowAlways,
        ),
        PermissionOption::new(REJECT, "Reject", PermissionOptionKind::RejectOnce),
    ];
    let mut changes: Vec<_> = request.changes.iter().collect();
    changes.sort_by(|a, b| a.0.cmp(b.0));
    let mut content: Vec<ToolCallContent> = changes
        .iter()
        .map(|(path, change)| file_diff(path, change, true))
        .collect();
    if let Some(reason) = &request.reason {
        content.push(ToolCallContent::Content(
            agent_client_protocol::v1::schema::Content::new(ContentBlock::Text(TextContent::new(
                reason.clone(),
            ))),
        ));
    }
    let fields = ToolCallUpdateFields::new()
        .kind(ToolKind::Edit)
        .status(ToolCallStatus::Pending)
        .content(content);
    let call_id = request.call_id;
    ask(
        session,
        cx,
        ToolCallUpdate::new(call_id.clone(), fields),
        options,
        move |decision| Op::PatchApproval {
            id: call_id,
            decision,
        },
    );
}

/// Sends the permission request in a task of its own (the answer may take
/// a person minutes) and submits the engine's answer.
fn ask(
    session: &Arc<LiveSession>,
    cx: &ConnectionTo<Client>,
    tool_call: ToolCallUpdate,
    options: Vec<PermissionOption>,
    answer: impl FnOnce(ReviewDecision) -> Op + Send + 'static,
) {
    let request = RequestPermissionRequest::new(session.id.clone(), tool_call, options);
    let asker = Arc::clone(session);
    let cx = cx.clone();
    let task = tokio::spawn(async move {
        let session = asker;
        let decision = match cx.send_request(request).block_task().await {
            Ok(response) => decision(&response.outcome),
            Err(err) => {
                tracing::warn!(%err, "the client did not answer a permission request; rejected");
                ReviewDecision::Denied
            }
        };
        let _ = session.codex.submit(answer(decision)).await;
    });
    let mut asking = lock(&session.asking);
    asking.retain(|t| !t.is_finished());
    asking.push(task);
}

/// The engine's decision for a permission answer: a cancelled request
/// (the prompt was cancelled) aborts the turn, an unknown option rejects.
pub(crate) fn decision(outcome: &RequestPermissionOutcome) -> ReviewDecision {
    match outcome {
        RequestPermissionOutcome::Selected(selected) => match &*selected.option_id.0 {
            ALLOW_ONCE => ReviewDecision::Approved,
            ALLOW_ALWAYS => ReviewDecision::ApprovedForSession,
            ALLOW_PREFIX => ReviewDecision::ApprovedExecpolicyAmendment,
            _ => ReviewDecision::Denied,
        },
        RequestPermissionOutcome::Cancelled => ReviewDecision::Abort,
        _ => ReviewDecision::Denied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agent_client_protocol::v1::schema::SelectedPermissionOutcome;

    #[test]
    fn answers_drive_the_engine_like_the_tuis() {
        let selected = |id: &str| {
            RequestPermissionOutcome::Selected(SelectedPermissionOutcome::new(id.to_string()))
        };
        assert_eq!(decision(&selected(ALLOW_ONCE)), ReviewDecision::Approved);
        assert_eq!(
            decision(&selected(ALLOW_ALWAYS)),
            ReviewDecision::ApprovedForSession
        );
        assert_eq!(
            decision(&selected(ALLOW_PREFIX)),
            ReviewDecision::ApprovedExecpolicyAmendment
        );
        assert_eq!(decision(&selected(REJECT)), ReviewDecision::Denied);
        assert_eq!(decision(&selected("made-up")), ReviewDecision::Denied);
        assert_eq!(
            decision(&RequestPermissionOutcome::Cancelled),
            ReviewDecision::Abort
        );
    }
}
