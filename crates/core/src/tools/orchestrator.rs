//! Commands: approval → sandbox → run → (maybe) retry without the sandbox.
//!
//! | policy       | asks first                       | on a sandbox denial            |
//! |--------------|----------------------------------|--------------------------------|
//! | `never`      | never                            | the failure goes to the model  |
//! | `on-failure` | never                            | asks to retry unsandboxed      |
//! | `on-request` | only when the model asks to escalate (then runs unsandboxed) | failure to the model |
//! | `untrusted`  | anything not known to be read-only | asks to retry unsandboxed    |
//!
//! "Approved for session" remembers the exact command: it is not asked
//! about again, and runs unsandboxed if that is what was approved.

use std::path::PathBuf;
use std::time::Duration;

use codex_protocol::protocol::{
    AskForApproval, EventMsg, ExecCommandBeginEvent, ExecCommandEndEvent,
    ExecCommandOutputDeltaEvent, ExecOutputStream, ReviewDecision, SandboxPolicy,
};
use codex_sandbox::{
    ExecOutput, StreamKind, is_likely_sandbox_denial, run_command, sandbox_setup_failure,
};

use super::ToolOutput;
use super::call_description::{ApprovalSubject, CallDescription};
use super::format::format_exec_output;
use crate::features::SessionFeatures as _;
use crate::parse_command::parse_command;
use crate::safety::is_known_safe_command;
use crate::session::Session;
use crate::turn_context::TurnContext;

/// Default timeout of a command.
pub(crate) const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// A command the model asked to run.
pub(crate) struct ExecRequest {
    pub(crate) call_id: String,
    pub(crate) argv: Vec<String>,
    pub(crate) cwd: PathBuf,
    pub(crate) timeout_ms: u64,
    pub(crate) escalate: bool,
    pub(crate) justification: Option<String>,
}

enum Approval {
    Granted,
    Refused(ToolOutput),
}

pub(crate) async fn run_exec(
    session: &Session,
    ctx: &TurnContext,
    request: ExecRequest,
) -> ToolOutput {
    let first_policy = match approve(session, ctx, &request).await {
        Ok(policy) => policy,
        Err(refusal) => return refusal,
    };
    let first = match execute(session, ctx, &request, &first_policy).await {
        Ok(ran) => ran,
        Err(failure) => return failure,
    };

    let denied = !matches!(first_policy, SandboxPolicy::DangerFullAccess)
        && is_likely_sandbox_denial(&first_policy, &first.output);
    let may_escalate = matches!(
        ctx.approval_policy,
        AskForApproval::OnFailure | AskForApproval::UnlessTrusted
    );
    if denied && may_escalate {
        if !crate::approvals::for_session(session).is_command_approved(&request.argv) {
            let why = sandbox_setup_failure(&first.output)
                .unwrap_or_else(|| "the command failed in the sandbox".to_string());
            let reason = Some(format!("{why}; run it again without the sandbox?"));
            if let Approval::Refused(_) = ask(session, ctx, &request, reason).await {
                return first.tool_output;
            }
        }
        return match execute(session, ctx, &request, &SandboxPolicy::DangerFullAccess).await {
            Ok(ran) => ran.tool_output,
            Err(failure) => failure,
        };
    }
    first.tool_output
}

/// Runs a command the person asked for (`!cmd`): no approval, the turn's
/// sandbox, no retry. Reported like the model's commands.
pub(crate) async fn run_user_command(session: &Session, ctx: &TurnContext, request: ExecRequest) {
    let _ = execute(session, ctx, &request, &ctx.sandbox_policy).await;
}

