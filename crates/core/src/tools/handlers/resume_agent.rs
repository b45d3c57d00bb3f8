//! `resume_agent`: an agent that is still open answers with its status;
//! a closed one cannot be reopened in this version (the model is told so
//! and can spawn a new agent).

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
            if child.is_closed() {
                call.end(session, ctx, Vec::new(), false).await;
                return ToolOutput::failure(format!(
                    "agent {id} is closed and cannot be resumed in this version; spawn a new agent for the work"
                ));
            }
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
