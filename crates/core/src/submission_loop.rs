//! The submission loop: one session's [`Op`]s, handled in order.
//!
//! The match over [`Op`] is exhaustive, so a new op does not compile until it
//! is handled here. Ops that start work (a turn, a compaction) spawn a task
//! and return at once, so the loop stays free to take an interrupt or an
//! approval while the task runs.

use std::sync::Arc;

use codex_protocol::protocol::{
    EventMsg, GetHistoryEntryResponseEvent, Op, ReviewDecision, Submission, TurnAbortReason,
};
use codex_protocol::user_input::UserInput;
use tokio::sync::mpsc;
use tracing::{debug, info};

use crate::environment_context::EnvironmentContext;
use crate::features::SessionFeatures as _;
use crate::message_history;
use crate::session::Session;
use crate::state::SessionSettingsUpdate;
use crate::tasks::TaskKind;

pub(crate) async fn run(
    session: Arc<Session>,
    mut rx: mpsc::Receiver<Submission>,
    mut previous_env: Option<EnvironmentContext>,
) {
    while let Some(Submission { id, op }) = rx.recv().await {
        debug!(%id, op = op.name(), "submission");
        match op {
            Op::Interrupt => {
                // The children's work was part of the interrupted turn.
                session.features().agents.close_all().await;
                session.interrupt_task().await;
            }
            Op::OverrideTurnContext {
                cwd,
                approval_policy,
                sandbox_policy,
                model,
                effort,
                summary,
            } => {
                session.state.update_configuration(SessionSettingsUpdate {
                    cwd,
                    approval_policy,
                    sandbox_policy,
                    model,
                    reasoning_effort: effort,
                    reasoning_summary: summary,
                    final_output_json_schema: None,
                    collaboration_mode: None,
                });
            }
            Op::UserInput {
                items,
                final_output_json_schema,
            } => {
                let update = SessionSettingsUpdate {
                    final_output_json_schema: Some(final_output_json_schema),
                    ..Default::default()
                };
                user_turn(&session, &id, update, items, &mut previous_env).await;
            }
            Op::UserTurn {
                items,
                cwd,
                approval_policy,
                sandbox_policy,
                model,
                effort,
                summary,
                final_output_json_schema,
            } => {
                let update = SessionSettingsUpdate {
                    cwd: Some(cwd),
                    approval_policy: Some(approval_policy),
                    sandbox_policy: Some(sandbox_policy),
                    model: Some(model),
                    reasoning_effort: Some(effort),
                    reasoning_summary: Some(summary),
                    final_output_json_schema: Some(final_output_json_schema),
                    collaboration_mode: None,
                };
                user_turn(&session, &id, update, items, &mut previous_env).await;
            }
            Op::ExecApproval {
                id: call_id,
                decision,
            }
            | Op::PatchApproval {
                id: call_id,
                decision,
            } => {
                // A running review's reviewer asked: the answer is its.
                let reviewer = crate::state::lock(&session.features().review_child).clone();
                if let Some(reviewer) = reviewer {
                    let _ = reviewer
                        .submit(Op::ExecApproval {
                            id: call_id.clone(),
                            decision,
                        })
                        .await;
                }
                // A sub-agent's request was shown here; the answer is its
                // (call ids are unique, so only the asker acts on it).
                for child in session.features().agents.children() {
                    if !child.is_closed() {
                        let _ = child
                            .codex
                            .submit(Op::ExecApproval {
                                id: call_id.clone(),
                                decision,
                            })
                            .await;
                    }
                }
                if decision == ReviewDecision::Abort {
                    session.interrupt_task().await;
                } else {
                    session.notify_approval(&call_id, decision);
                }
            }
            Op::AddToHistory { text } => session.services.history.append(text),
            Op::GetHistoryEntryRequest { offset, log_id } => {
                get_history_entry(&session, id, offset, log_id)
            }
            Op::Compact => {
                let ctx = session.new_turn(&id, SessionSettingsUpdate::default());
                session.spawn_task(ctx, TaskKind::Compact, Vec::new()).await;
            }
            Op::RunUserShellCommand { command } => {
                let ctx = session.new_turn(&id, SessionSettingsUpdate::default());
                session
                    .spawn_task(ctx, TaskKind::UserShell { command }, Vec::new())
                    .await;
            }
            Op::Undo => crate::undo::start(&session, &id),
            Op::ListRewindPoints => crate::rewind::list_points(&session, &id),
            Op::Rewind {
                nth_user_message,
                mode: codex_protocol::rewind::RewindMode::Summarize,
                dry_run: false,
                ..
            } => {
                let ctx = session.new_turn(&id, SessionSettingsUpdate::default());
                session
                    .spawn_task(
                        ctx,
                        TaskKind::SummarizeFrom {
                            nth: nth_user_message,
                        },
                        Vec::new(),
                    )
                    .await;
            }
            Op::Rewind {
                nth_user_message,
                mode,
                dry_run,
                restore_edited,
            } => crate::rewind::start(
                &session,
                &id,
                crate::rewind::RewindRequest {
                    nth_user_message,
                    mode,
                    dry_run,
                    restore_edited,
                },
            ),
            Op::ThreadRollback { num_turns } => crate::rewind::rollback(&session, &id, num_turns),
            Op::DropMemories => {
                let session = Arc::clone(&session);
                let id = id.clone();
                tokio::spawn(async move {
                    let codex_home = session.services.config.codex_home.clone();
                    let db = session.services.state_db.clone();
                    let dropped = tokio::task::spawn_blocking(move || {
                        crate::memories::drop_memories(&codex_home, db.as_ref())
                    })
                    .await
                    .unwrap_or_else(|err| Err(err.to_string()));
                    match dropped {
                        Ok(()) => session.send_event_unrecorded(
                            &id,
                            EventMsg::BackgroundEvent(
                                codex_protocol::protocol::BackgroundEventEvent {
                                    message: "memories dropped".to_string(),
                                },
                            ),
                        ),
                        Err(message) => {
                            session
                                .send_error(&id, format!("cannot drop the memories: {message}"))
                                .await
                        }
                    }
                });
            }
            Op::Review { review_request } => {
                let ctx = session.new_turn(&id, SessionSettingsUpdate::default());
                session
                    .spawn_task(
                        ctx,
                        TaskKind::Review {
                            request: review_request,
                        },
                        Vec::new(),
                    )
                    .await;
            }
            Op::ListMcpTools => {
                let session = Arc::clone(&session);
                let id = id.clone();
                tokio::spawn(async move {
                    // What is known now: servers still starting are
                    // listed as such rather than waited for.
                    let manager = session.features().mcp.current().unwrap_or_default();
                    let tools = manager
                        .tools()
                        .iter()
                        .map(|t| {
                            (
                                t.qualified_name.clone(),
                                codex_protocol::mcp::McpToolSummary {
                                    server: t.server.clone(),
                                    tool: t.tool.clone(),
                                    description: t.description.clone(),
                                },
                            )
                        })
                        .collect();
                    session.send_event_unrecorded(
                        &id,
                        EventMsg::McpListToolsResponse(
                            codex_protocol::mcp::McpListToolsResponseEvent {
                                tools,
                                failed: manager.failures().to_vec(),
                                starting: manager.starting_servers(),
                            },
                        ),
                    );
                });
            }
            Op::SetSkillEnabled { path, enabled } => {
                let found = session
                    .features()
                    .skills
                    .with_manager(|skills| skills.set_enabled_for_session(&path, enabled));
                if found != Some(true) {
                    session
                        .send_error(&id, format!("no skill at {}", path.display()))
                        .await;
                }
            }
            Op::ResolveElicitation {
                server_name,
                request_id,
                decision,
                content,
            } => session.features().mcp.resolve_elicitation(
                server_name,
                request_id,
                codex_mcp::ElicitationResponse {
                    action: decision,
                    content,
                },
            ),
            Op::UserInputAnswer {
                id: call_id,
                response,
            } => {
                session.notify_user_input(&call_id, response);
            }
            Op::SetThreadGoal {
                objective,
                status,
                token_budget,
            } => {
                let result = match (objective, status) {
                    (Some(objective), _) => {
                        crate::goals::create(&session, &id, &objective, token_budget, true).await
                    }
                    (None, Some(status)) => crate::goals::set_status(&session, &id, status).await,
                    (None, None) => Err("give an objective or a status for the goal".to_string()),
                };
                if let Err(message) = result {
                    session.send_error(&id, message).await;
                }
            }
            Op::ClearThreadGoal => {
                crate::goals::clear(&session, &id).await;
            }
            Op::SetCollaborationMode { mode } => {
                crate::plan_mode::set_mode(&session, &id, mode).await;
            }
            Op::CleanBackgroundTerminals { process_id } => {
                clean_background_terminals(&session, &id, process_id).await;
            }
            Op::Shutdown => {
                session.features().agents.close_all().await;
                session.abort_all_tasks(TurnAbortReason::Interrupted).await;
                session.features().unified_exec.end_all();
                session.features().mcp.shutdown().await;
                info!("shutting down");
                session.flush_rollout().await;
                session.send_event_unrecorded(&id, EventMsg::ShutdownComplete);
                break;
            }
        }
    }
    debug!("submission loop exited");
}

