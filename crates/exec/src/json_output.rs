//! `--json`: the engine's items and turn events → `ThreadEvent` lines on
//! stdout, in the reference's schema.

use std::collections::HashMap;
use std::path::Path;

use codex_protocol::items::{
    CommandExecutionStatus, ItemUpdate, McpToolCallItem, McpToolCallStatus, PatchApplyStatus,
    TurnItem,
};
use codex_protocol::plan::StepStatus;
use codex_protocol::protocol::{EventMsg, FileChange, TurnAbortReason};

use crate::exec_events::{
    CommandStatus, FileUpdateChange, ItemDetails, McpToolCallError, McpToolCallResult,
    McpToolCallStatus as McpStatus, PatchChangeKind, PatchStatus, ThreadError, ThreadEvent,
    ThreadItem, TodoItem, Usage,
};

/// The view of the engine's items (and turn events) as `--json` lines.
/// Item ids are the reference's `item_N`, numbered as items first appear.
#[derive(Default)]
pub(crate) struct JsonProcessor {
    next_item: u64,
    /// Engine item id → our `item_N`.
    ids: HashMap<String, String>,
    usage: Usage,
    error: Option<String>,
}

impl JsonProcessor {
    fn item_id(&mut self, engine_id: &str) -> String {
        if let Some(id) = self.ids.get(engine_id) {
            return id.clone();
        }
        let id = self.fresh_id();
        self.ids.insert(engine_id.to_string(), id.clone());
        id
    }

    fn fresh_id(&mut self) -> String {
        let id = format!("item_{}", self.next_item);
        self.next_item += 1;
        id
    }

    /// The lines for one engine event.
    pub(crate) fn process(&mut self, msg: &EventMsg, _cwd: &Path) -> Vec<ThreadEvent> {
        match msg {
            EventMsg::SessionConfigured(ev) => vec![ThreadEvent::ThreadStarted {
                thread_id: ev.session_id.to_string(),
            }],
            EventMsg::TaskStarted(_) => {
                self.error = None;
                vec![ThreadEvent::TurnStarted {}]
            }
            EventMsg::ItemStarted(ev) => {
                // Messages, reasoning and searches are shown once, complete.
                if !shown_while_running(&ev.item) {
                    return vec![];
                }
                self.view(&ev.item)
                    .map(|item| ThreadEvent::ItemStarted { item })
                    .into_iter()
                    .collect()
            }
            EventMsg::ItemUpdated(ev) => match &ev.update {
                ItemUpdate::Replaced { item } if shown_while_running(item) => self
                    .view(item)
                    .map(|item| ThreadEvent::ItemUpdated { item })
                    .into_iter()
                    .collect(),
                _ => vec![],
            },
            EventMsg::ItemCompleted(ev) => {
                let item = self.view(&ev.item);
                // An id may come back (a command retried without the
                // sandbox): that is a new item.
                self.ids.remove(ev.item.id());
                item.map(|item| ThreadEvent::ItemCompleted { item })
                    .into_iter()
                    .collect()
            }
            EventMsg::TokenCount(ev) => {
                if let Some(info) = &ev.info {
                    let total = &info.total_token_usage;
                    self.usage = Usage {
                        input_tokens: total.input_tokens,
                        cached_input_tokens: total.cached_input_tokens,
                        cache_write_input_tokens: 0,
                        output_tokens: total.output_tokens,
                        reasoning_output_tokens: total.reasoning_output_tokens,
                    };
                }
                vec![]
            }
            // A retry is not an item of the turn: the reference reports it
            // as a top-level `error` ("Reconnecting... 1/5 (…)").
            EventMsg::StreamError(ev) => vec![ThreadEvent::Error {
                message: ev.message.clone(),
            }],
            // Non-fatal problems are `error` items, as in the reference.
            EventMsg::Warning(ev) => {
                let id = self.fresh_id();
                vec![ThreadEvent::ItemCompleted {
                    item: ThreadItem {
                        id,
                        details: ItemDetails::Error {
                            message: ev.message.clone(),
                        },
                    },
                }]
            }
            // An MCP server that did not start: said once, the session goes on.
            EventMsg::McpStartupUpdate(codex_protocol::mcp::McpStartupUpdateEvent {
                status: codex_protocol::mcp::McpStartupStatus::Failed { error },
                ..
            }) => {
                let id = self.fresh_id();
                vec![ThreadEvent::ItemCompleted {
                    item: ThreadItem {
                        id,
                        details: ItemDetails::Error {
                            message: error.clone(),
                        },
                    },
                }]
            }
            EventMsg::Error(ev) => {
                self.error = Some(ev.message.clone());
                vec![ThreadEvent::Error {
                    message: ev.message.clone(),
                }]
            }
            EventMsg::TaskComplete(_) => vec![match self.error.take() {
                Some(message) => ThreadEvent::TurnFailed {
                    error: ThreadError { message },
                },
                None => ThreadEvent::TurnCompleted { usage: self.usage },
            }],
            EventMsg::TurnAborted(ev) => vec![ThreadEvent::TurnFailed {
                error: ThreadError {
                    message: match ev.reason {
                        TurnAbortReason::Interrupted => "the turn was interrupted".to_string(),
                        TurnAbortReason::Replaced => "the turn was replaced".to_string(),
                        TurnAbortReason::ReviewEnded => "the review ended".to_string(),
                    },
                },
            }],
            _ => vec![],
        }
    }

