//! `codex mcp-server` driven by real MCP clients (the Python SDK's client
//! and the inspector's CLI), and a flood of events against a client that
//! reads slowly.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use codex_test_support::peers::{npm_bin, python, workspace_root};
use codex_test_support::{MockModelServer, Reply, TestCodexHome, Turn, responses_event};
use serde_json::{Value, json};

fn home(server: &MockModelServer) -> TestCodexHome {
    TestCodexHome::with_mock_provider(&server.base_url(), "responses")
}

#[test]
fn the_python_sdk_client_runs_codex_answers_an_approval_and_replies() {
    let server = MockModelServer::start();
    let home = home(&server);
    let marker = home.workspace().join("made-by-codex.txt");
    server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", format!("echo hi > {}", marker.display())]}),
    ));
    server.push_turn(Turn::new().text("I made the file."));
    server.push_turn(Turn::new().text("Yes, it says hi."));
    let output = Command::new(python())
        .arg(workspace_root().join("crates/test-support/mcp/py_client.py"))
        .args([
            env!("CARGO_BIN_EXE_codex"),
            "make a file",
            "does it say hi?",
        ])
        .current_dir(home.workspace())
        .env("CODEX_HOME", home.path())
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["tools"], json!(["codex", "codex-reply"]));
    assert_eq!(summary["first"]["content"], "I made the file.");
    assert_eq!(summary["reply"]["content"], "Yes, it says hi.");
    assert_eq!(summary["reply"]["threadId"], summary["first"]["threadId"]);
    let elicitations = summary["elicitations"].as_array().unwrap();
    assert_eq!(elicitations.len(), 1, "{summary}");
    assert!(
        elicitations[0]["message"]
            .as_str()
            .unwrap()
            .contains("Allow Codex to run `echo hi >"),
        "{summary}"
    );
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "hi\n");
    let events: Vec<&str> = summary["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for kind in [
        "session_configured",
        "task_started",
        "exec_approval_request",
        "exec_command_end",
        "task_complete",
    ] {
        assert!(events.contains(&kind), "{kind} missing from {events:?}");
    }
    // The reply continued the same conversation.
    let third = &server.requests()[2];
    assert!(third.user_texts().iter().any(|t| t == "make a file"));
}

#[test]
fn the_inspector_cli_lists_the_tools() {
    let home = TestCodexHome::new();
    let output = Command::new("node")
        .arg(npm_bin("mcp-inspector-cli"))
        .args([
            "--cli",
            env!("CARGO_BIN_EXE_codex"),
            "mcp-server",
            "--method",
            "tools/list",
        ])
        .env("CODEX_HOME", home.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Value = serde_json::from_str(&stdout).unwrap();
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, vec!["codex", "codex-reply"]);
}

/// A JSON-RPC line.
fn send(stdin: &mut impl Write, message: &Value) {
    let mut line = serde_json::to_vec(message).unwrap();
    line.push(b'\n');
    stdin.write_all(&line).unwrap();
}

#[test]
fn a_client_that_reads_slowly_never_deadlocks_the_server() {
    let server = MockModelServer::start();
    let home = home(&server);
    // An answer of 4,000 deltas: that many codex/event notifications.
    let mut frames = vec![
        responses_event("response.created", json!({"response": {"id": "r1"}})),
        responses_event(
            "response.output_item.added",
            json!({"item": {"type": "message", "id": "m1", "role": "assistant", "content": []}}),
        ),
    ];
    let mut text = String::new();
    for i in 0..4000 {
        let delta = format!("word{i} ");
        text.push_str(&delta);
        frames.push(responses_event(
            "response.output_text.delta",
            json!({"item_id": "m1", "delta": delta}),
        ));
    }
    frames.push(responses_event(
        "response.output_item.done",
        json!({"item": {"type": "message", "id": "m1", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}}),
    ));
    frames.push(responses_event(
        "response.completed",
        json!({"response": {"id": "r1"}}),
    ));
    server.push(Reply::frames(frames));

    let mut child = Command::new(env!("CARGO_BIN_EXE_codex"))
        .arg("mcp-server")
        .current_dir(home.workspace())
        .env("CODEX_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "slow", "version": "1"}}}),
    );
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    );
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "codex", "arguments": {"prompt": "talk a lot"}}}),
    );
    // Nothing is read while the server streams. Meanwhile well over a pipe
    // buffer of requests goes in; a server that stopped reading while its
    // output was blocked would block these writes for good.
    let writer = std::thread::spawn(move || {
        for id in 2..2002 {
            send(
                &mut stdin,
                &json!({"jsonrpc": "2.0", "id": id, "method": "ping", "params": {"_meta": {"pad": "x".repeat(64)}}}),
            );
        }
        stdin
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while !writer.is_finished() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("the server stopped reading its input: deadlock");
        }
        // Polling a thread's completion; nothing to wait on here.
        std::thread::sleep(Duration::from_millis(50));
    }
    let stdin = writer.join().unwrap();
    // Now read everything: every ping answered, the call completed.
    let mut pings = 0;
    let mut result = None;
    let mut events = 0;
    for line in BufReader::new(stdout).lines() {
        let message: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if message["method"] == "codex/event" {
            events += 1;
        } else if message["id"] == 1 {
            result = Some(message);
        } else if message["id"].as_i64().is_some_and(|id| id >= 2) {
            pings += 1;
        }
        if pings == 2000 && result.is_some() {
            break;
        }
    }
    // Closing its input ends the server.
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("the server did not exit when its input closed");
        }
        // Waiting for a process exit; nothing to block on with a timeout.
        std::thread::sleep(Duration::from_millis(50));
    }
    let result = result.unwrap();
    assert_eq!(result["result"]["structuredContent"]["content"], text);
    assert_eq!(pings, 2000);
    assert!(events > 4000, "{events}");
}

