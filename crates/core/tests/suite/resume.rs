//! Resume and fork rebuild the exact history.

use codex_core::ThreadRef;
use codex_core::rollout::read_rollout;
use codex_protocol::protocol::EventMsg;
use codex_test_support::{MockModelServer, Turn};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::common::{Start, home_for, start_in};

const TOP: &str = "model_auto_compact_token_limit = 100\nsandbox_mode = \"danger-full-access\"\napproval_policy = \"never\"";

/// Input of a request that would follow `previous` and its response.
fn expected_next_input(previous: &[Value], response: &[Value], user: &str) -> Vec<Value> {
    let mut input = previous.to_vec();
    input.extend(response.iter().cloned());
    input.push(json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": user}]}));
    input
}

#[tokio::test]
async fn resume_sends_exactly_the_history_the_session_had() {
    let server = MockModelServer::start();
    // Session 1: a tool turn that triggers compaction, then a plain turn.
    server.push_turn(
        Turn::new()
            .reasoning("thinking", None)
            .function_call("c1", "shell", json!({"command": ["echo", "x"]}))
            .usage(200, 5),
    );
    server.push_turn(Turn::new().text("summary of it").usage(10, 5));
    server.push_turn(Turn::new().text("answer one").usage(20, 5));
    server.push_turn(Turn::new().text("answer two").usage(20, 5));
    let home = home_for(&server, "responses", TOP);
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("one").await;
    session.run_to_end().await;
    session.submit_text("two").await;
    session.run_to_end().await;
    session.shutdown().await;
    let rollout_path = session.configured.rollout_path.clone().unwrap();
    let thread_id = session.configured.session_id;
    let home = session.home;

    // Session 2: resume.
    server.push_turn(Turn::new().text("answer three"));
    let file = read_rollout(&rollout_path).unwrap();
    assert_eq!(file.skipped_lines, 0);
    let resumed = start_in(
        home,
        |_| {},
        Start::Resume(ThreadRef::Path(rollout_path.clone())),
    )
    .await;
    assert_eq!(resumed.configured.session_id, thread_id);
    assert_eq!(
        resumed.configured.rollout_path.as_ref(),
        Some(&rollout_path)
    );
    resumed.submit_text("three").await;
    resumed.run_to_end().await;

    let requests = server.requests();
    let last_of_first = &requests[3];
    let resumed_request = &requests[4];
    assert_eq!(
        resumed_request.input(),
        expected_next_input(
            &last_of_first.input(),
            &[
                json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "answer two"}]})
            ],
            "three"
        )
    );
    assert_eq!(
        resumed_request.body_json()["instructions"],
        last_of_first.body_json()["instructions"]
    );
    assert_eq!(
        resumed_request.body_json()["prompt_cache_key"],
        last_of_first.body_json()["prompt_cache_key"]
    );
    // The same file grew.
    let text = std::fs::read_to_string(&rollout_path).unwrap();
    assert!(text.contains("answer three"));
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("\"session_meta\""))
            .count(),
        1
    );
}

#[tokio::test]
async fn fork_copies_the_history_under_a_new_id() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("original answer"));
    let home = home_for(&server, "responses", "");
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("original").await;
    session.run_to_end().await;
    session.shutdown().await;
    let source_path = session.configured.rollout_path.clone().unwrap();
    let source_id = session.configured.session_id;

    server.push_turn(Turn::new().text("forked answer"));
    let forked = start_in(
        session.home,
        |_| {},
        Start::Fork(ThreadRef::Id(source_id.to_string()), None),
    )
    .await;
    assert_ne!(forked.configured.session_id, source_id);
    let fork_path = forked.configured.rollout_path.clone().unwrap();
    assert_ne!(fork_path, source_path);
    forked.submit_text("continue").await;
    let events = forked.run_to_end().await;
    assert!(matches!(events.last(), Some(EventMsg::TaskComplete(_))));
    let requests = server.requests();
    assert_eq!(
        requests[1].input(),
        expected_next_input(
            &requests[0].input(),
            &[
                json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "original answer"}]})
            ],
            "continue"
        )
    );
    forked.shutdown().await;
    let fork = read_rollout(&fork_path).unwrap();
    assert_eq!(fork.meta.unwrap().meta.forked_from_id, Some(source_id));
    let source_text = std::fs::read_to_string(&source_path).unwrap();
    assert!(
        !source_text.contains("forked answer"),
        "the source is untouched"
    );
}

