//! MCP start-up: a session with three stdio servers, one of them slow
//! (sleeps 2 s before serving), against a session with the slow one alone —
//! the servers start together, so the first should take no longer than the
//! second. Also the wall time of `codex mcp list` with those servers
//! configured (it starts none of them).
//!
//! `cargo bench -p codex-cli --bench mcp_startup` (needs the test peers:
//! scripts/install-test-peers.sh).

// A measuring program, not product code.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::Instant;

use codex_test_support::peers::{npm_package, py_mcp_server, python};
use codex_test_support::{MockModelServer, TestCodexHome, Turn};

const RUNS: usize = 5;

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

/// Median seconds of `codex exec` answering one prompt with `servers`.
fn session_seconds(servers: &str) -> f64 {
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let server = MockModelServer::start();
        server.push_turn(Turn::new().text("ok"));
        let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
        home.append_config(servers);
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_codex"))
            .env("CODEX_HOME", home.path())
            .current_dir(home.workspace())
            .args(["exec", "--skip-git-repo-check", "hi"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        samples.push(started.elapsed().as_secs_f64());
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

fn main() {
    let slow = py("slow", ", \"--delay-start\", \"2\"");
    let three = format!("{}{}{slow}", py("quick", ""), everything());
    let alone = session_seconds(&slow);
    let together = session_seconds(&three);

    let home = TestCodexHome::new();
    home.write_config(&three);
    let mut list = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_codex"))
            .env("CODEX_HOME", home.path())
            .args(["mcp", "list"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        list.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    list.sort_by(|a, b| a.partial_cmp(b).unwrap());

    println!("mcp start-up (median of {RUNS} `codex exec` sessions, release build)");
    println!("  slow server alone (sleeps 2 s):          {alone:.2} s");
    println!("  three servers (python, everything, slow): {together:.2} s");
    println!(
        "  overhead of the two others:               {:+.2} s",
        together - alone
    );
    println!(
        "  `codex mcp list` (3 servers configured):  median {:.1} ms, max {:.1} ms",
        list[list.len() / 2],
        list[list.len() - 1]
    );
}
