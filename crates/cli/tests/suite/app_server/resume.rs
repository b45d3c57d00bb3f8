//! A thread resumed in a new app-server process keeps its own settings,
//! whatever `config.toml` says by then, and turn ids stay unique.

use super::*;

/// Reads until `turn/completed`, answering the first approval request with
/// `accept` and every later one (a retry outside the sandbox) with
/// `decline`. Returns the notification and the approval requests seen.
fn until_completed_accepting_once(client: &mut Client) -> (Value, Vec<Value>) {
    let mut asked = Vec::new();
    loop {
        let message = client.next();
        let method = message
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_string);
        match (method, message.get("id").cloned()) {
            (Some(method), Some(id)) => {
                let decision = if asked.is_empty() {
                    "accept"
                } else {
                    "decline"
                };
                client.answer(&id, &method, json!({"decision": decision}));
                asked.push(message);
            }
            (Some(method), None) if method == "turn/completed" => return (message, asked),
            _ => {}
        }
    }
}

fn is_uuid_v7(id: &str) -> bool {
    id.len() == 36 && id.as_bytes()[14] == b'7' && id.chars().filter(|c| *c == '-').count() == 4
}

#[test]
fn a_resumed_thread_keeps_its_policies_under_a_permissive_config() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let workspace = home.workspace().display().to_string();

    // Process 1: a careful thread, one turn.
    server.push_turn(Turn::new().text("Hello."));
    let mut client = Client::start(&home);
    client.initialize();
    let started = client.call(
        "thread/start",
        json!({"cwd": workspace, "approvalPolicy": "untrusted", "sandbox": "read-only"}),
    );
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    let first = client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]}),
    );
    let first_turn = first["turn"]["id"].as_str().unwrap().to_string();
    client.until("turn/completed", "decline");
    let mut checks = client.close();

    // The user's defaults become as permissive as they get.
    home.write_config(&format!(
        "approval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"\n{}",
        TestCodexHome::mock_provider_config(&server.base_url(), "responses")
    ));

    // Process 2: the resumed thread still asks, and still cannot write.
    server.push_turn(Turn::new().function_call(
        "call_write",
        "shell",
        json!({"command": ["bash", "-c", "echo escaped > written.txt"]}),
    ));
    server.push_turn(Turn::new().text("Tried."));
    let mut client = Client::start(&home);
    client.initialize();
    let resumed = client.call("thread/resume", json!({"threadId": thread_id}));
    assert_eq!(resumed["approvalPolicy"], "untrusted", "{resumed}");
    assert_eq!(resumed["sandbox"]["type"], "readOnly", "{resumed}");
    assert_eq!(resumed["cwd"], workspace.as_str());
    let second = client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "write a file"}]}),
    );
    let second_turn = second["turn"]["id"].as_str().unwrap().to_string();
    let (completed, asked) = until_completed_accepting_once(&mut client);
    assert_eq!(completed["params"]["turn"]["id"], second_turn.as_str());
    assert!(
        asked
            .first()
            .is_some_and(|r| r["method"] == "item/commandExecution/requestApproval"),
        "the resumed untrusted thread ran a write without asking: {asked:?}"
    );
    assert!(
        !home.workspace().join("written.txt").exists(),
        "the resumed read-only thread wrote a file"
    );
    // The approval request carries what a client needs to show it.
    let params = &asked[0]["params"];
    assert_eq!(params["commandActions"][0]["type"], "unknown", "{params}");
    assert_eq!(
        params["commandActions"][0]["command"],
        "echo escaped > written.txt"
    );
    let decisions = params["availableDecisions"].as_array().unwrap();
    for decision in ["accept", "acceptForSession", "decline", "cancel"] {
        assert!(decisions.contains(&json!(decision)), "{params}");
    }
    assert!(
        params
            .as_object()
            .unwrap()
            .contains_key("proposedExecpolicyAmendment"),
        "{params}"
    );

    // A fork is as confined as its source; its turns get ids of their own.
    server.push_turn(Turn::new().text("Forked."));
    let forked = client.call("thread/fork", json!({"threadId": thread_id}));
    assert_eq!(forked["approvalPolicy"], "untrusted", "{forked}");
    assert_eq!(forked["sandbox"]["type"], "readOnly", "{forked}");
    let fork_id = forked["thread"]["id"].as_str().unwrap().to_string();
    let third = client.call(
        "turn/start",
        json!({"threadId": fork_id, "input": [{"type": "text", "text": "again"}]}),
    );
    let third_turn = third["turn"]["id"].as_str().unwrap().to_string();
    client.until("turn/completed", "decline");

    let ids = [&first_turn, &second_turn, &third_turn];
    for id in ids {
        assert!(is_uuid_v7(id), "turn id {id} is not a UUIDv7");
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 3, "turn ids repeat: {ids:?}");
    checks.extend(client.close());
    validate(&checks);
}

#[test]
fn a_resume_request_may_choose_other_settings() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let workspace = home.workspace().display().to_string();
    let mut client = Client::start(&home);
    client.initialize();
    // Never ran a turn: the settings it started with are on record all the same.
    let started = client.call(
        "thread/start",
        json!({"cwd": workspace, "approvalPolicy": "untrusted", "sandbox": "read-only"}),
    );
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    client.close();
    home.write_config(&format!(
        "approval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"\n{}",
        TestCodexHome::mock_provider_config(&server.base_url(), "responses")
    ));

    let mut client = Client::start(&home);
    client.initialize();
    let resumed = client.call(
        "thread/resume",
        json!({"threadId": thread_id, "sandbox": "workspace-write"}),
    );
    assert_eq!(resumed["approvalPolicy"], "untrusted", "{resumed}");
    assert_eq!(resumed["sandbox"]["type"], "workspaceWrite", "{resumed}");
    let checks = client.close();
    validate(&checks);
}
