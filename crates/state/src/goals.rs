//! Each thread's goal, one row per thread (`thread_goals`, the reference's
//! columns; times in milliseconds there, seconds in [`ThreadGoal`]).

use codex_protocol::goals::{ThreadGoal, ThreadGoalStatus};
use rusqlite::{Connection, OptionalExtension, params};

/// Writes `goal` as its thread's goal; `goal_id` names this objective (a
/// new objective gets a new id, a status change keeps it).
pub fn upsert_goal(conn: &Connection, goal_id: &str, goal: &ThreadGoal) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO thread_goals (thread_id, goal_id, objective, status, token_budget, tokens_used, \
         time_used_seconds, created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT(thread_id) DO UPDATE SET goal_id = ?2, objective = ?3, status = ?4, \
         token_budget = ?5, tokens_used = ?6, time_used_seconds = ?7, created_at_ms = ?8, \
         updated_at_ms = ?9",
        params![
            goal.thread_id,
            goal_id,
            goal.objective,
            goal.status.as_db(),
            goal.token_budget,
            goal.tokens_used,
            goal.time_used_seconds,
            goal.created_at * 1000,
            goal.updated_at * 1000,
        ],
    )?;
    Ok(())
}

/// The goal of `thread_id`, if it has one (a row with a status this
/// version does not know is read as none).
pub fn get_goal(conn: &Connection, thread_id: &str) -> rusqlite::Result<Option<ThreadGoal>> {
    let row = conn
        .query_row(
            "SELECT objective, status, token_budget, tokens_used, time_used_seconds, created_at_ms, \
             updated_at_ms FROM thread_goals WHERE thread_id = ?1",
            params![thread_id],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<i64>>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, i64>(5)?,
                    row.get::<_, i64>(6)?,
                ))
            },
        )
        .optional()?;
    Ok(row.and_then(
        |(objective, status, token_budget, tokens_used, time_used, created, updated)| {
            Some(ThreadGoal {
                thread_id: thread_id.to_string(),
                objective,
                status: ThreadGoalStatus::from_db(&status)?,
                token_budget,
                tokens_used,
                time_used_seconds: time_used,
                created_at: created / 1000,
                updated_at: updated / 1000,
            })
        },
    ))
}

/// Removes the goal of `thread_id`; whether there was one.
pub fn delete_goal(conn: &Connection, thread_id: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM thread_goals WHERE thread_id = ?1",
        params![thread_id],
    )? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_goal_is_written_read_changed_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::StateDb::open(dir.path()).unwrap();
        let mut goal = ThreadGoal {
            thread_id: "t1".into(),
            objective: "Ship it".into(),
            status: ThreadGoalStatus::Active,
            token_budget: Some(1000),
            tokens_used: 5,
            time_used_seconds: 2,
            created_at: 1_700_000_000,
            updated_at: 1_700_000_001,
        };
        let stored = goal.clone();
        db.call_blocking(move |conn| upsert_goal(conn, "g1", &stored))
            .unwrap();
        goal.status = ThreadGoalStatus::Complete;
        let stored = goal.clone();
        db.call_blocking(move |conn| upsert_goal(conn, "g1", &stored))
            .unwrap();
        let read = db.call_blocking(|conn| get_goal(conn, "t1")).unwrap();
        assert_eq!(read, Some(goal));
        assert!(db.call_blocking(|conn| delete_goal(conn, "t1")).unwrap());
        let read = db.call_blocking(|conn| get_goal(conn, "t1")).unwrap();
        assert_eq!(read, None);
    }
}
