//! One task per live thread: it reads the thread's engine events and turns
//! them into the protocol's notifications (`turn/*`, `item/*` — items map
//! through `items::thread_item`, the same mapping `thread/read` uses), and
//! its approval requests into requests to the client whose answers go
//! back to the engine as `Op`s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use codex_core::Codex;
use codex_protocol::items::{ItemUpdate, PlanItem, TurnItem};
use codex_protocol::mcp::{ElicitationAction as EngineElicitation, McpListToolsResponseEvent};
use codex_protocol::protocol::{EventMsg, Op, ReviewDecision};
use codex_protocol::user_questions::{QuestionAnswer, RequestUserInputResponse};
use serde_json::{Value, json};

use crate::items;
use crate::outgoing::Outgoing;
use crate::protocol::{
    AccountRateLimitsUpdatedNotification, ApprovalDecision, ApprovalResponse,
    CommandExecutionRequestApprovalParams, ElicitationAction, ElicitationResponse,
    ErrorNotification, FileChangeRequestApprovalParams, HookNotification, HookOutputEntry,
    HookRunSummary, ItemCompletedNotification, ItemDeltaNotification, ItemStartedNotification,
    McpServerElicitationRequestParams, ReasoningSummaryPartAddedNotification,
    ReasoningSummaryTextDeltaNotification, ServerNotification as N, ServerRequest,
    ServerRequestResolvedNotification, ThreadGoalUpdatedNotification, ThreadIdNotification,
    ThreadItem, ThreadStatus, ThreadStatusChangedNotification, ThreadTokenUsageUpdatedNotification,
    ToolRequestUserInputOption, ToolRequestUserInputParams, ToolRequestUserInputQuestion,
    ToolRequestUserInputResponse, TurnDiffUpdatedNotification, TurnError, TurnNotification,
    TurnPlanUpdatedNotification, TurnRefNotification, TurnStatus, WarningNotification,
};

/// What the processor and the pump share about a live thread.
pub struct LiveThread {
    pub codex: Arc<Codex>,
    pub id: String,
    /// The thread's working directory.
    pub cwd: PathBuf,
    pub state: Mutex<TurnState>,
    pump: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Waiting for the answer to `Op::ListMcpTools`.
    mcp_waiters: Mutex<Vec<tokio::sync::oneshot::Sender<McpListToolsResponseEvent>>>,
    /// Waiting for `rewind_points` / `rewind_completed`.
    rewind_waiters: Mutex<Vec<tokio::sync::oneshot::Sender<EventMsg>>>,
    /// The thread's goal as the engine last reported it, and who waits
    /// for its next change (`thread/goal/set`).
    pub(crate) goal: Mutex<Option<codex_protocol::goals::ThreadGoal>>,
    pub(crate) goal_waiters:
        Mutex<Vec<tokio::sync::oneshot::Sender<codex_protocol::goals::ThreadGoal>>>,
    /// The sub-agents this thread spawned, followed live: their turns and
    /// items are notified under their own thread ids, as the reference
    /// does (their approvals come through this thread, labelled).
    children: Mutex<HashMap<String, Arc<LiveThread>>>,
}

/// The running turn, as the pump has seen it.
#[derive(Default)]
pub struct TurnState {
    pub running_turn: Option<String>,
    /// Finished items of the running turn (for `turn/completed`).
    items: Vec<ThreadItem>,
    /// Reasoning items of the turn: how many summary parts each began.
    reasoning_parts: HashMap<String, i64>,
    /// Requests to the client not answered yet (our request ids).
    pending_requests: Vec<i64>,
    last_error: Option<String>,
    /// Hook runs started and not yet completed, by run id.
    hooks: HashMap<String, HookRunSummary>,
}

