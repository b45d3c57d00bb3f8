//! The protocol's objects (`Thread`, `Turn`, `ThreadItem`, policies) built
//! from the engine's types.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use codex_core::ThreadSummary;
use codex_protocol::mcp::{CallToolResult, McpInvocation};
use codex_protocol::protocol::{
    AskForApproval, EventMsg, FileChange, RateLimitSnapshot as EngineRateLimits,
    SandboxPolicy as EnginePolicy, TokenUsage, TokenUsageInfo,
};
use codex_protocol::rollout::RolloutItem;
use serde_json::{Value, json};

use crate::protocol::{
    FileUpdateChange, ItemStatus, McpToolCallResult, McpToolCallStatus, PatchChangeKind,
    RateLimitSnapshot, RateLimitWindow, SandboxPolicy, SessionSource, Thread, ThreadItem,
    ThreadStatus, ThreadTokenUsage, TokenUsageBreakdown, Turn, TurnError, TurnStatus,
    UserInputItem,
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

pub fn user_message(id: &str, text: &str) -> ThreadItem {
    ThreadItem::UserMessage {
        id: id.to_string(),
        content: vec![UserInputItem::Text {
            text: text.to_string(),
            text_elements: Vec::new(),
        }],
    }
}

pub fn agent_message(id: &str, text: &str) -> ThreadItem {
    ThreadItem::AgentMessage {
        id: id.to_string(),
        text: text.to_string(),
    }
}

pub fn reasoning(id: &str, summary: &[String]) -> ThreadItem {
    ThreadItem::Reasoning {
        id: id.to_string(),
        summary: summary.to_vec(),
        content: Vec::new(),
    }
}

pub struct CommandItem<'a> {
    pub id: &'a str,
    pub command: &'a str,
    pub cwd: &'a Path,
    pub status: ItemStatus,
    pub output: Option<&'a str>,
    pub exit_code: Option<i32>,
    pub duration_ms: Option<i64>,
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

pub fn command_execution(item: &CommandItem<'_>) -> ThreadItem {
    ThreadItem::CommandExecution {
        id: item.id.to_string(),
        command: item.command.to_string(),
        cwd: item.cwd.display().to_string(),
        status: item.status,
        command_actions: Vec::new(),
        aggregated_output: item.output.map(str::to_string),
        exit_code: item.exit_code,
        duration_ms: item.duration_ms,
    }
}

pub fn file_change(
    id: &str,
    changes: &HashMap<PathBuf, FileChange>,
    status: ItemStatus,
) -> ThreadItem {
    let mut list: Vec<FileUpdateChange> = changes
        .iter()
        .map(|(path, change)| {
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
        })
        .collect();
    list.sort_by(|a, b| a.path.cmp(&b.path));
    ThreadItem::FileChange {
        id: id.to_string(),
        changes: list,
        status,
    }
}

pub fn mcp_tool_call(
    id: &str,
    invocation: &McpInvocation,
    status: McpToolCallStatus,
    result: Option<&Result<CallToolResult, String>>,
    duration_ms: Option<i64>,
) -> ThreadItem {
    let (result, error) = match result {
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
        None => (None, None),
    };
    ThreadItem::McpToolCall {
        id: id.to_string(),
        server: invocation.server.clone(),
        tool: invocation.tool.clone(),
        arguments: invocation.arguments.clone().unwrap_or(json!({})),
        status,
        result,
        error,
        duration_ms,
    }
}

pub fn web_search(id: &str, query: &str) -> ThreadItem {
    ThreadItem::WebSearch {
        id: id.to_string(),
        query: query.to_string(),
    }
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

/// The turns of a recorded thread, from the events its session file
/// keeps (task boundaries, user and agent messages, reasoning).
pub fn turns_from_rollout(items: &[RolloutItem]) -> Vec<Turn> {
    let mut turns = Vec::new();
    let mut current: Option<(String, Vec<ThreadItem>)> = None;
    let mut n = 0;
    let mut next_id = |prefix: &str| {
        n += 1;
        format!("{prefix}_{n}")
    };
    for item in items {
        let RolloutItem::EventMsg(event) = item else {
            continue;
        };
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
            EventMsg::UserMessage(message) => user_message(&next_id("user"), &message.message),
            EventMsg::AgentMessage(message) => agent_message(&next_id("msg"), &message.message),
            EventMsg::AgentReasoning(r) => reasoning(&next_id("rs"), std::slice::from_ref(&r.text)),
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
