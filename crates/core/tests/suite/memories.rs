//! Memories end to end against the mock model: idle past sessions are
//! extracted at session start into the state database and
//! `$CODEX_HOME/memories/` (phase 1), a confined consolidation agent writes
//! `MEMORY.md` and `memory_summary.md` (phase 2), and the next session's
//! first request carries the summary (the read path).

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

const MEMORY_PATCH: &str = "*** Begin Patch\n*** Add File: MEMORY.md\n+# Memory\n+- tests run with cargo nextest (01a00000-0000-7000-8000-000000000001)\n*** Add File: memory_summary.md\n+CONSOLIDATED-SUMMARY: the user runs tests with cargo nextest.\n*** End Patch\n";

#[tokio::test]
async fn past_sessions_become_memories_that_the_next_session_reads() {
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
    // Phase 2: the agent writes both files, and its try to write outside
    // the memory directory is refused by the sandbox.
    server.push_turn(
        Turn::new()
            .custom_tool_call("write", "apply_patch", MEMORY_PATCH)
            .function_call(
                "escape",
                "shell",
                json!({"command": ["bash", "-c", "echo x > ../escaped.txt"]}),
            ),
    );
    server.push_turn(Turn::new().text("Consolidated three sessions."));
    let home = home_for(&server, "responses", "");
    home.append_config(
        "\n[memories]\ngenerate_memories = true\nuse_memories = true\nconsolidation_model = \"gpt-5.1-codex-max\"\n",
    );
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

    // Phase 2 ran to its end.
    let memory_path = root.join("MEMORY.md");
    let db = codex_state::StateDb::open(session.home.path()).unwrap();
    let jobs = jobs_once(&db, 1000, |jobs| {
        jobs.iter()
            .any(|j| j.kind == "memory_stage2" && j.status != "running")
    })
    .await;
    let stage2 = jobs.iter().find(|j| j.kind == "memory_stage2").unwrap();
    assert_eq!(stage2.status, "succeeded", "{jobs:?}");
    assert!(
        std::fs::read_to_string(&memory_path)
            .unwrap()
            .contains("cargo nextest")
    );
    for name in ["MEMORY.md", "memory_summary.md"] {
        assert_eq!(
            std::fs::metadata(root.join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600,
            "{name}"
        );
    }
    assert!(!session.home.path().join("escaped.txt").exists());

    // Three extraction requests, to the small model, without the developer
    // message; the recent and the ancient thread were never read. Then the
    // consolidation agent's two, with the consolidation model, working in
    // the memory directory.
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    for request in &requests[..3] {
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

    let agent = requests[3].body_json();
    assert_eq!(agent["model"], "gpt-5.1-codex-max");
    assert_eq!(agent["reasoning"]["effort"], "medium");
    let agent_input = agent["input"].to_string();
    assert!(agent_input.contains("raw_memories.md"), "{agent_input}");
    assert!(
        agent_input.contains(&root.display().to_string()),
        "{agent_input}"
    );
    assert!(
        requests[4]
            .tool_output("write")
            .unwrap()
            .contains("Success")
    );
    let escape: serde_json::Value =
        serde_json::from_str(&requests[4].tool_output("escape").unwrap()).unwrap();
    assert_ne!(escape["metadata"]["exit_code"], 0, "{escape}");
    assert!(
        escape["output"]
            .as_str()
            .unwrap()
            .contains("Read-only file system"),
        "{escape}"
    );

    // The extraction jobs are recorded as succeeded.
    assert_eq!(jobs.len(), 4);
    assert!(jobs.iter().all(|j| j.status == "succeeded"), "{jobs:?}");
    drop(db);

    // The next session is given the summary in its developer message, and
    // runs no memory work: nothing changed since the consolidation.
    session.shutdown().await;
    let home = session.home;
    server.push_turn(Turn::new().text("hello"));
    let next = start_in(home, |_| {}, Start::New).await;
    next.submit_text("what do you remember?").await;
    next.run_to_end().await;
    let requests = server.requests();
    assert_eq!(requests.len(), 6);
    let first = requests[5].body_json();
    let developer = first["input"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["role"] == "developer")
        .map(|item| item.to_string())
        .unwrap_or_default();
    assert!(developer.contains("CONSOLIDATED-SUMMARY"), "{developer}");
    assert!(developer.contains("MEMORY.md"), "{developer}");
}

#[tokio::test]
async fn drop_memories_clears_the_directory_and_the_jobs() {
    let server = MockModelServer::start();
    let home = home_for(&server, "responses", "");
    let root = home.path().join("memories");
    std::fs::create_dir_all(root.join("rollout_summaries")).unwrap();
    std::fs::write(root.join("MEMORY.md"), "old").unwrap();
    std::fs::write(root.join("rollout_summaries").join("a.md"), "old").unwrap();
    let session = start_in(home, |_| {}, Start::New).await;
    session
        .codex
        .submit(codex_protocol::protocol::Op::DropMemories)
        .await
        .unwrap();
    let events = session
        .events_until(|m| {
            matches!(
                m,
                codex_protocol::protocol::EventMsg::BackgroundEvent(_)
                    | codex_protocol::protocol::EventMsg::Error(_)
            )
        })
        .await;
    assert!(
        matches!(
            events.last(),
            Some(codex_protocol::protocol::EventMsg::BackgroundEvent(_))
        ),
        "{events:?}"
    );
    assert!(root.is_dir());
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
}

/// A response that is one web search the provider ran.
fn web_search_reply() -> codex_test_support::Reply {
    use codex_test_support::{Reply, responses_event};
    Reply::frames(vec![
        responses_event("response.created", json!({"response": {"id": "r1"}})),
        responses_event(
            "response.output_item.done",
            json!({"item": {"type": "web_search_call", "id": "ws_1", "status": "completed",
                "action": {"type": "search", "query": "rust 2024 edition"}}}),
        ),
        responses_event("response.completed", json!({"response": {"id": "r1"}})),
    ])
}

#[tokio::test]
async fn a_session_that_searched_the_web_is_kept_out_when_configured() {
    let server = MockModelServer::start();
    server.push(web_search_reply());
    server.push_turn(Turn::new().text("plain"));
    let home = home_for(&server, "responses", "web_search = \"live\"");
    home.append_config("\n[memories]\nno_memories_if_mcp_or_web_search = true\n");
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("search").await;
    session.run_to_end().await;
    let id = session.configured.session_id.to_string();
    let db = codex_state::StateDb::open(session.home.path()).unwrap();
    let jobs = jobs_once(&db, 500, |jobs| !jobs.is_empty()).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].job_key, id);
    assert_eq!(jobs[0].status, "excluded");
    assert_eq!(jobs[0].last_error.as_deref(), Some("used web search"));

    // Without the setting, a session that searched stays a candidate.
    let server = MockModelServer::start();
    server.push(web_search_reply());
    let home = home_for(&server, "responses", "web_search = \"live\"");
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("search").await;
    session.run_to_end().await;
    session.shutdown().await;
    let db = codex_state::StateDb::open(session.home.path()).unwrap();
    let jobs = db
        .call(|conn| codex_state::memories::memory_jobs(conn))
        .await
        .unwrap();
    assert!(jobs.is_empty(), "{jobs:?}");
}

