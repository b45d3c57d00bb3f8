//! Each approval policy in a headless run (no terminal: requests are denied).

use codex_test_support::Turn;
use serde_json::json;

use super::exec::{ExecEnv, stderr};

fn touch(call_id: &str) -> Turn {
    Turn::new().function_call(call_id, "shell", json!({"command": ["touch", "made.txt"]}))
}

fn output_of(env: &ExecEnv, request: usize, call_id: &str) -> String {
    env.server.requests()[request].tool_output(call_id).unwrap()
}

#[test]
fn never_returns_the_sandbox_denial_to_the_model() {
    let env = ExecEnv::new();
    env.server.push_turn(touch("t"));
    env.server.push_turn(Turn::new().text("could not"));
    // The exec default is `never` and the default sandbox is read-only.
    let output = env.exec().arg("make a file").output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("codex wants to run"));
    let result: serde_json::Value = serde_json::from_str(&output_of(&env, 1, "t")).unwrap();
    assert_eq!(result["metadata"]["exit_code"], 1);
    // The read-only mount answers first (EROFS); Landlock is the wall behind it.
    assert!(
        result["output"]
            .as_str()
            .unwrap()
            .contains("Read-only file system"),
        "{result}"
    );
    assert!(!env.workspace().join("made.txt").exists());
}

#[test]
fn untrusted_asks_before_unknown_commands() {
    let env = ExecEnv::new();
    env.server
        .push_turn(Turn::new().function_call("ls", "shell", json!({"command": ["ls"]})));
    env.server.push_turn(touch("t"));
    env.server.push_turn(Turn::new().text("ok"));
    let output = env
        .exec()
        .args(["-a", "untrusted", "-s", "workspace-write", "go"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("codex wants to run `touch made.txt`"), "{err}");
    assert!(err.contains("denied (no terminal to ask on)"), "{err}");
    assert!(!err.contains("codex wants to run `ls`"), "{err}");
    assert_eq!(output_of(&env, 2, "t"), "exec command rejected by user");
    assert!(!env.workspace().join("made.txt").exists());
}

#[test]
fn on_failure_asks_to_retry_without_the_sandbox() {
    let env = ExecEnv::new();
    env.server.push_turn(touch("t"));
    env.server.push_turn(Turn::new().text("ok"));
    let output = env
        .exec()
        .args(["-a", "on-failure", "-s", "read-only", "go"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("the command failed in the sandbox; run it again without the sandbox?"),
        "{err}"
    );
    // Denied: the model gets the sandboxed failure.
    let result: serde_json::Value = serde_json::from_str(&output_of(&env, 1, "t")).unwrap();
    assert_eq!(result["metadata"]["exit_code"], 1);
    assert!(!env.workspace().join("made.txt").exists());
}

#[test]
fn on_request_lets_the_model_ask_for_escalation() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().function_call(
        "esc",
        "shell",
        json!({"command": ["touch", "made.txt"], "with_escalated_permissions": true, "justification": "must create the file"}),
    ));
    env.server.push_turn(Turn::new().text("ok"));
    let output = env
        .exec()
        .args(["-a", "on-request", "-s", "read-only", "go"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("(must create the file)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(output_of(&env, 1, "esc"), "exec command rejected by user");
}

#[test]
fn yolo_runs_without_sandbox_or_questions() {
    let env = ExecEnv::new();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("outside.txt");
    env.server.push_turn(Turn::new().function_call(
        "t",
        "shell",
        json!({"command": ["touch", target.display().to_string()]}),
    ));
    env.server.push_turn(Turn::new().text("ok"));
    let output = env.exec().args(["--yolo", "go"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("sandbox: danger-full-access"));
    assert!(target.exists());
}
