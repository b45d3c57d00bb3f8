//! `multi_agent_v2` against the mock model, in the reference's shapes: the
//! `collaboration` namespace, agents by path, the mailbox traffic as
//! `agent_message` items, the activity items; and `multi_agent_v1`
//! deferred behind `tool_search` for models that take it.

use codex_protocol::items::{SubAgentActivityKind, TurnItem};
use codex_protocol::protocol::EventMsg;
use codex_test_support::{MockModelServer, RecordedRequest, Reply, Turn};
use serde_json::{Value, json};

use super::common::start;

const NS: &str = "collaboration";
const CONFIG: &str = "approval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"\nfeatures = { multi_agent_v2 = true }";

fn is_child(request: &RecordedRequest) -> bool {
    request.header("x-openai-subagent") == Some("collab_spawn")
}

/// The `agent_message` items of a request: (author, recipient, header,
/// payload).
fn agent_messages(request: &RecordedRequest) -> Vec<(String, String, String, String)> {
    request
        .input()
        .iter()
        .filter(|i| i["type"] == "agent_message")
        .map(|i| {
            let parts = i["content"].as_array().unwrap();
            let header = parts[0]["text"].as_str().unwrap().to_string();
            let payload = parts
                .get(1)
                .and_then(|p| p["encrypted_content"].as_str())
                .unwrap_or_default()
                .to_string();
            (
                i["author"].as_str().unwrap().to_string(),
                i["recipient"].as_str().unwrap().to_string(),
                header,
                payload,
            )
        })
        .collect()
}

