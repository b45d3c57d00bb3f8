//! `codex exec` as a program against the mock server.

use std::path::Path;

use assert_cmd::Command;
use codex_test_support::{MockModelServer, Reply, Turn};
use serde_json::json;

use super::cli_basics::codex;

/// A mock server, a CODEX_HOME pointing at it, and a workspace that is a
/// Git repository.
pub struct ExecEnv {
    pub server: MockModelServer,
    pub home: codex_test_support::TestCodexHome,
}

impl ExecEnv {
    pub fn new() -> Self {
        Self::with_wire("responses")
    }

    pub fn with_wire(wire: &str) -> Self {
        let server = MockModelServer::start();
        let home = codex_test_support::TestCodexHome::with_mock_provider(&server.base_url(), wire);
        std::fs::create_dir(home.workspace().join(".git")).unwrap();
        std::fs::write(home.workspace().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        Self { server, home }
    }

    pub fn workspace(&self) -> &Path {
        self.home.workspace()
    }

    /// `codex exec` in the workspace, with no key variables leaking in,
    /// and the codex home as HOME: the machine's profile (which the shell
    /// snapshot would run, `pyenv rehash` and all) plays no part. A test
    /// sets HOME itself to give it files.
    pub fn exec(&self) -> Command {
        let mut cmd = codex();
        cmd.env("CODEX_HOME", self.home.path())
            .env("HOME", self.home.path())
            .env_remove("OPENAI_API_KEY")
            .env_remove("CODEX_API_KEY")
            .env("NO_COLOR", "1")
            .current_dir(self.workspace())
            .arg("exec");
        cmd
    }
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_multi_step_task_runs_commands_and_applies_patches() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "echo hello > greeting.txt && cat greeting.txt"]}),
    ));
    env.server.push_turn(Turn::new().custom_tool_call(
        "c2",
        "apply_patch",
        "*** Begin Patch\n*** Update File: greeting.txt\n@@\n-hello\n+hello, world\n*** Add File: src/lib.rs\n+pub fn hi() {}\n*** End Patch\n",
    ));
    env.server.push_turn(
        Turn::new()
            .text("Created greeting.txt and src/lib.rs.")
            .usage(100, 20),
    );
    let output = env
        .exec()
        .args(["--full-auto", "create the files"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "Created greeting.txt and src/lib.rs.\n");
    let err = stderr(&output);
    assert!(err.contains("sandbox: workspace-write"), "{err}");
    assert!(err.contains("succeeded in"), "{err}");
    assert!(err.contains("apply_patch auto_approved=true:"), "{err}");
    assert!(err.contains("M greeting.txt"), "{err}");
    assert!(err.contains("tokens used: 120"), "{err}");

    let ws = env.workspace();
    assert_eq!(
        std::fs::read_to_string(ws.join("greeting.txt")).unwrap(),
        "hello, world\n"
    );
    assert_eq!(
        std::fs::read_to_string(ws.join("src/lib.rs")).unwrap(),
        "pub fn hi() {}\n"
    );
    let requests = env.server.requests();
    assert_eq!(requests.len(), 3);
    let output: serde_json::Value =
        serde_json::from_str(&requests[1].tool_output("c1").unwrap()).unwrap();
    assert_eq!(output["output"], "hello\n");
    let patched = requests[2].tool_output("c2").unwrap();
    assert!(
        patched.starts_with("Exit code: 0\nWall time: "),
        "{patched}"
    );
    assert!(
        patched.ends_with(
            " seconds\nOutput:\nSuccess. Updated the following files:\nA src/lib.rs\nM greeting.txt\n"
        ),
        "{patched}"
    );
    assert_eq!(requests[0].header("originator"), Some("codex_exec"));
}

#[test]
fn a_dropped_stream_is_retried() {
    let env = ExecEnv::new();
    env.server
        .push(Reply::turn(Turn::new().text("lost")).disconnect_after(2));
    env.server.push_turn(Turn::new().text("second try"));
    let output = env.exec().arg("hi").output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("stream error: Reconnecting... 1/2"),
        "{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "second try\n");
}

