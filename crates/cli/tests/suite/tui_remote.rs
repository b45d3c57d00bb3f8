//! `codex --remote`: the interactive interface in a pseudo-terminal against
//! a separately started `codex app-server --listen ws://127.0.0.1:0`, the
//! mock model behind the server.

use serde_json::json;

use super::app_server::transport::Listening;
use super::tui::{TuiEnv, WAIT, quit};
use codex_test_support::Turn;

#[test]
fn a_remote_turn_asks_for_approval_runs_and_resumes() {
    let env = TuiEnv::new();
    let server = Listening::start(
        &env.home,
        &[
            "--listen",
            "ws://127.0.0.1:0",
            "-c",
            "approval_policy=\"untrusted\"",
        ],
        &[],
    );
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "touch remote.txt"]}),
    ));
    env.server.push_turn(Turn::new().text("All done remotely."));

    let mut term = env.spawn(&["--remote", &server.url]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("make a file");
    let screen = term.wait_for("Run this command?", WAIT);
    assert!(screen.contains("touch remote.txt"), "{screen}");
    term.send(b"y");
    term.wait_for("All done remotely.", WAIT);
    term.wait_for("Worked for", WAIT);
    assert!(env.workspace().join("remote.txt").exists());
    // What only an in-process engine can do says so.
    term.submit("!ls");
    term.wait_for("`!` shell commands: not available with --remote", WAIT);
    quit(&mut term);

    // The server recorded the thread; a new remote interface resumes it.
    let mut term = env.spawn(&["--remote", &server.url, "resume", "--last"]);
    let screen = term.wait_for("All done remotely.", WAIT);
    assert!(screen.contains("make a file"), "{screen}");
    quit(&mut term);
}

#[test]
fn a_remote_that_cannot_be_reached_is_named() {
    let env = TuiEnv::new();
    for (endpoint, said) in [
        (
            "ws://127.0.0.1:9",
            "cannot reach the app-server at ws://127.0.0.1:9",
        ),
        (
            "http://example.invalid",
            "expected ws://HOST:PORT or unix:///PATH",
        ),
    ] {
        let mut term = env.spawn(&["--remote", endpoint]);
        let status = term.wait_exit(WAIT);
        assert!(!status.success());
        let all = term.all_text();
        assert!(all.contains(said), "{all}");
    }
}

#[test]
fn esc_interrupts_a_remote_turn() {
    let env = TuiEnv::new();
    let server = Listening::start(
        &env.home,
        &[
            "--listen",
            "ws://127.0.0.1:0",
            "-c",
            "approval_policy=\"never\"",
        ],
        &[],
    );
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "echo started; sleep 60"]}),
    ));
    let mut term = env.spawn(&["--remote", &server.url]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("wait a minute");
    term.wait_for("esc to interrupt", WAIT);
    term.wait_for("Running", WAIT);
    term.send(b"\x1b");
    let screen = term.wait_for("Interrupted", WAIT);
    assert!(!screen.contains("esc to interrupt"), "{screen}");
    quit(&mut term);
    // The server's own record of the turn says it was interrupted.
    let rollout = env.rollout_text();
    assert!(rollout.contains("turn_aborted"), "{rollout}");
}
