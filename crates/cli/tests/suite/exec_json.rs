//! `codex exec --json`, line by line.

use codex_test_support::{Turn, Usage};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::exec::{ExecEnv, stderr, stdout};

#[test]
fn the_event_stream_matches_the_reference_schema() {
    let env = ExecEnv::new();
    env.server.push_turn(
        Turn::new()
            .reasoning("Looking at the files", None)
            .function_call("c1", "shell", json!({"command": ["echo", "hi"]}))
            .function_call(
                "plan",
                "update_plan",
                json!({"plan": [{"step": "say hi", "status": "in_progress"}]}),
            )
            .usage(10, 5),
    );
    env.server.push_turn(
        Turn::new()
            .custom_tool_call(
                "p1",
                "apply_patch",
                "*** Begin Patch\n*** Add File: hi.txt\n+hi\n*** End Patch\n",
            )
            .function_call(
                "plan2",
                "update_plan",
                json!({"plan": [{"step": "say hi", "status": "completed"}]}),
            )
            .full_usage(Usage {
                input_tokens: 20,
                cached_input_tokens: 4,
                output_tokens: 3,
                reasoning_output_tokens: 0,
                total_tokens: 23,
            }),
    );
    env.server
        .push_turn(Turn::new().text("Said hi.").usage(30, 2));
    let output = env
        .exec()
        .args(["--json", "--full-auto", "say hi"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let thread_id = lines[0]["thread_id"].as_str().unwrap().to_string();
    assert_eq!(thread_id.len(), 36);
    let file = env.workspace().join("hi.txt").display().to_string();
    assert_eq!(
        lines,
        vec![
            json!({"type": "thread.started", "thread_id": thread_id}),
            json!({"type": "turn.started"}),
            json!({"type": "item.completed", "item": {"id": "item_0", "type": "reasoning", "text": "Looking at the files"}}),
            json!({"type": "item.started", "item": {"id": "item_1", "type": "command_execution",
                "command": "echo hi", "aggregated_output": "", "exit_code": null, "status": "in_progress"}}),
            json!({"type": "item.completed", "item": {"id": "item_1", "type": "command_execution",
                "command": "echo hi", "aggregated_output": "hi\n", "exit_code": 0, "status": "completed"}}),
            json!({"type": "item.started", "item": {"id": "item_2", "type": "todo_list",
                "items": [{"text": "say hi", "completed": false}]}}),
            json!({"type": "item.started", "item": {"id": "item_3", "type": "file_change",
                "changes": [{"path": file, "kind": "add"}], "status": "in_progress"}}),
            json!({"type": "item.completed", "item": {"id": "item_3", "type": "file_change",
                "changes": [{"path": file, "kind": "add"}], "status": "completed"}}),
            json!({"type": "item.updated", "item": {"id": "item_2", "type": "todo_list",
                "items": [{"text": "say hi", "completed": true}]}}),
            json!({"type": "item.completed", "item": {"id": "item_4", "type": "agent_message", "text": "Said hi."}}),
            json!({"type": "item.completed", "item": {"id": "item_2", "type": "todo_list",
                "items": [{"text": "say hi", "completed": true}]}}),
            json!({"type": "turn.completed", "usage": {"input_tokens": 60, "cached_input_tokens": 4,
                "cache_write_input_tokens": 0, "output_tokens": 10, "reasoning_output_tokens": 0}}),
        ]
    );
}

#[test]
fn a_failed_turn_is_reported_in_the_stream() {
    let env = ExecEnv::new();
    env.server.push(codex_test_support::Reply::status(
        400,
        r#"{"error":{"message":"bad"}}"#,
    ));
    let output = env.exec().args(["--json", "hi"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[1], json!({"type": "turn.started"}));
    assert_eq!(
        lines[2],
        json!({"type": "error", "message": "the request was rejected (400): bad"})
    );
    assert_eq!(
        lines[3],
        json!({"type": "turn.failed", "error": {"message": "the request was rejected (400): bad"}})
    );
    assert_eq!(lines.len(), 4);
}

#[test]
fn the_reference_exec_then_patch_scenario_gives_the_same_item_sequence() {
    let fixture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../core/tests/fixtures/reference-0.169/exec-json-exec-then-patch.jsonl"),
    )
    .unwrap();
    let expected: Vec<Value> = fixture
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    // The scripted model of the fixture, call for call.
    let env = ExecEnv::new();
    env.server.push_turn(
        Turn::new()
            .function_call(
                "c1",
                "exec_command",
                json!({"cmd": "printf 'alpha\\nbeta\\n' > notes.txt && cat notes.txt"}),
            )
            .usage(100, 20),
    );
    env.server.push_turn(
        Turn::new()
            .custom_tool_call(
                "c2",
                "apply_patch",
                "*** Begin Patch\n*** Update File: notes.txt\n@@\n alpha\n-beta\n+gamma\n*** End Patch\n",
            )
            .usage(100, 20),
    );
    env.server.push_turn(
        Turn::new()
            .text("Done: notes.txt now says alpha, gamma.")
            .usage(100, 20),
    );
    let output = env
        .exec()
        .env("SHELL", "/bin/bash")
        .args([
            "--json",
            "-s",
            "workspace-write",
            "-m",
            "gpt-5.5",
            "do the task",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let workspace = env.workspace().display().to_string();
    let mut actual: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(&l.replace(&workspace, "/home/user/project")).unwrap())
        .collect();
    actual[0]["thread_id"] = expected[0]["thread_id"].clone();
    // A login shell may print its own greeting first; the command's output
    // is what must match.
    for line in &mut actual {
        if let Some(text) = line["item"]["aggregated_output"].as_str()
            && let Some(at) = text.find("alpha\nbeta\n")
        {
            line["item"]["aggregated_output"] = json!(&text[at..]);
        }
    }
    assert_eq!(actual, expected);
    assert_eq!(
        std::fs::read_to_string(env.workspace().join("notes.txt")).unwrap(),
        "alpha\ngamma\n"
    );
}

#[test]
fn web_search_is_offered_and_its_calls_become_items() {
    use codex_test_support::{Reply, responses_event};
    let env = ExecEnv::new();
    env.home.write_config(&format!(
        "web_search = \"live\"\n{}",
        codex_test_support::TestCodexHome::mock_provider_config(
            &env.server.base_url(),
            "responses"
        )
    ));
    env.server.push(Reply::frames(vec![
        responses_event("response.created", json!({"response": {"id": "r1"}})),
        responses_event(
            "response.output_item.added",
            json!({"item": {"type": "web_search_call", "id": "ws_1", "status": "in_progress"}}),
        ),
        responses_event(
            "response.output_item.done",
            json!({"item": {"type": "web_search_call", "id": "ws_1", "status": "completed",
                "action": {"type": "search", "query": "rust 2024 edition"}}}),
        ),
        responses_event(
            "response.output_item.done",
            json!({"item": {"type": "message", "id": "m1", "role": "assistant",
                "content": [{"type": "output_text", "text": "Found it.", "annotations": []}]}}),
        ),
        responses_event("response.completed", json!({"response": {"id": "r1"}})),
    ]));
    let output = env
        .exec()
        .args(["--json", "-m", "gpt-5.5", "search"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let tools = env.server.requests()[0].body_json()["tools"].clone();
    assert!(
        tools
            .as_array()
            .unwrap()
            .contains(&json!({"type": "web_search", "external_web_access": true})),
        "{tools}"
    );
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines.contains(&json!({"type": "item.completed", "item": {"id": "item_0", "type": "web_search",
            "query": "rust 2024 edition", "action": {"type": "search", "query": "rust 2024 edition"}}})),
        "{lines:?}"
    );

    // Chat Completions has no such tool: left out, with one warning.
    let env = ExecEnv::with_wire("chat");
    env.home.write_config(&format!(
        "web_search = \"live\"\n{}",
        codex_test_support::TestCodexHome::mock_provider_config(&env.server.base_url(), "chat")
    ));
    env.server.push_turn(Turn::new().text("no search here"));
    let output = env
        .exec()
        .args(["-m", "gpt-5.5", "search"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert_eq!(
        err.matches("web_search is not available").count(),
        1,
        "{err}"
    );
    let body = env.server.requests()[0].body_json();
    assert!(!body.to_string().contains("web_search"), "{body}");
}

/// The reference's `collab_tool_call` items for a scripted spawn, wait,
/// send_input and close (the same script was run against the reference
/// 0.169; its lines had these fields and values, ids aside).
#[test]
fn agent_tool_calls_are_collab_tool_call_items() {
    use codex_test_support::Reply;
    let env = ExecEnv::new();
    let ns = "multi_agent_v1";
    for _ in 0..8 {
        env.server.push(Reply::dynamic(move |request| {
            if request.header("x-openai-subagent").is_some() {
                return Turn::new().text("child says hi");
            }
            let outputs = request.call_outputs();
            let id = outputs
                .first()
                .and_then(|(_, o)| serde_json::from_str::<Value>(o).ok())
                .map(|v| v["agent_id"].clone())
                .unwrap_or(Value::Null);
            match outputs.len() {
                0 => Turn::new().namespaced_call(
                    "call_spawn",
                    ns,
                    "spawn_agent",
                    json!({"message": "Say hi."}),
                ),
                1 => Turn::new().namespaced_call(
                    "call_wait",
                    ns,
                    "wait_agent",
                    json!({"targets": [id], "timeout_ms": 30000}),
                ),
                2 => Turn::new().namespaced_call(
                    "call_send",
                    ns,
                    "send_input",
                    json!({"target": id, "message": "again"}),
                ),
                3 => Turn::new().namespaced_call(
                    "call_close",
                    ns,
                    "close_agent",
                    json!({"target": id}),
                ),
                _ => Turn::new().text("parent done"),
            }
        }));
    }
    let output = env.exec().args(["--json", "delegate"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let thread = lines[0]["thread_id"].as_str().unwrap().to_string();
    let collab: Vec<&Value> = lines
        .iter()
        .filter(|l| l["item"]["type"] == "collab_tool_call")
        .collect();
    assert_eq!(collab.len(), 8, "{lines:#?}");
    let spawned = collab[1]["item"]["receiver_thread_ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    let item = |n: usize| {
        let mut item = collab[n]["item"].clone();
        item.as_object_mut().unwrap().remove("id");
        (collab[n]["type"].as_str().unwrap().to_string(), item)
    };
    let call = |tool: &str, receivers: Value, prompt: Value, states: Value, status: &str| {
        json!({"type": "collab_tool_call", "tool": tool, "sender_thread_id": thread,
            "receiver_thread_ids": receivers, "prompt": prompt, "agents_states": states,
            "status": status})
    };
    let s = spawned.as_str();
    assert_eq!(
        item(0),
        (
            "item.started".into(),
            call(
                "spawn_agent",
                json!([]),
                json!("Say hi."),
                json!({}),
                "in_progress"
            )
        )
    );
    assert_eq!(
        item(1),
        (
            "item.completed".into(),
            call(
                "spawn_agent",
                json!([s]),
                json!("Say hi."),
                json!({s: {"status": "pending_init", "message": null}}),
                "completed"
            )
        )
    );
    assert_eq!(
        item(2),
        (
            "item.started".into(),
            call("wait", json!([s]), Value::Null, json!({}), "in_progress")
        )
    );
    assert_eq!(
        item(3),
        (
            "item.completed".into(),
            call(
                "wait",
                json!([s]),
                Value::Null,
                json!({s: {"status": "completed", "message": "child says hi"}}),
                "completed"
            )
        )
    );
    assert_eq!(
        item(4),
        (
            "item.started".into(),
            call(
                "send_input",
                json!([s]),
                json!("again"),
                json!({}),
                "in_progress"
            )
        )
    );
    assert_eq!(item(5).1["status"], "completed");
    assert_eq!(
        item(6),
        (
            "item.started".into(),
            call(
                "close_agent",
                json!([s]),
                Value::Null,
                json!({}),
                "in_progress"
            )
        )
    );
    let closed = item(7).1;
    assert_eq!(closed["status"], "completed");
    let previous = closed["agents_states"][s]["status"].as_str().unwrap();
    assert!(
        ["running", "completed", "pending_init"].contains(&previous),
        "{closed}"
    );
    // The child's own work is not printed.
    assert!(!stdout(&output).contains("\"text\":\"child says hi\""));

    // `sessions list` shows the child under its parent.
    let list = |json: bool| {
        let mut cmd = super::cli_basics::codex();
        cmd.env("CODEX_HOME", env.home.path())
            .current_dir(env.workspace())
            .args(["sessions", "list"]);
        if json {
            cmd.arg("--json");
        }
        let output = cmd.output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    let text = list(false);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows[0].starts_with(&thread), "{text}");
    assert!(rows[1].starts_with(&format!("  {spawned}")), "{text}");
    let json_rows: Vec<Value> = list(true)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(json_rows[1]["parent_thread_id"], thread.as_str());
    assert_eq!(json_rows[0]["parent_thread_id"], Value::Null);
}

/// The per-frontend item scenario through `codex exec --json`: a command
/// that runs, one that asks to leave the sandbox (nobody can answer, so it
/// is declined), a patch, an MCP call and a message. Every item that
/// completes started first, once; the declined command completes as
/// declined.
#[test]
fn the_items_of_a_turn_are_json_lines_in_order() {
    let env = ExecEnv::new();
    super::item_scenario::script(
        &env.server,
        &env.home,
        super::item_scenario::Declined::Escalating,
    );
    let output = env
        .exec()
        .args([
            "--json",
            "-s",
            "workspace-write",
            "-c",
            "approval_policy=\"on-request\"",
            "go",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut started = Vec::new();
    let mut completed: Vec<(String, String, String)> = Vec::new();
    for line in &lines {
        let item = &line["item"];
        let id = item["id"].as_str().unwrap_or_default().to_string();
        match line["type"].as_str() {
            Some("item.started") => started.push(id),
            Some("item.completed") => {
                assert!(
                    started.contains(&id) || item["type"] == "agent_message",
                    "{id} completed without starting: {lines:#?}"
                );
                completed.push((
                    item["type"].as_str().unwrap().to_string(),
                    item["status"].as_str().unwrap_or_default().to_string(),
                    item["text"].as_str().unwrap_or_default().to_string(),
                ));
            }
            _ => {}
        }
    }
    let shape: Vec<(&str, &str)> = completed
        .iter()
        .map(|(kind, status, _)| (kind.as_str(), status.as_str()))
        .collect();
    assert_eq!(
        shape,
        [
            ("command_execution", "completed"),
            ("command_execution", "declined"),
            ("file_change", "completed"),
            ("mcp_tool_call", "completed"),
            ("agent_message", ""),
        ],
        "{lines:#?}"
    );
    assert_eq!(completed[4].2, "All done.");
    assert!(!env.workspace().join("no.txt").exists());
    assert!(env.workspace().join("notes.md").exists());
}
