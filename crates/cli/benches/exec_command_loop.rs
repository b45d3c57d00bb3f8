//! 100 sequential `exec_command` calls through the scripted mock model, in
//! one `codex exec` run: the wall time per call (engine overhead plus the
//! command and, when sandboxed, the sandbox's start) and the peak RSS of
//! the codex process afterwards.
//!
//! `cargo bench -p codex-cli --bench exec_command_loop`

// A measuring program, not product code.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::Instant;

use codex_test_support::{MockModelServer, TestCodexHome, Turn};
use serde_json::json;

const CALLS: usize = 100;

fn run(sandbox: &str, calls: usize) -> (f64, i64) {
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
    // Reaped with wait4 below, which also gives its peak RSS.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_codex"))
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

fn main() {
    println!("{CALLS} sequential exec_command calls in one codex exec (bench profile: release):");
    for sandbox in ["danger-full-access", "workspace-write"] {
        let (baseline, _) = run(sandbox, 0);
        let (total, max_rss_kib) = run(sandbox, CALLS);
        println!(
            "  {sandbox:<19} total {total:>6.2} s, {:>6.1} ms per call (after {:.0} ms of start-up and the last turn), peak RSS {:.1} MiB",
            (total - baseline) * 1000.0 / CALLS as f64,
            baseline * 1000.0,
            max_rss_kib as f64 / 1024.0
        );
    }
}
