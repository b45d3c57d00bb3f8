//! The `update_goal` tool: the model marks the goal complete, blocked or
//! (when the user asked) paused. Resuming and the budget and usage limits
//! are the user's and the system's, not the model's.

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::goals::ThreadGoalStatus;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) const NAME: &str = "update_goal";

pub(crate) struct UpdateGoalHandler;

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Status {
    Complete,
    Blocked,
    Paused,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    status: Status,
}

impl ToolHandler for UpdateGoalHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description: "Updates this thread's goal. `complete`: only once the objective is really achieved and no required work is left (not because the budget runs low or you are stopping). `paused`: only when the user explicitly asked to pause it. `blocked`: only when the same obstacle has stopped progress for at least three goal turns in a row and nothing can be done without the user or a change outside; not because the work is hard or unclear. After `paused` or `blocked`, report the status and stop working on the goal. When completing a goal with a budget, report the final token usage from the result.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "status": {
                        "type": "string",
                        "description": "Required. complete, blocked or paused, under the rules above.",
                        "enum": ["complete", "blocked", "paused"]
                    }
                },
                "required": ["status"],
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
            let status = match args.status {
                Status::Complete => ThreadGoalStatus::Complete,
                Status::Blocked => ThreadGoalStatus::Blocked,
                Status::Paused => ThreadGoalStatus::Paused,
            };
            match crate::goals::set_status(&invocation.session, &invocation.ctx.sub_id, status)
                .await
            {
                Ok(goal) => ToolOutput::success(crate::goals::tool_output(
                    Some(&goal),
                    status == ThreadGoalStatus::Complete,
                )),
                Err(message) => ToolOutput::failure(message),
            }
        }
        .boxed()
    }
}
