//! The slash commands of the reference that this interface offers, one
//! test each, end to end: the real `codex` in a pseudo-terminal against the
//! scripted mock model, waiting on screen content (or on what the command
//! wrote: a file, the terminal's OSC sequences).

use std::os::unix::fs::PermissionsExt;

use base64::Engine as _;
use codex_test_support::{PtyTerminal, Reply, Turn};

use super::tui::{TuiEnv, WAIT, quit};

/// A trusted home and the interface, ready for input.
fn start(env: &TuiEnv) -> PtyTerminal {
    let term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term
}

/// Sends a prompt and waits for the scripted answer.
fn ask(env: &TuiEnv, term: &mut PtyTerminal, prompt: &str, answer: &str) {
    env.server.push_turn(Turn::new().text(answer));
    term.submit(prompt);
    term.wait_for(answer, WAIT);
    term.wait_for("ctrl+c quit", WAIT);
}

fn raw(term: &PtyTerminal) -> String {
    String::from_utf8_lossy(&term.raw_output()).into_owned()
}

#[test]
fn permissions_opens_the_presets() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/permissions");
    let screen = term.wait_for("Full access", WAIT);
    assert!(screen.contains("Read only"), "{screen}");
    term.send(b"\x1b");
    quit(&mut term);
}

#[test]
fn clear_wipes_the_screen_and_starts_a_new_chat() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    ask(&env, &mut term, "hello", "first chat answer");
    term.submit("/clear");
    let screen = term.wait_until("a fresh chat", WAIT, |s| {
        !s.contains("first chat answer") && s.contains(">_ Codex")
    });
    assert!(!screen.contains("› hello"), "{screen}");
    assert!(raw(&term).contains("\x1b[3J"));
    quit(&mut term);
}

#[test]
fn copy_puts_the_last_answer_on_the_clipboard_with_osc_52() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/copy");
    term.wait_for("There is no answer to copy yet.", WAIT);
    ask(&env, &mut term, "say it", "copy this answer");
    term.submit("/copy");
    term.wait_for("Copied the last answer to the clipboard", WAIT);
    let encoded = base64::engine::general_purpose::STANDARD.encode("copy this answer");
    assert!(raw(&term).contains(&format!("\x1b]52;c;{encoded}\x07")));
    quit(&mut term);
}

#[test]
fn fork_continues_in_a_copy() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    ask(&env, &mut term, "before the fork", "answered before");
    term.submit("/fork");
    term.wait_for("Forked: this is a copy of session", WAIT);
    let screen = term.screen();
    assert!(screen.contains("answered before"), "{screen}");
    quit(&mut term);
    assert_eq!(env.home.rollout_files().len(), 2);
}

#[test]
fn rename_names_the_chat() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/rename");
    term.wait_for("Give the name: /rename NAME", WAIT);
    ask(&env, &mut term, "something", "named later");
    term.submit("/rename release checklist");
    term.wait_for("This chat is now named “release checklist”.", WAIT);
    quit(&mut term);
}

#[test]
fn statusline_chooses_the_footer_items() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/statusline model,approval");
    term.wait_for("Footer: model, approval.", WAIT);
    let screen = term.wait_until("the footer without the sandbox", WAIT, |s| {
        !s.lines()
            .any(|l| l.contains("on-request") && l.contains("workspace-write"))
    });
    assert!(screen.lines().any(|l| l.contains("on-request")), "{screen}");
    term.submit("/statusline nonsense");
    term.wait_for("`nonsense` is not a footer item", WAIT);
    quit(&mut term);
}

#[test]
fn config_shows_the_effective_configuration_with_origins() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/config");
    let screen = term.wait_for("Configuration", WAIT);
    assert!(screen.contains("model"), "{screen}");
    assert!(screen.contains("config.toml"), "{screen}");
    term.send(b"q");
    term.wait_for("Ask Codex to do anything", WAIT);
    quit(&mut term);
}

#[test]
fn export_writes_the_conversation_as_private_markdown() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    ask(&env, &mut term, "export me", "exported answer");
    term.submit("/export talk.md");
    term.wait_for("Exported the conversation to", WAIT);
    let path = env.workspace().join("talk.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("## You\n\nexport me"), "{text}");
    assert!(text.contains("## Codex\n\nexported answer"), "{text}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    quit(&mut term);
}

#[test]
fn feedback_writes_a_local_bundle_with_secrets_redacted() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    let secret = "sk-proj-abcdefghijklmnopqrstuvwxyz0123";
    ask(&env, &mut term, &format!("my key is {secret}"), "noted");
    term.submit("/feedback");
    term.wait_for("Wrote a bug-report bundle to", WAIT);
    quit(&mut term);
    let root = env.home.path().join("feedback");
    let bundle = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let mode = std::fs::metadata(&bundle).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let session = std::fs::read_to_string(bundle.join("session.jsonl")).unwrap();
    assert!(session.contains("my key is"), "{session}");
    assert!(!session.contains(secret), "{session}");
    let summary = std::fs::read_to_string(bundle.join("summary.txt")).unwrap();
    assert!(summary.contains("session: "), "{summary}");
}

