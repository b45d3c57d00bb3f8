//! Turn items: the user-visible units of a turn, and the one model every
//! frontend shows.
//!
//! The engine announces each item's lifecycle exactly once — `item_started`,
//! any number of `item_updated` (streamed text, command output, a plan's new
//! state), then `item_completed` — and frontends map items to their own
//! format (`exec --json` lines, app-server notifications, TUI cells). The
//! order is part of the contract:
//!
//! - an approval request always names an item that has started;
//! - every started item completes, also when it was declined, failed or was
//!   interrupted, with the status that says so;
//! - `item_completed` is recorded in the session file, so a resumed or read
//!   thread rebuilds exactly the items that were shown live.
//!
//! The JSON shapes follow the reference's session files (`"type":
//! "CommandExecution"`, `"cwd": "file:///…"`, durations as `{secs, nanos}`),
//! so a file written by either is read by the other.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::mcp::{CallToolResult, McpInvocation};
use crate::parse_command::ParsedCommand;
use crate::plan::PlanItemArg;
use crate::protocol::FileChange;
use crate::user_input::UserInput;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum TurnItem {
    UserMessage(UserMessageItem),
    AgentMessage(AgentMessageItem),
    Reasoning(ReasoningItem),
    CommandExecution(CommandExecutionItem),
    FileChange(FileChangeItem),
    McpToolCall(McpToolCallItem),
    WebSearch(WebSearchItem),
    ImageView(ImageViewItem),
    /// The model's to-do list (`update_plan`): one item per turn, updated
    /// each time the model revises it.
    Plan(PlanItem),
    ContextCompaction(ContextCompactionItem),
    EnteredReviewMode(ReviewModeItem),
    ExitedReviewMode(ReviewModeItem),
    /// Questions the model asked the person (`request_user_input`).
    UserQuestions(UserQuestionsItem),
    /// The plan a plan-mode turn proposes, for the person to accept.
    ProposedPlan(ProposedPlanItem),
    /// A call of an agent tool (`spawn_agent`, `send_input`, `wait_agent`,
    /// `close_agent`, `resume_agent`): who asked, which agents, their state.
    CollabAgentToolCall(CollabAgentToolCallItem),
    /// What a sub-agent of `multi_agent_v2` did, as its parent sees it:
    /// started, was given work, was interrupted, finished.
    SubAgentActivity(SubAgentActivityItem),
}

