//! Sub-agents through the app-server: a child's approval request reaches
//! the client as the parent thread's request, labelled with the agent's
//! name; the answer reaches the child; the agent calls are
//! `collabAgentToolCall` items that match the reference's schema.

use super::*;

#[test]
fn a_childs_approval_is_asked_of_the_client_and_answered_for_the_child() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let workspace = home.workspace().display().to_string();
    let ns = "multi_agent_v1";
    for _ in 0..6 {
        server.push(Reply::dynamic(move |request| {
            if request.header("x-openai-subagent").is_some() {
                return if request.call_outputs().is_empty() {
                    Turn::new().function_call(
                        "touch",
                        "shell",
                        json!({"command": ["touch", "from-child.txt"]}),
                    )
                } else {
                    Turn::new().text("touched")
                };
            }
            let outs = request.call_outputs();
            match outs.len() {
                0 => Turn::new().namespaced_call(
                    "s1",
                    ns,
                    "spawn_agent",
                    json!({"message": "touch the file"}),
                ),
                1 => {
                    let id = serde_json::from_str::<Value>(&outs[0].1).unwrap()["agent_id"].clone();
                    Turn::new().namespaced_call(
                        "w",
                        ns,
                        "wait_agent",
                        json!({"targets": [id], "timeout_ms": 60000}),
                    )
                }
                _ => Turn::new().text("the agent touched it"),
            }
        }));
    }
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
    let (completed, during) = client.until("turn/completed", "accept");
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
    assert_eq!(collab[0]["params"]["item"]["tool"], "spawnAgent");
    let wait = &collab[1]["params"]["item"];
    assert_eq!(wait["tool"], "wait");
    let states = wait["agentsStates"].as_object().unwrap();
    let state = states.values().next().unwrap();
    assert_eq!(state["status"], "completed");
    assert_eq!(state["message"], "touched");
    validate(&client.close());
}
