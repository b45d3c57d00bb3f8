//! `codex app-server`: the JSON-RPC interface editors drive.
//!
//! # Design
//!
//! A frontend like `exec` and `mcp-server`: it reaches the engine only
//! through the [`codex_core::ThreadManager`] and the `Op`/`Event` seam, and
//! one process serves many threads. The wire is the reference's: JSON-RPC
//! 2.0 without the `"jsonrpc"` member (`rpc.rs`), in the shapes of the
//! reference's published JSON Schema (`items.rs`), with every request's
//! params parsed into a typed form first (`params.rs`).
//!
//! Transports (`listen.rs`): stdio (one message per line; the default), or
//! WebSocket text frames over TCP (`ws://IP:PORT`) or a Unix socket
//! (`unix://PATH`), with any number of clients (`websocket.rs`). Every
//! client is one connection (`connection.rs`) with its own processor and
//! threads; the thread manager is shared.
//!
//! Per connection, three kinds of task, none of which waits on another:
//! - the reader: hands requests to the processor (`processor.rs`), each in
//!   its own task once `initialize` is answered (before that, in order);
//!   answers to our requests go to whoever waits for them;
//! - one pump per loaded thread (`thread_pump.rs`): engine events become
//!   notifications, approval requests become requests to the client;
//! - the writer: drains the unbounded outgoing queue (`outgoing.rs`), so a
//!   client that reads slowly never blocks the others.
//!
//! EOF on stdin shuts every loaded thread down (interrupting a running
//! turn) and waits for their session files to be flushed. A socket client
//! that goes away loses nothing: its running turns finish (approvals they
//! still ask are declined) and are recorded, and another client can then
//! `thread/resume` them.

mod connection;
mod goal_methods;
mod items;
pub mod listen;
mod mcp_oauth_methods;
mod outgoing;
mod params;
mod processor;
pub mod protocol;
mod rewind_methods;
mod rpc;
pub mod schema_export;
mod skills_methods;
mod thread_methods;
mod thread_pump;
mod websocket;
mod workspace_methods;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use codex_config::{CliOverrides, find_codex_home, load_config};
use codex_core::{ThreadManager, ThreadManagerOptions};
use codex_protocol::rollout::SessionSource;
use futures::FutureExt;
use tokio::sync::mpsc;

pub use processor::IMPLEMENTED_METHODS;

use crate::connection::{OnClose, Server};
use crate::listen::{Auth, Listen};
use crate::outgoing::Outgoing;

/// How `codex app-server` serves: `--listen` and the token of a socket
/// listener.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// `stdio://` (default), `ws://IP:PORT`, `unix://PATH`.
    pub listen: Option<String>,
    /// `--auth-token-env VAR`: the bearer token WebSocket clients present.
    pub auth_token_env: Option<String>,
    /// `--ws-token-file PATH`: the same, from a private file.
    pub token_file: Option<PathBuf>,
}

/// Serves stdio until the client closes stdin, or a socket until stopped.
pub fn run_main(overrides: CliOverrides, options: ServeOptions) -> ExitCode {
    codex_core::run_async_main(async { run(overrides, options).await.map(|()| ExitCode::SUCCESS) })
}

async fn run(overrides: CliOverrides, options: ServeOptions) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    let listen = match &options.listen {
        Some(text) => Listen::parse(text, &codex_home)?,
        None => Listen::Stdio,
    };
    let auth = Auth {
        token: read_token(&options)?.map(Arc::from),
    };
    // Bad configuration is reported now, not at the first request.
    load_config(&codex_home, &overrides)?;
    let _log = codex_core::logging::init(&codex_home);
    let mut options = ThreadManagerOptions::new(SessionSource::VsCode, "codex_app_server")
        .with_turn_trigger("app_server");
    options.linux_sandbox_exe = std::env::current_exe().ok();
    let manager = Arc::new(ThreadManager::new(&codex_home, options));
    let server = Arc::new(Server::new(manager, codex_home, overrides));
    let socket = match listen {
        Listen::Stdio => None,
        Listen::WebSocket(addr) => Some(listen::serve_tcp(Arc::clone(&server), addr, auth).boxed()),
        Listen::Unix(path) => Some(listen::serve_unix(Arc::clone(&server), path).boxed()),
    };
    if let Some(socket) = socket {
        // Sessions files are durable line by line: stopping loses nothing
        // recorded.
        return tokio::select! {
            served = socket => served,
            _ = tokio::signal::ctrl_c() => Ok(()),
        };
    }

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

/// The token of `--auth-token-env VAR` or `--ws-token-file PATH`.
fn read_token(options: &ServeOptions) -> anyhow::Result<Option<String>> {
    use anyhow::{Context, bail};
    let token = match (&options.auth_token_env, &options.token_file) {
        (Some(_), Some(_)) => bail!("give --auth-token-env or --ws-token-file, not both"),
        (Some(var), None) => std::env::var(var).with_context(|| {
            format!("--auth-token-env {var}: the environment variable {var} is not set")
        })?,
        (None, Some(path)) => {
            let meta = std::fs::metadata(path)
                .with_context(|| format!("--ws-token-file {}", path.display()))?;
            if meta.permissions().mode() & 0o077 != 0 {
                bail!(
                    "--ws-token-file {}: the file is readable by others; chmod 600 it",
                    path.display()
                );
            }
            std::fs::read_to_string(path)
                .with_context(|| format!("--ws-token-file {}", path.display()))?
        }
        (None, None) => return Ok(None),
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        bail!("the app-server token is empty");
    }
    Ok(Some(token))
}