impl TurnItem {
    pub fn id(&self) -> &str {
        match self {
            TurnItem::UserMessage(i) => &i.id,
            TurnItem::AgentMessage(i) => &i.id,
            TurnItem::Reasoning(i) => &i.id,
            TurnItem::CommandExecution(i) => &i.id,
            TurnItem::FileChange(i) => &i.id,
            TurnItem::McpToolCall(i) => &i.id,
            TurnItem::WebSearch(i) => &i.id,
            TurnItem::ImageView(i) => &i.id,
            TurnItem::Plan(i) => &i.id,
            TurnItem::ContextCompaction(i) => &i.id,
            TurnItem::EnteredReviewMode(i) | TurnItem::ExitedReviewMode(i) => &i.id,
            TurnItem::UserQuestions(i) => &i.id,
            TurnItem::ProposedPlan(i) => &i.id,
            TurnItem::CollabAgentToolCall(i) => &i.id,
            TurnItem::SubAgentActivity(i) => &i.id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserMessageItem {
    pub id: String,
    pub content: Vec<UserInput>,
}

impl UserMessageItem {
    /// The text parts, joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|c| match c {
                UserInput::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AgentMessageContent {
    Text { text: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentMessageItem {
    pub id: String,
    pub content: Vec<AgentMessageContent>,
}

impl AgentMessageItem {
    pub fn new(id: String, text: String) -> Self {
        Self {
            id,
            content: vec![AgentMessageContent::Text { text }],
        }
    }

    pub fn text(&self) -> String {
        self.content
            .iter()
            .map(|c| match c {
                AgentMessageContent::Text { text } => text.as_str(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasoningItem {
    pub id: String,
    pub summary_text: Vec<String>,
    #[serde(default)]
    pub raw_content: Vec<String>,
}

/// Where a command came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandSource {
    /// A one-shot command of the model's (`shell`, `shell_command`).
    #[default]
    Agent,
    /// An interactive command of the model's (`exec_command`).
    UnifiedExecStartup,
    /// A command the person ran with `!cmd`.
    UserShell,
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandExecutionStatus {
    InProgress,
    Completed,
    Failed,
    /// The person (or the policy) said no: it never ran.
    Declined,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandExecutionItem {
    /// The call id of the tool call that runs it.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<String>,
    pub command: Vec<String>,
    #[serde(with = "file_url")]
    pub cwd: PathBuf,
    #[serde(default)]
    pub parsed_cmd: Vec<ParsedCommand>,
    #[serde(default)]
    pub source: CommandSource,
    pub status: CommandExecutionStatus,
    #[serde(default)]
    pub aggregated_output: String,
    #[serde(default)]
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub duration: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchApplyStatus {
    InProgress,
    Completed,
    Failed,
    Declined,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileChangeItem {
    pub id: String,
    pub changes: HashMap<PathBuf, FileChange>,
    pub status: PatchApplyStatus,
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
}

impl FileChangeItem {
    /// The changed paths, sorted (the order every frontend shows).
    pub fn sorted_changes(&self) -> Vec<(&PathBuf, &FileChange)> {
        let mut changes: Vec<_> = self.changes.iter().collect();
        changes.sort_by(|a, b| a.0.cmp(b.0));
        changes
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum McpToolCallStatus {
    InProgress,
    Completed,
    Failed,
    Declined,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpToolCallItem {
    pub id: String,
    pub invocation: McpInvocation,
    pub status: McpToolCallStatus,
    /// `{"Ok": result}` or `{"Err": message}` once it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Result<CallToolResult, String>>,
    #[serde(default)]
    pub duration: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebSearchItem {
    pub id: String,
    pub query: String,
    /// What the search did, as the API reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageViewItem {
    pub id: String,
    pub path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanItem {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    pub plan: Vec<PlanItemArg>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextCompactionItem {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewModeItem {
    pub id: String,
    /// Entered: what is reviewed. Exited: the findings as text.
    pub review: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserQuestionsStatus {
    InProgress,
    Answered,
    /// Nobody answered: the turn ended first.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserQuestionsItem {
    /// The call id of the `request_user_input` call.
    pub id: String,
    pub questions: Vec<crate::user_questions::Question>,
    pub status: UserQuestionsStatus,
    /// The answers, once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<crate::user_questions::RequestUserInputResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedPlanItem {
    pub id: String,
    /// The plan, as Markdown.
    pub text: String,
}

/// Whether `event` repeats the item `previous` completed: the session file
/// keeps the older message events too, each right after its item.
pub fn repeats_item(
    previous: &crate::protocol::EventMsg,
    event: &crate::protocol::EventMsg,
) -> bool {
    use crate::protocol::EventMsg;
    let EventMsg::ItemCompleted(completed) = previous else {
        return false;
    };
    matches!(
        (&completed.item, event),
        (TurnItem::UserMessage(_), EventMsg::UserMessage(_))
            | (TurnItem::AgentMessage(_), EventMsg::AgentMessage(_))
            | (TurnItem::Reasoning(_), EventMsg::AgentReasoning(_))
    )
}

/// What changed in a started item.
// `Replaced` carries a whole item and is rare (a plan's new state); the
// deltas that stream by the hundred are small. Boxing the item would make
// every match on it clumsier for no measurable gain.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemUpdate {
    /// More of an agent message's text.
    AgentMessageDelta { delta: String },
    /// More of a reasoning summary's text.
    ReasoningSummaryDelta { delta: String },
    /// A new reasoning summary part begins.
    ReasoningSummaryPartAdded,
    /// More output of a running command.
    CommandOutputDelta {
        stream: crate::protocol::ExecOutputStream,
        chunk: String,
    },
    /// What applying a patch printed.
    FileChangeOutputDelta { delta: String },
    /// The item as it is now (a revised plan).
    Replaced { item: TurnItem },
}

/// `%XX` escapes of a URL path decoded (a malformed escape stays as it
/// is; bytes that are not UTF-8 become U+FFFD).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `cwd` as a `file://` URL, as the reference writes it; a plain path is
/// read too.
mod file_url {
    use std::path::PathBuf;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(path: &std::path::Path, s: S) -> Result<S::Ok, S::Error> {
        let mut url = String::from("file://");
        for byte in path.to_string_lossy().bytes() {
            if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
                url.push(byte as char);
            } else {
                url.push_str(&format!("%{byte:02X}"));
            }
        }
        s.serialize_str(&url)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        let text = String::deserialize(d)?;
        let Some(rest) = text.strip_prefix("file://") else {
            return Ok(PathBuf::from(text));
        };
        Ok(PathBuf::from(crate::items::percent_decode(rest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[test]
    fn reads_the_references_command_item() {
        let line = json!({"type": "CommandExecution", "id": "c1", "process_id": "12838",
            "command": ["/bin/bash", "-lc", "ls"], "cwd": "file:///home/user/my%20project",
            "parsed_cmd": [{"type": "unknown", "cmd": "ls"}], "source": "unified_exec_startup",
            "status": "completed", "aggregated_output": "a\n", "exit_code": 0,
            "duration": {"secs": 0, "nanos": 83448691}});
        let item: TurnItem = serde_json::from_value(line.clone()).unwrap();
        let TurnItem::CommandExecution(command) = &item else {
            panic!("{item:?}");
        };
        assert_eq!(command.cwd, PathBuf::from("/home/user/my project"));
        assert_eq!(command.source, CommandSource::UnifiedExecStartup);
        assert_eq!(serde_json::to_value(&item).unwrap(), line);
    }

    #[test]
    fn reads_a_plain_cwd() {
        let item: CommandExecutionItem = serde_json::from_value(json!({"id": "c",
            "command": ["ls"], "cwd": "/w", "status": "declined"}))
        .unwrap();
        assert_eq!(item.cwd, PathBuf::from("/w"));
        assert_eq!(item.status, CommandExecutionStatus::Declined);
    }
}

/// What happened to a `multi_agent_v2` sub-agent (the reference's
/// `SubAgentActivity` item, as its session file records it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubAgentActivityItem {
    pub id: String,
    pub kind: SubAgentActivityKind,
    pub agent_thread_id: String,
    /// The agent's path in its tree (`/root/w1`).
    pub agent_path: String,
    /// The model and effort it was started with (`started` only).
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub reasoning_effort: Option<crate::config_types::ReasoningEffort>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubAgentActivityKind {
    Started,
    Interacted,
    Interrupted,
    Completed,
}

impl SubAgentActivityItem {
    /// One line for people: `/root/w1 started`.
    pub fn line(&self) -> String {
        let what = match self.kind {
            SubAgentActivityKind::Started => "started",
            SubAgentActivityKind::Interacted => "was given work",
            SubAgentActivityKind::Interrupted => "was interrupted",
            SubAgentActivityKind::Completed => "finished",
        };
        format!("agent {} {what}", self.agent_path)
    }
}

/// Which agent tool a [`CollabAgentToolCallItem`] is (the reference's names;
/// `wait_agent` is `wait`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollabAgentTool {
    SpawnAgent,
    SendInput,
    ResumeAgent,
    Wait,
    CloseAgent,
}

/// Where a sub-agent is (the reference's `AgentStatus`: `"running"`,
/// `{"completed": "<final message>"}`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    PendingInit,
    Running,
    Interrupted,
    Completed(Option<String>),
    Errored(String),
    Shutdown,
    NotFound,
}

impl AgentStatus {
    /// Whether the agent has stopped working (a wait ends here).
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::PendingInit | Self::Running)
    }

    /// The status word, as `exec --json` prints it.
    pub fn word(&self) -> &'static str {
        match self {
            Self::PendingInit => "pending_init",
            Self::Running => "running",
            Self::Interrupted => "interrupted",
            Self::Completed(_) => "completed",
            Self::Errored(_) => "errored",
            Self::Shutdown => "shutdown",
            Self::NotFound => "not_found",
        }
    }

    /// The final message or error, if any.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Completed(message) => message.as_deref(),
            Self::Errored(message) => Some(message),
            _ => None,
        }
    }
}

/// The outcome of an agent tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollabToolCallStatus {
    InProgress,
    Completed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollabAgentToolCallItem {
    pub id: String,
    pub tool: CollabAgentTool,
    pub sender_thread_id: String,
    pub receiver_thread_ids: Vec<String>,
    /// The message sent (spawn, send_input).
    pub prompt: Option<String>,
    /// The last known status of each receiver, by thread id.
    pub agents_states: std::collections::BTreeMap<String, AgentStatus>,
    pub status: CollabToolCallStatus,
    /// The model and effort a spawned agent runs with (spawn only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<crate::config_types::ReasoningEffort>,
    /// Agents' names by thread id (for people; not in the reference's
    /// exec JSON).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub nicknames: std::collections::BTreeMap<String, String>,
}

impl CollabAgentToolCallItem {
    /// The tool as people read it.
    pub fn tool_name(&self) -> &'static str {
        match self.tool {
            CollabAgentTool::SpawnAgent => "spawn_agent",
            CollabAgentTool::SendInput => "send_input",
            CollabAgentTool::ResumeAgent => "resume_agent",
            CollabAgentTool::Wait => "wait_agent",
            CollabAgentTool::CloseAgent => "close_agent",
        }
    }

    /// One line per agent: its name (or id), status and final message's
    /// first line.
    pub fn agent_lines(&self) -> Vec<String> {
        self.receiver_thread_ids
            .iter()
            .map(|id| {
                let name = self
                    .nicknames
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| id.clone());
                match self.agents_states.get(id) {
                    Some(status) => match status.message() {
                        Some(message) => format!(
                            "{name}: {} — {}",
                            status.word(),
                            message.lines().next().unwrap_or_default()
                        ),
                        None => format!("{name}: {}", status.word()),
                    },
                    None => name,
                }
            })
            .collect()
    }
}
