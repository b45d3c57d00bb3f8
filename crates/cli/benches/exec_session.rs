//! Targets 4 and 5 of the performance page (`docs/benchmarks.md`):
//!
//! - start-up: from spawning `codex exec` to the first byte of its first
//!   request at the scripted mock server, in a git repository, warm cache,
//!   for a returning user (an existing `CODEX_HOME`) and for the first start
//!   in a new one (20 runs each; percentiles);
//! - memory: peak RSS of `codex exec` after 100 and after 1,000 sequential
//!   tool calls that each print 16 KB (and of a one-message run);
//!   `EXEC_SESSION_CALLS=0,100` picks the runs;
//! - with `EXEC_SESSION_OTEL=1`, start-up again with all three OpenTelemetry
//!   exporters sending to a live OTLP receiver (needs the test peers), and
//!   the wall time of a run that exports to a collector that hangs.
//!
//! `cargo bench -p codex-cli --bench exec_session` (`EXEC_SESSION_CODEX`
//! names the binary to measure; see [`codex_program`]).

// A measuring program, not product code.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use codex_test_support::{MockModelServer, OtlpReceiver, TestCodexHome, Turn};
use serde_json::json;

/// Runs `codex exec` once; returns the time to its first request and its
/// peak RSS in KiB.
///
/// The peak comes from a small launcher (this program re-executed with
/// `--measure`), never from a direct child: at `exec`, Linux records the
/// old memory map's high-water mark as the new program's, and the mock
/// server here holds every request body it received — hundreds of MiB
/// after a long run. The launcher reads the child's own mark instead (see
/// [`measure`]).
/// Start-up runs spawn codex directly (the launcher's own start would be
/// timed too) and report no peak.
fn run(server: &MockModelServer, home: &TestCodexHome, peak_rss: bool) -> (Duration, i64) {
    // `EXEC_SESSION_WRAP="valgrind --tool=massif"` runs codex under a
    // profiler (the figures printed then include the profiler's own).
    let wrap = std::env::var("EXEC_SESSION_WRAP").unwrap_or_default();
    let program = codex_program();
    let mut words: Vec<&str> = wrap.split_whitespace().collect();
    words.push(&program);
    // This run's first request is the next one the server receives.
    let earlier = server.request_count();
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
        let first = server.received_at(earlier).expect("a request");
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
    let first = server.received_at(earlier).expect("a request");
    (first.duration_since(started), peak)
}

/// `--measure PROGRAM ARGS…`: runs the program, prints its peak RSS (KiB).
///
/// The peak is the child's `VmHWM`, read every millisecond while it runs:
/// the high-water mark of its own memory map only. Its `ru_maxrss` would
/// not do: at `exec` the old map's mark carries over, and the standard
/// library starts a child with `vfork`, so that old map is this whole
/// program's (several MiB). Growth in the last millisecond before exit is
/// missed; a session's peak is while it works, not as it exits.
fn measure(program: &str, args: &[String]) -> ! {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start codex");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib: i64 = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kib) = text
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait for codex") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    println!("{peak_kib}");
    std::process::exit(if status.success() { 0 } else { 1 });
}

/// The `codex` measured: `EXEC_SESSION_CODEX`, else the one cargo built for
/// this benchmark. That one is not the shipped binary: built beside the
/// benchmark, its dependencies get the test crates' features, which renames
/// their symbols, so the release link order (`crates/cli/build.rs`) does
/// not apply and its code maps about 4 MiB more.
fn codex_program() -> String {
    std::env::var("EXEC_SESSION_CODEX").unwrap_or_else(|_| env!("CARGO_BIN_EXE_codex").to_string())
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

/// Start-up of a returning user: one `CODEX_HOME` and repository for all
/// runs, after one run that creates the state database, `sessions/` and the
/// rest. Then, for comparison, the very first start in a new
/// `CODEX_HOME` (the database created and migrated, with its fsyncs).
fn startup(label: &str, otel: Option<&OtlpReceiver>) {
    let server = MockModelServer::start();
    let home = git_home(&server);
    if let Some(receiver) = otel {
        home.append_config(&otel_config(receiver));
    }
    server.push_turn(Turn::new().text("ok"));
    run(&server, &home, false);
    let mut times = Vec::new();
    let mut first_starts = Vec::new();
    for _ in 0..20 {
        server.push_turn(Turn::new().text("ok"));
        times.push(run(&server, &home, false).0);
        let fresh_server = MockModelServer::start();
        fresh_server.push_turn(Turn::new().text("ok"));
        let fresh = git_home(&fresh_server);
        if let Some(receiver) = otel {
            fresh.append_config(&otel_config(receiver));
        }
        first_starts.push(run(&fresh_server, &fresh, false).0);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (what, mut times) in [("", times), (", first start", first_starts)] {
        times.sort();
        println!(
            "start-up to first request byte{label}{what}: p50 {:.1} ms  p90 {:.1} ms  min {:.1} ms  (20 runs)",
            ms(times[10]),
            ms(times[18]),
            ms(times[0])
        );
    }
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
    match std::env::var_os("EXEC_SESSION_CODEX") {
        Some(path) => println!("measuring {}", path.to_string_lossy()),
        None => println!(
            "measuring the benchmark's own build of codex; for the shipped binary's figures: \
             cargo build --release -p codex-cli && cp target/release/codex /tmp/codex && \
             EXEC_SESSION_CODEX=/tmp/codex cargo bench -p codex-cli --bench exec_session"
        ),
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
