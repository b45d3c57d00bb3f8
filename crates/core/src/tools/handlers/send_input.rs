//! `send_input`: a message to an open agent — queued for its running turn
//! or starting a new one; with `interrupt` its current turn is stopped
//! first. Answers `{"submission_id": …}`.

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::items::CollabAgentTool;
use codex_protocol::protocol::Op;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::multi_agent::{InputItem, answer, find_child, input_of, items_schema, parse_id};
use crate::agents::CollabCall;
use crate::features::SessionFeatures as _;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) struct SendInputHandler;

#[derive(Deserialize)]
struct Args {
    target: String,
    message: Option<String>,
    items: Option<Vec<InputItem>>,
    #[serde(default)]
    interrupt: bool,
}

impl ToolHandler for SendInputHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: "send_input".to_string(),
            description: "Sends a message to an open agent. With interrupt=true the agent stops what it is doing and takes the message at once. Prefer reusing an agent this way when the new task builds on what it already did.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "interrupt": {"type": "boolean", "description": "true: stop the agent's current task and handle this message now; false or omitted: queue it."},
                    "items": items_schema(),
                    "message": {"type": "string", "description": "The message as plain text (or give items)."},
                    "target": {"type": "string", "description": "The id of the agent (from spawn_agent)."}
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
            let (input, prompt) = match input_of(args.message, args.items) {
                Ok(input) => input,
                Err(output) => return output,
            };
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            let call = CollabCall::begin(
                session,
                ctx,
                &invocation.call_id,
                CollabAgentTool::SendInput,
                vec![id],
                prompt,
            )
            .await;
            let child = match find_child(&session.features().agents, id) {
                Ok(child) if !child.is_closed() => child,
                Ok(_) => {
                    call.end(session, ctx, Vec::new(), false).await;
                    return ToolOutput::failure(format!(
                        "agent {id} is closed; spawn a new agent for more work"
                    ));
                }
                Err(output) => {
                    call.end(session, ctx, Vec::new(), false).await;
                    return output;
                }
            };
            if args.interrupt {
                let _ = child.codex.submit(Op::Interrupt).await;
            }
            let submitted = child
                .codex
                .submit(Op::UserInput {
                    items: input,
                    final_output_json_schema: None,
                })
                .await;
            let state = vec![(id, Some(child.nickname.clone()), child.status())];
            match submitted {
                Ok(submission_id) => {
                    child.mark_running();
                    call.end(session, ctx, state, true).await;
                    answer(json!({"submission_id": submission_id}))
                }
                Err(err) => {
                    call.end(session, ctx, state, false).await;
                    ToolOutput::failure(format!("agent {id} did not take the message: {err}"))
                }
            }
        }
        .boxed()
    }
}
