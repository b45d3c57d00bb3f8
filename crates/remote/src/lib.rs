//! `codex --remote`: the interactive interface on an engine that runs in an
//! app-server elsewhere (`codex app-server --listen ws://…|unix://…`).
//!
//! # Design
//!
//! The interface talks to every engine through one seam: it submits [`Op`]s
//! and reads [`Event`]s of a [`codex_core::Codex`]. [`connect`] builds such
//! a `Codex` whose far end is not an in-process session but a pump
//! (`pump.rs`) that turns ops into the app-server's JSON-RPC requests and
//! the server's notifications and requests back into events — the item
//! model (`item/started` → `ItemStarted`, deltas → `ItemUpdated`), turns,
//! approvals (answered through the ordinary `ExecApproval`/`PatchApproval`
//! ops), elicitations, errors. So the interface needs no second code path:
//! it draws a remote thread exactly as a local one.
//!
//! What stays local: the configuration the interface reads for its own
//! looks, the composer's history. What the server decides: the model,
//! policies and working directory of the thread (its own configuration),
//! unless the person changes them for the next turn (`/model`,
//! `/approvals`). Features that need the engine in-process (`/review`,
//! `/undo`, `!` commands) say they are not available.
//!
//! [`Op`]: codex_protocol::protocol::Op
//! [`Event`]: codex_protocol::protocol::Event

mod connection;
mod items;
mod pump;

use std::path::PathBuf;
use std::sync::Arc;

use codex_core::{Codex, NewThread};
use codex_protocol::ThreadId;
use codex_protocol::protocol::{
    AskForApproval, EventMsg, ItemCompletedEvent, SandboxPolicy, SessionConfiguredEvent,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use connection::Rpc;

/// Why a remote thread could not be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RemoteError {
    #[error("--remote {0}: expected ws://HOST:PORT or unix:///PATH")]
    Endpoint(String),
    #[error("cannot reach the app-server at {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error("the app-server refused: {0}")]
    Server(String),
    #[error("the connection to the app-server ended: {0}")]
    Closed(String),
    #[error("no recorded thread on the app-server to resume")]
    NothingToResume,
}

/// Which thread to open.
#[derive(Debug, Clone)]
pub enum RemoteStart {
    New,
    /// A thread by id.
    Resume(String),
    /// The newest recorded thread.
    Last,
}

/// What [`connect`] needs.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    /// `ws://HOST:PORT` or `unix:///PATH`.
    pub endpoint: String,
    /// The bearer token the server asks for.
    pub token: Option<String>,
    pub start: RemoteStart,
    /// The client's name and version, for the server's user agent.
    pub client_version: String,
}

/// Connects, initializes, opens the thread and starts its pump.
pub async fn connect(options: RemoteOptions) -> Result<NewThread, RemoteError> {
    let (rpc, incoming) = Rpc::open(&options.endpoint, options.token.as_deref()).await?;
    rpc.call(
        "initialize",
        json!({"clientInfo": {"name": "codex_cli_rs", "title": "Codex CLI (remote)", "version": options.client_version}}),
    )
    .await?;
    rpc.notify("initialized", json!({}));
    let response = match &options.start {
        RemoteStart::New => rpc.call("thread/start", json!({})).await?,
        RemoteStart::Resume(id) => rpc.call("thread/resume", json!({"threadId": id})).await?,
        RemoteStart::Last => {
            let list = rpc.call("thread/list", json!({"limit": 1})).await?;
            let id = list["data"][0]["id"]
                .as_str()
                .ok_or(RemoteError::NothingToResume)?
                .to_string();
            rpc.call("thread/resume", json!({"threadId": id})).await?
        }
    };
    let configured = session_configured(&response)?;
    let thread_id = configured.session_id;
    let (tx_sub, rx_sub) = mpsc::channel(64);
    let (tx_event, rx_event) = mpsc::unbounded_channel();
    let pump = pump::Pump::new(Arc::clone(&rpc), thread_id, tx_event);
    tokio::spawn(pump.run(rx_sub, incoming));
    Ok(NewThread {
        thread_id,
        thread: Arc::new(Codex::from_channels(thread_id, tx_sub, rx_event)),
        session_configured: configured,
    })
}

/// The session as `thread/start`/`thread/resume` describe it; a resumed
/// thread's earlier items become the events to replay.
fn session_configured(response: &Value) -> Result<SessionConfiguredEvent, RemoteError> {
    let thread = &response["thread"];
    let malformed = || RemoteError::Server(format!("unexpected answer: {response}"));
    let session_id: ThreadId = thread["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .ok_or_else(malformed)?;
    let approval_policy: AskForApproval =
        serde_json::from_value(response["approvalPolicy"].clone()).unwrap_or_default();
    let replay: Vec<EventMsg> = thread["turns"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|turn| {
            let turn_id = turn["id"].as_str().unwrap_or_default().to_string();
            turn["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(items::turn_item)
                .map(move |item| {
                    EventMsg::ItemCompleted(ItemCompletedEvent {
                        thread_id: session_id,
                        turn_id: turn_id.clone(),
                        item,
                        started_at_ms: 0,
                        completed_at_ms: 0,
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(SessionConfiguredEvent {
        session_id,
        model: response["model"].as_str().unwrap_or_default().to_string(),
        model_provider_id: response["modelProvider"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        approval_policy,
        sandbox_policy: sandbox_policy(&response["sandbox"]),
        cwd: PathBuf::from(response["cwd"].as_str().unwrap_or_default()),
        reasoning_effort: serde_json::from_value(response["reasoningEffort"].clone())
            .unwrap_or_default(),
        // The composer's history is this machine's; none is offered from
        // the server.
        history_log_id: 0,
        history_entry_count: 0,
        initial_messages: (!replay.is_empty()).then_some(replay),
        // The session file is on the server's disk, not readable here.
        rollout_path: None,
        instruction_files: Vec::new(),
    })
}

/// The app-server's sandbox description as the engine's policy.
fn sandbox_policy(sandbox: &Value) -> SandboxPolicy {
    match sandbox["type"].as_str() {
        Some("dangerFullAccess") => SandboxPolicy::DangerFullAccess,
        Some("workspaceWrite") => SandboxPolicy::WorkspaceWrite {
            writable_roots: sandbox["writableRoots"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(PathBuf::from))
                .collect(),
            network_access: sandbox["networkAccess"].as_bool().unwrap_or(false),
            exclude_tmpdir_env_var: sandbox["excludeTmpdirEnvVar"].as_bool().unwrap_or(false),
            exclude_slash_tmp: sandbox["excludeSlashTmp"].as_bool().unwrap_or(false),
        },
        _ => SandboxPolicy::ReadOnly,
    }
}
