//! The interactive interface end to end: the real `codex` binary in a
//! pseudo-terminal against the scripted mock model, asserting on what the
//! screen shows (parsed by a terminal emulator) and on the session file.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use codex_test_support::{MockModelServer, PtyTerminal, Reply, TestCodexHome, Turn};
use serde_json::json;

pub(super) const WAIT: Duration = Duration::from_secs(30);

pub(super) struct TuiEnv {
    pub(super) server: MockModelServer,
    pub(super) home: TestCodexHome,
}

impl TuiEnv {
    /// A home whose workspace is already trusted (no first-run question).
    pub(super) fn new() -> Self {
        let env = Self::untrusted();
        env.home.append_config(&format!(
            "\n[projects.\"{}\"]\ntrust_level = \"trusted\"\n",
            env.workspace().display()
        ));
        env
    }

    pub(super) fn untrusted() -> Self {
        let server = MockModelServer::start();
        let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
        Self { server, home }
    }

    pub(super) fn workspace(&self) -> &Path {
        self.home.workspace()
    }

    pub(super) fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_codex"));
        command
            .args(args)
            .current_dir(self.workspace())
            .env("CODEX_HOME", self.home.path())
            .env("HOME", self.home.path())
            .env_remove("OPENAI_API_KEY")
            .env_remove("CODEX_API_KEY")
            .env_remove("RUST_LOG");
        command
    }

    pub(super) fn spawn(&self, args: &[&str]) -> PtyTerminal {
        PtyTerminal::spawn(self.command(args), 30, 100)
    }

    pub(super) fn rollout_text(&self) -> String {
        self.home
            .rollout_files()
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

/// Quits from an idle composer (the first Ctrl-C arms, the second quits).
pub(super) fn quit(term: &mut PtyTerminal) {
    term.wait_for("ctrl+c quit", WAIT);
    term.send(b"\x03");
    term.wait_for("again to quit", WAIT);
    term.send(b"\x03");
    let status = term.wait_exit(WAIT);
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_prompt_streams_its_answer_and_the_session_is_recorded() {
    let env = TuiEnv::new();
    env.server.push_turn(
        Turn::new()
            .text("# Plan\n\nFirst **read** the code, then `fix` it.\n")
            .usage(1000, 50),
    );
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("hello there");
    let screen = term.wait_for("First read the code, then fix it.", WAIT);
    assert!(screen.contains("› hello there"), "{screen}");
    term.wait_for("context left", WAIT);
    quit(&mut term);
    let all = term.all_text();
    assert!(
        all.contains("To continue this session, run codex resume"),
        "{all}"
    );
    assert!(all.contains("Token usage: total=1050"), "{all}");
    let rollout = env.rollout_text();
    assert!(rollout.contains("\"hello there\""), "{rollout}");
    assert!(rollout.contains("First **read** the code"), "{rollout}");
    // Sessions of the interactive interface say so.
    assert!(rollout.contains("\"source\":\"cli\""), "{rollout}");
}

#[test]
fn an_approved_command_runs_and_a_denied_one_does_not() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "touch approved.txt"]}),
    ));
    env.server.push_turn(Turn::new().function_call(
        "c2",
        "shell",
        json!({"command": ["bash", "-c", "touch denied.txt"]}),
    ));
    env.server.push_turn(Turn::new().text("All done."));
    let mut term = env.spawn(&["-a", "untrusted"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("make two files");
    let screen = term.wait_for("Run this command?", WAIT);
    assert!(screen.contains("$ touch approved.txt"), "{screen}");
    assert!(screen.contains("1. Yes, proceed (y)"), "{screen}");
    term.send(b"y");
    term.wait_for("You approved Codex to run `touch approved.txt`", WAIT);
    term.wait_for("$ touch denied.txt", WAIT);
    term.send(b"d");
    term.wait_for("All done.", WAIT);
    let screen = term.screen();
    assert!(
        screen.contains("You did not approve Codex to run `touch denied.txt`"),
        "{screen}"
    );
    assert!(env.workspace().join("approved.txt").exists());
    assert!(!env.workspace().join("denied.txt").exists());
    quit(&mut term);
}

#[test]
fn always_allow_writes_a_rule_that_the_next_command_obeys() {
    let env = TuiEnv::new();
    for id in ["c1", "c2"] {
        env.server.push_turn(Turn::new().function_call(
            id,
            "shell",
            json!({"command": ["bash", "-c", "touch ruled.txt"]}),
        ));
    }
    env.server.push_turn(Turn::new().text("All done."));
    let mut term = env.spawn(&["-a", "untrusted"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("touch it twice");
    let screen = term.wait_for("Run this command?", WAIT);
    assert!(
        screen.contains("2. Yes, and always allow commands starting with `touch ruled.txt` (p)"),
        "{screen}"
    );
    term.send(b"p");
    term.wait_for("and always to run commands", WAIT);
    // The second call is not asked about (a prompt would block the turn
    // before "All done."), and the person is told it ran unsandboxed.
    term.wait_for("outside the sandbox", WAIT);
    term.wait_for("All done.", WAIT);
    let rules = std::fs::read_to_string(env.home.path().join("rules/default.rules")).unwrap();
    assert_eq!(
        rules,
        "prefix_rule(pattern=[\"touch\", \"ruled.txt\"], decision=\"allow\")\n"
    );
    quit(&mut term);
}

#[test]
fn esc_interrupts_a_long_command() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "echo started; sleep 60"]}),
    ));
    let mut term = env.spawn(&["--dangerously-bypass-approvals-and-sandbox"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("wait a minute");
    term.wait_for("Running", WAIT);
    term.wait_for("esc to interrupt", WAIT);
    term.send(b"\x1b");
    let screen = term.wait_for("Interrupted", WAIT);
    assert!(!screen.contains("esc to interrupt"), "{screen}");
    quit(&mut term);
    let rollout = env.rollout_text();
    assert!(rollout.contains("turn_aborted"), "{rollout}");
}

#[test]
fn a_message_typed_while_working_is_queued_and_joins_the_turn() {
    let env = TuiEnv::new();
    // A slow answer: the second message is typed while it streams.
    env.server.push(
        Reply::turn(Turn::new().text("first answer")).event_delay(Duration::from_millis(700)),
    );
    env.server.push_turn(Turn::new().text("second answer"));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("start");
    term.wait_for("esc to interrupt", WAIT);
    term.submit("and also this");
    term.wait_for("↳ and also this", WAIT);
    term.wait_for("second answer", WAIT);
    let screen = term.screen();
    assert!(screen.contains("› and also this"), "{screen}");
    assert!(!screen.contains("↳ and also this"), "{screen}");
    let requests = env.server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].user_texts().last().unwrap(), "and also this");
    quit(&mut term);
}

