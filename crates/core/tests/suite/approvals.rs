//! Approval policies and decisions (commands run without the sandbox here;
//! sandboxed flows are tested through `codex exec`).

use codex_config::CliOverrides;
use codex_protocol::config_types::SandboxMode;
use codex_protocol::protocol::{AskForApproval, EventMsg, Op, ReviewDecision};
use codex_test_support::{MockModelServer, Turn};
use serde_json::json;

use super::common::{TestSession, count, start};

fn policy(approval: AskForApproval, sandbox: SandboxMode) -> impl FnOnce(&mut CliOverrides) {
    move |cli| {
        cli.approval_policy = Some(approval);
        cli.sandbox_mode = Some(sandbox);
    }
}

async fn answer_next_approval(session: &TestSession, decision: ReviewDecision) -> EventMsg {
    let events = session
        .events_until(|e| {
            matches!(
                e,
                EventMsg::ExecApprovalRequest(_) | EventMsg::ApplyPatchApprovalRequest(_)
            )
        })
        .await;
    let request = events.last().unwrap().clone();
    let op = match &request {
        EventMsg::ExecApprovalRequest(r) => Op::ExecApproval {
            id: r.call_id.clone(),
            decision,
        },
        EventMsg::ApplyPatchApprovalRequest(r) => Op::PatchApproval {
            id: r.call_id.clone(),
            decision,
        },
        _ => unreachable!(),
    };
    session.codex.submit(op).await.unwrap();
    request
}

fn touch(call_id: &str, file: &str) -> Turn {
    Turn::new().function_call(call_id, "shell", json!({"command": ["touch", file]}))
}

#[tokio::test]
async fn untrusted_asks_for_unknown_commands_but_not_for_safe_ones() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call("ls", "shell", json!({"command": ["ls"]})));
    server.push_turn(touch("t1", "approved.txt"));
    server.push_turn(touch("t2", "denied.txt"));
    server.push_turn(Turn::new().text("done"));
    let session = start(
        &server,
        "responses",
        "",
        policy(AskForApproval::UnlessTrusted, SandboxMode::DangerFullAccess),
    )
    .await;
    session.submit_text("go").await;

    let request = answer_next_approval(&session, ReviewDecision::Approved).await;
    let EventMsg::ExecApprovalRequest(request) = request else {
        panic!()
    };
    assert_eq!(request.command, vec!["touch", "approved.txt"]);
    answer_next_approval(&session, ReviewDecision::Denied).await;
    let events = session.run_to_end().await;
    assert!(matches!(events.last(), Some(EventMsg::TaskComplete(_))));

    let ws = session.home.workspace();
    assert!(ws.join("approved.txt").exists());
    assert!(!ws.join("denied.txt").exists());
    let requests = server.requests();
    assert!(
        requests[1].tool_output("ls").is_some(),
        "ls ran without asking"
    );
    assert_eq!(
        requests[3].tool_output("t2").as_deref(),
        Some("exec command rejected by user")
    );
}

#[tokio::test]
async fn approved_for_session_is_not_asked_again() {
    let server = MockModelServer::start();
    server.push_turn(touch("a", "x.txt"));
    server.push_turn(touch("b", "x.txt"));
    server.push_turn(Turn::new().text("done"));
    let session = start(
        &server,
        "responses",
        "",
        policy(AskForApproval::UnlessTrusted, SandboxMode::DangerFullAccess),
    )
    .await;
    session.submit_text("go").await;
    answer_next_approval(&session, ReviewDecision::ApprovedForSession).await;
    let events = session.run_to_end().await;
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ExecApprovalRequest(_))),
        0
    );
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ExecCommandEnd(_))),
        2
    );
}

#[tokio::test]
async fn abort_interrupts_the_task() {
    let server = MockModelServer::start();
    server.push_turn(touch("a", "never.txt"));
    let session = start(
        &server,
        "responses",
        "",
        policy(AskForApproval::UnlessTrusted, SandboxMode::DangerFullAccess),
    )
    .await;
    session.submit_text("go").await;
    answer_next_approval(&session, ReviewDecision::Abort).await;
    let events = session.run_to_end().await;
    assert!(matches!(events.last(), Some(EventMsg::TurnAborted(_))));
    assert!(!session.home.workspace().join("never.txt").exists());
}

