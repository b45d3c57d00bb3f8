//! `/goal`: the thread's goal — shown, set, paused, resumed, cleared — and
//! how the chat reports the engine's goal events.
//!
//! `/goal OBJECTIVE` sets the goal and starts a turn on it (as the
//! reference does); while the goal is active the engine reminds the model
//! of it at every turn. Unlike the reference, no turn starts by itself when
//! one ends: the person says when to go on.

use codex_protocol::goals::{ThreadGoal, ThreadGoalStatus};
use codex_protocol::protocol::Op;

use super::{ChatState, Effect};
use crate::cells::HistoryCell;

const USAGE: &str = "Usage: /goal [OBJECTIVE | pause | resume | clear | edit]";

fn status_name(status: ThreadGoalStatus) -> &'static str {
    match status {
        ThreadGoalStatus::Active => "active",
        ThreadGoalStatus::Paused => "paused",
        ThreadGoalStatus::Blocked => "blocked",
        ThreadGoalStatus::UsageLimited => "stopped at the usage limit",
        ThreadGoalStatus::BudgetLimited => "stopped at its token budget",
        ThreadGoalStatus::Complete => "achieved",
    }
}

impl ChatState {
    pub(super) fn goal_command(&mut self, args: &str) -> Vec<Effect> {
        let set_status = |status| {
            vec![Effect::Op(Op::SetThreadGoal {
                objective: None,
                status: Some(status),
                token_budget: None,
            })]
        };
        match args {
            "" => {
                let rows = match &self.goal {
                    Some(goal) => goal_rows(goal),
                    None => vec![("Goal".to_string(), format!("none. {USAGE}"))],
                };
                self.commit(HistoryCell::Table {
                    title: "Goal".to_string(),
                    rows,
                });
                Vec::new()
            }
            "pause" | "resume" | "clear" | "edit" if self.goal.is_none() => {
                self.commit(HistoryCell::Info(format!("There is no goal. {USAGE}")));
                Vec::new()
            }
            "pause" => set_status(ThreadGoalStatus::Paused),
            "resume" => set_status(ThreadGoalStatus::Active),
            "clear" => vec![Effect::Op(Op::ClearThreadGoal)],
            "edit" => {
                let objective = self.goal.as_ref().map(|g| g.objective.clone());
                self.composer
                    .set_text(&format!("/goal {}", objective.unwrap_or_default()));
                Vec::new()
            }
            objective => {
                let mut effects = vec![Effect::Op(Op::SetThreadGoal {
                    objective: Some(objective.to_string()),
                    status: None,
                    token_budget: None,
                })];
                effects.extend(self.submit_text(objective.to_string(), Vec::new()));
                effects
            }
        }
    }

    pub(super) fn goal_updated(&mut self, goal: ThreadGoal) {
        let changed = self
            .goal
            .as_ref()
            .is_none_or(|old| old.status != goal.status || old.objective != goal.objective);
        if changed {
            self.commit(HistoryCell::Info(format!(
                "Goal {}: {}",
                status_name(goal.status),
                goal.objective
            )));
        }
        self.goal = Some(goal);
    }

    pub(super) fn goal_cleared(&mut self) {
        if self.goal.take().is_some() {
            self.commit(HistoryCell::Info("Goal cleared.".to_string()));
        }
    }
}

fn goal_rows(goal: &ThreadGoal) -> Vec<(String, String)> {
    let mut rows = vec![
        ("Objective".to_string(), goal.objective.clone()),
        ("Status".to_string(), status_name(goal.status).to_string()),
    ];
    let tokens = match goal.token_budget {
        Some(budget) => format!("{} of {budget}", goal.tokens_used),
        None => goal.tokens_used.to_string(),
    };
    rows.push(("Tokens used".to_string(), tokens));
    rows.push(("Time".to_string(), format!("{}s", goal.time_used_seconds)));
    rows
}
