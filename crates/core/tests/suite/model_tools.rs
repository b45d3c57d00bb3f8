//! The tools models are trained on, driven by a scripted model: interactive
//! commands on a real PTY, background processes, the process limit, images
//! and the file tools. Commands run in the real sandbox (workspace-write).

use codex_config::CliOverrides;
use codex_protocol::config_types::SandboxMode;
use codex_protocol::protocol::{AskForApproval, EventMsg};
use codex_test_support::{MockModelServer, RecordedRequest, Reply, Turn};
use serde_json::{Value, json};

use super::common::{count, start};

fn sandboxed(cli: &mut CliOverrides) {
    cli.approval_policy = Some(AskForApproval::Never);
    cli.sandbox_mode = Some(SandboxMode::WorkspaceWrite);
}

/// The session id an `exec_command` answer names.
fn session_id(request: &RecordedRequest, call_id: &str) -> i64 {
    let output = request.tool_output(call_id).unwrap_or_default();
    output
        .split("session ID ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no session id in: {output}"))
}

fn write_stdin(call_id: &'static str, to: &'static str, chars: &'static str, wait: u64) -> Reply {
    Reply::dynamic(move |request| {
        Turn::new().function_call(
            call_id,
            "write_stdin",
            json!({"session_id": session_id(request, to), "chars": chars, "yield_time_ms": wait}),
        )
    })
}

#[tokio::test]
async fn an_interactive_python_repl_is_driven_through_a_pty() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call(
        "start",
        "exec_command",
        json!({"cmd": "/usr/bin/python3 -i -q", "tty": true, "yield_time_ms": 2000, "login": false}),
    ));
    server.push(write_stdin("ask", "start", "print(6*7)\n", 2000));
    server.push(write_stdin("quit", "start", "\u{4}", 5000));
    server.push_turn(Turn::new().text("done"));
    let session = start(&server, "responses", "", sandboxed).await;
    session.submit_text("use python").await;
    let events = session.run_to_end().await;

    let requests = server.requests();
    let started = requests[1].tool_output("start").unwrap();
    assert!(started.starts_with("Chunk ID: "), "{started}");
    assert!(
        started.contains("Process running with session ID"),
        "{started}"
    );
    assert!(
        started.contains(">>> "),
        "the prompt of a real terminal: {started}"
    );
    let answer = requests[2].tool_output("ask").unwrap();
    assert!(answer.contains("42"), "{answer}");
    let quit = requests[3].tool_output("quit").unwrap();
    assert!(quit.contains("Process exited with code 0"), "{quit}");

    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ExecCommandBegin(_))),
        1
    );
    assert_eq!(
        count(
            &events,
            |e| matches!(e, EventMsg::TerminalInteraction(i) if i.stdin == "print(6*7)\n")
        ),
        1
    );
    let end = events.iter().find_map(|e| match e {
        EventMsg::ExecCommandEnd(end) => Some(end.clone()),
        _ => None,
    });
    let end = end.expect("the process ended");
    assert_eq!(end.exit_code, 0);
    assert!(end.aggregated_output.contains("42"));
    assert_eq!(end.call_id, "start");
}

#[tokio::test]
async fn a_background_process_keeps_running_and_is_polled() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call(
        "server",
        "exec_command",
        json!({"cmd": "for i in 1 2 3; do echo tick $i; sleep 0.4; done; echo stopped", "yield_time_ms": 250, "login": false}),
    ));
    server.push(write_stdin("poll", "server", "", 20_000));
    server.push(Reply::dynamic(|request| {
        Turn::new().function_call(
            "again",
            "write_stdin",
            json!({"session_id": session_id(request, "server"), "chars": "x"}),
        )
    }));
    server.push_turn(Turn::new().text("done"));
    let session = start(&server, "responses", "", sandboxed).await;
    session.submit_text("serve").await;
    session.run_to_end().await;

    let requests = server.requests();
    let first = requests[1].tool_output("server").unwrap();
    assert!(first.contains("Process running with session ID"), "{first}");
    let poll = requests[2].tool_output("poll").unwrap();
    // The poll returned when the process exited, with what it printed since.
    assert!(poll.contains("Process exited with code 0"), "{poll}");
    assert!(poll.contains("tick 3\nstopped\n"), "{poll}");
    let again = requests[3].tool_output("again").unwrap();
    assert!(
        again.starts_with("write_stdin failed: Unknown process id"),
        "{again}"
    );
}