#[test]
fn theme_lists_and_picks_the_highlighting_theme() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/theme");
    term.wait_for("Code theme: base16-ocean.dark", WAIT);
    term.submit("/theme no-such-theme");
    term.wait_for("no theme named `no-such-theme`", WAIT);
    term.submit("/theme InspiredGitHub");
    term.wait_for("Code theme: InspiredGitHub", WAIT);
    quit(&mut term);
}

#[test]
fn cd_and_pwd_change_and_show_the_working_directory() {
    let env = TuiEnv::new();
    std::fs::create_dir(env.workspace().join("sub")).unwrap();
    let mut term = start(&env);
    term.submit("/cd missing-dir");
    term.wait_for("cannot change to", WAIT);
    term.submit("/cd sub");
    term.wait_for("(from the next turn)", WAIT);
    term.submit("/pwd");
    let sub = env.workspace().canonicalize().unwrap().join("sub");
    term.wait_for(&format!("Working directory: {}", sub.display()), WAIT);
    quit(&mut term);
}

#[test]
fn title_sets_the_terminal_title() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/title fixing the parser");
    term.wait_for("Terminal title: fixing the parser", WAIT);
    assert!(raw(&term).contains("\x1b]0;fixing the parser\x07"));
    quit(&mut term);
}

#[test]
fn keymap_lists_the_keys() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/keymap");
    let screen = term.wait_for("queue for after the turn", WAIT);
    assert!(screen.contains("• Keys"), "{screen}");
    quit(&mut term);
}

#[test]
fn experimental_lists_the_flags_and_writes_one() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/experimental");
    term.wait_for("not available in this version", WAIT);
    let all = term.all_text();
    assert!(
        all.contains("Feature flags (/experimental NAME on|off)"),
        "{all}"
    );
    assert!(all.contains("unified_exec"), "{all}");
    term.submit("/experimental unified_exec off");
    term.wait_for("unified_exec is off in", WAIT);
    quit(&mut term);
    let config = std::fs::read_to_string(env.home.path().join("config.toml")).unwrap();
    assert!(config.contains("unified_exec = false"), "{config}");
}

#[test]
fn warnings_shows_the_sessions_warnings() {
    let env = TuiEnv::new();
    env.home.append_config("\nno_such_key_here = 1\n");
    let mut term = start(&env);
    term.submit("/warnings");
    let screen = term.wait_until("the warning twice", WAIT, |s| {
        s.matches("no_such_key_here").count() >= 2
    });
    assert!(screen.contains("⚠"), "{screen}");
    quit(&mut term);
}

#[test]
fn a_reference_command_we_do_not_offer_says_so() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/realtime");
    term.wait_for(
        "/realtime is a command of the reference Codex CLI that this codex does not offer",
        WAIT,
    );
    quit(&mut term);
    assert!(env.server.requests().is_empty());
}

#[test]
fn the_reference_flags_are_accepted_and_take_effect() {
    let env = TuiEnv::new();
    let extra = tempfile::tempdir().unwrap();
    let extra_dir = extra.path().display().to_string();
    let mut term = env.spawn(&[
        "--add-dir",
        &extra_dir,
        "--search",
        "--no-daemon",
        "--approve-for-me",
        "--dangerously-bypass-hook-trust",
    ]);
    term.wait_for("Ask Codex to do anything", WAIT);
    // The warnings wrap at 100 columns; their starts are enough.
    // The session says hooks run without their recorded trust.
    term.wait_for("--dangerously-bypass-hook-trust: plugin", WAIT);
    // --approve-for-me takes effect (the reviewer: tui::approve_for_me_*).
    let all = term.all_text();
    assert!(!all.contains("--approve-for-me is accepted"), "{all}");
    ask(&env, &mut term, "look it up", "searched");
    let body = env.server.requests()[0].body_json();
    let tools = body["tools"].to_string();
    assert!(tools.contains("web_search"), "{tools}");
    quit(&mut term);
}

#[test]
fn help_says_there_is_no_daemon() {
    let env = TuiEnv::new();
    let output = env.command(&["--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--no-daemon"), "{help}");
    assert!(help.contains("runs no background daemon"), "{help}");
    for flag in [
        "--add-dir",
        "--search",
        "--worktree",
        "--local-provider",
        "--approve-for-me",
    ] {
        assert!(help.contains(flag), "{flag} missing from {help}");
    }
}

