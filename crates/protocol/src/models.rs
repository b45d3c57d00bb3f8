//! Conversation items in the exact JSON shape of the OpenAI Responses API.
//!
//! These are what the engine keeps as history, what it sends as `input`, what the
//! model streams back, and what the rollout file stores as `response_item` lines.
//!
//! Item ids (`msg_…`, `fc_…`) are read but never written: requests are sent with
//! `store: false`, and the API rejects references to items it did not store.

use std::collections::HashMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::user_input::UserInput;

/// One item of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseItem {
    Message {
        #[serde(default, skip_serializing)]
        id: Option<String>,
        role: String,
        content: Vec<ContentItem>,
    },
    Reasoning {
        #[serde(default, skip_serializing)]
        id: String,
        summary: Vec<ReasoningItemReasoningSummary>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<Vec<ReasoningItemContent>>,
        #[serde(default)]
        encrypted_content: Option<String>,
    },
    LocalShellCall {
        #[serde(default, skip_serializing)]
        id: Option<String>,
        /// Set by the Responses API; older payloads carried only `id`.
        #[serde(default)]
        call_id: Option<String>,
        status: LocalShellStatus,
        action: LocalShellAction,
    },
    FunctionCall {
        #[serde(default, skip_serializing)]
        id: Option<String>,
        name: String,
        /// The namespace of a tool offered in one (`mcp__server`): the call
        /// is for `name` inside it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        /// The arguments as the model wrote them: a JSON document in a string.
        arguments: String,
        call_id: String,
    },
    /// The model searches the deferred tools (`tool_search`, run by us:
    /// `execution` is `client`).
    ToolSearchCall {
        #[serde(default, skip_serializing)]
        id: Option<String>,
        call_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        #[serde(default = "client_execution")]
        execution: String,
        /// `{"query": …, "limit": …}`.
        #[serde(default)]
        arguments: serde_json::Value,
    },
    /// What a search found: namespaces with the matching tools, which the
    /// model may call from then on.
    ToolSearchOutput {
        call_id: String,
        #[serde(default = "completed_status")]
        status: String,
        #[serde(default = "client_execution")]
        execution: String,
        #[serde(default)]
        tools: Vec<serde_json::Value>,
    },
    FunctionCallOutput {
        call_id: String,
        output: FunctionCallOutputPayload,
    },
    CustomToolCall {
        #[serde(default, skip_serializing)]
        id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        call_id: String,
        name: String,
        input: String,
    },
    CustomToolCallOutput {
        call_id: String,
        output: String,
    },
    WebSearchCall {
        #[serde(default, skip_serializing)]
        id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        action: Option<serde_json::Value>,
    },
    /// A message between agents of one tree (`multi_agent_v2`): a task,
    /// a note or a final answer, from `author` to `recipient` (agent paths
    /// such as `/root/w1`). The header part names the kind; the payload is
    /// the last part.
    AgentMessage {
        id: String,
        author: String,
        recipient: String,
        content: Vec<AgentMessageContent>,
    },
    /// An item type this version does not know (the API and the reference keep
    /// adding kinds). Kept so that reading never fails; never sent.
    #[serde(other)]
    Other,
}

/// One part of an [`ResponseItem::AgentMessage`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentMessageContent {
    InputText {
        text: String,
    },
    /// A payload the sender's model wrote into a parameter marked
    /// `encrypted` (sent as the sender gave it).
    EncryptedContent {
        encrypted_content: String,
    },
}

impl ResponseItem {
    /// A user-role message with a single text part.
    pub fn user_text(text: impl Into<String>) -> Self {
        Self::Message {
            id: None,
            role: "user".to_string(),
            content: vec![ContentItem::InputText { text: text.into() }],
        }
    }

    /// An assistant message with a single output-text part.
    pub fn assistant_text(text: impl Into<String>) -> Self {
        Self::Message {
            id: None,
            role: "assistant".to_string(),
            content: vec![ContentItem::OutputText { text: text.into() }],
        }
    }

    /// The id the model's tool call should be answered with, if this is a call.
    pub fn call_id(&self) -> Option<&str> {
        match self {
            Self::FunctionCall { call_id, .. }
            | Self::CustomToolCall { call_id, .. }
            | Self::ToolSearchCall { call_id, .. } => Some(call_id),
            Self::LocalShellCall { call_id, id, .. } => call_id.as_deref().or(id.as_deref()),
            _ => None,
        }
    }

    /// The call id of a tool output (of any kind).
    pub fn output_call_id(&self) -> Option<&str> {
        match self {
            Self::FunctionCallOutput { call_id, .. }
            | Self::CustomToolCallOutput { call_id, .. }
            | Self::ToolSearchOutput { call_id, .. } => Some(call_id),
            _ => None,
        }
    }

    /// The text of a tool output that is only text (not content parts).
    pub fn text_output_mut(&mut self) -> Option<&mut String> {
        match self {
            Self::FunctionCallOutput {
                output:
                    FunctionCallOutputPayload {
                        content,
                        content_items: None,
                        ..
                    },
                ..
            }
            | Self::CustomToolCallOutput {
                output: content, ..
            } => Some(content),
            _ => None,
        }
    }
}

