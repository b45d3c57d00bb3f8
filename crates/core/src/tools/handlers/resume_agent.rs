//! `resume_agent`: brings back a closed agent from its session file (same
//! id, its conversation as it was; it waits for `send_input`) and answers
//! `{"status": "pending_init"}`; an agent still open answers with its
//! status.

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::items::CollabAgentTool;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::multi_agent::{answer, find_child, parse_id};
use crate::agents::CollabCall;
use crate::features::SessionFeatures as _;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) struct ResumeAgentHandler;

#[derive(Deserialize)]
struct Args {
    id: String,
}

impl ToolHandler for ResumeAgentHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: "resume_agent".to_string(),
            description:
                "Brings back an agent by id so that send_input and wait_agent reach it again."
                    .to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "id": {"type": "string", "description": "The id of the agent to resume."}
                },
                "required": ["id"],
                "additionalProperties": false
            }),
        })
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            let id = match parse_id(&args.id) {
                Ok(id) => id,
                Err(output) => return output,
            };
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            // Shown as a wait, as the reference shows it.
            let call = CollabCall::begin(
                session,
                ctx,
                &invocation.call_id,
                CollabAgentTool::Wait,
                vec![id],
                None,
            )
            .await;
            let child = match find_child(&session.features().agents, id) {
                Ok(child) => child,
                Err(output) => {
                    call.end(session, ctx, Vec::new(), false).await;
                    return output;
                }
            };
            let child = if child.is_closed() {
                match session.features().agents.reopen(session, &child).await {
                    Ok(reopened) => reopened,
                    Err(message) => {
                        call.end(session, ctx, Vec::new(), false).await;
                        return ToolOutput::failure(message);
                    }
                }
            } else {
                child
            };
            let status = child.status();
            call.end(
                session,
                ctx,
                vec![(id, Some(child.nickname.clone()), status.clone())],
                true,
            )
            .await;
            answer(json!({"status": status}))
        }
        .boxed()
    }
}
