//! The protocol's objects (`Thread`, `Turn`, `ThreadItem`, policies) built
//! from the engine's types: the one mapping from the engine's items to the
//! protocol's, used live (`thread_pump`) and for recorded threads alike.

use std::path::Path;

use codex_core::ThreadSummary;
use codex_protocol::items::{
    CommandExecutionStatus, McpToolCallItem, McpToolCallStatus as EngineMcpStatus,
    PatchApplyStatus, PlanItem, SubAgentActivityKind, TurnItem, repeats_item,
};
use codex_protocol::plan::StepStatus;
use codex_protocol::protocol::{
    AskForApproval, EventMsg, FileChange, RateLimitSnapshot as EngineRateLimits,
    SandboxPolicy as EnginePolicy, TokenUsage, TokenUsageInfo,
};
use codex_protocol::rollout::RolloutItem;
use serde_json::{Value, json};

use crate::protocol::{
    FileUpdateChange, ItemStatus, McpToolCallResult, McpToolCallStatus, PatchChangeKind,
    PlanStepStatus, RateLimitSnapshot, RateLimitWindow, SandboxPolicy, SessionSource, Thread,
    ThreadItem, ThreadStatus, ThreadTokenUsage, TokenUsageBreakdown, Turn, TurnError, TurnPlanStep,
    TurnStatus, UserInputItem,
};

/// A thread that is not in the index (yet): only its id is known.
pub fn bare_thread(id: &str, status: ThreadStatus) -> Thread {
    Thread {
        id: id.to_string(),
        session_id: id.to_string(),
        cli_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: 0,
        updated_at: 0,
        cwd: String::new(),
        ephemeral: false,
        preview: String::new(),
        model_provider: String::new(),
        model: None,
        path: None,
        project_id: None,
        source: SessionSource::Unknown,
        forked_from_id: None,
        status,
        turns: Vec::new(),
        name: None,
    }
}

/// A recorded thread, as the index lists it.
pub fn thread_from_summary(summary: &ThreadSummary, status: ThreadStatus) -> Thread {
    Thread {
        cwd: summary.cwd.display().to_string(),
        created_at: summary.created_at,
        updated_at: summary.updated_at,
        preview: summary.title.clone(),
        model_provider: summary.model_provider.clone(),
        model: summary.model.clone(),
        path: Some(summary.rollout_path.display().to_string()),
        source: source_kind(&summary.source),
        ..bare_thread(&summary.id, status)
    }
}

/// Our session sources as the protocol's `SessionSource`.
pub fn source_kind(source: &str) -> SessionSource {
    match source {
        "cli" => SessionSource::Cli,
        "vscode" => SessionSource::Vscode,
        "exec" => SessionSource::Exec,
        "app_server" | "appServer" => SessionSource::AppServer,
        _ => SessionSource::Unknown,
    }
}

pub fn status_active() -> ThreadStatus {
    ThreadStatus::Active {
        active_flags: Vec::new(),
    }
}

pub fn turn(id: &str, items: Vec<ThreadItem>, status: TurnStatus, error: Option<&str>) -> Turn {
    Turn {
        id: id.to_string(),
        items,
        status,
        error: error.map(|message| TurnError {
            message: message.to_string(),
        }),
    }
}