/// The approval step, before a command starts: asks where the policy says
/// so, and returns the policy the command runs under (the turn's, or full
/// access for an approved escalation), or what the model is told instead.
pub(crate) async fn approve(
    session: &Session,
    ctx: &TurnContext,
    request: &ExecRequest,
) -> Result<SandboxPolicy, ToolOutput> {
    let policy = ctx.approval_policy;
    if request.argv.is_empty() {
        return Err(ToolOutput::failure("the command is empty"));
    }
    if let Some(decided) = apply_command_rules(session, ctx, request).await {
        return decided;
    }
    if request.escalate && policy != AskForApproval::OnRequest {
        return Err(ToolOutput::failure(format!(
            "approval policy is {policy:?}; reject command — you should not ask for escalated permissions if the approval policy is {policy:?}"
        )));
    }
    let approved_for_session =
        crate::approvals::for_session(session).is_command_approved(&request.argv);
    let ask_first = !approved_for_session
        && match policy {
            AskForApproval::UnlessTrusted => !is_known_safe_command(&request.argv),
            AskForApproval::OnRequest => request.escalate,
            AskForApproval::OnFailure | AskForApproval::Never => false,
        };
    if ask_first {
        let reason = request.justification.clone();
        if let Approval::Refused(output) = ask(session, ctx, request, reason).await {
            return Err(output);
        }
    } else if let Some(turn) = session.active_turn.state()
        && let Some(telemetry) = turn.telemetry()
    {
        let decision = if approved_for_session {
            "approved_for_session"
        } else {
            "approved"
        };
        telemetry.session().tool_decision(
            Some(telemetry),
            "shell",
            &request.call_id,
            decision,
            "config",
        );
    }
    Ok(if request.escalate {
        SandboxPolicy::DangerFullAccess
    } else {
        ctx.sandbox_policy.clone()
    })
}

/// The command rules' say, before anything else: a forbidden command is
/// refused with the rule's justification; a prompting one asks (and is
/// refused where nobody can be asked); an allowed one runs without asking
/// and outside the sandbox, as in the reference, and the person is told
/// which rule let it. `None`: no rule decides.
async fn apply_command_rules(
    session: &Session,
    ctx: &TurnContext,
    request: &ExecRequest,
) -> Option<Result<SandboxPolicy, ToolOutput>> {
    use codex_execpolicy::assess::{Assessment, assess};
    let rules = match session.services.exec_rules.policy() {
        Ok(rules) => rules,
        Err(err) => {
            let message = format!("command not run: the command rules cannot be loaded: {err}");
            session.send_event_unrecorded(
                &ctx.sub_id,
                EventMsg::Warning(codex_protocol::protocol::WarningEvent {
                    message: message.clone(),
                }),
            );
            return Some(Err(ToolOutput::failure(message)));
        }
    };
    match assess(&rules, &request.argv) {
        Assessment::NoRule => None,
        Assessment::Forbidden { reason } => Some(Err(ToolOutput::failure(reason))),
        Assessment::Prompt { reason } => {
            if ctx.approval_policy == AskForApproval::Never {
                return Some(Err(ToolOutput::failure(format!(
                    "{reason}; the approval policy is never, so it was not run"
                ))));
            }
            if !crate::approvals::for_session(session).is_command_approved(&request.argv)
                && let Approval::Refused(output) = ask(session, ctx, request, Some(reason)).await
            {
                return Some(Err(output));
            }
            Some(Ok(if request.escalate {
                SandboxPolicy::DangerFullAccess
            } else {
                ctx.sandbox_policy.clone()
            }))
        }
        Assessment::Allow { rule } => {
            let message = format!(
                "running `{}` outside the sandbox without asking: allowed by {}",
                crate::parse_command::shell_join(&request.argv),
                crate::exec_rules::describe(rule.source())
            );
            session
                .send_event(
                    &ctx.sub_id,
                    EventMsg::BackgroundEvent(codex_protocol::protocol::BackgroundEventEvent {
                        message,
                    }),
                )
                .await;
            Some(Ok(SandboxPolicy::DangerFullAccess))
        }
    }
}

/// A command that ran, and what the model is told about it.
struct Ran {
    output: ExecOutput,
    tool_output: ToolOutput,
}

async fn ask(
    session: &Session,
    ctx: &TurnContext,
    request: &ExecRequest,
    reason: Option<String>,
) -> Approval {
    let description = CallDescription::shell(request.argv.clone());
    let subject = ApprovalSubject {
        tool: "shell",
        description: &description,
    };
    let amendment = session
        .services
        .exec_rules
        .policy()
        .ok()
        .and_then(|rules| codex_execpolicy::assess::proposed_amendment(&rules, &request.argv));
    let decision = crate::approvals::request_command_proposing(
        session,
        ctx,
        &request.call_id,
        &request.argv,
        request.cwd.clone(),
        reason,
        subject,
        amendment.clone(),
    )
    .await;
    match decision {
        ReviewDecision::Approved => Approval::Granted,
        ReviewDecision::ApprovedExecpolicyAmendment => {
            if let Some(prefix) = amendment
                && !crate::exec_rules::already_allowed(session, &prefix)
                && let Err(err) = crate::exec_rules::apply_amendment(session, &prefix)
            {
                session.send_event_unrecorded(
                    &ctx.sub_id,
                    EventMsg::Warning(codex_protocol::protocol::WarningEvent {
                        message: format!(
                            "approved once; the rule for `{}` could not be saved: {err}",
                            crate::parse_command::shell_join(&prefix)
                        ),
                    }),
                );
            }
            Approval::Granted
        }
        ReviewDecision::ApprovedForSession => {
            crate::approvals::for_session(session).approve_command(&request.argv);
            Approval::Granted
        }
        ReviewDecision::Denied => {
            Approval::Refused(ToolOutput::failure("exec command rejected by user"))
        }
        // The submission loop interrupts the task; this output is never seen.
        ReviewDecision::Abort => {
            Approval::Refused(ToolOutput::failure("exec command aborted by user"))
        }
    }
}

