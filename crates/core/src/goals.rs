//! The thread's goal: an objective the model works towards across turns.
//!
//! One goal per thread, held in the session state and kept in two places
//! that outlive the process: the state database (`thread_goals`, current
//! usage included) and the session file (`thread_goal_updated` /
//! `thread_goal_cleared` lines), so a resumed thread gets it back even
//! without the database. Tokens spent while the goal is active are counted
//! as responses arrive (`SessionState::add_token_usage`); time at the end
//! of each turn.
//!
//! The model sets and finishes it with `create_goal`/`update_goal`
//! (`tools/handlers/*_goal.rs`); the person with `/goal` or the
//! app-server's `thread/goal/*`, both through `Op::SetThreadGoal` and
//! `Op::ClearThreadGoal`. While the goal is active, each turn begins with
//! a reminder of it (a user-role context message, as the reference's
//! `<codex_internal_context source="goal">`). Whether a new turn starts by
//! itself when one ends is the frontend's decision, not the engine's.

use codex_protocol::goals::{
    ThreadGoal, ThreadGoalClearedEvent, ThreadGoalStatus, ThreadGoalUpdatedEvent,
};
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::EventMsg;
use tracing::warn;

use crate::session::Session;
use crate::turn_context::TurnContext;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The goal as it stands.
pub(crate) fn current(session: &Session) -> Option<ThreadGoal> {
    session.state.goal().map(|(_, goal)| goal)
}

/// The tools' output: the reference's
/// `{"goal", "remainingTokens", "completionBudgetReport"}`.
pub(crate) fn tool_output(goal: Option<&ThreadGoal>, just_completed: bool) -> String {
    let remaining = goal.and_then(|g| g.token_budget.map(|b| (b - g.tokens_used).max(0)));
    let report = match goal {
        Some(g) if just_completed => g.token_budget.map(|budget| {
            format!(
                "Goal achieved using {} of {budget} budgeted tokens in {}s.",
                g.tokens_used, g.time_used_seconds
            )
        }),
        _ => None,
    };
    // A struct, not `json!`: the reference's key order.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Output<'a> {
        goal: Option<&'a ThreadGoal>,
        remaining_tokens: Option<i64>,
        completion_budget_report: Option<String>,
    }
    let output = Output {
        goal,
        remaining_tokens: remaining,
        completion_budget_report: report,
    };
    serde_json::to_string(&output).unwrap_or_else(|err| format!("cannot encode the goal: {err}"))
}

/// Starts a new goal. Refused while an unfinished one exists, unless
/// `replace` (the person setting a new objective).
pub(crate) async fn create(
    session: &Session,
    sub_id: &str,
    objective: &str,
    token_budget: Option<i64>,
    replace: bool,
) -> Result<ThreadGoal, String> {
    let objective = objective.trim();
    if objective.is_empty() {
        return Err("the goal's objective is empty".to_string());
    }
    if let Some(budget) = token_budget
        && budget <= 0
    {
        return Err(format!("token_budget must be positive, not {budget}"));
    }
    if !replace
        && let Some(existing) = current(session)
        && !existing.status.is_finished()
    {
        return Err("cannot create a goal while this thread's goal is unfinished; complete the current goal first".to_string());
    }
    let at = now();
    let goal = ThreadGoal {
        thread_id: session.thread_id.to_string(),
        objective: objective.to_string(),
        status: ThreadGoalStatus::Active,
        token_budget,
        tokens_used: 0,
        time_used_seconds: 0,
        created_at: at,
        updated_at: at,
    };
    let goal_id = uuid::Uuid::now_v7().to_string();
    session
        .state
        .set_goal(Some((goal_id.clone(), goal.clone())));
    publish(session, sub_id, &goal_id, &goal).await;
    Ok(goal)
}

/// Changes the goal's status.
pub(crate) async fn set_status(
    session: &Session,
    sub_id: &str,
    status: ThreadGoalStatus,
) -> Result<ThreadGoal, String> {
    let Some((goal_id, goal)) = session.state.update_goal(|goal| {
        goal.status = status;
        goal.updated_at = now();
    }) else {
        return Err("this thread has no goal".to_string());
    };
    publish(session, sub_id, &goal_id, &goal).await;
    Ok(goal)
}

