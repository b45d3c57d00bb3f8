//! The remote thread's pump: the interface's ops become app-server
//! requests, the server's notifications and requests become engine events.
//!
//! State kept here is what the wire leaves implicit: the running turn's id
//! (for `turn/interrupt` and steering), the approvals waiting for an answer
//! (by item id, with the server's request id), a file change's diff for its
//! approval prompt, the plan as an item, and turn settings the person
//! changed (`/model`, `/approvals`), sent with the next `turn/start`.

use std::collections::HashMap;
use std::sync::Arc;

use codex_protocol::ThreadId;
use codex_protocol::items::{FileChangeItem, ItemUpdate, PlanItem, TurnItem};
use codex_protocol::mcp::{ElicitationAction, ElicitationRequestEvent, McpListToolsResponseEvent};
use codex_protocol::protocol::{
    ApplyPatchApprovalRequestEvent, ErrorEvent, Event, EventMsg, ExecApprovalRequestEvent,
    ExecOutputStream, ItemCompletedEvent, ItemStartedEvent, ItemUpdatedEvent, Op, ReviewDecision,
    StreamErrorEvent, Submission, TaskCompleteEvent, TaskStartedEvent, TokenCountEvent, TokenUsage,
    TokenUsageInfo, TurnAbortReason, TurnAbortedEvent, WarningEvent,
};
use codex_protocol::user_input::UserInput;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use crate::connection::{Incoming, Rpc};
use crate::items::{command_words, file_changes, turn_item};

/// JSON-RPC "method not found".
const METHOD_NOT_FOUND: i64 = -32601;