impl LiveThread {
    pub fn new(codex: Arc<Codex>, id: String, cwd: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            codex,
            id,
            cwd,
            state: Mutex::new(TurnState::default()),
            pump: Mutex::new(None),
            mcp_waiters: Mutex::new(Vec::new()),
            rewind_waiters: Mutex::new(Vec::new()),
            goal: Mutex::new(None),
            goal_waiters: Mutex::new(Vec::new()),
            children: Mutex::new(HashMap::new()),
        })
    }

    /// The followed state of the child `id` (its ops go through this
    /// thread: a child is driven by its parent's tools, not by clients).
    fn child(self: &Arc<Self>, id: String) -> Arc<LiveThread> {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            children
                .entry(id.clone())
                .or_insert_with(|| LiveThread::new(Arc::clone(&self.codex), id, self.cwd.clone())),
        )
    }

    /// Sends a rewind op and waits for its answer (`rewind_points` or
    /// `rewind_completed`); a summary may take a model request.
    pub async fn rewind_call(&self, op: Op) -> Option<EventMsg> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.rewind_waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        self.codex.submit(op).await.ok()?;
        tokio::time::timeout(std::time::Duration::from_secs(600), rx)
            .await
            .ok()?
            .ok()
    }

    /// The thread's MCP servers and tools, as the engine reports them.
    pub async fn mcp_tools(&self) -> Option<McpListToolsResponseEvent> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.mcp_waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        self.codex.submit(Op::ListMcpTools).await.ok()?;
        tokio::time::timeout(std::time::Duration::from_secs(30), rx)
            .await
            .ok()?
            .ok()
    }

    pub fn set_pump(&self, handle: tokio::task::JoinHandle<()>) {
        *self.pump.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    }

    /// Stops the thread (a running turn is interrupted) and waits, up to
    /// ten seconds, until its pump saw the end, so its file is flushed.
    pub async fn shut_down(&self) {
        let _ = self.codex.submit(Op::Shutdown).await;
        let handle = self.pump.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = handle {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), handle).await;
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, TurnState> {
        // The state is a cache of what was notified; a poisoned lock still
        // holds a usable one.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn running_turn(&self) -> Option<String> {
        self.lock().running_turn.clone()
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Reads `thread`'s events until it shuts down.
pub async fn pump(thread: Arc<LiveThread>, outgoing: Arc<Outgoing>) {
    while let Ok(event) = thread.codex.next_event().await {
        if matches!(event.msg, EventMsg::ShutdownComplete) {
            break;
        }
        handle(&thread, &outgoing, event.id, event.msg);
    }
}

fn handle(thread: &Arc<LiveThread>, out: &Arc<Outgoing>, sub_id: String, msg: EventMsg) {
    let thread_id = thread.id.clone();
    let turn_id = thread.running_turn().unwrap_or(sub_id);
    let started = |item: ThreadItem, started_at_ms: i64| {
        out.notify(N::ItemStarted(ItemStartedNotification {
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            item,
            started_at_ms,
        }));
    };
    let completed = |item: ThreadItem, completed_at_ms: i64| {
        thread.lock().items.push(item.clone());
        out.notify(N::ItemCompleted(ItemCompletedNotification {
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            item,
            completed_at_ms,
        }));
    };
    let plan_updated = |plan: &PlanItem| {
        out.notify(N::TurnPlanUpdated(TurnPlanUpdatedNotification {
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            explanation: plan.explanation.clone(),
            plan: items::plan_steps(plan),
        }));
    };
    let delta = |item_id: String, delta: String| ItemDeltaNotification {
        thread_id: thread_id.clone(),
        turn_id: turn_id.clone(),
        item_id,
        delta,
    };
    let turn_ref = || TurnRefNotification {
        thread_id: thread_id.clone(),
        turn_id: turn_id.clone(),
    };
    match msg {
        EventMsg::SubAgentEvent(ev) => match ev.event.msg {
            // Asked and answered through this thread (labelled).
            EventMsg::ExecApprovalRequest(_)
            | EventMsg::ApplyPatchApprovalRequest(_)
            | EventMsg::RequestUserInput(_)
            | EventMsg::ElicitationRequest(_)
            | EventMsg::SubAgentEvent(_) => {}
            // The child exists from here on, idle until its first turn.
            EventMsg::SessionConfigured(_) => {
                out.notify(N::ThreadStatusChanged(ThreadStatusChangedNotification {
                    thread_id: ev.thread_id.to_string(),
                    status: ThreadStatus::Idle,
                }))
            }
            child_msg => {
                let child = thread.child(ev.thread_id.to_string());
                handle(&child, out, ev.event.id, child_msg);
            }
        },
        EventMsg::TaskStarted(task) => {
            {
                let mut state = thread.lock();
                *state = TurnState::default();
                state.running_turn = Some(task.turn_id.clone());
            }
            out.notify(N::TurnStarted(TurnNotification {
                thread_id: thread_id.clone(),
                turn: items::turn(&task.turn_id, Vec::new(), TurnStatus::InProgress, None),
            }));
            out.notify(N::ThreadStatusChanged(ThreadStatusChangedNotification {
                thread_id,
                status: items::status_active(),
            }));
        }
        EventMsg::ItemStarted(ev) => {
            if let TurnItem::Plan(plan) = &ev.item {
                plan_updated(plan);
            }
            if let Some(item) = items::thread_item(&ev.item) {
                started(item, ev.started_at_ms);
            }
        }
        EventMsg::ItemUpdated(ev) => match ev.update {
            ItemUpdate::AgentMessageDelta { delta: text } => {
                out.notify(N::AgentMessageDelta(delta(ev.item_id, text)));
            }
            ItemUpdate::ReasoningSummaryPartAdded => {
                let summary_index = {
                    let mut state = thread.lock();
                    let parts = state.reasoning_parts.entry(ev.item_id.clone()).or_insert(0);
                    *parts += 1;
                    *parts - 1
                };
                out.notify(N::ReasoningSummaryPartAdded(
                    ReasoningSummaryPartAddedNotification {
                        thread_id: thread_id.clone(),
                        turn_id: turn_id.clone(),
                        item_id: ev.item_id,
                        summary_index,
                    },
                ));
            }
            ItemUpdate::ReasoningSummaryDelta { delta: text } => {
                let summary_index = thread
                    .lock()
                    .reasoning_parts
                    .get(&ev.item_id)
                    .map_or(0, |parts| parts.saturating_sub(1));
                out.notify(N::ReasoningSummaryTextDelta(
                    ReasoningSummaryTextDeltaNotification {
                        thread_id: thread_id.clone(),
                        turn_id: turn_id.clone(),
                        item_id: ev.item_id,
                        delta: text,
                        summary_index,
                    },
                ));
            }
            ItemUpdate::CommandOutputDelta { chunk, .. } => {
                out.notify(N::CommandExecutionOutputDelta(delta(ev.item_id, chunk)));
            }
            ItemUpdate::FileChangeOutputDelta { delta: text } => {
                out.notify(N::FileChangeOutputDelta(delta(ev.item_id, text)));
            }
            ItemUpdate::Replaced {
                item: TurnItem::Plan(plan),
            } => plan_updated(&plan),
            ItemUpdate::Replaced { .. } => {}
        },
        EventMsg::ItemCompleted(ev) => {
            if let Some(item) = items::thread_item(&ev.item) {
                completed(item, ev.completed_at_ms);
            }
        }
        EventMsg::ExecApprovalRequest(request) => {
            let params = CommandExecutionRequestApprovalParams {
                thread_id: thread_id.clone(),
                turn_id: turn_id.clone(),
                item_id: request.call_id.clone(),
                started_at_ms: now_ms(),
                command: codex_core::shell_join(&request.command),
                cwd: request.cwd.display().to_string(),
                reason: request.reason,
                command_actions: items::command_actions(&request.parsed_cmd, &request.cwd),
                available_decisions: items::available_decisions(
                    request.proposed_execpolicy_amendment.as_deref(),
                ),
                proposed_execpolicy_amendment: request.proposed_execpolicy_amendment,
            };
            let call_id = request.call_id;
            ask(
                thread,
                out,
                ServerRequest::CommandExecutionRequestApproval(params),
                move |answer| Op::ExecApproval {
                    id: call_id,
                    decision: review_decision(answer),
                },
            );
        }
        EventMsg::ApplyPatchApprovalRequest(request) => {
            let params = FileChangeRequestApprovalParams {
                thread_id: thread_id.clone(),
                turn_id: turn_id.clone(),
                item_id: request.call_id.clone(),
                started_at_ms: now_ms(),
                reason: request.reason,
                grant_root: request.grant_root.map(|p| p.display().to_string()),
            };
            let call_id = request.call_id;
            ask(
                thread,
                out,
                ServerRequest::FileChangeRequestApproval(params),
                move |answer| Op::PatchApproval {
                    id: call_id,
                    decision: review_decision(answer),
                },
            );
        }
        EventMsg::RequestUserInput(request) => {
            let call_id = request.call_id.clone();
            ask(
                thread,
                out,
                ServerRequest::ToolRequestUserInput(user_input_params(
                    thread_id.clone(),
                    turn_id.clone(),
                    request,
                )),
                move |answer| Op::UserInputAnswer {
                    id: call_id,
                    response: user_input_answer(answer),
                },
            );
        }
        EventMsg::ElicitationRequest(request) => {
            let params = McpServerElicitationRequestParams {
                thread_id: thread_id.clone(),
                turn_id: turn_id.clone(),
                server_name: request.server_name.clone(),
                mode: "openai/form".to_string(),
                message: request.message,
                requested_schema: request
                    .requested_schema
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            };
            let (server_name, request_id) = (request.server_name, request.id);
            ask(
                thread,
                out,
                ServerRequest::McpServerElicitationRequest(params),
                move |answer| {
                    let answer: Option<ElicitationResponse> =
                        answer.and_then(|v| serde_json::from_value(v).ok());
                    let (decision, content) = match answer {
                        Some(ElicitationResponse {
                            action: ElicitationAction::Accept,
                            content,
                        }) => (EngineElicitation::Accept, content),
                        Some(ElicitationResponse {
                            action: ElicitationAction::Decline,
                            ..
                        }) => (EngineElicitation::Decline, None),
                        _ => (EngineElicitation::Cancel, None),
                    };
                    Op::ResolveElicitation {
                        server_name,
                        request_id,
                        decision,
                        content,
                    }
                },
            );
        }
        EventMsg::RewindPoints(_) | EventMsg::RewindCompleted(_) => {
            // One answer per call, in the order the calls were made.
            let mut waiters = thread
                .rewind_waiters
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if !waiters.is_empty() {
                let _ = waiters.remove(0).send(msg);
            }
        }
        EventMsg::ThreadGoalUpdated(updated) => {
            *thread.goal.lock().unwrap_or_else(|e| e.into_inner()) = Some(updated.goal.clone());
            let waiters: Vec<_> = std::mem::take(
                &mut *thread
                    .goal_waiters
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()),
            );
            for waiter in waiters {
                let _ = waiter.send(updated.goal.clone());
            }
            out.notify(N::ThreadGoalUpdated(ThreadGoalUpdatedNotification {
                thread_id: thread_id.clone(),
                turn_id: thread.running_turn(),
                goal: serde_json::to_value(&updated.goal).unwrap_or_default(),
            }));
        }
        EventMsg::ThreadGoalCleared(_) => {
            *thread.goal.lock().unwrap_or_else(|e| e.into_inner()) = None;
            out.notify(N::ThreadGoalCleared(ThreadIdNotification {
                thread_id: thread_id.clone(),
            }));
        }
        EventMsg::McpListToolsResponse(list) => {
            let waiters: Vec<_> =
                std::mem::take(&mut *thread.mcp_waiters.lock().unwrap_or_else(|e| e.into_inner()));
            for waiter in waiters {
                let _ = waiter.send(list.clone());
            }
        }
        EventMsg::TurnDiff(diff) => out.notify(N::TurnDiffUpdated(TurnDiffUpdatedNotification {
            thread_id,
            turn_id,
            diff: diff.unified_diff,
        })),
        EventMsg::TokenCount(count) => {
            if let Some(info) = count.info {
                out.notify(N::ThreadTokenUsageUpdated(
                    ThreadTokenUsageUpdatedNotification {
                        thread_id: thread_id.clone(),
                        turn_id: turn_id.clone(),
                        token_usage: items::token_usage(&info),
                    },
                ));
            }
            if let Some(limits) = count.rate_limits {
                out.notify(N::AccountRateLimitsUpdated(
                    AccountRateLimitsUpdatedNotification {
                        rate_limits: items::rate_limits(&limits),
                    },
                ));
            }
        }
        EventMsg::StreamError(error) => out.notify(N::Error(ErrorNotification {
            thread_id,
            turn_id,
            will_retry: true,
            error: TurnError {
                message: error.message,
            },
        })),
        EventMsg::Error(error) => {
            thread.lock().last_error = Some(error.message.clone());
            out.notify(N::Error(ErrorNotification {
                thread_id,
                turn_id,
                will_retry: false,
                error: TurnError {
                    message: error.message,
                },
            }));
        }
        EventMsg::Warning(warning) => out.notify(N::Warning(WarningNotification {
            thread_id: Some(thread_id),
            message: warning.message,
        })),
        EventMsg::McpStartupUpdate(update) => {
            use crate::protocol::{McpServerStartupState as S, McpServerStatusUpdatedNotification};
            use codex_protocol::mcp::McpStartupStatus;
            let (status, error) = match update.status {
                McpStartupStatus::Starting => (S::Starting, None),
                McpStartupStatus::Ready => (S::Ready, None),
                McpStartupStatus::Failed { error } => (S::Failed, Some(error)),
                McpStartupStatus::Cancelled => (S::Cancelled, None),
            };
            out.notify(N::McpServerStartupStatusUpdated(
                McpServerStatusUpdatedNotification {
                    name: update.server,
                    status,
                    error,
                    thread_id: Some(thread_id),
                },
            ))
        }
        EventMsg::ContextCompacted(_) => out.notify(N::ThreadCompacted(turn_ref())),
        EventMsg::HookStarted(hook) => {
            let run = HookRunSummary {
                id: hook.run_id.clone(),
                event_name: hook_event_name(&hook.event_name),
                execution_mode: "sync".into(),
                handler_type: "command".into(),
                scope: hook_scope(&hook.event_name).into(),
                source_path: hook.source_path.display().to_string(),
                started_at: hook.started_at_ms,
                completed_at: None,
                duration_ms: None,
                status: "running".into(),
                status_message: hook.status_message.clone(),
                display_order: 0,
                entries: Vec::new(),
            };
            thread.lock().hooks.insert(hook.run_id, run.clone());
            if known_hook_event(&run.event_name) {
                out.notify(N::HookStarted(HookNotification {
                    thread_id,
                    turn_id: thread.running_turn(),
                    run,
                }));
            }
        }
        EventMsg::HookCompleted(hook) => {
            let Some(mut run) = thread.lock().hooks.remove(&hook.run_id) else {
                return;
            };
            run.status = hook.status;
            run.duration_ms = Some(hook.duration_ms as i64);
            run.completed_at = Some(now_ms());
            if hook.outcome != "ok" {
                run.entries.push(HookOutputEntry {
                    kind: "feedback".into(),
                    text: hook.outcome,
                });
            }
            if known_hook_event(&run.event_name) {
                out.notify(N::HookCompleted(HookNotification {
                    thread_id,
                    turn_id: thread.running_turn(),
                    run,
                }));
            }
        }
        EventMsg::TaskComplete(_) => finish_turn(thread, out, None),
        EventMsg::TurnAborted(_) => finish_turn(thread, out, Some(TurnStatus::Interrupted)),
        _ => {}
    }
}

