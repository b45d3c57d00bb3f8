//! The chat's state and what changes it: engine events and keys.
//!
//! [`ChatState`] holds the session's settings, the transcript (compact
//! cells), what is live (a streaming answer, running commands, the status),
//! queued messages, approval requests and the composer. It never touches
//! the terminal or the engine: events and keys go in, [`Effect`]s come out
//! (ops to submit, notifications, quitting), and rendering reads the state
//! (`live.rs`). Lines ready for the scrollback collect in an outbox the app
//! drains before each frame.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use codex_protocol::config_types::{ReasoningEffort, ReasoningSummary};
use codex_protocol::mcp::{ElicitationAction, McpInvocation, McpStartupStatus};
use codex_protocol::protocol::{
    AskForApproval, EventMsg, Op, ReviewDecision, SandboxPolicy, SessionConfiguredEvent,
    TokenUsage, TokenUsageInfo, TurnAbortReason,
};
use codex_protocol::user_input::UserInput;
use ratatui::text::Line;

use crate::approval::{Answer, ApprovalKind, ApprovalRequest, Approvals};
use crate::cells::{ExecCell, HistoryCell, PatchCell, SessionInfo, summarize_changes};
use crate::composer::{Composer, PromptHistory};
use crate::stream::MarkdownStream;

/// Cells kept in memory for the transcript; older ones live on only in the
/// terminal's scrollback.
const TRANSCRIPT_CELLS: usize = 2000;
/// A second Ctrl-C within this long quits.
const QUIT_WINDOW: Duration = Duration::from_secs(2);

/// What the chat asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Effect {
    Op(Op),
    /// Tell the person (if the terminal is not focused).
    Notify(NotificationKind, String),
    Quit,
    /// Find files for the `@` popup.
    FileSearch(String),
    /// `/new`: a fresh thread in this window.
    NewThread,
    /// `/resume`: the session picker.
    OpenResume,
    /// `/status`.
    ShowStatus,
    /// `/hooks`: the hook handlers the session's config finds.
    ShowHooks,
    /// `/skills [off NAME | on NAME]`.
    Skills(String),
    /// `/review [base BRANCH | commit SHA | instructions]`.
    StartReview(String),
    /// The branch or commit list of the `/review` picker (from git).
    ReviewPicker(crate::popup::ReviewChoice),
    /// `/diff`: the working tree's changes in the pager.
    ShowDiff,
    /// `/logout`.
    Logout,
    /// Esc Esc: the rewind picker.
    OpenBacktrack,
    /// `/rewind` (`undo`: `/undo`, one message back, code and conversation).
    OpenRewind {
        undo: bool,
    },
    /// Ctrl-T: the transcript in the pager.
    OpenTranscript,
    /// Ctrl-G: the composer's text in `$VISUAL`/`$EDITOR`.
    OpenEditor,
    /// A slash command the app carries out.
    Session(session_commands::SessionCommand),
    /// `/side [QUESTION]`: a side conversation.
    OpenSide(String),
    /// Ctrl-C in a side conversation: back to the main thread.
    CloseSide,
    /// The transcript is drawn again (`/raw` changed how it looks).
    Rerender,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotificationKind {
    TurnComplete,
    ApprovalRequested,
}

/// The settings turns are sent with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TurnSettings {
    pub cwd: PathBuf,
    pub approval: AskForApproval,
    pub sandbox: SandboxPolicy,
    pub model: String,
    pub effort: Option<ReasoningEffort>,
    pub summary: ReasoningSummary,
}

/// What the chat shows besides the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DisplayOptions {
    pub hide_reasoning: bool,
    pub animations: bool,
    /// `/raw`: messages as plain text (see `cells/raw.rs`).
    pub raw: bool,
}

/// A call parked while its approval is asked.
enum Parked {
    Exec(ExecCell),
    Mcp(McpInvocation),
}