/// Host pids of live processes whose command line has `marker`.
fn live_with(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            String::from_utf8_lossy(&cmdline)
                .replace('\0', " ")
                .starts_with(&format!("sleep {marker}"))
                && !stat.contains(") Z ")
        })
        .count()
}

#[tokio::test]
async fn at_most_64_interactive_processes_live_at_once() {
    let server = MockModelServer::start();
    let marker = format!("7{}.5", std::process::id());
    let mut turn = Turn::new();
    for i in 0..70 {
        turn = turn.function_call(
            &format!("p{i}"),
            "exec_command",
            json!({"cmd": format!("sleep {marker}"), "yield_time_ms": 250, "login": false}),
        );
    }
    server.push_turn(turn);
    server.push_turn(Turn::new().text("done"));
    let session = start(&server, "responses", "", |cli| {
        sandboxed(cli);
        cli.raw_overrides = vec!["max_concurrent_commands=70".into()];
    })
    .await;
    session.submit_text("start many").await;
    let events = session.run_to_end().await;
    let evictions = count(
        &events,
        |e| matches!(e, EventMsg::Warning(w) if w.message.starts_with("ended interactive command")),
    );
    assert_eq!(evictions, 6);
    let outputs: Vec<String> = (0..70)
        .map(|i| server.requests()[1].tool_output(&format!("p{i}")).unwrap())
        .collect();
    // Each answer says running, or (ended to make room while its own call
    // still waited) exited; never anything else.
    let running = outputs
        .iter()
        .filter(|o| o.contains("Process running with session ID"))
        .count();
    let ended = outputs
        .iter()
        .filter(|o| o.contains("Process exited with code"))
        .count();
    assert_eq!(running + ended, 70, "{outputs:?}");
    assert!(ended <= 6, "{outputs:?}");
    // The evicted ones are gone; 64 remain until the session ends.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while live_with(&marker) > 64 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} live",
            live_with(&marker)
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(live_with(&marker), 64);
    session.shutdown().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while live_with(&marker) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} left after shutdown",
            live_with(&marker)
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn view_image_attaches_the_image_or_says_why_not() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .function_call("missing", "view_image", json!({"path": "missing.png"}))
            .function_call("shot", "view_image", json!({"path": "shot.png"})),
    );
    server.push_turn(Turn::new().text("I see it"));
    let session = start(&server, "responses", "", sandboxed).await;
    std::fs::write(
        session.home.workspace().join("shot.png"),
        b"\x89PNG\r\n\x1a\n0000",
    )
    .unwrap();
    session.submit_text("look").await;
    let events = session.run_to_end().await;
    let request = &server.requests()[1];
    let missing = request.tool_output("missing").unwrap();
    let path = session.home.workspace().join("missing.png");
    assert!(
        missing.starts_with(&format!("unable to locate image at `{}`", path.display())),
        "{missing}"
    );
    let image = request
        .input()
        .iter()
        .find_map(|item| {
            item["content"].as_array()?.iter().find_map(|part| {
                (part["type"] == "input_image")
                    .then(|| part["image_url"].as_str().unwrap().to_string())
            })
        })
        .expect("the image joined the next request");
    assert!(image.starts_with("data:image/png;base64,"));
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ViewImageToolCall(_))),
        1
    );
}

#[tokio::test]
async fn grep_files_skips_what_gitignore_excludes() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call(
        "g",
        "grep_files",
        json!({"pattern": "TODO", "include": "*.rs"}),
    ));
    server.push_turn(Turn::new().text("found"));
    let session = start(&server, "responses", "tools.file_tools = true", sandboxed).await;
    let ws = session.home.workspace();
    std::fs::create_dir_all(ws.join("target/debug")).unwrap();
    std::fs::create_dir_all(ws.join("src")).unwrap();
    std::fs::write(ws.join(".gitignore"), "target/\n").unwrap();
    std::fs::write(ws.join("target/debug/gen.rs"), "// TODO generated").unwrap();
    std::fs::write(ws.join("src/lib.rs"), "// TODO real").unwrap();
    std::fs::write(ws.join("notes.md"), "TODO not rust").unwrap();
    session.submit_text("find todos").await;
    session.run_to_end().await;
    let output = server.requests()[1].tool_output("g").unwrap();
    assert_eq!(output, ws.join("src/lib.rs").display().to_string());
    let tools: Vec<Value> = server.requests()[0].body_json()["tools"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    for name in ["read_file", "list_dir", "grep_files"] {
        assert!(names.contains(&name), "{names:?}");
    }
}
