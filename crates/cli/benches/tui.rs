//! The interactive interface's speed and footprint, measured on the real
//! `codex` binary in a pseudo-terminal against the scripted mock model:
//!
//! - time to first frame (spawn to the end of the first drawn frame);
//! - keystroke-to-frame latency, p50 and p99, while idle and while an
//!   answer streams (a frame ends with "end synchronized update");
//! - CPU time used over 10 idle seconds;
//! - resident memory after a 1,000-turn session.
//!
//! `cargo bench -p codex-cli --bench tui` (release build).

// A measuring program, not product code.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use codex_test_support::{
    MockModelServer, PtyTerminal, Reply, TestCodexHome, Turn, responses_event,
};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(60);
const END_FRAME: &[u8] = b"\x1b[?2026l";
const TURNS: usize = 1000;
const KEYSTROKES: usize = 200;

fn spawn(home: &TestCodexHome) -> PtyTerminal {
    let mut command = Command::new(env!("CARGO_BIN_EXE_codex"));
    command
        .current_dir(home.workspace())
        .env("CODEX_HOME", home.path())
        .env("HOME", home.path())
        .env_remove("OPENAI_API_KEY")
        .env_remove("RUST_LOG");
    PtyTerminal::spawn(command, 40, 120)
}

fn trusted_home(server: &MockModelServer) -> TestCodexHome {
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    home.append_config(&format!(
        "\n[projects.\"{}\"]\ntrust_level = \"trusted\"\n",
        home.workspace().display()
    ));
    home
}

/// Milliseconds from each keystroke to the end of the frame that shows it
/// (a frame that shows the newest typed characters; frames drawn for other
/// reasons, such as streamed text, do not count).
fn keystroke_latencies(term: &mut PtyTerminal, count: usize) -> Vec<f64> {
    let mut samples = Vec::with_capacity(count);
    let mut typed = String::new();
    for i in 0..count {
        let from = term.output_len();
        let key = (b'a' + (i % 26) as u8) as char;
        typed.push(key);
        let tail: String = typed
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let started = Instant::now();
        term.send(key.to_string().as_bytes());
        let shown = term.wait_output(from, tail.as_bytes(), WAIT);
        term.wait_output(shown, END_FRAME, WAIT);
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        if i % 40 == 39 {
            // Keep the composer short: Ctrl-U clears the line.
            term.send(b"\x15");
            term.wait_for("Ask Codex to do anything", WAIT);
            typed.clear();
        }
    }
    samples
}

fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// User plus system CPU seconds of `pid` so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks / hz
}

fn rss_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    let kib: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024.0
}

fn main() {
    // First frame, idle latency and idle CPU.
    let server = MockModelServer::start();
    let home = trusted_home(&server);
    let started = Instant::now();
    let mut term = spawn(&home);
    term.wait_output(0, END_FRAME, WAIT);
    let first_frame = started.elapsed().as_secs_f64() * 1000.0;
    term.wait_for("ctrl+c quit", WAIT);
    let start_rss = rss_mib(term.pid(), "VmRSS:");
    let idle = keystroke_latencies(&mut term, KEYSTROKES);

    let before = cpu_seconds(term.pid());
    let from = term.output_len();
    std::thread::sleep(Duration::from_secs(10));
    let idle_cpu = cpu_seconds(term.pid()) - before;
    let idle_bytes = term.output_len() - from;
    if std::env::var_os("TUI_BENCH_DEBUG").is_some() {
        let raw = term.raw_output();
        eprintln!("idle output: {:?}", String::from_utf8_lossy(&raw[from..]));
    }

    // Latency while an answer streams: 2,000 deltas 5 ms apart.
    let words: Vec<String> = (0..2000)
        .map(|i| {
            if i % 12 == 11 {
                format!("word{i}\n")
            } else {
                format!("word{i} ")
            }
        })
        .collect();
    let mut frames = vec![
        responses_event("response.created", json!({"response": {"id": "r1"}})),
        responses_event(
            "response.output_item.added",
            json!({"item": {"type": "message", "id": "m1", "role": "assistant", "content": []}}),
        ),
    ];
    for word in &words {
        frames.push(responses_event(
            "response.output_text.delta",
            json!({"item_id": "m1", "delta": word}),
        ));
    }
    frames.push(responses_event(
        "response.output_item.done",
        json!({"item": {"type": "message", "id": "m1", "role": "assistant",
            "content": [{"type": "output_text", "text": words.concat(), "annotations": []}]}}),
    ));
    frames.push(responses_event(
        "response.completed",
        json!({"response": {"id": "r1"}}),
    ));
    server.push(Reply::frames(frames).event_delay(Duration::from_millis(5)));
    term.send(b"\x15");
    term.submit("stream something");
    term.wait_for("esc to interrupt", WAIT);
    let streaming = keystroke_latencies(&mut term, KEYSTROKES);
    drop(term);

    // Memory after 1,000 turns.
    let server = MockModelServer::start();
    let home = trusted_home(&server);
    for i in 0..TURNS {
        server.push_turn(
            Turn::new()
                .text(&format!("Answer {i}: here is a paragraph of **markdown** with `code`,\n\n- a list item\n- another one\n"))
                .usage(1000 + i as i64, 50),
        );
    }
    let mut term = spawn(&home);
    term.wait_for("Ask Codex to do anything", WAIT);
    let turns_started = Instant::now();
    for i in 0..TURNS {
        term.submit(&format!("question {i}"));
        term.wait_for(&format!("Answer {i}:"), WAIT);
        term.wait_for("ctrl+c quit", WAIT);
    }
    let turns_secs = turns_started.elapsed().as_secs_f64();
    let rss = rss_mib(term.pid(), "VmRSS:");
    let peak = rss_mib(term.pid(), "VmHWM:");
    drop(term);

    println!("tui benchmark (release build, 120x40 pseudo-terminal)");
    println!("  time to first frame:            {first_frame:.1} ms");
    println!("  RSS when ready:                 {start_rss:.1} MiB");
    println!(
        "  keystroke → frame, idle:        p50 {:.2} ms   p99 {:.2} ms   ({KEYSTROKES} keys)",
        percentile(&idle, 0.5),
        percentile(&idle, 0.99)
    );
    println!(
        "  keystroke → frame, streaming:   p50 {:.2} ms   p99 {:.2} ms   ({KEYSTROKES} keys)",
        percentile(&streaming, 0.5),
        percentile(&streaming, 0.99)
    );
    println!("  CPU over 10 idle seconds:       {idle_cpu:.3} s ({idle_bytes} bytes written)");
    println!(
        "  after {TURNS} turns:               RSS {rss:.1} MiB, peak {peak:.1} MiB ({:.1} ms per turn)",
        turns_secs * 1000.0 / TURNS as f64
    );
}
