//! The protocol's objects (`Thread`, `Turn`, `ThreadItem`, policies) as
//! JSON, in the reference's field names, built from the engine's types.

use std::path::Path;

use codex_core::ThreadSummary;
use codex_protocol::protocol::{
    AskForApproval, EventMsg, FileChange, RateLimitSnapshot, SandboxPolicy, TokenUsage,
    TokenUsageInfo,
};
use codex_protocol::rollout::RolloutItem;
use serde_json::{Value, json};

/// What a `Thread` object says.
pub struct ThreadInfo {
    pub id: String,
    pub cwd: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub preview: String,
    pub model_provider: String,
    pub model: Option<String>,
    pub path: Option<String>,
    pub ephemeral: bool,
    pub source: String,
    pub forked_from: Option<String>,
    pub status: Value,
    pub turns: Vec<Value>,
}

impl ThreadInfo {
    pub fn from_summary(summary: &ThreadSummary, status: Value) -> Self {
        Self {
            id: summary.id.clone(),
            cwd: summary.cwd.display().to_string(),
            created_at: summary.created_at,
            updated_at: summary.updated_at,
            preview: summary.title.clone(),
            model_provider: summary.model_provider.clone(),
            model: summary.model.clone(),
            path: Some(summary.rollout_path.display().to_string()),
            ephemeral: false,
            source: source_kind(&summary.source).to_string(),
            forked_from: None,
            status,
            turns: Vec::new(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "sessionId": self.id,
            "cliVersion": env!("CARGO_PKG_VERSION"),
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "cwd": self.cwd,
            "ephemeral": self.ephemeral,
            "preview": self.preview,
            "modelProvider": self.model_provider,
            "model": self.model,
            "path": self.path,
            "projectId": null,
            "source": self.source,
            "forkedFromId": self.forked_from,
            "status": self.status,
            "turns": self.turns,
        })
    }
}

/// Our session sources as the protocol's `SessionSource`.
pub fn source_kind(source: &str) -> &'static str {
    match source {
        "cli" => "cli",
        "vscode" => "vscode",
        "exec" => "exec",
        "app_server" | "appServer" => "appServer",
        _ => "unknown",
    }
}

pub fn status_idle() -> Value {
    json!({"type": "idle"})
}

pub fn status_active() -> Value {
    json!({"type": "active", "activeFlags": []})
}

pub fn status_not_loaded() -> Value {
    json!({"type": "notLoaded"})
}

pub fn turn_json(id: &str, items: Vec<Value>, status: &str, error: Option<&str>) -> Value {
    json!({
        "id": id,
        "items": items,
        "status": status,
        "error": error.map(|message| json!({"message": message})),
    })
}

pub fn user_message(id: &str, text: &str) -> Value {
    json!({
        "type": "userMessage",
        "id": id,
        "content": [{"type": "text", "text": text, "text_elements": []}],
    })
}

pub fn agent_message(id: &str, text: &str) -> Value {
    json!({"type": "agentMessage", "id": id, "text": text})
}

pub fn reasoning(id: &str, summary: &[String]) -> Value {
    json!({"type": "reasoning", "id": id, "summary": summary, "content": []})
}

pub struct CommandItem<'a> {
    pub id: &'a str,
    pub command: &'a str,
    pub cwd: &'a Path,
    pub status: &'a str,
    pub output: Option<&'a str>,
    pub exit_code: Option<i32>,
    pub duration_ms: Option<i64>,
}

pub fn command_execution(item: &CommandItem<'_>) -> Value {
    json!({
        "type": "commandExecution",
        "id": item.id,
        "command": item.command,
        "cwd": item.cwd.display().to_string(),
        "status": item.status,
        "commandActions": [],
        "aggregatedOutput": item.output,
        "exitCode": item.exit_code,
        "durationMs": item.duration_ms,
    })
}

pub fn file_change(
    id: &str,
    changes: &std::collections::HashMap<std::path::PathBuf, FileChange>,
    status: &str,
) -> Value {
    let mut list: Vec<Value> = changes
        .iter()
        .map(|(path, change)| {
            let (kind, diff) = match change {
                FileChange::Add { content } => (json!({"type": "add"}), content.clone()),
                FileChange::Delete { content } => (json!({"type": "delete"}), content.clone()),
                FileChange::Update {
                    unified_diff,
                    move_path,
                } => (
                    json!({"type": "update", "move_path": move_path.as_ref().map(|p| p.display().to_string())}),
                    unified_diff.clone(),
                ),
            };
            json!({"path": path.display().to_string(), "kind": kind, "diff": diff})
        })
        .collect();
    list.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    json!({"type": "fileChange", "id": id, "changes": list, "status": status})
}

