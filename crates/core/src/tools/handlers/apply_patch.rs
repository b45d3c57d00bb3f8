//! The `apply_patch` tool (freeform on the Responses API for models trained
//! on it, else a function taking `input`), and the patches models "run" as a
//! shell command.
//!
//! The patch is planned in memory first (so a bad patch is reported before
//! anything is touched), then judged: a patch that writes only where the
//! sandbox policy allows (real paths, symlinks resolved) applies without
//! asking, except under `untrusted`; anything else is put to the person, or
//! refused under `never`. The commit is atomic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use codex_apply_patch::{PatchPlan, PlannedChangeKind, parse_patch, plan_patch};
use codex_client::{FreeformTool, FreeformToolFormat, FunctionTool, ToolSpec};
use codex_protocol::protocol::{
    AskForApproval, EventMsg, FileChange, PatchApplyBeginEvent, PatchApplyEndEvent, ReviewDecision,
};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use crate::safety::paths_writable_under;
use crate::tools::call_description::{
    ApprovalSubject, CallDescription, payload_arguments, set_argument,
};
use crate::tools::registry::{PayloadKind, ToolHandler, ToolInvocation, ToolOutput, ToolPayload};

pub(crate) const NAME: &str = "apply_patch";

const GRAMMAR: &str = include_str!("../../../templates/apply_patch.lark");
const FUNCTION_DESCRIPTION: &str = include_str!("../../../templates/apply_patch_function.md");

pub(crate) struct ApplyPatchHandler {
    /// Offered as a freeform (grammar) tool rather than a function.
    pub(crate) freeform: bool,
}

impl ToolHandler for ApplyPatchHandler {
    fn spec(&self) -> ToolSpec {
        spec(self.freeform)
    }

    fn accepts(&self, kind: PayloadKind) -> bool {
        matches!(kind, PayloadKind::Function | PayloadKind::Custom)
    }

    fn describe(&self, payload: &ToolPayload, cwd: &std::path::Path) -> CallDescription {
        let patch = match payload_arguments(payload).get("input") {
            Some(serde_json::Value::String(patch)) => patch.clone(),
            _ => String::new(),
        };
        CallDescription::patch(&patch, cwd)
    }

    fn apply_hook_input(&self, payload: &mut ToolPayload, updated: &serde_json::Value) {
        let Some(patch) = updated
            .get("patch")
            .or_else(|| updated.get("input"))
            .and_then(serde_json::Value::as_str)
        else {
            return;
        };
        match payload {
            ToolPayload::Custom { input } => *input = patch.to_string(),
            _ => set_argument(payload, "input", serde_json::json!(patch)),
        }
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            #[derive(Deserialize)]
            struct Args {
                input: String,
            }
            let patch = match &invocation.payload {
                ToolPayload::Custom { input } => input.clone(),
                _ => match invocation.parse_arguments::<Args>() {
                    Ok(args) => args.input,
                    Err(output) => return output,
                },
            };
            let cwd = invocation.ctx.cwd.clone();
            apply_patch_text(&invocation, &patch, &cwd).await
        }
        .boxed()
    }
}

fn spec(freeform: bool) -> ToolSpec {
    if freeform {
        return ToolSpec::Freeform(FreeformTool {
            name: NAME.to_string(),
            description: "Edits files with a patch in the apply_patch format (send the patch itself, not JSON). The whole patch applies or nothing changes.".to_string(),
            format: FreeformToolFormat {
                kind: "grammar".to_string(),
                syntax: "lark".to_string(),
                definition: GRAMMAR.to_string(),
            },
        });
    }
    ToolSpec::Function(FunctionTool {
        name: NAME.to_string(),
        description: FUNCTION_DESCRIPTION.to_string(),
        strict: false,
        parameters: json!({
            "type": "object",
            "properties": {"input": {"type": "string", "description": "The entire patch, from *** Begin Patch to *** End Patch."}},
            "required": ["input"],
            "additionalProperties": false
        }),
    })
}