/// `turn/completed`, and every approval still waiting becomes moot.
fn finish_turn(thread: &Arc<LiveThread>, out: &Arc<Outgoing>, status: Option<TurnStatus>) {
    let (turn_id, items, error, pending) = {
        let mut state = thread.lock();
        (
            state.running_turn.take().unwrap_or_default(),
            std::mem::take(&mut state.items),
            state.last_error.take(),
            std::mem::take(&mut state.pending_requests),
        )
    };
    for request_id in pending {
        out.forget(request_id);
        out.notify(N::ServerRequestResolved(
            ServerRequestResolvedNotification {
                thread_id: thread.id.clone(),
                request_id,
            },
        ));
    }
    let status = status.unwrap_or(if error.is_some() {
        TurnStatus::Failed
    } else {
        TurnStatus::Completed
    });
    out.notify(N::TurnCompleted(TurnNotification {
        thread_id: thread.id.clone(),
        turn: items::turn(&turn_id, items, status, error.as_deref()),
    }));
    out.notify(N::ThreadStatusChanged(ThreadStatusChangedNotification {
        thread_id: thread.id.clone(),
        status: ThreadStatus::Idle,
    }));
}

fn user_input_params(
    thread_id: String,
    turn_id: String,
    request: codex_protocol::user_questions::RequestUserInputEvent,
) -> ToolRequestUserInputParams {
    ToolRequestUserInputParams {
        thread_id,
        turn_id,
        item_id: request.call_id,
        questions: request
            .questions
            .into_iter()
            .map(|q| ToolRequestUserInputQuestion {
                id: q.id,
                header: q.header,
                question: q.question,
                is_other: q.is_other,
                is_secret: q.is_secret,
                options: Some(
                    q.options
                        .into_iter()
                        .map(|o| ToolRequestUserInputOption {
                            label: o.label,
                            description: o.description,
                        })
                        .collect(),
                ),
            })
            .collect(),
        is_blocking: true,
        auto_resolution_ms: None,
    }
}

