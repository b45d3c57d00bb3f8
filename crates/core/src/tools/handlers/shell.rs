//! The `shell` tool (and `local_shell` calls).

use std::sync::Arc;

use codex_apply_patch::{Invocation, parse_invocation};

use super::handle_apply_patch;
use crate::session::Session;
use crate::state::TurnState;
use crate::tools::ToolOutput;
use crate::tools::orchestrator::{DEFAULT_TIMEOUT_MS, ExecRequest, run_exec};
use crate::tools::router::ShellParams;
use crate::turn_context::TurnContext;

pub(crate) async fn handle_shell(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    turn_state: &Arc<TurnState>,
    call_id: &str,
    params: ShellParams,
) -> ToolOutput {
    let cwd = ctx.resolve_path(params.workdir.as_deref());
    // A patch "run" as a command is applied as a patch.
    match parse_invocation(&params.command) {
        Invocation::Patch { patch, workdir } => {
            let dir = match workdir {
                Some(dir) => codex_apply_patch::resolve_path(&cwd, std::path::Path::new(&dir)),
                None => cwd,
            };
            return handle_apply_patch(session, ctx, turn_state, call_id, &patch, &dir).await;
        }
        Invocation::Malformed(message) => {
            return ToolOutput::failure(format!("apply_patch verification failed: {message}"));
        }
        Invocation::NotApplyPatch => {}
    }
    run_exec(
        session,
        ctx,
        ExecRequest {
            call_id: call_id.to_string(),
            argv: params.command,
            cwd,
            timeout_ms: params.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS),
            escalate: params.with_escalated_permissions.unwrap_or(false),
            justification: params.justification,
        },
    )
    .await
}