/// Runs the command under `policy`, with begin/output/end events. It waits
/// for one of the session's command slots first, so that its timeout counts
/// from when it really starts.
async fn execute(
    session: &Session,
    ctx: &TurnContext,
    request: &ExecRequest,
    policy: &SandboxPolicy,
) -> Result<Ran, ToolOutput> {
    // The semaphore is never closed, so acquiring cannot fail.
    let _slot = session.services.command_slots.acquire().await.ok();
    let mut env = session.command_env(&ctx.shell_environment_policy);
    // What runs may differ from what is shown: `bash -lc` reads the shell
    // snapshot instead of the profile.
    let argv = session
        .features()
        .shell_snapshot
        .apply(request.argv.clone(), &mut env)
        .await;
    let spec = session.command_spec(argv, request.cwd.clone(), env, policy.clone());
    session
        .send_event(
            &ctx.sub_id,
            EventMsg::ExecCommandBegin(ExecCommandBeginEvent {
                call_id: request.call_id.clone(),
                command: request.argv.clone(),
                cwd: request.cwd.clone(),
                parsed_cmd: parse_command(&request.argv),
                process_id: None,
            }),
        )
        .await;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<codex_sandbox::OutputChunk>();
    let forward = async {
        while let Some(chunk) = rx.recv().await {
            session.send_event_unrecorded(
                &ctx.sub_id,
                EventMsg::ExecCommandOutputDelta(ExecCommandOutputDeltaEvent {
                    call_id: request.call_id.clone(),
                    stream: match chunk.stream {
                        StreamKind::Stdout => ExecOutputStream::Stdout,
                        StreamKind::Stderr => ExecOutputStream::Stderr,
                    },
                    chunk: String::from_utf8_lossy(&chunk.bytes).into_owned(),
                }),
            );
        }
    };
    let proxy = session
        .services
        .network_proxy
        .as_ref()
        .filter(|_| spec.network_proxy.is_some());
    let denial_mark = proxy.map(|p| p.denial_mark());
    let run = run_command(
        &spec,
        Some(Duration::from_millis(request.timeout_ms)),
        Some(tx),
    );
    let (result, ()) = tokio::join!(run, forward);

    match result {
        Ok(output) => {
            // Formatted once: the event and the model see the same text.
            let mut formatted = format_exec_output(&output, request.timeout_ms);
            if let (Some(proxy), Some(mark)) = (proxy, denial_mark)
                && let Some(note) = crate::network_allowlist::blocked_note(proxy, mark)
            {
                formatted.push('\n');
                formatted.push_str(&note);
            }
            let end = ExecCommandEndEvent {
                call_id: request.call_id.clone(),
                stdout: output.stdout.text(),
                stderr: output.stderr.text(),
                aggregated_output: output.aggregated.text(),
                exit_code: output.exit_code,
                duration: output.duration,
                formatted_output: formatted.clone(),
                process_id: None,
            };
            session
                .send_event(&ctx.sub_id, EventMsg::ExecCommandEnd(end))
                .await;
            let tool_output = ToolOutput {
                content: formatted,
                success: output.exit_code == 0,
                content_items: None,
            };
            Ok(Ran {
                output,
                tool_output,
            })
        }
        Err(err) => {
            let message = err.to_string();
            session
                .send_event(
                    &ctx.sub_id,
                    EventMsg::ExecCommandEnd(ExecCommandEndEvent {
                        call_id: request.call_id.clone(),
                        stdout: String::new(),
                        stderr: message.clone(),
                        aggregated_output: message.clone(),
                        exit_code: -1,
                        duration: Duration::ZERO,
                        formatted_output: message.clone(),
                        process_id: None,
                    }),
                )
                .await;
            Err(ToolOutput::failure(message))
        }
    }
}