/// A running turn.
#[derive(Debug, Clone)]
pub(crate) struct TaskStatus {
    pub started: Instant,
    /// "Working", or the header of the reasoning in progress.
    pub header: String,
    /// "Reconnecting... 2/5" while the stream is retried.
    pub retry: Option<String>,
}

pub(crate) struct ChatState {
    pub settings: TurnSettings,
    pub display: DisplayOptions,
    pub session_id: Option<String>,
    pub rollout_path: Option<PathBuf>,
    pub width: u16,
    /// Rows waiting to be printed into the scrollback.
    outbox: Vec<Line<'static>>,
    transcript: VecDeque<HistoryCell>,
    pub stream: Option<MarkdownStream>,
    reasoning: String,
    pub running: Vec<ExecCell>,
    /// MCP calls in progress: (call id, invocation).
    pub mcp_running: Vec<(String, McpInvocation)>,
    pub exec_started: HashMap<String, Instant>,
    /// Calls waiting for an approval (the prompt shows them), by call id.
    parked: HashMap<String, Parked>,
    patches: HashMap<String, PatchCell>,
    pub task: Option<TaskStatus>,
    pub queued: VecDeque<String>,
    pub approvals: Approvals,
    /// The model's open questions (`request_user_input`).
    pub questions: crate::questions::Questions,
    /// The thread's goal, as the engine last reported it.
    pub goal: Option<codex_protocol::goals::ThreadGoal>,
    /// The thread is in plan mode.
    pub plan_mode: bool,
    /// A plan proposed by the running turn, asked about when it ends.
    plan_to_accept: Option<String>,
    pub composer: Composer,
    pub token_info: Option<TokenUsageInfo>,
    pub context_window: Option<i64>,
    pub total_usage: TokenUsage,
    quit_armed: Option<Instant>,
    header_shown: bool,
    /// The `@` file finder or the slash popup, over the composer.
    pub popup: Option<crate::popup::Popup>,
    /// The composer's text when a popup was dismissed (not reopened until
    /// the text changes).
    popup_dismissed: Option<String>,
    /// `/model` or `/approvals`, in place of the composer.
    pub picker: Option<crate::popup::ListPicker>,
    /// `$CODEX_HOME/prompts`.
    pub prompts: Vec<crate::slash::CustomPrompt>,
    /// The skills' names, for `$` completion.
    pub skill_names: Vec<String>,
    /// Skills turned off for this thread with `/skills off` (their files).
    pub skills_off: Vec<PathBuf>,
    /// Esc was pressed once on an empty composer: a second opens backtrack.
    pub backtrack_primed: bool,
    /// Images attached to the next message (pasted paths).
    pub attached_images: Vec<(String, PathBuf)>,
    /// Every user message of the thread, in order (for backtrack).
    pub user_messages: Vec<String>,
    /// This chat is a side conversation (`/side`).
    pub side: bool,
    pub rate_limits: Option<codex_protocol::protocol::RateLimitSnapshot>,
    pub instruction_files: Vec<PathBuf>,
    /// Commands still running in the background (`/ps`).
    pub background: background::BackgroundCommands,
    /// The sub-agents this thread's agent calls named (`/agents`): by
    /// thread id, the name and the last line shown of them.
    pub agents: std::collections::BTreeMap<String, (String, String)>,
    /// Messages queued with Tab: each is sent when the turn ends.
    pub after_turn: VecDeque<String>,
    /// `?`: the shortcuts overlay replaces the footer's hints.
    pub shortcuts_open: bool,
    /// This chat shows a fork made to edit an earlier message: no header,
    /// and no "resumed".
    pub editing_fork: bool,
    /// `/statusline`: the footer's items, in order (None: the default).
    pub statusline: Option<Vec<String>>,
    /// The start-up and configuration warnings (`/warnings`).
    pub warnings: Vec<String>,
}

