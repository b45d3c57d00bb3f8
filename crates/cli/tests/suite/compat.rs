//! Drop-in details: what a user or a program written against the
//! reference Codex CLI relies on, checked through the real binary.

use std::time::Duration;

use codex_test_support::{MockModelServer, Reply, TestCodexHome, Turn, peers};
use serde_json::Value;

use super::cli_basics::codex;
use super::exec::{ExecEnv, stderr, stdout};

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn session_id(out: &str) -> String {
    json_lines(out)
        .into_iter()
        .find(|e| e["type"] == "thread.started")
        .and_then(|e| e["thread_id"].as_str().map(str::to_string))
        .expect("no thread.started event")
}

#[test]
fn exec_flags_work_after_resume() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("first"));
    // Shared flags may also come before the subcommand, as in
    // `codex -c model="…" exec …`.
    let first = codex()
        .env("CODEX_HOME", env.home.path())
        .current_dir(env.workspace())
        .args(["-c", "model=\"gpt-5.4\"", "exec", "--json", "start"])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let id = session_id(&stdout(&first));
    assert_eq!(env.server.requests()[0].body_json()["model"], "gpt-5.4");

    env.server.push_turn(Turn::new().text("second"));
    // The reference accepts exec's flags on either side of `resume`.
    let out = env
        .exec()
        .args(["resume", &id, "again", "--json", "-m", "gpt-5.5"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(session_id(&stdout(&out)), id);
    let requests = env.server.requests();
    let body = requests.last().unwrap().body_json();
    assert_eq!(body["model"], "gpt-5.5");
    assert!(
        requests
            .last()
            .unwrap()
            .user_texts()
            .iter()
            .any(|t| t == "start")
    );
}

#[test]
fn a_disabled_feature_changes_the_tools_and_says_why() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("ok"));
    let out = env
        .exec()
        .args(["-m", "gpt-5.5", "--disable", "unified_exec", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let body = env.server.requests()[0].body_json();
    let names: Vec<&str> = body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"shell_command"), "{names:?}");
    assert!(!names.contains(&"exec_command"), "{names:?}");

    let list = codex()
        .env("CODEX_HOME", env.home.path())
        .args(["features", "list", "--disable", "unified_exec"])
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", stderr(&list));
    let text = stdout(&list);
    let row = text
        .lines()
        .find(|l| l.starts_with("unified_exec"))
        .unwrap_or_else(|| panic!("no unified_exec row:\n{text}"));
    assert!(row.contains("flag --disable unified_exec"), "{row}");
    assert!(text.contains("shell_tool"), "{text}");

    let unknown = env
        .exec()
        .args(["--enable", "no_such_feature", "hi"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no_such_feature"),
        "{}",
        stderr(&unknown)
    );
    assert_eq!(env.server.requests().len(), 1, "a bad flag must not sample");
}

#[test]
fn sessions_can_be_listed_archived_restored_and_deleted() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("done"));
    let run = env.exec().args(["--json", "list me"]).output().unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    let id = session_id(&stdout(&run));
    let cli = || {
        let mut cmd = codex();
        cmd.env("CODEX_HOME", env.home.path())
            .current_dir(env.workspace());
        cmd
    };

    let list = cli().args(["sessions", "list", "--json"]).output().unwrap();
    assert!(list.status.success(), "{}", stderr(&list));
    let rows = json_lines(&stdout(&list));
    assert_eq!(rows.len(), 1, "{}", stdout(&list));
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["title"], "list me");
    assert_eq!(rows[0]["archived"], false);

    let archived = cli().args(["archive", &id]).output().unwrap();
    assert!(archived.status.success(), "{}", stderr(&archived));
    assert!(
        env.home
            .path()
            .join("archived_sessions")
            .read_dir()
            .unwrap()
            .next()
            .is_some()
    );
    let active = cli().args(["sessions", "list", "--json"]).output().unwrap();
    assert_eq!(json_lines(&stdout(&active)).len(), 0);
    let shelf = cli()
        .args(["sessions", "list", "--json", "--archived"])
        .output()
        .unwrap();
    assert_eq!(json_lines(&stdout(&shelf))[0]["id"], id.as_str());

    let restored = cli().args(["unarchive", &id]).output().unwrap();
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert_eq!(env.home.rollout_files().len(), 1);

    // Without a terminal to ask on, delete refuses rather than guess.
    let refused = cli().args(["delete", &id]).output().unwrap();
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--yes"), "{}", stderr(&refused));
    assert_eq!(env.home.rollout_files().len(), 1);

    let deleted = cli().args(["delete", &id, "--yes"]).output().unwrap();
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    assert!(env.home.rollout_files().is_empty());
    let empty = cli()
        .args(["sessions", "list", "--json", "--all"])
        .output()
        .unwrap();
    assert_eq!(json_lines(&stdout(&empty)).len(), 0);
    let again = cli().args(["archive", &id]).output().unwrap();
    assert!(!again.status.success());
    assert!(stderr(&again).contains(&id), "{}", stderr(&again));
}

