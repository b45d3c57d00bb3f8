//! `codex acp`: the agent over the Agent Client Protocol (ACP), so that
//! Zed, JetBrains IDEs, Neovim and every other ACP editor run codex
//! natively.
//!
//! # Design
//!
//! A frontend like `mcp-server` and `app-server`: it holds a
//! [`codex_core::ThreadManager`] and reaches the engine only through the
//! Op/Event seam. The protocol is the official SDK's
//! (`agent-client-protocol`, protocol version 1) over stdio, never
//! hand-written types. The pieces:
//!
//! - `agent.rs`: one method per ACP request — `initialize`, `authenticate`,
//!   `session/new` and `session/load` (a thread started or resumed, the
//!   client's MCP servers joined to ours), `session/prompt`,
//!   `session/cancel`, `session/set_mode`, `session/set_config_option`.
//! - `session.rs`: a session is a live thread plus a pump task reading its
//!   events: items become `session/update` notifications, approvals become
//!   `session/request_permission` requests whose answers go back as the
//!   TUI's would, and a turn's end answers its `session/prompt`.
//! - `updates.rs` (with `diff.rs`): the item model mapped to ACP updates —
//!   the one place `TurnItem`s are shown, live and when a recorded session
//!   is replayed.
//! - `prompt.rs`: content blocks as user input (embedded files as `@`
//!   mentions with their text); `buffers.rs`: linked files read from the
//!   editor (`fs/read_text_file`, unsaved buffers) when the client offers it; `commands.rs`: skills as slash commands;
//!   `modes.rs`: approval presets as modes and
//!   the model choice as a config option.
//!
//! Nothing waits inside the SDK's dispatch loop: a prompt is answered from
//! a task, a permission request is sent from a task, so a client can
//! cancel, answer and send more while a turn runs.

mod agent;
mod buffers;
mod commands;
mod diff;
mod modes;
mod prompt;
mod session;
mod updates;

use std::process::ExitCode;
use std::sync::Arc;

use agent_client_protocol::v1::schema::{
    AuthenticateRequest, CancelNotification, InitializeRequest, LoadSessionRequest,
    NewSessionRequest, PromptRequest, PromptResponse, SetSessionConfigOptionRequest,
    SetSessionModeRequest, StopReason,
};
use agent_client_protocol::{Agent, ConnectTo, on_receive_notification, on_receive_request};
use codex_config::{CliOverrides, find_codex_home, load_config};
use codex_core::{ThreadManager, ThreadManagerOptions};
use codex_protocol::rollout::SessionSource;

use crate::agent::CodexAgent;
use crate::session::PromptEnd;

/// Serves ACP on stdin/stdout until the client closes stdin.
pub fn run_main(overrides: CliOverrides) -> ExitCode {
    codex_core::run_async_main(async { run(overrides).await.map(|()| ExitCode::SUCCESS) })
}

async fn run(mut overrides: CliOverrides) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    // Bad configuration is reported now, on stderr, not at the first session.
    let config = load_config(&codex_home, &overrides)?;
    // No person at a terminal: approvals go to the editor.
    overrides.default_approval_policy = Some(config.approval_policy);
    let _log = codex_core::logging::init(&codex_home);
    let mut options =
        ThreadManagerOptions::new(SessionSource::VsCode, "codex_acp").with_turn_trigger("acp");
    options.linux_sandbox_exe = std::env::current_exe().ok();
    let manager = Arc::new(ThreadManager::new(&codex_home, options));
    let agent = Arc::new(CodexAgent::new(manager, codex_home, overrides));
    serve(Arc::clone(&agent), agent_client_protocol::Stdio::new()).await?;
    // The client is gone: stop every session and flush its file.
    for session in agent.live_sessions() {
        session.shut_down().await;
    }
    Ok(())
}

/// Runs the protocol on `transport` until it closes.
async fn serve(
    agent: Arc<CodexAgent>,
    transport: impl ConnectTo<Agent> + 'static,
) -> anyhow::Result<()> {
    let (a1, a2, a3, a4, a5, a6, a7, a8) = (
        Arc::clone(&agent),
        Arc::clone(&agent),
        Arc::clone(&agent),
        Arc::clone(&agent),
        Arc::clone(&agent),
        Arc::clone(&agent),
        Arc::clone(&agent),
        agent,
    );
    Agent
        .v1()
        .name("codex")
        .on_receive_request(
            async move |request: InitializeRequest, responder, _cx| {
                responder.respond(a1.initialize(request))
            },
            on_receive_request!(),
        )
        .on_receive_request(
            async move |request: AuthenticateRequest, responder, _cx| {
                responder.respond_with_result(a2.authenticate(request))
            },
            on_receive_request!(),
        )
        .on_receive_request(
            async move |request: NewSessionRequest, responder, cx| match a3
                .new_session(request, &cx)
                .await
            {
                Ok((response, session)) => {
                    let commands = a3.commands(&session.cwd);
                    responder.respond(response)?;
                    session::after_start(&session, &cx, commands);
                    Ok(())
                }
                Err(error) => responder.respond_with_error(error),
            },
            on_receive_request!(),
        )
        .on_receive_request(
            async move |request: LoadSessionRequest, responder, cx| match a4
                .load_session(request, &cx)
                .await
            {
                Ok((response, session)) => {
                    let commands = a4.commands(&session.cwd);
                    responder.respond(response)?;
                    session::after_start(&session, &cx, commands);
                    Ok(())
                }
                Err(error) => responder.respond_with_error(error),
            },
            on_receive_request!(),
        )
        .on_receive_request(
            async move |request: PromptRequest, responder, cx| {
                let (session, ended) = match a5.begin_prompt(&request) {
                    Ok(claimed) => claimed,
                    Err(error) => return responder.respond_with_error(error),
                };
                // The turn runs and is answered from a task: the dispatch
                // loop goes on (cancel, permissions, buffer reads).
                let agent = Arc::clone(&a5);
                tokio::spawn(async move {
                    if let Err(error) = agent.start_turn(&session, request.prompt, &cx).await {
                        drop(ended);
                        let _ = responder.respond_with_error(error);
                        return;
                    }
                    let answer = match ended.await {
                        Ok(PromptEnd::Stopped(reason)) => Ok(PromptResponse::new(reason)),
                        Ok(PromptEnd::Failed(message)) => {
                            let mut error = agent_client_protocol::Error::internal_error();
                            error.message = message;
                            Err(error)
                        }
                        Err(_) => Ok(PromptResponse::new(StopReason::Cancelled)),
                    };
                    let _ = responder.respond_with_result(answer);
                });
                Ok(())
            },
            on_receive_request!(),
        )
        .on_receive_request(
            async move |request: SetSessionModeRequest, responder, cx| {
                responder.respond_with_result(a6.set_mode(request, &cx).await)
            },
            on_receive_request!(),
        )
        .on_receive_request(
            async move |request: SetSessionConfigOptionRequest, responder, _cx| {
                responder.respond_with_result(a7.set_config_option(request).await)
            },
            on_receive_request!(),
        )
        .on_receive_notification(
            async move |notification: CancelNotification, _cx| {
                a8.cancel(notification).await;
                Ok(())
            },
            on_receive_notification!(),
        )
        .connect_to(transport)
        .await
        .map_err(|err| anyhow::anyhow!("the ACP connection failed: {err}"))
}