impl ChatState {
    pub(crate) fn new(settings: TurnSettings, display: DisplayOptions, width: u16) -> Self {
        Self {
            settings,
            display,
            session_id: None,
            rollout_path: None,
            width,
            outbox: Vec::new(),
            transcript: VecDeque::new(),
            stream: None,
            reasoning: String::new(),
            running: Vec::new(),
            mcp_running: Vec::new(),
            parked: HashMap::new(),
            exec_started: HashMap::new(),
            patches: HashMap::new(),
            task: None,
            queued: VecDeque::new(),
            approvals: Approvals::default(),
            questions: crate::questions::Questions::default(),
            goal: None,
            plan_mode: false,
            plan_to_accept: None,
            composer: Composer::new(PromptHistory::default(), "Ask Codex to do anything"),
            token_info: None,
            context_window: None,
            total_usage: TokenUsage::default(),
            quit_armed: None,
            header_shown: false,
            popup: None,
            popup_dismissed: None,
            picker: None,
            prompts: Vec::new(),
            skill_names: Vec::new(),
            skills_off: Vec::new(),
            backtrack_primed: false,
            attached_images: Vec::new(),
            user_messages: Vec::new(),
            side: false,
            rate_limits: None,
            instruction_files: Vec::new(),
            background: background::BackgroundCommands::default(),
            agents: std::collections::BTreeMap::new(),
            after_turn: VecDeque::new(),
            shortcuts_open: false,
            editing_fork: false,
            statusline: None,
            warnings: Vec::new(),
        }
    }

