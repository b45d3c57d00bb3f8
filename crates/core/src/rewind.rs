//! `/rewind`: checkpoints before each user message, and going back to one
//! (`Op::ListRewindPoints`, `Op::Rewind`, the reference's
//! `Op::ThreadRollback`).
//!
//! A checkpoint starts with every task that carries user input
//! ([`begin_checkpoint`]); in a git repository the turn's ghost snapshots
//! (`turn.rs`) become its "before" and "after", chained and kept by the
//! thread's private ref. Outside git, `apply_patch` records each file's
//! content before the agent's first change in the turn
//! ([`record_file_before`]). The plans and the content store live in
//! `codex-rewind`; this module picks the checkpoints, rolls the
//! conversation back, and reports.
//!
//! The conversation goes back by dropping the last user turns from the
//! history and recording `thread_rolled_back` (the reference's line), so a
//! resume rebuilds the rewound history. "Summarize from here" replaces the
//! turns with a summary the model writes ([`run_summarize_task`]).

use std::sync::Arc;

use codex_client::Prompt;
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::EventMsg;
use codex_protocol::rewind::{
    RewindCompletedEvent, RewindMode, RewindPlan, RewindPoint, RewindPointsEvent,
    ThreadRolledBackEvent,
};
use tokio_util::sync::CancellationToken;

use crate::compact::{REWIND_SUMMARY_PREFIX, user_turn_message, user_turn_starts};
use crate::error::CodexErr;
use crate::features::SessionFeatures as _;
use crate::history::last_assistant_message;
use crate::sampling::{sample_items, with_stream_retries};
use crate::session::Session;
use crate::turn_context::TurnContext;

/// What the model is asked when the turns from a message on are replaced.
const SUMMARIZE_FROM_PROMPT: &str = "Write a summary of this conversation from the user message quoted below to the end, for yourself to continue from: what was asked, what was done (files changed, commands run and what they showed), what was decided, and what is still open. Be concise and factual; keep names of files, functions and commands exact. Answer with the summary only.";

/// Starts the checkpoint of the task about to handle user message `nth`.
pub(crate) fn begin_checkpoint(session: &Session, nth: usize) {
    let taken_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut checkpoints = crate::state::lock(&session.services.checkpoints);
    if session.features().ghost.is_some() {
        // Written with the turn's first snapshot, which follows at once.
        checkpoints.begin_unsaved(nth, taken_at);
    } else if let Err(err) = checkpoints.begin(nth, taken_at) {
        tracing::warn!(%err, "cannot record a rewind checkpoint");
    }
}

/// How many messages the user typed are in the history.
pub(crate) fn user_message_count(session: &Session) -> usize {
    user_turn_starts(&session.state.history_for_prompt().items).len()
}

/// A ghost snapshot of the working tree for the current checkpoint (its
/// "before" or "after"), chained to the thread's previous one; an "after"
/// moves the thread's private ref, which keeps the chain.
pub(crate) async fn checkpoint_snapshot(
    session: &Arc<Session>,
    before: bool,
) -> Result<Option<crate::ghost::Snapshot>, String> {
    let Some(repo) = session.features().ghost.clone() else {
        return Ok(None);
    };
    let parent = crate::state::lock(&session.services.checkpoints)
        .last_git_commit()
        .map(str::to_string);
    let keep = (!before).then(|| codex_rewind::thread_ref(&session.thread_id.to_string()));
    let snapshot = tokio::task::spawn_blocking(move || {
        let snapshot = repo.snapshot_after(parent.as_deref())?;
        if let Some(name) = keep {
            repo.keep(&name, &snapshot.commit)?;
        }
        Ok::<_, String>(snapshot)
    })
    .await
    .map_err(|e| e.to_string())??;
    let mut checkpoints = crate::state::lock(&session.services.checkpoints);
    let saved = if before {
        checkpoints.set_git_before(&snapshot)
    } else {
        checkpoints.set_git_after(&snapshot)
    };
    if let Err(err) = saved {
        tracing::warn!(%err, "cannot record a rewind checkpoint");
    }
    Ok(Some(snapshot))
}

/// Before `apply_patch` writes `paths` outside git: keeps what they hold.
pub(crate) fn record_file_before(session: &Session, paths: &[std::path::PathBuf]) {
    if session.features().ghost.is_some() {
        return;
    }
    if let Err(err) = crate::state::lock(&session.services.checkpoints).record_before(paths) {
        tracing::warn!(%err, "cannot checkpoint the files of a patch");
    }
}

