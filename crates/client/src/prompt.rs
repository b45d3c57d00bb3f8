//! What the engine asks the model: a [`Prompt`] and the [`ToolSpec`]s it offers.

use codex_protocol::models::ResponseItem;
use serde::Serialize;
use serde_json::Value;

/// One model request, independent of the wire protocol.
#[derive(Debug, Clone, Default)]
pub struct Prompt {
    /// The system/base instructions.
    pub instructions: String,
    /// The conversation so far (the full history: requests are stateless),
    /// shared with the session's history rather than copied per request.
    pub input: std::sync::Arc<Vec<ResponseItem>>,
    /// The outputs of `input` whose text is in a scratch file, not in the
    /// item (see [`crate::SpilledOutputs`]).
    pub spilled: crate::SpilledOutputs,
    /// Shared by the requests of a turn rather than copied per request.
    pub tools: std::sync::Arc<[ToolSpec]>,
    pub parallel_tool_calls: bool,
    /// Ask for a final answer matching this JSON schema.
    pub output_schema: Option<Value>,
}

/// A tool as the Responses API describes it. Chat Completions gets the same
/// tools as functions (see `chat.rs`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum ToolSpec {
    #[serde(rename = "function")]
    Function(FunctionTool),
    /// A tool whose input is free text constrained by a grammar (apply_patch).
    #[serde(rename = "custom")]
    Freeform(FreeformTool),
    /// The Responses API's built-in shell action (answered by the client).
    #[serde(rename = "local_shell")]
    LocalShell {},
    /// The Responses API's built-in web search (run by the server):
    /// `external_web_access` false searches the cached index only.
    #[serde(rename = "web_search")]
    WebSearch { external_web_access: bool },
    /// Tools grouped under one name (an MCP server's, `mcp__server`): the
    /// model calls them as `function_call`s that carry the `namespace`.
    #[serde(rename = "namespace")]
    Namespace(NamespaceTool),
    /// Searching deferred tools, run by us (`execution: client`): the model
    /// sends `tool_search_call` items and gets `tool_search_output` back.
    #[serde(rename = "tool_search")]
    ToolSearch {
        execution: String,
        description: String,
        parameters: Value,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamespaceTool {
    pub name: String,
    pub description: String,
    /// Each `{"type": "function", …}`.
    pub tools: Vec<NamespacedFunction>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename = "function")]
pub struct NamespacedFunction {
    pub name: String,
    pub description: String,
    pub strict: bool,
    /// Set on tools a search found: they were not listed up front.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defer_loading: Option<bool>,
    pub parameters: Value,
}

impl ToolSpec {
    pub fn name(&self) -> &str {
        match self {
            Self::Function(tool) => &tool.name,
            Self::Freeform(tool) => &tool.name,
            Self::LocalShell {} => "local_shell",
            Self::WebSearch { .. } => "web_search",
            Self::Namespace(namespace) => &namespace.name,
            Self::ToolSearch { .. } => "tool_search",
        }
    }

    /// Built into the Responses API, with no Chat Completions form.
    pub fn is_builtin(&self) -> bool {
        matches!(
            self,
            Self::LocalShell {} | Self::WebSearch { .. } | Self::ToolSearch { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionTool {
    pub name: String,
    pub description: String,
    pub strict: bool,
    /// A JSON schema of the arguments object.
    pub parameters: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreeformTool {
    pub name: String,
    pub description: String,
    pub format: FreeformToolFormat,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreeformToolFormat {
    /// `grammar`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `lark`.
    pub syntax: String,
    pub definition: String,
}
