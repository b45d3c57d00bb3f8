//! A thread's goal: an objective the model keeps working towards across
//! turns, with a status (the reference's `get_goal`/`create_goal`/
//! `update_goal` tools, `/goal`, the app-server's `thread/goal/*`).
//!
//! [`ThreadGoal`] is the reference's JSON shape (camelCase, times in Unix
//! seconds), used alike in the tools' outputs, the app-server and the
//! `thread_goal_updated` lines of the session file.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ThreadGoalStatus {
    Active,
    Paused,
    Blocked,
    UsageLimited,
    BudgetLimited,
    Complete,
}

impl ThreadGoalStatus {
    /// The name the state database stores (the reference's column values).
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Blocked => "blocked",
            Self::UsageLimited => "usage_limited",
            Self::BudgetLimited => "budget_limited",
            Self::Complete => "complete",
        }
    }

    pub fn from_db(text: &str) -> Option<Self> {
        [
            Self::Active,
            Self::Paused,
            Self::Blocked,
            Self::UsageLimited,
            Self::BudgetLimited,
            Self::Complete,
        ]
        .into_iter()
        .find(|s| s.as_db() == text)
    }

    /// Whether work on the goal is over (a new goal may replace it).
    pub fn is_finished(self) -> bool {
        self == Self::Complete
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadGoal {
    pub thread_id: String,
    pub objective: String,
    pub status: ThreadGoalStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_budget: Option<i64>,
    pub tokens_used: i64,
    pub time_used_seconds: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
}

/// The goal was set or changed (recorded: a resumed thread gets it back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadGoalUpdatedEvent {
    pub goal: ThreadGoal,
}

/// The goal was removed (recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadGoalClearedEvent {
    pub thread_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_goal_has_the_references_shape() {
        let goal = ThreadGoal {
            thread_id: "t".into(),
            objective: "Ship it".into(),
            status: ThreadGoalStatus::Active,
            token_budget: None,
            tokens_used: 0,
            time_used_seconds: 0,
            created_at: 1,
            updated_at: 2,
        };
        assert_eq!(
            serde_json::to_value(&goal).unwrap(),
            json!({"threadId": "t", "objective": "Ship it", "status": "active", "tokensUsed": 0,
                   "timeUsedSeconds": 0, "createdAt": 1, "updatedAt": 2})
        );
        assert_eq!(
            serde_json::to_value(ThreadGoalStatus::BudgetLimited).unwrap(),
            json!("budgetLimited")
        );
        assert_eq!(
            ThreadGoalStatus::from_db("usage_limited"),
            Some(ThreadGoalStatus::UsageLimited)
        );
    }
}
