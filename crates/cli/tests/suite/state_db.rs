//! The state database through the program: index, resume, logs.

use codex_test_support::Turn;

use super::exec::{ExecEnv, stderr, stdout};

fn thread_ids(env: &ExecEnv) -> Vec<String> {
    env.home
        .rollout_files()
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name[name.len() - 42..name.len() - 6].to_string()
        })
        .collect()
}

fn debug(env: &ExecEnv, args: &[&str]) -> std::process::Output {
    super::cli_basics::codex()
        .env("CODEX_HOME", env.home.path())
        .current_dir(env.workspace())
        .arg("debug")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn sessions_are_indexed_and_resume_last_uses_the_index() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("one"));
    env.server.push_turn(Turn::new().text("two"));
    env.exec().arg("first session").assert().success();
    env.exec().arg("second session").assert().success();
    let output = debug(&env, &["sessions"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listing = stdout(&output);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(lines[0].ends_with("second session"), "{listing}");
    assert!(lines[1].ends_with("first session"), "{listing}");

    // resume --last picks the newest session of this directory.
    env.server.push_turn(Turn::new().text("three"));
    env.exec()
        .args(["resume", "--last", "again"])
        .assert()
        .success();
    let requests = env.server.requests();
    let texts = requests[2].user_texts();
    assert!(texts.contains(&"second session".to_string()), "{texts:?}");
    assert!(!texts.contains(&"first session".to_string()));
}

#[test]
fn existing_session_files_are_indexed_the_first_time() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("one"));
    env.exec().arg("made before the index").assert().success();
    // Lose the database: the session files are the source of truth.
    for name in ["state.sqlite", "state.sqlite-wal", "state.sqlite-shm"] {
        let _ = std::fs::remove_file(env.home.path().join(name));
    }
    let output = debug(&env, &["sessions", "--all"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listing = stdout(&output);
    assert!(listing.contains(&thread_ids(&env)[0]), "{listing}");
    assert!(listing.contains("made before the index"), "{listing}");
}

#[test]
fn logs_are_kept_per_session_and_filterable() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("one"));
    env.server.push_turn(Turn::new().text("two"));
    env.exec().arg("a").assert().success();
    env.exec().arg("b").assert().success();
    let ids = thread_ids(&env);
    assert_eq!(ids.len(), 2);

    let output = debug(&env, &["logs"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let all = stdout(&output);
    assert!(all.contains("session started"), "{all}");
    for id in &ids {
        assert!(all.contains(id.as_str()), "{all}");
    }
    let output = debug(&env, &["logs", "--thread", &ids[0]]);
    let one = stdout(&output);
    assert!(!one.is_empty());
    assert!(one.lines().all(|l| l.contains(ids[0].as_str())), "{one}");
    let output = debug(&env, &["logs", "--level", "info"]);
    assert!(!stdout(&output).contains(" DEBUG "));
    let output = debug(&env, &["logs", "--level", "loud"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--level loud"));
}

fn memories(env: &ExecEnv, args: &[&str]) -> std::process::Output {
    super::cli_basics::codex()
        .env("CODEX_HOME", env.home.path())
        .current_dir(env.workspace())
        .arg("memories")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn memories_status_shows_the_files_and_jobs_and_clear_forgets_them() {
    let env = ExecEnv::new();
    env.home
        .append_config("\n[memories]\ngenerate_memories = true\n");
    let root = env.home.path().join("memories");
    std::fs::create_dir_all(root.join("rollout_summaries")).unwrap();
    std::fs::write(root.join("MEMORY.md"), "# Memory\n- a fact\n").unwrap();
    std::fs::write(root.join("rollout_summaries").join("t1.md"), "s").unwrap();
    let mut conn =
        codex_state::open_connection(&env.home.path().join(codex_state::STATE_DB_FILENAME))
            .unwrap();
    codex_state::memories::exclude_thread(&mut conn, "t-excluded", "used MCP tools").unwrap();
    drop(conn);

    let output = memories(&env, &["status"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("generate: on   use: off"), "{text}");
    assert!(text.contains("MEMORY.md"), "{text}");
    assert!(text.contains("rollout_summaries/"), "{text}");
    assert!(text.contains("1 files"), "{text}");
    assert!(text.contains("consolidation: never run"), "{text}");
    assert!(text.contains("1 excluded"), "{text}");
    assert!(text.contains("t-excluded  excluded"), "{text}");

    // Not a terminal: asks for --yes and deletes nothing.
    let output = memories(&env, &["clear"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--yes"), "{}", stderr(&output));
    assert!(root.join("MEMORY.md").exists());

    let output = memories(&env, &["clear", "--yes"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
    let text = stdout(&memories(&env, &["status"]));
    assert!(text.contains("(no memory files yet)"), "{text}");
    assert!(text.contains("1 excluded"), "{text}");
}