    /// An engine item as a `--json` item; None for kinds the stream does
    /// not show (user messages, image views, compactions, reviews).
    fn view(&mut self, item: &TurnItem) -> Option<ThreadItem> {
        let details = match item {
            TurnItem::AgentMessage(message) => ItemDetails::AgentMessage {
                text: message.text(),
            },
            TurnItem::Reasoning(reasoning) => ItemDetails::Reasoning {
                text: reasoning.summary_text.join("\n"),
            },
            TurnItem::CommandExecution(command) => ItemDetails::CommandExecution {
                command: codex_core::shell_join(&command.command),
                aggregated_output: command.aggregated_output.clone(),
                exit_code: command.exit_code,
                status: match command.status {
                    CommandExecutionStatus::InProgress => CommandStatus::InProgress,
                    CommandExecutionStatus::Completed => CommandStatus::Completed,
                    CommandExecutionStatus::Failed => CommandStatus::Failed,
                    CommandExecutionStatus::Declined => CommandStatus::Declined,
                },
            },
            TurnItem::FileChange(change) => ItemDetails::FileChange {
                changes: change
                    .sorted_changes()
                    .into_iter()
                    .map(|(path, change)| FileUpdateChange {
                        path: path.display().to_string(),
                        kind: match change {
                            FileChange::Add { .. } => PatchChangeKind::Add,
                            FileChange::Delete { .. } => PatchChangeKind::Delete,
                            FileChange::Update { .. } => PatchChangeKind::Update,
                        },
                    })
                    .collect(),
                status: match change.status {
                    PatchApplyStatus::InProgress => PatchStatus::InProgress,
                    PatchApplyStatus::Completed => PatchStatus::Completed,
                    // The stream has no "declined" for patches: it did not apply.
                    PatchApplyStatus::Failed | PatchApplyStatus::Declined => PatchStatus::Failed,
                },
            },
            TurnItem::McpToolCall(call) => mcp_item(call),
            TurnItem::WebSearch(search) => ItemDetails::WebSearch {
                query: search.query.clone(),
                action: search.action.clone(),
            },
            TurnItem::Plan(plan) => ItemDetails::TodoList {
                items: plan
                    .plan
                    .iter()
                    .map(|step| TodoItem {
                        text: step.step.clone(),
                        completed: step.status == StepStatus::Completed,
                    })
                    .collect(),
            },
            TurnItem::CollabAgentToolCall(call) => ItemDetails::CollabToolCall {
                tool: call.tool,
                sender_thread_id: call.sender_thread_id.clone(),
                receiver_thread_ids: call.receiver_thread_ids.clone(),
                prompt: call.prompt.clone(),
                agents_states: call
                    .agents_states
                    .iter()
                    .map(|(id, status)| {
                        (
                            id.clone(),
                            crate::exec_events::CollabAgentState {
                                status: status.word(),
                                message: status.message().map(str::to_string),
                            },
                        )
                    })
                    .collect(),
                status: call.status,
            },
            TurnItem::UserMessage(_)
            | TurnItem::ImageView(_)
            | TurnItem::ContextCompaction(_)
            | TurnItem::EnteredReviewMode(_)
            | TurnItem::ExitedReviewMode(_)
            // exec has nobody to ask: the tool answers at once, as the
            // reference's exec, with no item.
            | TurnItem::UserQuestions(_)
            // exec has no plan mode; a plan-mode thread's plan is also its
            // final answer, shown as such.
            | TurnItem::ProposedPlan(_)
            // The reference's exec prints none of a v2 agent's activity.
            | TurnItem::SubAgentActivity(_) => return None,
        };
        Some(ThreadItem {
            id: self.item_id(item.id()),
            details,
        })
    }
}

/// Kinds the stream shows as they run (`item.started`, `item.updated`).
fn shown_while_running(item: &TurnItem) -> bool {
    matches!(
        item,
        TurnItem::CommandExecution(_)
            | TurnItem::FileChange(_)
            | TurnItem::McpToolCall(_)
            | TurnItem::Plan(_)
            | TurnItem::CollabAgentToolCall(_)
    )
}

