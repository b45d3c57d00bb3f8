//! Running one task at a time: start, finish, abort.
//!
//! A task is one user-visible turn (which may take several model requests).
//! Exactly one terminal event ends it: `task_complete` when it finishes, or
//! `turn_aborted` when it is interrupted or replaced — never both, whatever
//! the timing, because both paths first take the task out of the
//! [`TurnSlot`](crate::state::TurnSlot) and only the one that got it
//! reports.

use std::sync::Arc;
use std::time::Duration;

use codex_protocol::protocol::{EventMsg, TaskCompleteEvent, TurnAbortReason, TurnAbortedEvent};
use codex_protocol::user_input::UserInput;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::session::Session;
use crate::state::{ActiveTurn, TurnState};
use crate::turn_context::TurnContext;
use crate::{compact, turn};

/// How long an interrupted task gets to record what it completed before it
/// is stopped outright.
const ABORT_GRACE: Duration = Duration::from_millis(1500);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TaskKind {
    Regular,
    Compact,
    /// A command the person typed (`!cmd`).
    UserShell {
        command: String,
    },
    Review {
        request: codex_protocol::protocol::ReviewRequest,
    },
    /// `/rewind`'s "summarize from here": the turns from user message
    /// `nth` on are replaced by a summary.
    SummarizeFrom {
        nth: usize,
    },
}

impl Session {
    /// Starts a task (replacing any running one).
    pub(crate) async fn spawn_task(
        self: &Arc<Self>,
        ctx: Arc<TurnContext>,
        kind: TaskKind,
        input: Vec<UserInput>,
    ) {
        // A task that has made its last request is only recording its end:
        // let it finish (and report completion) rather than abort it.
        if let Some(handle) = self.active_turn.take_handle_if_closed() {
            let abort = handle.abort_handle();
            if tokio::time::timeout(ABORT_GRACE, handle).await.is_err() {
                abort.abort();
            }
        }
        self.abort_all_tasks(TurnAbortReason::Replaced).await;
        let cancel = CancellationToken::new();
        let turn_telemetry = self.services.telemetry.as_ref().map(|telemetry| {
            let turn = telemetry.start_turn(&ctx.sub_id);
            let prompt: Vec<&str> = input
                .iter()
                .filter_map(|item| match item {
                    UserInput::Text { text } => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            if matches!(kind, TaskKind::Regular) && !prompt.is_empty() {
                telemetry.user_prompt(Some(&turn), &prompt.join("\n"));
            }
            turn
        });
        let turn_state = Arc::new(TurnState::new(turn_telemetry));
        // Installed before the task starts, so a task that finishes at once
        // still finds itself in the slot.
        self.active_turn.replace(ActiveTurn {
            sub_id: ctx.sub_id.clone(),
            cancel: cancel.clone(),
            handle: None,
            state: Arc::clone(&turn_state),
        });
        let session = Arc::clone(self);
        let task_ctx = Arc::clone(&ctx);
        let handle = tokio::spawn(
            async move {
                let last_message = match kind {
                    TaskKind::Regular => {
                        let started = std::time::Instant::now();
                        let last =
                            turn::run_task(&session, &task_ctx, &turn_state, input, &cancel).await;
                        crate::goals::turn_ended(&session, started.elapsed()).await;
                        if !cancel.is_cancelled() {
                            crate::plan_mode::propose(&session, &task_ctx, last.as_deref()).await;
                        }
                        last
                    }
                    TaskKind::Compact => {
                        compact::run_compact_task(&session, &task_ctx, &cancel).await
                    }
                    TaskKind::UserShell { command } => {
                        crate::user_shell::run(&session, &task_ctx, command).await
                    }
                    TaskKind::Review { request } => {
                        crate::review::run_review_task(&session, &task_ctx, request, &cancel).await
                    }
                    TaskKind::SummarizeFrom { nth } => {
                        crate::rewind::run_summarize_task(&session, &task_ctx, nth, &cancel).await
                    }
                };
                session.finish_task(&task_ctx, last_message, &cancel).await;
            }
            .instrument(tracing::Span::current()),
        );
        // Err(handle): the task already finished and left the slot.
        let _ = self.active_turn.set_handle(&ctx.sub_id, handle);
    }

    async fn finish_task(
        &self,
        ctx: &TurnContext,
        last_message: Option<String>,
        cancel: &CancellationToken,
    ) {
        if cancel.is_cancelled() || self.active_turn.take_if(&ctx.sub_id).is_none() {
            // Aborted: the aborter reports.
            return;
        }
        self.flush_rollout().await;
        if let Some(db) = &self.services.state_db {
            let tokens = self.state.total_tokens();
            let model = self.state.configuration().model;
            crate::thread_index::record_activity(
                db,
                self.thread_id.to_string(),
                tokens,
                Some(model),
            )
            .await;
        }
        self.send_event(
            &ctx.sub_id,
            EventMsg::TaskComplete(TaskCompleteEvent {
                turn_id: ctx.sub_id.clone(),
                last_agent_message: last_message,
            }),
        )
        .await;
    }

    /// Stops the running task, if any, and reports `turn_aborted` once.
    pub(crate) async fn abort_all_tasks(&self, reason: TurnAbortReason) {
        let Some(turn) = self.active_turn.take() else {
            return;
        };
        turn.cancel.cancel();
        // Waiting approvals resolve as denied.
        turn.state.clear_pending_approvals();
        if let Some(handle) = turn.handle {
            let abort = handle.abort_handle();
            if tokio::time::timeout(ABORT_GRACE, handle).await.is_err() {
                abort.abort();
            }
        }
        self.flush_rollout().await;
        self.send_event(
            &turn.sub_id,
            EventMsg::TurnAborted(TurnAbortedEvent { reason }),
        )
        .await;
    }

    pub(crate) async fn interrupt_task(&self) {
        self.abort_all_tasks(TurnAbortReason::Interrupted).await;
    }
}
