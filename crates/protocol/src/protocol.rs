//! The Op/Event seam: what frontends submit to the engine and what it emits.
//!
//! A frontend sends [`Submission`]s (`{id, op}`) and reads [`Event`]s (`{id, msg}`);
//! every event carries the id of the submission that caused it (`""` for events
//! of session start-up). Both enums are tagged by `type` in snake_case, as in the
//! reference, so that a rollout's `event_msg` lines read the same in both.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ThreadId;
use crate::config_types::{ReasoningEffort, ReasoningSummary};
use crate::items::{ItemUpdate, TurnItem};
use crate::mcp::{
    ElicitationAction, ElicitationRequestEvent, McpListToolsResponseEvent, McpStartupCompleteEvent,
    McpStartupUpdateEvent, McpToolCallBeginEvent, McpToolCallEndEvent,
};
use crate::message_history::HistoryEntry;
use crate::models::ResponseItem;
use crate::parse_command::ParsedCommand;
use crate::plan::UpdatePlanArgs;
use crate::user_input::UserInput;

/// One request to the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub id: String,
    pub op: Op,
}

/// What a frontend can ask of the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Op {
    /// Abort the running task, if any. Exactly one `turn_aborted` follows.
    Interrupt,
    /// Input for the session with its current settings. If a task is running,
    /// the input joins that task's next model request.
    UserInput {
        items: Vec<UserInput>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        final_output_json_schema: Option<serde_json::Value>,
    },
    /// Input together with the full set of turn settings (which persist).
    UserTurn {
        items: Vec<UserInput>,
        cwd: PathBuf,
        approval_policy: AskForApproval,
        sandbox_policy: SandboxPolicy,
        model: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effort: Option<ReasoningEffort>,
        summary: ReasoningSummary,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        final_output_json_schema: Option<serde_json::Value>,
    },
    /// Change settings for the turns that follow, without starting one.
    OverrideTurnContext {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cwd: Option<PathBuf>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approval_policy: Option<AskForApproval>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sandbox_policy: Option<SandboxPolicy>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<String>,
        /// `Some(None)` clears the effort; `None` leaves it alone.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "double_option"
        )]
        effort: Option<Option<ReasoningEffort>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        summary: Option<ReasoningSummary>,
    },
    /// The answer to an `exec_approval_request`; `id` is its `call_id`.
    ExecApproval {
        id: String,
        decision: ReviewDecision,
    },
    /// The answer to an `apply_patch_approval_request`; `id` is its `call_id`.
    PatchApproval {
        id: String,
        decision: ReviewDecision,
    },
    /// Append a user message to `$CODEX_HOME/history.jsonl`.
    AddToHistory { text: String },
    /// Read entry `offset` of the history file identified by `log_id`.
    GetHistoryEntryRequest { offset: usize, log_id: u64 },
    /// The answer to an `elicitation_request`.
    ResolveElicitation {
        server_name: String,
        request_id: String,
        decision: ElicitationAction,
        /// The filled form, when accepted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<serde_json::Value>,
    },
    /// Run a command the person typed (`!cmd` in the TUI) under the
    /// session's sandbox, without asking and without telling the model:
    /// reported as a command, recorded nowhere the model reads.
    RunUserShellCommand { command: String },
    /// List the tools of the session's MCP servers (`mcp_list_tools_response`).
    ListMcpTools,
    /// Turn the skill whose `SKILL.md` is at `path` on or off for this
    /// session only (from the next turn; `config.toml` is not changed).
    SetSkillEnabled {
        path: std::path::PathBuf,
        enabled: bool,
    },
    /// Summarize the conversation and replace the history with the summary.
    Compact,
    /// Reviews code in a task of its own (its history never joins this
    /// thread's). `entered_review_mode` first, `exited_review_mode` last.
    Review { review_request: ReviewRequest },
    /// Puts back what the last turn changed in the working tree (from its
    /// ghost snapshots). `undo_started` then `undo_completed` follow.
    Undo,
    /// The earlier user messages a rewind can go back to
    /// (`rewind_points`).
    ListRewindPoints,
    /// Go back to before user message `nth_user_message` (0-based):
    /// restore the code, the conversation, both, or summarize the turns
    /// since. With `dry_run` nothing changes and `rewind_completed` carries
    /// the plan (the diff, files edited by hand). Files edited by hand
    /// since the point are left alone unless listed in `restore_edited`.
    /// Refused while a turn runs.
    Rewind {
        nth_user_message: usize,
        mode: crate::rewind::RewindMode,
        #[serde(default)]
        dry_run: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        restore_edited: Vec<String>,
    },
    /// The reference's rollback: drop the last `num_turns` user turns from
    /// the conversation (files untouched); `thread_rolled_back` follows.
    ThreadRollback { num_turns: u32 },
    /// Forget every memory: the memories directory's contents and the
    /// memory jobs in the state database. A `background_event` says it is
    /// done (an `error` if it could not be).
    DropMemories,
    /// End the interactive commands (`exec_command`) still running in the
    /// background: all of them (the reference's op, which has no fields),
    /// or only `process_id`. Each ended command reports its
    /// `exec_command_end`; an unknown id gets an `error`.
    CleanBackgroundTerminals {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        process_id: Option<String>,
    },
    /// Abort any task, flush the session file and stop. `shutdown_complete` follows.
    Shutdown,
    /// The answer to a `request_user_input` event; `id` is its `call_id`.
    UserInputAnswer {
        id: String,
        response: crate::user_questions::RequestUserInputResponse,
    },
    /// Sets the thread's goal: a new `objective` replaces the goal (as
    /// active), a `status` alone changes it (`paused`, `active` to resume).
    /// `thread_goal_updated` follows (an `error` if there is nothing to change).
    SetThreadGoal {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        objective: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<crate::goals::ThreadGoalStatus>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_budget: Option<i64>,
    },
    /// Removes the thread's goal; `thread_goal_cleared` follows.
    ClearThreadGoal,
    /// Switches the thread's collaboration mode from the next turn: `plan`
    /// (read-only sandbox, planning instructions, the final answer shown as
    /// a proposed plan) or back to `default`. `collaboration_mode_changed`
    /// follows.
    SetCollaborationMode { mode: crate::config_types::ModeKind },
}

