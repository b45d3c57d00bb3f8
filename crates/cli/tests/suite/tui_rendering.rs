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

/// tmux, on a private server, for what only a real terminal shows: what a
/// frame leaves in the scrollback. None when tmux is not installed.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(env: &TuiEnv, rows: u16, cols: u16, shell_command: &str) -> Option<Self> {
        let installed = std::process::Command::new("tmux").arg("-V").output();
        if !installed.is_ok_and(|out| out.status.success()) {
            eprintln!("tmux is not installed: skipped");
            return None;
        }
        let socket = format!("codex-test-{}", std::process::id());
        let status = std::process::Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &cols.to_string(), "-y", &rows.to_string()])
            .args(["-c", &env.workspace().display().to_string()])
            .args(["-e", &format!("CODEX_HOME={}", env.home.path().display())])
            .args(["-e", &format!("HOME={}", env.home.path().display())])
            .args(["-e", "TERM=xterm-256color"])
            .arg(shell_command)
            .status()
            .unwrap();
        assert!(status.success());
        Some(Self { socket })
    }

    /// The scrollback and the screen.
    fn history(&self) -> String {
        let out = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-S", "-200"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until `predicate` holds for the history.
    fn wait_until(&self, what: &str, predicate: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let text = self.history();
            if predicate(&text) {
                return text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}:\n{text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// Started on a cleared screen (its live area at the top-left corner), the
/// first frame's composer and footer are not pushed into the scrollback
/// above the session header (tmux keeps what a whole-screen erase removes).
#[test]
fn start_up_on_a_cleared_screen_leaves_no_composer_in_the_scrollback() {
    let env = TuiEnv::new();
    let command = format!("clear; exec {}", env!("CARGO_BIN_EXE_codex"));
    let Some(tmux) = Tmux::start(&env, 20, 80, &command) else {
        return;
    };
    let history = tmux.wait_until("the header and the composer", |text| {
        text.contains("session ")
            && text.contains("Ask Codex to do anything")
            && text.contains("ctrl+c quit")
    });
    assert_eq!(
        history.matches("Ask Codex to do anything").count(),
        1,
        "{history}"
    );
    assert_eq!(history.matches("ctrl+c quit").count(), 1, "{history}");
}
