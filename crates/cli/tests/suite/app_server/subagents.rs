//! Sub-agents through the app-server: a child's approval request reaches
//! the client as the parent thread's request, labelled with the agent's
//! name; the answer reaches the child; the agent calls are
//! `collabAgentToolCall` items that match the reference's schema; the
//! child's own turn and items are notified live under its thread id.

use super::*;

#[test]
fn a_childs_approval_is_asked_of_the_client_and_answered_for_the_child() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let workspace = home.workspace().display().to_string();
    crate::suite::agent_scenario::script(&server, "touched", "the agent touched it");
    let mut client = Client::start(&home);
    client.initialize();
    let started = client.call(
        "thread/start",
        json!({"cwd": workspace, "approvalPolicy": "untrusted", "sandbox": "danger-full-access"}),
    );
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "delegate"}]}),
    );
    // The child's turn completes first, under its own thread id.
    let mut during = Vec::new();
    let completed = loop {
        let (completed, before) = client.until("turn/completed", "accept");
        during.extend(before);
        if completed["params"]["threadId"] == thread_id.as_str() {
            break completed;
        }
        during.push(completed);
    };
    assert_eq!(
        completed["params"]["turn"]["status"], "completed",
        "{completed}"
    );
    let asked = during
        .iter()
        .find(|m| m["method"] == "item/commandExecution/requestApproval")
        .expect("the child's approval request");
    assert_eq!(asked["params"]["threadId"], thread_id.as_str());
    let reason = asked["params"]["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("[agent "), "{asked}");
    assert!(home.workspace().join("from-child.txt").exists());
    let collab: Vec<&Value> = during
        .iter()
        .filter(|m| {
            m["method"] == "item/completed" && m["params"]["item"]["type"] == "collabAgentToolCall"
        })
        .collect();
    assert_eq!(collab.len(), 2, "{during:#?}");
    let spawn = &collab[0]["params"]["item"];
    assert_eq!(spawn["tool"], "spawnAgent");
    assert_eq!(spawn["model"], "gpt-5.1-codex", "{spawn}");
    // Followed live: the child's turn, its command and its answer.
    let child_id = spawn["receiverThreadIds"][0].as_str().unwrap();
    let of_child = |method: &str| {
        during
            .iter()
            .filter(|m| m["method"] == method && m["params"]["threadId"] == child_id)
            .collect::<Vec<_>>()
    };
    assert!(!of_child("turn/started").is_empty(), "{during:#?}");
    let child_items: Vec<&Value> = of_child("item/completed")
        .into_iter()
        .map(|m| &m["params"]["item"])
        .collect();
    assert!(
        child_items
            .iter()
            .any(|i| i["type"] == "commandExecution" && i["status"] == "completed"),
        "{child_items:#?}"
    );
    assert!(
        child_items
            .iter()
            .any(|i| i["type"] == "agentMessage" && i["text"] == "touched"),
        "{child_items:#?}"
    );
    assert_eq!(of_child("turn/completed").len(), 1);
    let wait = &collab[1]["params"]["item"];
    assert_eq!(wait["tool"], "wait");
    let states = wait["agentsStates"].as_object().unwrap();
    let state = states.values().next().unwrap();
    assert_eq!(state["status"], "completed");
    assert_eq!(state["message"], "touched");
    validate(&client.close());
}

#[test]
fn v2_sub_agent_activity_items_match_the_reference_schema() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    home.append_config("\n[features]\nmulti_agent_v2 = true\n");
    let workspace = home.workspace().display().to_string();
    for _ in 0..6 {
        server.push(Reply::dynamic(move |request| {
            if request.header("x-openai-subagent").is_some() {
                return Turn::new().text("child done");
            }
            match request.call_outputs().len() {
                0 => Turn::new().namespaced_call(
                    "s1",
                    "collaboration",
                    "spawn_agent",
                    json!({"task_name": "w1", "message": "Say hi."}),
                ),
                1 => Turn::new().namespaced_call(
                    "w",
                    "collaboration",
                    "wait_agent",
                    json!({"timeout_ms": 30000}),
                ),
                _ => Turn::new().text("parent done"),
            }
        }));
    }
    let mut client = Client::start(&home);
    client.initialize();
    let started = client.call(
        "thread/start",
        json!({"cwd": workspace, "approvalPolicy": "never", "sandbox": "danger-full-access"}),
    );
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "delegate"}]}),
    );
    let mut during = Vec::new();
    loop {
        let (completed, before) = client.until("turn/completed", "accept");
        during.extend(before);
        if completed["params"]["threadId"] == thread_id.as_str() {
            break;
        }
        during.push(completed);
    }
    let activity: Vec<&Value> = during
        .iter()
        .filter(|m| {
            m["method"] == "item/completed" && m["params"]["item"]["type"] == "subAgentActivity"
        })
        .map(|m| &m["params"]["item"])
        .collect();
    let started = activity
        .iter()
        .find(|a| a["kind"] == "started")
        .expect("a started item");
    assert_eq!(started["id"], "s1");
    assert_eq!(started["agentPath"], "/root/w1");
    assert_eq!(started["model"], "gpt-5.1-codex");
    assert!(
        activity.iter().any(|a| a["kind"] == "completed"),
        "{activity:#?}"
    );
    let waits = during
        .iter()
        .filter(|m| {
            m["method"] == "item/completed"
                && m["params"]["item"]["type"] == "collabAgentToolCall"
                && m["params"]["item"]["tool"] == "wait"
        })
        .count();
    assert_eq!(waits, 1);
    validate(&client.close());
}