/// An engine item as the protocol's `ThreadItem`; None for kinds the
/// protocol shows otherwise (the plan goes out as `turn/plan/updated`, the
/// model's questions as a server request).
pub fn thread_item(item: &TurnItem) -> Option<ThreadItem> {
    Some(match item {
        TurnItem::UserMessage(message) => ThreadItem::UserMessage {
            id: message.id.clone(),
            content: vec![UserInputItem::Text {
                text: message.text(),
                text_elements: Vec::new(),
            }],
        },
        TurnItem::AgentMessage(message) => ThreadItem::AgentMessage {
            id: message.id.clone(),
            text: message.text(),
        },
        TurnItem::Reasoning(reasoning) => ThreadItem::Reasoning {
            id: reasoning.id.clone(),
            summary: reasoning.summary_text.clone(),
            content: Vec::new(),
        },
        TurnItem::CommandExecution(command) => ThreadItem::CommandExecution {
            id: command.id.clone(),
            command: codex_core::shell_join(&command.command),
            cwd: command.cwd.display().to_string(),
            status: match command.status {
                CommandExecutionStatus::InProgress => ItemStatus::InProgress,
                CommandExecutionStatus::Completed => ItemStatus::Completed,
                CommandExecutionStatus::Failed => ItemStatus::Failed,
                CommandExecutionStatus::Declined => ItemStatus::Declined,
            },
            command_actions: command_actions(&command.parsed_cmd, &command.cwd),
            aggregated_output: (command.status != CommandExecutionStatus::InProgress)
                .then(|| command.aggregated_output.clone()),
            exit_code: command.exit_code,
            duration_ms: command.duration.map(|d| d.as_millis() as i64),
        },
        TurnItem::FileChange(change) => ThreadItem::FileChange {
            id: change.id.clone(),
            changes: change
                .sorted_changes()
                .into_iter()
                .map(|(path, change)| file_update(path, change))
                .collect(),
            status: match change.status {
                PatchApplyStatus::InProgress => ItemStatus::InProgress,
                PatchApplyStatus::Completed => ItemStatus::Completed,
                PatchApplyStatus::Failed => ItemStatus::Failed,
                PatchApplyStatus::Declined => ItemStatus::Declined,
            },
        },
        TurnItem::McpToolCall(call) => mcp_tool_call(call),
        TurnItem::WebSearch(search) => ThreadItem::WebSearch {
            id: search.id.clone(),
            query: search.query.clone(),
        },
        TurnItem::ImageView(view) => ThreadItem::ImageView {
            id: view.id.clone(),
            path: view.path.display().to_string(),
        },
        TurnItem::ContextCompaction(compaction) => ThreadItem::ContextCompaction {
            id: compaction.id.clone(),
        },
        TurnItem::EnteredReviewMode(review) => ThreadItem::EnteredReviewMode {
            id: review.id.clone(),
            review: review.review.clone(),
        },
        TurnItem::ExitedReviewMode(review) => ThreadItem::ExitedReviewMode {
            id: review.id.clone(),
            review: review.review.clone(),
        },
        TurnItem::CollabAgentToolCall(call) => collab_agent_tool_call(call),
        TurnItem::SubAgentActivity(activity) => ThreadItem::SubAgentActivity {
            id: activity.id.clone(),
            kind: match activity.kind {
                SubAgentActivityKind::Started => "started",
                SubAgentActivityKind::Interacted => "interacted",
                SubAgentActivityKind::Interrupted => "interrupted",
                SubAgentActivityKind::Completed => "completed",
            }
            .to_string(),
            agent_thread_id: activity.agent_thread_id.clone(),
            agent_path: activity.agent_path.clone(),
            model: activity.model.clone(),
            reasoning_effort: activity.reasoning_effort.map(|e| e.to_string()),
        },
        TurnItem::Plan(_) => return None,
        // The protocol has no item for it: `item/tool/requestUserInput`
        // (a server request) shows the questions.
        TurnItem::UserQuestions(_) => return None,
        TurnItem::ProposedPlan(plan) => ThreadItem::Plan {
            id: plan.id.clone(),
            text: plan.text.clone(),
        },
    })
}

fn file_update(path: &Path, change: &FileChange) -> FileUpdateChange {
    let (kind, diff) = match change {
        FileChange::Add { content } => (PatchChangeKind::Add, content.clone()),
        FileChange::Delete { content } => (PatchChangeKind::Delete, content.clone()),
        FileChange::Update {
            unified_diff,
            move_path,
        } => (
            PatchChangeKind::Update {
                move_path: move_path.as_ref().map(|p| p.display().to_string()),
            },
            unified_diff.clone(),
        ),
    };
    FileUpdateChange {
        path: path.display().to_string(),
        kind,
        diff,
    }
}

/// A command's parsed actions in the protocol's `CommandAction` shapes.
pub fn command_actions(
    parsed: &[codex_protocol::parse_command::ParsedCommand],
    cwd: &std::path::Path,
) -> Vec<Value> {
    use codex_protocol::parse_command::ParsedCommand as P;
    parsed
        .iter()
        .map(|action| match action {
            P::Read { cmd, name } => serde_json::json!({
                "type": "read", "command": cmd, "name": name,
                "path": cwd.join(name).display().to_string(),
            }),
            P::ListFiles { cmd, path } => {
                serde_json::json!({"type": "listFiles", "command": cmd, "path": path})
            }
            P::Search { cmd, query, path } => serde_json::json!({
                "type": "search", "command": cmd, "query": query, "path": path,
            }),
            P::Unknown { cmd } => serde_json::json!({"type": "unknown", "command": cmd}),
        })
        .collect()
}