impl Op {
    /// The op's name on the wire (`user_turn`, `interrupt`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Interrupt => "interrupt",
            Self::UserInput { .. } => "user_input",
            Self::UserTurn { .. } => "user_turn",
            Self::OverrideTurnContext { .. } => "override_turn_context",
            Self::ExecApproval { .. } => "exec_approval",
            Self::PatchApproval { .. } => "patch_approval",
            Self::AddToHistory { .. } => "add_to_history",
            Self::GetHistoryEntryRequest { .. } => "get_history_entry_request",
            Self::ResolveElicitation { .. } => "resolve_elicitation",
            Self::RunUserShellCommand { .. } => "run_user_shell_command",
            Self::ListMcpTools => "list_mcp_tools",
            Self::SetSkillEnabled { .. } => "set_skill_enabled",
            Self::Compact => "compact",
            Self::Undo => "undo",
            Self::ListRewindPoints => "list_rewind_points",
            Self::Rewind { .. } => "rewind",
            Self::ThreadRollback { .. } => "thread_rollback",
            Self::DropMemories => "drop_memories",
            Self::CleanBackgroundTerminals { .. } => "clean_background_terminals",
            Self::Review { .. } => "review",
            Self::Shutdown => "shutdown",
            Self::UserInputAnswer { .. } => "user_input_answer",
            Self::SetThreadGoal { .. } => "set_thread_goal",
            Self::ClearThreadGoal => "clear_thread_goal",
            Self::SetCollaborationMode { .. } => "set_collaboration_mode",
        }
    }
}

/// Serde helper for `Option<Option<T>>` fields: absent = `None`, `null` = `Some(None)`.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// When the engine asks a person before acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AskForApproval {
    /// Ask for everything except a small list of known-safe read-only commands.
    #[serde(rename = "untrusted", alias = "unless-allow-listed")]
    UnlessTrusted,
    /// Run in the sandbox; when the sandbox denies something, ask to retry without it.
    OnFailure,
    /// Run in the sandbox; the model may ask to escalate, with a justification.
    #[default]
    OnRequest,
    /// Never ask; failures go back to the model.
    Never,
}