pub fn approval_policy(policy: AskForApproval) -> Value {
    // Our kebab-case names are the protocol's.
    serde_json::to_value(policy).unwrap_or(Value::Null)
}

pub fn sandbox_policy(policy: &SandboxPolicy) -> Value {
    match policy {
        SandboxPolicy::DangerFullAccess => json!({"type": "dangerFullAccess"}),
        SandboxPolicy::ReadOnly => json!({"type": "readOnly", "networkAccess": false}),
        SandboxPolicy::WorkspaceWrite {
            writable_roots,
            network_access,
            exclude_tmpdir_env_var,
            exclude_slash_tmp,
        } => json!({
            "type": "workspaceWrite",
            "writableRoots": writable_roots.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "networkAccess": network_access,
            "excludeTmpdirEnvVar": exclude_tmpdir_env_var,
            "excludeSlashTmp": exclude_slash_tmp,
        }),
    }
}

fn breakdown(usage: &TokenUsage) -> Value {
    json!({
        "inputTokens": usage.input_tokens,
        "cachedInputTokens": usage.cached_input_tokens,
        "cacheWriteInputTokens": 0,
        "outputTokens": usage.output_tokens,
        "reasoningOutputTokens": usage.reasoning_output_tokens,
        "totalTokens": usage.input_tokens + usage.output_tokens,
    })
}

pub fn token_usage(info: &TokenUsageInfo) -> Value {
    json!({
        "total": breakdown(&info.total_token_usage),
        "last": breakdown(&info.last_token_usage),
        "modelContextWindow": info.model_context_window,
    })
}

pub fn rate_limits(snapshot: &RateLimitSnapshot) -> Value {
    let window = |w: &Option<codex_protocol::protocol::RateLimitWindow>| {
        w.as_ref().map(|w| {
            json!({
                "usedPercent": w.used_percent.round() as i64,
                "windowDurationMins": w.window_minutes,
                "resetsAt": w.resets_in_seconds.map(|s| chrono::Utc::now().timestamp() + s),
            })
        })
    };
    json!({"primary": window(&snapshot.primary), "secondary": window(&snapshot.secondary)})
}

/// The turns of a recorded thread, from the events its session file
/// keeps (task boundaries, user and agent messages, reasoning).
pub fn turns_from_rollout(items: &[RolloutItem]) -> Vec<Value> {
    let mut turns = Vec::new();
    let mut current: Option<(String, Vec<Value>)> = None;
    let mut n = 0;
    let mut next_id = |prefix: &str| {
        n += 1;
        format!("{prefix}_{n}")
    };
    for item in items {
        let RolloutItem::EventMsg(event) = item else {
            continue;
        };
        match event {
            EventMsg::TaskStarted(started) => {
                if let Some((id, items)) = current.take() {
                    turns.push(turn_json(&id, items, "completed", None));
                }
                current = Some((started.turn_id.clone(), Vec::new()));
            }
            EventMsg::UserMessage(message) => {
                let id = next_id("user");
                let entry = current.get_or_insert_with(|| (String::new(), Vec::new()));
                entry.1.push(user_message(&id, &message.message));
            }
            EventMsg::AgentMessage(message) => {
                let id = next_id("msg");
                let entry = current.get_or_insert_with(|| (String::new(), Vec::new()));
                entry.1.push(agent_message(&id, &message.message));
            }
            EventMsg::AgentReasoning(reasoning_event) => {
                let id = next_id("rs");
                let entry = current.get_or_insert_with(|| (String::new(), Vec::new()));
                entry
                    .1
                    .push(reasoning(&id, std::slice::from_ref(&reasoning_event.text)));
            }
            EventMsg::TaskComplete(_) => {
                if let Some((id, items)) = current.take() {
                    turns.push(turn_json(&id, items, "completed", None));
                }
            }
            EventMsg::TurnAborted(_) => {
                if let Some((id, items)) = current.take() {
                    turns.push(turn_json(&id, items, "interrupted", None));
                }
            }
            _ => {}
        }
    }
    if let Some((id, items)) = current.take() {
        turns.push(turn_json(&id, items, "interrupted", None));
    }
    turns
}
