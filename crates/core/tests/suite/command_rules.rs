//! Command rules (`$CODEX_HOME/rules/*.rules`) in the approval path:
//! forbidden commands are refused with their justification (also when
//! hidden in a `bash -lc` script), prompting ones ask (and are refused
//! under `never`), allowed ones run without asking and outside the
//! sandbox, and an "always allow" answer writes a rule the next command
//! obeys.

use codex_protocol::config_types::SandboxMode;
use codex_protocol::protocol::{
    AskForApproval, EventMsg, ExecApprovalRequestEvent, Op, ReviewDecision,
};
use codex_test_support::{MockModelServer, Turn};
use serde_json::json;

use super::common::{Start, TestSession, count, home_for, start_in};

const RULES: &str = r#"# rules for the tests
prefix_rule(pattern=["git", "push"], decision="forbidden", justification="pushing is for people")
prefix_rule(pattern=["touch"], decision="prompt", justification="touching needs a yes")
prefix_rule(pattern=["mkdir"])
prefix_rule(pattern=["cd"])
"#;

fn shell(call_id: &str, argv: &[&str]) -> Turn {
    Turn::new().function_call(
        call_id,
        "shell",
        json!({"command": argv, "timeout_ms": 20000}),
    )
}

async fn session_with_rules(
    server: &MockModelServer,
    rules: &str,
    approval: AskForApproval,
    sandbox: SandboxMode,
) -> TestSession {
    let home = home_for(server, "responses", "");
    std::fs::create_dir(home.path().join("rules")).unwrap();
    std::fs::write(home.path().join("rules/test.rules"), rules).unwrap();
    start_in(
        home,
        move |cli| {
            cli.approval_policy = Some(approval);
            cli.sandbox_mode = Some(sandbox);
        },
        Start::New,
    )
    .await
}

/// Waits for the next command approval request; it and the events before it.
async fn next_approval(session: &TestSession) -> (ExecApprovalRequestEvent, Vec<EventMsg>) {
    let events = session
        .events_until(|e| matches!(e, EventMsg::ExecApprovalRequest(_)))
        .await;
    let Some(EventMsg::ExecApprovalRequest(request)) = events.last() else {
        panic!("no approval request")
    };
    (request.clone(), events)
}

async fn answer(
    session: &TestSession,
    request: &ExecApprovalRequestEvent,
    decision: ReviewDecision,
) {
    session
        .codex
        .submit(Op::ExecApproval {
            id: request.call_id.clone(),
            decision,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn rules_forbid_prompt_and_allow_under_never() {
    let server = MockModelServer::start();
    server.push_turn(shell(
        "hidden",
        &["bash", "-lc", "cd . && git push origin main"],
    ));
    server.push_turn(shell("prompt", &["touch", "prompted.txt"]));
    server.push_turn(shell("allow", &["mkdir", "allowed-dir"]));
    // Not every command is allowed: sandboxed (read-only), so it fails.
    server.push_turn(shell(
        "mixed",
        &["bash", "-lc", "mkdir mixed-dir && echo made"],
    ));
    server.push_turn(Turn::new().text("done"));
    let session =
        session_with_rules(&server, RULES, AskForApproval::Never, SandboxMode::ReadOnly).await;
    session.submit_text("go").await;
    let events = session.run_to_end().await;
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ExecApprovalRequest(_))),
        0
    );
    let requests = server.requests();
    let last = requests.last().unwrap();

    let hidden = last.tool_output("hidden").unwrap();
    assert!(
        hidden.contains("rejected: pushing is for people"),
        "{hidden}"
    );
    let prompt = last.tool_output("prompt").unwrap();
    assert!(
        prompt.contains("requires approval: touching needs a yes")
            && prompt.contains("approval policy is never"),
        "{prompt}"
    );
    let ws = session.home.workspace();
    assert!(!ws.join("prompted.txt").exists());
    // Allowed: ran outside the read-only sandbox, and the person was told.
    assert!(
        ws.join("allowed-dir").is_dir(),
        "{:?}",
        last.tool_output("allow")
    );
    assert!(events.iter().any(|e| matches!(
        e,
        EventMsg::BackgroundEvent(b) if b.message.contains("outside the sandbox")
            && b.message.contains("test.rules:4")
    )));
    assert!(
        !ws.join("mixed-dir").exists(),
        "{:?}",
        last.tool_output("mixed")
    );
    // The forbidden and prompting commands never started.
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ExecCommandBegin(_))),
        2
    );
}

