//! The queue pair (`submit` / `next_event`) and the submission loop.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use codex_client::auth::resolve_api_key;
use codex_client::http_client;
use codex_config::Config;
use codex_protocol::ThreadId;
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{
    Event, EventMsg, GetHistoryEntryResponseEvent, Op, ReviewDecision, SessionConfiguredEvent,
    Submission,
};
use codex_protocol::rollout::{
    RolloutItem, SessionMeta, SessionMetaLine, SessionSource, TurnContextItem,
};
use tokio::sync::mpsc;
use tracing::{Instrument, debug, info, warn};

use crate::compact::{build_compacted_history, collect_user_messages};
use crate::environment_context::EnvironmentContext;
use crate::error::{CodexErr, CodexResult};
use crate::instructions::BASE_INSTRUCTIONS;
use crate::message_history;
use crate::notify::UserNotifier;
use crate::project_doc::user_instructions;
use crate::rollout::{RolloutRecorder, RolloutRecorderParams};
use crate::session::{INITIAL_SUBMIT_ID, Session};
use crate::state::{SessionConfiguration, SessionServices, SessionSettingsUpdate};
use crate::tasks::TaskKind;
use crate::util::timestamp_now;

/// Submissions waiting for the loop; a frontend that submits faster than
/// this waits.
const SUBMISSION_CHANNEL_CAPACITY: usize = 64;

/// How a session starts.
#[derive(Debug, Clone, Default)]
pub enum InitialHistory {
    #[default]
    New,
    /// Continue a session: same id, same file.
    Resumed {
        thread_id: ThreadId,
        items: Vec<RolloutItem>,
        rollout_path: PathBuf,
    },
    /// Copy a session's history into a new session.
    Forked {
        from: ThreadId,
        items: Vec<RolloutItem>,
    },
}

/// Who starts the session and how.
#[derive(Debug, Clone)]
pub struct SpawnParams {
    pub initial_history: InitialHistory,
    pub source: SessionSource,
    /// `codex_exec`, `codex_cli_rs`, ...: sent as the `originator` header.
    pub originator: String,
    /// Do not write a session file.
    pub ephemeral: bool,
    /// The program that plays `codex-linux-sandbox` (normally the running
    /// `codex` binary).
    pub linux_sandbox_exe: Option<PathBuf>,
    /// The state database, if the frontend opened one (the session works
    /// without it).
    pub state_db: Option<codex_state::StateDb>,
}

/// The engine, as a queue pair.
pub struct Codex {
    next_id: AtomicU64,
    tx_sub: mpsc::Sender<Submission>,
    rx_event: tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    thread_id: ThreadId,
}

impl Codex {
    /// Starts a session. The first event is `session_configured`.
    pub async fn spawn(config: Config, params: SpawnParams) -> CodexResult<Self> {
        let (tx_sub, rx_sub) = mpsc::channel(SUBMISSION_CHANNEL_CAPACITY);
        let (tx_event, rx_event) = mpsc::unbounded_channel();
        let (session, previous_env) = start_session(config, params, tx_event).await?;
        let thread_id = session.thread_id;
        // Everything the session does is logged under its thread id.
        let span = tracing::info_span!("session", thread_id = %thread_id);
        tokio::spawn(submission_loop(session, rx_sub, previous_env).instrument(span));
        Ok(Self {
            next_id: AtomicU64::new(0),
            tx_sub,
            rx_event: tokio::sync::Mutex::new(rx_event),
            thread_id,
        })
    }

    pub fn thread_id(&self) -> ThreadId {
        self.thread_id
    }

    /// Queues `op`; returns its submission id ("0", "1", ...).
    pub async fn submit(&self, op: Op) -> CodexResult<String> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst).to_string();
        self.tx_sub
            .send(Submission { id: id.clone(), op })
            .await
            .map_err(|_| CodexErr::InternalAgentDied)?;
        Ok(id)
    }

    /// The next event.
    pub async fn next_event(&self) -> CodexResult<Event> {
        self.rx_event
            .lock()
            .await
            .recv()
            .await
            .ok_or(CodexErr::InternalAgentDied)
    }
}

