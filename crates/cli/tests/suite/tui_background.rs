//! Commands that outlive their call: `/ps` lists the model's background
//! commands, `/stop` ends them, the footer counts them, an interrupt says
//! they still run, and Esc during a plain command leaves no process behind.

use std::path::Path;
use std::time::Duration;

use codex_test_support::Turn;
use serde_json::json;

use super::tui::{TuiEnv, WAIT, quit};

/// Whether a process whose command line contains `marker` is alive.
fn process_alive(marker: &str) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path().join("cmdline");
        std::fs::read(Path::new(&path))
            .map(|bytes| {
                let text = String::from_utf8_lossy(&bytes).replace('\0', " ");
                text.contains(marker) && !text.contains("cargo") && !text.contains("nextest")
            })
            .unwrap_or(false)
    })
}

/// Waits (polling /proc, bounded) until `alive` is what `process_alive`
/// says; false if it never is.
fn wait_process(marker: &str, alive: bool) -> bool {
    let deadline = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < deadline {
        if process_alive(marker) == alive {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn ps_lists_a_background_command_and_stop_ends_it() {
    let env = TuiEnv::new();
    // A distinct sleep length marks the process in /proc.
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "exec_command",
        json!({"cmd": "echo tick-one; sleep 3141", "yield_time_ms": 250}),
    ));
    env.server
        .push_turn(Turn::new().text("It runs in the background."));
    let mut term = env.spawn(&[
        "-m",
        "gpt-5.5",
        "--dangerously-bypass-approvals-and-sandbox",
    ]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("start it");
    term.wait_for("It runs in the background.", WAIT);
    term.wait_for("1 background command", WAIT);
    assert!(wait_process("sleep 3141", true));

    term.submit("/ps");
    let screen = term.wait_for("(/stop ends all, /stop ID one)", WAIT);
    assert!(screen.contains("sleep 3141 · running"), "{screen}");
    assert!(screen.contains("tick-one"), "{screen}");

    term.submit("/stop 99999");
    term.wait_for("no background command has the id 99999", WAIT);
    term.submit("/stop");
    term.wait_for("Stopping 1 background command", WAIT);
    assert!(wait_process("sleep 3141", false), "the command still runs");
    let screen = term.wait_until("the footer without the count", WAIT, |screen| {
        !screen.contains("background command ·")
    });
    assert!(screen.contains("Ran echo tick-one; sleep 3141"), "{screen}");
    quit(&mut term);
}

#[test]
fn esc_says_a_background_command_keeps_running_and_codex_ends_it_on_exit() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "exec_command",
        json!({"cmd": "sleep 2718", "yield_time_ms": 30000}),
    ));
    let mut term = env.spawn(&[
        "-m",
        "gpt-5.5",
        "--dangerously-bypass-approvals-and-sandbox",
    ]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("wait");
    term.wait_for("esc to interrupt", WAIT);
    assert!(wait_process("sleep 2718", true));
    term.send(b"\x1b");
    let screen = term.wait_for("1 background command keeps running", WAIT);
    assert!(screen.contains("/ps lists, /stop ends them"), "{screen}");
    quit(&mut term);
    assert!(
        wait_process("sleep 2718", false),
        "the command outlived codex"
    );
}

#[test]
fn esc_during_a_plain_command_leaves_no_process() {
    let env = TuiEnv::new();
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "echo started; sleep 1618"]}),
    ));
    let mut term = env.spawn(&["--dangerously-bypass-approvals-and-sandbox"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("wait a minute");
    term.wait_for("esc to interrupt", WAIT);
    assert!(wait_process("sleep 1618", true));
    term.send(b"\x1b");
    term.wait_for("Interrupted", WAIT);
    assert!(
        wait_process("sleep 1618", false),
        "the command outlived Esc"
    );
    let screen = term.screen();
    assert!(!screen.contains("background command"), "{screen}");
    quit(&mut term);
}
