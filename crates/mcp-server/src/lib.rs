//! `codex mcp-server`: Codex as an MCP server over stdio.
//!
//! # Design
//!
//! A frontend like `exec`: every `codex` call starts a thread through the
//! [`codex_core::ThreadManager`] (several can run at once) and every
//! `codex-reply` continues one; the engine is reached only through the
//! Op/Event seam (`server.rs`). The MCP protocol is the official SDK's
//! (`rmcp`). Output goes through an unbounded queue to stdout
//! (`stdout.rs`), so a client that reads slowly can never stall the
//! server's reading of its requests. Input passes a check first
//! (`input.rs`) that answers what the SDK would drop or misjudge.

mod input;
mod questions;
mod server;
mod stdout;
mod tools;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use codex_config::{CliOverrides, find_codex_home, load_config};
use codex_core::{ThreadManager, ThreadManagerOptions};
use codex_protocol::protocol::Op;
use codex_protocol::rollout::SessionSource;
use rmcp::ServiceExt;

use crate::server::CodexMcpServer;

/// Runs the server until the client closes stdin.
pub fn run_main(overrides: CliOverrides) -> ExitCode {
    codex_core::run_async_main(async { run(overrides).await.map(|()| ExitCode::SUCCESS) })
}

async fn run(mut overrides: CliOverrides) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    // Bad configuration is reported now, not at the first call.
    let config = load_config(&codex_home, &overrides)?;
    // No person at a terminal: approvals go to the client as elicitations.
    overrides.default_approval_policy = Some(config.approval_policy);
    let _log = codex_core::logging::init(&codex_home);
    let mut options =
        ThreadManagerOptions::new(SessionSource::Mcp, "codex_mcp_server").with_turn_trigger("mcp");
    options.linux_sandbox_exe = std::env::current_exe().ok();
    let manager = Arc::new(ThreadManager::new(&codex_home, options));
    let server = CodexMcpServer::new(Arc::clone(&manager), codex_home, overrides);
    let (stdout, writer) = stdout::queued_stdout();
    let replies = stdout
        .line_sender()
        .context("the output queue closed before the server started")?;
    let stdin = input::checked_input(tokio::io::stdin(), replies);
    let service = server
        .serve((stdin, stdout))
        .await
        .context("the MCP handshake failed")?;
    let _ = service.waiting().await;
    // The client is gone: stop every session and flush its file.
    for id in manager.live_threads() {
        if let Some(thread) = manager.remove_thread(id) {
            let _ = thread.submit(Op::Shutdown).await;
            let wait = async {
                while let Ok(event) = thread.next_event().await {
                    if matches!(
                        event.msg,
                        codex_protocol::protocol::EventMsg::ShutdownComplete
                    ) {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), wait).await;
        }
    }
    let _ = writer.await;
    Ok(())
}