    /// Rows for the scrollback since the last call.
    pub(crate) fn take_outbox(&mut self) -> Vec<Line<'static>> {
        std::mem::take(&mut self.outbox)
    }

    pub(crate) fn transcript(&self) -> impl Iterator<Item = &HistoryCell> {
        self.transcript.iter()
    }

    /// The answer being streamed, as the cell it will become.
    pub(crate) fn live_answer(&self) -> Option<HistoryCell> {
        let stream = self.stream.as_ref().filter(|s| !s.is_empty())?;
        Some(HistoryCell::Agent {
            markdown: stream.text().to_string(),
        })
    }

    /// True while something animates (the spinner, the elapsed time).
    pub(crate) fn is_animating(&self) -> bool {
        self.task.is_some() || !self.running.is_empty() || !self.mcp_running.is_empty()
    }

    /// True when a second Ctrl-C would quit.
    pub(crate) fn quit_armed(&self, now: Instant) -> bool {
        self.quit_armed
            .is_some_and(|at| now.duration_since(at) < QUIT_WINDOW)
    }

    /// The share of the context window left, if known.
    pub(crate) fn context_left_percent(&self) -> Option<u8> {
        let info = self.token_info.as_ref()?;
        let window = info.model_context_window.or(self.context_window)?;
        if window <= 0 {
            return None;
        }
        let used = info.last_token_usage.tokens_in_context_window();
        let left = (window - used).max(0) as f64 / window as f64;
        Some((left * 100.0).round().clamp(0.0, 100.0) as u8)
    }

    /// Commits a cell: into the transcript and, rendered, the outbox.
    pub(crate) fn commit(&mut self, cell: HistoryCell) {
        self.outbox.extend(cell.lines(self.width, self.display.raw));
        self.transcript.push_back(cell);
        if self.transcript.len() > TRANSCRIPT_CELLS {
            self.transcript.pop_front();
        }
    }

    /// Ends the streaming answer, printing what was not printed yet.
    fn finish_stream(&mut self) -> Option<String> {
        let mut stream = self.stream.take()?;
        if stream.is_empty() {
            return None;
        }
        self.outbox.extend(stream.finish(usize::from(self.width)));
        let text = stream.text().to_string();
        self.transcript.push_back(HistoryCell::Agent {
            markdown: text.clone(),
        });
        Some(text)
    }

    fn finish_running(&mut self) {
        for mut cell in std::mem::take(&mut self.running) {
            if self.background.contains(&cell.call_id) {
                // Still running after the turn: committed when it ends.
                self.background.update_cell(&cell);
                continue;
            }
            if cell.result.is_none() {
                let elapsed = self
                    .exec_started
                    .remove(&cell.call_id)
                    .map(|t| t.elapsed())
                    .unwrap_or_default();
                let output = cell.output.join("\n");
                cell.finish(-1, elapsed, &output);
            }
            self.commit(HistoryCell::Exec(cell));
        }
        self.exec_started.clear();
    }

    fn turn_ended(&mut self) {
        self.finish_stream();
        self.finish_running();
        self.task = None;
        self.reasoning.clear();
        self.approvals.clear();
        self.questions.clear();
    }

    pub(crate) fn handle_event(&mut self, msg: EventMsg) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(task) = &mut self.task
            && !matches!(msg, EventMsg::StreamError(_) | EventMsg::TokenCount(_))
        {
            task.retry = None;
        }
        match msg {
            EventMsg::SessionConfigured(configured) => self.on_session_configured(configured),
            EventMsg::TaskStarted(started) => {
                if started.model_context_window.is_some() {
                    self.context_window = started.model_context_window;
                }
                self.task = Some(TaskStatus {
                    started: Instant::now(),
                    header: "Working".to_string(),
                    retry: None,
                });
            }
            EventMsg::TaskComplete(_) => {
                let worked = self.task.as_ref().map(|t| t.started.elapsed());
                let last = self.finish_stream();
                self.turn_ended();
                self.offer_plan();
                if let Some(worked) = worked {
                    self.commit(HistoryCell::Worked(worked));
                }
                effects.extend(self.send_after_turn());
                effects.push(Effect::Notify(
                    NotificationKind::TurnComplete,
                    last.map(|m| first_line(&m))
                        .unwrap_or_else(|| "Turn complete".to_string()),
                ));
            }
            EventMsg::TurnAborted(aborted) => {
                self.turn_ended();
                self.plan_to_accept = None;
                if aborted.reason == TurnAbortReason::Interrupted {
                    self.commit(HistoryCell::Interrupted);
                    self.note_background_after_interrupt();
                }
                // Queued messages die with the turn; give them back.
                if !self.queued.is_empty() || !self.after_turn.is_empty() {
                    let mut text: Vec<String> = self.queued.drain(..).collect();
                    text.extend(self.after_turn.drain(..));
                    if !self.composer.is_empty() {
                        text.push(self.composer.text().to_string());
                    }
                    self.composer.set_text(&text.join("\n"));
                }
            }
            EventMsg::ItemStarted(ev) => self.on_item_started(ev.item),
            EventMsg::ItemUpdated(ev) => self.on_item_updated(&ev.item_id, ev.update),
            EventMsg::ItemCompleted(ev) => self.on_item_completed(ev.item),
            EventMsg::McpStartupUpdate(update) => {
                if let McpStartupStatus::Failed { error } = update.status {
                    self.commit(HistoryCell::Warning(error));
                }
            }
            EventMsg::ThreadGoalUpdated(updated) => self.goal_updated(updated.goal),
            EventMsg::ThreadGoalCleared(_) => self.goal_cleared(),
            EventMsg::CollaborationModeChanged(changed) => self.mode_changed(changed.mode),
            EventMsg::RequestUserInput(request) => {
                self.finish_stream();
                let first = request
                    .questions
                    .first()
                    .map(|q| q.question.clone())
                    .unwrap_or_default();
                effects.push(Effect::Notify(
                    NotificationKind::ApprovalRequested,
                    format!("Codex asks: {first}"),
                ));
                self.questions.push(request);
            }
            EventMsg::ElicitationRequest(request) => {
                self.finish_stream();
                effects.push(Effect::Notify(
                    NotificationKind::ApprovalRequested,
                    format!("{} asks: {}", request.server_name, request.message),
                ));
                self.approvals.push(ApprovalRequest {
                    call_id: request.id,
                    kind: ApprovalKind::Elicitation {
                        server: request.server_name,
                        message: request.message,
                    },
                    reason: None,
                });
            }
            EventMsg::TerminalInteraction(interaction) => {
                let sent = interaction.stdin.trim_end();
                if !sent.is_empty() {
                    self.commit(HistoryCell::Info(format!(
                        "Sent to process {}: {sent}",
                        interaction.process_id
                    )));
                }
            }
            EventMsg::ExecApprovalRequest(request) => {
                self.finish_stream();
                self.park_for_approval(&request.call_id);
                effects.push(Effect::Notify(
                    NotificationKind::ApprovalRequested,
                    format!(
                        "Approve `{}`?",
                        codex_core::display_command(&request.command)
                    ),
                ));
                self.approvals.push(ApprovalRequest {
                    call_id: request.call_id,
                    kind: ApprovalKind::Exec {
                        command: request.command,
                        cwd: request.cwd,
                        amendment: request.proposed_execpolicy_amendment,
                    },
                    reason: request.reason,
                });
            }
            EventMsg::ApplyPatchApprovalRequest(request) => {
                self.finish_stream();
                let files = summarize_changes(&request.changes, &self.settings.cwd);
                effects.push(Effect::Notify(
                    NotificationKind::ApprovalRequested,
                    format!("Approve changes to {} file(s)?", files.len()),
                ));
                self.approvals.push(ApprovalRequest {
                    call_id: request.call_id,
                    kind: ApprovalKind::Patch {
                        files,
                        grant_root: request.grant_root,
                    },
                    reason: request.reason,
                });
            }
            EventMsg::Error(error) => {
                self.finish_stream();
                self.commit(HistoryCell::Error(error.message));
            }
            EventMsg::Warning(warning) => self.commit(HistoryCell::Warning(warning.message)),
            EventMsg::StreamError(error) => {
                if let Some(task) = &mut self.task {
                    task.retry = Some(error.message);
                }
            }
            EventMsg::BackgroundEvent(event) => self.commit(HistoryCell::Info(event.message)),
            EventMsg::UndoCompleted(done) => {
                if done.success {
                    self.commit(HistoryCell::Info(done.message));
                } else {
                    self.commit(HistoryCell::Warning(done.message));
                }
            }
            EventMsg::HookStarted(hook) => {
                if let Some(task) = &mut self.task {
                    task.header = hook
                        .status_message
                        .unwrap_or_else(|| format!("Running {} hook", hook.event_name));
                }
            }
            EventMsg::HookCompleted(hook) => {
                if let Some(task) = &mut self.task {
                    task.header = "Working".to_string();
                }
                if hook.status != "completed" {
                    self.commit(HistoryCell::Info(format!(
                        "{} hook `{}`: {}",
                        hook.event_name, hook.command, hook.outcome
                    )));
                }
            }
            EventMsg::TokenCount(count) => {
                if let Some(info) = count.info {
                    self.total_usage = info.total_token_usage;
                    self.token_info = Some(info);
                }
                if count.rate_limits.is_some() {
                    self.rate_limits = count.rate_limits;
                }
            }
            EventMsg::McpListToolsResponse(response) => self.commit(mcp_list_cell(&response)),
            EventMsg::GetHistoryEntryResponse(response) => self.composer.on_history_entry(
                response.log_id,
                response.offset,
                response.entry.map(|e| e.text),
            ),
            EventMsg::ShutdownComplete => effects.push(Effect::Quit),
            _ => {}
        }
        effects
    }

    fn on_session_configured(&mut self, configured: SessionConfiguredEvent) {
        let resumed = configured.initial_messages.is_some();
        self.session_id = Some(configured.session_id.to_string());
        self.rollout_path = configured.rollout_path.clone();
        self.settings.model = configured.model.clone();
        self.settings.effort = configured.reasoning_effort;
        self.settings.approval = configured.approval_policy;
        self.settings.sandbox = configured.sandbox_policy.clone();
        if !configured.cwd.as_os_str().is_empty() {
            self.settings.cwd = configured.cwd.clone();
        }
        let history = PromptHistory::new(configured.history_log_id, configured.history_entry_count);
        self.composer = Composer::new(history, "Ask Codex to do anything");
        if !self.header_shown && !self.editing_fork {
            self.header_shown = true;
            self.commit(HistoryCell::SessionHeader(SessionInfo {
                model: configured.model.clone(),
                effort: configured.reasoning_effort.map(|e| e.to_string()),
                cwd: self.settings.cwd.clone(),
                approval: configured.approval_policy.to_string(),
                sandbox: configured.sandbox_policy.to_string(),
                session_id: configured.session_id.to_string(),
                resumed,
            }));
        }
        self.instruction_files = configured.instruction_files.clone();
        // Turns recorded with items replay from them, as shown live; a
        // message event right after its own item repeats it.
        let mut previous: Option<EventMsg> = None;
        for msg in configured.initial_messages.unwrap_or_default() {
            let repeated = previous
                .as_ref()
                .is_some_and(|prev| codex_protocol::items::repeats_item(prev, &msg));
            previous = Some(msg.clone());
            if repeated {
                continue;
            }
            match msg {
                EventMsg::ItemCompleted(ev) => self.replay_item(ev.item),
                EventMsg::UserMessage(m) => {
                    self.user_messages.push(m.message.clone());
                    self.commit(HistoryCell::User {
                        text: m.message,
                        images: m.images.map_or(0, |i| i.len()),
                    })
                }
                EventMsg::AgentMessage(m) => self.commit(HistoryCell::Agent {
                    markdown: m.message,
                }),
                EventMsg::AgentReasoning(r) if !self.display.hide_reasoning => {
                    if let Some(header) = reasoning_header(&r.text) {
                        self.commit(HistoryCell::Reasoning {
                            header,
                            text: r.text,
                        });
                    }
                }
                EventMsg::TurnAborted(a) if a.reason == TurnAbortReason::Interrupted => {
                    self.commit(HistoryCell::Interrupted);
                }
                EventMsg::TokenCount(count) => {
                    if let Some(info) = count.info {
                        self.total_usage = info.total_token_usage;
                        self.token_info = Some(info);
                    }
                }
                _ => {}
            }
        }
        if resumed && !self.editing_fork {
            self.commit(HistoryCell::Info("Resumed the session above.".to_string()));
        }
    }

    /// The ops that send `text` as the person's message: a new turn, or
    /// input joining the running one (shown as queued until it joins).
    pub(crate) fn submit_text(&mut self, text: String, images: Vec<PathBuf>) -> Vec<Effect> {
        let mut items: Vec<UserInput> = images
            .into_iter()
            .map(|path| UserInput::LocalImage { path })
            .collect();
        items.push(UserInput::Text { text: text.clone() });
        let mut effects = vec![Effect::Op(Op::AddToHistory { text: text.clone() })];
        if self.task.is_some() {
            self.queued.push_back(text);
            effects.push(Effect::Op(Op::UserInput {
                items,
                final_output_json_schema: None,
            }));
        } else {
            let s = &self.settings;
            effects.push(Effect::Op(Op::UserTurn {
                items,
                cwd: s.cwd.clone(),
                approval_policy: s.approval,
                sandbox_policy: s.sandbox.clone(),
                model: s.model.clone(),
                effort: s.effort,
                summary: s.summary,
                final_output_json_schema: None,
            }));
        }
        effects
    }

    pub(crate) fn answered(&mut self, answer: Answer) -> Vec<Effect> {
        let Answer { request, decision } = answer;
        let approved = matches!(
            decision,
            ReviewDecision::Approved
                | ReviewDecision::ApprovedForSession
                | ReviewDecision::ApprovedExecpolicyAmendment
        );
        if let ApprovalKind::Elicitation { server, .. } = &request.kind {
            let (action, said) = match decision {
                ReviewDecision::Approved
                | ReviewDecision::ApprovedForSession
                | ReviewDecision::ApprovedExecpolicyAmendment => {
                    (ElicitationAction::Accept, "accepted")
                }
                ReviewDecision::Denied => (ElicitationAction::Decline, "declined"),
                ReviewDecision::Abort => (ElicitationAction::Cancel, "cancelled"),
            };
            self.commit(HistoryCell::Decision {
                approved: action == ElicitationAction::Accept,
                summary: format!("You {said} the request of `{server}`"),
            });
            return vec![Effect::Op(Op::ResolveElicitation {
                server_name: server.clone(),
                request_id: request.call_id,
                decision: action,
                content: None,
            })];
        }
        let subject = match &request.kind {
            ApprovalKind::Exec { command, .. } => {
                format!("run `{}`", codex_core::display_command(command))
            }
            ApprovalKind::Patch { files, .. } => {
                let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
                format!("edit {}", names.join(", "))
            }
            // Answered above.
            ApprovalKind::Elicitation { .. } => String::new(),
        };
        let summary = match decision {
            ReviewDecision::Approved => format!("You approved Codex to {subject}"),
            ReviewDecision::ApprovedForSession => {
                format!("You approved Codex to {subject} for this session")
            }
            ReviewDecision::ApprovedExecpolicyAmendment => match &request.kind {
                ApprovalKind::Exec {
                    amendment: Some(prefix),
                    ..
                } => format!(
                    "You approved Codex to {subject} and always to run commands starting with `{}`",
                    codex_core::display_command(prefix)
                ),
                _ => format!("You approved Codex to {subject}"),
            },
            ReviewDecision::Denied => format!("You did not approve Codex to {subject}"),
            ReviewDecision::Abort => {
                format!("You did not approve Codex to {subject}; tell it what to do instead")
            }
        };
        self.commit(HistoryCell::Decision { approved, summary });
        self.unpark(&request.call_id, approved);
        let op = match request.kind {
            ApprovalKind::Exec { .. } => Op::ExecApproval {
                id: request.call_id,
                decision,
            },
            ApprovalKind::Patch { .. } | ApprovalKind::Elicitation { .. } => Op::PatchApproval {
                id: request.call_id,
                decision,
            },
        };
        vec![Effect::Op(op)]
    }
}