/// A raw JSON-RPC client of `codex mcp-server`: it answers elicitations as
/// told and collects what the server sends.
struct RawClient {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<Value>,
}

impl RawClient {
    fn start(home: &TestCodexHome) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_codex"))
            .arg("mcp-server")
            .current_dir(home.workspace())
            .env("CODEX_HOME", home.path())
            .env_remove("OPENAI_API_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                    break;
                }
            }
        });
        let mut client = Self {
            stdin: child.stdin.take(),
            child,
            lines,
        };
        client.send(
            &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "raw", "version": "1"}}}),
        );
        client.wait_for(|m| m["id"] == 0);
        client.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        client
    }

    fn send(&mut self, message: &Value) {
        send(self.stdin.as_mut().unwrap(), message);
    }

    fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
    }

    fn next(&mut self) -> Value {
        self.lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the server said nothing for 60 s")
    }

    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = self.next();
            if wanted(&message) {
                return message;
            }
        }
    }
}

impl Drop for RawClient {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

#[test]
fn elicitations_carry_every_correlation_field_and_both_answer_forms_work() {
    let server = MockModelServer::start();
    let home = home(&server);
    let mut client = RawClient::start(&home);

    // Bad input first: the server answers it and goes on.
    client.send_line(r#"{"jsonrpc": "2.0", "id": 5, "method": "tools/list""#);
    let parse_error = client.wait_for(|m| m.get("error").is_some());
    assert_eq!(parse_error["error"]["code"], -32700, "{parse_error}");
    assert_eq!(parse_error["id"], 5);
    client.send(&json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call"}));
    let no_params = client.wait_for(|m| m["id"] == 6);
    assert_eq!(no_params["error"]["code"], -32602, "{no_params}");

    for (n, answer) in [
        json!({"decision": "approved"}),
        json!({"action": "accept", "content": {"decision": "approved"}}),
    ]
    .into_iter()
    .enumerate()
    {
        let file = format!("made-{n}.txt");
        server.push_turn(Turn::new().function_call(
            &format!("call-{n}"),
            "shell",
            json!({"command": ["bash", "-c", format!("echo {n} > {file}")]}),
        ));
        server.push_turn(Turn::new().text("made it"));
        let call_id = 10 + n as i64;
        client.send(
            &json!({"jsonrpc": "2.0", "id": call_id, "method": "tools/call", "params": {
            "name": "codex", "arguments": {"prompt": "make a file",
                "approval-policy": "untrusted", "sandbox": "workspace-write"}}}),
        );
        let request = client.wait_for(|m| m["method"] == "elicitation/create");
        let params = &request["params"];
        assert_eq!(params["codex_elicitation"], "exec-approval", "{params}");
        assert_eq!(params["codex_mcp_tool_call_id"], call_id, "{params}");
        assert!(
            params["codex_event_id"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{params}"
        );
        assert_eq!(params["codex_call_id"], format!("call-{n}"), "{params}");
        assert_eq!(
            params["codex_command"][2],
            format!("echo {n} > {file}"),
            "{params}"
        );
        assert_eq!(
            params["codex_cwd"].as_str().map(std::path::PathBuf::from),
            Some(std::fs::canonicalize(home.workspace()).unwrap()),
            "{params}"
        );
        assert!(params["codex_parsed_cmd"].is_array(), "{params}");
        assert_eq!(params["_meta"]["codex_call_id"], format!("call-{n}"));
        client.send(&json!({"jsonrpc": "2.0", "id": request["id"], "result": answer}));
        let result = client.wait_for(|m| m["id"] == call_id);
        assert_eq!(
            result["result"]["structuredContent"]["content"], "made it",
            "{result}"
        );
        assert_eq!(
            std::fs::read_to_string(home.workspace().join(&file)).unwrap(),
            format!("{n}\n"),
            "answer form {n} did not approve"
        );
    }
}

#[test]
fn the_models_questions_are_an_elicitation_whose_answers_reach_the_model() {
    let server = MockModelServer::start();
    let home = home(&server);
    let mut client = RawClient::start(&home);
    server.push_turn(Turn::new().function_call(
        "q1",
        "request_user_input",
        json!({"questions": [{"id": "color", "header": "Color", "question": "Which color?",
            "options": [{"label": "Red (Recommended)", "description": "warm"},
                        {"label": "Blue", "description": "cool"}]}]}),
    ));
    server.push_turn(Turn::new().text("Teal, then."));
    client.send(
        &json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "codex", "arguments": {"prompt": "pick a color"}}}),
    );
    let request = client.wait_for(|m| m["method"] == "elicitation/create");
    let params = &request["params"];
    assert_eq!(
        params["codex_elicitation"], "request-user-input",
        "{params}"
    );
    assert_eq!(params["codex_call_id"], "q1", "{params}");
    assert_eq!(params["message"], "Which color?");
    let field = &params["requestedSchema"]["properties"]["color"];
    assert_eq!(field["default"], "Red (Recommended)", "{params}");
    client.send(&json!({"jsonrpc": "2.0", "id": request["id"],
        "result": {"action": "accept", "content": {"color": "Teal"}}}));
    let result = client.wait_for(|m| m["id"] == 7);
    assert_eq!(
        result["result"]["structuredContent"]["content"], "Teal, then.",
        "{result}"
    );
    let output = server.requests()[1].tool_output("q1").unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&output).unwrap(),
        json!({"answers": {"color": {"answers": ["Teal"]}}})
    );
}