/// Builds the session, announces it, and records its initial history.
/// Returns the environment context the history currently reflects.
async fn start_session(
    config: Config,
    params: SpawnParams,
    tx_event: mpsc::UnboundedSender<Event>,
) -> CodexResult<(Arc<Session>, Option<EnvironmentContext>)> {
    if !config.cwd.is_absolute() {
        return Err(CodexErr::Fatal(format!(
            "cwd is not absolute: {}",
            config.cwd.display()
        )));
    }
    let api_key = resolve_api_key(
        &config.model_provider_id,
        &config.model_provider,
        &config.codex_home,
        &|var| std::env::var(var).ok(),
    )?
    .map(|(key, _)| key);
    let user_instructions = user_instructions(&config);
    let base_instructions = config
        .base_instructions
        .clone()
        .unwrap_or_else(|| BASE_INSTRUCTIONS.to_string());

    let (thread_id, rollout_params) = match &params.initial_history {
        InitialHistory::Resumed {
            thread_id,
            rollout_path,
            ..
        } => (
            *thread_id,
            Some(RolloutRecorderParams::Resume {
                path: rollout_path.clone(),
            }),
        ),
        InitialHistory::New | InitialHistory::Forked { .. } => {
            let thread_id = ThreadId::new();
            let forked_from = match &params.initial_history {
                InitialHistory::Forked { from, .. } => Some(*from),
                _ => None,
            };
            (
                thread_id,
                Some(RolloutRecorderParams::Create {
                    thread_id,
                    meta: Box::new(SessionMetaLine {
                        meta: SessionMeta {
                            id: thread_id,
                            forked_from_id: forked_from,
                            timestamp: timestamp_now(),
                            cwd: config.cwd.clone(),
                            originator: params.originator.clone(),
                            cli_version: env!("CARGO_PKG_VERSION").to_string(),
                            instructions: user_instructions.clone(),
                            source: params.source.clone(),
                            model_provider: Some(config.model_provider_id.clone()),
                        },
                        git: None,
                    }),
                }),
            )
        }
    };
    let rollout_params = rollout_params.filter(|_| !params.ephemeral);

    // Independent start-up work, concurrently.
    let codex_home = config.codex_home.clone();
    let cwd = config.cwd.clone();
    let user_agent = codex_client::user_agent(&params.originator);
    let (http, rollout, history_count) = tokio::join!(
        // Loading the system's root certificates takes milliseconds.
        tokio::task::spawn_blocking(move || http_client(&user_agent)),
        async {
            match rollout_params {
                Some(RolloutRecorderParams::Create {
                    thread_id,
                    mut meta,
                }) => {
                    meta.git = crate::git_info::collect_git_info(&cwd).await;
                    let git = meta.git.clone();
                    RolloutRecorder::new(
                        &codex_home,
                        RolloutRecorderParams::Create { thread_id, meta },
                    )
                    .await
                    .map(|recorder| (Some(recorder), git))
                }
                Some(resume) => RolloutRecorder::new(&codex_home, resume)
                    .await
                    .map(|recorder| (Some(recorder), None)),
                None => Ok((None, None)),
            }
        },
        count_history_entries(config.codex_home.clone(), params.state_db.clone()),
    );
    let http =
        http.map_err(|err| CodexErr::Fatal(format!("cannot build the HTTP client: {err}")))??;
    let (rollout, git) = rollout.map_err(|err| {
        CodexErr::Fatal(format!(
            "cannot write the session file under {}: {err}",
            config
                .codex_home
                .join(crate::rollout::SESSIONS_SUBDIR)
                .display()
        ))
    })?;
    let history_log_id = history_count.log_id;
    let history_entry_count = history_count.entries;

    let configuration = SessionConfiguration {
        provider_id: config.model_provider_id.clone(),
        provider: config.model_provider.clone(),
        model: config.model.clone(),
        reasoning_effort: config.model_reasoning_effort,
        reasoning_summary: config.model_reasoning_summary,
        approval_policy: config.approval_policy,
        sandbox_policy: config.sandbox_policy.clone(),
        cwd: config.cwd.clone(),
        final_output_json_schema: None,
    };
    let rollout_path = rollout.as_ref().map(|r| r.path().to_path_buf());
    let state_db = params.state_db.clone();
    if let (Some(db), Some(path)) = (&state_db, &rollout_path) {
        match &params.initial_history {
            InitialHistory::Resumed { .. } => {
                crate::thread_index::record_activity(db, thread_id.to_string(), None, None).await;
            }
            _ => {
                let now = crate::thread_index::unix_now();
                crate::thread_index::record_new_thread(
                    db,
                    codex_state::ThreadRow {
                        id: thread_id.to_string(),
                        rollout_path: path.clone(),
                        created_at: now,
                        updated_at: now,
                        source: params.source.as_str().to_string(),
                        model_provider: config.model_provider_id.clone(),
                        model: Some(config.model.clone()),
                        cwd: config.cwd.clone(),
                        title: String::new(),
                        sandbox_policy: config.sandbox_policy.to_string(),
                        approval_mode: config.approval_policy.to_string(),
                        tokens_used: 0,
                        archived: false,
                        git_branch: git.as_ref().and_then(|g| g.branch.clone()),
                        git_sha: git.as_ref().and_then(|g| g.commit_hash.clone()),
                        git_origin_url: git.as_ref().and_then(|g| g.repository_url.clone()),
                    },
                )
                .await;
            }
        }
    }
    let services = SessionServices {
        notifier: UserNotifier::new(config.notify.clone()),
        state_db,
        history_count,
        rollout,
        http,
        api_key,
        originator: params.originator.clone(),
        linux_sandbox_exe: params.linux_sandbox_exe.clone(),
        user_shell: user_shell(),
        user_instructions,
        base_instructions,
        config: Arc::new(config),
    };
    let session = Session::new(thread_id, tx_event, configuration.clone(), services);
    info!(
        thread_id = %thread_id,
        model = %configuration.model,
        provider = %configuration.provider_id,
        cwd = %configuration.cwd.display(),
        "session started"
    );

    let initial_messages = match &params.initial_history {
        InitialHistory::Resumed { items, .. } | InitialHistory::Forked { items, .. } => Some(
            items
                .iter()
                .filter_map(|item| match item {
                    RolloutItem::EventMsg(msg) => Some(msg.clone()),
                    _ => None,
                })
                .collect(),
        ),
        InitialHistory::New => None,
    };
    session.send_event_unrecorded(
        INITIAL_SUBMIT_ID,
        EventMsg::SessionConfigured(SessionConfiguredEvent {
            session_id: thread_id,
            model: configuration.model.clone(),
            model_provider_id: configuration.provider_id.clone(),
            approval_policy: configuration.approval_policy,
            sandbox_policy: configuration.sandbox_policy.clone(),
            cwd: configuration.cwd.clone(),
            reasoning_effort: configuration.reasoning_effort,
            history_log_id,
            history_entry_count,
            initial_messages,
            rollout_path,
        }),
    );

    let previous_env =
        record_initial_history(&session, &configuration, params.initial_history).await;
    Ok((session, previous_env))
}

