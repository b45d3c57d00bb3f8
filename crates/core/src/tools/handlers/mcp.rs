//! The tools of the session's MCP servers, each offered as
//! `mcp__SERVER__TOOL`, resolved while the turn runs (see
//! [`McpToolProvider`]).
//!
//! A call may need approval first: per tool `approval_mode` (`approve`
//! never asks, `prompt` always does), else as the policy says (`untrusted`
//! asks unless the server marks the tool read-only; `on-request` and
//! `on-failure` ask for tools marked destructive; `never` never asks). The
//! question goes out as a command approval (`mcp: SERVER/TOOL {args}`), so
//! every frontend can answer it. Calls never run in parallel. The model
//! gets the structured content when the server sends it, else the content
//! blocks, images forwarded as images; a failed call or an `isError` result
//! is a failed output.

use std::sync::Arc;
use std::time::Instant;

use codex_client::{FunctionTool, ToolSpec};
use codex_config::mcp::McpToolApproval;
use codex_mcp::{McpConnectionManager, McpToolInfo};
use codex_protocol::mcp::{
    CallToolResult, McpInvocation, McpToolCallBeginEvent, McpToolCallEndEvent,
};
use codex_protocol::models::ContentItem;
use codex_protocol::protocol::{AskForApproval, EventMsg, ReviewDecision};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use crate::mcp::McpState;
use crate::tools::call_description::{ApprovalSubject, CallDescription};
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput, ToolPayload, ToolProvider};

/// Offers the tools of the servers that started.
pub(crate) struct McpToolProvider {
    pub(crate) state: Arc<McpState>,
}

impl ToolProvider for McpToolProvider {
    fn specs(&self) -> Vec<ToolSpec> {
        let Some(manager) = self.state.current() else {
            return Vec::new();
        };
        let mut specs: Vec<ToolSpec> = manager.tools().iter().map(spec_of).collect();
        if manager.has_resources() {
            specs.extend(super::mcp_resource::specs());
        }
        specs
    }

    fn handler(&self, name: &str) -> Option<Arc<dyn ToolHandler>> {
        let manager = self.state.current()?;
        if let Some(handler) = super::mcp_resource::handler(name, &manager) {
            return Some(handler);
        }
        let info = manager.tool(name)?.clone();
        Some(Arc::new(McpToolHandler {
            info,
            manager,
            state: Arc::clone(&self.state),
        }))
    }
}

fn spec_of(info: &McpToolInfo) -> ToolSpec {
    ToolSpec::Function(FunctionTool {
        name: info.qualified_name.clone(),
        description: info.description.clone(),
        strict: false,
        parameters: info.parameters.clone(),
    })
}

struct McpToolHandler {
    info: McpToolInfo,
    manager: Arc<McpConnectionManager>,
    state: Arc<McpState>,
}

/// Whether a call of `info` asks first under `policy`.
fn needs_approval(info: &McpToolInfo, policy: AskForApproval) -> bool {
    match info.approval {
        McpToolApproval::Approve => false,
        McpToolApproval::Prompt => true,
        McpToolApproval::Auto => match policy {
            AskForApproval::UnlessTrusted => !info.read_only,
            AskForApproval::OnRequest | AskForApproval::OnFailure => info.destructive,
            AskForApproval::Never => false,
        },
    }
}

impl ToolHandler for McpToolHandler {
    fn spec(&self) -> ToolSpec {
        spec_of(&self.info)
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        let info = self.info.clone();
        let manager = Arc::clone(&self.manager);
        let state = Arc::clone(&self.state);
        async move {
            let arguments = match &invocation.payload {
                ToolPayload::Function { arguments } if arguments.trim().is_empty() => None,
                ToolPayload::Function { arguments } => match serde_json::from_str::<Value>(arguments) {
                    Ok(value) => Some(value),
                    Err(err) => {
                        return ToolOutput::failure(format!("failed to parse function arguments: {err}"));
                    }
                },
                _ => return ToolOutput::failure("MCP tools take function calls".to_string()),
            };
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            crate::memories::exclude_if_configured(session, "used MCP tools");
            if needs_approval(&info, ctx.approval_policy) && !state.is_tool_approved(&info.qualified_name) {
                if ctx.approval_policy == AskForApproval::Never {
                    return ToolOutput::failure(format!(
                        "the MCP tool {}/{} needs approval (approval_mode = \"prompt\"), and the approval policy is never",
                        info.server, info.tool
                    ));
                }
                let args_text = arguments
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "{}".to_string());
                let reason = if info.destructive {
                    "the server marks this tool as destructive"
                } else {
                    "an MCP tool call"
                };
                // The call's item starts before its approval is asked, so
                // the request names it and a refusal completes it.
                session.start_item(
                    ctx,
                    crate::item_lifecycle::mcp_call(
                        &invocation.call_id,
                        McpInvocation {
                            server: info.server.clone(),
                            tool: info.tool.clone(),
                            arguments: arguments.clone(),
                        },
                    ),
                );
                let description = CallDescription::arguments(&invocation.payload);
                let subject = ApprovalSubject {
                    tool: &invocation.tool_name,
                    description: &description,
                };
                let decision = session
                    .request_command_approval(
                        ctx,
                        &invocation.call_id,
                        &[format!("mcp: {}/{}", info.server, info.tool), args_text],
                        ctx.cwd.clone(),
                        Some(reason.to_string()),
                        subject,
                    )
                    .await;
                match decision {
                    ReviewDecision::Approved => {}
                    ReviewDecision::ApprovedForSession => state.approve_tool(&info.qualified_name),
                    ReviewDecision::Denied | ReviewDecision::Abort => {
                        return ToolOutput::failure("the person did not approve this call".to_string());
                    }
                }
            }

            let invocation_event = McpInvocation {
                server: info.server.clone(),
                tool: info.tool.clone(),
                arguments: arguments.clone(),
            };
            session
                .send_event(
                    &ctx.sub_id,
                    EventMsg::McpToolCallBegin(McpToolCallBeginEvent {
                        call_id: invocation.call_id.clone(),
                        invocation: invocation_event.clone(),
                    }),
                )
                .await;
            let started = Instant::now();
            let result = manager
                .call_tool(&info.server, &info.tool, arguments)
                .await
                .map_err(|err| err.to_string());
            let output = to_tool_output(&result);
            session
                .send_event(
                    &ctx.sub_id,
                    EventMsg::McpToolCallEnd(McpToolCallEndEvent {
                        call_id: invocation.call_id.clone(),
                        invocation: invocation_event,
                        duration: started.elapsed(),
                        result,
                    }),
                )
                .await;
            output
        }
        .boxed()
    }
}