/// After `apply_patch` wrote `paths` outside git: what the agent left.
pub(crate) fn record_file_after(session: &Session, paths: &[std::path::PathBuf]) {
    if session.features().ghost.is_some() {
        return;
    }
    if let Err(err) = crate::state::lock(&session.services.checkpoints).record_after(paths) {
        tracing::warn!(%err, "cannot checkpoint the files of a patch");
    }
}

/// `Op::ListRewindPoints`: every user message with what changed since.
pub(crate) fn list_points(session: &Arc<Session>, sub_id: &str) {
    let session = Arc::clone(session);
    let sub_id = sub_id.to_string();
    tokio::spawn(async move {
        let items = session.state.history_for_prompt().items;
        let texts: Vec<String> = items.iter().filter_map(user_turn_message).collect();
        let (session2, count) = (Arc::clone(&session), texts.len());
        let changes = tokio::task::spawn_blocking(move || changes_since(&session2, count))
            .await
            .unwrap_or_default();
        let points = texts
            .into_iter()
            .enumerate()
            .map(|(nth, text)| {
                let (timestamp, changed) = changes
                    .iter()
                    .find(|(n, _, _)| *n == nth)
                    .map(|(_, t, c)| (Some(t.clone()), c.clone()))
                    .unwrap_or_default();
                RewindPoint {
                    nth_user_message: nth,
                    text,
                    has_checkpoint: timestamp.is_some(),
                    timestamp,
                    changed,
                }
            })
            .collect();
        session.send_event_unrecorded(
            &sub_id,
            EventMsg::RewindPoints(RewindPointsEvent { points }),
        );
    });
}

type PointChanges = Vec<(usize, String, Vec<codex_protocol::rewind::RewindFileStat>)>;

/// For each checkpoint of the first `count` messages: when it was taken
/// and what changed since.
fn changes_since(session: &Session, count: usize) -> PointChanges {
    let checkpoints = crate::state::lock(&session.services.checkpoints);
    let now = match &session.features().ghost {
        Some(repo) if checkpoints.list().iter().any(|c| c.git_before.is_some()) => {
            repo.snapshot().ok()
        }
        _ => None,
    };
    checkpoints
        .list()
        .iter()
        .filter(|c| c.nth_user_message < count)
        .map(|checkpoint| {
            let nth = checkpoint.nth_user_message;
            let changed = match (&session.features().ghost, &now, &checkpoint.git_before) {
                (Some(repo), Some(now), Some(_)) => {
                    codex_rewind::restore::git_changes_since(repo, checkpoint, &now.commit)
                        .unwrap_or_default()
                }
                _ => {
                    codex_rewind::restore::files_changes_since(&checkpoints, checkpoints.from(nth))
                }
            };
            (nth, checkpoint.taken_at.clone(), changed)
        })
        .collect()
}

/// The request of an `Op::Rewind`.
pub(crate) struct RewindRequest {
    pub(crate) nth_user_message: usize,
    pub(crate) mode: RewindMode,
    pub(crate) dry_run: bool,
    pub(crate) restore_edited: Vec<String>,
}

/// `Op::Rewind` (all modes but a real "summarize", which is a task).
pub(crate) fn start(session: &Arc<Session>, sub_id: &str, request: RewindRequest) {
    let session = Arc::clone(session);
    let sub_id = sub_id.to_string();
    tokio::spawn(async move {
        let event = rewind(&session, &sub_id, &request).await;
        session.send_event_unrecorded(&sub_id, EventMsg::RewindCompleted(event));
    });
}

