//! Turns: events, requests, tools, retries, both wire formats.

use std::time::Duration;

use codex_protocol::config_types::SandboxMode;
use codex_protocol::protocol::{AskForApproval, EventMsg, Op};
use codex_protocol::user_input::UserInput;
use codex_test_support::{MockModelServer, Reply, Turn};
use pretty_assertions::assert_eq;
use serde_json::json;

use super::common::{count, start};

fn full_access(cli: &mut codex_config::CliOverrides) {
    cli.sandbox_mode = Some(SandboxMode::DangerFullAccess);
    cli.approval_policy = Some(AskForApproval::Never);
}

#[tokio::test]
async fn a_text_turn_emits_the_documented_events() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .reasoning("Thinking", None)
            .text("Hello!")
            .usage(10, 5),
    );
    let session = start(&server, "responses", "", |_| {}).await;
    assert_eq!(session.configured.model, "gpt-5.1-codex");
    assert!(session.configured.rollout_path.as_ref().unwrap().exists());

    let sub = session.submit_text("hi").await;
    let events = session.run_to_end().await;
    let kinds: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            EventMsg::TaskStarted(_) => Some("task_started"),
            EventMsg::UserMessage(_) => Some("user_message"),
            EventMsg::AgentReasoning(_) => Some("agent_reasoning"),
            EventMsg::AgentMessage(_) => Some("agent_message"),
            EventMsg::TokenCount(_) => Some("token_count"),
            EventMsg::TaskComplete(_) => Some("task_complete"),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "task_started",
            "user_message",
            "agent_reasoning",
            "agent_message",
            "token_count",
            "task_complete"
        ]
    );
    assert_eq!(kinds.first(), Some(&"task_started"));
    assert_eq!(kinds.last(), Some(&"task_complete"));
    let EventMsg::TaskComplete(done) = events.last().unwrap() else {
        panic!()
    };
    assert_eq!(done.last_agent_message.as_deref(), Some("Hello!"));
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::AgentMessageDelta(_))),
        2
    );

    let request = &server.requests()[0];
    let input = request.input();
    let texts = request.user_texts();
    assert!(texts[0].starts_with("<environment_context>"), "{texts:?}");
    assert_eq!(texts.last().unwrap(), "hi");
    assert_eq!(input.len(), 2);
    let _ = sub;
}

#[tokio::test]
async fn tool_calls_run_and_their_outputs_go_back_in_order() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .function_call(
                "call_a",
                "shell",
                json!({"command": ["bash", "-c", "echo first"]}),
            )
            .function_call(
                "call_b",
                "shell",
                json!({"command": ["bash", "-c", "echo second; exit 3"]}),
            )
            .function_call(
                "call_c",
                "update_plan",
                json!({"plan": [{"step": "one", "status": "in_progress"}]}),
            ),
    );
    server.push_turn(Turn::new().text("done"));
    let session = start(&server, "responses", "", full_access).await;
    session.submit_text("go").await;
    let events = session.run_to_end().await;
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ExecCommandBegin(_))),
        2
    );
    assert_eq!(count(&events, |e| matches!(e, EventMsg::PlanUpdate(_))), 1);

    let second = &server.requests()[1];
    let first_output: serde_json::Value =
        serde_json::from_str(&second.tool_output("call_a").unwrap()).unwrap();
    assert_eq!(first_output["output"], "first\n");
    assert_eq!(first_output["metadata"]["exit_code"], 0);
    let second_output: serde_json::Value =
        serde_json::from_str(&second.tool_output("call_b").unwrap()).unwrap();
    assert_eq!(second_output["metadata"]["exit_code"], 3);
    assert_eq!(second.tool_output("call_c").unwrap(), "Plan updated");
    // The calls as the model made them (each recorded on arrival), then
    // their outputs in the same order.
    let order: Vec<String> = second
        .input()
        .iter()
        .filter_map(|i| {
            i.get("call_id")
                .and_then(|c| c.as_str())
                .map(str::to_string)
        })
        .collect();
    assert_eq!(
        order,
        vec!["call_a", "call_b", "call_c", "call_a", "call_b", "call_c"]
    );
}