impl fmt::Display for AskForApproval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnlessTrusted => "untrusted",
            Self::OnFailure => "on-failure",
            Self::OnRequest => "on-request",
            Self::Never => "never",
        })
    }
}

/// A person's answer to an approval request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approved,
    /// Approved, and the command rule proposed with the request
    /// (`proposed_execpolicy_amendment`) is appended to
    /// `$CODEX_HOME/rules/default.rules`, so commands starting with it run
    /// without asking from now on.
    ApprovedExecpolicyAmendment,
    /// Approved, and the same command is approved for the rest of the session.
    ApprovedForSession,
    /// Not run; the model is told and may try something else.
    #[default]
    Denied,
    /// Not run, and the whole task is interrupted.
    Abort,
}

/// What commands the model runs may touch.
///
/// Written as `{"type": "workspace-write", ...}`; the older `{"mode": ...}` form is
/// accepted when reading.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", try_from = "RawSandboxPolicy")]
pub enum SandboxPolicy {
    /// No restrictions at all.
    #[serde(rename = "danger-full-access")]
    DangerFullAccess,
    /// Read anything, write nothing, no network.
    #[default]
    #[serde(rename = "read-only")]
    ReadOnly,
    /// Read anything; write only the cwd, `writable_roots` and the temp dirs.
    #[serde(rename = "workspace-write")]
    WorkspaceWrite {
        writable_roots: Vec<PathBuf>,
        network_access: bool,
        exclude_tmpdir_env_var: bool,
        exclude_slash_tmp: bool,
    },
}

#[derive(Deserialize)]
struct RawSandboxPolicy {
    #[serde(rename = "type", alias = "mode")]
    kind: String,
    #[serde(default)]
    writable_roots: Vec<PathBuf>,
    #[serde(default)]
    network_access: serde_json::Value,
    #[serde(default)]
    exclude_tmpdir_env_var: bool,
    #[serde(default)]
    exclude_slash_tmp: bool,
}

impl TryFrom<RawSandboxPolicy> for SandboxPolicy {
    type Error = String;

    fn try_from(raw: RawSandboxPolicy) -> Result<Self, Self::Error> {
        match raw.kind.as_str() {
            "danger-full-access" => Ok(Self::DangerFullAccess),
            "read-only" => Ok(Self::ReadOnly),
            "workspace-write" => Ok(Self::WorkspaceWrite {
                writable_roots: raw.writable_roots,
                // Newer files write "enabled"/"restricted" here.
                network_access: matches!(raw.network_access, serde_json::Value::Bool(true))
                    || raw.network_access.as_str() == Some("enabled"),
                exclude_tmpdir_env_var: raw.exclude_tmpdir_env_var,
                exclude_slash_tmp: raw.exclude_slash_tmp,
            }),
            other => Err(format!(
                "unknown sandbox policy `{other}` (expected read-only, workspace-write or danger-full-access)"
            )),
        }
    }
}

impl SandboxPolicy {
    /// `workspace-write` with no extra roots and no network.
    pub fn new_workspace_write() -> Self {
        Self::WorkspaceWrite {
            writable_roots: Vec::new(),
            network_access: false,
            exclude_tmpdir_env_var: false,
            exclude_slash_tmp: false,
        }
    }

    pub fn has_full_disk_write_access(&self) -> bool {
        matches!(self, Self::DangerFullAccess)
    }

    pub fn has_full_network_access(&self) -> bool {
        match self {
            Self::DangerFullAccess => true,
            Self::ReadOnly => false,
            Self::WorkspaceWrite { network_access, .. } => *network_access,
        }
    }

    /// The directories a sandboxed command may write, for a session in `cwd`.
    ///
    /// `tmpdir` is the value of `$TMPDIR`, passed in so that this stays pure.
    /// Roots are returned as given (not canonicalized); the sandbox resolves them.
    pub fn writable_roots(&self, cwd: &Path, tmpdir: Option<&Path>) -> Vec<PathBuf> {
        match self {
            Self::DangerFullAccess | Self::ReadOnly => Vec::new(),
            Self::WorkspaceWrite {
                writable_roots,
                exclude_tmpdir_env_var,
                exclude_slash_tmp,
                ..
            } => {
                let mut roots = vec![cwd.to_path_buf()];
                roots.extend(writable_roots.iter().cloned());
                if !exclude_slash_tmp {
                    roots.push(PathBuf::from("/tmp"));
                }
                if !exclude_tmpdir_env_var
                    && let Some(tmp) = tmpdir
                    && !tmp.as_os_str().is_empty()
                {
                    roots.push(tmp.to_path_buf());
                }
                let mut seen = std::collections::HashSet::new();
                roots.retain(|r| seen.insert(r.clone()));
                roots
            }
        }
    }
}

