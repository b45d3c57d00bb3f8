//! What goes into a session file.

use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::EventMsg;
use codex_protocol::rollout::RolloutItem;

/// Whether `item` is written to the session file. Everything needed to
/// resume is kept; of the events only those a person would want to replay
/// (messages, reasoning, token counts, turn boundaries, completed items:
/// what `thread/read` and a resumed interface show) are: deltas,
/// approvals and tool begin/end events are not.
pub fn should_persist(item: &RolloutItem) -> bool {
    match item {
        RolloutItem::SessionMeta(_) | RolloutItem::Compacted(_) | RolloutItem::TurnContext(_) => {
            true
        }
        RolloutItem::ResponseItem(item) => !matches!(item, ResponseItem::Other),
        RolloutItem::EventMsg(event) => matches!(
            event,
            EventMsg::UserMessage(_)
                | EventMsg::AgentMessage(_)
                | EventMsg::AgentReasoning(_)
                | EventMsg::AgentReasoningRawContent(_)
                | EventMsg::TokenCount(_)
                | EventMsg::ContextCompacted(_)
                | EventMsg::TurnAborted(_)
                | EventMsg::TaskStarted(_)
                | EventMsg::TaskComplete(_)
                | EventMsg::UndoCompleted(_)
                | EventMsg::ThreadRolledBack(_)
                | EventMsg::EnteredReviewMode(_)
                | EventMsg::ExitedReviewMode(_)
                | EventMsg::ItemCompleted(_)
                | EventMsg::ThreadGoalUpdated(_)
                | EventMsg::ThreadGoalCleared(_)
        ),
    }
}