#[tokio::test]
async fn parallel_safe_calls_overlap() {
    let server = MockModelServer::start();
    let script =
        |name: &str| format!("date +%s.%N > {name}.start; sleep 0.5; date +%s.%N > {name}.end");
    server.push_turn(
        Turn::new()
            .function_call(
                "a",
                "shell",
                json!({"command": ["bash", "-c", script("a")]}),
            )
            .function_call(
                "b",
                "shell",
                json!({"command": ["bash", "-c", script("b")]}),
            ),
    );
    server.push_turn(Turn::new().text("done"));
    let session = start(&server, "responses", "", full_access).await;
    session.submit_text("go").await;
    session.run_to_end().await;
    let read = |f: &str| -> f64 {
        std::fs::read_to_string(session.home.workspace().join(f))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    // Each started before the other ended.
    assert!(read("a.start") < read("b.end") && read("b.start") < read("a.end"));
}

#[tokio::test]
async fn malformed_calls_are_answered_not_fatal() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .function_call_raw("bad", "shell", "{not json")
            .function_call("unknown", "browse_web", json!({})),
    );
    server.push_turn(Turn::new().text("ok"));
    let session = start(&server, "responses", "", full_access).await;
    session.submit_text("go").await;
    let events = session.run_to_end().await;
    assert!(matches!(events.last(), Some(EventMsg::TaskComplete(_))));
    let second = &server.requests()[1];
    assert!(
        second
            .tool_output("bad")
            .unwrap()
            .starts_with("failed to parse function arguments")
    );
    assert_eq!(
        second.tool_output("unknown").unwrap(),
        "unsupported call: browse_web"
    );
}

#[tokio::test]
async fn a_dropped_stream_is_retried_with_a_stream_error_event() {
    let server = MockModelServer::start();
    server.push(Reply::turn(Turn::new().text("partial")).disconnect_after(2));
    server.push_turn(Turn::new().text("complete"));
    let session = start(&server, "responses", "", |_| {}).await;
    session.submit_text("hi").await;
    let events = session.run_to_end().await;
    let stream_errors: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            EventMsg::StreamError(ev) => Some(ev.message.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        stream_errors,
        vec![
            "Reconnecting... 1/2 (stream disconnected before completion: stream closed before response.completed)"
        ]
    );
    let EventMsg::TaskComplete(done) = events.last().unwrap() else {
        panic!()
    };
    assert_eq!(done.last_agent_message.as_deref(), Some("complete"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn exhausted_retries_end_the_turn_with_an_error_and_the_session_continues() {
    let server = MockModelServer::start();
    for _ in 0..3 {
        server.push(Reply::turn(Turn::new().text("x")).disconnect_after(1));
    }
    server.push_turn(Turn::new().text("recovered"));
    let session = start(&server, "responses", "", |_| {}).await;
    session.submit_text("hi").await;
    let events = session.run_to_end().await;
    assert_eq!(count(&events, |e| matches!(e, EventMsg::StreamError(_))), 2);
    let errors: Vec<&EventMsg> = events
        .iter()
        .filter(|e| matches!(e, EventMsg::Error(_)))
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(matches!(events.last(), Some(EventMsg::TaskComplete(_))));

    session.submit_text("again").await;
    let events = session.run_to_end().await;
    let EventMsg::TaskComplete(done) = events.last().unwrap() else {
        panic!()
    };
    assert_eq!(done.last_agent_message.as_deref(), Some("recovered"));
}

#[tokio::test]
async fn chat_completions_run_a_full_tool_turn() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .text("Let me look.")
            .function_call(
                "call_1",
                "shell",
                json!({"command": ["bash", "-c", "echo chat"]}),
            )
            .usage(12, 4),
    );
    server.push_turn(Turn::new().text("Saw it."));
    let session = start(&server, "chat", "", full_access).await;
    session.submit_text("look").await;
    let events = session.run_to_end().await;
    let EventMsg::TaskComplete(done) = events.last().unwrap() else {
        panic!()
    };
    assert_eq!(done.last_agent_message.as_deref(), Some("Saw it."));
    let second = &server.requests()[1];
    assert_eq!(second.path, "/v1/chat/completions");
    let output: serde_json::Value =
        serde_json::from_str(&second.tool_output("call_1").unwrap()).unwrap();
    assert_eq!(output["output"], "chat\n");
    // apply_patch is a function on chat (this model is offered
    // exec_command and write_stdin first).
    let tools = second.body_json()["tools"].clone();
    assert_eq!(tools[2]["function"]["name"], "apply_patch");
    assert!(tools[2]["function"]["parameters"]["properties"]["input"].is_object());
}

#[tokio::test]
async fn input_during_a_task_joins_the_next_request() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call(
        "slow",
        "shell",
        json!({"command": ["sleep", "1"]}),
    ));
    server.push_turn(Turn::new().text("done"));
    let session = start(&server, "responses", "", full_access).await;
    session.submit_text("start").await;
    session
        .events_until(|e| matches!(e, EventMsg::ExecCommandBegin(_)))
        .await;
    session
        .codex
        .submit(Op::UserInput {
            items: vec![UserInput::Text {
                text: "also this".into(),
            }],
            final_output_json_schema: None,
        })
        .await
        .unwrap();
    let events = session.run_to_end().await;
    assert_eq!(count(&events, |e| matches!(e, EventMsg::TaskStarted(_))), 0);
    let texts = server.requests()[1].user_texts();
    assert_eq!(texts.last().unwrap(), "also this");
}