/// The reference's session file, placed under `home` as the reference names it.
fn install_reference_rollout(home: &std::path::Path) -> std::path::PathBuf {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reference-0.169/rollout-exec-then-patch.jsonl");
    let dir = home.join("sessions/2026/12/01");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rollout-2026-12-01T20-02-02-01a23333-2fe9-75d1-9f20-a7ccb3433e23.jsonl");
    std::fs::copy(source, &path).unwrap();
    path
}

#[tokio::test]
async fn a_reference_session_resumes_and_its_ordinals_continue() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("continued"));
    let home = home_for(&server, "responses", TOP);
    let path = install_reference_rollout(home.path());
    let before = std::fs::read_to_string(&path).unwrap();

    // By id prefix: the file was never indexed, so this finds it on disk.
    let resumed = start_in(
        home,
        |_| {},
        Start::Resume(ThreadRef::Id("01a23333-2fe9".into())),
    )
    .await;
    assert_eq!(
        resumed.configured.session_id.to_string(),
        "01a23333-2fe9-75d1-9f20-a7ccb3433e23"
    );
    resumed.submit_text("and now?").await;
    resumed.run_to_end().await;
    resumed.shutdown().await;

    // The reference's conversation went to the model, in order.
    let input = server.requests()[0].input();
    let texts: Vec<String> = input.iter().map(|i| i.to_string()).collect();
    let position = |needle: &str| {
        texts
            .iter()
            .position(|t| t.contains(needle))
            .unwrap_or_else(|| panic!("{needle} not in the request"))
    };
    assert!(position("do the task") < position("exec_command"));
    assert!(position("exec_command") < position("*** Begin Patch"));
    assert!(position("Done: notes.txt now says alpha, gamma.") < position("and now?"));

    // Nothing of the reference's was changed; every line parses; the
    // ordinals run on without a gap.
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.starts_with(&before));
    let mut expected = 0;
    for line in after.lines() {
        let value: Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["ordinal"], json!(expected), "{line}");
        expected += 1;
    }
    assert!(expected > 24, "lines were appended");
    for line in after[before.len()..].lines() {
        let parsed: codex_protocol::rollout::RolloutLine = serde_json::from_str(line).unwrap();
        assert!(parsed.ordinal.is_some());
    }
}

#[tokio::test]
async fn a_torn_file_with_invalid_utf8_still_resumes() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("first answer"));
    let home = home_for(&server, "responses", TOP);
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("caf\u{e9} first").await;
    session.run_to_end().await;
    session.shutdown().await;
    let path = session.configured.rollout_path.clone().unwrap();

    // Damage it as a crash and a bad editor would: a byte that is not UTF-8
    // in a line, and half a line at the end.
    let text = std::fs::read(&path).unwrap();
    let mut damaged = Vec::new();
    for line in text.split_inclusive(|&b| b == b'\n') {
        if line.windows(7).any(|w| w == b"answer\"") {
            let mut line = line.to_vec();
            let at = line.windows(6).position(|w| w == b"answer").unwrap();
            line[at] = 0xff;
            damaged.extend(line);
        } else {
            damaged.extend_from_slice(line);
        }
    }
    damaged.extend_from_slice(br#"{"timestamp":"2026-01-01T00:00:00.000Z","type":"response_it"#);
    std::fs::write(&path, &damaged).unwrap();

    server.push_turn(Turn::new().text("second answer"));
    let resumed = start_in(
        session.home,
        |_| {},
        Start::Resume(ThreadRef::Path(path.clone())),
    )
    .await;
    let events = resumed
        .events_until(|e| matches!(e, EventMsg::Warning(_)))
        .await;
    let EventMsg::Warning(warning) = events.last().unwrap() else {
        panic!()
    };
    assert!(
        warning.message.contains(&path.display().to_string())
            && warning.message.contains("not valid UTF-8"),
        "{warning:?}"
    );
    resumed.submit_text("second").await;
    resumed.run_to_end().await;
    resumed.shutdown().await;
    let request = &server.requests()[1];
    assert!(
        request
            .user_texts()
            .contains(&"caf\u{e9} first".to_string())
    );
    assert!(
        request
            .input()
            .iter()
            .any(|i| i.to_string().contains("\u{fffd}nswer"))
    );

    // The torn tail was cut before appending: every line parses.
    let file = read_rollout(&path).unwrap();
    assert_eq!(file.skipped_lines, 0);
}

