//! The chat as a view of the engine's items: what each item's start,
//! update and completion does to the live area and the transcript.
//!
//! Commands and MCP calls show as running while they run. One that waits
//! for an approval is parked (the approval prompt shows it) and runs again
//! in the live area once approved; one declined leaves only the decision
//! line the prompt committed.

use std::time::Instant;

use codex_protocol::items::{
    CommandExecutionStatus, ItemUpdate, McpToolCallStatus, PatchApplyStatus, PlanItem, TurnItem,
};
use codex_protocol::plan::UpdatePlanArgs;

use super::{ChatState, Parked, compact_arguments, reasoning_header};
use crate::cells::{ExecCell, HistoryCell, PatchCell, summarize_changes};
use crate::stream::MarkdownStream;

impl ChatState {
    pub(super) fn on_item_started(&mut self, item: TurnItem) {
        match item {
            TurnItem::CommandExecution(command) => {
                self.finish_stream();
                self.exec_started.insert(command.id.clone(), Instant::now());
                let process_id = command.process_id.clone();
                self.running.push(ExecCell::new(
                    command.id,
                    command.command,
                    command.parsed_cmd,
                ));
                if let Some(cell) = self.running.last() {
                    self.background.began(process_id.as_deref(), cell);
                }
            }
            TurnItem::McpToolCall(call) => {
                self.finish_stream();
                self.mcp_running.push((call.id, call.invocation));
            }
            TurnItem::FileChange(change) => {
                let files = summarize_changes(&change.changes, &self.settings.cwd);
                self.patches.insert(
                    change.id,
                    PatchCell {
                        files,
                        failure: None,
                    },
                );
            }
            TurnItem::Plan(plan) => self.show_plan(plan),
            TurnItem::WebSearch(_) => {
                if let Some(task) = &mut self.task {
                    task.header = "Searching the web".to_string();
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_item_updated(&mut self, item_id: &str, update: ItemUpdate) {
        match update {
            ItemUpdate::AgentMessageDelta { delta } => {
                let width = usize::from(self.width);
                let raw = self.display.raw;
                let stream = self.stream.get_or_insert_with(|| MarkdownStream::new(raw));
                stream.push(&delta);
                let rows = stream.take_finished_rows(width);
                self.outbox.extend(rows);
            }
            ItemUpdate::ReasoningSummaryDelta { delta } => {
                self.reasoning.push_str(&delta);
                if let (Some(task), Some(header)) =
                    (&mut self.task, reasoning_header(&self.reasoning))
                {
                    task.header = header;
                }
            }
            ItemUpdate::ReasoningSummaryPartAdded => self.reasoning.clear(),
            ItemUpdate::CommandOutputDelta { chunk, .. } => {
                self.background.output(item_id, &chunk);
                if let Some(cell) = self.running.iter_mut().find(|c| c.call_id == item_id) {
                    cell.push_output(&chunk);
                }
            }
            ItemUpdate::Replaced {
                item: TurnItem::Plan(plan),
            } => self.show_plan(plan),
            // An approved command now runs (an interactive one has its
            // process id).
            ItemUpdate::Replaced {
                item: TurnItem::CommandExecution(command),
            } => {
                if let Some(cell) = self.running.iter().find(|c| c.call_id == command.id) {
                    self.background.began(command.process_id.as_deref(), cell);
                }
            }
            ItemUpdate::FileChangeOutputDelta { .. } | ItemUpdate::Replaced { .. } => {}
        }
    }

    pub(super) fn on_item_completed(&mut self, item: TurnItem) {
        match item {
            TurnItem::ProposedPlan(plan) => self.plan_proposed(plan.id, plan.text),
            TurnItem::UserQuestions(asked) => {
                self.questions.remove(&asked.id);
                if let Some(response) = asked.response {
                    let answers: Vec<String> = asked
                        .questions
                        .iter()
                        .map(|q| {
                            let answer = response
                                .answers
                                .get(&q.id)
                                .map(|a| a.answers.join(", "))
                                .unwrap_or_default();
                            format!("{}: {answer}", q.header)
                        })
                        .collect();
                    self.commit(HistoryCell::Decision {
                        approved: true,
                        summary: format!("You answered · {}", answers.join(" · ")),
                    });
                }
            }
            TurnItem::UserMessage(message) => {
                let text = message.text();
                if self.queued.front() == Some(&text) {
                    self.queued.pop_front();
                }
                self.user_messages.push(text.clone());
                self.finish_stream();
                let images = message.content.len().saturating_sub(1);
                self.commit(HistoryCell::User { text, images });
            }
            TurnItem::AgentMessage(message) => {
                if self.stream.as_ref().is_some_and(|s| !s.is_empty()) {
                    self.finish_stream();
                } else {
                    self.stream = None;
                    self.commit(HistoryCell::Agent {
                        markdown: message.text(),
                    });
                }
            }
            TurnItem::Reasoning(reasoning) => {
                self.reasoning.clear();
                if !self.display.hide_reasoning {
                    for text in reasoning.summary_text {
                        let header =
                            reasoning_header(&text).unwrap_or_else(|| super::first_line(&text));
                        if !header.is_empty() {
                            self.finish_stream();
                            self.commit(HistoryCell::Reasoning { header, text });
                        }
                    }
                }
            }
            TurnItem::CommandExecution(command) => {
                self.exec_started.remove(&command.id);
                self.parked.remove(&command.id);
                let background = self.background.ended(&command.id);
                let cell = match self.running.iter().position(|c| c.call_id == command.id) {
                    Some(index) => Some(self.running.remove(index)),
                    None => background,
                };
                let Some(mut cell) = cell else {
                    return;
                };
                // A declined command never ran: the decision line says so.
                if command.status == CommandExecutionStatus::Declined {
                    return;
                }
                cell.finish(
                    command.exit_code.unwrap_or(-1),
                    command.duration.unwrap_or_default(),
                    &command.aggregated_output,
                );
                self.commit(HistoryCell::Exec(cell));
            }
            TurnItem::McpToolCall(call) => {
                self.parked.remove(&call.id);
                self.mcp_running.retain(|(id, _)| *id != call.id);
                let Some(result) = call.result else {
                    return;
                };
                let (output, failed) = match &result {
                    Ok(result) => (result.display_text(), result.is_error.unwrap_or(false)),
                    Err(message) => (message.clone(), true),
                };
                self.commit(HistoryCell::McpCall {
                    server: call.invocation.server.clone(),
                    tool: call.invocation.tool.clone(),
                    arguments: compact_arguments(call.invocation.arguments.as_ref()),
                    output,
                    failed: failed || call.status == McpToolCallStatus::Failed,
                    duration: call.duration.unwrap_or_default(),
                });
            }
            TurnItem::FileChange(change) => {
                let Some(mut cell) = self.patches.remove(&change.id) else {
                    return;
                };
                match change.status {
                    PatchApplyStatus::Declined => return,
                    PatchApplyStatus::Completed => {}
                    _ => {
                        cell.failure = Some(if change.stderr.trim().is_empty() {
                            change.stdout
                        } else {
                            change.stderr
                        });
                    }
                }
                self.commit(HistoryCell::Patch(cell));
            }
            TurnItem::WebSearch(search) => {
                self.finish_stream();
                self.commit(HistoryCell::WebSearch {
                    query: search.query,
                });
            }
            TurnItem::ImageView(view) => self.commit(HistoryCell::ViewImage { path: view.path }),
            TurnItem::ContextCompaction(_) => {
                self.commit(HistoryCell::Info("Context compacted".to_string()));
            }
            // Compact: the tool, then each agent's name, status and what
            // it returned (first line).
            TurnItem::CollabAgentToolCall(call) => {
                self.finish_stream();
                let mut text = format!("• {}", call.tool_name());
                if let Some(prompt) = call.prompt.as_deref().and_then(|p| p.lines().next()) {
                    text.push_str(&format!(": {prompt}"));
                }
                for (id, line) in call.receiver_thread_ids.iter().zip(call.agent_lines()) {
                    text.push_str(&format!("\n  └ {line}"));
                    let name = call
                        .nicknames
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| id.clone());
                    let state = line.strip_prefix(&format!("{name}: ")).unwrap_or(&line);
                    self.agents.insert(id.clone(), (name, state.to_string()));
                }
                self.commit(HistoryCell::Info(text));
            }
            TurnItem::EnteredReviewMode(review) => {
                self.commit(HistoryCell::Info(format!("Reviewing {}…", review.review)));
            }
            TurnItem::ExitedReviewMode(review) => {
                self.commit(HistoryCell::Info(format!("Review:\n{}", review.review)));
            }
            // Shown when revised.
            TurnItem::Plan(_) => {}
        }
    }

    /// A command or MCP call waits for the person: its running line gives
    /// way to the approval prompt until it is answered.
    pub(super) fn park_for_approval(&mut self, call_id: &str) {
        if let Some(index) = self.running.iter().position(|c| c.call_id == call_id) {
            let cell = self.running.remove(index);
            self.parked.insert(call_id.to_string(), Parked::Exec(cell));
        } else if let Some(index) = self.mcp_running.iter().position(|(id, _)| id == call_id) {
            let (_, invocation) = self.mcp_running.remove(index);
            self.parked
                .insert(call_id.to_string(), Parked::Mcp(invocation));
        }
    }

    /// The approval of `call_id` was answered: an approved call runs.
    pub(super) fn unpark(&mut self, call_id: &str, approved: bool) {
        let Some(parked) = self.parked.remove(call_id) else {
            return;
        };
        if !approved {
            self.exec_started.remove(call_id);
            return;
        }
        match parked {
            Parked::Exec(cell) => {
                self.exec_started
                    .insert(call_id.to_string(), Instant::now());
                self.running.push(cell);
            }
            Parked::Mcp(invocation) => self.mcp_running.push((call_id.to_string(), invocation)),
        }
    }

    fn show_plan(&mut self, plan: PlanItem) {
        self.finish_stream();
        self.commit(HistoryCell::Plan(UpdatePlanArgs {
            explanation: plan.explanation,
            plan: plan.plan,
        }));
    }

    /// A recorded item of a resumed session, shown as it was live.
    pub(super) fn replay_item(&mut self, item: TurnItem) {
        match item {
            TurnItem::CommandExecution(_) | TurnItem::McpToolCall(_) | TurnItem::FileChange(_) => {
                self.on_item_started(item.clone());
                self.on_item_completed(item);
            }
            TurnItem::Plan(plan) => self.show_plan(plan),
            other => self.on_item_completed(other),
        }
    }
}
