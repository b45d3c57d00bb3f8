//! Plan mode: read-only for the thread while on (a write fails in the
//! sandbox), the answer as a proposed-plan item, back to the thread's own
//! sandbox when accepted, and the mode kept across resume.

use codex_config::CliOverrides;
use codex_core::ThreadRef;
use codex_protocol::config_types::{ModeKind, SandboxMode};
use codex_protocol::items::TurnItem;
use codex_protocol::protocol::{AskForApproval, EventMsg, Op};
use codex_test_support::{MockModelServer, Turn};
use serde_json::json;

use super::common::{Start, TestSession, home_for, start_in};

fn workspace_write(cli: &mut CliOverrides) {
    cli.approval_policy = Some(AskForApproval::Never);
    cli.sandbox_mode = Some(SandboxMode::WorkspaceWrite);
}

fn touch(call_id: &str, file: &str) -> Turn {
    Turn::new().function_call(call_id, "shell", json!({"command": ["touch", file]}))
}

async fn set_mode(session: &TestSession, mode: ModeKind) {
    session
        .codex
        .submit(Op::SetCollaborationMode { mode })
        .await
        .unwrap();
    session
        .events_until(|e| matches!(e, EventMsg::CollaborationModeChanged(c) if c.mode == mode))
        .await;
}

fn proposed_plan(events: &[EventMsg]) -> Option<String> {
    events.iter().find_map(|e| match e {
        EventMsg::ItemCompleted(c) => match &c.item {
            TurnItem::ProposedPlan(plan) => Some(plan.text.clone()),
            _ => None,
        },
        _ => None,
    })
}

#[tokio::test]
async fn plan_mode_is_read_only_proposes_a_plan_and_accepting_restores_the_sandbox() {
    let server = MockModelServer::start();
    server.push_turn(touch("w1", "planned.txt"));
    server.push_turn(
        Turn::new().text("I looked.\n<proposed_plan>\n1. Create planned.txt\n</proposed_plan>"),
    );
    let home = home_for(&server, "responses", "");
    let session = start_in(home, workspace_write, Start::New).await;
    set_mode(&session, ModeKind::Plan).await;
    session.submit_text("plan a file").await;
    let events = session.run_to_end().await;
    assert_eq!(
        proposed_plan(&events).as_deref(),
        Some("1. Create planned.txt")
    );
    let ws = session.home.workspace().to_path_buf();
    assert!(!ws.join("planned.txt").exists(), "plan mode wrote a file");
    let first = serde_json::Value::from(server.requests()[0].input()).to_string();
    assert!(first.contains("You are in plan mode"), "{first}");
    let output = server.requests()[1].tool_output("w1").unwrap();
    assert!(
        output.contains("Read-only") || output.contains("ermission") || output.contains("exit"),
        "{output}"
    );

    // Accepted: the thread's own sandbox again.
    set_mode(&session, ModeKind::Default).await;
    server.push_turn(touch("w2", "planned.txt"));
    server.push_turn(Turn::new().text("Done."));
    session.submit_text("Implement the plan.").await;
    let events = session.run_to_end().await;
    assert!(proposed_plan(&events).is_none());
    assert!(
        ws.join("planned.txt").exists(),
        "the accepted plan could not write"
    );
    let third = serde_json::Value::from(server.requests()[2].input()).to_string();
    assert!(third.contains("Plan mode has ended"), "{third}");
    session.shutdown().await;
}

#[tokio::test]
async fn the_mode_survives_resume() {
    let server = MockModelServer::start();
    let home = home_for(&server, "responses", "");
    let session = start_in(home, workspace_write, Start::New).await;
    set_mode(&session, ModeKind::Plan).await;
    session.shutdown().await;
    let rollout_path = session.configured.rollout_path.clone().unwrap();

    let resumed = start_in(
        session.home,
        |_| {},
        Start::Resume(ThreadRef::Path(rollout_path.clone())),
    )
    .await;
    resumed
        .events_until(
            |e| matches!(e, EventMsg::CollaborationModeChanged(c) if c.mode == ModeKind::Plan),
        )
        .await;
    server.push_turn(touch("w1", "resumed.txt"));
    server.push_turn(Turn::new().text("<proposed_plan>later</proposed_plan>"));
    resumed.submit_text("go").await;
    let events = resumed.run_to_end().await;
    assert_eq!(proposed_plan(&events).as_deref(), Some("later"));
    assert!(!resumed.home.workspace().join("resumed.txt").exists());
    // Back to default after resume: the thread's workspace-write again.
    set_mode(&resumed, ModeKind::Default).await;
    server.push_turn(touch("w2", "resumed.txt"));
    server.push_turn(Turn::new().text("ok"));
    resumed.submit_text("do it").await;
    resumed.run_to_end().await;
    assert!(resumed.home.workspace().join("resumed.txt").exists());
}
