//! Review mode: `Op::Review` runs a reviewer in a session of its own (an
//! ephemeral child thread with the review prompt, no user instructions or
//! AGENTS.md, `review_model` at low effort with detailed summaries, no web
//! search, image viewing or interactive exec, no hooks, MCP or undo), so
//! its history never joins the parent's. It gets the parent's cwd, sandbox
//! and approval policy; its commands and approvals are shown through the
//! parent's events (approvals are answered through the parent too), its
//! message deltas are not.
//!
//! The parent sees `entered_review_mode`, then `exited_review_mode` with
//! the findings parsed from the reviewer's last message (the whole text as
//! JSON, else its outermost `{…}`, else the text as the explanation), and
//! records one `<user_action>` note so the model knows what the user saw.

use std::path::Path;
use std::sync::Arc;

use codex_protocol::config_types::{ReasoningEffort, ReasoningSummary};
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{
    EventMsg, ExitedReviewModeEvent, Op, ReviewOutputEvent, ReviewRequest,
};
use codex_protocol::user_input::UserInput;
use tokio_util::sync::CancellationToken;

use crate::features::SessionFeatures as _;
use crate::session::Session;
use crate::turn_context::TurnContext;

const REVIEW_PROMPT: &str = include_str!("review_prompt.md");
/// The longest finding title kept.
const MAX_TITLE_CHARS: usize = 80;

/// What can be reviewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewTarget {
    /// Staged, unstaged and untracked changes.
    Uncommitted,
    /// The changes since the merge base with this branch.
    BaseBranch(String),
    Commit {
        sha: String,
        title: Option<String>,
    },
    Custom(String),
}