#[tokio::test]
async fn input_while_the_answer_streams_gets_a_request_of_its_own() {
    let server = MockModelServer::start();
    // The answer takes a while to arrive; the input is typed meanwhile.
    server.push(
        Reply::turn(Turn::new().text("first answer")).event_delay(Duration::from_millis(300)),
    );
    server.push_turn(Turn::new().text("second answer"));
    let session = start(&server, "responses", "", |_| {}).await;
    session.submit_text("start").await;
    let mut events = session
        .events_until(|e| matches!(e, EventMsg::AgentMessageDelta(_)))
        .await;
    session.submit_text("queued").await;
    events.extend(session.run_to_end().await);
    let EventMsg::TaskComplete(done) = events.last().unwrap() else {
        panic!("{events:?}")
    };
    assert_eq!(done.last_agent_message.as_deref(), Some("second answer"));
    // The queued input is shown where it joined: after the first answer.
    let users: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            EventMsg::UserMessage(m) => Some(m.message.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(users, vec!["start", "queued"]);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.requests()[1].user_texts().last().unwrap(), "queued");
}

#[tokio::test]
async fn settings_changes_are_sent_as_an_environment_diff() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("one"));
    server.push_turn(Turn::new().text("two"));
    let session = start(&server, "responses", "", |_| {}).await;
    session.submit_text("first").await;
    session.run_to_end().await;
    session
        .codex
        .submit(Op::OverrideTurnContext {
            cwd: None,
            approval_policy: Some(AskForApproval::Never),
            sandbox_policy: None,
            model: None,
            effort: None,
            summary: None,
        })
        .await
        .unwrap();
    session.submit_text("second").await;
    session.run_to_end().await;
    let texts = server.requests()[1].user_texts();
    assert_eq!(
        texts[texts.len() - 2],
        "<environment_context>\n  <approval_policy>never</approval_policy>\n</environment_context>"
    );
    // Unchanged settings add nothing.
    assert_eq!(server.requests()[0].user_texts().len(), 2);
}

/// The reference's layout (observed from 0.169): config `instructions` as a
/// developer message; one user message whose first part is the AGENTS.md
/// text headed for the cwd (global, separator, project docs root → cwd as
/// written, `AGENTS.override.md` winning in its directory) and whose second
/// part is the environment context.
#[tokio::test]
async fn agents_md_shares_the_first_user_message_with_the_environment() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let home =
        codex_test_support::TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    std::fs::write(home.path().join("AGENTS.md"), "global rule\n").unwrap();
    let repo = home.workspace().to_path_buf();
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(repo.join("AGENTS.md"), "repo rule\n").unwrap();
    let sub = repo.join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("AGENTS.md"), "shadowed").unwrap();
    std::fs::write(sub.join("AGENTS.override.md"), "override rule\n").unwrap();
    let session = super::common::start_in(
        home,
        move |overrides| {
            overrides.cwd = Some(sub);
            overrides
                .raw_overrides
                .push("instructions=\"cfg rule\"".to_string());
        },
        super::common::Start::New,
    )
    .await;
    session.submit_text("hi").await;
    session.run_to_end().await;
    let input = server.requests()[0].input();
    let messages: Vec<&serde_json::Value> =
        input.iter().filter(|i| i["type"] == "message").collect();
    assert_eq!(messages[0]["role"], "developer");
    assert_eq!(messages[0]["content"][0]["text"], "cfg rule");
    assert_eq!(messages[1]["role"], "user");
    let parts = messages[1]["content"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(
        parts[0]["text"],
        format!(
            "# AGENTS.md instructions for {}\n\n<INSTRUCTIONS>\nglobal rule\n\n--- project-doc ---\n\nrepo rule\n\n\noverride rule\n\n</INSTRUCTIONS>",
            repo.join("sub").display()
        )
    );
    assert!(
        parts[1]["text"]
            .as_str()
            .unwrap()
            .starts_with("<environment_context>")
    );
    assert_eq!(messages[2]["content"][0]["text"], "hi");
}

