//! The `update_plan` tool: shows the plan to the user; the model gets an
//! acknowledgement (the plan itself stays in the model's own call).

use codex_protocol::plan::{StepStatus, UpdatePlanArgs};
use codex_protocol::protocol::EventMsg;

use crate::session::Session;
use crate::tools::ToolOutput;
use crate::turn_context::TurnContext;

pub(crate) async fn handle_update_plan(
    session: &Session,
    ctx: &TurnContext,
    args: UpdatePlanArgs,
) -> ToolOutput {
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
    session
        .send_event(&ctx.sub_id, EventMsg::PlanUpdate(args))
        .await;
    ToolOutput::success("Plan updated")
}
