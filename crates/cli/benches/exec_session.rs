//! Targets 4 and 5 of the performance page (`docs/benchmarks.md`):
//!
//! - start-up: from spawning `codex exec` to the first byte of its first
//!   request at the scripted mock server, in a git repository, warm cache
//!   (20 runs; percentiles);
//! - memory: peak RSS of `codex exec` after 100 and after 1,000 sequential
//!   tool calls that each print 16 KB (and of a one-message run);
//!   `EXEC_SESSION_CALLS=0,100` picks the runs;
//! - with `EXEC_SESSION_OTEL=1`, start-up again with all three OpenTelemetry
//!   exporters sending to a live OTLP receiver (needs the test peers), and
//!   the wall time of a run that exports to a collector that hangs.
//!
//! `cargo bench -p codex-cli --bench exec_session`

// A measuring program, not product code.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use codex_test_support::{MockModelServer, OtlpReceiver, TestCodexHome, Turn};
use serde_json::json;

/// Runs `codex exec` to its end; returns (time to the first request, peak
/// RSS in KiB).
/// Runs `codex exec` once; returns the time to its first request and its
/// peak RSS in KiB.
///
/// The peak comes from a small launcher (this program re-executed with
/// `--measure`), never from a direct child: a child spawned by this process
/// starts with this process's own high-water mark (Linux records the old
/// memory map's peak at `exec`), and the mock server here holds every
/// request body it received — hundreds of MiB after a long run.
/// Start-up runs spawn codex directly (the launcher's own start would be
/// timed too) and report no peak.
fn run(server: &MockModelServer, home: &TestCodexHome, peak_rss: bool) -> (Duration, i64) {
    // `EXEC_SESSION_WRAP="valgrind --tool=massif"` runs codex under a
    // profiler (the figures printed then include the profiler's own).
    let wrap = std::env::var("EXEC_SESSION_WRAP").unwrap_or_default();
    let mut words: Vec<&str> = wrap.split_whitespace().collect();
    words.push(env!("CARGO_BIN_EXE_codex"));
    if !peak_rss {
        let started = Instant::now();
        let status = Command::new(words[0])
            .args(&words[1..])
            .env("CODEX_HOME", home.path())
            .current_dir(home.workspace())
            .args(["exec", "-s", "danger-full-access", "go"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("start codex");
        assert!(status.success(), "codex exec failed");
        let first = server.requests().first().expect("a request").received_at;
        return (first.duration_since(started), 0);
    }
    let started = Instant::now();
    let output = Command::new(std::env::current_exe().expect("this program"))
        .arg("--measure")
        .args(&words)
        .env("CODEX_HOME", home.path())
        .current_dir(home.workspace())
        .args(["exec", "-s", "danger-full-access", "go"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("start the launcher");
    assert!(output.status.success(), "codex exec failed");
    let peak = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("the launcher's figure");
    let first = server.requests().first().expect("a request").received_at;
    (first.duration_since(started), peak)
}

/// `--measure PROGRAM ARGS…`: runs the program, prints its peak RSS (KiB).
fn measure(program: &str, args: &[String]) -> ! {
    #[allow(clippy::zombie_processes)]
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start codex");
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    println!("{}", usage.ru_maxrss);
    std::process::exit(if status == 0 { 0 } else { 1 });
}

fn git_home(server: &MockModelServer) -> TestCodexHome {
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let ok = Command::new("git")
        .args(["init", "-q"])
        .current_dir(home.workspace())
        .status()
        .unwrap()
        .success();
    assert!(ok, "git init");
    home
}

fn startup(label: &str, otel: Option<&OtlpReceiver>) {
    let mut times = Vec::new();
    for _ in 0..20 {
        let server = MockModelServer::start();
        server.push_turn(Turn::new().text("ok"));
        let home = git_home(&server);
        if let Some(receiver) = otel {
            home.append_config(&otel_config(receiver));
        }
        times.push(run(&server, &home, false).0);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "start-up to first request byte{label}: p50 {:.1} ms  p90 {:.1} ms  min {:.1} ms  (20 runs)",
        ms(times[10]),
        ms(times[18]),
        ms(times[0])
    );
}

fn memory(calls: usize) {
    let server = MockModelServer::start();
    for i in 0..calls {
        server.push_turn(Turn::new().function_call(
            &format!("c{i}"),
            "shell",
            json!({"command": ["bash", "-c", "head -c 16384 /dev/zero | tr '\\0' x"]}),
        ));
    }
    server.push_turn(Turn::new().text("done"));
    let home = git_home(&server);
    let started = Instant::now();
    let (_, peak) = run(&server, &home, true);
    println!(
        "{calls} tool calls of 16 KB output: peak RSS {:.1} MiB  ({:.1} s)",
        peak as f64 / 1024.0,
        started.elapsed().as_secs_f64()
    );
}

fn otel_config(receiver: &OtlpReceiver) -> String {
    format!(
        "\n[otel]\nexporter = {{ otlp-http = {{ endpoint = \"{}\" }} }}\ntrace_exporter = {{ otlp-http = {{ endpoint = \"{}\" }} }}\nmetrics_exporter = {{ otlp-http = {{ endpoint = \"{}\" }} }}\n",
        receiver.endpoint("logs"),
        receiver.endpoint("traces"),
        receiver.endpoint("metrics")
    )
}

/// Wall time of a one-tool-call run whose telemetry goes to `receiver`.
fn whole_run(receiver: Option<&OtlpReceiver>) -> Duration {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call(
        "c1",
        "shell",
        json!({"command": ["bash", "-c", "echo hi"]}),
    ));
    server.push_turn(Turn::new().text("done"));
    let home = git_home(&server);
    if let Some(receiver) = receiver {
        home.append_config(&otel_config(receiver));
    }
    let started = Instant::now();
    run(&server, &home, false);
    started.elapsed()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--measure") {
        measure(&args[2], &args[3..]);
    }
    startup("", None);
    if std::env::var_os("EXEC_SESSION_OTEL").is_some() {
        let receiver = OtlpReceiver::start();
        startup(" (OpenTelemetry on)", Some(&receiver));
        let hanging = OtlpReceiver::hanging();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "one tool call, whole run: {:.0} ms without telemetry, {:.0} ms exporting, {:.0} ms to a collector that hangs",
            ms(whole_run(None)),
            ms(whole_run(Some(&receiver))),
            ms(whole_run(Some(&hanging)))
        );
    }
    // `EXEC_SESSION_CALLS=0,100` picks the runs (the 1,000-call run takes
    // a minute or more); 0 is a one-message run.
    let calls = std::env::var("EXEC_SESSION_CALLS").unwrap_or_else(|_| "0,100,1000".into());
    for n in calls.split(',').filter_map(|n| n.trim().parse().ok()) {
        memory(n);
    }
}
