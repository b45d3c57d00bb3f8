//! The `update_plan` tool: shows the plan to the user; the model gets an
//! acknowledgement (the plan itself stays in the model's own call).

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::plan::{StepStatus, UpdatePlanArgs};
use codex_protocol::protocol::EventMsg;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::json;

use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) const NAME: &str = "update_plan";

pub(crate) struct PlanHandler;

impl ToolHandler for PlanHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description: "Records the plan for the task: short steps with a status each; at most one step in_progress.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "explanation": {"type": "string"},
                    "plan": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "step": {"type": "string"},
                                "status": {"type": "string", "enum": ["pending", "in_progress", "completed"]}
                            },
                            "required": ["step", "status"],
                            "additionalProperties": false
                        }
                    }
                },
                "required": ["plan"],
                "additionalProperties": false
            }),
        })
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let args: UpdatePlanArgs = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            let in_progress = args
                .plan
                .iter()
                .filter(|item| item.status == StepStatus::InProgress)
                .count();
            if in_progress > 1 {
                return ToolOutput::failure(format!(
                    "the plan has {in_progress} steps in_progress; at most one may be"
                ));
            }
            invocation
                .session
                .send_event(&invocation.ctx.sub_id, EventMsg::PlanUpdate(args))
                .await;
            ToolOutput::success("Plan updated")
        }
        .boxed()
    }
}
