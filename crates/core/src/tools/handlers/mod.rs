//! One file per tool.

mod apply_patch;
mod plan;
mod shell;

use std::sync::Arc;

use super::ToolOutput;
use super::router::{ToolCall, ToolKind};
use crate::session::Session;
use crate::state::TurnState;
use crate::turn_context::TurnContext;

pub(crate) use apply_patch::handle_apply_patch;

/// Runs `call` with the handler for its tool.
pub(crate) async fn dispatch(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    turn_state: &Arc<TurnState>,
    call: ToolCall,
) -> ToolOutput {
    match call.kind {
        ToolKind::Shell(params) => {
            shell::handle_shell(session, ctx, turn_state, &call.call_id, params).await
        }
        ToolKind::ApplyPatch { input } => {
            handle_apply_patch(session, ctx, turn_state, &call.call_id, &input, &ctx.cwd).await
        }
        ToolKind::UpdatePlan(args) => plan::handle_update_plan(session, ctx, args).await,
    }
}
