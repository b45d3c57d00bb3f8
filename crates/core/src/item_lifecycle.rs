//! Where the engine's progress events become turn items.
//!
//! The engine's parts report what they do with fine-grained events (a
//! command began, printed, ended; a message streamed a delta). Frontends
//! show items instead (`codex_protocol::items`): each has one lifecycle —
//! started, updated, completed — in a fixed order. This module is the one
//! place that derives that lifecycle, so no frontend has to: every event the
//! session sends passes through [`ItemLifecycle::observe`], which returns
//! the item events to send before it.
//!
//! Invariants kept here:
//! - an approval request for a call that has not started yet starts its
//!   item first, so the request always names a started item;
//! - a started item always completes: with the call's outcome, as declined
//!   ([`ItemLifecycle::decline`]), or as failed when its turn ends first
//!   (an interactive process that outlives its turn completes when it ends);
//! - one plan item per turn: the first `update_plan` starts it, later ones
//!   replace it, the end of the turn completes it.
//!
//! It is public so that a frontend's tests can feed a view exactly what the
//! engine sends for a scripted sequence of progress events.

use std::collections::HashMap;

use codex_protocol::ThreadId;
use codex_protocol::items::{
    AgentMessageItem, CommandExecutionItem, CommandExecutionStatus, CommandSource,
    ContextCompactionItem, FileChangeItem, ImageViewItem, ItemUpdate, McpToolCallItem,
    McpToolCallStatus, PatchApplyStatus, PlanItem, ReasoningItem, ReviewModeItem, TurnItem,
    UserMessageItem, UserQuestionsItem, UserQuestionsStatus, WebSearchItem,
};
use codex_protocol::mcp::McpToolCallEndEvent;
use codex_protocol::protocol::{
    EventMsg, ExecCommandEndEvent, ItemCompletedEvent, ItemStartedEvent, ItemUpdatedEvent,
    PatchApplyEndEvent,
};
use codex_protocol::user_input::UserInput;

/// The open items of a thread.
#[derive(Default)]
pub struct ItemLifecycle {
    /// Started and not completed, by item id, with when they started.
    open: HashMap<String, (TurnItem, i64)>,
    /// Start order of `open`'s ids (completed at the end of a turn in order).
    order: Vec<String>,
    /// The agent message being streamed.
    message: Option<String>,
    /// The reasoning being streamed.
    reasoning: Option<String>,
    /// The turn's plan item.
    plan: Option<String>,
    /// Calls of the turn completed as declined: what their tool reports
    /// after the refusal is not a new item.
    declined: std::collections::HashSet<String>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// The item events one engine event implies.
pub struct Emitted {
    thread_id: ThreadId,
    turn_id: String,
    pub events: Vec<EventMsg>,
}

impl Emitted {
    fn started(&mut self, item: TurnItem, at: i64) {
        self.events.push(EventMsg::ItemStarted(ItemStartedEvent {
            thread_id: self.thread_id,
            turn_id: self.turn_id.clone(),
            item,
            started_at_ms: at,
        }));
    }

    fn updated(&mut self, item_id: &str, update: ItemUpdate) {
        self.events.push(EventMsg::ItemUpdated(ItemUpdatedEvent {
            thread_id: self.thread_id,
            turn_id: self.turn_id.clone(),
            item_id: item_id.to_string(),
            update,
        }));
    }

    fn completed(&mut self, item: TurnItem, started_at_ms: i64) {
        self.events
            .push(EventMsg::ItemCompleted(ItemCompletedEvent {
                thread_id: self.thread_id,
                turn_id: self.turn_id.clone(),
                item,
                started_at_ms,
                completed_at_ms: now_ms(),
            }));
    }
}

impl ItemLifecycle {
    fn open(&mut self, out: &mut Emitted, item: TurnItem) {
        let at = now_ms();
        let id = item.id().to_string();
        out.started(item.clone(), at);
        if !self.open.contains_key(&id) {
            self.order.push(id.clone());
        }
        self.open.insert(id, (item, at));
    }