#[test]
fn the_first_run_asks_whether_to_trust_the_folder_and_records_it() {
    let env = TuiEnv::untrusted();
    let mut term = env.spawn(&[]);
    term.wait_for("Do you trust the files in this folder?", WAIT);
    term.send(b"1");
    let screen = term.wait_for("Ask Codex to do anything", WAIT);
    assert!(screen.contains("workspace-write"), "{screen}");
    quit(&mut term);
    let config = std::fs::read_to_string(env.home.path().join("config.toml")).unwrap();
    assert!(
        config.contains(&format!(
            "[projects.\"{}\"]\ntrust_level = \"trusted\"",
            env.workspace().display()
        )),
        "{config}"
    );
}

#[test]
fn a_missing_api_key_is_asked_for_and_stored_privately() {
    let server = MockModelServer::start();
    let home = TestCodexHome::new();
    home.write_config(&format!(
        "model = \"gpt-5.1-codex\"\nopenai_base_url = \"{}\"\n[projects.\"{}\"]\ntrust_level = \"trusted\"\n",
        server.base_url(),
        home.workspace().display()
    ));
    server.push_turn(Turn::new().text("keyed"));
    let env = TuiEnv { server, home };
    let mut term = env.spawn(&[]);
    term.wait_for("No API key for OpenAI", WAIT);
    term.paste("sk-test-0123456789abcdef");
    term.send(b"\r");
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("hi");
    term.wait_for("keyed", WAIT);
    quit(&mut term);
    let auth = env.home.path().join("auth.json");
    let text = std::fs::read_to_string(&auth).unwrap();
    assert!(text.contains("sk-test-0123456789abcdef"), "{text}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&auth).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let request = &env.server.requests()[0];
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk-test-0123456789abcdef")
    );
}