pub(crate) struct Pump {
    pub rpc: Arc<Rpc>,
    pub thread_id: ThreadId,
    pub events: mpsc::UnboundedSender<Event>,
    running_turn: Option<String>,
    /// Approvals and elicitations waiting: call id (or elicitation id) →
    /// the server's request id, and the rule a command's approval proposed.
    waiting: HashMap<String, (Value, Option<Vec<String>>)>,
    file_changes: HashMap<String, FileChangeItem>,
    plan: Option<PlanItem>,
    last_agent_message: Option<String>,
    /// Settings for the next `turn/start` (camelCase keys).
    next_turn: Map<String, Value>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Pump {
    pub(crate) fn new(
        rpc: Arc<Rpc>,
        thread_id: ThreadId,
        events: mpsc::UnboundedSender<Event>,
    ) -> Self {
        Self {
            rpc,
            thread_id,
            events,
            running_turn: None,
            waiting: HashMap::new(),
            file_changes: HashMap::new(),
            plan: None,
            last_agent_message: None,
            next_turn: Map::new(),
        }
    }

    /// Runs until the interface shuts the thread down or the connection
    /// ends.
    pub(crate) async fn run(
        mut self,
        mut ops: mpsc::Receiver<Submission>,
        mut incoming: mpsc::UnboundedReceiver<Incoming>,
    ) {
        loop {
            tokio::select! {
                submission = ops.recv() => {
                    let Some(submission) = submission else { break };
                    if !self.op(submission).await {
                        break;
                    }
                }
                message = incoming.recv() => match message {
                    Some(Incoming::Notification { method, params }) => {
                        self.notification(&method, &params);
                    }
                    Some(Incoming::Request { id, method, params }) => {
                        self.request(id, &method, &params);
                    }
                    Some(Incoming::Closed(why)) => {
                        self.emit(EventMsg::Error(ErrorEvent {
                            message: format!("the remote app-server is gone: {why}"),
                        }));
                        break;
                    }
                    None => break,
                },
            }
        }
        self.emit(EventMsg::ShutdownComplete);
    }

    fn emit(&self, msg: EventMsg) {
        let id = self.running_turn.clone().unwrap_or_default();
        let _ = self.events.send(Event { id, msg });
    }

    fn turn_id(&self) -> String {
        self.running_turn.clone().unwrap_or_default()
    }

    fn unavailable(&self, what: &str) {
        self.emit(EventMsg::Error(ErrorEvent {
            message: format!(
                "{what}: not available with --remote (it needs the engine in this process)"
            ),
        }));
    }

    /// One op of the interface; false once the thread is to end.
    async fn op(&mut self, submission: Submission) -> bool {
        match submission.op {
            Op::UserInput { items, .. } => self.send_input(items).await,
            Op::UserTurn {
                items,
                model,
                effort,
                approval_policy,
                sandbox_policy,
                ..
            } => {
                self.next_turn.insert("model".into(), json!(model));
                self.next_turn.insert("effort".into(), json!(effort));
                self.next_turn
                    .insert("approvalPolicy".into(), json!(approval_policy));
                self.next_turn
                    .insert("sandboxPolicy".into(), sandbox_param(&sandbox_policy));
                self.send_input(items).await;
            }
            Op::OverrideTurnContext {
                model,
                approval_policy,
                sandbox_policy,
                effort,
                ..
            } => {
                if let Some(model) = model {
                    self.next_turn.insert("model".into(), json!(model));
                }
                if let Some(policy) = approval_policy {
                    self.next_turn
                        .insert("approvalPolicy".into(), json!(policy));
                }
                if let Some(policy) = sandbox_policy {
                    self.next_turn
                        .insert("sandboxPolicy".into(), sandbox_param(&policy));
                }
                if let Some(effort) = effort {
                    self.next_turn.insert("effort".into(), json!(effort));
                }
            }
            Op::Interrupt => {
                if let Some(turn_id) = self.running_turn.clone() {
                    let params = json!({"threadId": self.thread_id.to_string(), "turnId": turn_id});
                    if let Err(err) = self.rpc.call("turn/interrupt", params).await {
                        self.emit(EventMsg::Error(ErrorEvent {
                            message: err.to_string(),
                        }));
                    }
                }
            }
            Op::ExecApproval { id, decision } | Op::PatchApproval { id, decision } => {
                if let Some((request, amendment)) = self.waiting.remove(&id) {
                    self.rpc.respond(
                        request,
                        json!({"decision": approval_decision(decision, amendment)}),
                    );
                }
            }
            Op::ResolveElicitation {
                request_id,
                decision,
                content,
                ..
            } => {
                if let Some((request, _)) = self.waiting.remove(&request_id) {
                    let action = match decision {
                        ElicitationAction::Accept => "accept",
                        ElicitationAction::Decline => "decline",
                        _ => "cancel",
                    };
                    self.rpc
                        .respond(request, json!({"action": action, "content": content}));
                }
            }
            Op::Compact => {
                let params = json!({"threadId": self.thread_id.to_string()});
                if let Err(err) = self.rpc.call("thread/compact/start", params).await {
                    self.emit(EventMsg::Error(ErrorEvent {
                        message: err.to_string(),
                    }));
                }
            }
            Op::ListMcpTools => self.list_mcp().await,
            // The composer's history lives with the interface; a remote
            // thread has none to offer.
            Op::GetHistoryEntryRequest { offset, log_id } => {
                self.emit(EventMsg::GetHistoryEntryResponse(
                    codex_protocol::protocol::GetHistoryEntryResponseEvent {
                        offset,
                        log_id,
                        entry: None,
                    },
                ));
            }
            Op::AddToHistory { .. } => {}
            Op::Shutdown => return false,
            Op::Review { .. } => self.unavailable("/review"),
            Op::Undo => self.unavailable("/undo"),
            Op::RunUserShellCommand { .. } => self.unavailable("`!` shell commands"),
            other => self.unavailable(&format!("`{}`", other.name())),
        }
        true
    }

    /// A message: steers the running turn, or starts one.
    async fn send_input(&mut self, items: Vec<UserInput>) {
        let input: Vec<Value> = items
            .into_iter()
            .map(|item| match item {
                UserInput::Text { text } => json!({"type": "text", "text": text}),
                UserInput::Image { image_url } => json!({"type": "image", "url": image_url}),
                UserInput::LocalImage { path } => json!({"type": "localImage", "path": path}),
            })
            .collect();
        let thread_id = self.thread_id.to_string();
        let result = match self.running_turn.clone() {
            Some(turn_id) => {
                self.rpc
                    .call(
                        "turn/steer",
                        json!({"threadId": thread_id, "input": input, "expectedTurnId": turn_id}),
                    )
                    .await
            }
            None => {
                let mut params = self.next_turn.clone();
                params.insert("threadId".into(), json!(thread_id));
                params.insert("input".into(), json!(input));
                self.rpc.call("turn/start", Value::Object(params)).await
            }
        };
        if let Err(err) = result {
            self.emit(EventMsg::Error(ErrorEvent {
                message: err.to_string(),
            }));
        }
    }

    async fn list_mcp(&mut self) {
        let params = json!({"threadId": self.thread_id.to_string()});
        let status = match self.rpc.call("mcpServerStatus/list", params).await {
            Ok(status) => status,
            Err(err) => {
                return self.emit(EventMsg::Error(ErrorEvent {
                    message: err.to_string(),
                }));
            }
        };
        let mut response = McpListToolsResponseEvent::default();
        for server in status["data"].as_array().into_iter().flatten() {
            let name = server["name"].as_str().unwrap_or_default().to_string();
            match server["runtimeStatus"].as_str() {
                Some("starting") => response.starting.push(name.clone()),
                Some("failed") => response
                    .failed
                    .push(codex_protocol::mcp::McpStartupFailure {
                        server: name.clone(),
                        error: "failed to start".to_string(),
                    }),
                _ => {}
            }
            for (tool, info) in server["tools"].as_object().into_iter().flatten() {
                response.tools.insert(
                    format!("mcp__{name}__{tool}"),
                    codex_protocol::mcp::McpToolSummary {
                        server: name.clone(),
                        tool: tool.clone(),
                        description: info["description"].as_str().unwrap_or_default().into(),
                    },
                );
            }
        }
        self.emit(EventMsg::McpListToolsResponse(response));
    }

    fn item_event(&mut self, params: &Value, started: bool) {
        let Some(item) = params.get("item").and_then(turn_item) else {
            return;
        };
        let at = |key: &str| {
            params
                .get(key)
                .and_then(Value::as_i64)
                .unwrap_or_else(now_ms)
        };
        match &item {
            TurnItem::FileChange(change) if started => {
                self.file_changes.insert(change.id.clone(), change.clone());
            }
            TurnItem::AgentMessage(message) if !started => {
                self.last_agent_message = Some(message.text());
            }
            _ => {}
        }
        let (thread_id, turn_id) = (self.thread_id, self.turn_id());
        self.emit(if started {
            EventMsg::ItemStarted(ItemStartedEvent {
                thread_id,
                turn_id,
                item,
                started_at_ms: at("startedAtMs"),
            })
        } else {
            EventMsg::ItemCompleted(ItemCompletedEvent {
                thread_id,
                turn_id,
                item,
                started_at_ms: 0,
                completed_at_ms: at("completedAtMs"),
            })
        });
    }

    fn update(&self, params: &Value, update: ItemUpdate) {
        self.emit(EventMsg::ItemUpdated(ItemUpdatedEvent {
            thread_id: self.thread_id,
            turn_id: self.turn_id(),
            item_id: params["itemId"].as_str().unwrap_or_default().to_string(),
            update,
        }));
    }

    fn notification(&mut self, method: &str, params: &Value) {
        let delta = || params["delta"].as_str().unwrap_or_default().to_string();
        match method {
            "turn/started" => {
                let turn_id = params["turn"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                self.running_turn = Some(turn_id.clone());
                self.last_agent_message = None;
                self.emit(EventMsg::TaskStarted(TaskStartedEvent {
                    turn_id,
                    model_context_window: None,
                }));
            }
            "turn/completed" => self.turn_completed(params),
            "item/started" => self.item_event(params, true),
            "item/completed" => self.item_event(params, false),
            "item/agentMessage/delta" => {
                self.update(params, ItemUpdate::AgentMessageDelta { delta: delta() })
            }
            "item/reasoning/summaryTextDelta" => {
                self.update(params, ItemUpdate::ReasoningSummaryDelta { delta: delta() })
            }
            "item/reasoning/summaryPartAdded" => {
                self.update(params, ItemUpdate::ReasoningSummaryPartAdded)
            }
            "item/commandExecution/outputDelta" => self.update(
                params,
                ItemUpdate::CommandOutputDelta {
                    stream: ExecOutputStream::Stdout,
                    chunk: delta(),
                },
            ),
            "item/fileChange/outputDelta" => {
                self.update(params, ItemUpdate::FileChangeOutputDelta { delta: delta() })
            }
            "turn/plan/updated" => self.plan_updated(params),
            "thread/tokenUsage/updated" => {
                let usage = &params["tokenUsage"];
                self.emit(EventMsg::TokenCount(TokenCountEvent {
                    info: Some(TokenUsageInfo {
                        total_token_usage: token_usage(&usage["total"]),
                        last_token_usage: token_usage(&usage["last"]),
                        model_context_window: usage["modelContextWindow"].as_i64(),
                    }),
                    rate_limits: None,
                }));
            }
            "error" => {
                let message = params["error"]["message"]
                    .as_str()
                    .unwrap_or("error")
                    .to_string();
                if params["willRetry"].as_bool() == Some(true) {
                    self.emit(EventMsg::StreamError(StreamErrorEvent { message }));
                } else {
                    self.emit(EventMsg::Error(ErrorEvent { message }));
                }
            }
            "warning" => self.emit(EventMsg::Warning(WarningEvent {
                message: params["message"].as_str().unwrap_or_default().to_string(),
            })),
            _ => {}
        }
    }

    fn turn_completed(&mut self, params: &Value) {
        let turn = &params["turn"];
        let turn_id = turn["id"].as_str().unwrap_or_default().to_string();
        if let Some(plan) = self.plan.take() {
            self.emit(EventMsg::ItemCompleted(ItemCompletedEvent {
                thread_id: self.thread_id,
                turn_id: turn_id.clone(),
                item: TurnItem::Plan(plan),
                started_at_ms: 0,
                completed_at_ms: now_ms(),
            }));
        }
        match turn["status"].as_str() {
            Some("interrupted") => self.emit(EventMsg::TurnAborted(TurnAbortedEvent {
                reason: TurnAbortReason::Interrupted,
            })),
            _ => {
                if let Some(message) = turn["error"]["message"].as_str() {
                    self.emit(EventMsg::Error(ErrorEvent {
                        message: message.to_string(),
                    }));
                }
                let last_agent_message = self.last_agent_message.take();
                self.emit(EventMsg::TaskComplete(TaskCompleteEvent {
                    turn_id,
                    last_agent_message,
                }));
            }
        }
        self.running_turn = None;
        self.file_changes.clear();
        // Approvals of the turn that ended will not be answered.
        self.waiting.clear();
    }

    fn plan_updated(&mut self, params: &Value) {
        let plan = PlanItem {
            id: format!("plan-{}", self.turn_id()),
            explanation: params["explanation"].as_str().map(str::to_string),
            plan: serde_json::from_value(params["plan"].clone()).unwrap_or_default(),
        };
        let first = self.plan.is_none();
        self.plan = Some(plan.clone());
        if first {
            self.emit(EventMsg::ItemStarted(ItemStartedEvent {
                thread_id: self.thread_id,
                turn_id: self.turn_id(),
                item: TurnItem::Plan(plan),
                started_at_ms: now_ms(),
            }));
        } else {
            self.emit(EventMsg::ItemUpdated(ItemUpdatedEvent {
                thread_id: self.thread_id,
                turn_id: self.turn_id(),
                item_id: plan.id.clone(),
                update: ItemUpdate::Replaced {
                    item: TurnItem::Plan(plan),
                },
            }));
        }
    }

    fn request(&mut self, id: Value, method: &str, params: &Value) {
        let item_id = params["itemId"].as_str().unwrap_or_default().to_string();
        let reason = params["reason"].as_str().map(str::to_string);
        match method {
            "item/commandExecution/requestApproval" => {
                let amendment: Option<Vec<String>> =
                    serde_json::from_value(params["proposedExecpolicyAmendment"].clone())
                        .unwrap_or_default();
                self.waiting
                    .insert(item_id.clone(), (id, amendment.clone()));
                self.emit(EventMsg::ExecApprovalRequest(ExecApprovalRequestEvent {
                    call_id: item_id,
                    command: command_words(params["command"].as_str().unwrap_or_default()),
                    cwd: params["cwd"].as_str().unwrap_or_default().into(),
                    reason,
                    parsed_cmd: Vec::new(),
                    proposed_execpolicy_amendment: amendment,
                }));
            }
            "item/fileChange/requestApproval" => {
                self.waiting.insert(item_id.clone(), (id, None));
                let changes = self
                    .file_changes
                    .get(&item_id)
                    .map(|item| item.changes.clone())
                    .unwrap_or_else(|| file_changes(&Value::Null));
                self.emit(EventMsg::ApplyPatchApprovalRequest(
                    ApplyPatchApprovalRequestEvent {
                        call_id: item_id,
                        changes,
                        reason,
                        grant_root: params["grantRoot"].as_str().map(Into::into),
                    },
                ));
            }
            "mcpServer/elicitation/request" => {
                let key = format!("remote-{id}");
                self.waiting.insert(key.clone(), (id, None));
                self.emit(EventMsg::ElicitationRequest(ElicitationRequestEvent {
                    server_name: params["serverName"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    id: key,
                    message: params["message"].as_str().unwrap_or_default().to_string(),
                    requested_schema: params.get("requestedSchema").cloned(),
                }));
            }
            other => self.rpc.respond_error(
                id,
                METHOD_NOT_FOUND,
                &format!("this client does not handle {other}"),
            ),
        }
    }
}

/// A decision as the app-server takes it.
fn approval_decision(decision: ReviewDecision, amendment: Option<Vec<String>>) -> Value {
    match (decision, amendment) {
        (ReviewDecision::ApprovedExecpolicyAmendment, Some(rule)) => {
            json!({"acceptWithExecpolicyAmendment": {"execpolicy_amendment": rule}})
        }
        (ReviewDecision::Approved | ReviewDecision::ApprovedExecpolicyAmendment, _) => {
            json!("accept")
        }
        (ReviewDecision::ApprovedForSession, _) => json!("acceptForSession"),
        (ReviewDecision::Abort, _) => json!("cancel"),
        (ReviewDecision::Denied, _) => json!("decline"),
    }
}

/// A sandbox policy as `turn/start` takes it.
fn sandbox_param(policy: &codex_protocol::protocol::SandboxPolicy) -> Value {
    use codex_protocol::protocol::SandboxPolicy;
    match policy {
        SandboxPolicy::DangerFullAccess => json!({"type": "dangerFullAccess"}),
        SandboxPolicy::ReadOnly => json!({"type": "readOnly"}),
        SandboxPolicy::WorkspaceWrite {
            writable_roots,
            network_access,
            exclude_tmpdir_env_var,
            exclude_slash_tmp,
        } => json!({
            "type": "workspaceWrite",
            "writableRoots": writable_roots,
            "networkAccess": network_access,
            "excludeTmpdirEnvVar": exclude_tmpdir_env_var,
            "excludeSlashTmp": exclude_slash_tmp,
        }),
    }
}

fn token_usage(value: &Value) -> TokenUsage {
    let n = |key: &str| value[key].as_i64().unwrap_or(0);
    TokenUsage {
        input_tokens: n("inputTokens"),
        cached_input_tokens: n("cachedInputTokens"),
        output_tokens: n("outputTokens"),
        reasoning_output_tokens: n("reasoningOutputTokens"),
        total_tokens: n("totalTokens"),
    }
}