    fn is_open(&self, id: &str) -> bool {
        self.open.contains_key(id)
    }

    /// Completes `item`, which may or may not have started (an item that
    /// has not is started first).
    fn close(&mut self, out: &mut Emitted, item: TurnItem) {
        let id = item.id().to_string();
        let started_at = match self.open.remove(&id) {
            Some((_, at)) => at,
            None => {
                let at = now_ms();
                out.started(item.clone(), at);
                at
            }
        };
        self.order.retain(|open| *open != id);
        out.completed(item, started_at);
    }

    fn open_item(&self, id: &str) -> Option<&TurnItem> {
        self.open.get(id).map(|(item, _)| item)
    }

    /// Completes the open item `id` as declined: it never ran.
    pub(crate) fn decline(&mut self, thread_id: ThreadId, turn_id: &str, id: &str) -> Emitted {
        let mut out = Emitted {
            thread_id,
            turn_id: turn_id.to_string(),
            events: Vec::new(),
        };
        if let Some(item) = self.open_item(id).cloned() {
            self.declined.insert(id.to_string());
            let declined = ended_early(item, EarlyEnd::Declined);
            self.close(&mut out, declined);
        }
        out
    }

    /// The item events `msg` implies, to be sent before it.
    pub fn observe(&mut self, thread_id: ThreadId, turn_id: &str, msg: &EventMsg) -> Emitted {
        let mut out = Emitted {
            thread_id,
            turn_id: turn_id.to_string(),
            events: Vec::new(),
        };
        if let EventMsg::ExecCommandEnd(ExecCommandEndEvent { call_id, .. })
        | EventMsg::PatchApplyEnd(PatchApplyEndEvent { call_id, .. })
        | EventMsg::McpToolCallEnd(McpToolCallEndEvent { call_id, .. }) = msg
            && self.declined.contains(call_id)
        {
            return out;
        }
        match msg {
            EventMsg::TaskStarted(_) => {
                self.message = None;
                self.reasoning = None;
                self.plan = None;
            }
            EventMsg::UserMessage(ev) => {
                let mut content = vec![UserInput::Text {
                    text: ev.message.clone(),
                }];
                content.extend(ev.images.iter().flatten().map(|url| UserInput::Image {
                    image_url: url.clone(),
                }));
                self.close(
                    &mut out,
                    TurnItem::UserMessage(UserMessageItem {
                        id: new_id("user"),
                        content,
                    }),
                );
            }
            EventMsg::AgentMessageDelta(ev) => {
                let id = match &self.message {
                    Some(id) => id.clone(),
                    None => {
                        let id = new_id("msg");
                        self.message = Some(id.clone());
                        self.open(
                            &mut out,
                            TurnItem::AgentMessage(AgentMessageItem::new(
                                id.clone(),
                                String::new(),
                            )),
                        );
                        id
                    }
                };
                // Kept, so a message cut short completes with what streamed.
                if let Some((TurnItem::AgentMessage(open), _)) = self.open.get_mut(&id) {
                    let text = open.text() + &ev.delta;
                    *open = AgentMessageItem::new(id.clone(), text);
                }
                out.updated(
                    &id,
                    ItemUpdate::AgentMessageDelta {
                        delta: ev.delta.clone(),
                    },
                );
            }
            EventMsg::AgentMessage(ev) => {
                let id = self.message.take().unwrap_or_else(|| new_id("msg"));
                self.close(
                    &mut out,
                    TurnItem::AgentMessage(AgentMessageItem::new(id, ev.message.clone())),
                );
            }
            EventMsg::AgentReasoningDelta(ev) => {
                let id = match &self.reasoning {
                    Some(id) => id.clone(),
                    None => {
                        let id = new_id("rs");
                        self.reasoning = Some(id.clone());
                        self.open(&mut out, reasoning(id.clone(), Vec::new()));
                        out.updated(&id, ItemUpdate::ReasoningSummaryPartAdded);
                        id
                    }
                };
                out.updated(
                    &id,
                    ItemUpdate::ReasoningSummaryDelta {
                        delta: ev.delta.clone(),
                    },
                );
            }
            EventMsg::AgentReasoningSectionBreak(_) => {
                if let Some(id) = &self.reasoning {
                    out.updated(id, ItemUpdate::ReasoningSummaryPartAdded);
                }
            }
            EventMsg::AgentReasoning(ev) => {
                let id = self.reasoning.take().unwrap_or_else(|| new_id("rs"));
                self.close(&mut out, reasoning(id, vec![ev.text.clone()]));
            }
            EventMsg::ExecApprovalRequest(ev) if !self.is_open(&ev.call_id) => {
                self.open(
                    &mut out,
                    TurnItem::CommandExecution(CommandExecutionItem {
                        id: ev.call_id.clone(),
                        process_id: None,
                        command: ev.command.clone(),
                        cwd: ev.cwd.clone(),
                        parsed_cmd: ev.parsed_cmd.clone(),
                        source: CommandSource::Agent,
                        status: CommandExecutionStatus::InProgress,
                        aggregated_output: String::new(),
                        exit_code: None,
                        duration: None,
                    }),
                );
            }
            EventMsg::ExecCommandBegin(ev) => {
                let source = if ev.process_id.is_some() {
                    CommandSource::UnifiedExecStartup
                } else {
                    CommandSource::Agent
                };
                let item = CommandExecutionItem {
                    id: ev.call_id.clone(),
                    process_id: ev.process_id.clone(),
                    command: ev.command.clone(),
                    cwd: ev.cwd.clone(),
                    parsed_cmd: ev.parsed_cmd.clone(),
                    source,
                    status: CommandExecutionStatus::InProgress,
                    aggregated_output: String::new(),
                    exit_code: None,
                    duration: None,
                };
                match self.open.get_mut(&ev.call_id) {
                    // Started by its approval request: it now runs.
                    Some((TurnItem::CommandExecution(open), _)) => {
                        *open = item.clone();
                        out.updated(
                            &ev.call_id,
                            ItemUpdate::Replaced {
                                item: TurnItem::CommandExecution(item),
                            },
                        );
                    }
                    _ => self.open(&mut out, TurnItem::CommandExecution(item)),
                }
            }
            EventMsg::ExecCommandOutputDelta(ev) if self.is_open(&ev.call_id) => {
                out.updated(
                    &ev.call_id,
                    ItemUpdate::CommandOutputDelta {
                        stream: ev.stream,
                        chunk: ev.chunk.clone(),
                    },
                );
            }
            EventMsg::ExecCommandEnd(ev) => {
                let mut item = match self.open_item(&ev.call_id) {
                    Some(TurnItem::CommandExecution(item)) => item.clone(),
                    // An end without a begin: nothing was shown, nothing to end.
                    _ => return out,
                };
                item.status = if ev.exit_code == 0 {
                    CommandExecutionStatus::Completed
                } else {
                    CommandExecutionStatus::Failed
                };
                item.aggregated_output = ev.aggregated_output.clone();
                item.exit_code = Some(ev.exit_code);
                item.duration = Some(ev.duration);
                if ev.process_id.is_some() {
                    item.process_id = ev.process_id.clone();
                }
                self.close(&mut out, TurnItem::CommandExecution(item));
            }
            EventMsg::ApplyPatchApprovalRequest(ev) if !self.is_open(&ev.call_id) => {
                self.open(
                    &mut out,
                    file_change(
                        &ev.call_id,
                        ev.changes.clone(),
                        PatchApplyStatus::InProgress,
                    ),
                );
            }
            EventMsg::PatchApplyBegin(ev) if !self.is_open(&ev.call_id) => {
                self.open(
                    &mut out,
                    file_change(
                        &ev.call_id,
                        ev.changes.clone(),
                        PatchApplyStatus::InProgress,
                    ),
                );
            }
            EventMsg::PatchApplyEnd(ev) => {
                let Some(TurnItem::FileChange(mut item)) = self.open_item(&ev.call_id).cloned()
                else {
                    return out;
                };
                let printed = if ev.success { &ev.stdout } else { &ev.stderr };
                if !printed.is_empty() {
                    out.updated(
                        &ev.call_id,
                        ItemUpdate::FileChangeOutputDelta {
                            delta: printed.clone(),
                        },
                    );
                }
                item.status = if ev.success {
                    PatchApplyStatus::Completed
                } else {
                    PatchApplyStatus::Failed
                };
                item.stdout = ev.stdout.clone();
                item.stderr = ev.stderr.clone();
                self.close(&mut out, TurnItem::FileChange(item));
            }
            EventMsg::McpToolCallBegin(ev) if !self.is_open(&ev.call_id) => {
                self.open(
                    &mut out,
                    TurnItem::McpToolCall(McpToolCallItem {
                        id: ev.call_id.clone(),
                        invocation: ev.invocation.clone(),
                        status: McpToolCallStatus::InProgress,
                        result: None,
                        duration: None,
                    }),
                );
            }
            EventMsg::McpToolCallEnd(ev) => {
                let status = if ev.is_failure() {
                    McpToolCallStatus::Failed
                } else {
                    McpToolCallStatus::Completed
                };
                self.close(
                    &mut out,
                    TurnItem::McpToolCall(McpToolCallItem {
                        id: ev.call_id.clone(),
                        invocation: ev.invocation.clone(),
                        status,
                        result: Some(ev.result.clone()),
                        duration: Some(ev.duration),
                    }),
                );
            }
            EventMsg::WebSearchBegin(ev) if !self.is_open(&ev.call_id) => {
                self.open(
                    &mut out,
                    TurnItem::WebSearch(WebSearchItem {
                        id: ev.call_id.clone(),
                        query: String::new(),
                        action: None,
                    }),
                );
            }
            EventMsg::WebSearchEnd(ev) => self.close(
                &mut out,
                TurnItem::WebSearch(WebSearchItem {
                    id: ev.call_id.clone(),
                    query: ev.query.clone(),
                    action: ev.action.clone(),
                }),
            ),
            EventMsg::ViewImageToolCall(ev) => self.close(
                &mut out,
                TurnItem::ImageView(ImageViewItem {
                    id: ev.call_id.clone(),
                    path: ev.path.clone(),
                }),
            ),
            EventMsg::PlanUpdate(args) => {
                let id = self.plan.clone().unwrap_or_else(|| new_id("plan"));
                let item = TurnItem::Plan(PlanItem {
                    id: id.clone(),
                    explanation: args.explanation.clone(),
                    plan: args.plan.clone(),
                });
                if self.plan.is_none() {
                    self.plan = Some(id);
                    self.open(&mut out, item);
                } else if let Some(open) = self.open.get_mut(&id) {
                    open.0 = item.clone();
                    out.updated(&id, ItemUpdate::Replaced { item });
                }
            }
            EventMsg::ContextCompacted(_) => self.close(
                &mut out,
                TurnItem::ContextCompaction(ContextCompactionItem {
                    id: new_id("compact"),
                }),
            ),
            EventMsg::EnteredReviewMode(request) => self.close(
                &mut out,
                TurnItem::EnteredReviewMode(ReviewModeItem {
                    id: new_id("review"),
                    review: request.user_facing_hint.clone(),
                }),
            ),
            EventMsg::ExitedReviewMode(exited) => self.close(
                &mut out,
                TurnItem::ExitedReviewMode(ReviewModeItem {
                    id: new_id("review"),
                    review: match &exited.review_output {
                        Some(output) => output.render_findings(),
                        None => "The review did not finish; run /review again.".to_string(),
                    },
                }),
            ),
            EventMsg::PlanProposed(ev) => self.close(
                &mut out,
                TurnItem::ProposedPlan(codex_protocol::items::ProposedPlanItem {
                    id: new_id("plan"),
                    text: ev.text.clone(),
                }),
            ),
            EventMsg::RequestUserInput(ev) => self.open(
                &mut out,
                TurnItem::UserQuestions(UserQuestionsItem {
                    id: ev.call_id.clone(),
                    questions: ev.questions.clone(),
                    status: UserQuestionsStatus::InProgress,
                    response: None,
                }),
            ),
            EventMsg::RequestUserInputEnd(ev) => {
                let Some(TurnItem::UserQuestions(mut item)) = self.open_item(&ev.call_id).cloned()
                else {
                    return out;
                };
                item.status = match ev.response {
                    Some(_) => UserQuestionsStatus::Answered,
                    None => UserQuestionsStatus::Cancelled,
                };
                item.response = ev.response.clone();
                self.close(&mut out, TurnItem::UserQuestions(item));
            }
            EventMsg::CollabToolCallBegin(item) => {
                self.open(&mut out, TurnItem::CollabAgentToolCall(item.clone()))
            }
            EventMsg::CollabToolCallEnd(item) => {
                self.close(&mut out, TurnItem::CollabAgentToolCall(item.clone()))
            }
            EventMsg::TaskComplete(_) | EventMsg::TurnAborted(_) => {
                self.finish_turn(&mut out);
            }
            _ => {}
        }
        out
    }

