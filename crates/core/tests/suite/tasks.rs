//! Interrupts and task lifecycle.

use codex_config::CliOverrides;
use codex_protocol::config_types::SandboxMode;
use codex_protocol::protocol::{AskForApproval, EventMsg, Op, TurnAbortReason};
use codex_test_support::{MockModelServer, Reply, Turn};
use serde_json::json;

use super::common::{count, start};

fn full_access(cli: &mut CliOverrides) {
    cli.sandbox_mode = Some(SandboxMode::DangerFullAccess);
    cli.approval_policy = Some(AskForApproval::Never);
}

#[tokio::test]
async fn interrupting_a_running_command_emits_one_turn_aborted_and_keeps_history_valid() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("Starting a long command.").function_call(
        "long",
        "shell",
        json!({"command": ["sleep", "30"], "timeout_ms": 60000}),
    ));
    server.push_turn(Turn::new().text("after"));
    let session = start(&server, "responses", "", full_access).await;
    session.submit_text("run it").await;
    session
        .events_until(|e| matches!(e, EventMsg::ExecCommandBegin(_)))
        .await;
    let started = std::time::Instant::now();
    session.codex.submit(Op::Interrupt).await.unwrap();
    let events = session.run_to_end().await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(matches!(
        events.last(),
        Some(EventMsg::TurnAborted(ev)) if ev.reason == TurnAbortReason::Interrupted
    ));
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::TaskComplete(_))),
        0
    );

    // A second interrupt with nothing running does nothing; the next turn
    // sends the interrupted call with an "aborted" output.
    session.codex.submit(Op::Interrupt).await.unwrap();
    session.submit_text("continue").await;
    let events = session.run_to_end().await;
    assert_eq!(count(&events, |e| matches!(e, EventMsg::TurnAborted(_))), 0);
    let request = &server.requests()[1];
    assert_eq!(request.tool_output("long").as_deref(), Some("aborted"));
    let texts = request.user_texts();
    assert_eq!(texts.last().unwrap(), "continue");
    // What completed before the interrupt was kept.
    assert!(request.input().iter().any(|i| i["role"] == "assistant"));
}

#[tokio::test]
async fn interrupting_while_the_model_streams() {
    let server = MockModelServer::start();
    // Frames: created, item added, first delta, then silence.
    server.push(Reply::turn(Turn::new().text("slow answer")).stall_after(3));
    let session = start(&server, "responses", "", |_| {}).await;
    session.submit_text("hi").await;
    session
        .events_until(|e| matches!(e, EventMsg::AgentMessageDelta(_)))
        .await;
    session.codex.submit(Op::Interrupt).await.unwrap();
    let events = session.run_to_end().await;
    assert_eq!(count(&events, |e| matches!(e, EventMsg::TurnAborted(_))), 1);
}

#[tokio::test]
async fn shutdown_flushes_the_session_file() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("bye"));
    let session = start(&server, "responses", "", |_| {}).await;
    session.submit_text("hi").await;
    session.run_to_end().await;
    session.shutdown().await;
    let path = session.configured.rollout_path.clone().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'));
    assert!(text.contains("\"type\":\"task_complete\""));
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