/// The client's answers as the engine takes them; an error or malformed
/// answer is no answers at all (the model is told nothing was chosen).
fn user_input_answer(answer: Option<Value>) -> RequestUserInputResponse {
    let answer: Option<ToolRequestUserInputResponse> =
        answer.and_then(|v| serde_json::from_value(v).ok());
    let mut response = RequestUserInputResponse::default();
    for (id, given) in answer.map(|a| a.answers).unwrap_or_default() {
        response.answers.insert(
            id,
            QuestionAnswer {
                answers: given.answers,
            },
        );
    }
    response
}

fn review_decision(answer: Option<Value>) -> ReviewDecision {
    let answer: Option<ApprovalResponse> = answer.and_then(|v| serde_json::from_value(v).ok());
    match answer.map(|a| a.decision) {
        Some(ApprovalDecision::Accept) => ReviewDecision::Approved,
        Some(ApprovalDecision::AcceptForSession) => ReviewDecision::ApprovedForSession,
        // The engine writes the rule it proposed with the request
        // (`proposedExecpolicyAmendment`) to `default.rules`.
        Some(ApprovalDecision::AcceptWithExecpolicyAmendment { .. }) => {
            ReviewDecision::ApprovedExecpolicyAmendment
        }
        Some(ApprovalDecision::Cancel) => ReviewDecision::Abort,
        // A declined, malformed or failed answer runs nothing.
        Some(ApprovalDecision::Decline) | None => ReviewDecision::Denied,
    }
}

