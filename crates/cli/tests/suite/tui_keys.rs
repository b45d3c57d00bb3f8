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