/// `/mcp`: the servers and their tools.
fn mcp_list_cell(response: &codex_protocol::mcp::McpListToolsResponseEvent) -> HistoryCell {
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut by_server: std::collections::BTreeMap<&str, Vec<&str>> =
        std::collections::BTreeMap::new();
    for summary in response.tools.values() {
        by_server
            .entry(&summary.server)
            .or_default()
            .push(&summary.tool);
    }
    for (server, tools) in by_server {
        rows.push((server.to_string(), format!("ready · {}", tools.join(", "))));
    }
    for failure in &response.failed {
        rows.push((
            failure.server.clone(),
            format!("failed · {}", failure.error),
        ));
    }
    for server in &response.starting {
        rows.push((server.clone(), "starting…".to_string()));
    }
    if rows.is_empty() {
        rows.push((
            "(none)".to_string(),
            "no MCP servers; add one with `codex mcp add NAME -- COMMAND`".to_string(),
        ));
    }
    HistoryCell::Table {
        title: "MCP servers".to_string(),
        rows,
    }
}

/// Arguments as one short line of JSON.
fn compact_arguments(arguments: Option<&serde_json::Value>) -> String {
    let text = arguments.map(|a| a.to_string()).unwrap_or_default();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(79).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The bold header a reasoning summary starts with (`**Inspecting files**`).
pub(crate) fn reasoning_header(text: &str) -> Option<String> {
    let start = text.find("**")? + 2;
    let end = text[start..].find("**")? + start;
    let header = text[start..end].trim();
    (!header.is_empty()).then(|| header.to_string())
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut line: String = line.trim().chars().take(120).collect();
    if line.len() < text.trim().len() && !line.ends_with('…') && text.trim().lines().count() > 1 {
        line.push('…');
    }
    line
}

mod background;
pub(crate) use background::count_label as background_count_label;
mod commands;
mod goal;
mod input;
mod items;
mod plan;
mod reflow;
mod session_commands;
pub(crate) use session_commands::SessionCommand;

#[cfg(test)]
mod tests;
