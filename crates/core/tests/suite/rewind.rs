//! `/rewind` through the seam: checkpoints before each user message, the
//! four modes, hand edits kept, agent-created files removed (in and
//! outside git), the recorded rollback replayed by a resume.

use std::path::Path;
use std::process::Command;

use codex_core::ThreadRef;
use codex_protocol::config_types::SandboxMode;
use codex_protocol::protocol::{AskForApproval, EventMsg, Op};
use codex_protocol::rewind::{RewindCompletedEvent, RewindMode, RewindPoint};
use codex_test_support::{MockModelServer, Turn};
use serde_json::json;

use super::common::{Start, TestSession, home_for, start_in};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read(dir: &Path, path: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(path)).ok()
}

fn patch_turn(id: &str, patch: &str) -> Turn {
    Turn::new().custom_tool_call(id, "apply_patch", patch)
}

/// Three turns: each patches a file (the first adds `new.txt`).
fn three_patching_turns(server: &MockModelServer) {
    server.push_turn(patch_turn(
        "p1",
        "*** Begin Patch\n*** Update File: a.txt\n@@\n-a0\n+a1\n*** Add File: new.txt\n+created\n*** End Patch",
    ));
    server.push_turn(Turn::new().text("one done"));
    server.push_turn(patch_turn(
        "p2",
        "*** Begin Patch\n*** Update File: b.txt\n@@\n-b0\n+b1\n*** End Patch",
    ));
    server.push_turn(Turn::new().text("two done"));
    server.push_turn(patch_turn(
        "p3",
        "*** Begin Patch\n*** Update File: a.txt\n@@\n-a1\n+a2\n*** End Patch",
    ));
    server.push_turn(Turn::new().text("three done"));
}

async fn session(server: &MockModelServer, in_git: bool) -> TestSession {
    let home = home_for(server, "responses", "");
    let ws = home.workspace().to_path_buf();
    std::fs::write(ws.join("a.txt"), "a0\n").unwrap();
    std::fs::write(ws.join("b.txt"), "b0\n").unwrap();
    if in_git {
        git(&ws, &["init", "-q", "-b", "main"]);
        git(&ws, &["add", "."]);
        git(&ws, &["commit", "-qm", "base"]);
    }
    start_in(
        home,
        |cli| {
            cli.sandbox_mode = Some(SandboxMode::DangerFullAccess);
            cli.approval_policy = Some(AskForApproval::Never);
        },
        Start::New,
    )
    .await
}

async fn run_three(session: &TestSession) {
    for text in ["first", "second", "third"] {
        session.submit_text(text).await;
        session.run_to_end().await;
    }
}

async fn rewind(
    session: &TestSession,
    nth: usize,
    mode: RewindMode,
    dry_run: bool,
    restore_edited: Vec<String>,
) -> RewindCompletedEvent {
    session
        .codex
        .submit(Op::Rewind {
            nth_user_message: nth,
            mode,
            dry_run,
            restore_edited,
        })
        .await
        .unwrap();
    let events = session
        .events_until(|m| matches!(m, EventMsg::RewindCompleted(_)))
        .await;
    match events.last() {
        Some(EventMsg::RewindCompleted(done)) => done.clone(),
        _ => unreachable!(),
    }
}