/// The parent: spawn, wait, list, note, follow-up, wait, interrupt, done
/// (one step per function output so far).
fn parent_turn(request: &RecordedRequest) -> Turn {
    let call = |id: &str, name: &str, args: Value| Turn::new().namespaced_call(id, NS, name, args);
    match request.call_outputs().len() {
        0 => call(
            "c1",
            "spawn_agent",
            json!({"task_name": "w1", "message": "Say hi."}),
        ),
        1 => call("c2", "wait_agent", json!({"timeout_ms": 30000})),
        2 => call("c3", "list_agents", json!({})),
        3 => call(
            "c4",
            "send_message",
            json!({"target": "w1", "message": "note this"}),
        ),
        4 => call(
            "c5",
            "followup_task",
            json!({"target": "/root/w1", "message": "Say bye."}),
        ),
        5 => call("c6", "wait_agent", json!({"timeout_ms": 1000})),
        6 => call("c7", "interrupt_agent", json!({"target": "w1"})),
        _ => Turn::new().text("parent done"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_agents_talk_through_mailboxes_in_the_references_shapes() {
    let server = MockModelServer::start();
    for _ in 0..12 {
        server.push(Reply::dynamic(|request| {
            if is_child(request) {
                let n = agent_messages(request).len();
                Turn::new().text(&format!("child answer {n}"))
            } else {
                parent_turn(request)
            }
        }));
    }
    let session = start(&server, "responses", CONFIG, |_| {}).await;
    session.submit_text("split the work").await;
    let events = session.run_to_end().await;

    let requests = server.requests();
    let parent: Vec<&RecordedRequest> = requests.iter().filter(|r| !is_child(r)).collect();
    let children: Vec<&RecordedRequest> = requests.iter().filter(|r| is_child(r)).collect();

    // The namespace, listed (never deferred), with the v2 functions.
    let tools = parent[0].body_json()["tools"].clone();
    let tools = tools.as_array().unwrap();
    assert!(!tools.iter().any(|t| t["name"] == "multi_agent_v1"));
    let ns = tools.iter().find(|t| t["name"] == NS).expect("offered");
    let names: Vec<&str> = ns["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "followup_task",
            "interrupt_agent",
            "list_agents",
            "send_message",
            "spawn_agent",
            "wait_agent"
        ]
    );
    let spawn = ns["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "spawn_agent")
        .unwrap();
    assert_eq!(
        spawn["parameters"]["required"],
        json!(["task_name", "message"])
    );
    assert_eq!(
        spawn["parameters"]["properties"]["message"]["encrypted"],
        true
    );
    // The team's developer messages.
    let first = parent[0].body_json().to_string();
    assert!(first.contains("You are `/root`"), "{first}");
    assert!(first.contains("<multi_agent_mode>"), "{first}");

    // The answers.
    let last = parent.last().unwrap();
    assert_eq!(
        last.tool_output("c1").as_deref(),
        Some(r#"{"task_name":"/root/w1"}"#)
    );
    // A wait ends on news — unless the news came before the wait began
    // (it was then in the request that asked for the wait): timed out.
    let waited: Value = serde_json::from_str(&last.tool_output("c2").unwrap()).unwrap();
    assert!(
        waited == json!({"message": "Wait completed.", "timed_out": false})
            || waited == json!({"message": "Wait timed out.", "timed_out": true}),
        "{waited}"
    );
    assert_eq!(
        last.tool_output("c3").as_deref(),
        Some(
            r#"{"agents":[{"agent_name":"/root","agent_status":"running"},{"agent_name":"/root/w1","agent_status":{"completed":"child answer 1"}}]}"#
        )
    );
    assert_eq!(last.tool_output("c4").as_deref(), Some(""));
    assert_eq!(last.tool_output("c5").as_deref(), Some(""));
    let clamped: Value = serde_json::from_str(&last.tool_output("c6").unwrap()).unwrap();
    let clamped = clamped["message"].as_str().unwrap();
    assert!(clamped.contains("1000 ms"), "{clamped}");
    assert_eq!(
        last.tool_output("c7").as_deref(),
        Some(r#"{"previous_status":{"completed":"child answer 3"}}"#)
    );
    // The child's answers reached the parent's history, after the wait
    // outputs, as final answers.
    let finals: Vec<_> = agent_messages(last)
        .into_iter()
        .filter(|(_, _, header, _)| header.starts_with("Message Type: FINAL_ANSWER"))
        .collect();
    assert_eq!(finals.len(), 2, "{finals:?}");
    assert_eq!(finals[0].0, "/root/w1");
    assert_eq!(finals[0].1, "/root");
    assert!(
        finals[0].2.ends_with("Payload:\nchild answer 1"),
        "{finals:?}"
    );
    let input = last.input();
    let spawn_at = input
        .iter()
        .position(|i| i["call_id"] == "c1" && i["type"] == "function_call_output");
    let final_at = input.iter().position(|i| i["type"] == "agent_message");
    assert!(spawn_at < final_at, "the answer follows the spawn's output");

    // The child: no collaboration tools; the parent's conversation with
    // the spawn answered `aborted`; its task as a NEW_TASK message.
    assert_eq!(children.len(), 2, "two turns: the task and the follow-up");
    let child_tools = children[0].body_json()["tools"].to_string();
    assert!(!child_tools.contains(NS), "{child_tools}");
    assert_eq!(children[0].tool_output("c1").as_deref(), Some("aborted"));
    assert!(
        children[0]
            .user_texts()
            .iter()
            .any(|t| t == "split the work")
    );
    let task = agent_messages(children[0]);
    assert_eq!(
        task,
        vec![(
            "/root".to_string(),
            "/root/w1".to_string(),
            "Message Type: NEW_TASK\nTask name: /root/w1\nSender: /root\nPayload:\n".to_string(),
            "Say hi.".to_string()
        )]
    );
    assert_eq!(
        children[0].input().last().unwrap()["type"],
        "agent_message",
        "the task comes last"
    );
    // The note waited for the follow-up's turn, and came first.
    let second: Vec<(String, String)> = agent_messages(children[1])
        .into_iter()
        .map(|(_, _, header, payload)| (header.lines().next().unwrap().to_string(), payload))
        .collect();
    assert_eq!(
        second[1..],
        [
            ("Message Type: MESSAGE".to_string(), "note this".to_string()),
            ("Message Type: NEW_TASK".to_string(), "Say bye.".to_string())
        ]
    );

    // The items: started (with the model), interacted twice, completed,
    // interrupted; waits as `wait` calls.
    let activity: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            EventMsg::ItemCompleted(done) => match &done.item {
                TurnItem::SubAgentActivity(a) => Some(a.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let kinds: Vec<SubAgentActivityKind> = activity.iter().map(|a| a.kind).collect();
    assert_eq!(kinds[0], SubAgentActivityKind::Started);
    assert_eq!(activity[0].id, "c1");
    assert_eq!(activity[0].agent_path, "/root/w1");
    assert_eq!(activity[0].model.as_deref(), Some("gpt-5.1-codex"));
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == SubAgentActivityKind::Interacted)
            .count(),
        2
    );
    assert!(kinds.contains(&SubAgentActivityKind::Completed));
    assert_eq!(kinds.last(), Some(&SubAgentActivityKind::Interrupted));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_refusals_are_clear_and_fork_turns_none_starts_fresh() {
    let server = MockModelServer::start();
    for _ in 0..12 {
        server.push(Reply::dynamic(|request| {
            if is_child(request) {
                return Turn::new().text("fresh child");
            }
            let call =
                |id: &str, name: &str, args: Value| Turn::new().namespaced_call(id, NS, name, args);
            match request.call_outputs().len() {
                0 => call(
                    "e1",
                    "spawn_agent",
                    json!({"task_name": "Bad-Name", "message": "x"}),
                ),
                1 => call(
                    "e2",
                    "spawn_agent",
                    json!({"task_name": "w3", "message": "Say hi.", "fork_turns": "none", "reasoning_effort": "high"}),
                ),
                2 => call(
                    "e3",
                    "spawn_agent",
                    json!({"task_name": "w3", "message": "again"}),
                ),
                3 => call(
                    "e4",
                    "followup_task",
                    json!({"target": "nobody", "message": "x"}),
                ),
                4 => call(
                    "e5",
                    "followup_task",
                    json!({"target": "/root", "message": "x"}),
                ),
                5 => call(
                    "e6",
                    "spawn_agent",
                    json!({"task_name": "w4", "message": "x", "fork_turns": "some"}),
                ),
                6 => call("e7", "list_agents", json!({"path_prefix": "/root/w3"})),
                _ => Turn::new().text("done"),
            }
        }));
    }
    let session = start(&server, "responses", CONFIG, |_| {}).await;
    session.submit_text("try things").await;
    session.run_to_end().await;

    let requests = server.requests();
    let last = requests.iter().rfind(|r| !is_child(r)).unwrap();
    let out = |id: &str| last.tool_output(id).unwrap();
    assert!(out("e1").contains("task_name `Bad-Name`"), "{}", out("e1"));
    assert_eq!(out("e2"), r#"{"task_name":"/root/w3"}"#);
    assert!(
        out("e3").contains("`/root/w3` is already live"),
        "{}",
        out("e3")
    );
    assert!(
        out("e4").contains("no live agent at `/root/nobody`"),
        "{}",
        out("e4")
    );
    assert!(out("e5").contains("root agent"), "{}", out("e5"));
    assert!(out("e6").contains("fork_turns `some`"), "{}", out("e6"));
    let listed: Value = serde_json::from_str(&out("e7")).unwrap();
    assert_eq!(listed["agents"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["agents"][0]["agent_name"], "/root/w3");

    // fork_turns none: the child sees none of the parent's conversation,
    // runs with the effort asked, and starts from its task.
    let child = requests.iter().find(|r| is_child(r)).unwrap();
    assert!(!child.user_texts().iter().any(|t| t == "try things"));
    assert!(child.call_outputs().is_empty());
    assert_eq!(child.body_json()["reasoning"]["effort"], "high");
    let body = child.body_json().to_string();
    assert!(body.contains("You are `/root/w3`"), "{body}");
    assert_eq!(child.input().last().unwrap()["type"], "agent_message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_is_deferred_behind_tool_search_for_a_model_that_takes_it() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new().tool_search_call("ts1", json!({"query": "spawn agent", "limit": 3})),
    );
    server.push_turn(Turn::new().namespaced_call(
        "s1",
        "multi_agent_v1",
        "spawn_agent",
        json!({"message": "Say hi."}),
    ));
    server.push(Reply::dynamic(|request| {
        if is_child(request) {
            Turn::new().text("hi")
        } else {
            Turn::new().text("done")
        }
    }));
    server.push(Reply::dynamic(|_| Turn::new().text("done")));
    let session = start(
        &server,
        "responses",
        "approval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"",
        |o| o.model = Some("gpt-5.5".to_string()),
    )
    .await;
    session.submit_text("search").await;
    session.run_to_end().await;

    let requests = server.requests();
    let first = &requests[0];
    let tools = first.body_json()["tools"].clone();
    let names: Vec<&str> = tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().or(t["type"].as_str()).unwrap())
        .collect();
    assert!(!names.contains(&"multi_agent_v1"), "{names:?}");
    assert!(names.contains(&"tool_search"), "{names:?}");
    let body = first.body_json().to_string();
    assert!(
        body.contains(
            "<tools>\\nDeferred tool namespaces:\\n- multi_agent_v1: Tools for spawning and managing sub-agents.\\n</tools>"
        ),
        "{body}"
    );
    // The search finds the namespace's functions, marked deferred.
    let second = &requests[1];
    let output = second
        .input()
        .into_iter()
        .find(|i| i["type"] == "tool_search_output")
        .expect("search answered");
    assert_eq!(output["tools"][0]["name"], "multi_agent_v1");
    let found: Vec<&str> = output["tools"][0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(found[0], "spawn_agent");
    assert_eq!(output["tools"][0]["tools"][0]["defer_loading"], true);
    // The deferred function is called by its namespace and works.
    let after_spawn = requests
        .iter()
        .find(|r| !is_child(r) && r.tool_output("s1").is_some())
        .expect("spawn answered");
    let spawned: Value = serde_json::from_str(&after_spawn.tool_output("s1").unwrap()).unwrap();
    assert!(spawned["agent_id"].is_string(), "{spawned}");
}
