//! MCP as the engine reports it: server start-up, tool calls and their
//! results, and a server's requests for input (elicitation). Shapes follow
//! the reference, so session files and `codex/event` notifications read the
//! same in both.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which tool of which server, with what arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpInvocation {
    pub server: String,
    pub tool: String,
    #[serde(default)]
    pub arguments: Option<serde_json::Value>,
}

/// What a tool call returned, as MCP defines it: content blocks (text,
/// images, resources, as JSON), optional structured content, and whether
/// the tool reports an error.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    #[serde(default)]
    pub content: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
}

impl CallToolResult {
    /// The result as a person reads it: the structured content when there
    /// is some, else the text blocks, with `[image]`-style stand-ins for the
    /// others (and their JSON when they do not even say their type).
    pub fn display_text(&self) -> String {
        if let Some(structured) = &self.structured_content {
            return structured.to_string();
        }
        self.content
            .iter()
            .map(|block| match block.get("text").and_then(|t| t.as_str()) {
                Some(text) => text.to_string(),
                None => block
                    .get("type")
                    .and_then(|t| t.as_str())
                    .map_or_else(|| block.to_string(), |kind| format!("[{kind}]")),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpToolCallBeginEvent {
    pub call_id: String,
    pub invocation: McpInvocation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpToolCallEndEvent {
    pub call_id: String,
    pub invocation: McpInvocation,
    pub duration: Duration,
    /// `{"Ok": result}` or `{"Err": message}`.
    pub result: Result<CallToolResult, String>,
}

impl McpToolCallEndEvent {
    /// True when the call failed or the tool reported an error.
    pub fn is_failure(&self) -> bool {
        match &self.result {
            Ok(result) => result.is_error.unwrap_or(false),
            Err(_) => true,
        }
    }
}

/// Where one server is in its start-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum McpStartupStatus {
    Starting,
    Ready,
    Failed { error: String },
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpStartupUpdateEvent {
    pub server: String,
    pub status: McpStartupStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpStartupFailure {
    pub server: String,
    pub error: String,
}

/// Every configured server has started or failed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct McpStartupCompleteEvent {
    pub ready: Vec<String>,
    pub failed: Vec<McpStartupFailure>,
    #[serde(default)]
    pub cancelled: Vec<String>,
}

/// A server asks the person for input (`elicitation/create`). Answered with
/// `Op::ResolveElicitation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElicitationRequestEvent {
    pub server_name: String,
    /// The request's id, unique per server.
    pub id: String,
    pub message: String,
    /// The JSON schema of the form the server wants filled (form mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_schema: Option<serde_json::Value>,
}

/// The person's answer to an elicitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElicitationAction {
    Accept,
    Decline,
    Cancel,
}

/// One tool of one server, as `ListMcpTools` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpToolSummary {
    pub server: String,
    pub tool: String,
    #[serde(default)]
    pub description: String,
}

/// The answer to `Op::ListMcpTools`: tools by the name the model sees, and
/// the servers that failed to start with why.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct McpListToolsResponseEvent {
    pub tools: std::collections::BTreeMap<String, McpToolSummary>,
    #[serde(default)]
    pub failed: Vec<McpStartupFailure>,
    /// Servers still starting when the list was taken (the answer never
    /// waits for them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starting: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[test]
    fn display_text_prefers_structured_content_then_text_blocks() {
        let mut result = CallToolResult {
            content: vec![
                json!({"type": "text", "text": "hello"}),
                json!({"type": "image", "data": "AAAA", "mimeType": "image/png"}),
                json!({"odd": 1}),
            ],
            structured_content: None,
            is_error: None,
        };
        assert_eq!(result.display_text(), "hello\n[image]\n{\"odd\":1}");
        result.structured_content = Some(json!({"answer": 42}));
        assert_eq!(result.display_text(), "{\"answer\":42}");
    }
}