#[test]
fn resume_opens_the_picker_and_replays_the_session() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().text("the first answer"));
    let mut term = env.spawn(&["remember the number 42"]);
    term.wait_for("the first answer", WAIT);
    quit(&mut term);

    env.server.push_turn(Turn::new().text("you said 42"));
    let mut term = env.spawn(&["resume"]);
    let screen = term.wait_for("Resume a session", WAIT);
    assert!(screen.contains("remember the number 42"), "{screen}");
    term.send(b"\r");
    let screen = term.wait_for("Resumed the session above.", WAIT);
    assert!(screen.contains("› remember the number 42"), "{screen}");
    assert!(screen.contains("• the first answer"), "{screen}");
    term.submit("what number?");
    term.wait_for("you said 42", WAIT);
    quit(&mut term);
    let second = &env.server.requests()[1];
    let texts = second.user_texts();
    assert!(
        texts.iter().any(|t| t == "remember the number 42"),
        "{texts:?}"
    );
}

#[test]
fn the_terminal_is_restored_on_sigterm_and_a_resize_leaves_no_garbage() {
    let env = TuiEnv::new();
    env.server
        .push_turn(Turn::new().text(&"a long line of text that wraps ".repeat(6)));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("talk");
    term.wait_for("› talk", WAIT);
    term.wait_for("ctrl+c quit", WAIT);
    term.resize(30, 50);
    // At 50 columns the hints after "ctrl+c quit" no longer fit (the old
    // row, cut by the emulator, would still show " · sh").
    let screen = term.wait_until("the narrow footer", WAIT, |s| {
        s.lines()
            .any(|l| l.trim_end().ends_with("@ files · ctrl+c quit"))
    });
    // The live area was redrawn once, not left behind at the old width.
    assert_eq!(
        screen.matches("Ask Codex to do anything").count(),
        1,
        "{screen}"
    );
    // SAFETY: signalling the child we started.
    unsafe {
        libc::kill(term.pid() as i32, libc::SIGTERM);
    }
    let status = term.wait_exit(WAIT);
    assert!(status.success(), "{status:?}");
    let raw = term.raw_output();
    let tail = String::from_utf8_lossy(&raw[raw.len().saturating_sub(200)..]).to_string();
    for restore in [
        "\x1b[?25h",
        "\x1b[?2004l",
        "\x1b[?1004l",
        "\x1b[<1u",
        "\x1b[?7h",
    ] {
        assert!(tail.contains(restore), "{restore:?} missing from {tail:?}");
    }
}

#[test]
fn model_picks_the_model_of_the_next_request() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().text("answered"));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.send(b"/mod");
    term.wait_for("/model", WAIT);
    term.send(b"\r");
    term.wait_for("Model and reasoning effort", WAIT);
    // The first entry of the catalog: gpt-5.5 low.
    term.send(b"1");
    term.wait_for("Model: gpt-5.5 low", WAIT);
    term.submit("hello");
    term.wait_for("answered", WAIT);
    let body = env.server.requests()[0].body_json();
    assert_eq!(body["model"], "gpt-5.5");
    assert_eq!(body["reasoning"]["effort"], "low");
    quit(&mut term);
}

#[test]
fn at_finds_a_file_and_inserts_its_path() {
    let env = TuiEnv::new();
    std::fs::create_dir_all(env.workspace().join("src/parser")).unwrap();
    std::fs::write(env.workspace().join("src/parser/tokenizer.rs"), "").unwrap();
    std::fs::write(env.workspace().join("README.md"), "").unwrap();
    env.server.push_turn(Turn::new().text("read it"));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.send(b"explain @tokeni");
    term.wait_for("src/parser/tokenizer.rs", WAIT);
    term.send(b"\t");
    term.wait_until("the inserted path", WAIT, |s| {
        s.contains("› explain src/parser/tokenizer.rs")
    });
    term.send(b"\r");
    term.wait_for("read it", WAIT);
    assert_eq!(
        env.server.requests()[0].user_texts().last().unwrap(),
        "explain src/parser/tokenizer.rs"
    );
    quit(&mut term);
}

#[test]
fn a_bang_command_runs_locally_and_never_reaches_the_model() {
    let env = TuiEnv::new();
    std::fs::write(env.workspace().join("visible.txt"), "").unwrap();
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("!ls");
    term.wait_for("visible.txt", WAIT);
    term.wait_for("Ran ls", WAIT);
    term.wait_for("ctrl+c quit", WAIT);
    assert!(env.server.requests().is_empty());
    quit(&mut term);
    let history =
        std::fs::read_to_string(env.home.path().join("history.jsonl")).unwrap_or_default();
    assert!(!history.contains("ls"), "{history}");
}

