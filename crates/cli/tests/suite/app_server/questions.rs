//! The model's questions through the app-server: the reference's
//! `item/tool/requestUserInput` server request, the client's answers
//! passed to the model unchanged; an interrupt while a question is open.

use super::*;

fn two_questions(call_id: &str) -> Turn {
    Turn::new().function_call(
        call_id,
        "request_user_input",
        json!({"questions": [
            {"id": "color", "header": "Color", "question": "Which color?",
             "options": [{"label": "Red (Recommended)", "description": "warm"},
                         {"label": "Blue", "description": "cool"}]},
            {"id": "name", "header": "Name", "question": "What name?",
             "options": [{"label": "Submit", "description": "plain"},
                         {"label": "Go", "description": "short"}]}
        ]}),
    )
}

/// An initialized client with a thread started in the workspace with
/// `settings` (more `thread/start` params).
fn start_thread(home: &TestCodexHome, mut settings: Value) -> (Client, String) {
    let mut client = Client::start(home);
    client.initialize();
    settings["cwd"] = json!(home.workspace().display().to_string());
    let started = client.call("thread/start", settings);
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    (client, thread_id)
}

/// Reads until the server asks something; returns the request.
fn until_request(client: &mut Client) -> Value {
    loop {
        let message = client.next();
        if message.get("method").is_some() && message.get("id").is_some() {
            return message;
        }
    }
}

#[test]
fn questions_go_to_the_client_and_its_answers_to_the_model() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    server.push_turn(two_questions("q1"));
    server.push_turn(Turn::new().text("Thanks."));
    let (mut client, thread_id) = start_thread(&home, json!({}));
    let turn = client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "ask me"}]}),
    );
    let turn_id = turn["turn"]["id"].as_str().unwrap().to_string();
    let request = until_request(&mut client);
    assert_eq!(request["method"], "item/tool/requestUserInput");
    let params = &request["params"];
    assert_eq!(params["threadId"], thread_id.as_str());
    assert_eq!(params["turnId"], turn_id.as_str());
    assert_eq!(params["itemId"], "q1");
    assert_eq!(params["isBlocking"], true);
    assert_eq!(params["autoResolutionMs"], Value::Null);
    assert_eq!(
        params["questions"][0],
        json!({"id": "color", "header": "Color", "question": "Which color?",
               "isOther": true, "isSecret": false,
               "options": [{"label": "Red (Recommended)", "description": "warm"},
                           {"label": "Blue", "description": "cool"}]})
    );
    let answers = json!({"answers": {"color": {"answers": ["Blue"]},
                                     "name": {"answers": ["my own words"]}}});
    let id = request["id"].clone();
    client.answer(&id, "item/tool/requestUserInput", answers.clone());
    client.until("turn/completed", "decline");
    let output = server.requests()[1].tool_output("q1").unwrap();
    assert_eq!(serde_json::from_str::<Value>(&output).unwrap(), answers);
    let checks = client.close();
    validate(&checks);
}

#[test]
fn an_interrupt_while_a_question_is_open_leaves_the_thread_usable() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    server.push_turn(two_questions("q1"));
    let (mut client, thread_id) = start_thread(&home, json!({}));
    let turn = client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "ask me"}]}),
    );
    let turn_id = turn["turn"]["id"].as_str().unwrap().to_string();
    until_request(&mut client);
    client.call(
        "turn/interrupt",
        json!({"threadId": thread_id, "turnId": turn_id}),
    );
    let (completed, _) = client.until("turn/completed", "decline");
    assert_eq!(completed["params"]["turn"]["status"], "interrupted");
    server.push_turn(Turn::new().text("Back."));
    client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "again"}]}),
    );
    let (completed, _) = client.until("turn/completed", "decline");
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    assert!(server.requests()[1].tool_output("q1").is_some());
    let checks = client.close();
    validate(&checks);
}

/// Reads until the notification `method`.
fn until_notification(client: &mut Client, method: &str) -> Value {
    loop {
        let message = client.next();
        if message.get("id").is_none() && message["method"] == method {
            return message;
        }
    }
}

#[test]
fn the_goal_is_set_read_paused_and_cleared_in_the_references_shapes() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let (mut client, thread_id) = start_thread(&home, json!({}));
    let none = client.call("thread/goal/get", json!({"threadId": thread_id}));
    assert_eq!(none, json!({"goal": null}));

    let set = client.call(
        "thread/goal/set",
        json!({"threadId": thread_id, "objective": "Ship the feature", "tokenBudget": 1000}),
    );
    assert_eq!(set["goal"]["objective"], "Ship the feature");
    assert_eq!(set["goal"]["status"], "active");
    assert_eq!(set["goal"]["tokenBudget"], 1000);
    assert_eq!(set["goal"]["threadId"], thread_id.as_str());
    let updated = until_notification(&mut client, "thread/goal/updated");
    assert_eq!(updated["params"]["threadId"], thread_id.as_str());

    // The model is reminded of it, and its tool sees it.
    server.push_turn(Turn::new().function_call("g", "get_goal", json!({})));
    server.push_turn(Turn::new().text("On it."));
    client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "go"}]}),
    );
    client.until("turn/completed", "decline");
    let seen: Value =
        serde_json::from_str(&server.requests()[1].tool_output("g").unwrap()).unwrap();
    assert_eq!(seen["goal"]["objective"], "Ship the feature");
    assert!(seen["remainingTokens"].as_i64().unwrap() <= 1000);

    let paused = client.call(
        "thread/goal/set",
        json!({"threadId": thread_id, "status": "paused"}),
    );
    assert_eq!(paused["goal"]["status"], "paused");
    let read = client.call("thread/goal/get", json!({"threadId": thread_id}));
    assert_eq!(read["goal"]["status"], "paused");
    let cleared = client.call("thread/goal/clear", json!({"threadId": thread_id}));
    assert_eq!(cleared, json!({"cleared": true}));
    until_notification(&mut client, "thread/goal/cleared");
    let none = client.call("thread/goal/get", json!({"threadId": thread_id}));
    assert_eq!(none, json!({"goal": null}));
    let checks = client.close();
    validate(&checks);
}

#[test]
fn the_collaboration_mode_plans_read_only_and_default_implements() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let (mut client, thread_id) = start_thread(
        &home,
        json!({"approvalPolicy": "never", "sandbox": "workspace-write"}),
    );
    let touch = |id: &str| {
        Turn::new().function_call(id, "shell", json!({"command": ["touch", "planned.txt"]}))
    };
    server.push_turn(touch("w1"));
    server.push_turn(Turn::new().text("<proposed_plan>\n1. Touch it\n</proposed_plan>"));
    client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "plan it"}],
               "collaborationMode": {"mode": "plan", "settings": {"model": "gpt-5.5"}}}),
    );
    let (completed, seen) = client.until("turn/completed", "decline");
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    let plan = seen
        .iter()
        .find(|m| m["method"] == "item/completed" && m["params"]["item"]["type"] == "plan")
        .unwrap_or_else(|| panic!("no plan item: {seen:?}"));
    assert_eq!(plan["params"]["item"]["text"], "1. Touch it");
    assert!(
        !home.workspace().join("planned.txt").exists(),
        "plan mode wrote"
    );

    server.push_turn(touch("w2"));
    server.push_turn(Turn::new().text("Done."));
    client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "Implement the plan."}],
               "collaborationMode": {"mode": "default", "settings": {"model": "gpt-5.5"}}}),
    );
    client.until("turn/completed", "decline");
    assert!(home.workspace().join("planned.txt").exists());
    let checks = client.close();
    validate(&checks);
}
