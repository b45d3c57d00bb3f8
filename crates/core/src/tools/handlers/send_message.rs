//! `send_message` (`collaboration`): leaves a note in an agent's mailbox
//! without starting its turn; the note joins its next request. The root
//! can be written to as well. Answers `""`.

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::items::SubAgentActivityKind;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;

use super::collaboration::{activity, find_target, target_and_message};
use crate::agents::mailbox::{MessageKind, agent_message};
use crate::features::SessionFeatures as _;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) struct SendMessageHandler;

#[derive(Deserialize)]
struct Args {
    target: String,
    message: String,
}

impl ToolHandler for SendMessageHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: "send_message".to_string(),
            description: "Leaves a message for an agent; it reads it with its next request. Does not start a turn (use followup_task for new work).".to_string(),
            strict: false,
            parameters: target_and_message(
                "The agent's task name, relative (`w1`) or canonical (`/root/w1`), from spawn_agent.",
                "The message for the agent.",
            ),
        })
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            let agents = &session.features().agents;
            let (path, member) = match find_target(agents, &args.target) {
                Ok(found) => found,
                Err(output) => return output,
            };
            let item = agent_message(MessageKind::Message, &agents.path, &path, &args.message);
            member.mailbox.deliver(MessageKind::Message, item);
            if let Some(child) = &member.child {
                activity(
                    session,
                    ctx,
                    &invocation.call_id,
                    SubAgentActivityKind::Interacted,
                    child,
                    None,
                )
                .await;
            }
            ToolOutput::success("")
        }
        .boxed()
    }
}