async fn points(session: &TestSession) -> Vec<RewindPoint> {
    session.codex.submit(Op::ListRewindPoints).await.unwrap();
    let events = session
        .events_until(|m| matches!(m, EventMsg::RewindPoints(_)))
        .await;
    match events.last() {
        Some(EventMsg::RewindPoints(points)) => points.points.clone(),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn code_and_conversation_go_back_keeping_hand_edits_and_a_resume_sees_it() {
    let server = MockModelServer::start();
    three_patching_turns(&server);
    let session = session(&server, true).await;
    let ws = session.home.workspace().to_path_buf();
    run_three(&session).await;
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a2\n"));
    // A hand edit after the last turn.
    std::fs::write(ws.join("b.txt"), "by hand\n").unwrap();
    // The checkpoints are kept by a private ref; the user's refs are as
    // they were.
    assert!(
        git(&ws, &["for-each-ref", "refs/codex/checkpoints/"]).contains("refs/codex/checkpoints/")
    );
    assert_eq!(git(&ws, &["branch", "--list"]).trim(), "* main");
    assert_eq!(git(&ws, &["stash", "list"]), "");

    let listed = points(&session).await;
    assert_eq!(listed.len(), 3);
    assert!(
        listed
            .iter()
            .all(|p| p.has_checkpoint && p.timestamp.is_some())
    );
    assert_eq!(listed[0].text, "first");
    let a_since_first = listed[0]
        .changed
        .iter()
        .find(|c| c.path == "a.txt")
        .unwrap();
    assert_eq!((a_since_first.added, a_since_first.removed), (1, 1));

    let preview = rewind(&session, 0, RewindMode::CodeAndConversation, true, vec![]).await;
    assert!(preview.success && preview.dry_run, "{preview:?}");
    let plan = preview.plan.unwrap();
    assert_eq!(plan.edited_by_hand, vec!["b.txt"]);
    assert_eq!(plan.remove, vec!["new.txt"]);
    assert_eq!(plan.restore, vec!["a.txt"]);
    assert!(plan.diff.contains("-a2\n+a0"), "{}", plan.diff);
    // A preview changes nothing.
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a2\n"));

    let done = rewind(&session, 0, RewindMode::CodeAndConversation, false, vec![]).await;
    assert!(done.success, "{}", done.message);
    assert_eq!(done.message_text.as_deref(), Some("first"));
    assert_eq!(done.rolled_back_turns, 3);
    assert!(done.message.contains("b.txt"), "{}", done.message);
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a0\n"));
    assert_eq!(read(&ws, "new.txt"), None);
    assert_eq!(read(&ws, "b.txt").as_deref(), Some("by hand\n"));
    assert_eq!(git(&ws, &["diff", "--cached"]), "");

    // The next request no longer carries the rewound turns.
    server.push_turn(Turn::new().text("fresh"));
    session.submit_text("again").await;
    session.run_to_end().await;
    let texts = server.requests().last().unwrap().user_texts();
    assert!(texts.iter().any(|t| t == "again"));
    assert!(
        !texts.iter().any(|t| t == "first" || t == "second"),
        "{texts:?}"
    );
    let path = session.configured.rollout_path.clone().unwrap();
    session.shutdown().await;

    // A resume replays the rewound state.
    let resumed = start_in(session.home, |_| {}, Start::Resume(ThreadRef::Path(path))).await;
    let shown: Vec<String> = resumed
        .configured
        .initial_messages
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| match m {
            EventMsg::UserMessage(u) => Some(u.message),
            _ => None,
        })
        .collect();
    assert_eq!(shown, vec!["again"]);
    server.push_turn(Turn::new().text("after resume"));
    resumed.submit_text("later").await;
    resumed.run_to_end().await;
    let texts = server.requests().last().unwrap().user_texts();
    assert!(texts.iter().any(|t| t == "again") && !texts.iter().any(|t| t == "second"));
    resumed.shutdown().await;
}

#[tokio::test]
async fn code_only_keeps_the_chat_and_conversation_only_keeps_the_files() {
    let server = MockModelServer::start();
    three_patching_turns(&server);
    let session = session(&server, true).await;
    let ws = session.home.workspace().to_path_buf();
    run_three(&session).await;

    let done = rewind(&session, 1, RewindMode::CodeOnly, false, vec![]).await;
    assert!(done.success, "{}", done.message);
    assert_eq!(done.rolled_back_turns, 0);
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a1\n"));
    assert_eq!(read(&ws, "b.txt").as_deref(), Some("b0\n"));
    assert_eq!(read(&ws, "new.txt").as_deref(), Some("created\n"));
    assert_eq!(points(&session).await.len(), 3);

    let done = rewind(&session, 2, RewindMode::ConversationOnly, false, vec![]).await;
    assert!(done.success, "{}", done.message);
    assert_eq!(done.rolled_back_turns, 1);
    assert!(done.plan.is_none());
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a1\n"));
    assert_eq!(points(&session).await.len(), 2);

    // What those rewinds left counts as the agent's work, not as hand
    // edits: going back to the first message puts everything back.
    let done = rewind(&session, 0, RewindMode::CodeAndConversation, false, vec![]).await;
    assert!(done.success, "{}", done.message);
    assert_eq!(done.plan.unwrap().edited_by_hand, Vec::<String>::new());
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a0\n"));
    assert_eq!(read(&ws, "new.txt"), None);
    session.shutdown().await;
}

#[tokio::test]
async fn outside_git_a_conversation_rewind_keeps_the_agents_changes_restorable() {
    let server = MockModelServer::start();
    three_patching_turns(&server);
    let session = session(&server, false).await;
    let ws = session.home.workspace().to_path_buf();
    run_three(&session).await;
    let done = rewind(&session, 2, RewindMode::ConversationOnly, false, vec![]).await;
    assert!(done.success, "{}", done.message);
    let done = rewind(&session, 1, RewindMode::CodeOnly, false, vec![]).await;
    assert!(done.success, "{}", done.message);
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a1\n"));
    assert_eq!(read(&ws, "b.txt").as_deref(), Some("b0\n"));
    let done = rewind(&session, 0, RewindMode::CodeAndConversation, false, vec![]).await;
    assert!(done.success, "{}", done.message);
    assert_eq!(done.plan.unwrap().edited_by_hand, Vec::<String>::new());
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a0\n"));
    assert_eq!(read(&ws, "new.txt"), None);
    session.shutdown().await;
}

#[tokio::test]
async fn outside_git_agent_files_are_checkpointed_and_created_ones_removed() {
    let server = MockModelServer::start();
    three_patching_turns(&server);
    let session = session(&server, false).await;
    let ws = session.home.workspace().to_path_buf();
    run_three(&session).await;
    assert_eq!(read(&ws, "new.txt").as_deref(), Some("created\n"));

    let listed = points(&session).await;
    assert!(listed[0].has_checkpoint);
    assert!(
        listed[0]
            .changed
            .iter()
            .any(|c| c.path.ends_with("new.txt"))
    );

    let done = rewind(&session, 0, RewindMode::CodeAndConversation, false, vec![]).await;
    assert!(done.success, "{}", done.message);
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a0\n"));
    assert_eq!(read(&ws, "b.txt").as_deref(), Some("b0\n"));
    assert_eq!(read(&ws, "new.txt"), None);

    // The checkpoints are private.
    use std::os::unix::fs::PermissionsExt;
    let dir = session.home.path().join("checkpoints");
    let thread = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(
        std::fs::metadata(&thread).unwrap().permissions().mode() & 0o777,
        0o700
    );
    session.shutdown().await;
}

#[tokio::test]
async fn outside_git_a_hand_edit_is_kept_unless_confirmed_and_commands_are_named() {
    let server = MockModelServer::start();
    server.push_turn(patch_turn(
        "p1",
        "*** Begin Patch\n*** Update File: a.txt\n@@\n-a0\n+a1\n*** End Patch",
    ));
    server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "echo x > made-by-command.txt"]}),
    ));
    server.push_turn(Turn::new().text("done"));
    let session = session(&server, false).await;
    let ws = session.home.workspace().to_path_buf();
    session.submit_text("first").await;
    session.run_to_end().await;
    std::fs::write(ws.join("a.txt"), "by hand\n").unwrap();

    let preview = rewind(&session, 0, RewindMode::CodeOnly, true, vec![]).await;
    let plan = preview.plan.unwrap();
    assert_eq!(plan.edited_by_hand.len(), 1);
    assert!(
        plan.not_restorable
            .iter()
            .any(|n| n.contains("made-by-command.txt")),
        "{:?}",
        plan.not_restorable
    );
    let kept = rewind(&session, 0, RewindMode::CodeOnly, false, vec![]).await;
    assert!(kept.success);
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("by hand\n"));

    let confirmed = plan.edited_by_hand.clone();
    let done = rewind(&session, 0, RewindMode::CodeOnly, false, confirmed).await;
    assert!(done.success, "{}", done.message);
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a0\n"));
    session.shutdown().await;
}

