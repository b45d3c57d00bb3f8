//! One task per live thread: it reads the thread's engine events and turns
//! them into the protocol's notifications (`turn/*`, `item/*`, ...), and
//! its approval requests into requests to the client whose answers go
//! back to the engine as `Op`s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use codex_core::Codex;
use codex_protocol::plan::StepStatus;
use codex_protocol::protocol::{EventMsg, FileChange, Op, ReviewDecision};
use serde_json::{Value, json};

use crate::items::{self, CommandItem};
use crate::outgoing::Outgoing;

/// What the processor and the pump share about a live thread.
pub struct LiveThread {
    pub codex: Arc<Codex>,
    pub id: String,
    pub state: Mutex<TurnState>,
    pump: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// The running turn, as the pump has seen it.
#[derive(Default)]
pub struct TurnState {
    pub running_turn: Option<String>,
    /// Finished items of the running turn (for `turn/completed`).
    items: Vec<Value>,
    /// The agent message being streamed: its item id and text so far.
    message: Option<(String, String)>,
    reasoning: Option<(String, String)>,
    commands: HashMap<String, (String, PathBuf)>,
    patches: HashMap<String, HashMap<PathBuf, FileChange>>,
    /// Requests to the client not answered yet (our request ids).
    pending_requests: Vec<i64>,
    last_error: Option<String>,
}

impl LiveThread {
    pub fn new(codex: Arc<Codex>, id: String) -> Arc<Self> {
        Arc::new(Self {
            codex,
            id,
            state: Mutex::new(TurnState::default()),
            pump: Mutex::new(None),
        })
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
    let tid = thread.id.clone();
    let turn_id = thread.running_turn().unwrap_or(sub_id);
    let started = |item: Value| {
        out.notify(
            "item/started",
            json!({"threadId": tid, "turnId": turn_id, "item": item, "startedAtMs": now_ms()}),
        );
    };
    let completed = |item: Value| {
        thread.lock().items.push(item.clone());
        out.notify(
            "item/completed",
            json!({"threadId": tid, "turnId": turn_id, "item": item, "completedAtMs": now_ms()}),
        );
    };
    match msg {
        EventMsg::TaskStarted(task) => {
            {
                let mut state = thread.lock();
                *state = TurnState::default();
                state.running_turn = Some(task.turn_id.clone());
            }
            out.notify(
                "turn/started",
                json!({"threadId": tid, "turn": items::turn_json(&task.turn_id, Vec::new(), "inProgress", None)}),
            );
            out.notify(
                "thread/status/changed",
                json!({"threadId": tid, "status": items::status_active()}),
            );
        }
        EventMsg::UserMessage(message) => {
            let item = items::user_message(&new_id("user"), &message.message);
            started(item.clone());
            completed(item);
        }
        EventMsg::AgentMessageDelta(delta) => {
            let (id, first) = {
                let mut state = thread.lock();
                match &mut state.message {
                    Some((id, text)) => {
                        text.push_str(&delta.delta);
                        (id.clone(), false)
                    }
                    None => {
                        let id = new_id("msg");
                        state.message = Some((id.clone(), delta.delta.clone()));
                        (id, true)
                    }
                }
            };
            if first {
                started(items::agent_message(&id, ""));
            }
            out.notify(
                "item/agentMessage/delta",
                json!({"threadId": tid, "turnId": turn_id, "itemId": id, "delta": delta.delta}),
            );
        }
        EventMsg::AgentMessage(message) => {
            let streamed = thread.lock().message.take();
            let id = match streamed {
                Some((id, _)) => id,
                None => {
                    let id = new_id("msg");
                    started(items::agent_message(&id, ""));
                    id
                }
            };
            completed(items::agent_message(&id, &message.message));
        }
        EventMsg::AgentReasoningDelta(delta) => {
            let (id, first) = {
                let mut state = thread.lock();
                match &mut state.reasoning {
                    Some((id, text)) => {
                        text.push_str(&delta.delta);
                        (id.clone(), false)
                    }
                    None => {
                        let id = new_id("rs");
                        state.reasoning = Some((id.clone(), delta.delta.clone()));
                        (id, true)
                    }
                }
            };
            if first {
                started(items::reasoning(&id, &[]));
                out.notify(
                    "item/reasoning/summaryPartAdded",
                    json!({"threadId": tid, "turnId": turn_id, "itemId": id, "summaryIndex": 0}),
                );
            }
            out.notify(
                "item/reasoning/summaryTextDelta",
                json!({"threadId": tid, "turnId": turn_id, "itemId": id, "delta": delta.delta, "summaryIndex": 0}),
            );
        }
        EventMsg::AgentReasoning(reasoning) => {
            let streamed = thread.lock().reasoning.take();
            let id = match streamed {
                Some((id, _)) => id,
                None => {
                    let id = new_id("rs");
                    started(items::reasoning(&id, &[]));
                    id
                }
            };
            completed(items::reasoning(&id, &[reasoning.text]));
        }
        EventMsg::ExecCommandBegin(begin) => {
            let command = codex_core::shell_join(&begin.command);
            thread
                .lock()
                .commands
                .insert(begin.call_id.clone(), (command.clone(), begin.cwd.clone()));
            started(items::command_execution(&CommandItem {
                id: &begin.call_id,
                command: &command,
                cwd: &begin.cwd,
                status: "inProgress",
                output: None,
                exit_code: None,
                duration_ms: None,
            }));
        }
        EventMsg::ExecCommandOutputDelta(delta) => {
            out.notify(
                "item/commandExecution/outputDelta",
                json!({"threadId": tid, "turnId": turn_id, "itemId": delta.call_id, "delta": delta.chunk}),
            );
        }
        EventMsg::ExecCommandEnd(end) => {
            let known = thread.lock().commands.remove(&end.call_id);
            let (command, cwd) = known.unwrap_or_default();
            completed(items::command_execution(&CommandItem {
                id: &end.call_id,
                command: &command,
                cwd: &cwd,
                status: if end.exit_code == 0 { "completed" } else { "failed" },
                output: Some(&end.aggregated_output),
                exit_code: Some(end.exit_code),
                duration_ms: Some(end.duration.as_millis() as i64),
            }));
        }
        EventMsg::PatchApplyBegin(begin) => {
            started(items::file_change(&begin.call_id, &begin.changes, "inProgress"));
            thread.lock().patches.insert(begin.call_id, begin.changes);
        }
        EventMsg::PatchApplyEnd(end) => {
            let changes = thread.lock().patches.remove(&end.call_id).unwrap_or_default();
            let output = if end.success { &end.stdout } else { &end.stderr };
            if !output.is_empty() {
                out.notify(
                    "item/fileChange/outputDelta",
                    json!({"threadId": tid, "turnId": turn_id, "itemId": end.call_id, "delta": output}),
                );
            }
            let status = if end.success { "completed" } else { "failed" };
            completed(items::file_change(&end.call_id, &changes, status));
        }
        EventMsg::ExecApprovalRequest(request) => {
            let params = json!({
                "threadId": tid,
                "turnId": turn_id,
                "itemId": request.call_id,
                "startedAtMs": now_ms(),
                "command": codex_core::shell_join(&request.command),
                "cwd": request.cwd.display().to_string(),
                "reason": request.reason,
            });
            ask(thread, out, "item/commandExecution/requestApproval", params, request.call_id, true);
        }
        EventMsg::ApplyPatchApprovalRequest(request) => {
            let params = json!({
                "threadId": tid,
                "turnId": turn_id,
                "itemId": request.call_id,
                "startedAtMs": now_ms(),
                "reason": request.reason,
                "grantRoot": request.grant_root.map(|p| p.display().to_string()),
            });
            ask(thread, out, "item/fileChange/requestApproval", params, request.call_id, false);
        }
        EventMsg::TurnDiff(diff) => out.notify(
            "turn/diff/updated",
            json!({"threadId": tid, "turnId": turn_id, "diff": diff.unified_diff}),
        ),
        EventMsg::PlanUpdate(plan) => {
            let steps: Vec<Value> = plan
                .plan
                .iter()
                .map(|step| {
                    let status = match step.status {
                        StepStatus::Pending => "pending",
                        StepStatus::InProgress => "inProgress",
                        StepStatus::Completed => "completed",
                    };
                    json!({"step": step.step, "status": status})
                })
                .collect();
            out.notify(
                "turn/plan/updated",
                json!({"threadId": tid, "turnId": turn_id, "explanation": plan.explanation, "plan": steps}),
            );
        }
        EventMsg::TokenCount(count) => {
            if let Some(info) = count.info {
                out.notify(
                    "thread/tokenUsage/updated",
                    json!({"threadId": tid, "turnId": turn_id, "tokenUsage": items::token_usage(&info)}),
                );
            }
            if let Some(limits) = count.rate_limits {
                out.notify(
                    "account/rateLimits/updated",
                    json!({"rateLimits": items::rate_limits(&limits)}),
                );
            }
        }
        EventMsg::StreamError(error) => out.notify(
            "error",
            json!({"threadId": tid, "turnId": turn_id, "willRetry": true, "error": {"message": error.message}}),
        ),
        EventMsg::Error(error) => {
            thread.lock().last_error = Some(error.message.clone());
            out.notify(
                "error",
                json!({"threadId": tid, "turnId": turn_id, "willRetry": false, "error": {"message": error.message}}),
            );
        }
        EventMsg::Warning(warning) => out.notify(
            "warning",
            json!({"threadId": tid, "message": warning.message}),
        ),
        EventMsg::ContextCompacted(_) => out.notify(
            "thread/compacted",
            json!({"threadId": tid, "turnId": turn_id}),
        ),
        EventMsg::TaskComplete(_) => finish_turn(thread, out, None),
        EventMsg::TurnAborted(_) => finish_turn(thread, out, Some("interrupted")),
        _ => {}
    }
}

/// `turn/completed`, and every approval still waiting becomes moot.
fn finish_turn(thread: &Arc<LiveThread>, out: &Arc<Outgoing>, status: Option<&str>) {
    let (turn_id, items, error, pending) = {
        let mut state = thread.lock();
        let turn_id = state.running_turn.take().unwrap_or_default();
        (
            turn_id,
            std::mem::take(&mut state.items),
            state.last_error.take(),
            std::mem::take(&mut state.pending_requests),
        )
    };
    for id in pending {
        out.forget(id);
        out.notify(
            "serverRequest/resolved",
            json!({"threadId": thread.id, "requestId": id}),
        );
    }
    let status = status.unwrap_or(if error.is_some() {
        "failed"
    } else {
        "completed"
    });
    out.notify(
        "turn/completed",
        json!({"threadId": thread.id, "turn": items::turn_json(&turn_id, items, status, error.as_deref())}),
    );
    out.notify(
        "thread/status/changed",
        json!({"threadId": thread.id, "status": items::status_idle()}),
    );
}

/// Asks the client, and answers the engine when the client answers.
fn ask(
    thread: &Arc<LiveThread>,
    out: &Arc<Outgoing>,
    method: &str,
    params: Value,
    call_id: String,
    command: bool,
) {
    let (request_id, answer) = out.request(method, params);
    thread.lock().pending_requests.push(request_id);
    let thread = Arc::clone(thread);
    let out = Arc::clone(out);
    tokio::spawn(async move {
        // Dropped (turn ended first): the engine has moved on already.
        let Ok(answer) = answer.await else {
            return;
        };
        let decision = match answer
            .ok()
            .as_ref()
            .and_then(|v| v.get("decision"))
            .and_then(Value::as_str)
        {
            Some("accept") => ReviewDecision::Approved,
            Some("acceptForSession") => ReviewDecision::ApprovedForSession,
            Some("cancel") => ReviewDecision::Abort,
            _ => ReviewDecision::Denied,
        };
        thread
            .lock()
            .pending_requests
            .retain(|id| *id != request_id);
        let op = if command {
            Op::ExecApproval {
                id: call_id,
                decision,
            }
        } else {
            Op::PatchApproval {
                id: call_id,
                decision,
            }
        };
        let _ = thread.codex.submit(op).await;
        out.notify(
            "serverRequest/resolved",
            json!({"threadId": thread.id, "requestId": request_id}),
        );
    });
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}