#[test]
fn a_custom_prompt_expands_its_arguments() {
    let env = TuiEnv::new();
    std::fs::create_dir_all(env.home.path().join("prompts")).unwrap();
    std::fs::write(
        env.home.path().join("prompts/fixit.md"),
        "---\ndescription: fix one issue\n---\nFix issue $1 in $FILE.\n",
    )
    .unwrap();
    env.server.push_turn(Turn::new().text("on it"));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.send(b"/fixi");
    term.wait_for("fix one issue", WAIT);
    // Typing on past the name closes the popup; Enter sends.
    term.submit("t 17 FILE=src/lib.rs");
    term.wait_for("on it", WAIT);
    assert_eq!(
        env.server.requests()[0].user_texts().last().unwrap(),
        "Fix issue 17 in src/lib.rs."
    );
    quit(&mut term);
}

#[test]
fn esc_esc_goes_back_to_a_message_in_the_same_session() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().text("answer one"));
    env.server.push_turn(Turn::new().text("answer two"));
    env.server.push_turn(Turn::new().text("answer edited"));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("question one");
    term.wait_for("answer one", WAIT);
    term.wait_for("ctrl+c quit", WAIT);
    term.submit("question two");
    term.wait_for("answer two", WAIT);
    term.wait_for("ctrl+c quit", WAIT);
    term.send(b"\x1b");
    term.wait_for("esc again to rewind to a previous message", WAIT);
    term.send(b"\x1b");
    term.wait_for("Rewind: go back to before which message?", WAIT);
    // The newest message is selected; Enter goes back to it, and the
    // conversation only goes back.
    term.send(b"\r");
    term.wait_for("2. Restore conversation only", WAIT);
    term.send(b"2");
    let screen = term.wait_until("the composer with the message", WAIT, |s| {
        s.contains("• answer one") && s.contains("› question two")
    });
    // The same conversation goes on: nothing says it was resumed.
    assert!(!screen.to_lowercase().contains("resumed"), "{screen}");
    // Edit it: clear the line and write another one.
    term.send(b"\x15");
    term.submit("question two, edited");
    term.wait_for("answer edited", WAIT);
    let third = &env.server.requests()[2];
    let texts = third.user_texts();
    assert!(texts.iter().any(|t| t == "question one"), "{texts:?}");
    assert!(!texts.iter().any(|t| t == "question two"), "{texts:?}");
    assert_eq!(texts.last().unwrap(), "question two, edited");
    quit(&mut term);
    // One session file, which recorded the rewind.
    assert_eq!(env.home.rollout_files().len(), 1);
    assert!(env.rollout_text().contains("\"thread_rolled_back\""));
}

#[test]
fn ctrl_t_opens_the_transcript_with_search() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().text("the needle is here"));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("find it");
    term.wait_for("the needle is here", WAIT);
    term.send(b"\x14");
    term.wait_for("Transcript", WAIT);
    term.send(b"/needle\r");
    term.wait_for("match 1 of 1", WAIT);
    term.send(b"q");
    term.wait_for("ctrl+c quit", WAIT);
    quit(&mut term);
}