#[tokio::test]
async fn a_prompt_rule_asks_under_on_request() {
    let server = MockModelServer::start();
    server.push_turn(shell("p", &["touch", "asked.txt"]));
    server.push_turn(Turn::new().text("done"));
    let session = session_with_rules(
        &server,
        RULES,
        AskForApproval::OnRequest,
        SandboxMode::WorkspaceWrite,
    )
    .await;
    session.submit_text("go").await;
    let (request, _) = next_approval(&session).await;
    assert!(
        request
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("touching needs a yes")),
        "{request:?}"
    );
    // A prompt rule would still prompt after an allow rule: none offered.
    assert_eq!(request.proposed_execpolicy_amendment, None);
    answer(&session, &request, ReviewDecision::Approved).await;
    session.run_to_end().await;
    assert!(session.home.workspace().join("asked.txt").exists());
}

#[tokio::test]
async fn always_allow_writes_a_rule_that_the_next_command_obeys() {
    let server = MockModelServer::start();
    server.push_turn(shell("first", &["cp", "/dev/null", "one.txt"]));
    server.push_turn(shell("again", &["cp", "/dev/null", "one.txt"]));
    server.push_turn(shell("other", &["cp", "/dev/null", "two.txt"]));
    server.push_turn(Turn::new().text("done"));
    let session = session_with_rules(
        &server,
        "# mine\nprefix_rule(pattern=[\"cd\"])",
        AskForApproval::UnlessTrusted,
        SandboxMode::WorkspaceWrite,
    )
    .await;
    session.submit_text("go").await;
    let (request, _) = next_approval(&session).await;
    assert_eq!(
        request.proposed_execpolicy_amendment,
        Some(vec!["cp".into(), "/dev/null".into(), "one.txt".into()])
    );
    answer(
        &session,
        &request,
        ReviewDecision::ApprovedExecpolicyAmendment,
    )
    .await;
    // The same command again runs without asking; another one asks.
    let (request, events) = next_approval(&session).await;
    assert_eq!(request.command, vec!["cp", "/dev/null", "two.txt"]);
    assert_eq!(
        count(&events, |e| matches!(e, EventMsg::ExecCommandEnd(_))),
        2,
        "the approved command and its repetition ran, the second without asking"
    );
    answer(&session, &request, ReviewDecision::Denied).await;
    session.run_to_end().await;

    let ws = session.home.workspace();
    assert!(ws.join("one.txt").exists());
    assert!(!ws.join("two.txt").exists());
    let file = session.home.path().join("rules/default.rules");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "prefix_rule(pattern=[\"cp\", \"/dev/null\", \"one.txt\"], decision=\"allow\")\n"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // The person's own file is untouched.
    assert_eq!(
        std::fs::read_to_string(session.home.path().join("rules/test.rules")).unwrap(),
        "# mine\nprefix_rule(pattern=[\"cd\"])"
    );
}

#[tokio::test]
async fn a_broken_rules_file_refuses_commands_with_file_and_line() {
    let server = MockModelServer::start();
    server.push_turn(shell("c", &["echo", "hi"]));
    server.push_turn(Turn::new().text("done"));
    let session = session_with_rules(
        &server,
        "prefix_rule(pattern=[\"ls\"])\nprefix_rule(pattern=[\"git\"], match=[\"hg status\"])\n",
        AskForApproval::Never,
        SandboxMode::WorkspaceWrite,
    )
    .await;
    session.submit_text("go").await;
    let events = session.run_to_end().await;
    let output = server.requests().last().unwrap().tool_output("c").unwrap();
    assert!(
        output.contains("command rules cannot be loaded") && output.contains("test.rules:2"),
        "{output}"
    );
    assert!(events.iter().any(|e| matches!(
        e,
        EventMsg::Warning(w) if w.message.contains("test.rules:2")
    )));
}
