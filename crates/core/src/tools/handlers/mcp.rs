//! The tools of the session's MCP servers, resolved while the turn runs
//! (see [`McpToolProvider`]): each request offers the tools of the servers
//! ready then; a call of a tool of a server still starting waits for it.
//!
//! Approvals follow the reference: a tool the server marks read-only runs;
//! any other follows its `approval_mode` (the tool's, else the server's
//! `default_tools_approval_mode`, else `auto`): `approve` runs, `auto` and
//! `prompt` (which asks for read-only tools too) ask through the session's
//! command approval (`mcp: SERVER/TOOL {args}`), so every frontend can
//! answer; under the `never` policy such a call is refused with the
//! reference's words. Calls never run in parallel. The model gets
//! `Wall time: …\nOutput:\n` and the structured content when the server
//! sends it, else the content blocks, images forwarded as images; a failed
//! call or an `isError` result is a failed output.

use std::sync::Arc;
use std::time::Instant;

use codex_client::{FunctionTool, NamespaceTool, NamespacedFunction, ToolSpec};
use codex_config::mcp::McpToolApproval;
use codex_mcp::{McpConnectionManager, McpToolInfo, ServerState};
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

/// How MCP tools are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum McpToolMode {
    /// Each a function `mcp__server__tool` (Chat Completions: no namespaces).
    Flat,
    /// Each server a namespace `mcp__server` of functions (Responses).
    Namespaces,
    /// Not listed: the model finds them with `tool_search` (models whose
    /// catalog entry takes it, on Responses).
    Deferred,
}

impl McpToolMode {
    pub(crate) fn for_turn(supports_tool_search: bool, responses: bool) -> Self {
        match (responses, supports_tool_search) {
            (false, _) => Self::Flat,
            (true, false) => Self::Namespaces,
            (true, true) => Self::Deferred,
        }
    }
}

/// Offers the tools of the servers that are ready now (asked again for
/// every request, so a server that becomes ready joins the next one).
pub(crate) struct McpToolProvider {
    pub(crate) state: Arc<McpState>,
    pub(crate) mode: McpToolMode,
}

impl ToolProvider for McpToolProvider {
    fn specs(&self) -> Vec<ToolSpec> {
        let Some(manager) = self.state.current() else {
            return Vec::new();
        };
        if manager.server_names().is_empty() {
            return Vec::new();
        }
        // The resource tools are listed once any server is configured, as
        // the reference does.
        let mut specs = super::mcp_resource::specs();
        match self.mode {
            McpToolMode::Flat => specs.extend(manager.tools().iter().map(spec_of)),
            McpToolMode::Namespaces => specs.extend(namespace_specs(&manager.tools())),
            McpToolMode::Deferred => specs.push(super::tool_search::spec()),
        }
        specs
    }

    fn handler(&self, name: &str) -> Option<Arc<dyn ToolHandler>> {
        if self.mode == McpToolMode::Deferred && name == crate::tools::router::TOOL_SEARCH {
            return Some(Arc::new(super::tool_search::ToolSearchHandler {
                state: Arc::clone(&self.state),
            }));
        }
        let manager = self.state.current()?;
        if let Some(handler) = super::mcp_resource::handler(name, &manager) {
            return Some(handler);
        }
        let target = match manager.tool_for_call(name) {
            Some(info) => Target::Known(info),
            // A tool of a server still starting: the call waits for it.
            None if !manager.starting_servers_for(name).is_empty() => {
                Target::Pending(name.to_string())
            }
            None => return None,
        };
        Some(Arc::new(McpToolHandler {
            target,
            manager,
            state: Arc::clone(&self.state),
        }))
    }
}

/// One namespace per server, in name order, its tools in name order.
fn namespace_specs(tools: &[McpToolInfo]) -> Vec<ToolSpec> {
    let mut by_namespace: std::collections::BTreeMap<&str, Vec<&McpToolInfo>> =
        std::collections::BTreeMap::new();
    for tool in tools {
        by_namespace.entry(&tool.namespace).or_default().push(tool);
    }
    by_namespace
        .into_iter()
        .map(|(namespace, mut tools)| {
            tools.sort_by(|a, b| a.name_in_namespace.cmp(&b.name_in_namespace));
            ToolSpec::Namespace(NamespaceTool {
                name: namespace.to_string(),
                description: super::tool_search::namespace_description(&tools[0].server),
                tools: tools
                    .into_iter()
                    .map(|t| NamespacedFunction {
                        name: t.name_in_namespace.clone(),
                        description: t.description.clone(),
                        strict: false,
                        defer_loading: None,
                        parameters: t.parameters.clone(),
                    })
                    .collect(),
            })
        })
        .collect()
}

fn spec_of(info: &McpToolInfo) -> ToolSpec {
    ToolSpec::Function(FunctionTool {
        name: info.qualified_name.clone(),
        description: info.description.clone(),
        strict: false,
        parameters: info.parameters.clone(),
    })
}

/// Which tool a call is for.
enum Target {
    Known(McpToolInfo),
    /// Named after a server that is still starting: resolved once it is
    /// ready.
    Pending(String),
}