#[tokio::test]
async fn summarize_from_here_replaces_the_turns_with_a_summary() {
    let server = MockModelServer::start();
    three_patching_turns(&server);
    server.push_turn(Turn::new().text("SUMMARY OF TWO AND THREE"));
    server.push_turn(Turn::new().text("ok"));
    let session = session(&server, true).await;
    let ws = session.home.workspace().to_path_buf();
    run_three(&session).await;

    session
        .codex
        .submit(Op::Rewind {
            nth_user_message: 1,
            mode: RewindMode::Summarize,
            dry_run: false,
            restore_edited: vec![],
        })
        .await
        .unwrap();
    let events = session
        .events_until(|m| matches!(m, EventMsg::RewindCompleted(_)))
        .await;
    let Some(EventMsg::RewindCompleted(done)) = events.last() else {
        unreachable!()
    };
    assert!(done.success, "{}", done.message);
    assert_eq!(done.rolled_back_turns, 2);
    session.run_to_end().await;
    // The files stay.
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("a2\n"));

    session.submit_text("go on").await;
    session.run_to_end().await;
    let texts = server.requests().last().unwrap().user_texts();
    assert!(texts.iter().any(|t| t == "first"));
    assert!(
        !texts.iter().any(|t| t == "second" || t == "third"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("SUMMARY OF TWO AND THREE")));
    session.shutdown().await;
}