/// An `mcp_tool_call` item, in progress or finished.
fn mcp_item(call: &McpToolCallItem) -> ItemDetails {
    let (result, error, status) = match (&call.result, call.status) {
        (_, McpToolCallStatus::Declined) => (
            None,
            Some(McpToolCallError {
                message: "the call was declined".to_string(),
            }),
            McpStatus::Failed,
        ),
        (None, _) => (None, None, McpStatus::InProgress),
        (Some(Ok(result)), status) => (
            Some(McpToolCallResult {
                content: result.content.clone(),
                structured_content: result.structured_content.clone(),
            }),
            None,
            if status == McpToolCallStatus::Failed {
                McpStatus::Failed
            } else {
                McpStatus::Completed
            },
        ),
        (Some(Err(message)), _) => (
            None,
            Some(McpToolCallError {
                message: message.clone(),
            }),
            McpStatus::Failed,
        ),
    };
    ItemDetails::McpToolCall {
        server: call.invocation.server.clone(),
        tool: call.invocation.tool.clone(),
        arguments: call
            .invocation
            .arguments
            .clone()
            .unwrap_or(serde_json::Value::Null),
        result,
        error,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_protocol::ThreadId;
    use codex_protocol::items::AgentMessageItem;
    use codex_protocol::protocol::{
        ErrorEvent, ItemCompletedEvent, ItemStartedEvent, TaskCompleteEvent, TaskStartedEvent,
    };
    use pretty_assertions::assert_eq;
    use serde_json::json;

    fn lines(processor: &mut JsonProcessor, msgs: Vec<EventMsg>) -> Vec<serde_json::Value> {
        msgs.iter()
            .flat_map(|m| processor.process(m, Path::new("/w")))
            .map(|e| serde_json::to_value(e).unwrap())
            .collect()
    }

    fn command(status: CommandExecutionStatus, output: &str, exit: Option<i32>) -> TurnItem {
        TurnItem::CommandExecution(codex_protocol::items::CommandExecutionItem {
            id: "c".into(),
            process_id: None,
            command: vec!["bash".into(), "-lc".into(), "ls".into()],
            cwd: "/w".into(),
            parsed_cmd: vec![],
            source: Default::default(),
            status,
            aggregated_output: output.into(),
            exit_code: exit,
            duration: None,
        })
    }

    fn started(item: TurnItem) -> EventMsg {
        EventMsg::ItemStarted(ItemStartedEvent {
            thread_id: ThreadId::new(),
            turn_id: "t".into(),
            item,
            started_at_ms: 0,
        })
    }

    fn completed(item: TurnItem) -> EventMsg {
        EventMsg::ItemCompleted(ItemCompletedEvent {
            thread_id: ThreadId::new(),
            turn_id: "t".into(),
            item,
            started_at_ms: 0,
            completed_at_ms: 0,
        })
    }

    #[test]
    fn a_turn_with_a_command() {
        let mut p = JsonProcessor::default();
        let message = TurnItem::AgentMessage(AgentMessageItem::new("m".into(), "done".into()));
        let out = lines(
            &mut p,
            vec![
                EventMsg::TaskStarted(TaskStartedEvent::default()),
                started(command(CommandExecutionStatus::InProgress, "", None)),
                completed(command(CommandExecutionStatus::Completed, "a\n", Some(0))),
                started(message.clone()),
                completed(message),
                EventMsg::TaskComplete(TaskCompleteEvent::default()),
            ],
        );
        assert_eq!(
            out,
            vec![
                json!({"type": "turn.started"}),
                json!({"type": "item.started", "item": {"id": "item_0", "type": "command_execution",
                    "command": "bash -lc ls", "aggregated_output": "", "exit_code": null, "status": "in_progress"}}),
                json!({"type": "item.completed", "item": {"id": "item_0", "type": "command_execution",
                    "command": "bash -lc ls", "aggregated_output": "a\n", "exit_code": 0, "status": "completed"}}),
                json!({"type": "item.completed", "item": {"id": "item_1", "type": "agent_message", "text": "done"}}),
                json!({"type": "turn.completed", "usage": {"input_tokens": 0, "cached_input_tokens": 0,
                    "cache_write_input_tokens": 0, "output_tokens": 0, "reasoning_output_tokens": 0}}),
            ]
        );
    }

    #[test]
    fn a_declined_command_completes_as_declined() {
        let mut p = JsonProcessor::default();
        let out = lines(
            &mut p,
            vec![
                started(command(CommandExecutionStatus::InProgress, "", None)),
                completed(command(CommandExecutionStatus::Declined, "", None)),
            ],
        );
        assert_eq!(out[1]["item"]["status"], json!("declined"));
        assert_eq!(out[1]["item"]["id"], json!("item_0"));
    }

    #[test]
    fn an_error_fails_the_turn() {
        let mut p = JsonProcessor::default();
        let out = lines(
            &mut p,
            vec![
                EventMsg::TaskStarted(TaskStartedEvent::default()),
                EventMsg::Error(ErrorEvent {
                    message: "boom".into(),
                }),
                EventMsg::TaskComplete(TaskCompleteEvent::default()),
            ],
        );
        assert_eq!(out[1], json!({"type": "error", "message": "boom"}));
        assert_eq!(
            out[2],
            json!({"type": "turn.failed", "error": {"message": "boom"}})
        );
    }
}