struct McpToolHandler {
    target: Target,
    manager: Arc<McpConnectionManager>,
    state: Arc<McpState>,
}

impl McpToolHandler {
    /// The tool, once every server it could belong to has settled.
    async fn resolve(
        target: Target,
        manager: &McpConnectionManager,
    ) -> Result<McpToolInfo, String> {
        match target {
            Target::Known(info) => Ok(info),
            Target::Pending(name) => {
                let mut failures = Vec::new();
                for server in manager.starting_servers_for(&name) {
                    if let Some(ServerState::Failed(error)) = manager.wait_for(&server).await {
                        failures.push(error);
                    }
                }
                manager
                    .tool_for_call(&name)
                    .ok_or_else(|| match failures.as_slice() {
                        [] => format!("unsupported call: {name}"),
                        _ => format!("unsupported call: {name} ({})", failures.join("; ")),
                    })
            }
        }
    }
}

/// What happens to a call before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Run,
    Ask,
    /// It needs approval and nobody may be asked.
    Refuse,
}

/// The reference's rule: a tool the server marks read-only runs (unless its
/// mode is `prompt`); any other follows its `approval_mode` (the tool's, else
/// the server's `default_tools_approval_mode`, else `auto`): `approve` runs,
/// `prompt` and `auto` ask — and under the `never` policy, where nobody may
/// be asked, the call is refused.
fn gate(info: &McpToolInfo, policy: AskForApproval) -> Gate {
    let asks = match info.approval {
        McpToolApproval::Approve => false,
        McpToolApproval::Prompt => true,
        McpToolApproval::Auto => !info.read_only,
    };
    match (asks, policy) {
        (false, _) => Gate::Run,
        (true, AskForApproval::Never) => Gate::Refuse,
        (true, _) => Gate::Ask,
    }
}

/// The output of a refused call, word for word the reference's.
const REFUSED_UNDER_NEVER: &str = "MCP tool call requires approval, but approval policy is never";

impl ToolHandler for McpToolHandler {
    fn spec(&self) -> ToolSpec {
        match &self.target {
            Target::Known(info) => spec_of(info),
            Target::Pending(name) => ToolSpec::Function(FunctionTool {
                name: name.clone(),
                description: String::new(),
                strict: false,
                parameters: serde_json::json!({"type": "object", "properties": {}}),
            }),
        }
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        let target = match &self.target {
            Target::Known(info) => Target::Known(info.clone()),
            Target::Pending(name) => Target::Pending(name.clone()),
        };
        let manager = Arc::clone(&self.manager);
        let state = Arc::clone(&self.state);
        async move {
            let info = match Self::resolve(target, &manager).await {
                Ok(info) => info,
                Err(message) => return ToolOutput::failure(message),
            };
            let arguments = match &invocation.payload {
                ToolPayload::Function { arguments } if arguments.trim().is_empty() => None,
                ToolPayload::Function { arguments } => {
                    match serde_json::from_str::<Value>(arguments) {
                        Ok(value) => Some(value),
                        Err(err) => {
                            return ToolOutput::failure(format!(
                                "failed to parse function arguments: {err}"
                            ));
                        }
                    }
                }
                _ => return ToolOutput::failure("MCP tools take function calls".to_string()),
            };
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            crate::memories::exclude_if_configured(session, "used MCP tools");
            let invocation_event = McpInvocation {
                server: info.server.clone(),
                tool: info.tool.clone(),
                arguments: arguments.clone(),
            };
            // Begun before any approval is asked: the call's item has
            // started when the request names it, and a refusal completes it.
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
            let approved = match gate(&info, ctx.approval_policy) {
                _ if state.is_tool_approved(&info.qualified_name) => Ok(()),
                Gate::Run => Ok(()),
                Gate::Refuse => Err(REFUSED_UNDER_NEVER.to_string()),
                Gate::Ask => ask(&invocation, &info, arguments.as_ref(), &state).await,
            };
            let result = match approved {
                Ok(()) => manager
                    .call_tool(&info.server, &info.tool, arguments)
                    .await
                    .map_err(|err| err.to_string()),
                Err(refusal) => Err(refusal),
            };
            let duration = started.elapsed();
            let output = to_tool_output(&result, duration);
            session
                .send_event(
                    &ctx.sub_id,
                    EventMsg::McpToolCallEnd(McpToolCallEndEvent {
                        call_id: invocation.call_id.clone(),
                        invocation: invocation_event,
                        duration,
                        result,
                    }),
                )
                .await;
            output
        }
        .boxed()
    }
}

