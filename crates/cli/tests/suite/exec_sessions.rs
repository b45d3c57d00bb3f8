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

/// Waits until `path` exists (the command the model asked for has started).
fn wait_for_file(path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigkill_mid_command_loses_nothing_that_was_recorded() {
    let env = ExecEnv::new();
    let marker = env.workspace().join("started");
    env.server.push_turn(
        Turn::new()
            .reasoning("I will run the slow command", None)
            .function_call(
                "c1",
                "shell",
                json!({"command": ["bash", "-c", "touch started; sleep 30"], "timeout_ms": 60000}),
            ),
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("codex"))
        .env("CODEX_HOME", env.home.path())
        .env_remove("OPENAI_API_KEY")
        .env_remove("CODEX_API_KEY")
        .current_dir(env.workspace())
        .args(["exec", "--full-auto", "run the slow thing"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for_file(&marker);
    child.kill().unwrap(); // SIGKILL: no chance to flush anything.
    child.wait().unwrap();

    let files = env.home.rollout_files();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["type"], "session_meta");
    let has = |pred: &dyn Fn(&Value) -> bool| lines.iter().any(pred);
    assert!(
        has(&|l| l["payload"]["type"] == "message"
            && l["payload"]["content"][0]["text"] == "run the slow thing"),
        "the prompt"
    );
    assert!(
        has(&|l| l["payload"]["type"] == "reasoning"),
        "the reasoning"
    );
    assert!(
        has(&|l| l["payload"]["type"] == "function_call" && l["payload"]["call_id"] == "c1"),
        "the call being run"
    );

    // The session resumes with all of it.
    env.server.push_turn(Turn::new().text("resumed"));
    let id = lines[0]["payload"]["id"].as_str().unwrap().to_string();
    let output = env
        .exec()
        .args(["--full-auto", "resume", &id, "what happened?"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let request = &env.server.requests()[1];
    assert!(
        request
            .user_texts()
            .contains(&"run the slow thing".to_string())
    );
    assert_eq!(
        request.tool_output("c1").as_deref(),
        Some("aborted"),
        "the interrupted call is closed, so the history is valid"
    );
}

#[test]
fn resume_takes_a_session_file_path() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("first answer"));
    env.exec().arg("first task").assert().success();
    let path = env.home.rollout_files()[0].clone();
    env.server.push_turn(Turn::new().text("second answer"));
    let output = env
        .exec()
        .args(["resume", path.to_str().unwrap(), "follow up"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "second answer\n");
    assert_eq!(
        env.home.rollout_files(),
        vec![path],
        "appended to the same file"
    );

    let output = env
        .exec()
        .args(["resume", "/nonexistent/rollout-x.jsonl", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("there is no session file at /nonexistent/rollout-x.jsonl"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn exec_resume_keeps_the_threads_sandbox_under_a_permissive_config() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("looked"));
    env.exec()
        .args(["-s", "read-only", "look around"])
        .assert()
        .success();
    // The defaults become permissive after the thread started.
    let config = std::fs::read_to_string(env.home.path().join("config.toml")).unwrap();
    env.home.write_config(&format!(
        "sandbox_mode = \"danger-full-access\"\napproval_policy = \"never\"\n{config}"
    ));
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "echo escaped > written.txt"]}),
    ));
    env.server.push_turn(Turn::new().text("tried"));
    let output = env
        .exec()
        .args(["resume", "--last", "write a file"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        !env.home.workspace().join("written.txt").exists(),
        "the resumed read-only thread wrote a file"
    );
    // A sandbox chosen for this very run still applies.
    env.server.push_turn(Turn::new().function_call(
        "c2",
        "shell",
        json!({"command": ["bash", "-c", "echo chosen > written.txt"]}),
    ));
    env.server.push_turn(Turn::new().text("wrote"));
    let output = env
        .exec()
        .args(["-s", "workspace-write", "resume", "--last", "write it now"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(env.home.workspace().join("written.txt").exists());
}

#[test]
fn resume_from_message_starts_before_it_and_restore_code_puts_files_back() {
    let env = ExecEnv::new();
    std::fs::write(env.home.workspace().join("a.txt"), "a0\n").unwrap();
    for (from, to) in [("a0", "a1"), ("a1", "a2")] {
        env.server.push_turn(Turn::new().custom_tool_call(
            "p",
            "apply_patch",
            &format!("*** Begin Patch\n*** Update File: a.txt\n@@\n-{from}\n+{to}\n*** End Patch"),
        ));
        env.server.push_turn(Turn::new().text(&format!("now {to}")));
    }
    env.exec()
        .args(["--full-auto", "--skip-git-repo-check", "first"])
        .assert()
        .success();
    env.exec()
        .args([
            "--full-auto",
            "--skip-git-repo-check",
            "resume",
            "--last",
            "second",
        ])
        .assert()
        .success();
    let read = || std::fs::read_to_string(env.home.workspace().join("a.txt")).unwrap();
    assert_eq!(read(), "a2\n");

    // Conversation only: the request no longer carries "second".
    env.server.push_turn(Turn::new().text("redone"));
    let output = env
        .exec()
        .args([
            "--full-auto",
            "--skip-git-repo-check",
            "resume",
            "--last",
            "--from-message",
            "2",
            "instead",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let texts = env.server.requests().last().unwrap().user_texts();
    assert!(texts.iter().any(|t| t == "first"), "{texts:?}");
    assert!(!texts.iter().any(|t| t == "second"), "{texts:?}");
    assert_eq!(texts.last().unwrap(), "instead");
    assert_eq!(read(), "a2\n");

    // With the code: before message 1, a.txt as it was.
    env.server.push_turn(Turn::new().text("from scratch"));
    let output = env
        .exec()
        .args([
            "--full-auto",
            "--skip-git-repo-check",
            "resume",
            "--last",
            "--from-message",
            "1",
            "--restore-code",
            "again",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("Rewound to before message 1"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(), "a0\n");
    let texts = env.server.requests().last().unwrap().user_texts();
    assert!(!texts.iter().any(|t| t == "first"), "{texts:?}");

    // Out of range: a clear error, nothing sent.
    let before = env.server.requests().len();
    let output = env
        .exec()
        .args([
            "--skip-git-repo-check",
            "resume",
            "--last",
            "--from-message",
            "9",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("--from-message 9"),
        "{}",
        stderr(&output)
    );
    assert_eq!(env.server.requests().len(), before);
}
