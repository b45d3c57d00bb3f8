//! Resume and fork rebuild the exact history.

use codex_core::InitialHistory;
use codex_core::rollout::read_rollout;
use codex_protocol::protocol::EventMsg;
use codex_test_support::{MockModelServer, Turn};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::common::{home_for, start_in};

const TOP: &str = "model_auto_compact_token_limit = 100\nsandbox_mode = \"danger-full-access\"\napproval_policy = \"never\"";

/// Input of a request that would follow `previous` and its response.
fn expected_next_input(previous: &[Value], response: &[Value], user: &str) -> Vec<Value> {
    let mut input = previous.to_vec();
    input.extend(response.iter().cloned());
    input.push(json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": user}]}));
    input
}

#[tokio::test]
async fn resume_sends_exactly_the_history_the_session_had() {
    let server = MockModelServer::start();
    // Session 1: a tool turn that triggers compaction, then a plain turn.
    server.push_turn(
        Turn::new()
            .reasoning("thinking", None)
            .function_call("c1", "shell", json!({"command": ["echo", "x"]}))
            .usage(200, 5),
    );
    server.push_turn(Turn::new().text("summary of it").usage(10, 5));
    server.push_turn(Turn::new().text("answer one").usage(20, 5));
    server.push_turn(Turn::new().text("answer two").usage(20, 5));
    let home = home_for(&server, "responses", TOP);
    let session = start_in(home, |_| {}, InitialHistory::New).await;
    session.submit_text("one").await;
    session.run_to_end().await;
    session.submit_text("two").await;
    session.run_to_end().await;
    session.shutdown().await;
    let rollout_path = session.configured.rollout_path.clone().unwrap();
    let thread_id = session.configured.session_id;
    let home = session.home;

    // Session 2: resume.
    server.push_turn(Turn::new().text("answer three"));
    let file = read_rollout(&rollout_path).unwrap();
    assert_eq!(file.skipped_lines, 0);
    let resumed = start_in(
        home,
        |_| {},
        InitialHistory::Resumed {
            thread_id,
            items: file.items,
            rollout_path: rollout_path.clone(),
        },
    )
    .await;
    assert_eq!(resumed.configured.session_id, thread_id);
    assert_eq!(
        resumed.configured.rollout_path.as_ref(),
        Some(&rollout_path)
    );
    resumed.submit_text("three").await;
    resumed.run_to_end().await;

    let requests = server.requests();
    let last_of_first = &requests[3];
    let resumed_request = &requests[4];
    assert_eq!(
        resumed_request.input(),
        expected_next_input(
            &last_of_first.input(),
            &[
                json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "answer two"}]})
            ],
            "three"
        )
    );
    assert_eq!(
        resumed_request.body_json()["instructions"],
        last_of_first.body_json()["instructions"]
    );
    assert_eq!(
        resumed_request.body_json()["prompt_cache_key"],
        last_of_first.body_json()["prompt_cache_key"]
    );
    // The same file grew.
    let text = std::fs::read_to_string(&rollout_path).unwrap();
    assert!(text.contains("answer three"));
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("\"session_meta\""))
            .count(),
        1
    );
}

#[tokio::test]
async fn fork_copies_the_history_under_a_new_id() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("original answer"));
    let home = home_for(&server, "responses", "");
    let session = start_in(home, |_| {}, InitialHistory::New).await;
    session.submit_text("original").await;
    session.run_to_end().await;
    session.shutdown().await;
    let source_path = session.configured.rollout_path.clone().unwrap();
    let source_id = session.configured.session_id;

    server.push_turn(Turn::new().text("forked answer"));
    let file = read_rollout(&source_path).unwrap();
    let forked = start_in(
        session.home,
        |_| {},
        InitialHistory::Forked {
            from: source_id,
            items: file.items,
        },
    )
    .await;
    assert_ne!(forked.configured.session_id, source_id);
    let fork_path = forked.configured.rollout_path.clone().unwrap();
    assert_ne!(fork_path, source_path);
    forked.submit_text("continue").await;
    let events = forked.run_to_end().await;
    assert!(matches!(events.last(), Some(EventMsg::TaskComplete(_))));
    let requests = server.requests();
    assert_eq!(
        requests[1].input(),
        expected_next_input(
            &requests[0].input(),
            &[
                json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "original answer"}]})
            ],
            "continue"
        )
    );
    forked.shutdown().await;
    let fork = read_rollout(&fork_path).unwrap();
    assert_eq!(fork.meta.unwrap().meta.forked_from_id, Some(source_id));
    let source_text = std::fs::read_to_string(&source_path).unwrap();
    assert!(
        !source_text.contains("forked answer"),
        "the source is untouched"
    );
}