#[tokio::test]
async fn threads_are_listed_archived_and_forked_at_a_message() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("answer one"));
    server.push_turn(Turn::new().text("answer two"));
    let home = home_for(&server, "responses", TOP);
    let session = start_in(home, |_| {}, Start::New).await;
    for text in ["one", "two"] {
        session.submit_text(text).await;
        session.run_to_end().await;
    }
    session.shutdown().await;
    let id = session.configured.session_id.to_string();
    let manager = &session.manager;
    let query = codex_core::ThreadListQuery {
        cwd: Some(session.config.cwd.clone()),
        archived: false,
        limit: 10,
    };
    let listed = manager.list_threads(&query);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].title, "one");

    let archived_path = manager.archive_thread(&id).unwrap();
    assert!(archived_path.starts_with(session.home.path().join("archived_sessions")));
    assert!(manager.list_threads(&query).is_empty());
    let archived = manager.list_threads(&codex_core::ThreadListQuery {
        archived: true,
        ..query.clone()
    });
    assert_eq!(archived.len(), 1);
    assert_eq!(archived[0].rollout_path, archived_path);
    let restored = manager.unarchive_thread(&id).unwrap();
    assert!(restored.starts_with(session.home.path().join("sessions")));
    assert_eq!(manager.list_threads(&query)[0].rollout_path, restored);

    // Fork before the second message: the new thread has only the first
    // exchange, and the source keeps both.
    server.push_turn(Turn::new().text("a different second answer"));
    let forked = start_in(
        session.home,
        |_| {},
        Start::Fork(ThreadRef::Id(id.clone()), Some(1)),
    )
    .await;
    forked.submit_text("two, edited").await;
    forked.run_to_end().await;
    let texts = server.requests()[2].user_texts();
    assert!(texts.contains(&"one".to_string()));
    assert!(!texts.contains(&"two".to_string()));
    assert_eq!(texts.last().unwrap(), "two, edited");
}

/// Every frontend resumes through the manager: a thread started careful
/// comes back careful under a permissive `config.toml`, a thread that never
/// ran a turn too, and a flag of the resuming run still wins.
#[tokio::test]
async fn a_resumed_thread_keeps_its_settings_whatever_the_config_says_now() {
    use codex_protocol::config_types::SandboxMode;
    use codex_protocol::protocol::{AskForApproval, SandboxPolicy};
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("careful answer"));
    let home = home_for(&server, "responses", "");
    let careful = start_in(
        home,
        |o| {
            o.approval_policy = Some(AskForApproval::UnlessTrusted);
            o.sandbox_mode = Some(SandboxMode::ReadOnly);
        },
        Start::New,
    )
    .await;
    careful.submit_text("hello").await;
    careful.run_to_end().await;
    careful.shutdown().await;
    let id = careful.configured.session_id.to_string();
    let home = careful.home;
    let config = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    home.write_config(&format!(
        "approval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"\n{config}"
    ));

    let resumed = start_in(home, |_| {}, Start::Resume(ThreadRef::Id(id.clone()))).await;
    assert_eq!(
        resumed.configured.approval_policy,
        AskForApproval::UnlessTrusted
    );
    assert_eq!(resumed.configured.sandbox_policy, SandboxPolicy::ReadOnly);
    resumed.shutdown().await;

    let chosen = start_in(
        resumed.home,
        |o| o.sandbox_mode = Some(SandboxMode::WorkspaceWrite),
        Start::Resume(ThreadRef::Id(id)),
    )
    .await;
    assert_eq!(
        chosen.configured.approval_policy,
        AskForApproval::UnlessTrusted
    );
    assert!(matches!(
        chosen.configured.sandbox_policy,
        SandboxPolicy::WorkspaceWrite { .. }
    ));
    chosen.shutdown().await;

    // A thread that never ran a turn has its starting settings on record.
    let idle = start_in(
        chosen.home,
        |o| o.approval_policy = Some(AskForApproval::OnRequest),
        Start::New,
    )
    .await;
    idle.shutdown().await;
    let idle_id = idle.configured.session_id.to_string();
    let back = start_in(idle.home, |_| {}, Start::Resume(ThreadRef::Id(idle_id))).await;
    assert_eq!(back.configured.approval_policy, AskForApproval::OnRequest);
    back.shutdown().await;
}
