//! `Op::RunUserShellCommand`: a command the person typed (`!cmd` in the
//! TUI), run in the user's shell under the session's sandbox, reported as
//! `exec_command_begin`/`end` inside a task of its own. It is the person's
//! action, not the model's: nothing is asked, and neither the command nor
//! its output enters the history the model sees.

use std::sync::Arc;

use crate::session::Session;
use crate::tools::handlers::{login_shell_argv, user_shell_program};
use crate::tools::orchestrator::{ExecRequest, run_user_command};
use crate::turn_context::TurnContext;

/// Long enough for anything a person runs by hand; Esc interrupts sooner.
const USER_COMMAND_TIMEOUT_MS: u64 = 60 * 60 * 1000;

pub(crate) async fn run(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    command: String,
) -> Option<String> {
    session.send_task_started(ctx).await;
    let shell = user_shell_program();
    let request = ExecRequest {
        call_id: format!("user-shell-{}", ctx.sub_id),
        argv: login_shell_argv(&shell, true, &command),
        cwd: ctx.cwd.clone(),
        timeout_ms: USER_COMMAND_TIMEOUT_MS,
        escalate: false,
        justification: None,
    };
    run_user_command(session, ctx, request).await;
    None
}