/// The answers a command approval may get: with a proposed rule, also
/// accepting it.
pub fn available_decisions(amendment: Option<&[String]>) -> Vec<Value> {
    let mut decisions = vec![Value::from("accept"), Value::from("acceptForSession")];
    if let Some(rule) = amendment {
        decisions.push(serde_json::json!({
            "acceptWithExecpolicyAmendment": {"execpolicy_amendment": rule}
        }));
    }
    decisions.push(Value::from("decline"));
    decisions.push(Value::from("cancel"));
    decisions
}

fn mcp_tool_call(call: &McpToolCallItem) -> ThreadItem {
    let (result, error) = match &call.result {
        Some(Ok(ok)) => (
            Some(McpToolCallResult {
                content: ok.content.clone(),
                structured_content: ok.structured_content.clone(),
            }),
            None,
        ),
        Some(Err(message)) => (
            None,
            Some(TurnError {
                message: message.clone(),
            }),
        ),
        None if call.status == EngineMcpStatus::Declined => (
            None,
            Some(TurnError {
                message: "the call was declined".to_string(),
            }),
        ),
        None => (None, None),
    };
    ThreadItem::McpToolCall {
        id: call.id.clone(),
        server: call.invocation.server.clone(),
        tool: call.invocation.tool.clone(),
        arguments: call.invocation.arguments.clone().unwrap_or(json!({})),
        status: match call.status {
            EngineMcpStatus::InProgress => McpToolCallStatus::InProgress,
            EngineMcpStatus::Completed => McpToolCallStatus::Completed,
            EngineMcpStatus::Failed | EngineMcpStatus::Declined => McpToolCallStatus::Failed,
        },
        result,
        error,
        duration_ms: call.duration.map(|d| d.as_millis() as i64),
    }
}

/// The plan of a turn as `turn/plan/updated` carries it.
pub fn plan_steps(plan: &PlanItem) -> Vec<TurnPlanStep> {
    plan.plan
        .iter()
        .map(|step| TurnPlanStep {
            step: step.step.clone(),
            status: match step.status {
                StepStatus::Pending => PlanStepStatus::Pending,
                StepStatus::InProgress => PlanStepStatus::InProgress,
                StepStatus::Completed => PlanStepStatus::Completed,
            },
        })
        .collect()
}

/// Our kebab-case names are the protocol's.
pub fn approval_policy(policy: AskForApproval) -> String {
    match serde_json::to_value(policy) {
        Ok(Value::String(name)) => name,
        _ => "on-request".to_string(),
    }
}

pub fn sandbox_policy(policy: &EnginePolicy) -> SandboxPolicy {
    match policy {
        EnginePolicy::DangerFullAccess => SandboxPolicy::DangerFullAccess,
        EnginePolicy::ReadOnly => SandboxPolicy::ReadOnly {
            network_access: false,
        },
        EnginePolicy::WorkspaceWrite {
            writable_roots,
            network_access,
            exclude_tmpdir_env_var,
            exclude_slash_tmp,
        } => SandboxPolicy::WorkspaceWrite {
            writable_roots: writable_roots
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            network_access: *network_access,
            exclude_tmpdir_env_var: *exclude_tmpdir_env_var,
            exclude_slash_tmp: *exclude_slash_tmp,
        },
    }
}

fn breakdown(usage: &TokenUsage) -> TokenUsageBreakdown {
    TokenUsageBreakdown {
        input_tokens: usage.input_tokens,
        cached_input_tokens: usage.cached_input_tokens,
        cache_write_input_tokens: 0,
        output_tokens: usage.output_tokens,
        reasoning_output_tokens: usage.reasoning_output_tokens,
        total_tokens: usage.input_tokens + usage.output_tokens,
    }
}

pub fn token_usage(info: &TokenUsageInfo) -> ThreadTokenUsage {
    ThreadTokenUsage {
        total: breakdown(&info.total_token_usage),
        last: breakdown(&info.last_token_usage),
        model_context_window: info.model_context_window,
    }
}

pub fn rate_limits(snapshot: &EngineRateLimits) -> RateLimitSnapshot {
    let window = |w: &Option<codex_protocol::protocol::RateLimitWindow>| {
        w.as_ref().map(|w| RateLimitWindow {
            used_percent: w.used_percent.round() as i64,
            window_duration_mins: w.window_minutes,
            resets_at: w
                .resets_in_seconds
                .map(|s| chrono::Utc::now().timestamp() + s),
        })
    };
    RateLimitSnapshot {
        primary: window(&snapshot.primary),
        secondary: window(&snapshot.secondary),
    }
}