/// Puts the starting history in place (after `session_configured`).
async fn record_initial_history(
    session: &Arc<Session>,
    configuration: &SessionConfiguration,
    initial: InitialHistory,
) -> Option<EnvironmentContext> {
    let ctx = session.make_turn_context(INITIAL_SUBMIT_ID, configuration);
    let previous_env = match initial {
        InitialHistory::New => {
            let items = session.build_initial_context(&ctx);
            session.record_conversation_items(&ctx, &items).await;
            Some(session.environment_context(&ctx))
        }
        InitialHistory::Resumed { items, .. } => {
            session
                .state
                .replace_history(reconstruct_history(session, &ctx, &items));
            last_environment(session, &items)
        }
        InitialHistory::Forked { items, .. } => {
            session
                .state
                .replace_history(reconstruct_history(session, &ctx, &items));
            let copied: Vec<RolloutItem> = items
                .iter()
                .filter(|item| !matches!(item, RolloutItem::SessionMeta(_)))
                .cloned()
                .collect();
            session.persist_rollout_items(&copied).await;
            last_environment(session, &items)
        }
    };
    session.flush_rollout().await;
    previous_env
}

/// The history a session had, replayed from its file (compactions included).
pub(crate) fn reconstruct_history(
    session: &Session,
    ctx: &crate::turn_context::TurnContext,
    items: &[RolloutItem],
) -> Vec<ResponseItem> {
    let mut history = crate::history::ConversationHistory::default();
    for item in items {
        match item {
            RolloutItem::ResponseItem(item) => history.record_items(std::slice::from_ref(item)),
            RolloutItem::Compacted(compacted) => {
                let replacement = match &compacted.replacement_history {
                    Some(exact) => exact.clone(),
                    None => build_compacted_history(
                        session.build_initial_context(ctx),
                        &collect_user_messages(history.items()),
                        &compacted.message,
                    ),
                };
                history.replace(replacement);
            }
            _ => {}
        }
    }
    history.items().to_vec()
}