/// The per-frontend item scenario through `codex mcp-server`: an approved
/// command, a declined one, a patch, an MCP call and a message. Every
/// approval names an item that has started, every item that starts
/// completes once, the declined command completes as declined.
#[test]
fn the_items_of_a_turn_reach_the_client_in_order() {
    let server = MockModelServer::start();
    let home = home(&server);
    super::item_scenario::script(&server, &home, super::item_scenario::Declined::ByPolicy);

    let mut client = RawClient::start(&home);
    client.send(
        &json!({"jsonrpc": "2.0", "id": 100, "method": "tools/call", "params": {
        "name": "codex", "arguments": {"prompt": "go",
            "approval-policy": "untrusted", "sandbox": "workspace-write"}}}),
    );
    let mut started = Vec::new();
    let mut completed: Vec<Value> = Vec::new();
    loop {
        let message = client.next();
        if message["id"] == 100 && message.get("method").is_none() {
            assert_eq!(
                message["result"]["structuredContent"]["content"], "All done.",
                "{message}"
            );
            break;
        }
        if message["method"] == "elicitation/create" {
            let call_id = message["params"]["codex_call_id"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(
                started.contains(&call_id),
                "approval for {call_id} before its item started"
            );
            let decision = if call_id == "call_no" {
                "denied"
            } else {
                "approved"
            };
            client.send(&json!({"jsonrpc": "2.0", "id": message["id"],
                "result": {"decision": decision}}));
            continue;
        }
        let msg = &message["params"]["msg"];
        match msg["type"].as_str() {
            Some("item_started") => {
                started.push(msg["item"]["id"].as_str().unwrap().to_string());
            }
            Some("item_completed") => completed.push(msg["item"].clone()),
            _ => {}
        }
    }
    let by_id = |id: &str| -> &Value {
        let found: Vec<&Value> = completed.iter().filter(|i| i["id"] == id).collect();
        assert_eq!(found.len(), 1, "{id} completed {} times", found.len());
        found[0]
    };
    assert_eq!(by_id("call_yes")["type"], "CommandExecution");
    assert_eq!(by_id("call_yes")["status"], "completed", "{completed:?}");
    assert_eq!(by_id("call_no")["status"], "declined", "{completed:?}");
    assert!(!home.workspace().join("no.txt").exists());
    assert_eq!(by_id("call_patch")["type"], "FileChange");
    assert_eq!(by_id("call_mcp")["type"], "McpToolCall");
    assert_eq!(by_id("call_mcp")["status"], "completed", "{completed:?}");
    assert!(
        completed
            .iter()
            .any(|i| i["type"] == "AgentMessage" && i.to_string().contains("All done.")),
        "{completed:?}"
    );
    for item in &completed {
        let id = item["id"].as_str().unwrap();
        assert!(
            started.iter().any(|s| s == id) || item["type"] == "UserMessage",
            "{id} completed without starting"
        );
    }
}
