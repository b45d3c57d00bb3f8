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

mod connection;
mod items;
mod outgoing;
mod params;
mod processor;
pub mod protocol;
mod rpc;
pub mod schema_export;
mod thread_methods;
mod thread_pump;
mod workspace_methods;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use codex_config::{CliOverrides, find_codex_home, load_config};
use codex_core::{ThreadManager, ThreadManagerOptions};
use codex_protocol::rollout::SessionSource;
use tokio::sync::mpsc;

pub use processor::IMPLEMENTED_METHODS;

use crate::connection::{OnClose, Server};
use crate::outgoing::Outgoing;

/// Serves stdio until the client closes stdin.
pub fn run_main(overrides: CliOverrides) -> ExitCode {
    codex_core::run_async_main(async { run(overrides).await.map(|()| ExitCode::SUCCESS) })
}

async fn run(overrides: CliOverrides) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    // Bad configuration is reported now, not at the first request.
    load_config(&codex_home, &overrides)?;
    let _log = codex_core::logging::init(&codex_home);
    let mut options = ThreadManagerOptions::new(SessionSource::VsCode, "codex_app_server");
    options.linux_sandbox_exe = std::env::current_exe().ok();
    let manager = Arc::new(ThreadManager::new(&codex_home, options));
    let server = Arc::new(Server::new(manager, codex_home, overrides));

    let (outgoing, queue) = Outgoing::new();
    let outgoing = Arc::new(outgoing);
    let writer = tokio::spawn(outgoing::write_all(queue, tokio::io::stdout()));
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(connection::read_lines(tokio::io::stdin(), tx));
    // EOF on stdin: every thread is stopped and its file flushed.
    connection::serve(server, rx, Arc::clone(&outgoing), OnClose::ShutDown).await;
    drop(outgoing);
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
    Ok(())
}
