//! `--json`: engine events → `ThreadEvent` lines on stdout.

use std::collections::HashMap;
use std::path::Path;

use codex_protocol::plan::StepStatus;
use codex_protocol::protocol::{EventMsg, FileChange, TurnAbortReason};

use crate::exec_events::{
    CommandStatus, FileUpdateChange, ItemDetails, McpToolCallError, McpToolCallResult,
    McpToolCallStatus, PatchChangeKind, PatchStatus, ThreadError, ThreadEvent, ThreadItem,
    TodoItem, Usage,
};

#[derive(Default)]
pub(crate) struct JsonProcessor {
    next_item: u64,
    /// Running commands: call id → (item id, command).
    commands: HashMap<String, (String, String)>,
    /// MCP calls in progress: call id → item id.
    mcp_calls: HashMap<String, String>,
    /// Patches being applied: call id → (item id, changes).
    patches: HashMap<String, (String, Vec<FileUpdateChange>)>,
    /// The todo list item of this turn, with its items.
    todo: Option<(String, Vec<TodoItem>)>,
    usage: Usage,
    error: Option<String>,
}

impl JsonProcessor {
    fn item_id(&mut self) -> String {
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
            EventMsg::AgentReasoning(ev) => vec![self.completed(ItemDetails::Reasoning {
                text: ev.text.clone(),
            })],
            EventMsg::AgentMessage(ev) => vec![self.completed(ItemDetails::AgentMessage {
                text: ev.message.clone(),
            })],
            EventMsg::ExecCommandBegin(ev) => {
                let id = self.item_id();
                let command = codex_core::shell_join(&ev.command);
                self.commands
                    .insert(ev.call_id.clone(), (id.clone(), command.clone()));
                vec![ThreadEvent::ItemStarted {
                    item: ThreadItem {
                        id,
                        details: ItemDetails::CommandExecution {
                            command,
                            aggregated_output: String::new(),
                            exit_code: None,
                            status: CommandStatus::InProgress,
                        },
                    },
                }]
            }
            EventMsg::ExecCommandEnd(ev) => {
                let Some((id, command)) = self.commands.remove(&ev.call_id) else {
                    return vec![];
                };
                vec![ThreadEvent::ItemCompleted {
                    item: ThreadItem {
                        id,
                        details: ItemDetails::CommandExecution {
                            command,
                            aggregated_output: ev.aggregated_output.clone(),
                            exit_code: Some(ev.exit_code),
                            status: if ev.exit_code == 0 {
                                CommandStatus::Completed
                            } else {
                                CommandStatus::Failed
                            },
                        },
                    },
                }]
            }
            EventMsg::McpToolCallBegin(ev) => {
                let id = self.item_id();
                self.mcp_calls.insert(ev.call_id.clone(), id.clone());
                vec![ThreadEvent::ItemStarted {
                    item: ThreadItem {
                        id,
                        details: mcp_item(&ev.invocation, None),
                    },
                }]
            }
            EventMsg::McpToolCallEnd(ev) => {
                let id = self
                    .mcp_calls
                    .remove(&ev.call_id)
                    .unwrap_or_else(|| self.item_id());
                vec![ThreadEvent::ItemCompleted {
                    item: ThreadItem {
                        id,
                        details: mcp_item(&ev.invocation, Some(ev)),
                    },
                }]
            }
            EventMsg::PatchApplyBegin(ev) => {
                let mut changes: Vec<FileUpdateChange> = ev
                    .changes
                    .iter()
                    .map(|(path, change)| FileUpdateChange {
                        path: path.display().to_string(),
                        kind: match change {
                            FileChange::Add { .. } => PatchChangeKind::Add,
                            FileChange::Delete { .. } => PatchChangeKind::Delete,
                            FileChange::Update { .. } => PatchChangeKind::Update,
                        },
                    })
                    .collect();
                changes.sort_by(|a, b| a.path.cmp(&b.path));
                let id = self.item_id();
                self.patches
                    .insert(ev.call_id.clone(), (id.clone(), changes.clone()));
                vec![ThreadEvent::ItemStarted {
                    item: ThreadItem {
                        id,
                        details: ItemDetails::FileChange {
                            changes,
                            status: PatchStatus::InProgress,
                        },
                    },
                }]
            }
            EventMsg::PatchApplyEnd(ev) => {
                let Some((id, changes)) = self.patches.remove(&ev.call_id) else {
                    return vec![];
                };
                vec![ThreadEvent::ItemCompleted {
                    item: ThreadItem {
                        id,
                        details: ItemDetails::FileChange {
                            changes,
                            status: if ev.success {
                                PatchStatus::Completed
                            } else {
                                PatchStatus::Failed
                            },
                        },
                    },
                }]
            }
            EventMsg::WebSearchEnd(ev) => vec![self.completed(ItemDetails::WebSearch {
                query: ev.query.clone(),
                action: ev.action.clone(),
            })],
            EventMsg::PlanUpdate(plan) => {
                let items: Vec<TodoItem> = plan
                    .plan
                    .iter()
                    .map(|step| TodoItem {
                        text: step.step.clone(),
                        completed: step.status == StepStatus::Completed,
                    })
                    .collect();
                match &mut self.todo {
                    Some((id, current)) => {
                        *current = items.clone();
                        vec![ThreadEvent::ItemUpdated {
                            item: ThreadItem {
                                id: id.clone(),
                                details: ItemDetails::TodoList { items },
                            },
                        }]
                    }
                    None => {
                        let id = self.item_id();
                        self.todo = Some((id.clone(), items.clone()));
                        vec![ThreadEvent::ItemStarted {
                            item: ThreadItem {
                                id,
                                details: ItemDetails::TodoList { items },
                            },
                        }]
                    }
                }
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
            EventMsg::Warning(ev) => vec![self.completed(ItemDetails::Error {
                message: ev.message.clone(),
            })],
            // An MCP server that did not start: said once, the session goes on.
            EventMsg::McpStartupUpdate(codex_protocol::mcp::McpStartupUpdateEvent {
                status: codex_protocol::mcp::McpStartupStatus::Failed { error },
                ..
            }) => vec![self.completed(ItemDetails::Error {
                message: error.clone(),
            })],
            EventMsg::Error(ev) => {
                self.error = Some(ev.message.clone());
                vec![ThreadEvent::Error {
                    message: ev.message.clone(),
                }]
            }
            EventMsg::TaskComplete(_) => {
                let mut out = Vec::new();
                if let Some((id, items)) = self.todo.take() {
                    out.push(ThreadEvent::ItemCompleted {
                        item: ThreadItem {
                            id,
                            details: ItemDetails::TodoList { items },
                        },
                    });
                }
                out.push(match self.error.take() {
                    Some(message) => ThreadEvent::TurnFailed {
                        error: ThreadError { message },
                    },
                    None => ThreadEvent::TurnCompleted { usage: self.usage },
                });
                out
            }
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

    fn completed(&mut self, details: ItemDetails) -> ThreadEvent {
        ThreadEvent::ItemCompleted {
            item: ThreadItem {
                id: self.item_id(),
                details,
            },
        }
    }
}

/// An `mcp_tool_call` item, in progress (`end` none) or finished.
fn mcp_item(
    invocation: &codex_protocol::mcp::McpInvocation,
    end: Option<&codex_protocol::mcp::McpToolCallEndEvent>,
) -> ItemDetails {
    let (result, error, status) = match end.map(|e| (&e.result, e.is_failure())) {
        None => (None, None, McpToolCallStatus::InProgress),
        Some((Ok(result), failed)) => (
            Some(McpToolCallResult {
                content: result.content.clone(),
                structured_content: result.structured_content.clone(),
            }),
            None,
            if failed {
                McpToolCallStatus::Failed
            } else {
                McpToolCallStatus::Completed
            },
        ),
        Some((Err(message), _)) => (
            None,
            Some(McpToolCallError {
                message: message.clone(),
            }),
            McpToolCallStatus::Failed,
        ),
    };
    ItemDetails::McpToolCall {
        server: invocation.server.clone(),
        tool: invocation.tool.clone(),
        arguments: invocation
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
    use codex_protocol::protocol::{
        AgentMessageEvent, ErrorEvent, ExecCommandBeginEvent, ExecCommandEndEvent,
        TaskCompleteEvent, TaskStartedEvent,
    };
    use pretty_assertions::assert_eq;
    use serde_json::json;

    fn lines(processor: &mut JsonProcessor, msgs: Vec<EventMsg>) -> Vec<serde_json::Value> {
        msgs.iter()
            .flat_map(|m| processor.process(m, Path::new("/w")))
            .map(|e| serde_json::to_value(e).unwrap())
            .collect()
    }

    #[test]
    fn a_turn_with_a_command() {
        let mut p = JsonProcessor::default();
        let out = lines(
            &mut p,
            vec![
                EventMsg::TaskStarted(TaskStartedEvent::default()),
                EventMsg::ExecCommandBegin(ExecCommandBeginEvent {
                    call_id: "c".into(),
                    command: vec!["bash".into(), "-lc".into(), "ls".into()],
                    cwd: "/w".into(),
                    parsed_cmd: vec![],
                    process_id: None,
                }),
                EventMsg::ExecCommandEnd(ExecCommandEndEvent {
                    call_id: "c".into(),
                    stdout: "a\n".into(),
                    stderr: String::new(),
                    aggregated_output: "a\n".into(),
                    exit_code: 0,
                    duration: std::time::Duration::ZERO,
                    formatted_output: String::new(),
                    process_id: None,
                }),
                EventMsg::AgentMessage(AgentMessageEvent {
                    message: "done".into(),
                }),
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