/// `/stop`: ends one interactive command, or all of them.
async fn clean_background_terminals(session: &Session, id: &str, process_id: Option<String>) {
    let unified_exec = &session.features().unified_exec;
    let Some(process_id) = process_id else {
        unified_exec.end_all();
        return;
    };
    let ended = process_id
        .trim()
        .parse::<i32>()
        .is_ok_and(|pid| unified_exec.end(pid));
    if !ended {
        session
            .send_event(
                id,
                EventMsg::Error(codex_protocol::protocol::ErrorEvent {
                    message: format!(
                        "no background command with id {process_id} is running (/ps lists them)"
                    ),
                }),
            )
            .await;
    }
}

async fn user_turn(
    session: &Arc<Session>,
    sub_id: &str,
    update: SessionSettingsUpdate,
    items: Vec<UserInput>,
    previous_env: &mut Option<EnvironmentContext>,
) {
    if let Some(message) = codex_protocol::user_input::input_too_large(&items) {
        // Frontends check first; this is the engine's own wall.
        session.send_error(sub_id, message).await;
        return;
    }
    // No input asks for a turn on the mailbox (`multi_agent_v2`): a turn
    // that is running reads it with its next request.
    if items.is_empty() && session.active_turn.state().is_some() {
        return;
    }
    let ctx = session.new_turn(sub_id, update);
    // Input during a task joins it; otherwise it starts one.
    let Err(items) = session.inject_input(items) else {
        return;
    };
    let env = session.environment_context(&ctx);
    if let Some(diff) = previous_env.as_ref().and_then(|prev| prev.diff(&env)) {
        session
            .record_conversation_items(&ctx, &[diff.to_response_item()])
            .await;
    }
    *previous_env = Some(env);
    crate::skills::refresh_before_turn(session, &ctx).await;
    session.spawn_task(ctx, TaskKind::Regular, items).await;
}

/// Looks up a history.jsonl entry on a blocking thread and answers with
/// `get_history_entry_response`.
fn get_history_entry(session: &Arc<Session>, id: String, offset: usize, log_id: u64) {
    let session = Arc::clone(session);
    tokio::spawn(async move {
        let codex_home = session.services.config.codex_home.clone();
        let known = session.services.history_count.clone();
        let entry = tokio::task::spawn_blocking(move || {
            message_history::lookup(&codex_home, log_id, offset, Some(&known))
        })
        .await
        .unwrap_or(None);
        session.send_event_unrecorded(
            &id,
            EventMsg::GetHistoryEntryResponse(GetHistoryEntryResponseEvent {
                offset,
                log_id,
                entry,
            }),
        );
    });
}
