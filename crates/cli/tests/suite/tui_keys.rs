//! The chat's own keys end to end: `?` shows the shortcuts, Tab queues a
//! message for after the turn.

use std::time::Duration;

use codex_test_support::{Reply, Turn};

use super::tui::{TuiEnv, WAIT, quit};

#[test]
fn question_mark_shows_the_shortcuts_and_any_key_closes_them() {
    let env = TuiEnv::new();
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.send(b"?");
    let screen = term.wait_for("any key closes this", WAIT);
    assert!(screen.contains("tab"), "{screen}");
    assert!(screen.contains("queue for after the turn"), "{screen}");
    assert!(screen.contains("rewind to a previous message"), "{screen}");
    // Not typed into the composer.
    assert!(screen.contains("Ask Codex to do anything"), "{screen}");
    term.send(b"\x1b");
    let screen = term.wait_until("the footer back", WAIT, |s| {
        !s.contains("any key closes this") && s.contains("ctrl+c quit")
    });
    assert!(!screen.contains("› ?"), "{screen}");
    // In a message, `?` is just a character.
    term.send(b"why?");
    term.wait_for("› why?", WAIT);
    term.send(b"\x03");
    quit(&mut term);
}

#[test]
fn tab_queues_a_message_that_is_sent_when_the_turn_ends() {
    let env = TuiEnv::new();
    env.server.push(
        Reply::turn(Turn::new().text("first answer")).event_delay(Duration::from_millis(700)),
    );
    env.server.push_turn(Turn::new().text("second answer"));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("start");
    term.wait_for("tab queue for after the turn", WAIT);
    term.send(b"and after that");
    term.send(b"\t");
    term.wait_for("after this turn: and after that", WAIT);
    let screen = term.wait_for("second answer", WAIT);
    // Sent as a turn of its own, after the first one's rule.
    let worked = screen.find("Worked for").unwrap_or(usize::MAX);
    let sent = screen.find("› and after that").unwrap_or(0);
    assert!(worked < sent, "{screen}");
    let requests = env.server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].user_texts().last().unwrap(), "and after that");
    quit(&mut term);
}

#[test]
fn the_terminal_cursor_follows_the_typing() {
    let env = TuiEnv::new();
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.send(b"hello");
    let screen = term.wait_for("› hello", WAIT);
    let row = screen
        .lines()
        .position(|line| line.starts_with("› hello"))
        .unwrap_or_default() as u16;
    // The frame that drew the whole word ends with the cursor placed.
    let at = term.wait_output(0, b"hello", WAIT);
    term.wait_output(at, b"\x1b[?2026l", WAIT);
    let cursor = term.cursor();
    assert_eq!(cursor, (row, 7, true), "{screen}");
    term.send(b"\x03");
    quit(&mut term);
}

/// Whether signal `number` is still waiting to be delivered to process
/// `pid` (its handler not yet run).
fn signal_pending(pid: u32, number: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let mask = status
        .lines()
        .find_map(|line| line.strip_prefix("ShdPnd:"))
        .map(|hex| u64::from_str_radix(hex.trim(), 16).unwrap())
        .unwrap();
    mask & (1 << (number - 1)) != 0
}

/// Waits (up to `WAIT`) until `done` holds, checking every few ms.
fn wait_condition(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + WAIT;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A resize and a key that reach codex together are both taken: the key
/// is not left unread until the next one (a Ctrl-C right after a resize was
/// sometimes not shown armed). The interface is held busy in a `git` call
/// of `/review` while the terminal is resized (its SIGWINCH handled) and a
/// key is typed, so both are ready when it reads input again.
#[test]
fn a_key_typed_just_after_a_resize_is_not_lost() {
    let env = TuiEnv::new();
    let bin = tempfile::tempdir().unwrap();
    let real_git = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let flags = bin.path().display();
    let script = format!(
        "#!/bin/sh\ncase \"$*\" in *for-each-ref*)\n  : > {flags}/started\n  \
         while [ ! -e {flags}/go ]; do sleep 0.01; done\n  exit 0;;\nesac\nexec {} \"$@\"\n",
        real_git.trim()
    );
    let git = bin.path().join("git");
    std::fs::write(&git, script).unwrap();
    let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&git, executable).unwrap();
    let mut command = env.command(&[]);
    command.env(
        "PATH",
        format!(
            "{}:{}",
            bin.path().display(),
            std::env::var("PATH").unwrap()
        ),
    );
    let mut term = codex_test_support::PtyTerminal::spawn(command, 30, 100);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.send(b"/review");
    term.wait_for("/review", WAIT);
    term.send(b"\r");
    term.wait_for("Against a base branch", WAIT);
    term.send(b"\x1b[B\r");
    wait_condition("the branch list asked of git", || {
        bin.path().join("started").exists()
    });
    term.resize(20, 60);
    wait_condition("SIGWINCH handled", || {
        !signal_pending(term.pid(), libc::SIGWINCH as u32)
    });
    term.send(b"q");
    std::fs::write(bin.path().join("go"), "").unwrap();
    term.wait_for("Nothing to choose from.", WAIT);
    term.wait_for("› q", WAIT);
    term.send(b"\x7f");
    quit(&mut term);
}
