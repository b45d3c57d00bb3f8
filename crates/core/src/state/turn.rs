//! The running task and its per-turn state.

use std::collections::HashMap;
use std::sync::Mutex;

use codex_protocol::models::ResponseInputItem;
use codex_protocol::protocol::ReviewDecision;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use super::lock;
use crate::turn_diff::TurnDiffTracker;

/// Input waiting for the task's next model request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Pending {
    /// What the person typed while the model worked: recorded and announced
    /// as a user message when it joins a request.
    User(Vec<codex_protocol::user_input::UserInput>),
    /// An item a tool produced (an image `view_image` read).
    Item(ResponseInputItem),
}

#[derive(Default)]
struct PendingInput {
    items: Vec<Pending>,
    closed: bool,
}

/// State that lives as long as one task.
#[derive(Default)]
pub(crate) struct TurnState {
    /// Approval waiters by call id.
    pending_approvals: Mutex<HashMap<String, oneshot::Sender<ReviewDecision>>>,
    /// Waiters for the person's answers to `request_user_input`, by call id.
    pending_questions: Mutex<
        HashMap<String, oneshot::Sender<codex_protocol::user_questions::RequestUserInputResponse>>,
    >,
    /// Input that arrived while the task ran; it joins the next request.
    pending_input: Mutex<PendingInput>,
    diff: Mutex<TurnDiffTracker>,
    /// Set while the working tree is being snapshotted for undo: tool calls
    /// wait for it to turn true before they run (they may write).
    snapshot_gate: Mutex<Option<tokio::sync::watch::Receiver<bool>>>,
    /// The turn's span (None without a trace or log exporter); requests
    /// and tool calls are its children. It ends when the turn state goes.
    telemetry: Option<codex_otel::TurnTelemetry>,
}

impl TurnState {
    pub(crate) fn new(telemetry: Option<codex_otel::TurnTelemetry>) -> Self {
        Self {
            telemetry,
            ..Self::default()
        }
    }

    pub(crate) fn telemetry(&self) -> Option<&codex_otel::TurnTelemetry> {
        self.telemetry.as_ref()
    }

    /// Tool calls wait for `gate` to become true.
    pub(crate) fn set_snapshot_gate(&self, gate: tokio::sync::watch::Receiver<bool>) {
        *lock(&self.snapshot_gate) = Some(gate);
    }

    /// Waits until the turn's snapshot (if one is being taken) is done.
    pub(crate) async fn wait_for_snapshot(&self) {
        let gate = lock(&self.snapshot_gate).clone();
        if let Some(mut gate) = gate {
            // Err: the snapshot task ended without saying (it failed): go on.
            let _ = gate.wait_for(|ready| *ready).await;
        }
    }

    /// Registers a waiter (before the request event is sent, so an answer
    /// can never arrive first).
    pub(crate) fn insert_pending_approval(
        &self,
        call_id: &str,
        tx: oneshot::Sender<ReviewDecision>,
    ) {
        if lock(&self.pending_approvals)
            .insert(call_id.to_string(), tx)
            .is_some()
        {
            warn!(call_id, "overwriting an existing pending approval");
        }
    }

    pub(crate) fn remove_pending_approval(
        &self,
        call_id: &str,
    ) -> Option<oneshot::Sender<ReviewDecision>> {
        lock(&self.pending_approvals).remove(call_id)
    }

    /// Drops every waiter (approvals resolve as denied, questions as
    /// unanswered).
    pub(crate) fn clear_pending_approvals(&self) {
        lock(&self.pending_approvals).clear();
        lock(&self.pending_questions).clear();
    }

    /// Registers a waiter for the answers to the questions of `call_id`.
    pub(crate) fn insert_pending_questions(
        &self,
        call_id: &str,
        tx: oneshot::Sender<codex_protocol::user_questions::RequestUserInputResponse>,
    ) {
        lock(&self.pending_questions).insert(call_id.to_string(), tx);
    }

