//! Plan mode: the model explores read-only and proposes a plan, which the
//! person accepts (the thread returns to its normal mode and the model
//! implements it) or refines.
//!
//! The mode is a session setting (`SessionConfiguration::collaboration_mode`)
//! set by `Op::SetCollaborationMode` (`/plan`, the app-server's
//! `collaborationMode`). While it is `plan`, every turn's sandbox is
//! read-only whatever the thread's is (`Session::make_turn_context`), so a
//! write fails in the sandbox rather than by the model's good will; the
//! thread's own sandbox is untouched and applies again when the mode ends.
//! The history gets a developer note when the mode the model was last told
//! of changes; a plan-mode turn's final answer (its `<proposed_plan>`
//! block, else the whole answer) becomes a proposed-plan item. The mode is
//! in every `turn_context` line (the reference's `collaboration_mode`), and
//! a line is written when it changes, so a resumed thread is in the mode
//! it was left in.

use codex_protocol::config_types::ModeKind;
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{CollaborationModeChangedEvent, EventMsg, PlanProposedEvent};
use codex_protocol::rollout::{RolloutItem, TurnContextItem};

use crate::session::Session;
use crate::state::SessionSettingsUpdate;
use crate::turn_context::TurnContext;

const PLAN_INSTRUCTIONS: &str = "<collaboration_mode>\nYou are in plan mode. Do not change anything yet: the sandbox is read-only, so edits and commands that write will fail. Read the code, run read-only commands, and ask the user (request_user_input) about choices that really need them. Then answer with a concrete, step-by-step implementation plan inside <proposed_plan> and </proposed_plan>. The user will accept the plan or ask you to refine it; only after acceptance will you implement it.\n</collaboration_mode>";

const DEFAULT_INSTRUCTIONS: &str = "<collaboration_mode>\nPlan mode has ended: you are back in the default mode with the thread's usual permissions. If the user accepted a plan, implement it now.\n</collaboration_mode>";

/// Switches the mode for the turns that follow.
pub(crate) async fn set_mode(session: &Session, sub_id: &str, mode: ModeKind) {
    let configuration = session.state.update_configuration(SessionSettingsUpdate {
        collaboration_mode: Some(mode),
        ..Default::default()
    });
    // A line for the change itself, so a resume before the next turn
    // finds the mode.
    let mut line = session
        .make_turn_context(sub_id, &configuration)
        .to_rollout_item();
    line.turn_id = None;
    session
        .persist_rollout_items(&[RolloutItem::TurnContext(line)])
        .await;
    session.send_event_unrecorded(
        sub_id,
        EventMsg::CollaborationModeChanged(CollaborationModeChangedEvent { mode }),
    );
}

/// The mode the session file last recorded.
pub(crate) fn recorded_mode(items: &[RolloutItem]) -> ModeKind {
    items
        .iter()
        .rev()
        .find_map(|item| match item {
            RolloutItem::TurnContext(TurnContextItem {
                collaboration_mode: Some(mode),
                ..
            }) => Some(mode.mode),
            _ => None,
        })
        .unwrap_or_default()
}

/// A resumed thread's mode, from its file; the history already told the
/// model of it.
pub(crate) fn restore(session: &Session, items: &[RolloutItem]) {
    let mode = recorded_mode(items);
    session.state.update_configuration(SessionSettingsUpdate {
        collaboration_mode: Some(mode),
        ..Default::default()
    });
    session.state.note_mode(mode);
    if mode == ModeKind::Plan {
        session.send_event_unrecorded(
            crate::session::INITIAL_SUBMIT_ID,
            EventMsg::CollaborationModeChanged(CollaborationModeChangedEvent { mode }),
        );
    }
}

/// At the start of a turn: tells the model of a mode it was not told of.
pub(crate) async fn note(session: &Session, ctx: &TurnContext) {
    if session.state.note_mode(ctx.collaboration_mode) == ctx.collaboration_mode {
        return;
    }
    let text = match ctx.collaboration_mode {
        ModeKind::Plan => PLAN_INSTRUCTIONS,
        ModeKind::Default => DEFAULT_INSTRUCTIONS,
    };
    let item = ResponseItem::Message {
        id: None,
        role: "developer".to_string(),
        content: vec![codex_protocol::models::ContentItem::InputText {
            text: text.to_string(),
        }],
    };
    session.record_conversation_items(ctx, &[item]).await;
}

/// At the end of a plan-mode turn: its answer as the proposed plan.
pub(crate) async fn propose(session: &Session, ctx: &TurnContext, answer: Option<&str>) {
    if ctx.collaboration_mode != ModeKind::Plan {
        return;
    }
    let Some(text) = answer.map(proposed_plan).filter(|t| !t.is_empty()) else {
        return;
    };
    session
        .send_event(
            &ctx.sub_id,
            EventMsg::PlanProposed(PlanProposedEvent { text }),
        )
        .await;
}

/// The `<proposed_plan>` block of `answer`, else all of it.
fn proposed_plan(answer: &str) -> String {
    const OPEN: &str = "<proposed_plan>";
    const CLOSE: &str = "</proposed_plan>";
    match answer.find(OPEN) {
        Some(start) => {
            let rest = &answer[start + OPEN.len()..];
            let end = rest.find(CLOSE).unwrap_or(rest.len());
            rest[..end].trim().to_string()
        }
        None => answer.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::proposed_plan;

    #[test]
    fn the_plan_block_is_taken_from_the_answer() {
        assert_eq!(
            proposed_plan("Here:\n<proposed_plan>\n1. a\n2. b\n</proposed_plan>\nOk?"),
            "1. a\n2. b"
        );
        assert_eq!(proposed_plan("  just steps  "), "just steps");
        assert_eq!(proposed_plan("<proposed_plan>cut"), "cut");
    }
}