#[tokio::test]
async fn on_request_escalation_asks_with_the_justification() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call(
        "esc",
        "shell",
        json!({"command": ["touch", "esc.txt"], "with_escalated_permissions": true, "justification": "needs to write"}),
    ));
    server.push_turn(Turn::new().text("done"));
    let session = start(
        &server,
        "responses",
        "",
        policy(AskForApproval::OnRequest, SandboxMode::ReadOnly),
    )
    .await;
    session.submit_text("go").await;
    let request = answer_next_approval(&session, ReviewDecision::Approved).await;
    let EventMsg::ExecApprovalRequest(request) = request else {
        panic!()
    };
    assert_eq!(request.reason.as_deref(), Some("needs to write"));
    session.run_to_end().await;
    // Approved escalation runs outside the (read-only) sandbox.
    assert!(session.home.workspace().join("esc.txt").exists());
    // The offered shell tool (exec_command for this model) takes the
    // escalation parameters.
    let tools = server.requests()[0].body_json()["tools"].clone();
    assert_eq!(tools[0]["name"], "exec_command");
    assert_eq!(
        tools[0]["parameters"]["properties"]["sandbox_permissions"]["enum"],
        json!(["use_default", "require_escalated"])
    );
}

#[tokio::test]
async fn escalation_is_refused_unless_the_policy_is_on_request() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call(
        "esc",
        "shell",
        json!({"command": ["echo", "hi"], "with_escalated_permissions": true}),
    ));
    server.push_turn(Turn::new().text("ok"));
    let session = start(
        &server,
        "responses",
        "",
        policy(AskForApproval::OnFailure, SandboxMode::DangerFullAccess),
    )
    .await;
    session.submit_text("go").await;
    session.run_to_end().await;
    assert_eq!(
        server.requests()[1].tool_output("esc").as_deref(),
        Some(
            "approval policy is OnFailure; reject command — you should not ask for escalated permissions if the approval policy is OnFailure"
        )
    );
}

#[tokio::test]
async fn patches_outside_the_writable_roots_ask_and_apply_when_approved() {
    let server = MockModelServer::start();
    let patch = "*** Begin Patch\n*** Add File: notes.txt\n+hello\n*** End Patch";
    server.push_turn(Turn::new().custom_tool_call("p1", "apply_patch", patch));
    server.push_turn(Turn::new().custom_tool_call(
        "p2",
        "apply_patch",
        "*** Begin Patch\n*** Add File: other.txt\n+x\n*** End Patch",
    ));
    server.push_turn(Turn::new().text("done"));
    // Read-only: every write is outside the writable roots.
    let session = start(
        &server,
        "responses",
        "",
        policy(AskForApproval::OnRequest, SandboxMode::ReadOnly),
    )
    .await;
    session.submit_text("write notes").await;
    let request = answer_next_approval(&session, ReviewDecision::Approved).await;
    let EventMsg::ApplyPatchApprovalRequest(request) = request else {
        panic!()
    };
    assert_eq!(request.changes.len(), 1);
    answer_next_approval(&session, ReviewDecision::Denied).await;
    let events = session.run_to_end().await;
    assert!(count(&events, |e| matches!(e, EventMsg::TurnDiff(_))) >= 1);
    let applied = server.requests()[1].tool_output("p1").unwrap();
    assert!(
        applied.starts_with("Exit code: 0\n")
            && applied.ends_with("Output:\nSuccess. Updated the following files:\nA notes.txt\n"),
        "{applied}"
    );
    let ws = session.home.workspace();
    assert_eq!(
        std::fs::read_to_string(ws.join("notes.txt")).unwrap(),
        "hello\n"
    );
    assert!(!ws.join("other.txt").exists());
    assert_eq!(
        server.requests()[2].tool_output("p2").as_deref(),
        Some("patch rejected by user")
    );
}

