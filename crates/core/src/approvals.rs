//! Asking the person: whether a command may run, whether a patch may be
//! applied. The `PermissionRequest` hooks answer first when they can; the
//! decision is reported to telemetry, and a refusal completes the call's
//! item as declined.

use std::path::PathBuf;

use codex_protocol::protocol::{
    ApplyPatchApprovalRequestEvent, EventMsg, ExecApprovalRequestEvent, FileChange, ReviewDecision,
};
use tokio::sync::oneshot;

use crate::features::SessionFeatures as _;
use crate::parse_command::parse_command;
use crate::session::Session;
use crate::state::SessionApprovals;
use crate::tools::call_description::ApprovalSubject;
use crate::turn_context::TurnContext;

/// What the person approved for the session: shared by the session's whole
/// tree of agents, so "for the session" in a sub-agent's request holds for
/// the parent and its other agents too.
pub(crate) fn for_session(session: &Session) -> &SessionApprovals {
    &session.features().agents.tree.approvals
}

/// Asks the person whether to run a command; waits for the answer.
pub(crate) async fn request_command(
    session: &Session,
    ctx: &TurnContext,
    call_id: &str,
    command: &[String],
    cwd: PathBuf,
    reason: Option<String>,
    subject: ApprovalSubject<'_>,
) -> ReviewDecision {
    request_command_proposing(session, ctx, call_id, command, cwd, reason, subject, None).await
}

/// As [`request_command`], offering "always allow
/// commands starting with `amendment`" as an answer.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn request_command_proposing(
    session: &Session,
    ctx: &TurnContext,
    call_id: &str,
    command: &[String],
    cwd: PathBuf,
    reason: Option<String>,
    subject: ApprovalSubject<'_>,
    amendment: Option<Vec<String>>,
) -> ReviewDecision {
    if let Some(decision) = crate::hooks::permission_hooks(session, ctx, subject, call_id).await {
        return decision;
    }
    let event = EventMsg::ExecApprovalRequest(ExecApprovalRequestEvent {
        call_id: call_id.to_string(),
        command: command.to_vec(),
        cwd,
        reason,
        parsed_cmd: parse_command(command),
        proposed_execpolicy_amendment: amendment,
    });
    request(session, ctx, call_id, event).await
}

/// Asks the person whether to apply a patch; waits for the answer.
pub(crate) async fn request_patch(
    session: &Session,
    ctx: &TurnContext,
    call_id: &str,
    changes: std::collections::HashMap<PathBuf, FileChange>,
    reason: Option<String>,
    grant_root: Option<PathBuf>,
    subject: ApprovalSubject<'_>,
) -> ReviewDecision {
    if let Some(decision) = crate::hooks::permission_hooks(session, ctx, subject, call_id).await {
        return decision;
    }
    let event = EventMsg::ApplyPatchApprovalRequest(ApplyPatchApprovalRequestEvent {
        call_id: call_id.to_string(),
        changes,
        reason,
        grant_root,
    });
    request(session, ctx, call_id, event).await
}

async fn request(
    session: &Session,
    ctx: &TurnContext,
    call_id: &str,
    event: EventMsg,
) -> ReviewDecision {
    let Some(turn) = session.active_turn.state() else {
        return ReviewDecision::Denied;
    };
    let (tx, rx) = oneshot::channel();
    // Registered before the request goes out: the answer cannot overtake it.
    turn.insert_pending_approval(call_id, tx);
    let tool = match &event {
        EventMsg::ApplyPatchApprovalRequest(_) => "apply_patch",
        _ => "shell",
    };
    session.send_event(&ctx.sub_id, event).await;
    // A dropped waiter (interrupt, shutdown) counts as denied.
    let decision = rx.await.unwrap_or_default();
    if let Some(telemetry) = turn.telemetry() {
        telemetry.session().tool_decision(
            Some(telemetry),
            tool,
            call_id,
            crate::telemetry::decision_name(&decision),
            "user",
        );
    }
    if matches!(decision, ReviewDecision::Denied | ReviewDecision::Abort) {
        session.decline_item(ctx, call_id).await;
    }
    decision
}
