//! `Op::Undo`: the working tree back to before the last turn, from the
//! turn's ghost snapshots (`ghost.rs`). Refused while a turn runs, since
//! that turn is still changing files.

use std::sync::Arc;

use codex_protocol::protocol::{EventMsg, UndoCompletedEvent, UndoStartedEvent};

use crate::features::SessionFeatures as _;
use crate::session::Session;

pub(crate) fn start(session: &Arc<Session>, sub_id: &str) {
    let session = Arc::clone(session);
    let sub_id = sub_id.to_string();
    tokio::spawn(async move {
        session.send_event_unrecorded(&sub_id, EventMsg::UndoStarted(UndoStartedEvent {}));
        let (success, message) = undo(&session).await;
        session
            .send_event(
                &sub_id,
                EventMsg::UndoCompleted(UndoCompletedEvent { success, message }),
            )
            .await;
    });
}

async fn undo(session: &Arc<Session>) -> (bool, String) {
    let Some(repo) = session.features().ghost.clone() else {
        return (
            false,
            "Nothing to undo: the workspace is not a git repository (or [features] undo is off)."
                .to_string(),
        );
    };
    if session.active_sub_id().is_some() {
        return (
            false,
            "Wait for the turn to end before undoing it.".to_string(),
        );
    }
    let Some(snapshots) = crate::state::lock(&session.features().ghost_turns).pop() else {
        return (
            false,
            "Nothing to undo: no turn has changed files yet.".to_string(),
        );
    };
    let result = tokio::task::spawn_blocking(move || repo.undo(&snapshots)).await;
    match result {
        Ok(Ok(message)) => (true, message),
        Ok(Err(err)) => (false, format!("Undo failed: {err}")),
        Err(err) => (false, format!("Undo failed: {err}")),
    }
}
