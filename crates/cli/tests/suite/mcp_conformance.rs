//! The official MCP conformance suite (`@modelcontextprotocol/conformance`)
//! against codex's MCP client, run as it is: the suite starts its scenario
//! server and runs `codex debug mcp-client <url>`.
//!
//! Scenarios that apply: every client scenario except the `auth/*` ones,
//! which test OAuth flows codex does not implement (servers take a bearer
//! token or headers). The server scenarios need a streamable HTTP server
//! with the suite's fixture tools; `codex mcp-server` serves stdio and
//! offers `codex` and `codex-reply`, so they do not apply.

use std::process::Command;

use codex_test_support::peers::{node22, npm_bin};

fn run_client_scenario(scenario: &str) {
    let node_dir = node22().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        node_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let results = tempfile::tempdir().unwrap();
    let output = Command::new(npm_bin("conformance"))
        .args([
            "client",
            "--command",
            &format!("{} debug mcp-client", env!("CARGO_BIN_EXE_codex")),
            "--scenario",
            scenario,
            "-o",
        ])
        .arg(results.path())
        .env("PATH", path)
        .current_dir(results.path())
        .output()
        .unwrap();
    // The suite reports on both streams.
    let stdout = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && stdout.contains(" 0 failed"),
        "scenario {scenario} failed ({:?}):\n{stdout}",
        output.status,
    );
}

#[test]
fn client_initialize() {
    run_client_scenario("initialize");
}

#[test]
fn client_tools_call() {
    run_client_scenario("tools_call");
}

#[test]
fn client_elicitation_defaults() {
    run_client_scenario("elicitation-sep1034-client-defaults");
}

#[test]
fn client_sse_retry() {
    run_client_scenario("sse-retry");
}