/// One part of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentItem {
    InputText { text: String },
    InputImage { image_url: String },
    OutputText { text: String },
}

impl ContentItem {
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::InputText { text } | Self::OutputText { text } => Some(text),
            Self::InputImage { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReasoningItemReasoningSummary {
    SummaryText { text: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReasoningItemContent {
    ReasoningText { text: String },
    Text { text: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalShellStatus {
    Completed,
    InProgress,
    Incomplete,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LocalShellAction {
    Exec(LocalShellExecAction),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalShellExecAction {
    pub command: Vec<String>,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    #[serde(default)]
    pub working_directory: Option<String>,
    #[serde(default)]
    pub env: Option<HashMap<String, String>>,
    #[serde(default)]
    pub user: Option<String>,
}

/// The output of a function call as sent back to the model.
///
/// On the wire this is a plain string (`"output": "..."`), or, when the output
/// carries images (an MCP tool's), an array of `input_text`/`input_image`
/// parts. `success` is local bookkeeping (used for telemetry and `exec`
/// output) and is never serialized. Reading accepts both forms; `content` is
/// then the parts' text joined.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FunctionCallOutputPayload {
    pub content: String,
    pub success: Option<bool>,
    /// The parts, when the output is more than text.
    pub content_items: Option<Vec<ContentItem>>,
}

impl FunctionCallOutputPayload {
    pub fn success(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            success: Some(true),
            content_items: None,
        }
    }

    pub fn failure(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            success: Some(false),
            content_items: None,
        }
    }
}

impl Serialize for FunctionCallOutputPayload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.content_items {
            Some(items) => items.serialize(serializer),
            None => serializer.serialize_str(&self.content),
        }
    }
}

impl<'de> Deserialize<'de> for FunctionCallOutputPayload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        match value {
            serde_json::Value::String(content) => Ok(Self {
                content,
                success: None,
                content_items: None,
            }),
            serde_json::Value::Array(parts) => {
                let texts: Vec<&str> = parts
                    .iter()
                    .filter_map(|part| part.get("text").and_then(|t| t.as_str()))
                    .collect();
                let items: Vec<ContentItem> = parts
                    .iter()
                    .filter_map(|part| serde_json::from_value(part.clone()).ok())
                    .collect();
                Ok(Self {
                    content: texts.join("\n"),
                    success: None,
                    content_items: Some(items),
                })
            }
            // Very old rollouts stored `{content, success}`.
            serde_json::Value::Object(map) => {
                let content = map
                    .get("content")
                    .and_then(|c| c.as_str())
                    .ok_or_else(|| D::Error::custom("function call output without `content`"))?
                    .to_string();
                let success = map.get("success").and_then(|s| s.as_bool());
                Ok(Self {
                    content,
                    success,
                    content_items: None,
                })
            }
            other => Err(D::Error::custom(format!(
                "expected a string for function call output, found {other}"
            ))),
        }
    }
}

/// Items the engine creates to answer the model (tool outputs) or to pass on
/// user input. Every one of them becomes a [`ResponseItem`] in history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseInputItem {
    Message {
        role: String,
        content: Vec<ContentItem>,
    },
    FunctionCallOutput {
        call_id: String,
        output: FunctionCallOutputPayload,
    },
    CustomToolCallOutput {
        call_id: String,
        output: String,
    },
    ToolSearchOutput {
        call_id: String,
        tools: Vec<serde_json::Value>,
    },
}

fn client_execution() -> String {
    "client".to_string()
}

fn completed_status() -> String {
    "completed".to_string()
}

impl From<ResponseInputItem> for ResponseItem {
    fn from(item: ResponseInputItem) -> Self {
        match item {
            ResponseInputItem::Message { role, content } => Self::Message {
                id: None,
                role,
                content,
            },
            ResponseInputItem::FunctionCallOutput { call_id, output } => {
                Self::FunctionCallOutput { call_id, output }
            }
            ResponseInputItem::CustomToolCallOutput { call_id, output } => {
                Self::CustomToolCallOutput { call_id, output }
            }
            ResponseInputItem::ToolSearchOutput { call_id, tools } => Self::ToolSearchOutput {
                call_id,
                status: completed_status(),
                execution: client_execution(),
                tools,
            },
        }
    }
}

impl ResponseInputItem {
    /// A user message from already-encoded input. Local images must have been
    /// turned into [`UserInput::Image`] first (that needs I/O, which this crate
    /// does not do); any left over are skipped.
    pub fn from_user_input(items: &[UserInput]) -> Self {
        let content = items
            .iter()
            .filter_map(|item| match item {
                UserInput::Text { text } => Some(ContentItem::InputText { text: text.clone() }),
                UserInput::Image { image_url } => Some(ContentItem::InputImage {
                    image_url: image_url.clone(),
                }),
                UserInput::LocalImage { .. } => None,
            })
            .collect();
        Self::Message {
            role: "user".to_string(),
            content,
        }
    }
}
