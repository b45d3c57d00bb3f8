//! The MCP server: `tools/list` and `tools/call` for `codex` and
//! `codex-reply`, each call one turn of a thread the thread manager runs.
//!
//! While a turn runs, every engine event goes to the client as a
//! `codex/event` notification (`{_meta: {requestId}, id, msg}`); approval
//! requests become `elicitation/create` requests whose form has one field,
//! `decision` (`approved`, `approved_for_session`, `denied`, `abort`);
//! accepting without a decision approves, declining denies, cancelling
//! aborts the turn; the older bare answer `{"decision": "approved"}` is
//! understood too. Each carries the correlation fields (`codex_*`). The result is the last message as text, with
//! `structuredContent {threadId, content}`. Calls run concurrently; one
//! thread takes one call at a time.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use codex_config::{CliOverrides, load_config};
use codex_core::{Codex, ThreadManager, ThreadRef};
use codex_protocol::ThreadId;
use codex_protocol::mcp::ElicitationAction;
use codex_protocol::protocol::{EventMsg, Op, ReviewDecision};
use codex_protocol::user_input::UserInput;
use rmcp::ErrorData;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CustomNotification, ListToolsResult,
    PaginatedRequestParams, ServerConfig, ServerNotification,
};
use rmcp::service::{Peer, RequestContext, RoleServer};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::tools::{CODEX, CODEX_REPLY, CodexParams, ReplyParams, tool_list};

pub(crate) struct CodexMcpServer {
    pub manager: Arc<ThreadManager>,
    pub codex_home: PathBuf,
    pub overrides: CliOverrides,
    /// A thread takes one call at a time.
    busy: Mutex<HashMap<ThreadId, Arc<Mutex<()>>>>,
}

impl CodexMcpServer {
    pub(crate) fn new(
        manager: Arc<ThreadManager>,
        codex_home: PathBuf,
        overrides: CliOverrides,
    ) -> Self {
        Self {
            manager,
            codex_home,
            overrides,
            busy: Mutex::new(HashMap::new()),
        }
    }

    async fn thread_lock(&self, id: ThreadId) -> Arc<Mutex<()>> {
        Arc::clone(self.busy.lock().await.entry(id).or_default())
    }

    /// Starts a thread for a `codex` call (its `session_configured` goes to
    /// the client first, as the reference streams it).
    async fn start(
        &self,
        params: &CodexParams,
        context: &RequestContext<RoleServer>,
    ) -> Result<(ThreadId, Arc<Codex>), String> {
        let overrides = params.overrides(&self.overrides)?;
        let mut config = load_config(&self.codex_home, &overrides).map_err(|e| e.to_string())?;
        if let Some(text) = &params.base_instructions {
            config.base_instructions = Some(text.clone());
        }
        if let Some(text) = &params.developer_instructions {
            config.developer_instructions = Some(text.clone());
        }
        if let Some(text) = &params.compact_prompt {
            config.compact_prompt = Some(text.clone());
        }
        let new = self
            .manager
            .start_thread(config, false)
            .await
            .map_err(|e| e.to_string())?;
        let request_id = serde_json::to_value(&context.id).unwrap_or(Value::Null);
        let configured = codex_protocol::protocol::Event {
            id: String::new(),
            msg: EventMsg::SessionConfigured(new.session_configured),
        };
        forward(&context.peer, &request_id, &configured).await;
        Ok((new.thread_id, new.thread))
    }

    /// The thread a `codex-reply` names: live, or resumed from its file.
    async fn find(&self, id: &str) -> Result<(ThreadId, Arc<Codex>), String> {
        if let Ok(thread_id) = id.parse::<ThreadId>()
            && let Some(thread) = self.manager.get_thread(thread_id)
        {
            return Ok((thread_id, thread));
        }
        let config = load_config(&self.codex_home, &self.overrides).map_err(|e| e.to_string())?;
        let resumed = self
            .manager
            .resume_thread(config, &ThreadRef::from_arg(id))
            .await
            .map_err(|e| format!("no thread {id}: {e}"))?;
        Ok((resumed.thread_id, resumed.thread))
    }

