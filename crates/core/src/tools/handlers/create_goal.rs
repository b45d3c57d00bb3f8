//! The `create_goal` tool: starts the thread's goal (refused while an
//! unfinished one exists, as in the reference).

use codex_client::{FunctionTool, ToolSpec};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) const NAME: &str = "create_goal";

pub(crate) struct CreateGoalHandler;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    objective: String,
    #[serde(default)]
    token_budget: Option<i64>,
}

impl ToolHandler for CreateGoalHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description: "Creates a goal for this thread, only when the user or the instructions explicitly ask for one (never for an ordinary task). Give token_budget only when a budget was explicitly asked for. Fails while an unfinished goal exists; change a goal's status with update_goal.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "objective": {"type": "string", "description": "Required. The concrete objective to pursue. Starts a new active goal when there is none, or replaces a completed one."},
                    "token_budget": {"type": "integer", "description": "A positive token budget for the goal. Leave it out unless one was explicitly asked for."}
                },
                "required": ["objective"],
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
            match crate::goals::create(
                &invocation.session,
                &invocation.ctx.sub_id,
                &args.objective,
                args.token_budget,
                false,
            )
            .await
            {
                Ok(goal) => ToolOutput::success(crate::goals::tool_output(Some(&goal), false)),
                Err(message) => ToolOutput::failure(message),
            }
        }
        .boxed()
    }
}