#[tokio::test]
async fn the_notify_program_gets_the_turn_as_json() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("finished"));
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("notification.json");
    let extra = format!(
        "notify = [\"bash\", \"-c\", \"printf '%s' \\\"$1\\\" > {}\", \"notify\"]\n",
        file.display()
    );
    let session = start(&server, "responses", &extra, |_| {}).await;
    let sub = session.submit_text("do it").await;
    session.run_to_end().await;
    let mut text = String::new();
    for _ in 0..100 {
        if let Ok(t) = std::fs::read_to_string(&file)
            && !t.is_empty()
        {
            text = t;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["type"], "agent-turn-complete");
    assert_eq!(json["turn-id"], sub);
    assert_eq!(json["input-messages"], json!(["do it"]));
    assert_eq!(json["last-assistant-message"], "finished");
    assert_eq!(json["thread-id"], session.configured.session_id.to_string());
    assert_eq!(json["cwd"], session.config.cwd.display().to_string());
    assert!(json["client"].is_string(), "{json}");
}

#[tokio::test]
async fn an_exclusive_call_waits_for_the_calls_before_it() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .function_call(
                "slow",
                "shell",
                json!({"command": ["bash", "-c", "sleep 0.3; echo draft > made.txt"]}),
            )
            .custom_tool_call(
                "patch",
                "apply_patch",
                "*** Begin Patch\n*** Update File: made.txt\n@@\n-draft\n+final\n*** End Patch\n",
            ),
    );
    server.push_turn(Turn::new().text("done"));
    let session = start(&server, "responses", "", full_access).await;
    session.submit_text("go").await;
    session.run_to_end().await;
    assert_eq!(
        std::fs::read_to_string(session.home.workspace().join("made.txt")).unwrap(),
        "final\n"
    );
    assert!(
        server.requests()[1]
            .tool_output("patch")
            .unwrap()
            .contains("Output:\nSuccess.")
    );
}

#[tokio::test]
async fn the_threads_index_is_kept_current() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("answer").usage(40, 2));
    let session = start(&server, "responses", "", |_| {}).await;
    session.submit_text("index me please").await;
    session.run_to_end().await;
    session.shutdown().await;
    let db = codex_state::StateDb::open(session.home.path()).unwrap();
    let id = session.configured.session_id.to_string();
    let row = db
        .call_blocking(move |conn| codex_state::threads::get_thread(conn, &id))
        .unwrap()
        .unwrap();
    assert_eq!(row.title, "index me please");
    assert_eq!(row.tokens_used, 42);
    assert_eq!(
        row.rollout_path,
        session.configured.rollout_path.clone().unwrap()
    );
    assert_eq!(row.cwd, session.config.cwd);
    assert_eq!(row.source, "exec");
}

/// A large output leaves the history's memory for its scratch file; every
/// later request still carries it whole, and the scratch file leaves no
/// name behind in `$CODEX_HOME`.
#[tokio::test]
async fn large_tool_outputs_go_back_whole_on_every_later_request() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call(
        "call_big",
        "shell",
        json!({"command": ["bash", "-c", "head -c 6000 /dev/zero | tr '\\0' 'q'; echo '\"end\"'"]}),
    ));
    server.push_turn(Turn::new().text("first answer"));
    server.push_turn(Turn::new().text("second answer"));
    let session = start(&server, "responses", "", full_access).await;
    session.submit_text("go").await;
    session.run_to_end().await;
    session.submit_text("again").await;
    session.run_to_end().await;

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let expected = format!("{}\"end\"\n", "q".repeat(6000));
    for request in &requests[1..] {
        let output: serde_json::Value =
            serde_json::from_str(&request.tool_output("call_big").unwrap()).unwrap();
        assert_eq!(output["output"], expected.as_str());
    }
    let leftovers: Vec<_> = std::fs::read_dir(session.home.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("spill"))
        .collect();
    assert_eq!(leftovers, Vec::<String>::new());
}
