//! The interactive interface's rendering end to end: Markdown tables and
//! highlighted code as the terminal shows them, and the screen after a
//! resize. The real `codex` binary runs in a pseudo-terminal against the
//! scripted mock model; every test waits for screen content.

use codex_test_support::Turn;

use super::tui::{TuiEnv, WAIT, quit};

#[test]
fn a_table_is_aligned_and_code_is_highlighted_without_its_fence() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().text(
        "Files:\n\n| Name | Size |\n|:--|--:|\n| config.toml | 4 KiB |\n| sessions | 12 MiB |\n\nRun it:\n\n```rust\nfn main() { let answer = \"forty-two\"; }\n```\n",
    ));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("show me");
    let screen = term.wait_for("fn main() { let answer = \"forty-two\"; }", WAIT);
    assert!(screen.contains("Name        │   Size"), "{screen}");
    assert!(screen.contains("────────────┼───────"), "{screen}");
    assert!(screen.contains("config.toml │  4 KiB"), "{screen}");
    assert!(screen.contains("sessions    │ 12 MiB"), "{screen}");
    assert!(!screen.contains("|"), "{screen}");
    assert!(!screen.contains("```"), "{screen}");
    assert!(
        !screen.lines().any(|line| line.trim() == "rust"),
        "{screen}"
    );
    // The code is drawn in several 24-bit colours.
    let raw = String::from_utf8_lossy(&term.raw_output()).to_string();
    let code_row = raw
        .split("\r\n")
        .find(|row| row.contains("forty-two"))
        .unwrap_or_default()
        .to_string();
    let colours = code_row.matches("38;2;").count();
    assert!(colours >= 3, "{code_row:?}");
    quit(&mut term);
}

/// `word01 word02 ... wordNN` as the model's answer.
fn words(count: usize) -> String {
    (1..=count)
        .map(|i| format!("word{i:02}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_resize_rewraps_the_visible_answer_and_the_footer_keeps_the_modes() {
    let env = TuiEnv::new();
    env.server
        .push_turn(Turn::new().text(&words(30)).usage(1000, 50));
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("talk");
    // At 100 columns 14 words fit on the first row ("• " and 14 × 7 - 1).
    term.wait_for(&format!("• {}\n", words(14)), WAIT);
    term.wait_for("context left", WAIT);

    term.resize(20, 60);
    let screen = term.wait_for(&format!("• {}\n", words(8)), WAIT);
    assert!(screen.contains("  word09 word10"), "{screen}");
    let footer = screen
        .lines()
        .find(|line| line.contains("% left"))
        .unwrap_or_default();
    assert!(footer.contains("on-request · workspace-write"), "{screen}");

    term.resize(30, 100);
    let screen = term.wait_for(&format!("• {}\n", words(14)), WAIT);
    assert!(screen.contains("› talk"), "{screen}");
    quit(&mut term);
}
