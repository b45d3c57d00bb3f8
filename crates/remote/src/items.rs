//! The app-server's thread items (`item/started`, `item/completed`,
//! `thread/resume`'s turns) back into the engine's [`TurnItem`]s, which the
//! interactive interface draws. The inverse of the app-server's own
//! mapping; what the wire does not carry (a command's parsed form, an MCP
//! result's content blocks) is left empty and drawn from what it does.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use codex_protocol::items::{
    AgentMessageItem, CommandExecutionItem, CommandExecutionStatus, CommandSource,
    ContextCompactionItem, FileChangeItem, ImageViewItem, McpToolCallItem, McpToolCallStatus,
    PatchApplyStatus, ReasoningItem, ReviewModeItem, TurnItem, UserMessageItem, WebSearchItem,
};
use codex_protocol::mcp::McpInvocation;
use codex_protocol::protocol::FileChange;
use codex_protocol::user_input::UserInput;
use serde_json::Value;

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn duration(value: &Value) -> Option<Duration> {
    value
        .get("durationMs")
        .and_then(Value::as_u64)
        .map(Duration::from_millis)
}

/// A command line as the engine holds it: its words, or the whole line as
/// one word when it does not split.
pub(crate) fn command_words(command: &str) -> Vec<String> {
    shlex::split(command).unwrap_or_else(|| vec![command.to_string()])
}

/// One thread item; `None` for a kind this version does not draw.
pub(crate) fn turn_item(item: &Value) -> Option<TurnItem> {
    let id = text(item, "id");
    let status = text(item, "status");
    Some(match item.get("type").and_then(Value::as_str)? {
        "userMessage" => TurnItem::UserMessage(UserMessageItem {
            id,
            content: item
                .get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| match c.get("type").and_then(Value::as_str) {
                    Some("text") => Some(UserInput::Text {
                        text: text(c, "text"),
                    }),
                    Some("image") => Some(UserInput::Image {
                        image_url: text(c, "url"),
                    }),
                    Some("localImage") => Some(UserInput::LocalImage {
                        path: PathBuf::from(text(c, "path")),
                    }),
                    _ => None,
                })
                .collect(),
        }),
        "agentMessage" => TurnItem::AgentMessage(AgentMessageItem::new(id, text(item, "text"))),
        "reasoning" => TurnItem::Reasoning(ReasoningItem {
            id,
            summary_text: strings(item, "summary"),
            raw_content: strings(item, "content"),
        }),
        "commandExecution" => TurnItem::CommandExecution(CommandExecutionItem {
            id,
            process_id: None,
            command: command_words(&text(item, "command")),
            cwd: PathBuf::from(text(item, "cwd")),
            parsed_cmd: Vec::new(),
            source: CommandSource::Agent,
            status: match status.as_str() {
                "completed" => CommandExecutionStatus::Completed,
                "failed" => CommandExecutionStatus::Failed,
                "declined" => CommandExecutionStatus::Declined,
                _ => CommandExecutionStatus::InProgress,
            },
            aggregated_output: text(item, "aggregatedOutput"),
            exit_code: item
                .get("exitCode")
                .and_then(Value::as_i64)
                .map(|c| c as i32),
            duration: duration(item),
        }),
        "fileChange" => TurnItem::FileChange(FileChangeItem {
            id,
            changes: file_changes(item),
            status: match status.as_str() {
                "completed" => PatchApplyStatus::Completed,
                "failed" => PatchApplyStatus::Failed,
                "declined" => PatchApplyStatus::Declined,
                _ => PatchApplyStatus::InProgress,
            },
            stdout: String::new(),
            stderr: String::new(),
        }),
        "mcpToolCall" => TurnItem::McpToolCall(McpToolCallItem {
            id,
            invocation: McpInvocation {
                server: text(item, "server"),
                tool: text(item, "tool"),
                arguments: item.get("arguments").cloned().filter(|a| !a.is_null()),
            },
            status: match status.as_str() {
                "completed" => McpToolCallStatus::Completed,
                "failed" => McpToolCallStatus::Failed,
                "declined" => McpToolCallStatus::Declined,
                _ => McpToolCallStatus::InProgress,
            },
            result: item
                .get("error")
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .map(|message| Err(message.to_string())),
            duration: duration(item),
        }),
        "webSearch" => TurnItem::WebSearch(WebSearchItem {
            id,
            query: text(item, "query"),
            action: None,
        }),
        "imageView" => TurnItem::ImageView(ImageViewItem {
            id,
            path: PathBuf::from(text(item, "path")),
        }),
        "contextCompaction" => TurnItem::ContextCompaction(ContextCompactionItem { id }),
        "enteredReviewMode" => TurnItem::EnteredReviewMode(ReviewModeItem {
            id,
            review: text(item, "review"),
        }),
        "exitedReviewMode" => TurnItem::ExitedReviewMode(ReviewModeItem {
            id,
            review: text(item, "review"),
        }),
        _ => return None,
    })
}

/// A file-change item's `changes` (`{path, kind: {type, movePath?}, diff}`).
pub(crate) fn file_changes(item: &Value) -> HashMap<PathBuf, FileChange> {
    item.get("changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|change| {
            let path = PathBuf::from(text(change, "path"));
            let diff = text(change, "diff");
            let kind = change.get("kind").cloned().unwrap_or(Value::Null);
            let change = match kind.get("type").and_then(Value::as_str) {
                Some("add") => FileChange::Add { content: diff },
                Some("delete") => FileChange::Delete { content: diff },
                _ => FileChange::Update {
                    unified_diff: diff,
                    move_path: kind
                        .get("movePath")
                        .and_then(Value::as_str)
                        .map(PathBuf::from),
                },
            };
            (path, change)
        })
        .collect()
}
