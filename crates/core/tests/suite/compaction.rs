//! Automatic and manual compaction.

use codex_protocol::protocol::{EventMsg, Op};
use codex_test_support::{MockModelServer, Turn};
use serde_json::json;

use super::common::{count, start};

const LIMIT: &str = "model_auto_compact_token_limit = 100\nsandbox_mode = \"danger-full-access\"\napproval_policy = \"never\"";

#[tokio::test]
async fn reaching_the_limit_compacts_and_continues() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .function_call(
                "call_1",
                "shell",
                json!({"command": ["echo", "big output"]}),
            )
            .usage(200, 10),
    );
    server.push_turn(
        Turn::new()
            .text("SUMMARY: ran echo, next say done")
            .usage(30, 10),
    );
    server.push_turn(Turn::new().text("done").usage(40, 5));
    let session = start(&server, "responses", LIMIT, |_| {}).await;
    session.submit_text("please do the thing").await;
    let events = session.run_to_end().await;
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ContextCompacted(_))),
        1
    );
    let EventMsg::TaskComplete(done) = events.last().unwrap() else {
        panic!()
    };
    assert_eq!(done.last_agent_message.as_deref(), Some("done"));

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    // The summary request: the whole history plus the prompt, no tools.
    let summary_request = requests[1].body_json();
    assert_eq!(summary_request["tools"], json!([]));
    assert!(
        requests[1]
            .user_texts()
            .last()
            .unwrap()
            .starts_with("Pause the task.")
    );
    assert!(requests[1].tool_output("call_1").is_some());
    // The continued request: context, the user's message, the summary; no tool call.
    let texts = requests[2].user_texts();
    assert!(texts[0].starts_with("<environment_context>"));
    assert_eq!(texts[1], "please do the thing");
    assert!(texts[2].contains("<summary>\nSUMMARY: ran echo, next say done\n</summary>"));
    assert!(requests[2].input().iter().all(|i| i["type"] == "message"));

    session.shutdown().await;
    let rollout = std::fs::read_to_string(session.configured.rollout_path.unwrap()).unwrap();
    let compacted: Vec<serde_json::Value> = rollout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["type"] == "compacted")
        .collect();
    assert_eq!(compacted.len(), 1);
    assert_eq!(
        compacted[0]["payload"]["message"],
        "SUMMARY: ran echo, next say done"
    );
    assert_eq!(
        compacted[0]["payload"]["replacement_history"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn still_over_the_limit_after_compaction_is_an_error() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .function_call("call_1", "shell", json!({"command": ["true"]}))
            .usage(200, 10),
    );
    server.push_turn(Turn::new().text("summary").usage(30, 10));
    server.push_turn(
        Turn::new()
            .function_call("call_2", "shell", json!({"command": ["true"]}))
            .usage(300, 10),
    );
    let session = start(&server, "responses", LIMIT, |_| {}).await;
    session.submit_text("go").await;
    let events = session.run_to_end().await;
    let errors: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            EventMsg::Error(ev) => Some(ev.message.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            "Conversation is still above the token limit after automatic summarization (limit 100, current 310). Please start a new session or trim your input."
        ]
    );
}

#[tokio::test]
async fn compact_on_demand() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("first answer"));
    server.push_turn(Turn::new().text("the summary"));
    server.push_turn(Turn::new().text("after"));
    let session = start(&server, "responses", "", |_| {}).await;
    session.submit_text("first").await;
    session.run_to_end().await;
    session.codex.submit(Op::Compact).await.unwrap();
    let events = session.run_to_end().await;
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ContextCompacted(_))),
        1
    );
    session.submit_text("second").await;
    session.run_to_end().await;
    let texts = server.requests()[2].user_texts();
    assert_eq!(texts[1], "first");
    assert!(texts[2].contains("the summary"));
    assert_eq!(texts[3], "second");
}
