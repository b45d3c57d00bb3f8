//! Memories, phase 1, end to end against the mock model: idle past
//! sessions are extracted at session start into the state database and
//! `$CODEX_HOME/memories/`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use codex_test_support::{MockModelServer, Turn};
use serde_json::json;

use super::common::{Start, home_for, start_in};

fn old_rollout(dir: &Path, id: &str, prompt: &str) -> PathBuf {
    let path = dir.join(format!("rollout-{id}.jsonl"));
    let line = |ordinal: u32, payload: serde_json::Value| {
        json!({"timestamp": "2026-11-20T10:00:00.000Z", "ordinal": ordinal, "type": "response_item", "payload": payload})
            .to_string()
    };
    let text = [
        line(0, json!({"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "DEVELOPER-RULES"}]})),
        line(1, json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]})),
        line(2, json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "done"}]})),
    ]
    .join("\n");
    std::fs::write(&path, text + "\n").unwrap();
    path
}

fn thread_row(id: &str, rollout: &Path, updated_at: i64) -> codex_state::ThreadRow {
    codex_state::ThreadRow {
        id: id.into(),
        rollout_path: rollout.to_path_buf(),
        created_at: updated_at - 100,
        updated_at,
        source: "exec".into(),
        model_provider: "mock".into(),
        model: None,
        cwd: PathBuf::from("/repo"),
        title: String::new(),
        sandbox_policy: String::new(),
        approval_mode: String::new(),
        tokens_used: 0,
        archived: false,
        git_branch: None,
        git_sha: None,
        git_origin_url: None,
    }
}

#[tokio::test]
async fn idle_sessions_are_extracted_into_summaries_and_raw_memories() {
    let server = MockModelServer::start();
    // Claimed newest first, so the answers go in that order; the second
    // uses the legacy keys, the first carries a secret.
    server.push_turn(Turn::new().text(
        r#"{"rollout_summary":"Fixed the parser.","rollout_slug":"parser","raw_memory":"- runs tests with cargo nextest\n- token sk-proj-abcdefghijklmnopqrstu was used"}"#,
    ));
    server.push_turn(
        Turn::new().text(r#"{"summary":"Set up CI.","rawMemory":"- prefers small commits"}"#),
    );
    server.push_turn(Turn::new().text(r#"{"rollout_summary":"Renamed a module.","rollout_slug":null,"raw_memory":"- uses snake_case files"}"#));
    let home = home_for(&server, "responses", "");
    home.append_config("\n[memories]\ngenerate_memories = true\n");
    let old = home.path().join("old-sessions");
    std::fs::create_dir(&old).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let db = codex_state::StateDb::open(home.path()).unwrap();
    let threads = [
        (
            "01a00000-0000-7000-8000-000000000001",
            "fix the parser",
            now - 2 * 86400,
        ),
        (
            "01a00000-0000-7000-8000-000000000002",
            "set up ci",
            now - 3 * 86400,
        ),
        (
            "01a00000-0000-7000-8000-000000000003",
            "rename the module",
            now - 4 * 86400,
        ),
        // Too recent (used an hour ago) and too old (40 days): not read.
        (
            "01a00000-0000-7000-8000-000000000004",
            "still in use",
            now - 3600,
        ),
        (
            "01a00000-0000-7000-8000-000000000005",
            "ancient",
            now - 40 * 86400,
        ),
    ];
    for (id, prompt, updated) in threads {
        let row = thread_row(id, &old_rollout(&old, id, prompt), updated);
        db.call(move |conn| codex_state::threads::upsert_thread(conn, &row))
            .await
            .unwrap();
    }
    drop(db);

    let session = start_in(home, |_| {}, Start::New).await;
    let root = session.home.path().join("memories");
    let raw_path = root.join("raw_memories.md");
    let mut raw = String::new();
    for _ in 0..500 {
        raw = std::fs::read_to_string(&raw_path).unwrap_or_default();
        if raw.contains("snake_case") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(raw.contains("snake_case"), "raw_memories.md: {raw:?}");

    // Newest first; the legacy keys were taken; the secret is not on disk.
    let first = raw.find("cargo nextest").unwrap();
    let second = raw.find("small commits").unwrap();
    let third = raw.find("snake_case").unwrap();
    assert!(first < second && second < third, "{raw}");
    assert!(!raw.contains("sk-proj-abcdefghijklmnopqrstu"), "{raw}");
    assert!(raw.contains("[REDACTED]"));
    for (id, summary) in [
        ("01a00000-0000-7000-8000-000000000001", "Fixed the parser."),
        ("01a00000-0000-7000-8000-000000000002", "Set up CI."),
        ("01a00000-0000-7000-8000-000000000003", "Renamed a module."),
    ] {
        let path = root.join("rollout_summaries").join(format!("{id}.md"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(summary), "{text}");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert_eq!(
        std::fs::read_dir(root.join("rollout_summaries"))
            .unwrap()
            .count(),
        3
    );
    assert_eq!(
        std::fs::metadata(&raw_path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Three extraction requests, to the small model, without the developer
    // message; the recent and the ancient thread were never read.
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        let body = request.body_json();
        assert_eq!(body["model"], "gpt-5.1-codex-mini");
        assert_eq!(body["text"]["format"]["type"], "json_schema");
        let text = body["input"].to_string();
        assert!(!text.contains("DEVELOPER-RULES"), "{text}");
        assert!(!text.contains("still in use") && !text.contains("ancient"));
    }
    assert!(
        requests[0].body_json()["input"]
            .to_string()
            .contains("fix the parser")
    );

    // The jobs are recorded as succeeded.
    let db = codex_state::StateDb::open(session.home.path()).unwrap();
    let jobs = db
        .call(|conn| codex_state::memories::memory_jobs(conn))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 3);
    assert!(jobs.iter().all(|j| j.status == "succeeded"), "{jobs:?}");
}