/// The request for `target` in the repository at `cwd` (a base branch is
/// resolved to its merge base here, so the reviewer diffs against it).
pub fn review_request(target: &ReviewTarget, cwd: &Path) -> Result<ReviewRequest, String> {
    Ok(match target {
        ReviewTarget::Uncommitted => ReviewRequest {
            prompt: "Review the uncommitted changes of this repository: staged, unstaged and untracked files (`git status`, `git diff HEAD`, and the untracked files themselves).".into(),
            user_facing_hint: "uncommitted changes".into(),
        },
        ReviewTarget::BaseBranch(branch) => {
            let out = std::process::Command::new("git")
                .current_dir(cwd)
                .args(["merge-base", "HEAD", branch])
                .output()
                .map_err(|err| format!("cannot run git: {err}"))?;
            if !out.status.success() {
                return Err(format!(
                    "no merge base of HEAD and `{branch}`: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            let base = String::from_utf8_lossy(&out.stdout).trim().to_string();
            ReviewRequest {
                prompt: format!(
                    "Review the changes of this branch against `{branch}`: everything since their merge base {base} (`git diff {base}`)."
                ),
                user_facing_hint: format!("changes against {branch}"),
            }
        }
        ReviewTarget::Commit { sha, title } => ReviewRequest {
            prompt: format!("Review the changes of commit {sha} (`git show {sha}`)."),
            user_facing_hint: match title {
                Some(title) => format!("commit {}: {title}", short(sha)),
                None => format!("commit {}", short(sha)),
            },
        },
        ReviewTarget::Custom(instructions) => ReviewRequest {
            prompt: instructions.clone(),
            user_facing_hint: instructions.lines().next().unwrap_or_default().to_string(),
        },
    })
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// The reviewer's verdict from its final message.
pub fn parse_review_output(text: &str) -> ReviewOutputEvent {
    let parsed = serde_json::from_str::<ReviewOutputEvent>(text.trim())
        .ok()
        .or_else(|| {
            let (start, end) = (text.find('{')?, text.rfind('}')?);
            (start < end)
                .then(|| serde_json::from_str::<ReviewOutputEvent>(&text[start..=end]).ok())
                .flatten()
        });
    let mut output = parsed.unwrap_or_else(|| ReviewOutputEvent {
        overall_explanation: text.trim().to_string(),
        ..ReviewOutputEvent::default()
    });
    for finding in &mut output.findings {
        if finding.title.chars().count() > MAX_TITLE_CHARS {
            finding.title = finding.title.chars().take(MAX_TITLE_CHARS).collect();
        }
        finding.priority = finding.priority.clamp(0, 3);
        finding.confidence_score = finding.confidence_score.clamp(0.0, 1.0);
    }
    output.findings.sort_by_key(|f| f.priority);
    output
}

/// The findings as text, most urgent first.
pub fn render_findings(output: &ReviewOutputEvent) -> String {
    output.render_findings()
}

/// The review task.
pub(crate) async fn run_review_task(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    request: ReviewRequest,
    cancel: &CancellationToken,
) -> Option<String> {
    session.send_task_started(ctx).await;
    session
        .send_event(&ctx.sub_id, EventMsg::EnteredReviewMode(request.clone()))
        .await;
    let result = tokio::select! {
        result = run_reviewer(session, ctx, &request) => Some(result),
        _ = cancel.cancelled() => None,
    };
    let child = crate::state::lock(&session.features().review_child).take();
    if let Some(child) = child {
        let _ = child.submit(Op::Shutdown).await;
    }
    let (output, note) = match result {
        Some(Ok(text)) => {
            let output = parse_review_output(&text);
            let rendered = render_findings(&output);
            let note = format!(
                "<user_action>\n  <context>The user ran a code review ({}). These are the reviewer's findings; the user may ask you to address some of them.</context>\n  <action>review</action>\n  <results>\n{}\n  </results>\n</user_action>",
                request.user_facing_hint,
                if rendered.is_empty() {
                    "No findings."
                } else {
                    rendered.as_str()
                }
            );
            (Some(output), note)
        }
        Some(Err(message)) => {
            session
                .send_error(&ctx.sub_id, format!("the review failed: {message}"))
                .await;
            (None, interrupted_note(&request))
        }
        None => (None, interrupted_note(&request)),
    };
    session
        .record_conversation_items(ctx, &[ResponseItem::user_text(note)])
        .await;
    session
        .send_event(
            &ctx.sub_id,
            EventMsg::ExitedReviewMode(ExitedReviewModeEvent {
                review_output: output.clone(),
            }),
        )
        .await;
    session.flush_rollout().await;
    output.map(|o| render_findings(&o))
}

fn interrupted_note(request: &ReviewRequest) -> String {
    format!(
        "<user_action>\n  <context>The user started a code review ({}) but it did not finish. If they ask about it, suggest running /review again and letting it complete.</context>\n  <action>review</action>\n  <results>None.</results>\n</user_action>",
        request.user_facing_hint
    )
}

/// Runs the reviewer to its last message.
async fn run_reviewer(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    request: &ReviewRequest,
) -> Result<String, String> {
    let mut config = crate::spawn::child_config(&session.services.config);
    config.model = config.review_model.clone();
    config.model_reasoning_effort = Some(ReasoningEffort::Low);
    config.model_reasoning_summary = ReasoningSummary::Detailed;
    config.base_instructions = Some(REVIEW_PROMPT.to_string());
    config.approval_policy = ctx.approval_policy;
    config.sandbox_policy = ctx.sandbox_policy.clone();
    config.cwd = ctx.cwd.clone();
    let params = crate::spawn::child_params(&session.services, "review");
    let child = Arc::new(
        crate::spawn::spawn_child(session, config, params)
            .await
            .map_err(|e| e.to_string())?,
    );
    *crate::state::lock(&session.features().review_child) = Some(Arc::clone(&child));
    child
        .submit(Op::UserInput {
            items: vec![UserInput::Text {
                text: request.prompt.clone(),
            }],
            final_output_json_schema: None,
        })
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let event = child.next_event().await.map_err(|e| e.to_string())?;
        match event.msg {
            EventMsg::TaskComplete(done) => return Ok(done.last_agent_message.unwrap_or_default()),
            EventMsg::TurnAborted(_) => return Err("the reviewer was stopped".into()),
            EventMsg::Error(error) => return Err(error.message),
            // What the user should see of the reviewer's work.
            msg @ (EventMsg::ExecCommandBegin(_)
            | EventMsg::ExecCommandOutputDelta(_)
            | EventMsg::ExecCommandEnd(_)
            | EventMsg::ExecApprovalRequest(_)
            | EventMsg::ApplyPatchApprovalRequest(_)
            | EventMsg::AgentReasoning(_)
            | EventMsg::StreamError(_)
            | EventMsg::Warning(_)
            | EventMsg::TokenCount(_)) => session.send_event_unrecorded(&ctx.sub_id, msg),
            _ => {}
        }
    }
}
