//! `followup_task` (`collaboration`): gives an agent a new task — a
//! `NEW_TASK` message in its mailbox — and starts its turn if it is idle
//! (a running agent takes it with its next request). Not for the root.
//! Answers `""`.

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::items::SubAgentActivityKind;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;

use super::collaboration::{activity, find_target, target_and_message};
use crate::agents::mailbox::{MessageKind, agent_message};
use crate::agents::start_turn;
use crate::features::SessionFeatures as _;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) struct FollowupTaskHandler;

#[derive(Deserialize)]
struct Args {
    target: String,
    message: String,
}

impl ToolHandler for FollowupTaskHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: "followup_task".to_string(),
            description: "Gives an agent you spawned (not the root) a new task and starts its turn when it is idle; a running agent takes it with its next request.".to_string(),
            strict: false,
            parameters: target_and_message(
                "The agent's id or canonical task name (from spawn_agent).",
                "The new task.",
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
            let Some(child) = member.child else {
                return ToolOutput::failure(
                    "the root agent takes tasks from the user, not from followup_task; use send_message to write to it",
                );
            };
            let item = agent_message(MessageKind::NewTask, &agents.path, &path, &args.message);
            member.mailbox.deliver(MessageKind::NewTask, item);
            // Ignored by a child that is mid-turn (it reads its mailbox
            // with its next request, or starts a turn for it when done).
            if let Err(err) = child.codex.submit(start_turn()).await {
                return ToolOutput::failure(format!("agent {path} did not take the task: {err}"));
            }
            child.mark_running();
            activity(
                session,
                ctx,
                &invocation.call_id,
                SubAgentActivityKind::Interacted,
                &child,
                None,
            )
            .await;
            ToolOutput::success("")
        }
        .boxed()
    }
}