/// Asks the person through the session's command approval
/// (`mcp: SERVER/TOOL {args}`), so every frontend can answer.
async fn ask(
    invocation: &ToolInvocation,
    info: &McpToolInfo,
    arguments: Option<&Value>,
    state: &McpState,
) -> Result<(), String> {
    let args_text = arguments.map_or_else(|| "{}".to_string(), Value::to_string);
    let reason = if info.destructive {
        "the server marks this tool as destructive"
    } else {
        "an MCP tool that may change something"
    };
    let description = CallDescription::arguments(&invocation.payload);
    let subject = ApprovalSubject {
        tool: &invocation.tool_name,
        description: &description,
    };
    let decision = crate::approvals::request_command(
        &invocation.session,
        &invocation.ctx,
        &invocation.call_id,
        &[format!("mcp: {}/{}", info.server, info.tool), args_text],
        invocation.ctx.cwd.clone(),
        Some(reason.to_string()),
        subject,
    )
    .await;
    match decision {
        // No rule is proposed for a tool call; approving with one is approving.
        ReviewDecision::Approved | ReviewDecision::ApprovedExecpolicyAmendment => Ok(()),
        ReviewDecision::ApprovedForSession => {
            state.approve_tool(&info.qualified_name);
            Ok(())
        }
        ReviewDecision::Denied | ReviewDecision::Abort => {
            Err("the person did not approve this MCP tool call".to_string())
        }
    }
}

/// What the model gets back from a call, as the reference words it:
/// `Wall time: S seconds\nOutput:\n` then the structured content when the
/// server sends it, else the content blocks (images forwarded as images). A
/// failure is the header and the message as two text parts.
pub(crate) fn to_tool_output(
    result: &Result<CallToolResult, String>,
    duration: std::time::Duration,
) -> ToolOutput {
    let header = format!("Wall time: {:.4} seconds\nOutput:", duration.as_secs_f64());
    let result = match result {
        Ok(result) => result,
        Err(message) => {
            return ToolOutput {
                content: format!("{header}\n{message}"),
                success: false,
                content_items: Some(vec![
                    ContentItem::InputText { text: header },
                    ContentItem::InputText {
                        text: message.clone(),
                    },
                ]),
            };
        }
    };
    let success = !result.is_error.unwrap_or(false);
    if let Some(structured) = &result.structured_content {
        return ToolOutput {
            content: format!("{header}\n{structured}"),
            success,
            content_items: None,
        };
    }
    let mut texts = Vec::new();
    let mut items = vec![ContentItem::InputText {
        text: header.clone(),
    }];
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
        content: format!("{header}\n{}", texts.join("\n")),
        success,
        content_items: has_image.then_some(items),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn info(approval: McpToolApproval, read_only: bool, destructive: bool) -> McpToolInfo {
        McpToolInfo {
            qualified_name: "mcp__s__t".into(),
            namespace: "mcp__s".into(),
            name_in_namespace: "t".into(),
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
    fn read_only_tools_run_and_others_follow_their_mode_and_the_policy() {
        use AskForApproval::*;
        use McpToolApproval::*;
        // Read-only: runs under every policy, unless its mode is `prompt`.
        for policy in [Never, OnRequest, UnlessTrusted, OnFailure] {
            assert_eq!(gate(&info(Auto, true, false), policy), Gate::Run);
            assert_eq!(gate(&info(Approve, false, true), policy), Gate::Run);
        }
        // Acting tools: refused under never, asked otherwise.
        assert_eq!(gate(&info(Auto, false, false), Never), Gate::Refuse);
        assert_eq!(gate(&info(Auto, false, false), OnRequest), Gate::Ask);
        assert_eq!(gate(&info(Auto, false, true), UnlessTrusted), Gate::Ask);
        assert_eq!(gate(&info(Prompt, true, false), OnRequest), Gate::Ask);
        assert_eq!(gate(&info(Prompt, true, false), Never), Gate::Refuse);
    }

    #[test]
    fn outputs_carry_the_wall_time_and_prefer_structured_content() {
        let took = Duration::from_millis(12);
        let structured = to_tool_output(
            &Ok(CallToolResult {
                content: vec![json!({"type": "text", "text": "22°C"})],
                structured_content: Some(json!({"temperature": 22})),
                is_error: None,
            }),
            took,
        );
        assert_eq!(
            structured.content,
            "Wall time: 0.0120 seconds\nOutput:\n{\"temperature\":22}"
        );
        let image = to_tool_output(
            &Ok(CallToolResult {
                content: vec![
                    json!({"type": "text", "text": "here"}),
                    json!({"type": "image", "data": "AAAA", "mimeType": "image/png"}),
                ],
                structured_content: None,
                is_error: Some(true),
            }),
            took,
        );
        assert!(!image.success);
        assert_eq!(image.content, "Wall time: 0.0120 seconds\nOutput:\nhere");
        assert_eq!(
            image.content_items.unwrap()[2],
            ContentItem::InputImage {
                image_url: "data:image/png;base64,AAAA".into()
            }
        );
        let failed = to_tool_output(&Err(REFUSED_UNDER_NEVER.into()), took);
        assert!(!failed.success);
        assert_eq!(
            failed.content_items.unwrap(),
            vec![
                ContentItem::InputText {
                    text: "Wall time: 0.0120 seconds\nOutput:".into()
                },
                ContentItem::InputText {
                    text: REFUSED_UNDER_NEVER.into()
                },
            ]
        );
    }
}
