//! Session files through `codex exec`: privacy, resume, interruption.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use codex_test_support::Turn;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::exec::{ExecEnv, stderr, stdout};

#[test]
fn session_files_are_private() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("hi"));
    env.exec().arg("hello").assert().success();
    let files = env.home.rollout_files();
    assert_eq!(files.len(), 1);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(files[0].parent().unwrap()), 0o700);
    assert_eq!(mode(&env.home.path().join("history.jsonl")), 0o600);
    // The prompt went to history.jsonl.
    let history = std::fs::read_to_string(env.home.path().join("history.jsonl")).unwrap();
    assert!(history.contains("\"text\":\"hello\""));
}

#[test]
fn resume_reproduces_the_request_history_byte_for_byte() {
    let env = ExecEnv::new();
    env.server
        .push_turn(Turn::new().reasoning("plan", None).function_call(
            "c1",
            "shell",
            json!({"command": ["echo", "one"]}),
        ));
    env.server.push_turn(Turn::new().text("first answer"));
    env.server.push_turn(Turn::new().text("second answer"));
    env.exec()
        .args(["--full-auto", "first task"])
        .assert()
        .success();
    let output = env
        .exec()
        .args(["--full-auto", "resume", "--last", "follow up"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "second answer\n");

    let requests = env.server.requests();
    // What the first session would have sent next, byte for byte.
    let mut expected: Vec<Value> = requests[1].input();
    expected.push(json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "first answer"}]}));
    expected.push(json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "follow up"}]}));
    assert_eq!(
        serde_json::to_string(&requests[2].input()).unwrap(),
        serde_json::to_string(&expected).unwrap()
    );
    assert_eq!(
        env.home.rollout_files().len(),
        1,
        "resume appends to the same file"
    );

    // By id, too.
    let file = &env.home.rollout_files()[0];
    let id = file.file_name().unwrap().to_str().unwrap();
    let id = &id[id.len() - 42..id.len() - 6];
    env.server.push_turn(Turn::new().text("third answer"));
    let output = env
        .exec()
        .args(["resume", id, "and again"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        env.server.requests()[3].user_texts().last().unwrap(),
        "and again"
    );

    let output = env
        .exec()
        .args(["resume", "00000000-0000-0000-0000-000000000000", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("no session with id"));
}

#[test]
fn ctrl_c_interrupts_flushes_and_exits_130() {
    let env = ExecEnv::new();
    env.server
        .push_turn(Turn::new().text("Working on it.").function_call(
            "long",
            "shell",
            json!({"command": ["bash", "-c", "touch started; sleep 30"], "timeout_ms": 60000}),
        ));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_codex"))
        .env("CODEX_HOME", env.home.path())
        .env_remove("OPENAI_API_KEY")
        .current_dir(env.workspace())
        .args(["exec", "--full-auto", "run the long thing"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !env.workspace().join("started").exists() {
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let interrupted_at = Instant::now();
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(interrupted_at.elapsed() < Duration::from_secs(10));

    let files = env.home.rollout_files();
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().any(|l| l["payload"]["type"] == "turn_aborted"));
    assert!(
        lines
            .iter()
            .any(|l| l["payload"]["type"] == "function_call_output"
                && l["payload"]["call_id"] == "long"
                && l["payload"]["output"] == "aborted")
    );
    assert!(
        lines
            .iter()
            .any(|l| l["payload"]["type"] == "agent_message")
    );
}