impl fmt::Display for SandboxPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DangerFullAccess => f.write_str("danger-full-access"),
            Self::ReadOnly => f.write_str("read-only"),
            Self::WorkspaceWrite {
                writable_roots,
                network_access,
                ..
            } => {
                f.write_str("workspace-write")?;
                let mut extras = Vec::new();
                if *network_access {
                    extras.push("network".to_string());
                }
                for root in writable_roots {
                    extras.push(root.display().to_string());
                }
                if !extras.is_empty() {
                    write!(f, " [{}]", extras.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

/// One event from the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The id of the submission that caused it.
    pub id: String,
    pub msg: EventMsg,
}

/// Everything the engine reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventMsg {
    /// A failure the person should see. The session continues.
    Error(ErrorEvent),
    Warning(WarningEvent),
    /// The model stream broke and is being retried ("Reconnecting... n/m").
    StreamError(StreamErrorEvent),
    BackgroundEvent(BackgroundEventEvent),

    #[serde(alias = "turn_started")]
    TaskStarted(TaskStartedEvent),
    #[serde(alias = "turn_complete")]
    TaskComplete(TaskCompleteEvent),
    TurnAborted(TurnAbortedEvent),
    TokenCount(TokenCountEvent),

    AgentMessage(AgentMessageEvent),
    UserMessage(UserMessageEvent),
    AgentMessageDelta(AgentMessageDeltaEvent),
    AgentReasoning(AgentReasoningEvent),
    AgentReasoningDelta(AgentReasoningDeltaEvent),
    AgentReasoningRawContent(AgentReasoningRawContentEvent),
    AgentReasoningRawContentDelta(AgentReasoningRawContentDeltaEvent),
    AgentReasoningSectionBreak(AgentReasoningSectionBreakEvent),

    SessionConfigured(SessionConfiguredEvent),
    ShutdownComplete,

    ExecCommandBegin(ExecCommandBeginEvent),
    ExecCommandOutputDelta(ExecCommandOutputDeltaEvent),
    ExecCommandEnd(ExecCommandEndEvent),
    TerminalInteraction(TerminalInteractionEvent),
    ExecApprovalRequest(ExecApprovalRequestEvent),
    ApplyPatchApprovalRequest(ApplyPatchApprovalRequestEvent),
    PatchApplyBegin(PatchApplyBeginEvent),
    PatchApplyEnd(PatchApplyEndEvent),
    TurnDiff(TurnDiffEvent),
    PlanUpdate(UpdatePlanArgs),
    WebSearchBegin(WebSearchBeginEvent),
    ViewImageToolCall(ViewImageToolCallEvent),
    WebSearchEnd(WebSearchEndEvent),

    McpListToolsResponse(McpListToolsResponseEvent),
    McpStartupUpdate(McpStartupUpdateEvent),
    McpStartupComplete(McpStartupCompleteEvent),
    McpToolCallBegin(McpToolCallBeginEvent),
    McpToolCallEnd(McpToolCallEndEvent),
    ElicitationRequest(ElicitationRequestEvent),

    GetHistoryEntryResponse(GetHistoryEntryResponseEvent),
    ContextCompacted(ContextCompactedEvent),

    RawResponseItem(RawResponseItemEvent),
    /// An item of the turn began (see `items`: the lifecycle every
    /// frontend shows).
    ItemStarted(ItemStartedEvent),
    /// A started item changed: streamed text or output, a new state.
    ItemUpdated(ItemUpdatedEvent),
    /// An item ended (recorded in the session file).
    ItemCompleted(ItemCompletedEvent),
    /// A review task began.
    EnteredReviewMode(ReviewRequest),
    /// A review task ended; no output when it was interrupted.
    ExitedReviewMode(ExitedReviewModeEvent),
    /// `Op::Undo` began.
    UndoStarted(UndoStartedEvent),
    /// `Op::Undo` ended: whether it worked, and what it did.
    UndoCompleted(UndoCompletedEvent),
    /// The answer to `Op::ListRewindPoints`.
    RewindPoints(crate::rewind::RewindPointsEvent),
    /// `Op::Rewind` ended (or, with `dry_run`, what it would do).
    RewindCompleted(crate::rewind::RewindCompletedEvent),
    /// User turns left the conversation (recorded; a resume replays it).
    ThreadRolledBack(crate::rewind::ThreadRolledBackEvent),
    /// A hook handler started (not recorded).
    HookStarted(HookStartedEvent),
    /// A hook handler finished (not recorded).
    HookCompleted(HookCompletedEvent),
    /// The model asks the person questions (`request_user_input`); the
    /// engine waits for `Op::UserInputAnswer`.
    RequestUserInput(crate::user_questions::RequestUserInputEvent),
    /// The questions were answered, or will not be.
    RequestUserInputEnd(crate::user_questions::RequestUserInputEndEvent),
    /// The thread's goal was set or changed (recorded; sent again after
    /// `session_configured` when a resumed thread has one).
    ThreadGoalUpdated(crate::goals::ThreadGoalUpdatedEvent),
    /// The thread's goal was removed (recorded).
    ThreadGoalCleared(crate::goals::ThreadGoalClearedEvent),
    /// The thread's collaboration mode (also sent after `session_configured`
    /// when a resumed thread is in plan mode).
    CollaborationModeChanged(CollaborationModeChangedEvent),
    /// A plan-mode turn ended with this plan for the person to accept.
    PlanProposed(PlanProposedEvent),
    /// An agent tool call began (its item starts).
    CollabToolCallBegin(crate::items::CollabAgentToolCallItem),
    /// An agent tool call ended (its item completes).
    CollabToolCallEnd(crate::items::CollabAgentToolCallItem),
    /// A `multi_agent_v2` sub-agent started, was given work, was
    /// interrupted or finished (a completed item).
    SubAgentActivity(crate::items::SubAgentActivityItem),
    /// An event of a sub-agent this thread spawned, passed on as it
    /// happens so that a frontend can follow the child live (never
    /// recorded; the child's approval requests also come labelled, as
    /// events of this thread, which is where they are answered).
    SubAgentEvent(SubAgentEvent),
}

/// One event of a sub-agent (see [`EventMsg::SubAgentEvent`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubAgentEvent {
    pub thread_id: crate::ThreadId,
    /// Its nickname (v1) or path (v2), for people.
    pub agent: String,
    pub event: Box<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollaborationModeChangedEvent {
    pub mode: crate::config_types::ModeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanProposedEvent {
    pub text: String,
}

/// What to review: the reviewer's prompt, and the short line a frontend
/// shows ("changes against main").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequest {
    pub prompt: String,
    pub user_facing_hint: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExitedReviewModeEvent {
    pub review_output: Option<ReviewOutputEvent>,
}

/// The reviewer's verdict (the seed's schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReviewOutputEvent {
    #[serde(default)]
    pub findings: Vec<ReviewFinding>,
    #[serde(default)]
    pub overall_correctness: String,
    #[serde(default)]
    pub overall_explanation: String,
    #[serde(default)]
    pub overall_confidence_score: f32,
}

impl ReviewOutputEvent {
    /// The findings as text, most urgent first (`[P1] title — file:1-2`).
    pub fn render_findings(&self) -> String {
        let mut text = String::new();
        for finding in &self.findings {
            let location = &finding.code_location;
            text.push_str(&format!(
                "[P{}] {} — {}:{}-{}\n{}\n\n",
                finding.priority,
                finding.title,
                location.absolute_file_path.display(),
                location.line_range.start,
                location.line_range.end,
                finding.body.trim()
            ));
        }
        if !self.overall_explanation.is_empty() {
            text.push_str(&self.overall_explanation);
        }
        text.trim().to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewFinding {
    /// At most 80 characters.
    pub title: String,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub confidence_score: f32,
    /// 0 (most urgent) to 3.
    #[serde(default)]
    pub priority: i32,
    pub code_location: ReviewCodeLocation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewCodeLocation {
    pub absolute_file_path: PathBuf,
    pub line_range: ReviewLineRange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewLineRange {
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UndoStartedEvent {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoCompletedEvent {
    pub success: bool,
    pub message: String,
}

/// A hook handler started (`event_name` is the hook event, e.g. `PreToolUse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookStartedEvent {
    /// Pairs this event with its `hook_completed`.
    pub run_id: String,
    pub event_name: String,
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// The `hooks.json` or `config.toml` the handler came from.
    pub source_path: PathBuf,
    /// Unix milliseconds.
    pub started_at_ms: i64,
}

/// A hook handler finished: its exit code (None: killed or not started),
/// how long it took, and what it decided (`ok`, `blocked: …`, `error: …`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookCompletedEvent {
    pub run_id: String,
    pub event_name: String,
    pub command: String,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    /// `completed`, `blocked`, `stopped` or `failed`.
    pub status: String,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEvent {
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningEvent {
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamErrorEvent {
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackgroundEventEvent {
    pub message: String,
}

/// `turn_id` is the submission id of the turn; the reference cannot read a
/// `task_started`/`task_complete` line without one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaskStartedEvent {
    #[serde(default)]
    pub turn_id: String,
    #[serde(default)]
    pub model_context_window: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaskCompleteEvent {
    #[serde(default)]
    pub turn_id: String,
    #[serde(default)]
    pub last_agent_message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnAbortReason {
    Interrupted,
    Replaced,
    ReviewEnded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnAbortedEvent {
    pub reason: TurnAbortReason,
}

/// Token counts of one response, or of a whole session, as the API reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenUsage {
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub cached_input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
    #[serde(default)]
    pub reasoning_output_tokens: i64,
    #[serde(default)]
    pub total_tokens: i64,
}

impl TokenUsage {
    /// Tokens the last request occupied in the context window: its input plus
    /// what the model wrote (reasoning is dropped from the next request's window).
    pub fn tokens_in_context_window(&self) -> i64 {
        (self.total_tokens - self.reasoning_output_tokens).max(0)
    }

    pub fn add_assign(&mut self, other: &TokenUsage) {
        self.input_tokens += other.input_tokens;
        self.cached_input_tokens += other.cached_input_tokens;
        self.output_tokens += other.output_tokens;
        self.reasoning_output_tokens += other.reasoning_output_tokens;
        self.total_tokens += other.total_tokens;
    }

    pub fn is_zero(&self) -> bool {
        *self == TokenUsage::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenUsageInfo {
    pub total_token_usage: TokenUsage,
    pub last_token_usage: TokenUsage,
    #[serde(default)]
    pub model_context_window: Option<i64>,
}

/// Rate-limit state parsed from the `x-codex-*` response headers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RateLimitSnapshot {
    #[serde(default)]
    pub primary: Option<RateLimitWindow>,
    #[serde(default)]
    pub secondary: Option<RateLimitWindow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimitWindow {
    /// Percentage (0-100) of the window already used.
    pub used_percent: f64,
    #[serde(default)]
    pub window_minutes: Option<i64>,
    /// Seconds until the window resets.
    #[serde(default)]
    pub resets_in_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TokenCountEvent {
    pub info: Option<TokenUsageInfo>,
    #[serde(default)]
    pub rate_limits: Option<RateLimitSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentMessageEvent {
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMessageEvent {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentMessageDeltaEvent {
    pub delta: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentReasoningEvent {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentReasoningDeltaEvent {
    pub delta: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentReasoningRawContentEvent {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentReasoningRawContentDeltaEvent {
    pub delta: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AgentReasoningSectionBreakEvent {}

/// The first event of every session (id `""`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionConfiguredEvent {
    pub session_id: ThreadId,
    pub model: String,
    #[serde(default)]
    pub model_provider_id: String,
    #[serde(default)]
    pub approval_policy: AskForApproval,
    #[serde(default)]
    pub sandbox_policy: SandboxPolicy,
    #[serde(default)]
    pub cwd: PathBuf,
    #[serde(default)]
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Identity (inode) of `history.jsonl`, for `GetHistoryEntryRequest`.
    pub history_log_id: u64,
    /// Number of entries in `history.jsonl` when the session started.
    pub history_entry_count: usize,
    /// On resume: the events of the earlier session, for a UI to replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_messages: Option<Vec<EventMsg>>,
    /// The session file, or none for an ephemeral session.
    #[serde(default)]
    pub rollout_path: Option<PathBuf>,
    /// The instruction files (AGENTS.md and the like) the session read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instruction_files: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecCommandBeginEvent {
    pub call_id: String,
    pub command: Vec<String>,
    pub cwd: PathBuf,
    #[serde(default)]
    pub parsed_cmd: Vec<ParsedCommand>,
    /// The interactive process (`exec_command`'s session id), when the
    /// command outlives its call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecOutputStream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecCommandOutputDeltaEvent {
    pub call_id: String,
    pub stream: ExecOutputStream,
    /// The chunk as UTF-8 (invalid sequences replaced).
    pub chunk: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecCommandEndEvent {
    pub call_id: String,
    pub stdout: String,
    pub stderr: String,
    #[serde(default)]
    pub aggregated_output: String,
    pub exit_code: i32,
    pub duration: Duration,
    /// The output as the model saw it (truncated, with exit code and timing).
    #[serde(default)]
    pub formatted_output: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<String>,
}

/// Input the model sent to a running interactive command (`write_stdin`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalInteractionEvent {
    /// The call that started the command.
    pub call_id: String,
    pub process_id: String,
    pub stdin: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecApprovalRequestEvent {
    pub call_id: String,
    pub command: Vec<String>,
    pub cwd: PathBuf,
    /// Why approval is needed (the model's justification, or the sandbox failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default)]
    pub parsed_cmd: Vec<ParsedCommand>,
    /// The prefix an "always allow commands starting with …" answer
    /// ([`ReviewDecision::ApprovedExecpolicyAmendment`]) would allow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_execpolicy_amendment: Option<Vec<String>>,
}

/// One file's part of a patch, for approvals and progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FileChange {
    Add {
        content: String,
    },
    Delete {
        #[serde(default)]
        content: String,
    },
    Update {
        unified_diff: String,
        #[serde(default)]
        move_path: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyPatchApprovalRequestEvent {
    pub call_id: String,
    pub changes: HashMap<PathBuf, FileChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A directory the person may grant write access to for the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_root: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchApplyBeginEvent {
    pub call_id: String,
    /// True when no person approved this patch because none had to.
    pub auto_approved: bool,
    pub changes: HashMap<PathBuf, FileChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchApplyEndEvent {
    pub call_id: String,
    pub stdout: String,
    pub stderr: String,
    pub success: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnDiffEvent {
    pub unified_diff: String,
}

/// The model looked at a local image (`view_image`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewImageToolCallEvent {
    pub call_id: String,
    pub path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSearchBeginEvent {
    pub call_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSearchEndEvent {
    pub call_id: String,
    pub query: String,
    /// What the search did (`{"type": "search", "query": ...}`, opening a
    /// page, ...), as the API reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetHistoryEntryResponseEvent {
    pub offset: usize,
    pub log_id: u64,
    /// None when there is no such entry or the file changed identity.
    #[serde(default)]
    pub entry: Option<HistoryEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContextCompactedEvent {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawResponseItemEvent {
    pub item: ResponseItem,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemStartedEvent {
    pub thread_id: ThreadId,
    pub turn_id: String,
    pub item: TurnItem,
    #[serde(default)]
    pub started_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemUpdatedEvent {
    pub thread_id: ThreadId,
    pub turn_id: String,
    pub item_id: String,
    pub update: ItemUpdate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemCompletedEvent {
    pub thread_id: ThreadId,
    pub turn_id: String,
    pub item: TurnItem,
    #[serde(default)]
    pub started_at_ms: i64,
    #[serde(default)]
    pub completed_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[test]
    fn clean_background_terminals_is_the_reference_op_with_an_optional_id() {
        let all: Op =
            serde_json::from_value(json!({"type": "clean_background_terminals"})).unwrap();
        assert_eq!(all, Op::CleanBackgroundTerminals { process_id: None });
        assert_eq!(
            serde_json::to_value(&all).unwrap(),
            json!({"type": "clean_background_terminals"})
        );
        let one: Op = serde_json::from_value(
            json!({"type": "clean_background_terminals", "process_id": "1234"}),
        )
        .unwrap();
        assert_eq!(
            one,
            Op::CleanBackgroundTerminals {
                process_id: Some("1234".into())
            }
        );
    }

    #[test]
    fn sandbox_policy_reads_old_and_new_tags() {
        let new: SandboxPolicy = serde_json::from_value(json!({
            "type": "workspace-write", "writable_roots": ["/x"], "network_access": true,
            "exclude_tmpdir_env_var": false, "exclude_slash_tmp": true
        }))
        .unwrap();
        let old: SandboxPolicy =
            serde_json::from_value(json!({"mode": "workspace-write", "writable_roots": ["/x"],
                "network_access": true, "exclude_slash_tmp": true}))
            .unwrap();
        assert_eq!(new, old);
        assert_eq!(
            serde_json::to_value(&new).unwrap(),
            json!({"type": "workspace-write", "writable_roots": ["/x"], "network_access": true,
                   "exclude_tmpdir_env_var": false, "exclude_slash_tmp": true})
        );
        assert_eq!(
            serde_json::to_value(SandboxPolicy::ReadOnly).unwrap(),
            json!({"type": "read-only"})
        );
        let err = serde_json::from_value::<SandboxPolicy>(json!({"type": "yolo"})).unwrap_err();
        assert!(err.to_string().contains("yolo"), "{err}");
    }

    #[test]
    fn writable_roots_follow_the_flags() {
        let cwd = Path::new("/repo");
        let tmp = Path::new("/var/tmp/me");
        let policy = SandboxPolicy::WorkspaceWrite {
            writable_roots: vec![PathBuf::from("/extra")],
            network_access: false,
            exclude_tmpdir_env_var: false,
            exclude_slash_tmp: false,
        };
        assert_eq!(
            policy.writable_roots(cwd, Some(tmp)),
            vec![
                PathBuf::from("/repo"),
                PathBuf::from("/extra"),
                PathBuf::from("/tmp"),
                PathBuf::from("/var/tmp/me")
            ]
        );
        let policy = SandboxPolicy::WorkspaceWrite {
            writable_roots: vec![],
            network_access: false,
            exclude_tmpdir_env_var: true,
            exclude_slash_tmp: true,
        };
        assert_eq!(
            policy.writable_roots(cwd, Some(tmp)),
            vec![PathBuf::from("/repo")]
        );
        assert!(
            SandboxPolicy::ReadOnly
                .writable_roots(cwd, Some(tmp))
                .is_empty()
        );
    }

    #[test]
    fn approval_policy_names() {
        assert_eq!(
            serde_json::to_string(&AskForApproval::UnlessTrusted).unwrap(),
            "\"untrusted\""
        );
        assert_eq!(
            serde_json::from_str::<AskForApproval>("\"unless-allow-listed\"").unwrap(),
            AskForApproval::UnlessTrusted
        );
        assert_eq!(
            serde_json::from_str::<AskForApproval>("\"on-failure\"").unwrap(),
            AskForApproval::OnFailure
        );
        assert_eq!(ReviewDecision::default(), ReviewDecision::Denied);
    }

    #[test]
    fn override_effort_distinguishes_absent_and_null() {
        let absent: Op = serde_json::from_value(json!({"type": "override_turn_context"})).unwrap();
        let cleared: Op =
            serde_json::from_value(json!({"type": "override_turn_context", "effort": null}))
                .unwrap();
        let Op::OverrideTurnContext { effort: a, .. } = absent else {
            panic!()
        };
        let Op::OverrideTurnContext { effort: c, .. } = cleared else {
            panic!()
        };
        assert_eq!(a, None);
        assert_eq!(c, Some(None));
    }

    #[test]
    fn token_usage_window() {
        let usage = TokenUsage {
            input_tokens: 100,
            cached_input_tokens: 10,
            output_tokens: 50,
            reasoning_output_tokens: 20,
            total_tokens: 150,
        };
        assert_eq!(usage.tokens_in_context_window(), 130);
    }
}