#[tokio::test]
async fn the_summary_given_to_a_session_is_cut_to_its_budget_and_only_when_used() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("one"));
    server.push_turn(Turn::new().text("two"));
    let home = home_for(&server, "responses", "");
    let root = home.path().join("memories");
    std::fs::create_dir_all(&root).unwrap();
    let long = format!(
        "FIRST-LINE\n{}\nLAST-LINE\n",
        "é remembered fact\n".repeat(2_000)
    );
    std::fs::write(root.join("memory_summary.md"), &long).unwrap();
    home.append_config("\n[memories]\nuse_memories = true\n");
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("hi").await;
    session.run_to_end().await;
    let body = server.requests()[0].body_json();
    let developer = body["input"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["role"] == "developer")
        .unwrap()["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(developer.contains("FIRST-LINE"));
    assert!(!developer.contains("LAST-LINE"));
    assert!(developer.contains("the rest is in memory_summary.md"));
    assert!(developer.len() < 21_000, "{}", developer.len());
    session.shutdown().await;

    // `use_memories = false` wins over the feature.
    let home = session.home;
    home.append_config("use_memories = false\n");
    let text = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        text.replace("use_memories = true\n", "")
            .replace("[memories]", "[features]\nmemories = true\n\n[memories]"),
    )
    .unwrap();
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("hi").await;
    session.run_to_end().await;
    let body = server.requests()[1].body_json();
    assert!(!body["input"].to_string().contains("FIRST-LINE"));
}

#[tokio::test]
async fn the_old_single_user_root_is_copied_into_an_empty_root() {
    let server = MockModelServer::start();
    let home = home_for(&server, "responses", "");
    home.append_config("\n[memories]\ngenerate_memories = true\n");
    let root = home.path().join("memories");
    let legacy = root.join("user").join("memory");
    std::fs::create_dir_all(&legacy).unwrap();
    std::fs::write(legacy.join("MEMORY.md"), "# Memory\n- legacy fact\n").unwrap();
    std::fs::write(legacy.join("memory_summary.md"), "legacy summary\n").unwrap();
    let session = start_in(home, |_| {}, Start::New).await;
    let copied = root.join("MEMORY.md");
    for _ in 0..500 {
        if copied.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        std::fs::read_to_string(&copied).unwrap(),
        "# Memory\n- legacy fact\n"
    );
    assert_eq!(
        std::fs::metadata(&copied).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(legacy.join("MEMORY.md").exists(), "the old root is left");
    session.shutdown().await;
}

/// The memory jobs once `ready` holds for them, polled every 20 ms at most
/// `polls` times (then as they are, for the assertions to report).
async fn jobs_once(
    db: &codex_state::StateDb,
    polls: usize,
    ready: impl Fn(&[codex_state::memories::MemoryJob]) -> bool,
) -> Vec<codex_state::memories::MemoryJob> {
    let mut jobs = Vec::new();
    for _ in 0..polls {
        jobs = db
            .call(|conn| codex_state::memories::memory_jobs(conn))
            .await
            .unwrap();
        if ready(&jobs) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    jobs
}
