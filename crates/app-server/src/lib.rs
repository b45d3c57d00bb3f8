//! `codex app-server`: the JSON-RPC interface editors drive.
//!
//! # Design
//!
//! A frontend like `exec` and `mcp-server`: it reaches the engine only
//! through the [`codex_core::ThreadManager`] and the `Op`/`Event` seam, and
//! one process serves many threads. The wire is the reference's: JSON-RPC
//! 2.0 without the `"jsonrpc"` member, one message per line on stdio
//! (`rpc.rs`), in the shapes of the reference's published JSON Schema
//! (`items.rs`).
//!
//! Three kinds of task, none of which waits on another:
//! - the reader: parses each line and hands requests to the processor
//!   (`processor.rs`), each in its own task; answers to our requests go to
//!   whoever waits for them;
//! - one pump per loaded thread (`thread_pump.rs`): engine events become
//!   notifications, approval requests become requests to the client;
//! - the writer: drains the unbounded outgoing queue (`outgoing.rs`) to
//!   stdout, so a client that reads slowly never blocks the others.
//!
//! EOF on stdin shuts every loaded thread down (interrupting a running
//! turn) and waits for their session files to be flushed.

mod items;
mod outgoing;
mod processor;
pub mod protocol;
mod rpc;
pub mod schema_export;
mod thread_pump;
mod workspace_methods;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use codex_config::{CliOverrides, find_codex_home, load_config};
use codex_core::{ThreadManager, ThreadManagerOptions};
use codex_protocol::rollout::SessionSource;
use tokio::io::AsyncBufReadExt;

pub use processor::IMPLEMENTED_METHODS;

use crate::outgoing::Outgoing;
use crate::processor::Processor;
use crate::rpc::Incoming;

/// The longest a line from the client may be (a message with images).
const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// Serves stdio until the client closes stdin.
pub fn run_main(overrides: CliOverrides) -> ExitCode {
    codex_core::run_async_main(async { run(overrides).await.map(|()| ExitCode::SUCCESS) })
}

async fn run(overrides: CliOverrides) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    // Bad configuration is reported now, not at the first request.
    load_config(&codex_home, &overrides)?;
    let _log = codex_core::logging::init(&codex_home);
    let mut options = ThreadManagerOptions::new(SessionSource::VsCode, "codex_app_server")
        .with_turn_trigger("app_server");
    options.linux_sandbox_exe = std::env::current_exe().ok();
    let manager = Arc::new(ThreadManager::new(&codex_home, options));

    let (outgoing, queue) = Outgoing::new();
    let outgoing = Arc::new(outgoing);
    let writer = tokio::spawn(outgoing::write_all(queue, tokio::io::stdout()));
    let processor = Processor::new(manager, codex_home, overrides, Arc::clone(&outgoing));

    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    loop {
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(err) => {
                tracing::warn!("cannot read stdin: {err}");
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        if line.len() > MAX_LINE_BYTES {
            outgoing.raw(rpc::error_message(
                serde_json::Value::Null,
                &rpc::RpcError::invalid_request("message too large"),
            ));
            continue;
        }
        match rpc::parse_line(&line) {
            Ok(Incoming::Request { id, method, params }) => {
                tokio::spawn(Arc::clone(&processor).handle(id, method, params));
            }
            Ok(Incoming::Notification { method }) => {
                tracing::debug!(%method, "client notification");
            }
            Ok(Incoming::Response { id, result }) => {
                if !outgoing.resolve(&id, result) {
                    tracing::warn!(%id, "an answer to no request of ours");
                }
            }
            Err(error) => outgoing.raw(error),
        }
    }

    // The client is gone: stop every thread and let it flush its file.
    for thread in processor.take_threads() {
        thread.shut_down().await;
    }
    drop(processor);
    drop(outgoing);
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
    Ok(())
}