    async fn call(
        &self,
        name: &str,
        arguments: Value,
        context: &RequestContext<RoleServer>,
    ) -> CallToolResult {
        let started = match name {
            CODEX => match serde_json::from_value::<CodexParams>(arguments) {
                Ok(params) => self
                    .start(&params, context)
                    .await
                    .map(|t| (t, params.prompt)),
                Err(err) => Err(format!("invalid arguments for codex: {err}")),
            },
            _ => match serde_json::from_value::<ReplyParams>(arguments) {
                Ok(params) => match params.thread_id.or(params.conversation_id) {
                    Some(id) => self.find(&id).await.map(|t| (t, params.prompt)),
                    None => Err("codex-reply needs threadId".to_string()),
                },
                Err(err) => Err(format!("invalid arguments for codex-reply: {err}")),
            },
        };
        let ((thread_id, thread), prompt) = match started {
            Ok(started) => started,
            Err(message) => return error_result(&message),
        };
        let lock = self.thread_lock(thread_id).await;
        let Ok(_guard) = lock.try_lock() else {
            return error_result(&format!("thread {thread_id} is busy with another call"));
        };
        run_turn(&thread, thread_id, prompt, context).await
    }
}

fn error_result(message: &str) -> CallToolResult {
    serde_json::from_value(json!({
        "content": [{"type": "text", "text": message}],
        "isError": true
    }))
    .unwrap_or_default()
}

fn done_result(thread_id: ThreadId, content: String) -> CallToolResult {
    serde_json::from_value(json!({
        "content": [{"type": "text", "text": content}],
        "structuredContent": {"threadId": thread_id.to_string(), "content": content},
    }))
    .unwrap_or_default()
}

/// Sends `codex/event` for one engine event.
async fn forward(
    peer: &Peer<RoleServer>,
    request_id: &Value,
    event: &codex_protocol::protocol::Event,
) {
    let params = json!({
        "_meta": {"requestId": request_id},
        "id": event.id,
        "msg": event.msg,
    });
    let notification = ServerNotification::CustomNotification(CustomNotification::new(
        "codex/event",
        Some(params),
    ));
    if let Err(err) = peer.send_notification(notification).await {
        tracing::debug!(%err, "cannot send codex/event");
    }
}

/// Asks the client about an approval; the answer as a decision.
///
/// The request is `elicitation/create` with a one-field form, and with the
/// correlation fields (`codex_elicitation`, `codex_call_id`, ...) both at
/// the top of its params, where the reference puts them, and in `_meta`.
/// Two answer forms are understood: the MCP one (`{"action": "accept",
/// "content": {"decision": ...}}`) and the older bare one (`{"decision":
/// "approved"}`).
async fn ask(peer: &Peer<RoleServer>, message: String, fields: Value) -> ReviewDecision {
    let mut params = json!({
        "mode": "form",
        "message": message,
        "requestedSchema": {
            "type": "object",
            "properties": {
                "decision": {
                    "type": "string",
                    "enum": ["approved", "approved_for_session", "denied", "abort"],
                    "description": "approved: once; approved_for_session: and the same again; denied: the model is told; abort: stop the turn"
                }
            }
        },
    });
    if let (Some(params), Some(fields_map)) = (params.as_object_mut(), fields.as_object()) {
        for (key, value) in fields_map {
            params.insert(key.clone(), value.clone());
        }
        params.insert("_meta".to_string(), fields.clone());
    }
    let request = rmcp::model::ServerRequest::CustomRequest(rmcp::model::CustomRequest::new(
        "elicitation/create",
        Some(params),
    ));
    match peer.send_request(request).await {
        Ok(answer) => decision_from_answer(answer),
        Err(err) => {
            tracing::warn!(%err, "the client did not answer an approval; denied");
            ReviewDecision::Denied
        }
    }
}

/// The decision in a client's answer to an approval elicitation.
fn decision_from_answer(answer: rmcp::model::ClientResult) -> ReviewDecision {
    use rmcp::model::ClientResult;
    let value = match answer {
        ClientResult::ElicitResult(result) => serde_json::to_value(result).unwrap_or_default(),
        ClientResult::CustomResult(custom) => custom.0,
        // An empty answer, or a result of another request: nothing approved.
        _ => return ReviewDecision::Denied,
    };
    decision_from_value(&value)
}