    /// Completes what the turn leaves open: the plan as it stands; a call
    /// cut short as failed.
    fn finish_turn(&mut self, out: &mut Emitted) {
        self.declined.clear();
        self.message = None;
        self.reasoning = None;
        self.plan = None;
        for id in std::mem::take(&mut self.order) {
            // An interactive process outlives its turn: its item completes
            // when the process ends.
            if let Some((TurnItem::CommandExecution(command), _)) = self.open.get(&id)
                && command.process_id.is_some()
            {
                self.order.push(id);
                continue;
            }
            let Some((item, started_at)) = self.open.remove(&id) else {
                continue;
            };
            // A message cut short by an interrupt keeps what streamed.
            let item = ended_early(item, EarlyEnd::CutShort);
            out.completed(item, started_at);
        }
    }
}

/// How a call ended before its outcome was known.
#[derive(Clone, Copy)]
enum EarlyEnd {
    /// The person or the policy said no: it never ran.
    Declined,
    /// Its turn ended first.
    CutShort,
}

impl EarlyEnd {
    /// The status that says so, of the two a kind of call has.
    fn pick<T>(self, declined: T, cut_short: T) -> T {
        match self {
            Self::Declined => declined,
            Self::CutShort => cut_short,
        }
    }
}

/// `item` with the status that says how it ended early; items that are
/// not calls keep what they have.
fn ended_early(item: TurnItem, end: EarlyEnd) -> TurnItem {
    match item {
        TurnItem::CommandExecution(mut c) => {
            c.status = end.pick(
                CommandExecutionStatus::Declined,
                CommandExecutionStatus::Failed,
            );
            TurnItem::CommandExecution(c)
        }
        TurnItem::FileChange(mut f) => {
            f.status = end.pick(PatchApplyStatus::Declined, PatchApplyStatus::Failed);
            TurnItem::FileChange(f)
        }
        TurnItem::McpToolCall(mut m) => {
            m.status = end.pick(McpToolCallStatus::Declined, McpToolCallStatus::Failed);
            TurnItem::McpToolCall(m)
        }
        TurnItem::UserQuestions(mut q) => {
            q.status = UserQuestionsStatus::Cancelled;
            TurnItem::UserQuestions(q)
        }
        other => other,
    }
}

fn reasoning(id: String, summary_text: Vec<String>) -> TurnItem {
    TurnItem::Reasoning(ReasoningItem {
        id,
        summary_text,
        raw_content: Vec::new(),
    })
}

fn file_change(
    id: &str,
    changes: HashMap<std::path::PathBuf, codex_protocol::protocol::FileChange>,
    status: PatchApplyStatus,
) -> TurnItem {
    TurnItem::FileChange(FileChangeItem {
        id: id.to_string(),
        changes,
        status,
        stdout: String::new(),
        stderr: String::new(),
    })
}