/// Removes the goal; whether there was one.
pub(crate) async fn clear(session: &Session, sub_id: &str) -> bool {
    let had = session.state.goal().is_some();
    session.state.set_goal(None);
    let thread_id = session.thread_id.to_string();
    if let Some(db) = &session.services.state_db {
        let id = thread_id.clone();
        if let Err(err) = db
            .call(move |conn| codex_state::goals::delete_goal(conn, &id))
            .await
        {
            warn!(%err, "cannot remove the goal from the state database");
        }
    }
    if had {
        session
            .send_event(
                sub_id,
                EventMsg::ThreadGoalCleared(ThreadGoalClearedEvent { thread_id }),
            )
            .await;
    }
    had
}

/// Stores the goal and tells the frontends (recorded in the session file).
async fn publish(session: &Session, sub_id: &str, goal_id: &str, goal: &ThreadGoal) {
    store(session, goal_id, goal).await;
    session
        .send_event(
            sub_id,
            EventMsg::ThreadGoalUpdated(ThreadGoalUpdatedEvent { goal: goal.clone() }),
        )
        .await;
}

async fn store(session: &Session, goal_id: &str, goal: &ThreadGoal) {
    let Some(db) = &session.services.state_db else {
        return;
    };
    let (goal_id, stored) = (goal_id.to_string(), goal.clone());
    if let Err(err) = db
        .call(move |conn| codex_state::goals::upsert_goal(conn, &goal_id, &stored))
        .await
    {
        warn!(%err, "cannot store the goal in the state database");
    }
}

/// A resumed thread's goal: the state database's row (it has the latest
/// usage), else the last goal line of the session file. The frontends are
/// told (not recorded again).
pub(crate) async fn restore(session: &Session, recorded: Option<Option<ThreadGoal>>) {
    let thread_id = session.thread_id.to_string();
    let from_db = match &session.services.state_db {
        Some(db) => {
            let id = thread_id.clone();
            db.call(move |conn| codex_state::goals::get_goal(conn, &id))
                .await
                .unwrap_or_else(|err| {
                    warn!(%err, "cannot read the goal from the state database");
                    None
                })
        }
        None => None,
    };
    // The file says the goal was cleared: the database may lag behind.
    let goal = match recorded {
        Some(None) => None,
        Some(Some(recorded)) => Some(from_db.unwrap_or(recorded)),
        None => from_db,
    };
    let Some(goal) = goal else {
        return;
    };
    session
        .state
        .set_goal(Some((uuid::Uuid::now_v7().to_string(), goal.clone())));
    session.send_event_unrecorded(
        crate::session::INITIAL_SUBMIT_ID,
        EventMsg::ThreadGoalUpdated(ThreadGoalUpdatedEvent { goal }),
    );
}

/// What the session file says of the goal: `None` if nothing, `Some(None)`
/// if it was cleared last, else the last goal.
pub(crate) fn recorded_goal(
    items: &[codex_protocol::rollout::RolloutItem],
) -> Option<Option<ThreadGoal>> {
    items.iter().rev().find_map(|item| match item {
        codex_protocol::rollout::RolloutItem::EventMsg(EventMsg::ThreadGoalUpdated(ev)) => {
            Some(Some(ev.goal.clone()))
        }
        codex_protocol::rollout::RolloutItem::EventMsg(EventMsg::ThreadGoalCleared(_)) => {
            Some(None)
        }
        _ => None,
    })
}

/// At the start of a turn: reminds the model of an active goal.
pub(crate) async fn remind(session: &Session, ctx: &TurnContext) {
    let Some(goal) = current(session) else {
        return;
    };
    if goal.status != ThreadGoalStatus::Active {
        return;
    }
    let budget = match goal.token_budget {
        Some(budget) => format!(
            "\nToken budget: {budget} ({} used, {} left).",
            goal.tokens_used,
            (budget - goal.tokens_used).max(0)
        ),
        None => String::new(),
    };
    let text = format!(
        "<codex_internal_context source=\"goal\">\nThis thread has an active goal; keep working towards it.\nObjective: {}{budget}\nWhen the objective is fully achieved and nothing required is left, call update_goal with status \"complete\". Do not call it complete because you are stopping or running low on budget.\n</codex_internal_context>",
        goal.objective
    );
    session
        .record_conversation_items(ctx, &[ResponseItem::user_text(text)])
        .await;
}

/// At the end of a turn: the time spent on an active goal, stored.
pub(crate) async fn turn_ended(session: &Session, elapsed: std::time::Duration) {
    let seconds = i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX);
    let Some((goal_id, goal)) = session.state.update_goal(|goal| {
        if goal.status == ThreadGoalStatus::Active {
            goal.time_used_seconds = goal.time_used_seconds.saturating_add(seconds);
        }
    }) else {
        return;
    };
    store(session, &goal_id, &goal).await;
}
