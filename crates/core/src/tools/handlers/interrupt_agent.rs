//! `interrupt_agent` (`collaboration`): stops an agent's current turn, if
//! any; the agent stays live for messages and tasks. Answers
//! `{"previous_status": …}`.

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::items::SubAgentActivityKind;
use codex_protocol::protocol::Op;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::collaboration::{activity, find_target};
use super::multi_agent::answer;
use crate::features::SessionFeatures as _;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) struct InterruptAgentHandler;

#[derive(Deserialize)]
struct Args {
    target: String,
}

impl ToolHandler for InterruptAgentHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: "interrupt_agent".to_string(),
            description: "Stops an agent's current turn, if it has one, and returns the status it had. The agent stays available for messages and follow-up tasks.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "target": {"type": "string", "description": "The agent's id or canonical task name (from spawn_agent)."}
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
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            let (path, member) = match find_target(&session.features().agents, &args.target) {
                Ok(found) => found,
                Err(output) => return output,
            };
            let Some(child) = member.child else {
                return ToolOutput::failure(format!(
                    "`{path}` is the root agent: only the user interrupts it"
                ));
            };
            let previous = child.status();
            if !previous.is_final() {
                let _ = child.codex.submit(Op::Interrupt).await;
            }
            activity(
                session,
                ctx,
                &invocation.call_id,
                SubAgentActivityKind::Interrupted,
                &child,
                None,
            )
            .await;
            answer(json!({"previous_status": previous}))
        }
        .boxed()
    }
}
