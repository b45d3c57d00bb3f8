//! `thread/rollback` and `thread/revert`: a loaded thread goes back to an
//! earlier user message, the conversation only (the reference's meaning)
//! or, with `mode`, its code too, the code alone, or a summary of the
//! turns since (`codex_protocol::rewind::RewindMode`). The engine does it
//! (`Op::Rewind`); the rollback is recorded in the session file, so
//! `thread/read` and `thread/resume` show the rewound thread.

use codex_core::ThreadRef;
use codex_protocol::protocol::{EventMsg, Op};
use codex_protocol::rewind::{RewindCompletedEvent, RewindMode};
use serde_json::Value;

use crate::items;
use crate::params::{self, ThreadRevertParams, ThreadRollbackParams};
use crate::processor::{Processor, Reply, to_value};
use crate::protocol::{
    RewindOutcome, ServerNotification as N, ThreadIdNotification, ThreadRevertResponse,
    ThreadRollbackResponse,
};
use crate::rpc::RpcError;
use crate::thread_pump::LiveThread;

impl Processor {
    pub(crate) async fn thread_rollback(&self, params: Value) -> Reply {
        let live = self.live(&params)?;
        let params: ThreadRollbackParams = params::parse("thread/rollback", params)?;
        let count = user_message_count(&live).await?;
        if params.num_turns == 0 || params.num_turns as usize > count {
            return Err(RpcError::invalid_params(format!(
                "numTurns must be between 1 and {count} (the user turns of thread {})",
                params.thread_id
            )));
        }
        let nth = count - params.num_turns as usize;
        let mode = params.mode.unwrap_or(RewindMode::ConversationOnly);
        let done = rewind(&live, nth, mode, params.dry_run, params.restore_edited).await?;
        let id = params.thread_id;
        let mut thread = self.recorded_info(&id, self.status_of(&id));
        if let Ok(file) = self.manager.read_thread(&ThreadRef::Id(id)) {
            thread.turns = items::turns_from_rollout(&file.items);
        }
        let plan = done.plan.unwrap_or_default();
        to_value(ThreadRollbackResponse {
            thread,
            rewind: RewindOutcome {
                message: done.message,
                dry_run: done.dry_run,
                rolled_back_turns: done.rolled_back_turns,
                diff: plan.diff,
                restored: plan.restore,
                removed: plan.remove,
                edited_by_hand: plan.edited_by_hand,
                not_restorable: plan.not_restorable,
            },
        })
    }

    pub(crate) async fn thread_revert(&self, params: Value) -> Reply {
        let live = self.live(&params)?;
        let params: ThreadRevertParams = params::parse("thread/revert", params)?;
        let id = params.thread_id;
        let file = self
            .manager
            .read_thread(&ThreadRef::Id(id.clone()))
            .map_err(|err| RpcError::internal(err.to_string()))?;
        let turns = items::turns_from_rollout(&file.items);
        let position = turns
            .iter()
            .position(|t| t.id == params.before_turn_id)
            .ok_or_else(|| {
                RpcError::invalid_params(format!(
                    "thread {id} has no turn {}",
                    params.before_turn_id
                ))
            })?;
        let nth = turns[..position]
            .iter()
            .flat_map(|t| &t.items)
            .filter(|i| matches!(i, crate::protocol::ThreadItem::UserMessage { .. }))
            .count();
        let mode = params.mode.unwrap_or(RewindMode::ConversationOnly);
        rewind(&live, nth, mode, false, params.restore_edited).await?;
        self.outgoing
            .notify(N::ThreadReverted(ThreadIdNotification {
                thread_id: id.clone(),
            }));
        to_value(ThreadRevertResponse {
            thread: self.recorded_info(&id, self.status_of(&id)),
            items_backwards_cursor: None,
            turns_backwards_cursor: None,
        })
    }
}

async fn user_message_count(live: &LiveThread) -> Result<usize, RpcError> {
    match live.rewind_call(Op::ListRewindPoints).await {
        Some(EventMsg::RewindPoints(points)) => Ok(points.points.len()),
        _ => Err(RpcError::internal("the thread did not list its messages")),
    }
}

async fn rewind(
    live: &LiveThread,
    nth: usize,
    mode: RewindMode,
    dry_run: bool,
    restore_edited: Vec<String>,
) -> Result<RewindCompletedEvent, RpcError> {
    let op = Op::Rewind {
        nth_user_message: nth,
        mode,
        dry_run,
        restore_edited,
    };
    match live.rewind_call(op).await {
        Some(EventMsg::RewindCompleted(done)) if done.success => Ok(done),
        Some(EventMsg::RewindCompleted(done)) => Err(RpcError::invalid_request(done.message)),
        _ => Err(RpcError::internal("the thread did not answer the rewind")),
    }
}