#[test]
fn a_failed_turn_exits_with_one() {
    let env = ExecEnv::new();
    env.server.push(Reply::status(
        400,
        r#"{"error":{"message":"model not found"}}"#,
    ));
    let output = env.exec().arg("hi").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("ERROR: the request was rejected (400): model not found"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn auto_compaction_through_exec() {
    let env = ExecEnv::new();
    env.server.push_turn(
        Turn::new()
            .function_call(
                "c1",
                "shell",
                json!({"command": ["echo", "lots of output"]}),
            )
            .usage(500, 10),
    );
    env.server
        .push_turn(Turn::new().text("summary: echo ran").usage(20, 5));
    env.server
        .push_turn(Turn::new().text("finished").usage(30, 5));
    let output = env
        .exec()
        .args([
            "--full-auto",
            "-c",
            "model_auto_compact_token_limit=200",
            "work",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "finished\n");
    assert!(stderr(&output).contains("context compacted"));
    let requests = env.server.requests();
    assert!(
        requests[1]
            .user_texts()
            .last()
            .unwrap()
            .starts_with("Pause the task.")
    );
    let after = requests[2].user_texts();
    assert!(
        after.last().unwrap().contains("summary: echo ran"),
        "{after:?}"
    );
}

#[test]
fn prompt_from_stdin_and_stdin_block() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("one"));
    env.server.push_turn(Turn::new().text("two"));
    env.exec()
        .arg("-")
        .write_stdin("task from stdin\n")
        .assert()
        .success();
    env.exec()
        .arg("summarize")
        .write_stdin("line a\nline b\n")
        .assert()
        .success();
    let requests = env.server.requests();
    assert_eq!(
        requests[0].user_texts().last().unwrap(),
        "task from stdin\n"
    );
    assert_eq!(
        requests[1].user_texts().last().unwrap(),
        "summarize\n\n<stdin>\nline a\nline b\n</stdin>"
    );
}

#[test]
fn outside_a_git_repository_it_refuses_unless_told() {
    let env = ExecEnv::new();
    std::fs::remove_dir_all(env.workspace().join(".git")).unwrap();
    let output = env.exec().arg("hi").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("--skip-git-repo-check"),
        "{}",
        stderr(&output)
    );
    assert!(env.server.requests().is_empty());
    env.server.push_turn(Turn::new().text("ok"));
    env.exec()
        .args(["--skip-git-repo-check", "hi"])
        .assert()
        .success();
}

#[test]
fn output_file_schema_and_ephemeral() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("{\"answer\": 42}"));
    let schema = env.workspace().join("schema.json");
    std::fs::write(
        &schema,
        r#"{"type":"object","properties":{"answer":{"type":"number"}}}"#,
    )
    .unwrap();
    let out_file = env.workspace().join("last.txt");
    env.exec()
        .args(["--ephemeral", "--output-schema"])
        .arg(&schema)
        .arg("-o")
        .arg(&out_file)
        .arg("answer")
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&out_file).unwrap(),
        "{\"answer\": 42}\n"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let body = env.server.requests()[0].body_json();
    assert_eq!(
        body["text"]["format"]["schema"]["properties"]["answer"]["type"],
        "number"
    );
    assert!(
        env.home.rollout_files().is_empty(),
        "--ephemeral writes no session file"
    );

    let output = env
        .exec()
        .args(["--output-schema", "missing.json", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("cannot read --output-schema missing.json"));
}

#[test]
fn the_openai_provider_takes_codex_api_key_and_openai_base_url() {
    let env = ExecEnv::new();
    env.home.write_config("model = \"gpt-5.1-codex\"\n");
    env.server.push_turn(Turn::new().text("authorized"));
    let base = format!("openai_base_url=\"{}\"", env.server.base_url());
    let output = env
        .exec()
        .env("CODEX_API_KEY", "sk-from-codex-api-key")
        .args(["-c", &base, "hi"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        env.server.requests()[0].header("authorization"),
        Some("Bearer sk-from-codex-api-key")
    );

    let output = env.exec().args(["-c", &base, "hi"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("OPENAI_API_KEY") && err.contains("codex login"),
        "{err}"
    );
}

#[test]
fn codex_review_uncommitted_json_end_to_end() {
    let env = ExecEnv::new();
    let findings = r#"{"findings": [{"title": "Missing null check", "body": "`x` may be None.", "confidence_score": 0.7, "priority": 0, "code_location": {"absolute_file_path": "/w/a.rs", "line_range": {"start": 3, "end": 3}}}], "overall_correctness": "patch is incorrect", "overall_explanation": "One issue.", "overall_confidence_score": 0.7}"#;
    env.server.push_turn(Turn::new().text(findings));
    let mut cmd = codex();
    let out = cmd
        .env("CODEX_HOME", env.home.path())
        .env_remove("OPENAI_API_KEY")
        .env_remove("CODEX_API_KEY")
        .current_dir(env.workspace())
        .args(["review", "--uncommitted", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let output: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(output["findings"][0]["title"], "Missing null check");
    assert_eq!(output["overall_correctness"], "patch is incorrect");
    let prompt = env.server.requests()[0].user_texts().join("\n");
    assert!(prompt.contains("uncommitted changes"), "{prompt}");

    // Human output: findings by priority with file:line.
    env.server.push_turn(Turn::new().text(findings));
    let out = codex()
        .env("CODEX_HOME", env.home.path())
        .current_dir(env.workspace())
        .args(["exec", "review"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("[P0] Missing null check — /w/a.rs:3-3"),
        "{}",
        stdout(&out)
    );
}
