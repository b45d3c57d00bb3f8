//! `close_agent`: ends an agent (interrupting what it does) and frees its
//! slot; answers `{"previous_status": …}`.

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

pub(crate) struct CloseAgentHandler;

#[derive(Deserialize)]
struct Args {
    target: String,
}

impl ToolHandler for CloseAgentHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: "close_agent".to_string(),
            description: "Ends an agent that is no longer needed (and the agents it opened), returning its status before it was closed. An agent stays open, and counts toward the limit of open agents, until it is closed.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "target": {"type": "string", "description": "The id of the agent to close (from spawn_agent)."}
                },
                "required": ["target"],
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
            let id = match parse_id(&args.target) {
                Ok(id) => id,
                Err(output) => return output,
            };
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            let call = CollabCall::begin(
                session,
                ctx,
                &invocation.call_id,
                CollabAgentTool::CloseAgent,
                vec![id],
                None,
            )
            .await;
            let agents = &session.features().agents;
            let child = match find_child(agents, id) {
                Ok(child) => child,
                Err(output) => {
                    call.end(session, ctx, Vec::new(), false).await;
                    return output;
                }
            };
            let previous = agents.close(&child).await;
            call.end(
                session,
                ctx,
                vec![(id, Some(child.nickname.clone()), previous.clone())],
                true,
            )
            .await;
            answer(json!({"previous_status": previous}))
        }
        .boxed()
    }
}