fn decision_from_value(value: &Value) -> ReviewDecision {
    let decision = |v: Option<&Value>| {
        v.and_then(|d| serde_json::from_value::<ReviewDecision>(d.clone()).ok())
    };
    match value.get("action").and_then(Value::as_str) {
        // Accepting the form without choosing approves once.
        Some("accept") => decision(value.get("content").and_then(|c| c.get("decision")))
            .unwrap_or(ReviewDecision::Approved),
        Some("cancel") => ReviewDecision::Abort,
        // Decline, and anything a newer protocol adds.
        Some(_) => ReviewDecision::Denied,
        // The older answer: the decision itself.
        None => decision(value.get("decision")).unwrap_or(ReviewDecision::Denied),
    }
}

/// Runs one turn with `prompt` and streams it; the result is its last message.
async fn run_turn(
    thread: &Codex,
    thread_id: ThreadId,
    prompt: String,
    context: &RequestContext<RoleServer>,
) -> CallToolResult {
    let request_id = serde_json::to_value(&context.id).unwrap_or(Value::Null);
    let peer = &context.peer;
    let turn_id = match thread
        .submit(Op::UserInput {
            items: vec![UserInput::Text { text: prompt }],
            final_output_json_schema: None,
        })
        .await
    {
        Ok(id) => id,
        Err(err) => return error_result(&format!("the session stopped: {err}")),
    };
    let mut errors: Vec<String> = Vec::new();
    loop {
        let event = tokio::select! {
            event = thread.next_event() => match event {
                Ok(event) => event,
                Err(err) => return error_result(&format!("the session stopped: {err}")),
            },
            _ = context.ct.cancelled() => {
                let _ = thread.submit(Op::Interrupt).await;
                return error_result("cancelled");
            }
        };
        forward(peer, &request_id, &event).await;
        match event.msg {
            EventMsg::ExecApprovalRequest(request) => {
                let command = codex_core::display_command(&request.command);
                let message = match &request.reason {
                    Some(reason) => format!(
                        "Allow Codex to run `{command}` in {}? ({reason})",
                        request.cwd.display()
                    ),
                    None => format!(
                        "Allow Codex to run `{command}` in {}?",
                        request.cwd.display()
                    ),
                };
                let meta = json!({
                    "codex_elicitation": "exec-approval",
                    "threadId": thread_id.to_string(),
                    "codex_mcp_tool_call_id": request_id,
                    "codex_event_id": event.id,
                    "codex_call_id": request.call_id,
                    "codex_command": request.command,
                    "codex_cwd": request.cwd,
                    "codex_parsed_cmd": request.parsed_cmd,
                    "codex_reason": request.reason,
                });
                let decision = ask(peer, message, meta).await;
                let _ = thread
                    .submit(Op::ExecApproval {
                        id: request.call_id,
                        decision,
                    })
                    .await;
            }
            EventMsg::ApplyPatchApprovalRequest(request) => {
                let mut files: Vec<String> = request
                    .changes
                    .keys()
                    .map(|p| p.display().to_string())
                    .collect();
                files.sort();
                let meta = json!({
                    "codex_elicitation": "patch-approval",
                    "threadId": thread_id.to_string(),
                    "codex_mcp_tool_call_id": request_id,
                    "codex_event_id": event.id,
                    "codex_call_id": request.call_id,
                    "codex_changes": request.changes,
                    "codex_reason": request.reason,
                    "codex_grant_root": request.grant_root,
                });
                let decision = ask(
                    peer,
                    format!("Allow Codex to change {}?", files.join(", ")),
                    meta,
                )
                .await;
                let _ = thread
                    .submit(Op::PatchApproval {
                        id: request.call_id,
                        decision,
                    })
                    .await;
            }
            EventMsg::ElicitationRequest(request) => {
                // A server of the session asks; our client answers for it.
                let action = match ask(
                    peer,
                    format!("{} asks: {}", request.server_name, request.message),
                    json!({
                        "codex_elicitation": "mcp-server",
                        "threadId": thread_id.to_string(),
                        "codex_mcp_tool_call_id": request_id,
                        "codex_event_id": event.id,
                        "codex_server_name": request.server_name,
                    }),
                )
                .await
                {
                    ReviewDecision::Approved
                    | ReviewDecision::ApprovedForSession
                    | ReviewDecision::ApprovedExecpolicyAmendment => ElicitationAction::Accept,
                    ReviewDecision::Denied => ElicitationAction::Decline,
                    ReviewDecision::Abort => ElicitationAction::Cancel,
                };
                let _ = thread
                    .submit(Op::ResolveElicitation {
                        server_name: request.server_name,
                        request_id: request.id,
                        decision: action,
                        content: None,
                    })
                    .await;
            }
            EventMsg::RequestUserInput(request) => {
                let meta = json!({
                    "codex_elicitation": "request-user-input",
                    "threadId": thread_id.to_string(),
                    "codex_mcp_tool_call_id": request_id,
                    "codex_event_id": event.id,
                    "codex_call_id": request.call_id,
                });
                let op = match crate::questions::ask(peer, &request, meta).await {
                    crate::questions::Answered::Answers(response) => Op::UserInputAnswer {
                        id: request.call_id,
                        response,
                    },
                    crate::questions::Answered::Cancelled => Op::Interrupt,
                };
                let _ = thread.submit(op).await;
            }
            EventMsg::Error(error) if event.id == turn_id => errors.push(error.message),
            EventMsg::TaskComplete(done) if event.id == turn_id => {
                return match (done.last_agent_message, errors.is_empty()) {
                    (Some(message), _) => done_result(thread_id, message),
                    (None, false) => error_result(&errors.join("\n")),
                    (None, true) => done_result(thread_id, String::new()),
                };
            }
            EventMsg::TurnAborted(aborted) if event.id == turn_id => {
                return error_result(
                    &format!("the turn was aborted ({:?})", aborted.reason).to_lowercase(),
                );
            }
            _ => {}
        }
    }
}

