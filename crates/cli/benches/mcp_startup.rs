//! MCP start-up: a one-message `codex exec` with no server, with one server
//! that hangs plus one whose binary is missing, and with three real servers
//! (the Python SDK's, `everything`, and a Python one that sleeps 2 s before
//! serving). Servers start in the background, so none of these should take
//! longer than the session without servers (plus 50 ms). With
//! `CODEX_REFERENCE_BIN` set, the same sessions of that binary (the
//! reference Codex CLI, `-m gpt-5.5`) are measured beside ours. Also the wall
//! time of `codex mcp list` with the servers configured (it starts none).
//!
//! `cargo bench -p codex-cli --bench mcp_startup` (needs the test peers:
//! scripts/install-test-peers.sh).

// A measuring program, not product code.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::Instant;

use codex_test_support::peers::{npm_package, py_mcp_server, python};
use codex_test_support::{MockModelServer, TestCodexHome, Turn};

const RUNS: usize = 11;

fn py(name: &str, extra: &str) -> String {
    format!(
        "\n[mcp_servers.{name}]\ncommand = {:?}\nargs = [{:?}{extra}]\nstartup_timeout_sec = 30\n",
        python().display().to_string(),
        py_mcp_server().display().to_string()
    )
}

fn everything() -> String {
    format!(
        "\n[mcp_servers.everything]\ncommand = \"node\"\nargs = [{:?}, \"stdio\"]\nstartup_timeout_sec = 30\n",
        npm_package("@modelcontextprotocol/server-everything")
            .join("dist/index.js")
            .display()
            .to_string()
    )
}

/// Median seconds of `binary exec` answering one prompt with `servers`.
fn session_seconds(binary: &str, servers: &str) -> f64 {
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let server = MockModelServer::start();
        server.push_turn(Turn::new().text("ok"));
        let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
        home.append_config(servers);
        let started = Instant::now();
        let status = Command::new(binary)
            .env("CODEX_HOME", home.path())
            .current_dir(home.workspace())
            .args(["exec", "--skip-git-repo-check", "-m", "gpt-5.5", "hi"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{binary} failed");
        samples.push(started.elapsed().as_secs_f64());
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

fn main() {
    let hung_and_missing = format!(
        "{}\n[mcp_servers.missing]\ncommand = \"definitely-not-a-command-9\"\n",
        py("hangs", ", \"--never-initialize\"")
    );
    let slow = py("slow", ", \"--delay-start\", \"2\"");
    let three = format!("{}{}{slow}", py("quick", ""), everything());
    let cases = [
        ("no MCP server", String::new()),
        ("one hung + one missing binary", hung_and_missing),
        ("three real servers (one takes 2 s)", three.clone()),
    ];
    let ours = env!("CARGO_BIN_EXE_codex");
    let reference = std::env::var("CODEX_REFERENCE_BIN").ok();
    println!("mcp start-up: median of {RUNS} one-message `codex exec` sessions (seconds)");
    println!(
        "  {:<38} {:>8} {:>10}",
        "servers configured", "ours", "reference"
    );
    for (label, servers) in &cases {
        let mine = session_seconds(ours, servers);
        let theirs = reference.as_deref().map_or("-".to_string(), |bin| {
            format!("{:.2}", session_seconds(bin, servers))
        });
        println!("  {label:<38} {mine:>8.2} {theirs:>10}");
    }

    let home = TestCodexHome::new();
    home.write_config(&three);
    let mut list = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let status = Command::new(ours)
            .env("CODEX_HOME", home.path())
            .args(["mcp", "list"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        list.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    list.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "  `codex mcp list` (3 servers configured):  median {:.1} ms, max {:.1} ms",
        list[list.len() / 2],
        list[list.len() - 1]
    );
}