#[tokio::test]
async fn patches_in_the_workspace_apply_without_asking_and_never_refuses_outside() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().custom_tool_call(
        "p1",
        "apply_patch",
        "*** Begin Patch\n*** Add File: in.txt\n+in\n*** End Patch",
    ));
    server.push_turn(Turn::new().custom_tool_call(
        "p2",
        "apply_patch",
        "*** Begin Patch\n*** Add File: ../outside.txt\n+out\n*** End Patch",
    ));
    server.push_turn(Turn::new().text("done"));
    let session = start(&server, "responses", "", |cli| {
        cli.approval_policy = Some(AskForApproval::Never);
        cli.sandbox_mode = Some(SandboxMode::WorkspaceWrite);
        cli.raw_overrides = vec![
            "sandbox_workspace_write.exclude_slash_tmp=true".into(),
            "sandbox_workspace_write.exclude_tmpdir_env_var=true".into(),
        ];
    })
    .await;
    session.submit_text("go").await;
    let events = session.run_to_end().await;
    assert_eq!(
        count(&events, |e| matches!(
            e,
            EventMsg::ApplyPatchApprovalRequest(_)
        )),
        0
    );
    assert!(session.home.workspace().join("in.txt").exists());
    let refusal = server.requests()[2].tool_output("p2").unwrap();
    assert!(
        refusal.starts_with("patch rejected: it writes outside the writable roots"),
        "{refusal}"
    );
    assert!(
        !session
            .home
            .workspace()
            .parent()
            .unwrap()
            .join("outside.txt")
            .exists()
    );
}

#[tokio::test]
async fn a_heredoc_patch_run_as_a_command_is_applied_as_a_patch() {
    let server = MockModelServer::start();
    let script = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: via-shell.txt\n+ok\n*** End Patch\nEOF\n";
    server.push_turn(Turn::new().function_call(
        "s",
        "shell",
        json!({"command": ["bash", "-lc", script]}),
    ));
    server.push_turn(Turn::new().text("done"));
    let session = start(
        &server,
        "responses",
        "",
        policy(AskForApproval::Never, SandboxMode::WorkspaceWrite),
    )
    .await;
    session.submit_text("go").await;
    let events = session.run_to_end().await;
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ExecCommandBegin(_))),
        0
    );
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::PatchApplyBegin(_))),
        1
    );
    assert!(session.home.workspace().join("via-shell.txt").exists());
}

#[tokio::test]
async fn a_directory_swapped_for_a_symlink_during_approval_cannot_redirect_the_patch() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().custom_tool_call(
        "p",
        "apply_patch",
        "*** Begin Patch\n*** Add File: sub/new.txt\n+hello\n*** End Patch",
    ));
    server.push_turn(Turn::new().text("done"));
    let session = start(&server, "responses", "", |cli| {
        // `untrusted` asks about every patch: the window the attack uses.
        cli.approval_policy = Some(AskForApproval::UnlessTrusted);
        cli.sandbox_mode = Some(SandboxMode::WorkspaceWrite);
        cli.raw_overrides = vec![
            "sandbox_workspace_write.exclude_slash_tmp=true".into(),
            "sandbox_workspace_write.exclude_tmpdir_env_var=true".into(),
        ];
    })
    .await;
    let workspace = session.home.workspace().to_path_buf();
    std::fs::create_dir(workspace.join("sub")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    session.submit_text("go").await;
    let events = session
        .events_until(|e| matches!(e, EventMsg::ApplyPatchApprovalRequest(_)))
        .await;
    let Some(EventMsg::ApplyPatchApprovalRequest(request)) = events.last() else {
        panic!()
    };
    // What a process left behind by an earlier command could do meanwhile.
    std::fs::rename(workspace.join("sub"), workspace.join("sub.real")).unwrap();
    std::os::unix::fs::symlink(outside.path(), workspace.join("sub")).unwrap();
    session
        .codex
        .submit(Op::PatchApproval {
            id: request.call_id.clone(),
            decision: ReviewDecision::Approved,
        })
        .await
        .unwrap();
    session.run_to_end().await;

    let output = server.requests()[1].tool_output("p").unwrap();
    assert!(output.contains("No files were changed."), "{output}");
    assert!(
        std::fs::read_dir(outside.path()).unwrap().next().is_none(),
        "the patch (or a temporary file of it) landed outside"
    );
    assert!(!workspace.join("sub.real/new.txt").exists());
}
