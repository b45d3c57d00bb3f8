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
