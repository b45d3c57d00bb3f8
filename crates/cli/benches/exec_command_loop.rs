//! 100 sequential `exec_command` calls through the scripted mock model, in
//! one `codex exec` run: the wall time per call (engine overhead plus the
//! command and, when sandboxed, the sandbox's start) and the peak RSS of
//! the codex process afterwards.
//!
//! `cargo bench -p codex-cli --bench exec_command_loop`
//!
//! Then the side-by-side comparison: five sequential tool calls (`exec_command
//! echo hi`, a login shell as the model asks by default), and a command +
//! patch + answer turn, each timed at the mock server from the first model
//! request to the last (so process start and exit are out), workspace-write,
//! median of `COMPARE_RUNS` (default 3). With `REFERENCE_CODEX=<the
//! reference's codex>` the reference runs the same scripts (as `-m gpt-5.5`,
//! its real tool set) and the ratios are printed. Both run with a HOME of
//! their own whose `~/.profile` exports a variable and reads a `~/.bashrc`
//! that defines an alias, so that the machine's own profile (a `pyenv
//! rehash` that waits on a lock, say) does not decide the figures.

// A measuring program, not product code.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use codex_test_support::{MockModelServer, TestCodexHome, Turn};
use serde_json::json;

const CALLS: usize = 100;

fn run(sandbox: &str, one_shot: bool, calls: usize) -> (f64, i64) {
    let server = MockModelServer::start();
    for i in 0..calls {
        server.push_turn(
            Turn::new()
                .function_call(
                    &format!("c{i}"),
                    "exec_command",
                    json!({"cmd": "echo hi", "login": false}),
                )
                .usage(100, 10),
        );
    }
    server.push_turn(Turn::new().text("done").usage(100, 10));
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_codex"));
    if one_shot {
        // A sandbox per command, as before the long-lived sandboxes.
        command.env("CODEX_SANDBOX_SERVER", "0");
    }
    // Reaped with wait4 below, which also gives its peak RSS.
    #[allow(clippy::zombie_processes)]
    let child = command
        .env("CODEX_HOME", home.path())
        .current_dir(home.workspace())
        .args([
            "exec",
            "--skip-git-repo-check",
            "-s",
            sandbox,
            "-m",
            "gpt-5.5",
            "go",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start codex");
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for the child we spawned.
    unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(status, 0, "codex exec failed");
    assert_eq!(server.pending_replies(), 0, "not every call was made");
    (elapsed, usage.ru_maxrss)
}

/// A scripted session for the comparison.
#[derive(Clone, Copy)]
enum Script {
    FiveCalls,
    CommandPatchAnswer,
}

impl Script {
    fn name(self) -> &'static str {
        match self {
            Self::FiveCalls => "five sequential tool calls",
            Self::CommandPatchAnswer => "command + patch + answer turn",
        }
    }

    fn push(self, server: &MockModelServer) {
        match self {
            Self::FiveCalls => {
                for i in 0..5 {
                    server.push_turn(
                        Turn::new()
                            .function_call(
                                &format!("c{i}"),
                                "exec_command",
                                json!({"cmd": "echo hi"}),
                            )
                            .usage(100, 10),
                    );
                }
            }
            Self::CommandPatchAnswer => {
                server.push_turn(
                    Turn::new()
                        .function_call("c", "exec_command", json!({"cmd": "cat notes.txt"}))
                        .usage(100, 10),
                );
                server.push_turn(
                    Turn::new()
                        .custom_tool_call(
                            "p",
                            "apply_patch",
                            "*** Begin Patch\n*** Update File: notes.txt\n@@\n-one\n+one, edited\n*** End Patch\n",
                        )
                        .usage(100, 10),
                );
            }
        }
        server.push_turn(Turn::new().text("done").usage(100, 10));
    }
}

/// One `codex exec` (ours or the reference) running `script`: the time
/// from its first model request to its last.
fn run_script(codex: &Path, script: Script) -> Duration {
    let server = MockModelServer::start();
    script.push(&server);
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    std::fs::write(home.workspace().join("notes.txt"), "one\ntwo\n").unwrap();
    let user_home = tempfile::tempdir().unwrap();
    std::fs::write(
        user_home.path().join(".profile"),
        "export BENCH_VAR=1\n[ -n \"$BASH_VERSION\" ] && [ -f ~/.bashrc ] && . ~/.bashrc\n",
    )
    .unwrap();
    std::fs::write(user_home.path().join(".bashrc"), "alias ll='ls -l'\n").unwrap();
    let status = Command::new(codex)
        .env("CODEX_HOME", home.path())
        .env("HOME", user_home.path())
        .env("SHELL", "/bin/bash")
        .current_dir(home.workspace())
        .args([
            "exec",
            "--skip-git-repo-check",
            "-s",
            "workspace-write",
            "-m",
            "gpt-5.5",
            "go",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("start codex");
    assert!(status.success(), "{} failed", codex.display());
    assert_eq!(server.pending_replies(), 0, "not every call was made");
    let times: Vec<Instant> = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.contains("/responses"))
        .map(|r| r.received_at)
        .collect();
    match (times.first(), times.last()) {
        (Some(first), Some(last)) => *last - *first,
        _ => Duration::ZERO,
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn compare() {
    let runs: usize = std::env::var("COMPARE_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
        .max(1);
    let ours = Path::new(env!("CARGO_BIN_EXE_codex")).to_path_buf();
    let reference = std::env::var_os("REFERENCE_CODEX").map(std::path::PathBuf::from);
    println!("first to last model request, workspace-write, median of {runs}:");
    for script in [Script::FiveCalls, Script::CommandPatchAnswer] {
        let mut ours_times = Vec::new();
        let mut reference_times = Vec::new();
        // Taking turns, so that a busy moment of the machine hits both.
        for _ in 0..runs {
            ours_times.push(run_script(&ours, script));
            if let Some(reference) = &reference {
                reference_times.push(run_script(reference, script));
            }
        }
        let ours_median = median(ours_times).as_secs_f64();
        match reference_times.is_empty() {
            true => println!("  {:<30} ours {ours_median:.3} s", script.name()),
            false => {
                let reference_median = median(reference_times).as_secs_f64();
                println!(
                    "  {:<30} ours {ours_median:.3} s, reference {reference_median:.3} s: {:.3}x",
                    script.name(),
                    ours_median / reference_median
                );
            }
        }
    }
}

fn main() {
    compare();
    if std::env::var_os("COMPARE_ONLY").is_some() {
        return;
    }
    println!("{CALLS} sequential exec_command calls in one codex exec (bench profile: release):");
    for (sandbox, one_shot, label) in [
        ("danger-full-access", false, "danger-full-access"),
        ("workspace-write", false, "workspace-write"),
        ("workspace-write", true, "  one-shot sandboxes"),
    ] {
        let (baseline, _) = run(sandbox, one_shot, 0);
        let (total, max_rss_kib) = run(sandbox, one_shot, CALLS);
        println!(
            "  {label:<19} total {total:>6.2} s, {:>6.1} ms per call (after {:.0} ms of start-up and the last turn), peak RSS {:.1} MiB",
            (total - baseline) * 1000.0 / CALLS as f64,
            baseline * 1000.0,
            max_rss_kib as f64 / 1024.0
        );
    }
}
