//! The wire types of `/rewind`: going back to an earlier user message and
//! putting back the code, the conversation, or both.
//!
//! Kept apart from `protocol.rs` because they form one feature: the points
//! a frontend offers (`Op::ListRewindPoints` → `rewind_points`), what a
//! rewind would do (`Op::Rewind` with `dry_run`, its `rewind_completed`
//! carrying a [`RewindPlan`]) and the recorded `thread_rolled_back` line
//! (the reference's shape) that makes a resume replay the rewound state.

use serde::{Deserialize, Serialize};

/// What a rewind puts back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewindMode {
    /// The working tree and the conversation, as they were before the
    /// message. (The camelCase aliases are for the app-server's clients.)
    #[serde(alias = "codeAndConversation")]
    CodeAndConversation,
    /// The conversation only (the files stay as they are).
    #[serde(alias = "conversationOnly")]
    ConversationOnly,
    /// The working tree only (the conversation goes on).
    #[serde(alias = "codeOnly")]
    CodeOnly,
    /// The turns from the message on are replaced by a summary of them; the
    /// files stay as they are.
    Summarize,
}

impl RewindMode {
    /// Whether this mode restores files.
    pub fn restores_code(self) -> bool {
        matches!(self, Self::CodeAndConversation | Self::CodeOnly)
    }

    /// What a person reads for this mode.
    pub fn label(self) -> &'static str {
        match self {
            Self::CodeAndConversation => "Restore code and conversation",
            Self::ConversationOnly => "Restore conversation only",
            Self::CodeOnly => "Restore code only",
            Self::Summarize => "Summarize from here",
        }
    }

    pub const ALL: [RewindMode; 4] = [
        Self::CodeAndConversation,
        Self::ConversationOnly,
        Self::CodeOnly,
        Self::Summarize,
    ];
}

/// Lines added and removed in one file since a point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewindFileStat {
    pub path: String,
    pub added: u64,
    pub removed: u64,
}

/// One earlier user message a rewind can go back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewindPoint {
    /// 0-based among the thread's user messages.
    pub nth_user_message: usize,
    pub text: String,
    /// When its checkpoint was taken (RFC 3339), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Whether the code can be put back to this point (a checkpoint was
    /// taken before the message).
    pub has_checkpoint: bool,
    /// What changed in the working tree since the point.
    #[serde(default)]
    pub changed: Vec<RewindFileStat>,
}

/// `rewind_points`: the answer to `Op::ListRewindPoints`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewindPointsEvent {
    pub points: Vec<RewindPoint>,
}

/// What putting the code back to a point does (or did).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewindPlan {
    /// The unified diff from the files as they are to the files as they
    /// will be (hand-edited files left out unless confirmed).
    pub diff: String,
    /// Files put back as they were.
    pub restore: Vec<String>,
    /// Files the agent created after the point, removed.
    pub remove: Vec<String>,
    /// Files changed by hand since the point: left alone unless named in
    /// `Op::Rewind::restore_edited`.
    pub edited_by_hand: Vec<String>,
    /// What cannot be put back: commands run since the point outside a git
    /// repository (their changes are unknown), files too large to
    /// checkpoint.
    pub not_restorable: Vec<String>,
}

/// `rewind_completed`: the answer to `Op::Rewind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewindCompletedEvent {
    pub success: bool,
    /// One line (or a few) for the person: what was done, what was left.
    pub message: String,
    pub nth_user_message: usize,
    pub mode: RewindMode,
    /// Nothing was changed: `plan` says what the rewind would do.
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<RewindPlan>,
    /// The text of the message gone back to (for a composer to hold after
    /// a conversation rewind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_text: Option<String>,
    /// User turns dropped from the conversation.
    #[serde(default)]
    pub rolled_back_turns: u32,
}

/// `thread_rolled_back`, recorded in the session file: the last
/// `num_turns` user turns left the conversation (the reference's line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRolledBackEvent {
    pub num_turns: u32,
}

/// The recorded items of a thread with the events of rolled-back turns
/// left out: each `thread_rolled_back` removes the events from the start
/// (its `task_started`) of the `num_turns`-th last user turn on, and itself.
/// Other items (the model's, settings) are kept: the engine rebuilds its
/// history from those separately. For views built from events (a resumed
/// interface, `thread/read`).
pub fn without_rolled_back_events(
    items: &[crate::rollout::RolloutItem],
) -> Vec<crate::rollout::RolloutItem> {
    use crate::protocol::EventMsg;
    use crate::rollout::RolloutItem;
    let mut kept: Vec<RolloutItem> = Vec::with_capacity(items.len());
    for item in items {
        let RolloutItem::EventMsg(EventMsg::ThreadRolledBack(rolled_back)) = item else {
            kept.push(item.clone());
            continue;
        };
        let users: Vec<usize> = kept
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i, RolloutItem::EventMsg(EventMsg::UserMessage(_))))
            .map(|(index, _)| index)
            .collect();
        let n = (rolled_back.num_turns as usize).min(users.len());
        if n == 0 {
            continue;
        }
        let position = users[users.len() - n];
        let previous_user = if users.len() > n {
            users[users.len() - n - 1] + 1
        } else {
            0
        };
        // The turn starts at its `task_started` when it has one.
        let cut = kept[previous_user..position]
            .iter()
            .rposition(|i| matches!(i, RolloutItem::EventMsg(EventMsg::TaskStarted(_))))
            .map_or(position, |offset| previous_user + offset);
        let mut index = 0;
        kept.retain(|i| {
            let keep = index < cut || !matches!(i, RolloutItem::EventMsg(_));
            index += 1;
            keep
        });
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{EventMsg, TaskStartedEvent, UserMessageEvent};
    use crate::rollout::RolloutItem;

    fn started() -> RolloutItem {
        RolloutItem::EventMsg(EventMsg::TaskStarted(TaskStartedEvent {
            turn_id: String::new(),
            model_context_window: None,
        }))
    }
    fn user(text: &str) -> RolloutItem {
        RolloutItem::EventMsg(EventMsg::UserMessage(UserMessageEvent {
            message: text.into(),
            images: None,
        }))
    }
    fn users(items: &[RolloutItem]) -> Vec<String> {
        items
            .iter()
            .filter_map(|i| match i {
                RolloutItem::EventMsg(EventMsg::UserMessage(m)) => Some(m.message.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_rollback_removes_the_last_turns_events_from_their_start() {
        let rolled = |n| {
            RolloutItem::EventMsg(EventMsg::ThreadRolledBack(ThreadRolledBackEvent {
                num_turns: n,
            }))
        };
        let items = vec![
            started(),
            user("one"),
            started(),
            user("two"),
            started(),
            user("three"),
            rolled(2),
            started(),
            user("four"),
        ];
        let kept = without_rolled_back_events(&items);
        assert_eq!(users(&kept), vec!["one", "four"]);
        // The rolled-back turns' task_started went with them.
        assert_eq!(kept.len(), 4);
        // More than there are: all of them.
        let kept = without_rolled_back_events(&[started(), user("a"), rolled(5)]);
        assert!(kept.is_empty());
    }
}
