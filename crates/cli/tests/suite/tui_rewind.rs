//! `/rewind` in the real interface (a pseudo-terminal, the scripted mock
//! model): three turns that each patch a file, then going back with each
//! mode, a hand edit reported and kept, `/undo` outside git, Esc Esc.
//! Every step waits for what the screen shows, never for a fixed time.

use std::path::Path;
use std::process::Command;

use codex_test_support::{PtyTerminal, Turn};

use super::tui::{TuiEnv, WAIT, quit};

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn read(env: &TuiEnv, path: &str) -> Option<String> {
    std::fs::read_to_string(env.workspace().join(path)).ok()
}

/// A workspace with `a.txt` and `b.txt` (committed when `in_git`), and the
/// interface started in it.
fn start(in_git: bool) -> (TuiEnv, PtyTerminal) {
    let env = TuiEnv::new();
    std::fs::write(env.workspace().join("a.txt"), "a0\n").unwrap();
    std::fs::write(env.workspace().join("b.txt"), "b0\n").unwrap();
    if in_git {
        git(env.workspace(), &["init", "-q", "-b", "main"]);
        git(env.workspace(), &["add", "."]);
        git(env.workspace(), &["commit", "-qm", "base"]);
    }
    let term = env.spawn(&["-a", "never", "-s", "workspace-write"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    (env, term)
}

/// One turn: `prompt`, a patch, then `answer`.
fn patching_turn(env: &TuiEnv, term: &mut PtyTerminal, prompt: &str, patch: &str, answer: &str) {
    env.server
        .push_turn(Turn::new().custom_tool_call("p", "apply_patch", patch));
    env.server.push_turn(Turn::new().text(answer));
    term.submit(prompt);
    term.wait_for(answer, WAIT);
    term.wait_for("ctrl+c quit", WAIT);
}

/// The three turns of the issue: a.txt (and a new file), b.txt, a.txt.
fn three_turns(env: &TuiEnv, term: &mut PtyTerminal) {
    patching_turn(
        env,
        term,
        "first patch please",
        "*** Begin Patch\n*** Update File: a.txt\n@@\n-a0\n+a1\n*** Add File: new.txt\n+created\n*** End Patch",
        "answer one done",
    );
    patching_turn(
        env,
        term,
        "second patch please",
        "*** Begin Patch\n*** Update File: b.txt\n@@\n-b0\n+b1\n*** End Patch",
        "answer two done",
    );
    patching_turn(
        env,
        term,
        "third patch please",
        "*** Begin Patch\n*** Update File: a.txt\n@@\n-a1\n+a2\n*** End Patch",
        "answer three done",
    );
    assert_eq!(read(env, "a.txt").as_deref(), Some("a2\n"));
}

#[test]
fn code_and_conversation_restores_the_tree_keeps_a_hand_edit_and_refills_the_composer() {
    let (env, mut term) = start(true);
    three_turns(&env, &mut term);
    std::fs::write(env.workspace().join("b.txt"), "edited by hand\n").unwrap();

    term.submit("/rewind");
    let picker = term.wait_for("Rewind: go back to before which message?", WAIT);
    assert!(picker.contains("1. "), "{picker}");
    assert!(picker.contains("first patch please"), "{picker}");
    // What changed since the first message: a.txt, b.txt, new.txt.
    assert!(picker.contains("3 file(s)"), "{picker}");
    term.send(b"1");
    term.wait_for("1. Restore code and conversation", WAIT);
    term.send(b"1");
    let preview = term.wait_for("Restoring the code to before message 1 changes:", WAIT);
    assert!(preview.contains("remove new.txt"), "{preview}");
    assert!(preview.contains("keep b.txt (edited by hand"), "{preview}");
    assert!(preview.contains("+a0"), "{preview}");
    term.send(b"y");
    term.wait_for("b.txt was edited by hand since then.", WAIT);
    term.send(b"n");
    let screen = term.wait_for("Rewound to before message 1", WAIT);
    assert!(
        screen.contains("Left as they are (edited by hand since): b.txt"),
        "{screen}"
    );
    // The composer holds the first message; the later turns are gone.
    let screen = term.wait_for("first patch please", WAIT);
    assert!(!screen.contains("answer three done"), "{screen}");
    assert_eq!(read(&env, "a.txt").as_deref(), Some("a0\n"));
    assert_eq!(read(&env, "new.txt"), None);
    assert_eq!(read(&env, "b.txt").as_deref(), Some("edited by hand\n"));
    // Sending it again starts from the rewound conversation.
    env.server.push_turn(Turn::new().text("answer again"));
    term.send(b"\r");
    term.wait_for("answer again", WAIT);
    let last = env.server.requests().last().unwrap().user_texts();
    assert!(!last.iter().any(|t| t == "second patch please"), "{last:?}");
    quit(&mut term);
    assert!(env.rollout_text().contains("\"thread_rolled_back\""));
}

#[test]
fn code_only_keeps_the_chat_and_conversation_only_keeps_the_files() {
    let (env, mut term) = start(true);
    three_turns(&env, &mut term);

    term.submit("/rewind");
    term.wait_for("Rewind: go back to before which message?", WAIT);
    term.send(b"2");
    term.wait_for("3. Restore code only", WAIT);
    term.send(b"3");
    term.wait_for("Restoring the code to before message 2 changes:", WAIT);
    term.send(b"y");
    let screen = term.wait_for("Rewound to before message 2", WAIT);
    assert!(screen.contains("answer three done"), "{screen}");
    assert_eq!(read(&env, "a.txt").as_deref(), Some("a1\n"));
    assert_eq!(read(&env, "b.txt").as_deref(), Some("b0\n"));

    // Esc Esc on an empty composer opens the same picker.
    term.send(b"\x1b");
    term.wait_for("esc again to rewind to a previous message", WAIT);
    term.send(b"\x1b");
    term.wait_for("Rewind: go back to before which message?", WAIT);
    term.send(b"3");
    term.wait_for("2. Restore conversation only", WAIT);
    term.send(b"2");
    let screen = term.wait_for("the conversation went back 1 turn(s)", WAIT);
    assert!(!screen.contains("answer three done"), "{screen}");
    term.wait_for("third patch please", WAIT);
    // The files are as they were.
    assert_eq!(read(&env, "a.txt").as_deref(), Some("a1\n"));
    assert_eq!(read(&env, "new.txt").as_deref(), Some("created\n"));
    term.send(b"\x15");
    term.wait_for("Ask Codex to do anything", WAIT);
    quit(&mut term);
}

#[test]
fn undo_outside_git_removes_the_file_the_agent_created() {
    let (env, mut term) = start(false);
    patching_turn(
        &env,
        &mut term,
        "make a file",
        "*** Begin Patch\n*** Add File: made.txt\n+by the agent\n*** Update File: a.txt\n@@\n-a0\n+changed\n*** End Patch",
        "made it",
    );
    assert!(read(&env, "made.txt").is_some());
    term.submit("/undo");
    let screen = term.wait_for("Rewound to before message 1", WAIT);
    assert!(screen.contains("removed"), "{screen}");
    assert_eq!(read(&env, "made.txt"), None);
    assert_eq!(read(&env, "a.txt").as_deref(), Some("a0\n"));
    // The composer holds the message gone back before; clear it to quit.
    term.wait_for("make a file", WAIT);
    term.send(b"\x15");
    term.wait_for("Ask Codex to do anything", WAIT);
    quit(&mut term);
}