/// Asks the client; its answer (None for an error answer) becomes the op
/// `answer_op` makes, then `serverRequest/resolved` is sent.
fn ask(
    thread: &Arc<LiveThread>,
    out: &Arc<Outgoing>,
    request: ServerRequest,
    answer_op: impl FnOnce(Option<Value>) -> Op + Send + 'static,
) {
    let (request_id, answer) = out.request(request);
    thread.lock().pending_requests.push(request_id);
    let thread = Arc::clone(thread);
    let out = Arc::clone(out);
    tokio::spawn(async move {
        // Dropped (the turn ended first): the engine has moved on already.
        let Ok(answer) = answer.await else {
            return;
        };
        thread
            .lock()
            .pending_requests
            .retain(|id| *id != request_id);
        let _ = thread.codex.submit(answer_op(answer.ok())).await;
        out.notify(N::ServerRequestResolved(
            ServerRequestResolvedNotification {
                thread_id: thread.id.clone(),
                request_id,
            },
        ));
    });
}

/// `PreToolUse` → `preToolUse`, the protocol's `HookEventName`.
fn hook_event_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The hook events the protocol has a name for (`StopFailure` has none).
fn known_hook_event(name: &str) -> bool {
    matches!(
        name,
        "preToolUse"
            | "permissionRequest"
            | "postToolUse"
            | "preCompact"
            | "postCompact"
            | "sessionStart"
            | "userPromptSubmit"
            | "subagentStart"
            | "subagentStop"
            | "stop"
    )
}

fn hook_scope(event: &str) -> &'static str {
    if event == "SessionStart" {
        "thread"
    } else {
        "turn"
    }
}