async fn rewind(
    session: &Arc<Session>,
    sub_id: &str,
    request: &RewindRequest,
) -> RewindCompletedEvent {
    let nth = request.nth_user_message;
    let mut event = RewindCompletedEvent {
        success: false,
        message: String::new(),
        nth_user_message: nth,
        mode: request.mode,
        dry_run: request.dry_run,
        plan: None,
        message_text: None,
        rolled_back_turns: 0,
    };
    if session.active_sub_id().is_some() {
        event.message = "Wait for the turn to end (or interrupt it) before rewinding.".into();
        return event;
    }
    let items = session.state.history_for_prompt().items;
    let starts = user_turn_starts(&items);
    let Some(&start) = starts.get(nth) else {
        event.message = format!(
            "There is no user message {} to go back to (the conversation has {}).",
            nth + 1,
            starts.len()
        );
        return event;
    };
    event.message_text = user_turn_message(&items[start]);
    let mut parts = Vec::new();
    if request.mode.restores_code() {
        let commands = commands_run(&items[start..]);
        let session2 = Arc::clone(session);
        let restore_edited = request.restore_edited.clone();
        let dry_run = request.dry_run;
        let settle = request.mode == RewindMode::CodeOnly;
        let planned = tokio::task::spawn_blocking(move || {
            restore_code(&session2, nth, &restore_edited, &commands, dry_run, settle)
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
        match planned {
            Ok((plan, done)) => {
                if let Some(done) = done {
                    parts.push(done);
                }
                event.plan = Some(plan);
            }
            Err(err) => {
                event.message = format!("Cannot restore the code: {err}");
                return event;
            }
        }
    }
    if request.dry_run {
        event.success = true;
        event.message = "Nothing changed yet (a preview).".into();
        return event;
    }
    if matches!(
        request.mode,
        RewindMode::CodeAndConversation | RewindMode::ConversationOnly
    ) {
        let turns = starts.len() - nth;
        let code_restored = request.mode.restores_code();
        event.rolled_back_turns = roll_back(session, sub_id, turns, code_restored).await;
        parts.push(format!(
            "the conversation went back {} turn(s)",
            event.rolled_back_turns
        ));
    }
    event.success = true;
    event.message = format!(
        "Rewound to before message {}: {}.",
        nth + 1,
        parts.join("; ")
    );
    if let Some(plan) = &event.plan {
        event.message.push_str(&plan_notes(plan));
    }
    event
}

/// Drops the last `turns` user turns and records it; returns how many
/// were dropped. Their checkpoints go; when the code was not put back,
/// the changes they made stay the agent's (`Checkpoints::fold_from`).
async fn roll_back(session: &Arc<Session>, sub_id: &str, turns: usize, code_restored: bool) -> u32 {
    let before = user_message_count(session);
    let dropped = session
        .state
        .with_history(|history| crate::compact::drop_last_user_turns(history, turns));
    {
        let mut checkpoints = crate::state::lock(&session.services.checkpoints);
        let from = before - dropped;
        if code_restored {
            checkpoints.forget_from(from);
        } else if let Err(err) = checkpoints.fold_from(from) {
            tracing::warn!(%err, "cannot record a rewind checkpoint");
        }
    }
    let num_turns = u32::try_from(dropped).unwrap_or(u32::MAX);
    if num_turns > 0 {
        session
            .send_event(
                sub_id,
                EventMsg::ThreadRolledBack(ThreadRolledBackEvent { num_turns }),
            )
            .await;
        session.flush_rollout().await;
    }
    num_turns
}

/// `Op::ThreadRollback` (the reference's): the conversation only.
pub(crate) fn rollback(session: &Arc<Session>, sub_id: &str, num_turns: u32) {
    let session = Arc::clone(session);
    let sub_id = sub_id.to_string();
    tokio::spawn(async move {
        if session.active_sub_id().is_some() {
            session
                .send_error(
                    &sub_id,
                    "Wait for the turn to end before rolling back.".into(),
                )
                .await;
            return;
        }
        let dropped = roll_back(&session, &sub_id, num_turns as usize, false).await;
        if dropped == 0 {
            // Nothing recorded: still tell the caller it is done.
            session.send_event_unrecorded(
                &sub_id,
                EventMsg::ThreadRolledBack(ThreadRolledBackEvent { num_turns: 0 }),
            );
        }
    });
}

/// Plans (and unless `dry_run` applies) putting the code back to before
/// message `nth`; returns the plan and what was done. With `settle` (the
/// conversation goes on) the restored files become the newest
/// checkpoint's end state.
fn restore_code(
    session: &Session,
    nth: usize,
    restore_edited: &[String],
    commands: &[String],
    dry_run: bool,
    settle: bool,
) -> Result<(RewindPlan, Option<String>), String> {
    let mut checkpoints = crate::state::lock(&session.services.checkpoints);
    let from = checkpoints.from(nth);
    if from.first().map(|c| c.nth_user_message) != Some(nth) {
        return Err(format!(
            "no checkpoint was taken before message {} (it was sent before checkpoints were kept, or joined a running turn)",
            nth + 1
        ));
    }
    let repo = session.features().ghost.as_ref();
    let plan = match repo {
        Some(repo) if from[0].git_before.is_some() => {
            let now = repo.snapshot()?;
            codex_rewind::restore::git_plan(repo, from, &now.commit, restore_edited)?
        }
        _ => codex_rewind::restore::files_plan(&checkpoints, from, restore_edited, commands)?,
    };
    if dry_run {
        return Ok((plan.summary, None));
    }
    let (restored, removed) = codex_rewind::restore::apply(&plan, repo, &checkpoints)?;
    if settle {
        let now = match repo {
            Some(repo) => {
                let snapshot = repo.snapshot_after(checkpoints.last_git_commit())?;
                repo.keep(
                    &codex_rewind::thread_ref(&session.thread_id.to_string()),
                    &snapshot.commit,
                )?;
                Some(snapshot)
            }
            None => None,
        };
        checkpoints
            .settle(now.as_ref())
            .map_err(|e| format!("cannot record the checkpoint: {e}"))?;
    }
    Ok((
        plan.summary,
        Some(format!(
            "{restored} file(s) restored, {removed} file(s) the agent created removed"
        )),
    ))
}

/// What a finished rewind left alone, for its message.
fn plan_notes(plan: &RewindPlan) -> String {
    let mut notes = String::new();
    if !plan.edited_by_hand.is_empty() {
        notes.push_str(&format!(
            " Left as they are (edited by hand since): {}.",
            plan.edited_by_hand.join(", ")
        ));
    }
    if !plan.not_restorable.is_empty() {
        notes.push_str(&format!(
            " Not restorable: {}.",
            plan.not_restorable.join("; ")
        ));
    }
    notes
}

/// The commands the model ran in `items` (their effects outside git are
/// unknown to a checkpoint).
fn commands_run(items: &[ResponseItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| match item {
            ResponseItem::LocalShellCall { action, .. } => {
                let codex_protocol::models::LocalShellAction::Exec(exec) = action;
                Some(exec.command.join(" "))
            }
            ResponseItem::FunctionCall {
                name, arguments, ..
            } if matches!(
                name.as_str(),
                "shell" | "shell_command" | "exec_command" | "container.exec"
            ) =>
            {
                let args: serde_json::Value = serde_json::from_str(arguments).ok()?;
                let command = args.get("command").or_else(|| args.get("cmd"))?;
                Some(match command {
                    serde_json::Value::Array(parts) => parts
                        .iter()
                        .filter_map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                    other => other.as_str().unwrap_or_default().to_string(),
                })
            }
            _ => None,
        })
        .filter(|c| !c.is_empty())
        .collect()
}

/// "Summarize from here": a task that asks the model for a summary of the
/// turns from message `nth` on and puts it in their place (the files stay
/// as they are).
pub(crate) async fn run_summarize_task(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    nth: usize,
    cancel: &CancellationToken,
) -> Option<String> {
    session.send_task_started(ctx).await;
    let mut event = RewindCompletedEvent {
        success: false,
        message: String::new(),
        nth_user_message: nth,
        mode: RewindMode::Summarize,
        dry_run: false,
        plan: None,
        message_text: None,
        rolled_back_turns: 0,
    };
    let crate::history::PromptInput {
        items: mut input,
        spilled,
    } = session.state.history_for_prompt();
    let starts = user_turn_starts(&input);
    let Some(&start) = starts.get(nth) else {
        event.message = format!(
            "There is no user message {} to summarize from (the conversation has {}).",
            nth + 1,
            starts.len()
        );
        session.send_event_unrecorded(&ctx.sub_id, EventMsg::RewindCompleted(event));
        return None;
    };
    let from_text = user_turn_message(&input[start]).unwrap_or_default();
    event.message_text = Some(from_text.clone());
    std::sync::Arc::make_mut(&mut input).push(ResponseItem::user_text(format!(
        "{SUMMARIZE_FROM_PROMPT}\n\n<from_message>\n{from_text}\n</from_message>"
    )));
    let prompt = Prompt {
        instructions: ctx.base_instructions.clone(),
        input,
        spilled,
        tools: Default::default(),
        parallel_tool_calls: false,
        output_schema: None,
    };
    let sampled = with_stream_retries(session, ctx, cancel, || {
        sample_items(session, ctx, prompt.clone(), cancel)
    })
    .await;
    let summary = match sampled {
        Ok((items, usage)) => {
            if let Some(usage) = usage {
                session.update_token_usage(ctx, &usage).await;
            }
            last_assistant_message(&items).unwrap_or_default()
        }
        Err(CodexErr::TurnAborted) => return None,
        Err(err) => {
            event.message = format!("Cannot summarize: {err}");
            session.send_event_unrecorded(&ctx.sub_id, EventMsg::RewindCompleted(event));
            return None;
        }
    };
    event.rolled_back_turns = roll_back(session, &ctx.sub_id, starts.len() - nth, false).await;
    let summary = if summary.trim().is_empty() {
        "(no summary was produced)"
    } else {
        summary.trim()
    };
    let bridge = ResponseItem::user_text(format!(
        "{REWIND_SUMMARY_PREFIX}\n\n<summary>\n{summary}\n</summary>"
    ));
    session
        .record_conversation_items(ctx, std::slice::from_ref(&bridge))
        .await;
    session.flush_rollout().await;
    event.success = true;
    event.message = format!(
        "Replaced {} turn(s) from message {} with a summary; the files are as they were.",
        event.rolled_back_turns,
        nth + 1
    );
    session.send_event_unrecorded(&ctx.sub_id, EventMsg::RewindCompleted(event));
    None
}
