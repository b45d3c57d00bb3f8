//! Goals: the three tools in the reference's shapes, the goal in the state
//! database and the session file, back after resume, the reminder at the
//! next turn, and the person's `Op::SetThreadGoal`/`ClearThreadGoal`.

use codex_core::ThreadRef;
use codex_protocol::goals::ThreadGoalStatus;
use codex_protocol::protocol::{EventMsg, Op};
use codex_test_support::{MockModelServer, Turn};
use serde_json::{Value, json};

use super::common::{Start, home_for, start_in};

fn output(server: &MockModelServer, request: usize, call_id: &str) -> String {
    server.requests()[request].tool_output(call_id).unwrap()
}

fn goal_reminders(input: &[Value]) -> usize {
    input
        .iter()
        .filter(|item| {
            item.to_string()
                .contains(r#"<codex_internal_context source=\"goal\">"#)
        })
        .count()
}

#[tokio::test]
async fn the_model_creates_completes_and_reads_its_goal_which_survives_resume() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call("g1", "get_goal", json!({})));
    server.push_turn(Turn::new().function_call(
        "g2",
        "create_goal",
        json!({"objective": "Ship the feature"}),
    ));
    server.push_turn(Turn::new().function_call(
        "g3",
        "create_goal",
        json!({"objective": "Second goal"}),
    ));
    server.push_turn(Turn::new().text("working on it").usage(10, 5));
    // Next turn: reminded, then completes the goal.
    server.push_turn(Turn::new().function_call("g4", "update_goal", json!({"status": "complete"})));
    server.push_turn(Turn::new().function_call("g5", "get_goal", json!({})));
    server.push_turn(Turn::new().text("done"));
    let home = home_for(&server, "responses", "");
    let session = start_in(home, |_| {}, Start::New).await;
    let thread_id = session.configured.session_id.to_string();
    session.submit_text("set a goal").await;
    let events = session.run_to_end().await;
    let updated = events
        .iter()
        .filter(|e| matches!(e, EventMsg::ThreadGoalUpdated(_)))
        .count();
    assert_eq!(updated, 1, "one goal created");

    // Byte for byte the reference's output, key order included.
    assert_eq!(
        output(&server, 1, "g1"),
        r#"{"goal":null,"remainingTokens":null,"completionBudgetReport":null}"#
    );
    let created: Value = serde_json::from_str(&output(&server, 2, "g2")).unwrap();
    assert_eq!(created["goal"]["threadId"], thread_id.as_str());
    assert_eq!(created["goal"]["objective"], "Ship the feature");
    assert_eq!(created["goal"]["status"], "active");
    assert_eq!(created["goal"]["tokensUsed"], 0);
    assert!(created["goal"]["createdAt"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(created["remainingTokens"], Value::Null);
    let refused = output(&server, 3, "g3");
    assert!(refused.contains("unfinished"), "{refused}");

    session.submit_text("go on").await;
    session.run_to_end().await;
    let requests = server.requests();
    assert_eq!(goal_reminders(&requests[4].input()), 1, "reminded once");
    let completed: Value = serde_json::from_str(&output(&server, 5, "g4")).unwrap();
    assert_eq!(completed["goal"]["status"], "complete");
    assert!(completed["goal"]["tokensUsed"].as_i64().unwrap() > 0);
    let read: Value = serde_json::from_str(&output(&server, 6, "g5")).unwrap();
    assert_eq!(read["goal"]["status"], "complete");
    session.shutdown().await;

    // In the state database and the session file.
    let db = codex_state::StateDb::open(session.home.path()).unwrap();
    let id = thread_id.clone();
    let stored = db
        .call_blocking(move |conn| codex_state::goals::get_goal(conn, &id))
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, ThreadGoalStatus::Complete);
    assert_eq!(stored.objective, "Ship the feature");
    let rollout_path = session.configured.rollout_path.clone().unwrap();
    let file = std::fs::read_to_string(&rollout_path).unwrap();
    assert!(file.contains(r#""type":"thread_goal_updated""#), "{file}");

    // Resumed: the goal is back (a finished goal reminds nobody).
    server.push_turn(Turn::new().function_call("g6", "get_goal", json!({})));
    server.push_turn(Turn::new().text("still done"));
    let resumed = start_in(
        session.home,
        |_| {},
        Start::Resume(ThreadRef::Path(rollout_path)),
    )
    .await;
    resumed.submit_text("what was the goal?").await;
    resumed.run_to_end().await;
    let after: Value = serde_json::from_str(&output(&server, 8, "g6")).unwrap();
    assert_eq!(after["goal"]["objective"], "Ship the feature");
    assert_eq!(after["goal"]["status"], "complete");
    assert_eq!(goal_reminders(&server.requests()[7].input()), 1);
}

#[tokio::test]
async fn the_person_sets_pauses_and_clears_the_goal_and_resume_keeps_it() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("on it"));
    let home = home_for(&server, "responses", "");
    let session = start_in(home, |_| {}, Start::New).await;
    session
        .codex
        .submit(Op::SetThreadGoal {
            objective: Some("Make the tests pass".into()),
            status: None,
            token_budget: Some(5000),
        })
        .await
        .unwrap();
    let events = session
        .events_until(|e| matches!(e, EventMsg::ThreadGoalUpdated(_)))
        .await;
    let Some(EventMsg::ThreadGoalUpdated(ev)) = events.last() else {
        unreachable!()
    };
    assert_eq!(ev.goal.token_budget, Some(5000));
    session.submit_text("start").await;
    session.run_to_end().await;
    let reminded = server.requests()[0].input();
    assert_eq!(goal_reminders(&reminded), 1);
    assert!(
        reminded
            .iter()
            .any(|i| i.to_string().contains("Make the tests pass"))
    );

    session
        .codex
        .submit(Op::SetThreadGoal {
            objective: None,
            status: Some(ThreadGoalStatus::Paused),
            token_budget: None,
        })
        .await
        .unwrap();
    let events = session
        .events_until(|e| matches!(e, EventMsg::ThreadGoalUpdated(_)))
        .await;
    let Some(EventMsg::ThreadGoalUpdated(ev)) = events.last() else {
        unreachable!()
    };
    assert_eq!(ev.goal.status, ThreadGoalStatus::Paused);
    // A paused goal does not remind.
    server.push_turn(Turn::new().text("ok"));
    session.submit_text("something else").await;
    session.run_to_end().await;
    assert_eq!(
        goal_reminders(&server.requests()[1].input()),
        1,
        "only the old one"
    );
    session.shutdown().await;
    let rollout_path = session.configured.rollout_path.clone().unwrap();

    // Resumed: still paused; then cleared, and a resume after that has none.
    let resumed = start_in(
        session.home,
        |_| {},
        Start::Resume(ThreadRef::Path(rollout_path.clone())),
    )
    .await;
    let events = resumed
        .events_until(|e| matches!(e, EventMsg::ThreadGoalUpdated(_)))
        .await;
    let Some(EventMsg::ThreadGoalUpdated(ev)) = events.last() else {
        unreachable!()
    };
    assert_eq!(ev.goal.status, ThreadGoalStatus::Paused);
    resumed.codex.submit(Op::ClearThreadGoal).await.unwrap();
    resumed
        .events_until(|e| matches!(e, EventMsg::ThreadGoalCleared(_)))
        .await;
    resumed.shutdown().await;
    let again = start_in(
        resumed.home,
        |_| {},
        Start::Resume(ThreadRef::Path(rollout_path)),
    )
    .await;
    server.push_turn(Turn::new().function_call("g", "get_goal", json!({})));
    server.push_turn(Turn::new().text("none"));
    again.submit_text("goal?").await;
    let events = again.run_to_end().await;
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EventMsg::ThreadGoalUpdated(_)))
    );
    let read: Value = serde_json::from_str(&output(&server, 3, "g")).unwrap();
    assert_eq!(read["goal"], Value::Null);
}
