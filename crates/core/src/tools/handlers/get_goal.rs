//! The `get_goal` tool: the thread's goal with its usage, in the
//! reference's output shape (`goals::tool_output`).

use codex_client::{FunctionTool, ToolSpec};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::json;

use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) const NAME: &str = "get_goal";

pub(crate) struct GetGoalHandler;

impl ToolHandler for GetGoalHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description: "Returns this thread's goal: its objective, status, budget, the tokens and time spent on it, and the tokens left in its budget.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {},
                "required": [],
                "additionalProperties": false
            }),
        })
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let goal = crate::goals::current(&invocation.session);
            ToolOutput::success(crate::goals::tool_output(goal.as_ref(), false))
        }
        .boxed()
    }
}