#[test]
fn doctor_reports_each_check_and_fails_on_an_unreachable_provider() {
    let env = ExecEnv::new();
    let good = codex()
        .env("CODEX_HOME", env.home.path())
        .current_dir(env.workspace())
        .arg("doctor")
        .output()
        .unwrap();
    let text = stdout(&good);
    assert!(good.status.success(), "{text}\n{}", stderr(&good));
    for check in ["config", "provider", "git"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("ok") && l.contains(check)),
            "no ok {check} line:\n{text}"
        );
    }

    let home = TestCodexHome::with_mock_provider("http://127.0.0.1:9/v1", "responses");
    let bad = codex()
        .env("CODEX_HOME", home.path())
        .current_dir(home.workspace())
        .arg("doctor")
        .output()
        .unwrap();
    let text = stdout(&bad);
    assert_eq!(bad.status.code(), Some(1), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("FAIL") && l.contains("provider"))
        .unwrap_or_else(|| panic!("no FAIL provider line:\n{text}"));
    assert!(line.contains("127.0.0.1:9"), "{line}");
    assert!(text.contains("fix:"), "{text}");
}

#[test]
fn a_profile_in_its_own_file_is_used_and_shown() {
    let env = ExecEnv::new();
    std::fs::write(
        env.home.path().join("fast.config.toml"),
        "model = \"gpt-5.4-mini\"\nmodel_reasoning_effort = \"low\"\n",
    )
    .unwrap();
    env.server.push_turn(Turn::new().text("ok"));
    let out = env.exec().args(["-p", "fast", "hi"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let body = env.server.requests()[0].body_json();
    assert_eq!(body["model"], "gpt-5.4-mini");
    assert_eq!(body["reasoning"]["effort"], "low");

    let shown = codex()
        .env("CODEX_HOME", env.home.path())
        .args(["-p", "fast", "debug", "config"])
        .output()
        .unwrap();
    let text = stdout(&shown);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert!(text.contains("# profile: fast"), "{text}");
    assert!(text.contains("fast.config.toml"), "{text}");

    let missing = env.exec().args(["-p", "nope", "hi"]).output().unwrap();
    assert!(!missing.status.success());
    let err = stderr(&missing);
    assert!(err.contains("nope"), "{err}");
    assert!(
        err.contains("fast"),
        "the error lists the known profiles: {err}"
    );
}

#[test]
fn keys_the_reference_writes_pass_strict_config() {
    let env = ExecEnv::new();
    env.home.write_config(&format!(
        "notice = {{ hide_full_access_warning = true }}\npersonality = \"pragmatic\"\n\
         {}\n[tui]\nstatus_line = [\"model\"]\ntheme = \"dark\"\n",
        TestCodexHome::mock_provider_config(&env.server.base_url(), "responses")
    ));
    env.server.push_turn(Turn::new().text("ok"));
    let out = env.exec().args(["--strict-config", "hi"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("unknown key"), "{}", stderr(&out));
}

#[test]
fn an_empty_model_names_its_key_and_sends_nothing() {
    let env = ExecEnv::new();
    let out = env
        .exec()
        .args(["-c", "model=\"\"", "hi"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("model"), "{err}");
    assert!(err.contains("must not be empty"), "{err}");
    assert!(env.server.requests().is_empty());
}

#[test]
fn requests_carry_the_reference_headers_and_metadata() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("ok"));
    let out = env
        .exec()
        .args(["--json", "-m", "gpt-5.5", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let id = session_id(&stdout(&out));
    let request = &env.server.requests()[0];
    assert_eq!(request.header("session-id"), Some(id.as_str()));
    assert_eq!(request.header("thread-id"), Some(id.as_str()));
    assert_eq!(request.header("originator"), Some("codex_exec"));
    let ua = request.header("user-agent").unwrap_or_default();
    // `name/version (os version; arch) terminal (name; version)`.
    let version = env!("CARGO_PKG_VERSION");
    assert!(ua.starts_with(&format!("codex_exec/{version} (")), "{ua}");
    assert!(ua.ends_with(&format!(" (codex_exec; {version})")), "{ua}");
    assert!(
        ua.contains("; x86_64)") || ua.contains("; aarch64)"),
        "{ua}"
    );
    assert!(request.header("x-client-request-id").is_some());
    let metadata: Value =
        serde_json::from_str(request.header("x-codex-turn-metadata").unwrap_or("null")).unwrap();
    assert!(metadata["turn_id"].is_string(), "{metadata}");
    let body = request.body_json();
    assert_eq!(body["client_metadata"]["turn_id"], metadata["turn_id"]);
    assert_eq!(body["prompt_cache_key"], id.as_str());
    // What the reference sends for gpt-5.5 (its catalog entry takes both).
    assert_eq!(
        body["reasoning"],
        serde_json::json!({"effort": "medium", "summary": "auto"})
    );
    assert_eq!(body["text"]["verbosity"], "low");
    assert_eq!(
        body["include"],
        serde_json::json!(["reasoning.encrypted_content"])
    );
    assert_eq!(body["store"], false);
    assert_eq!(body["parallel_tool_calls"], true);
}

#[test]
fn retries_are_reported_in_the_reference_words() {
    let env = ExecEnv::new();
    env.server.push(
        Reply::status(
            429,
            r#"{"error":{"message":"slow down","type":"requests","code":"rate_limited"}}"#,
        )
        .header("retry-after", "0"),
    );
    env.server
        .push(Reply::turn(Turn::new().text("partial")).disconnect_after(2));
    env.server.push_turn(Turn::new().text("finally"));
    let out = env.exec().args(["--json", "hi"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let events = json_lines(&stdout(&out));
    let errors: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "error")
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("Reconnecting... 1/2 (rate limited: slow down"),
        "{errors:?}"
    );
    assert_eq!(
        errors[1],
        "Reconnecting... 1/2 (stream disconnected before completion: stream closed before response.completed)"
    );
    let last = events.last().unwrap();
    assert_eq!(last["type"], "turn.completed", "{last}");
}

#[test]
fn a_long_prompt_is_echoed_cut_and_an_oversized_one_is_refused() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("ok"));
    let long: String = (0..200).map(|i| format!("line {i}\n")).collect();
    let out = env.exec().arg(&long).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("line 19"), "{err}");
    assert!(!err.contains("line 150"), "{err}");
    assert!(err.contains("more lines"), "{err}");
    // The model still got all of it.
    assert!(
        env.server.requests()[0]
            .user_texts()
            .iter()
            .any(|t| t.contains("line 199"))
    );

    let huge = "x".repeat((1 << 20) + 1);
    let refused = env.exec().arg("-").write_stdin(huge).output().unwrap();
    assert!(!refused.status.success());
    let err = stderr(&refused);
    assert!(err.contains("the limit is 1048576"), "{err}");
    assert_eq!(env.server.requests().len(), 1, "nothing was sent");
}

#[test]
fn an_unreachable_host_fails_at_once_with_one_message() {
    let home = TestCodexHome::with_mock_provider("http://127.0.0.1:9/v1", "responses");
    let out = codex()
        .env("CODEX_HOME", home.path())
        .env_remove("OPENAI_API_KEY")
        .env_remove("CODEX_API_KEY")
        .current_dir(home.workspace())
        .args(["exec", "--skip-git-repo-check", "hi"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("codex doctor"), "{err}");
    assert!(
        !err.contains("Reconnecting"),
        "a refused connection is not retried: {err}"
    );
}

#[test]
fn a_config_that_is_a_directory_is_one_clear_error() {
    let home = TestCodexHome::new();
    std::fs::create_dir(home.path().join("config.toml")).unwrap();
    let out = codex()
        .env("CODEX_HOME", home.path())
        .current_dir(home.workspace())
        .args(["exec", "--skip-git-repo-check", "hi"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("config.toml"), "{err}");
    let cause = "Is a directory";
    assert_eq!(err.matches(cause).count(), 1, "the cause once: {err}");
}

/// The official TypeScript SDK drives our binary as it drives the
/// reference: run, a streamed run, and a resume by id.
#[test]
fn the_typescript_sdk_drives_codex_exec() {
    let sdk = peers::codex_sdk();
    if !sdk.join("dist/index.js").exists() {
        panic!(
            "the @openai/codex-sdk test peer is missing at {}; run scripts/install-test-peers.sh",
            sdk.display()
        );
    }
    let server = MockModelServer::start();
    for text in ["one", "two", "three"] {
        server.push_turn(Turn::new().text(text).usage(10, 2));
    }
    let home = TestCodexHome::new();
    let workdir = home.workspace();
    let out = std::process::Command::new(peers::node22())
        .arg(peers::sdk_driver())
        .arg(&sdk)
        .arg(env!("CARGO_BIN_EXE_codex"))
        .arg(server.base_url())
        .arg(workdir)
        .env("CODEX_HOME", home.path())
        .env_remove("OPENAI_API_KEY")
        .env_remove("CODEX_API_KEY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let steps = json_lines(&stdout(&out));
    assert_eq!(steps.len(), 3, "{}", stdout(&out));
    assert_eq!(steps[0]["finalResponse"], "one");
    assert_eq!(steps[0]["usage"]["input_tokens"], 10);
    let types: Vec<&str> = steps[1]["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(types.first(), Some(&"thread.started"), "{types:?}");
    assert_eq!(types.last(), Some(&"turn.completed"), "{types:?}");
    assert_eq!(steps[2]["threadId"], steps[0]["threadId"]);
    assert_eq!(steps[2]["finalResponse"], "three");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer sk-sdk-test")
    );
    assert_eq!(requests[0].header("originator"), Some("codex_sdk_ts"));
    let third = requests[2].user_texts();
    assert!(third.iter().any(|t| t == "first task"), "{third:?}");
}