#[test]
fn vim_edits_the_composer_vi_style() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/vim");
    term.wait_for("Vi editing on", WAIT);
    term.send(b"hello world");
    term.wait_for("› hello world", WAIT);
    term.send(b"\x1b");
    term.wait_for("-- NORMAL --", WAIT);
    // Start of the line, delete a character, then the next word.
    term.send(b"0x");
    term.wait_for("› ello world", WAIT);
    term.send(b"wD");
    term.wait_until("the word deleted", WAIT, |s| {
        s.contains("› ello") && !s.contains("world")
    });
    term.send(b"A there");
    term.wait_for("› ello  there", WAIT);
    term.send(b"\x03");
    quit(&mut term);
}

#[test]
fn raw_shows_the_messages_as_plain_text_and_back() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    env.server
        .push_turn(Turn::new().text("Use **bold** and `code` here."));
    term.submit("say it");
    let screen = term.wait_for("• Use bold and code here.", WAIT);
    assert!(screen.contains("› say it"), "{screen}");
    term.submit("/raw");
    let screen = term.wait_for("Use **bold** and `code` here.", WAIT);
    assert!(screen.contains("Raw mode on"), "{screen}");
    assert!(!screen.contains("• Use"), "{screen}");
    assert!(!screen.contains("› say it"), "{screen}");
    assert!(
        screen.lines().any(|line| line == "say it"),
        "the message starts its row: {screen}"
    );
    // An answer that streams in raw mode is its source too.
    env.server.push_turn(Turn::new().text("A *second* answer."));
    term.submit("more");
    term.wait_for("A *second* answer.", WAIT);
    term.wait_for("ctrl+c quit", WAIT);
    term.submit("/raw off");
    let screen = term.wait_for("• A second answer.", WAIT);
    assert!(screen.contains("Raw mode off"), "{screen}");
    assert!(screen.contains("• Use bold and code here."), "{screen}");
    term.submit("/raw sideways");
    term.wait_for("Usage: /raw [on|off]", WAIT);
    quit(&mut term);
}

#[test]
fn side_answers_from_a_copy_and_leaves_the_main_thread_as_it_was() {
    let env = TuiEnv::new();
    let mut term = start(&env);
    term.submit("/side");
    term.wait_for("send a message first", WAIT);
    ask(&env, &mut term, "hello main", "The main answer.");
    env.server.push_turn(Turn::new().text("The side answer."));
    term.submit("/side what did I ask?");
    let screen = term.wait_for("The side answer.", WAIT);
    assert!(!screen.contains("The main answer."), "{screen}");
    let screen = term.wait_for("back to the main thread", WAIT);
    assert!(screen.contains("side conversation"), "{screen}");
    let requests = env.server.requests();
    let side = requests.last().unwrap().body_json().to_string();
    for part in [
        "hello main",
        "The main answer.",
        "side_conversation",
        "what did I ask?",
    ] {
        assert!(side.contains(part), "{part} missing from {side}");
    }

    // Ctrl-C goes back to the main thread, which never heard of it.
    term.send(b"\x03");
    let screen = term.wait_until("the main chat again", WAIT, |s| {
        s.contains("The main answer.") && s.contains("ctrl+c quit")
    });
    assert!(!screen.contains("The side answer."), "{screen}");
    ask(&env, &mut term, "and now?", "Main again.");
    let main = env
        .server
        .requests()
        .last()
        .unwrap()
        .body_json()
        .to_string();
    assert!(main.contains("hello main"), "{main}");
    assert!(!main.contains("what did I ask?"), "{main}");
    assert!(!main.contains("The side answer."), "{main}");
    quit(&mut term);
    let rollout = env.rollout_text();
    assert!(rollout.contains("Main again."), "{rollout}");
    assert!(!rollout.contains("The side answer."), "{rollout}");
    assert_eq!(env.home.rollout_files().len(), 1);
}

#[test]
fn a_main_thread_approval_during_a_side_conversation_is_announced() {
    let env = TuiEnv::new();
    let mut term = env.spawn(&["-a", "untrusted"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    ask(&env, &mut term, "hello main", "The main answer.");
    // The call arrives slowly, so the side conversation is open by then.
    env.server.push(
        Reply::turn(Turn::new().function_call(
            "c1",
            "shell",
            serde_json::json!({"command": ["bash", "-c", "touch later.txt"]}),
        ))
        .event_delay(std::time::Duration::from_millis(1500)),
    );
    env.server.push_turn(Turn::new().text("The side reply."));
    env.server.push_turn(Turn::new().text("Main done."));
    term.submit("make a file");
    term.wait_for("esc interrupt", WAIT);
    term.submit("/side quick question");
    term.wait_for("The side reply.", WAIT);
    term.wait_for("The main thread is waiting for your approval", WAIT);
    term.send(b"\x03");
    term.wait_for("Run this command?", WAIT);
    term.send(b"y");
    term.wait_for("Main done.", WAIT);
    assert!(env.workspace().join("later.txt").exists());
    quit(&mut term);
}
