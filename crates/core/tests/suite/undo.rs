//! Ghost snapshots and `Op::Undo` in a real git repository.

use std::path::Path;
use std::process::Command;

use codex_protocol::config_types::SandboxMode;
use codex_protocol::protocol::{AskForApproval, EventMsg, Op};
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
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read(dir: &Path, path: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(path)).ok()
}

/// A repository with tracked, untracked and ignored files, and a stash.
fn repo(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    write(dir, "a.txt", "one\n");
    write(dir, "b.txt", "two\n");
    write(dir, ".gitignore", "ignored/\n");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "base"]);
    write(dir, "a.txt", "stashed\n");
    git(dir, &["stash", "-q"]);
    write(dir, "staged.txt", "staged\n");
    git(dir, &["add", "staged.txt"]);
    write(dir, "u.txt", "untracked\n");
    write(dir, "ignored/keep.txt", "ignored content\n");
}

/// What undo must leave exactly as it was.
fn repo_state(dir: &Path) -> (String, String, String, String, String) {
    (
        git(dir, &["status", "--porcelain", "--untracked-files=all"]),
        git(dir, &["rev-parse", "HEAD"]),
        git(dir, &["stash", "list"]),
        git(dir, &["branch", "--list"]),
        git(dir, &["diff", "--cached"]),
    )
}

async fn session(server: &MockModelServer) -> TestSession {
    let home = home_for(server, "responses", "");
    repo(home.workspace());
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

async fn undo(session: &TestSession) -> (bool, String) {
    session.codex.submit(Op::Undo).await.unwrap();
    let events = session
        .events_until(|m| matches!(m, EventMsg::UndoCompleted(_)))
        .await;
    assert!(events.iter().any(|e| matches!(e, EventMsg::UndoStarted(_))));
    match events.last() {
        Some(EventMsg::UndoCompleted(done)) => (done.success, done.message.clone()),
        _ => unreachable!(),
    }
}

fn edit_everything() -> Turn {
    Turn::new().function_call(
        "call_1",
        "shell",
        json!({"command": ["bash", "-c",
            "echo changed > a.txt; rm b.txt; echo new > c.txt; echo u2 > u.txt; mkdir -p d; echo deep > d/e.txt; echo touched > ignored/keep.txt"]}),
    )
}

#[tokio::test]
async fn undo_puts_back_exactly_what_the_turn_changed() {
    let server = MockModelServer::start();
    server.push_turn(edit_everything());
    server.push_turn(Turn::new().text("done"));
    let session = session(&server).await;
    let ws = session.home.workspace().to_path_buf();
    let before = repo_state(&ws);

    session.submit_text("change things").await;
    session.run_to_end().await;
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("changed\n"));
    assert_eq!(read(&ws, "b.txt"), None);
    // The snapshots touched none of the user's git state.
    assert_eq!(git(&ws, &["stash", "list"]), before.2);
    assert_eq!(git(&ws, &["diff", "--cached"]), before.4);

    let (ok, message) = undo(&session).await;
    assert!(ok, "{message}");
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("one\n"));
    assert_eq!(read(&ws, "b.txt").as_deref(), Some("two\n"));
    assert_eq!(read(&ws, "c.txt"), None);
    assert_eq!(read(&ws, "d/e.txt"), None);
    assert_eq!(read(&ws, "u.txt").as_deref(), Some("untracked\n"));
    assert_eq!(read(&ws, "staged.txt").as_deref(), Some("staged\n"));
    // Ignored files are not the snapshot's: left as the turn left them.
    assert_eq!(read(&ws, "ignored/keep.txt").as_deref(), Some("touched\n"));
    assert_eq!(
        repo_state(&ws),
        before,
        "index, HEAD, branches and stash unchanged"
    );

    let (ok, message) = undo(&session).await;
    assert!(!ok);
    assert!(message.contains("Nothing to undo"), "{message}");
    // The undo is in the session file.
    let file = std::fs::read_to_string(session.configured.rollout_path.as_ref().unwrap()).unwrap();
    assert!(file.contains("\"undo_completed\""), "{file}");
}

#[tokio::test]
async fn a_file_edited_by_hand_after_the_turn_is_reported_not_overwritten() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call(
        "call_1",
        "shell",
        json!({"command": ["bash", "-c", "echo by-turn > a.txt; echo by-turn > b.txt"]}),
    ));
    server.push_turn(Turn::new().text("done"));
    let session = session(&server).await;
    let ws = session.home.workspace().to_path_buf();
    session.submit_text("edit").await;
    session.run_to_end().await;
    write(&ws, "a.txt", "by hand\n");

    let (ok, message) = undo(&session).await;
    assert!(ok, "{message}");
    assert!(message.contains("a.txt"), "{message}");
    assert_eq!(read(&ws, "a.txt").as_deref(), Some("by hand\n"));
    assert_eq!(read(&ws, "b.txt").as_deref(), Some("two\n"));
}