impl rmcp::ServerHandler for CodexMcpServer {
    fn get_info(&self) -> ServerConfig {
        serde_json::from_value(json!({
            "protocolVersion": "2025-11-25",
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": {"name": "codex-mcp-server", "title": "Codex", "version": env!("CARGO_PKG_VERSION")},
            "instructions": "Use the codex tool to give Codex a task; continue with codex-reply and the threadId it returns."
        }))
        .unwrap_or_default()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        serde_json::from_value(tool_list())
            .map_err(|err| ErrorData::internal_error(err.to_string(), None))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        if name != CODEX && name != CODEX_REPLY {
            return Err(ErrorData::invalid_params(
                format!("no tool named {name}"),
                None,
            ));
        }
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let result = self.call(&name, arguments, &context).await;
        Ok(CallToolResponse::Complete(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_answer_forms_are_understood() {
        let cases = [
            (json!({"decision": "approved"}), ReviewDecision::Approved),
            (
                json!({"decision": "approved_for_session"}),
                ReviewDecision::ApprovedForSession,
            ),
            (json!({"decision": "denied"}), ReviewDecision::Denied),
            (json!({"decision": "abort"}), ReviewDecision::Abort),
            (
                json!({"action": "accept", "content": {"decision": "approved"}}),
                ReviewDecision::Approved,
            ),
            (json!({"action": "accept"}), ReviewDecision::Approved),
            (
                json!({"action": "accept", "content": {"decision": "denied"}}),
                ReviewDecision::Denied,
            ),
            (json!({"action": "decline"}), ReviewDecision::Denied),
            (json!({"action": "cancel"}), ReviewDecision::Abort),
            (json!({}), ReviewDecision::Denied),
            (json!({"decision": "maybe"}), ReviewDecision::Denied),
        ];
        for (answer, expected) in cases {
            assert_eq!(decision_from_value(&answer), expected, "{answer}");
        }
    }
}
