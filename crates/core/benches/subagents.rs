//! What sub-agents cost: 4 children each running 10 tool calls, against the
//! same 40 calls run by one thread in sequence. Prints the wall time of the
//! whole turn and the process's peak RSS (`VmHWM`) for each mode.
//!
//! Each mode runs in a process of its own (this program started again with
//! `SUBAGENTS_BENCH_MODE`), so one mode's peak does not hide the other's.
//! Each call is `sh -c 'sleep 0.1'` without a sandbox, against the mock
//! model; the children's calls overlap, the sequential ones cannot.
//!
//! Run with `cargo bench -p codex-core --bench subagents`
//! (`SUBAGENTS_BENCH_RUNS`, default 3 per mode).

use std::time::{Duration, Instant};

use codex_config::{CliOverrides, load_config};
use codex_core::{ThreadManager, ThreadManagerOptions};
use codex_protocol::protocol::{EventMsg, Op};
use codex_protocol::rollout::SessionSource;
use codex_protocol::user_input::UserInput;
use codex_test_support::{MockModelServer, RecordedRequest, Reply, Turn};
use serde_json::{Value, json};

const CHILDREN: usize = 4;
const CALLS: usize = 10;
const NS: &str = "multi_agent_v1";

fn call(n: usize) -> Turn {
    Turn::new().function_call(
        &format!("c{n}"),
        "shell",
        json!({"command": ["sh", "-c", "sleep 0.1"]}),
    )
}

/// Runs `calls` shell calls, one per response, then answers.
fn worker(request: &RecordedRequest, calls: usize) -> Turn {
    let done = request.call_outputs().len();
    if done < calls {
        call(done)
    } else {
        Turn::new().text("done")
    }
}

/// Spawns the children in one response, then waits until all answered.
fn parent(request: &RecordedRequest) -> Turn {
    let outs = request.call_outputs();
    if outs.is_empty() {
        let mut turn = Turn::new();
        for n in 0..CHILDREN {
            turn = turn.namespaced_call(
                &format!("spawn{n}"),
                NS,
                "spawn_agent",
                json!({"message": format!("task {n}")}),
            );
        }
        return turn;
    }
    let ids: Vec<String> = outs
        .iter()
        .filter(|(c, _)| c.starts_with("spawn"))
        .filter_map(|(_, o)| serde_json::from_str::<Value>(o).ok())
        .filter_map(|v| v["agent_id"].as_str().map(str::to_string))
        .collect();
    let answered: Vec<String> = outs
        .iter()
        .filter(|(c, _)| c.starts_with("wait"))
        .filter_map(|(_, o)| serde_json::from_str::<Value>(o).ok())
        .flat_map(|v| {
            v["status"]
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    let waiting: Vec<&String> = ids.iter().filter(|id| !answered.contains(id)).collect();
    if waiting.is_empty() {
        return Turn::new().text("all done");
    }
    Turn::new().namespaced_call(
        &format!("wait{}", outs.len()),
        NS,
        "wait_agent",
        json!({"targets": waiting, "timeout_ms": 600000}),
    )
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// One turn in this process; prints `wall_ms peak_kib`.
fn run_mode(parallel: bool) -> Result<(), Box<dyn std::error::Error>> {
    let server = MockModelServer::start();
    let replies = if parallel {
        CHILDREN * (CALLS + 1) + CHILDREN + 4
    } else {
        CHILDREN * CALLS + 1
    };
    for _ in 0..replies {
        server.push(Reply::dynamic(move |request| {
            let child = request.header("x-openai-subagent").is_some();
            match (parallel, child) {
                (true, true) => worker(request, CALLS),
                (true, false) => parent(request),
                (false, _) => worker(request, CHILDREN * CALLS),
            }
        }));
    }
    let home = tempfile::tempdir()?;
    let workspace = tempfile::tempdir()?;
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "approval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"\n{}",
            codex_test_support::TestCodexHome::mock_provider_config(
                &server.base_url(),
                "responses"
            )
        ),
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let cli = CliOverrides {
        cwd: Some(workspace.path().to_path_buf()),
        ..Default::default()
    };
    let config = load_config(home.path(), &cli)?;
    let manager = ThreadManager::new(
        home.path(),
        ThreadManagerOptions::new(SessionSource::Exec, "codex_bench"),
    );
    let elapsed = runtime.block_on(async {
        let thread = manager.start_thread(config, true).await?.thread;
        let start = Instant::now();
        thread
            .submit(Op::UserInput {
                items: vec![UserInput::Text {
                    text: "do the work".into(),
                }],
                final_output_json_schema: None,
            })
            .await?;
        loop {
            let event =
                tokio::time::timeout(Duration::from_secs(300), thread.next_event()).await??;
            match event.msg {
                EventMsg::TaskComplete(_) => break,
                EventMsg::TurnAborted(_) | EventMsg::Error(_) => {
                    return Err(format!("the turn failed: {:?}", event.msg).into());
                }
                _ => {}
            }
        }
        let elapsed = start.elapsed();
        thread.submit(Op::Shutdown).await?;
        Ok::<_, Box<dyn std::error::Error>>(elapsed)
    })?;
    let shell_calls = server
        .requests()
        .iter()
        .map(|r| {
            r.call_outputs()
                .iter()
                .filter(|(c, _)| c.starts_with('c'))
                .count()
        })
        .max()
        .unwrap_or(0);
    println!(
        "{} {} {shell_calls}",
        elapsed.as_secs_f64() * 1000.0,
        peak_rss_kib()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Ok(mode) = std::env::var("SUBAGENTS_BENCH_MODE") {
        return run_mode(mode == "parallel");
    }
    let runs: usize = std::env::var("SUBAGENTS_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let exe = std::env::current_exe()?;
    println!(
        "{CHILDREN} children x {CALLS} calls (`sh -c 'sleep 0.1'`) against {} calls in one thread",
        CHILDREN * CALLS
    );
    for mode in ["parallel", "sequential"] {
        let mut walls = Vec::new();
        let mut peaks = Vec::new();
        for _ in 0..runs {
            let out = std::process::Command::new(&exe)
                .env("SUBAGENTS_BENCH_MODE", mode)
                .output()?;
            if !out.status.success() {
                return Err(format!(
                    "{mode} run failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
                .into());
            }
            let text = String::from_utf8_lossy(&out.stdout);
            let fields: Vec<f64> = text
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            walls.push(fields[0]);
            peaks.push(fields[1] / 1024.0);
        }
        walls.sort_by(f64::total_cmp);
        peaks.sort_by(f64::total_cmp);
        println!(
            "{mode:>10}: wall median {:.0} ms (min {:.0}, max {:.0}); peak RSS median {:.1} MiB (max {:.1})",
            walls[walls.len() / 2],
            walls[0],
            walls[walls.len() - 1],
            peaks[peaks.len() / 2],
            peaks[peaks.len() - 1]
        );
    }
    Ok(())
}
