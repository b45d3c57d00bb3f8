//! Session start and first turn with memories on and 5,000 past threads
//! in the state database, against the same with memories off: the memories
//! work runs in the background, so the two must stay within a few
//! milliseconds.
//!
//! Each run starts from a fresh copy of the same `$CODEX_HOME` (config and
//! `state.sqlite` with 5,000 threads idle for one to 29 days, every one a
//! phase-1 candidate with a small session file) in a runtime of its own,
//! and times what a frontend waits for: opening the thread manager (the
//! state database), starting a thread up to its `session_configured`, and
//! that thread's first turn against the mock model. With memories on, the
//! claim of 16 threads and their extraction requests run at the same time
//! (the mock answers them with "nothing to remember"). The runtime is
//! dropped after each run, so no background work leaks into the next.
//!
//! Run with `cargo bench -p codex-core --bench memories_start`
//! (`MEMORIES_START_RUNS`, default 40 per mode).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use codex_config::{CliOverrides, load_config};
use codex_core::{ThreadManager, ThreadManagerOptions};
use codex_protocol::protocol::{EventMsg, Op};
use codex_protocol::rollout::SessionSource;
use codex_protocol::user_input::UserInput;
use codex_test_support::{MockModelServer, Reply, Turn};

const THREADS: usize = 5_000;

fn template(server: &MockModelServer) -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
    let home = tempfile::tempdir()?;
    let sessions = home.path().join("sessions");
    std::fs::create_dir(&sessions)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let mut conn = codex_state::open_connection(&home.path().join(codex_state::STATE_DB_FILENAME))?;
    let tx = conn.transaction()?;
    for i in 0..THREADS {
        let updated_at = now - 86_400 - (i as i64 * 28 * 86_400 / THREADS as i64);
        let rollout_path = sessions.join(format!("rollout-{i}.jsonl"));
        std::fs::write(
            &rollout_path,
            format!(
                "{}\n{}\n",
                serde_json::json!({"timestamp": "2026-11-20T10:00:00.000Z", "type": "response_item",
                    "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": format!("task {i}")}]}}),
                serde_json::json!({"timestamp": "2026-11-20T10:00:01.000Z", "type": "response_item",
                    "payload": {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "done"}]}}),
            ),
        )?;
        codex_state::threads::upsert_thread(
            &tx,
            &codex_state::ThreadRow {
                id: format!("019a0000-0000-7000-8000-{i:012}"),
                rollout_path,
                created_at: updated_at - 600,
                updated_at,
                source: "exec".into(),
                model_provider: "mock".into(),
                model: Some("gpt-5.1-codex".into()),
                cwd: PathBuf::from("/repo"),
                title: format!("task number {i}"),
                sandbox_policy: "workspace-write".into(),
                approval_mode: "on-request".into(),
                tokens_used: 1_000,
                archived: false,
                git_branch: None,
                git_sha: None,
                git_origin_url: None,
            },
        )?;
    }
    tx.commit()?;
    drop(conn);
    std::fs::write(
        home.path().join("config.toml"),
        codex_test_support::TestCodexHome::mock_provider_config(&server.base_url(), "responses"),
    )?;
    Ok(home)
}

fn copy_home(from: &Path, memories: bool) -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
    let to = tempfile::tempdir()?;
    std::fs::copy(
        from.join(codex_state::STATE_DB_FILENAME),
        to.path().join(codex_state::STATE_DB_FILENAME),
    )?;
    let mut config = std::fs::read_to_string(from.join("config.toml"))?;
    if memories {
        config.push_str("\n[memories]\ngenerate_memories = true\nuse_memories = true\n");
    }
    std::fs::write(to.path().join("config.toml"), config)?;
    Ok(to)
}

fn start_once(
    home: &Path,
    workspace: &Path,
    memories: bool,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let cli = CliOverrides {
        cwd: Some(workspace.to_path_buf()),
        ..Default::default()
    };
    let config = load_config(home, &cli)?;
    let elapsed = runtime.block_on(async {
        let start = Instant::now();
        let manager = ThreadManager::new(
            home,
            ThreadManagerOptions::new(SessionSource::Exec, "codex_bench"),
        );
        let thread = manager.start_thread(config, false).await?.thread;
        thread
            .submit(Op::UserInput {
                items: vec![UserInput::Text {
                    text: "hello".into(),
                }],
                final_output_json_schema: None,
            })
            .await?;
        loop {
            if let EventMsg::TaskComplete(_) = thread.next_event().await?.msg {
                break;
            }
        }
        let elapsed = start.elapsed();
        if memories {
            // Untimed: let the background claim land, to report it.
            let db = codex_state::StateDb::open(home)?;
            for _ in 0..200 {
                let claimed = db.call(|c| codex_state::memories::memory_jobs(c)).await?;
                if claimed.iter().all(|j| j.status != "running") && !claimed.is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        drop(thread);
        Ok::<_, Box<dyn std::error::Error>>(elapsed)
    })?;
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(elapsed)
}

fn percentile(samples: &mut [Duration], p: usize) -> f64 {
    samples.sort();
    samples[(samples.len() - 1) * p / 100].as_secs_f64() * 1e3
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::var("MEMORIES_START_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let server = MockModelServer::start();
    for _ in 0..runs * (2 + 16) {
        server.push(Reply::dynamic(|request| {
            if request.body_json()["model"] == "gpt-5.1-codex-mini" {
                Turn::new().text(r#"{"rollout_summary":"","rollout_slug":null,"raw_memory":""}"#)
            } else {
                Turn::new().text("hi")
            }
        }));
    }
    let template = template(&server)?;
    let workspace = tempfile::tempdir()?;
    let mut off = Vec::new();
    let mut on = Vec::new();
    let mut last_on = None;
    // Alternate the modes so that a busy moment of the machine hits both.
    for _ in 0..runs {
        for (memories, samples) in [(false, &mut off), (true, &mut on)] {
            let home = copy_home(template.path(), memories)?;
            samples.push(start_once(home.path(), workspace.path(), memories)?);
            if memories {
                last_on = Some(home);
            }
        }
    }
    println!(
        "session start and first turn (thread manager open, start_thread, one turn to task_complete), {THREADS} threads in the state database, {runs} runs each:"
    );
    for (name, samples) in [("memories off", &mut off), ("memories on ", &mut on)] {
        println!(
            "  {name}: p50 {:.2} ms  p90 {:.2} ms  min {:.2} ms",
            percentile(samples, 50),
            percentile(samples, 90),
            percentile(samples, 0),
        );
    }
    println!(
        "  difference of medians: {:+.2} ms",
        percentile(&mut on, 50) - percentile(&mut off, 50)
    );
    // That the background work did run: the jobs it claimed.
    if let Some(home) = last_on {
        let conn = codex_state::open_connection(&home.path().join(codex_state::STATE_DB_FILENAME))?;
        let jobs = codex_state::memories::memory_jobs(&conn)?.len();
        println!("  phase-1 jobs claimed and finished in the background in the last run: {jobs}");
    }
    Ok(())
}