    pub(crate) fn remove_pending_questions(
        &self,
        call_id: &str,
    ) -> Option<oneshot::Sender<codex_protocol::user_questions::RequestUserInputResponse>> {
        lock(&self.pending_questions).remove(call_id)
    }

    /// Queues input for the next request; gives it back once the task has
    /// made its last request (see [`TurnState::close_unless_pending`]).
    pub(crate) fn push_pending_input(&self, input: Pending) -> Result<(), Pending> {
        let mut pending = lock(&self.pending_input);
        if pending.closed {
            return Err(input);
        }
        pending.items.push(input);
        Ok(())
    }

    pub(crate) fn take_pending_input(&self) -> Vec<Pending> {
        std::mem::take(&mut lock(&self.pending_input).items)
    }

    /// Called when the model has finished: true if input is waiting (the task
    /// makes another request for it); otherwise the queue closes, so input
    /// that arrives from now on starts a new task instead of being lost.
    pub(crate) fn close_unless_pending(&self) -> bool {
        let mut pending = lock(&self.pending_input);
        if pending.items.is_empty() {
            pending.closed = true;
            false
        } else {
            true
        }
    }

    /// True once the task has made its last request.
    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.pending_input).closed
    }

    /// Runs `f` with the turn's diff tracker.
    pub(crate) fn with_diff<R>(&self, f: impl FnOnce(&mut TurnDiffTracker) -> R) -> R {
        f(&mut lock(&self.diff))
    }
}

/// The task currently running, if any.
pub(crate) struct ActiveTurn {
    pub(crate) sub_id: String,
    pub(crate) cancel: CancellationToken,
    pub(crate) handle: Option<JoinHandle<()>>,
    pub(crate) state: std::sync::Arc<TurnState>,
}

/// The slot for the one active task.
#[derive(Default)]
pub(crate) struct TurnSlot(Mutex<Option<ActiveTurn>>);

impl TurnSlot {
    /// Installs `turn`; returns the one it replaces.
    pub(crate) fn replace(&self, turn: ActiveTurn) -> Option<ActiveTurn> {
        lock(&self.0).replace(turn)
    }

    /// Attaches the task handle to the turn `sub_id`, if it is still active.
    /// Returns the handle back if the turn is gone.
    pub(crate) fn set_handle(
        &self,
        sub_id: &str,
        handle: JoinHandle<()>,
    ) -> Option<JoinHandle<()>> {
        let mut slot = lock(&self.0);
        match slot.as_mut() {
            Some(turn) if turn.sub_id == sub_id => {
                turn.handle = Some(handle);
                None
            }
            _ => Some(handle),
        }
    }

    pub(crate) fn take(&self) -> Option<ActiveTurn> {
        lock(&self.0).take()
    }

    /// Removes the turn if it is `sub_id`'s.
    pub(crate) fn take_if(&self, sub_id: &str) -> Option<ActiveTurn> {
        let mut slot = lock(&self.0);
        if slot.as_ref().is_some_and(|t| t.sub_id == sub_id) {
            slot.take()
        } else {
            None
        }
    }

    /// The handle of the active task if it has made its last request, so a
    /// new task can let it finish instead of aborting it.
    pub(crate) fn take_handle_if_closed(&self) -> Option<JoinHandle<()>> {
        let mut slot = lock(&self.0);
        let turn = slot.as_mut()?;
        if turn.state.is_closed() {
            turn.handle.take()
        } else {
            None
        }
    }

    /// The submission id of the active turn.
    pub(crate) fn sub_id(&self) -> Option<String> {
        lock(&self.0).as_ref().map(|t| t.sub_id.clone())
    }

    /// The state of the active turn.
    pub(crate) fn state(&self) -> Option<std::sync::Arc<TurnState>> {
        lock(&self.0).as_ref().map(|t| t.state.clone())
    }
}
