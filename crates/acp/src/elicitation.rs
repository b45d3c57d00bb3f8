//! An MCP server's question (elicitation) relayed to the editor as ACP's
//! `elicitation/create` form, when the client offers form elicitation: the
//! person answers in the editor and the answer goes back to the server.
//! Without the capability, or with a form ACP cannot express, the question
//! is cancelled (there is nobody else to ask).

use std::sync::Arc;

use agent_client_protocol::Client;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{
    ClientCapabilities, CreateElicitationRequest, ElicitationAction, ElicitationFormMode,
    ElicitationSchema, ElicitationSessionScope,
};
use codex_protocol::mcp::{ElicitationAction as EngineAction, ElicitationRequestEvent};
use codex_protocol::protocol::Op;

use crate::session::{LiveSession, keep_asking, lock};

pub(crate) fn relay(
    session: &Arc<LiveSession>,
    cx: &ConnectionTo<Client>,
    request: ElicitationRequestEvent,
) {
    let form = form_request(&lock(&session.client_capabilities), &session.id, &request);
    let asker = Arc::clone(session);
    let cx = cx.clone();
    let task = tokio::spawn(async move {
        let (decision, content) = match form {
            Some(form) => match cx.send_request(form).block_task().await {
                Ok(answer) => match answer.action {
                    ElicitationAction::Accept(accepted) => (
                        EngineAction::Accept,
                        accepted
                            .content
                            .map(|c| serde_json::to_value(c).unwrap_or_default()),
                    ),
                    ElicitationAction::Decline => (EngineAction::Decline, None),
                    _ => (EngineAction::Cancel, None),
                },
                Err(err) => {
                    tracing::warn!(%err, "the editor did not answer an MCP server's question");
                    (EngineAction::Cancel, None)
                }
            },
            None => {
                tracing::warn!(server = %request.server_name, "an MCP server's question was cancelled: the editor offers no form elicitation");
                (EngineAction::Cancel, None)
            }
        };
        let _ = asker
            .codex
            .submit(Op::ResolveElicitation {
                server_name: request.server_name,
                request_id: request.id,
                decision,
                content,
            })
            .await;
    });
    keep_asking(session, task);
}

/// The `elicitation/create` request for `request`, if the client takes
/// forms and ACP can express its schema.
fn form_request(
    capabilities: &ClientCapabilities,
    session_id: &str,
    request: &ElicitationRequestEvent,
) -> Option<CreateElicitationRequest> {
    capabilities.elicitation.as_ref()?.form.as_ref()?;
    let schema = request
        .requested_schema
        .clone()
        .unwrap_or_else(|| serde_json::json!({"type": "object", "properties": {}}));
    let schema: ElicitationSchema = serde_json::from_value(schema).ok()?;
    let scope = ElicitationSessionScope::new(session_id.to_string());
    Some(CreateElicitationRequest::new(
        ElicitationFormMode::new(scope, schema),
        format!("{} asks: {}", request.server_name, request.message),
    ))
}