/// Applies `patch_text` with relative paths resolved against `cwd`, through
/// the approval policy; the call's events carry `invocation`'s call id.
pub(crate) async fn apply_patch_text(
    invocation: &ToolInvocation,
    patch_text: &str,
    cwd: &Path,
) -> ToolOutput {
    let (session, ctx, turn_state, call_id) = (
        &invocation.session,
        &invocation.ctx,
        &invocation.turn_state,
        invocation.call_id.as_str(),
    );
    let plan = match parse_patch(patch_text)
        .map_err(codex_apply_patch::ApplyPatchError::from)
        .and_then(|patch| plan_patch(&patch, cwd))
    {
        Ok(plan) => plan,
        Err(err) => return ToolOutput::failure(format!("apply_patch verification failed: {err}")),
    };
    let paths = plan.paths_to_write();
    let changes = protocol_changes(&plan);
    let writable = paths_writable_under(&ctx.sandbox_policy, &ctx.cwd, &paths);
    let approved_before = crate::approvals::for_session(session).are_patch_paths_approved(&paths);

    let must_ask = match ctx.approval_policy {
        AskForApproval::UnlessTrusted => true,
        _ => !writable,
    } && !approved_before;
    let auto_approved = !must_ask;
    if must_ask {
        if ctx.approval_policy == AskForApproval::Never {
            return ToolOutput::failure(format!(
                "patch rejected: it writes outside the writable roots of the sandbox ({}) and the approval policy is never",
                describe(&paths)
            ));
        }
        let reason = (!writable).then(|| {
            format!(
                "the patch writes outside the sandbox's writable roots: {}",
                describe(&paths)
            )
        });
        let grant_root = (!writable).then(|| common_parent(&paths)).flatten();
        match crate::approvals::request_patch(
            session,
            ctx,
            call_id,
            changes.clone(),
            reason,
            grant_root,
            ApprovalSubject {
                tool: &invocation.tool_name,
                description: &CallDescription::patch(patch_text, cwd),
            },
        )
        .await
        {
            // No rule is proposed for a patch; approving with one is approving.
            ReviewDecision::Approved | ReviewDecision::ApprovedExecpolicyAmendment => {}
            ReviewDecision::ApprovedForSession => {
                crate::approvals::for_session(session).approve_patch_paths(&paths)
            }
            ReviewDecision::Denied => return ToolOutput::failure("patch rejected by user"),
            ReviewDecision::Abort => return ToolOutput::failure("patch aborted by user"),
        }
    }

    turn_state.with_diff(|diff| diff.track(&plan));
    session
        .send_event(
            &ctx.sub_id,
            EventMsg::PatchApplyBegin(PatchApplyBeginEvent {
                call_id: call_id.to_string(),
                auto_approved,
                changes,
            }),
        )
        .await;
    let started = std::time::Instant::now();
    // Written inside the sandbox (a second wall behind the check above); a
    // patch the person approved beyond the policy may write the directories
    // of its own files, for this commit only.
    let commit_policy = if writable {
        ctx.sandbox_policy.clone()
    } else {
        codex_sandbox::policy_with_granted_paths(&ctx.sandbox_policy, &paths)
    };
    crate::rewind::record_file_before(session, &paths);
    let result = codex_sandbox::commit_patch(
        &plan.commit_request(),
        &plan.cwd,
        &commit_policy,
        session.services.linux_sandbox_exe.as_deref(),
        &session.hidden_paths(),
    )
    .await;
    let wall_time = started.elapsed();
    crate::rewind::record_file_after(session, &paths);
    let (output, end) = match result {
        Ok(()) => {
            let summary = plan.applied().summary();
            (
                ToolOutput::success(framed(0, wall_time, &summary)),
                PatchApplyEndEvent {
                    call_id: call_id.to_string(),
                    stdout: summary,
                    stderr: String::new(),
                    success: true,
                },
            )
        }
        Err(err) => {
            let mut message = err.message;
            if err.nothing_changed {
                message.push_str("\nNo files were changed.");
            }
            (
                ToolOutput::failure(framed(1, wall_time, &message)),
                PatchApplyEndEvent {
                    call_id: call_id.to_string(),
                    stdout: String::new(),
                    stderr: message,
                    success: false,
                },
            )
        }
    };
    session
        .send_event(&ctx.sub_id, EventMsg::PatchApplyEnd(end))
        .await;
    output
}

/// What the model is told of a patch it applied, in the frame the
/// reference's models are trained on.
fn framed(exit_code: i32, wall_time: std::time::Duration, output: &str) -> String {
    format!(
        "Exit code: {exit_code}\nWall time: {:.1} seconds\nOutput:\n{output}",
        wall_time.as_secs_f64()
    )
}

/// The plan's changes keyed by absolute path, as events carry them.
fn protocol_changes(plan: &PatchPlan) -> HashMap<PathBuf, FileChange> {
    plan.changes
        .iter()
        .map(|change| {
            let file_change = match &change.kind {
                PlannedChangeKind::Add { content } => FileChange::Add {
                    content: content.clone(),
                },
                PlannedChangeKind::Delete { content } => FileChange::Delete {
                    content: content.clone(),
                },
                PlannedChangeKind::Update {
                    unified_diff,
                    move_path,
                    ..
                } => FileChange::Update {
                    unified_diff: unified_diff.clone(),
                    move_path: move_path.clone(),
                },
            };
            (change.path.clone(), file_change)
        })
        .collect()
}

fn describe(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The deepest directory containing every path.
fn common_parent(paths: &[PathBuf]) -> Option<PathBuf> {
    let mut iter = paths.iter().filter_map(|p| p.parent());
    let mut common = iter.next()?.to_path_buf();
    for parent in iter {
        while !parent.starts_with(&common) {
            common = common.parent()?.to_path_buf();
        }
    }
    Some(common)
}