/// What the model gets back from a call.
pub(crate) fn to_tool_output(result: &Result<CallToolResult, String>) -> ToolOutput {
    let result = match result {
        Ok(result) => result,
        Err(message) => return ToolOutput::failure(format!("tool call failed: {message}")),
    };
    let success = !result.is_error.unwrap_or(false);
    if let Some(structured) = &result.structured_content {
        return ToolOutput {
            content: structured.to_string(),
            success,
            content_items: None,
        };
    }
    let mut texts = Vec::new();
    let mut items = Vec::new();
    let mut has_image = false;
    for block in &result.content {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => {
                let text = block
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                texts.push(text.to_string());
                items.push(ContentItem::InputText {
                    text: text.to_string(),
                });
            }
            Some("image") => {
                let data = block
                    .get("data")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let mime = block
                    .get("mimeType")
                    .and_then(Value::as_str)
                    .unwrap_or("image/png");
                has_image = true;
                items.push(ContentItem::InputImage {
                    image_url: format!("data:{mime};base64,{data}"),
                });
            }
            _ => {
                // Resources, links, audio: as the JSON the server sent.
                let text = block.to_string();
                texts.push(text.clone());
                items.push(ContentItem::InputText { text });
            }
        }
    }
    ToolOutput {
        content: texts.join("\n"),
        success,
        content_items: has_image.then_some(items),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(approval: McpToolApproval, read_only: bool, destructive: bool) -> McpToolInfo {
        McpToolInfo {
            qualified_name: "mcp__s__t".into(),
            server: "s".into(),
            tool: "t".into(),
            description: String::new(),
            parameters: json!({}),
            read_only,
            destructive,
            approval,
        }
    }

    #[test]
    fn approval_follows_the_mode_then_the_policy() {
        use AskForApproval::*;
        assert!(!needs_approval(
            &info(McpToolApproval::Approve, false, true),
            UnlessTrusted
        ));
        assert!(needs_approval(
            &info(McpToolApproval::Prompt, true, false),
            OnRequest
        ));
        assert!(needs_approval(
            &info(McpToolApproval::Auto, false, false),
            UnlessTrusted
        ));
        assert!(!needs_approval(
            &info(McpToolApproval::Auto, true, false),
            UnlessTrusted
        ));
        assert!(needs_approval(
            &info(McpToolApproval::Auto, false, true),
            OnRequest
        ));
        assert!(!needs_approval(
            &info(McpToolApproval::Auto, false, false),
            OnRequest
        ));
        assert!(!needs_approval(
            &info(McpToolApproval::Auto, false, true),
            Never
        ));
    }

    #[test]
    fn outputs_prefer_structured_content_and_keep_images() {
        let structured = to_tool_output(&Ok(CallToolResult {
            content: vec![json!({"type": "text", "text": "22°C"})],
            structured_content: Some(json!({"temperature": 22})),
            is_error: None,
        }));
        assert_eq!(structured.content, r#"{"temperature":22}"#);
        let image = to_tool_output(&Ok(CallToolResult {
            content: vec![
                json!({"type": "text", "text": "here"}),
                json!({"type": "image", "data": "AAAA", "mimeType": "image/png"}),
            ],
            structured_content: None,
            is_error: Some(true),
        }));
        assert!(!image.success);
        assert_eq!(image.content, "here");
        assert_eq!(
            image.content_items.unwrap()[1],
            ContentItem::InputImage {
                image_url: "data:image/png;base64,AAAA".into()
            }
        );
        let failed = to_tool_output(&Err("timed out".into()));
        assert!(!failed.success && failed.content.contains("timed out"));
    }
}
