//! Lines of a session file (`sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`).
//!
//! Each line is `{"timestamp": "...Z", "type": "...", "payload": {...}}`. The
//! types are `session_meta` (always first), `response_item`, `event_msg`,
//! `turn_context` and `compacted`. Resuming a session replays the
//! `response_item` and `compacted` lines; the rest is for people and tools.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ThreadId;
use crate::config_types::{ReasoningEffort, ReasoningSummary};
use crate::models::ResponseItem;
use crate::protocol::{AskForApproval, EventMsg, SandboxPolicy};

/// One line of a session file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolloutLine {
    /// UTC, `YYYY-MM-DDThh:mm:ss.mmmZ`.
    pub timestamp: String,
    /// The line's position in its file (0, 1, 2, ...). The reference numbers
    /// every line and refuses to append to a file whose last line has no
    /// number, so every writer continues the sequence. Older files have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordinal: Option<u64>,
    #[serde(flatten)]
    pub item: RolloutItem,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum RolloutItem {
    SessionMeta(SessionMetaLine),
    ResponseItem(ResponseItem),
    Compacted(CompactedItem),
    TurnContext(TurnContextItem),
    EventMsg(EventMsg),
}

/// Where a session was started from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SessionSource {
    Cli,
    #[default]
    VsCode,
    Exec,
    Mcp,
    /// Anything else the reference writes (custom sources).
    Unknown,
    /// A sub-agent spawned by another thread's `spawn_agent`; written as
    /// the reference writes it, `{"subagent":{"thread_spawn":{...}}}`.
    SubAgent(SubAgentSource),
}

/// Who spawned a sub-agent thread, and as what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubAgentSource {
    pub parent_thread_id: ThreadId,
    /// 1 for a child of a user's thread, 2 for its child, ...
    pub depth: u32,
    #[serde(default)]
    pub agent_path: Option<String>,
    #[serde(default)]
    pub agent_nickname: Option<String>,
    #[serde(default)]
    pub agent_role: Option<String>,
}

impl SessionSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::VsCode => "vscode",
            Self::Exec => "exec",
            Self::Mcp => "mcp",
            Self::Unknown => "unknown",
            Self::SubAgent(_) => "subagent",
        }
    }
}

impl Serialize for SessionSource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::SubAgent(source) => {
                serde_json::json!({"subagent": {"thread_spawn": source}}).serialize(serializer)
            }
            other => serializer.serialize_str(other.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for SessionSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The reference also writes objects here (`{"subagent": ...}`); a
        // thread spawn is read, anything else reads as Unknown instead of
        // failing.
        let value = serde_json::Value::deserialize(deserializer)?;
        if let Some(spawn) = value.pointer("/subagent/thread_spawn") {
            return Ok(serde_json::from_value(spawn.clone())
                .map(Self::SubAgent)
                .unwrap_or(Self::Unknown));
        }
        Ok(match value.as_str() {
            Some("cli") => Self::Cli,
            Some("vscode") => Self::VsCode,
            Some("exec") => Self::Exec,
            Some("mcp") => Self::Mcp,
            _ => Self::Unknown,
        })
    }
}

/// The first line of a session file. The field set is the reference's
/// (where this program has the value), so either program can list and
/// resume the other's sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    /// The reference writes the thread id twice, as `session_id` and `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<ThreadId>,
    pub id: ThreadId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forked_from_id: Option<ThreadId>,
    pub timestamp: String,
    pub cwd: PathBuf,
    /// The directories the session works in (the reference: the cwd).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_workspace_roots: Vec<PathBuf>,
    #[serde(default)]
    pub originator: String,
    #[serde(default)]
    pub cli_version: String,
    /// The user instructions (AGENTS.md) the session started with.
    #[serde(default)]
    pub instructions: Option<String>,
    #[serde(default)]
    pub source: SessionSource,
    /// Who started the thread; the reference writes `user` (`subagent`
    /// for a spawned agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_source: Option<String>,
    /// The thread that spawned this one (sub-agents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_thread_id: Option<ThreadId>,
    /// A sub-agent's name, as shown to people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_provider: Option<String>,
    /// The base instructions the session was started with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_instructions: Option<BaseInstructions>,
}

/// `{"text": "..."}` as the reference writes it; a bare string is read too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseInstructions {
    pub text: String,
}

impl<'de> Deserialize<'de> for BaseInstructions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Object { text: String },
        }
        Ok(match Raw::deserialize(deserializer)? {
            Raw::Text(text) | Raw::Object { text } => Self { text },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMetaLine {
    #[serde(flatten)]
    pub meta: SessionMeta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GitInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<String>,
}

/// The settings of one model request, written before each request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnContextItem {
    /// The submission id of the turn the request belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    pub cwd: PathBuf,
    #[serde(default)]
    pub approval_policy: AskForApproval,
    #[serde(default)]
    pub sandbox_policy: SandboxPolicy,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<ReasoningEffort>,
    #[serde(default)]
    pub summary: ReasoningSummary,
    /// Plan or default mode (in plan mode `sandbox_policy` is the
    /// read-only one the requests used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaboration_mode: Option<crate::config_types::CollaborationMode>,
}

/// A compaction: history up to here was replaced by a summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompactedItem {
    /// The summary the model wrote.
    pub message: String,
    /// The exact history that replaced the old one, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement_history: Option<Vec<ResponseItem>>,
}