/// The environment the resumed history last told the model about.
fn last_environment(session: &Session, items: &[RolloutItem]) -> Option<EnvironmentContext> {
    items.iter().rev().find_map(|item| match item {
        RolloutItem::TurnContext(TurnContextItem {
            cwd,
            approval_policy,
            sandbox_policy,
            ..
        }) => Some(EnvironmentContext::new(
            cwd.clone(),
            *approval_policy,
            sandbox_policy,
            session.services.user_shell.clone(),
        )),
        _ => None,
    })
}

async fn submission_loop(
    session: Arc<Session>,
    mut rx: mpsc::Receiver<Submission>,
    mut previous_env: Option<EnvironmentContext>,
) {
    while let Some(submission) = rx.recv().await {
        debug!(id = %submission.id, "submission");
        let id = submission.id;
        match submission.op {
            Op::Interrupt => session.interrupt_task().await,
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
                if decision == ReviewDecision::Abort {
                    session.interrupt_task().await;
                } else {
                    session.notify_approval(&call_id, decision);
                }
            }
            Op::AddToHistory { text } => {
                let config = Arc::clone(&session.services.config);
                let thread_id = session.thread_id;
                tokio::task::spawn_blocking(move || {
                    let (persistence, max_bytes) = message_history::settings(&config);
                    if let Err(err) = message_history::append_entry(
                        &config.codex_home,
                        persistence,
                        max_bytes,
                        &thread_id,
                        &text,
                    ) {
                        warn!(%err, "failed to append to message history");
                    }
                });
            }
            Op::GetHistoryEntryRequest { offset, log_id } => {
                let session = Arc::clone(&session);
                tokio::spawn(async move {
                    let codex_home = session.services.config.codex_home.clone();
                    let known = Some(session.services.history_count);
                    let entry = tokio::task::spawn_blocking(move || {
                        message_history::lookup(&codex_home, log_id, offset, known)
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
            Op::Compact => {
                let ctx = session.new_turn(&id, SessionSettingsUpdate::default());
                session.spawn_task(ctx, TaskKind::Compact, Vec::new()).await;
            }
            Op::Shutdown => {
                session
                    .abort_all_tasks(codex_protocol::protocol::TurnAbortReason::Interrupted)
                    .await;
                info!("shutting down");
                session.flush_rollout().await;
                session.send_event_unrecorded(&id, EventMsg::ShutdownComplete);
                break;
            }
            _ => {}
        }
    }
    debug!("submission loop exited");
}

async fn user_turn(
    session: &Arc<Session>,
    sub_id: &str,
    update: SessionSettingsUpdate,
    items: Vec<codex_protocol::user_input::UserInput>,
    previous_env: &mut Option<EnvironmentContext>,
) {
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
    session.spawn_task(ctx, TaskKind::Regular, items).await;
}

/// The user's shell, from `$SHELL`.
fn user_shell() -> Option<String> {
    let shell = std::env::var("SHELL").ok()?;
    let name = shell.rsplit('/').next()?.to_string();
    (!name.is_empty()).then_some(name)
}

/// Counts history.jsonl entries, starting from the count the state database
/// remembers (if any) and remembering the new one for the next session.
async fn count_history_entries(
    codex_home: PathBuf,
    state_db: Option<codex_state::StateDb>,
) -> message_history::HistoryCount {
    use message_history::HistoryCount;
    let previous = match &state_db {
        Some(db) => db
            .call(|conn| codex_state::threads::get_meta(conn, HistoryCount::META_KEY))
            .await
            .ok()
            .flatten()
            .and_then(|text| HistoryCount::decode(&text)),
        None => None,
    };
    let count =
        tokio::task::spawn_blocking(move || message_history::count_entries(&codex_home, previous))
            .await
            .unwrap_or_default();
    if let Some(db) = state_db
        && previous != Some(count)
    {
        // Off the start-up path: the session does not wait for this write.
        tokio::spawn(async move {
            let value = count.encode();
            let _ = db
                .call(move |conn| {
                    codex_state::threads::set_meta(conn, HistoryCount::META_KEY, &value)
                })
                .await;
        });
    }
    count
}