/// The same scripted turn every frontend is tested with (a command that is
/// approved, one that is declined, a patch, a message): a resumed session
/// shows the items it showed live.
#[test]
fn a_resumed_session_shows_the_items_shown_live() {
    let env = TuiEnv::new();
    super::item_scenario::script(
        &env.server,
        &env.home,
        super::item_scenario::Declined::ByPolicy,
    );
    let mut term = env.spawn(&["-a", "untrusted"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("do the four things");
    term.wait_for("$ echo approved > out.txt", WAIT);
    term.send(b"y");
    term.wait_for("$ echo declined > no.txt", WAIT);
    // `d` declines this call and lets the turn go on.
    term.send(b"d");
    // Under untrusted the patch is asked about too.
    term.wait_for("Make these changes?", WAIT);
    term.send(b"y");
    let live = term.wait_for("All done.", WAIT);
    for shown in [
        "Ran echo approved > out.txt",
        "Edited notes.md",
        "Called py.add(",
        "All done.",
    ] {
        assert!(live.contains(shown), "{shown} not in {live}");
    }
    assert!(!live.contains("Ran echo declined > no.txt"), "{live}");
    quit(&mut term);

    let mut term = env.spawn(&["resume", "--last"]);
    let resumed = term.wait_for("Resumed the session above.", WAIT);
    for shown in [
        "› do the four things",
        "Ran echo approved > out.txt",
        "Edited notes.md",
        "Called py.add(",
        "All done.",
    ] {
        assert!(resumed.contains(shown), "{shown} not in {resumed}");
    }
    assert!(!resumed.contains("Ran echo declined > no.txt"), "{resumed}");
    quit(&mut term);
}

/// A review's findings are an item: shown when the review ends and again
/// when the session is resumed.
#[test]
fn a_review_shows_its_findings_live_and_after_resume() {
    let env = TuiEnv::new();
    let findings = r#"{"findings": [{"title": "Missing null check", "body": "`x` may be None.", "confidence_score": 0.7, "priority": 0, "code_location": {"absolute_file_path": "/w/a.rs", "line_range": {"start": 3, "end": 3}}}], "overall_correctness": "patch is incorrect", "overall_explanation": "One issue.", "overall_confidence_score": 0.7}"#;
    env.server.push_turn(Turn::new().text(findings));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("/review look at the null checks");
    let live = term.wait_for("[P0] Missing null check — /w/a.rs:3-3", WAIT);
    assert!(
        live.contains("Reviewing look at the null checks…"),
        "{live}"
    );
    quit(&mut term);

    let mut term = env.spawn(&["resume", "--last"]);
    let resumed = term.wait_for("Resumed the session above.", WAIT);
    assert!(
        resumed.contains("[P0] Missing null check — /w/a.rs:3-3"),
        "{resumed}"
    );
    quit(&mut term);
}

#[test]
fn approve_for_me_lets_the_reviewer_allow_one_command_and_deny_another() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "touch approved.txt"]}),
    ));
    env.server.push_turn(Turn::new().text(
        r#"{"outcome":"allow","risk_level":"low","user_authorization":"high","rationale":"the person asked for this file"}"#,
    ));
    env.server.push_turn(Turn::new().function_call(
        "c2",
        "shell",
        json!({"command": ["bash", "-c", "touch denied.txt"]}),
    ));
    env.server.push_turn(
        Turn::new()
            .text(r#"{"outcome":"deny","risk_level":"high","rationale":"nobody asked for it"}"#),
    );
    env.server.push_turn(Turn::new().text("All done."));
    let mut term = env.spawn(&["--approve-for-me", "-a", "untrusted"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("make the approved file");
    term.wait_for("All done.", WAIT);
    let all = term.all_text();
    assert!(
        all.contains(
            "The automatic review allowed `touch approved.txt`: the person asked for this file"
        ),
        "{all}"
    );
    assert!(
        all.contains("The automatic review denied `touch denied.txt`: nobody asked for it"),
        "{all}"
    );
    assert!(!all.contains("Run this command?"), "{all}");
    assert!(env.workspace().join("approved.txt").exists());
    assert!(!env.workspace().join("denied.txt").exists());
    // The reviewer is a separate turn with the verdict's schema, read-only.
    let requests = env.server.requests();
    let review = requests[1].body_json();
    assert!(
        review.to_string().contains("touch approved.txt"),
        "{review}"
    );
    assert_eq!(review["text"]["format"]["type"], "json_schema", "{review}");
    assert!(
        !review.to_string().contains("denied.txt"),
        "the reviewer sees the action it judges: {review}"
    );
    quit(&mut term);
    // Reviewers leave no session behind.
    assert_eq!(env.home.rollout_files().len(), 1);
}

#[test]
fn approve_for_me_denies_when_the_reviewer_gives_no_verdict() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "touch unreviewed.txt"]}),
    ));
    for _ in 0..3 {
        env.server
            .push_turn(Turn::new().text("Sure, looks fine to me."));
    }
    env.server.push_turn(Turn::new().text("Understood."));
    let mut term = env.spawn(&["--approve-for-me", "-a", "untrusted"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("make it");
    term.wait_for("Understood.", WAIT);
    let all = term.all_text();
    assert!(
        all.contains(
            "The automatic review denied `touch unreviewed.txt`: the automatic review failed"
        ),
        "{all}"
    );
    assert!(!env.workspace().join("unreviewed.txt").exists());
    // Three tries, then the main turn goes on.
    assert_eq!(env.server.requests().len(), 5);
    quit(&mut term);
}