/// The turns of a recorded thread, from its session file: the items it
/// recorded as they completed (`item_completed`), so a read or resumed
/// thread shows what was shown live. Turns written before items were
/// recorded give their messages and reasoning.
pub fn turns_from_rollout(items: &[RolloutItem]) -> Vec<Turn> {
    // Turns a rewind took back are not shown.
    let items = &codex_protocol::rewind::without_rolled_back_events(items);
    let mut turns = Vec::new();
    let mut current: Option<(String, Vec<ThreadItem>)> = None;
    let mut n = 0;
    let mut next_id = |prefix: &str| {
        n += 1;
        format!("{prefix}_{n}")
    };
    let mut previous: Option<&EventMsg> = None;
    for item in items {
        let RolloutItem::EventMsg(event) = item else {
            continue;
        };
        // A message event right after its own item repeats it.
        let repeated = previous.is_some_and(|prev| repeats_item(prev, event));
        previous = Some(event);
        if repeated {
            continue;
        }
        let item = match event {
            EventMsg::TaskStarted(started) => {
                if let Some((id, items)) = current.take() {
                    turns.push(turn(&id, items, TurnStatus::Completed, None));
                }
                current = Some((started.turn_id.clone(), Vec::new()));
                continue;
            }
            EventMsg::TaskComplete(_) | EventMsg::TurnAborted(_) => {
                let status = if matches!(event, EventMsg::TaskComplete(_)) {
                    TurnStatus::Completed
                } else {
                    TurnStatus::Interrupted
                };
                if let Some((id, items)) = current.take() {
                    turns.push(turn(&id, items, status, None));
                }
                continue;
            }
            EventMsg::ItemCompleted(completed) => match thread_item(&completed.item) {
                Some(item) => item,
                None => continue,
            },
            EventMsg::UserMessage(message) => ThreadItem::UserMessage {
                id: next_id("user"),
                content: vec![UserInputItem::Text {
                    text: message.message.clone(),
                    text_elements: Vec::new(),
                }],
            },
            EventMsg::AgentMessage(message) => ThreadItem::AgentMessage {
                id: next_id("msg"),
                text: message.message.clone(),
            },
            EventMsg::AgentReasoning(r) => ThreadItem::Reasoning {
                id: next_id("rs"),
                summary: vec![r.text.clone()],
                content: Vec::new(),
            },
            _ => continue,
        };
        current
            .get_or_insert_with(|| (String::new(), Vec::new()))
            .1
            .push(item);
    }
    // A turn the file does not see end was cut short.
    if let Some((id, items)) = current.take() {
        turns.push(turn(&id, items, TurnStatus::Interrupted, None));
    }
    turns
}

/// The `collabAgentToolCall` item: the engine's snake_case words in the
/// protocol's camelCase.
fn collab_agent_tool_call(call: &codex_protocol::items::CollabAgentToolCallItem) -> ThreadItem {
    use codex_protocol::items::CollabAgentTool;
    use codex_protocol::items::CollabToolCallStatus;
    let camel = |word: &str| {
        let mut out = String::new();
        let mut upper = false;
        for c in word.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.extend(c.to_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    };
    ThreadItem::CollabAgentToolCall {
        id: call.id.clone(),
        tool: match call.tool {
            CollabAgentTool::SpawnAgent => "spawnAgent",
            CollabAgentTool::SendInput => "sendInput",
            CollabAgentTool::ResumeAgent => "resumeAgent",
            CollabAgentTool::Wait => "wait",
            CollabAgentTool::CloseAgent => "closeAgent",
        }
        .to_string(),
        status: match call.status {
            CollabToolCallStatus::InProgress => "inProgress",
            CollabToolCallStatus::Completed => "completed",
            CollabToolCallStatus::Failed => "failed",
        }
        .to_string(),
        sender_thread_id: call.sender_thread_id.clone(),
        receiver_thread_ids: call.receiver_thread_ids.clone(),
        prompt: call.prompt.clone(),
        model: call.model.clone(),
        reasoning_effort: call.reasoning_effort.map(|e| e.to_string()),
        agents_states: call
            .agents_states
            .iter()
            .map(|(id, status)| {
                (
                    id.clone(),
                    crate::protocol::CollabAgentState {
                        status: camel(status.word()),
                        message: status.message().map(str::to_string),
                    },
                )
            })
            .collect(),
    }
}
