//! Building a session: from a [`Config`] and [`SpawnParams`] to a running
//! [`Session`] that has announced itself and holds its starting history.
//!
//! The steps, in order:
//! 1. [`identity`]: which thread this is and which file it records to
//!    (a new file for a new or forked thread, the same file on resume).
//! 2. [`start_up_concurrently`]: the independent slow parts (the HTTP
//!    client's root certificates, the session file and git facts, the
//!    history count) run at the same time.
//! 3. [`index_thread`]: the state database learns of the thread.
//! 4. The services are assembled and `session_configured` is sent (always
//!    the first event); the MCP servers start in the background (only those
//!    marked `required` are waited for); warnings about the resumed file
//!    follow.
//! 5. [`record_initial_history`]: the initial context, or the replayed
//!    history of a resumed or forked thread.

use std::path::PathBuf;
use std::sync::Arc;

use codex_client::auth::resolve_auth;
use codex_client::{HttpClient, http_client};
use codex_config::Config;
use codex_protocol::ThreadId;
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{EventMsg, SessionConfiguredEvent, WarningEvent};
use codex_protocol::rollout::{
    BaseInstructions, GitInfo, RolloutItem, SessionMeta, SessionMetaLine, TurnContextItem,
};
use tokio::sync::mpsc;
use tracing::info;

use crate::compact::{build_compacted_history, collect_user_messages};
use crate::environment_context::EnvironmentContext;
use crate::error::{CodexErr, CodexResult};
use crate::features::Features;
use crate::features::SessionFeatures as _;
use crate::instructions::BASE_INSTRUCTIONS;
use crate::message_history::{self, HistoryCount};
use crate::notify::UserNotifier;
use crate::project_doc::{agents_md_instructions, developer_instructions};
use crate::rollout::{RolloutRecorder, RolloutRecorderParams};
use crate::session::{INITIAL_SUBMIT_ID, Session};
use crate::spawn::{InitialHistory, SpawnParams, SpawnThread};
use crate::state::{SessionConfiguration, SessionServices};
use crate::util::timestamp_now;

/// A started session and the environment its history last described.
pub(crate) struct StartedSession {
    pub(crate) session: Arc<Session>,
    pub(crate) previous_env: Option<EnvironmentContext>,
}

pub(crate) async fn start_session(
    config: Config,
    params: SpawnParams,
    tx_event: mpsc::UnboundedSender<codex_protocol::protocol::Event>,
    spawn_thread: SpawnThread,
) -> CodexResult<StartedSession> {
    if !config.cwd.is_absolute() {
        return Err(CodexErr::Fatal(format!(
            "cwd is not absolute: {}",
            config.cwd.display()
        )));
    }
    // The skills load runs beside everything up to the warnings: it is
    // not needed before the first request's context.
    let skills = crate::skills::SessionSkills::start_loading(&config);
    let auth = resolve_auth(&config, &|var| std::env::var(var).ok(), &params.originator)?;
    let provider = match &auth {
        Some(auth) => auth.effective_provider(&config),
        None => config.model_provider.clone(),
    };
    let models = match &config.model_catalog_json {
        Some(path) => codex_client::ModelCatalog::with_file(path).map_err(CodexErr::Fatal)?,
        None => codex_client::ModelCatalog::builtin().clone(),
    };
    let agents_md = agents_md_instructions(&config);
    let base_instructions = config
        .base_instructions
        .clone()
        .unwrap_or_else(|| BASE_INSTRUCTIONS.to_string());

    let (thread_id, rollout_params) =
        identity(&config, &params, agents_md.clone(), &base_instructions);
    // Taken in the background, started first: nothing here waits for the
    // login shell, and the model's first command (which does) waits less.
    let shell_snapshot = if config.feature_enabled(crate::shell_snapshot::FEATURE) {
        crate::shell_snapshot::ShellSnapshot::start(
            &config.codex_home,
            thread_id,
            &config.shell_environment_policy,
            &config.cwd,
        )
    } else {
        crate::shell_snapshot::ShellSnapshot::disabled()
    };
    // Only an https provider needs the system's root certificates.
    let needs_tls = !provider.base_url_or_default().starts_with("http://");
    let started = start_up_concurrently(&config, &params, rollout_params, needs_tls).await?;
    let rollout_path = started.rollout.as_ref().map(|r| r.path().to_path_buf());
    if let (Some(db), Some(path)) = (&params.state_db, &rollout_path) {
        index_thread(db, &config, &params, thread_id, path, started.git.as_ref()).await;
    }

    let configuration = SessionConfiguration {
        provider_id: config.model_provider_id.clone(),
        provider,
        model: config.model.clone(),
        reasoning_effort: config.model_reasoning_effort,
        reasoning_summary: config.model_reasoning_summary,
        approval_policy: config.approval_policy,
        sandbox_policy: config.sandbox_policy.clone(),
        cwd: config.cwd.clone(),
        final_output_json_schema: None,
        collaboration_mode: Default::default(),
    };
    let history_count = started.history_count;
    let (history_log_id, history_entry_count) = (history_count.log_id, history_count.entries);
    let (hooks, hook_warnings) = crate::hooks::SessionHooks::load(&config);
    let network_proxy =
        crate::network_allowlist::start_network_proxy(&config).map_err(CodexErr::Fatal)?;
    let (telemetry, telemetry_warning) = crate::telemetry::session_telemetry(
        &config,
        thread_id,
        &params.originator,
        auth.as_ref(),
        &models.family(&config.model).slug,
    );
    let prune_inputs = (config.codex_home.clone(), config.rewind_keep_days);
    let (agents, role_warnings) =
        crate::agents::AgentControl::new(&config, params.subagent.clone());
    let features = Features {
        hooks,
        ghost: config
            .feature_enabled("undo")
            .then(|| crate::ghost::find_repo(&config.cwd))
            .flatten(),
        ghost_turns: std::sync::Mutex::new(Vec::new()),
        review_child: std::sync::Mutex::new(None),
        agents: Arc::clone(&agents),
        unified_exec: crate::unified_exec::UnifiedExec::new(config.background_terminal_timeout),
        shell_snapshot,
        skills,
        mcp: Arc::new(crate::mcp::McpState::new()),
        spawn_thread,
    };
    let services = SessionServices {
        notifier: UserNotifier::new(config.notify.clone()),
        state_db: params.state_db.clone(),
        history_count,
        history: message_history::HistoryAppender::start(&config, thread_id),
        rollout: started.rollout,
        http: started.http,
        auth,
        checkpoints: std::sync::Mutex::new(codex_rewind::Checkpoints::open(
            (!params.ephemeral).then_some(config.codex_home.as_path()),
            &thread_id.to_string(),
        )),
        memory_excluded: std::sync::atomic::AtomicBool::new(false),
        session_start_context: std::sync::Mutex::new(None),
        originator: params.originator.clone(),
        thread_source: params.thread_source.clone(),
        turn_trigger: params.turn_trigger.clone(),
        user_present: params.source != codex_protocol::rollout::SessionSource::Exec,
        linux_sandbox_exe: params.linux_sandbox_exe.clone(),
        exec_rules: crate::exec_rules::rules_cache(&config),
        network_proxy,
        user_shell: user_shell(),
        agents_md,
        developer_instructions: with_memory_section(developer_instructions(&config), &config),
        base_instructions,
        extra_tools: params.extra_tools.clone(),
        command_slots: Arc::new(tokio::sync::Semaphore::new(config.max_concurrent_commands)),
        turn_tools: crate::tools::handlers::turn_tools,
        subagent_parent: agents.link.as_ref().map(|link| link.parent),
        features: Box::new(features),
        models,
        telemetry,
        config: Arc::new(config),
    };
    let session = Session::new(thread_id, tx_event, configuration.clone(), services);
    // Checkpoints older than `[rewind] keep_days` go, off the start's path.
    {
        let ((home, keep_days), repo) = (prune_inputs, session.features().ghost.clone());
        tokio::task::spawn_blocking(move || {
            codex_rewind::prune::prune(&home, repo.as_ref(), keep_days)
        });
    }
    info!(
        thread_id = %thread_id,
        model = %configuration.model,
        provider = %configuration.provider_id,
        cwd = %configuration.cwd.display(),
        "session started"
    );

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
            initial_messages: initial_messages(&params.initial_history),
            rollout_path,
            instruction_files: crate::project_doc::instruction_files(&session.services.config),
        }),
    );
    // MCP servers start now, in the background; nothing waits for them
    // but a server the config marks `required`.
    crate::mcp::McpState::start(&session);
    let skill_warnings = match session.features().mcp.wait_for_required().await {
        Ok(()) => session.features().skills.finish_loading().await,
        Err(err) => Err(err),
    };
    let skill_warnings = match skill_warnings {
        Ok(warnings) => warnings,
        Err(err) => {
            session.features().mcp.shutdown().await;
            return Err(err);
        }
    };
    let mut warnings = params.startup_warnings;
    warnings.extend(tool_warnings(&session, &configuration));
    warnings.extend(hook_warnings);
    warnings.extend(role_warnings);
    warnings.extend(skill_warnings);
    warnings.extend(telemetry_warning);
    for message in warnings {
        session.send_event_unrecorded(
            INITIAL_SUBMIT_ID,
            EventMsg::Warning(WarningEvent { message }),
        );
    }

    if let Some(telemetry) = &session.services.telemetry {
        let mcp_servers: Vec<String> = session
            .services
            .config
            .mcp_servers
            .keys()
            .cloned()
            .collect();
        telemetry.conversation_starts(
            &configuration.provider_id,
            configuration
                .reasoning_effort
                .map(|e| e.to_string())
                .as_deref(),
            &serde_json::to_value(configuration.approval_policy)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            &serde_json::to_value(&configuration.sandbox_policy)
                .ok()
                .and_then(|v| v.get("type").and_then(|m| m.as_str()).map(str::to_string))
                .unwrap_or_default(),
            &mcp_servers,
        );
    }

    let source = match &params.initial_history {
        InitialHistory::Resumed { .. } => "resume",
        _ => "startup",
    };
    let previous_env =
        record_initial_history(&session, &configuration, params.initial_history).await;
    session_start_hooks(&session, &configuration, source).await;
    // In the background: never delays the start or the first turn.
    crate::memories::start(&session);
    Ok(StartedSession {
        session,
        previous_env,
    })
}

/// The config's developer instructions, then the memory section if the
/// session is given memories.
fn with_memory_section(instructions: Option<String>, config: &Config) -> Option<String> {
    match (instructions, crate::memories::developer_section(config)) {
        (Some(text), Some(memory)) => Some(format!("{text}\n\n{memory}")),
        (text, memory) => text.or(memory),
    }
}

/// `SessionStart` hooks: what they add goes with the first request.
async fn session_start_hooks(
    session: &Session,
    configuration: &SessionConfiguration,
    source: &str,
) {
    if session.features().hooks.is_none() {
        return;
    }
    let mut payload = crate::hooks::base_payload(
        session,
        codex_hooks::HookEvent::SessionStart,
        &configuration.model,
        configuration.approval_policy,
        &configuration.sandbox_policy,
        &configuration.cwd,
    );
    payload.insert("source".into(), serde_json::json!(source));
    let result = crate::hooks::fire(
        session,
        INITIAL_SUBMIT_ID,
        codex_hooks::HookEvent::SessionStart,
        &[source],
        payload,
    )
    .await;
    if let Some(context) = result.additional_context {
        *crate::state::lock(&session.services.session_start_context) = Some(context);
    }
}

/// The thread id and how its file is opened (none for an ephemeral session).
fn identity(
    config: &Config,
    params: &SpawnParams,
    user_instructions: Option<String>,
    base_instructions: &str,
) -> (ThreadId, Option<RolloutRecorderParams>) {
    let (thread_id, recorder) = match &params.initial_history {
        InitialHistory::Resumed {
            thread_id,
            rollout_path,
            ..
        } => (
            *thread_id,
            RolloutRecorderParams::Resume {
                path: rollout_path.clone(),
            },
        ),
        InitialHistory::New | InitialHistory::Forked { .. } => {
            let thread_id = ThreadId::new();
            let forked_from_id = match &params.initial_history {
                InitialHistory::Forked { from, .. } => Some(*from),
                _ => None,
            };
            let link = params.subagent.as_ref();
            let meta = SessionMeta {
                // A sub-agent belongs to its parent's session, as the
                // reference writes it.
                session_id: Some(link.map_or(thread_id, |l| l.parent)),
                id: thread_id,
                forked_from_id,
                timestamp: timestamp_now(),
                cwd: config.cwd.clone(),
                runtime_workspace_roots: vec![config.cwd.clone()],
                originator: params.originator.clone(),
                cli_version: env!("CARGO_PKG_VERSION").to_string(),
                instructions: user_instructions,
                source: params.source.clone(),
                thread_source: Some(params.thread_source.clone()),
                parent_thread_id: link.map(|l| l.parent),
                agent_nickname: link.map(|l| l.nickname.clone()),
                model_provider: Some(config.model_provider_id.clone()),
                base_instructions: Some(BaseInstructions {
                    text: base_instructions.to_string(),
                }),
            };
            (
                thread_id,
                RolloutRecorderParams::Create {
                    thread_id,
                    meta: Box::new(SessionMetaLine { meta, git: None }),
                },
            )
        }
    };
    (thread_id, (!params.ephemeral).then_some(recorder))
}

/// What the concurrent start-up produced.
struct StartedUp {
    http: HttpClient,
    rollout: Option<RolloutRecorder>,
    git: Option<GitInfo>,
    history_count: HistoryCount,
}

/// The HTTP client, the session file (with git facts for a new one) and the
/// history count, all at once.
async fn start_up_concurrently(
    config: &Config,
    params: &SpawnParams,
    rollout_params: Option<RolloutRecorderParams>,
    needs_tls: bool,
) -> CodexResult<StartedUp> {
    let codex_home = config.codex_home.clone();
    let cwd = config.cwd.clone();
    let user_agent = codex_client::user_agent(&params.originator);
    let (http, rollout, history_count) = tokio::join!(
        // Loading the system's root certificates takes milliseconds.
        tokio::task::spawn_blocking(move || {
            if needs_tls {
                http_client(&user_agent)
            } else {
                codex_client::http_client_plain(&user_agent)
            }
        }),
        open_rollout(&codex_home, &cwd, rollout_params),
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
    Ok(StartedUp {
        http,
        rollout,
        git,
        history_count,
    })
}

async fn open_rollout(
    codex_home: &std::path::Path,
    cwd: &std::path::Path,
    params: Option<RolloutRecorderParams>,
) -> std::io::Result<(Option<RolloutRecorder>, Option<GitInfo>)> {
    match params {
        Some(RolloutRecorderParams::Create {
            thread_id,
            mut meta,
        }) => {
            meta.git = crate::git_info::collect_git_info(cwd).await;
            let git = meta.git.clone();
            let recorder = RolloutRecorder::new(
                codex_home,
                RolloutRecorderParams::Create { thread_id, meta },
            )
            .await?;
            Ok((Some(recorder), git))
        }
        Some(resume) => Ok((Some(RolloutRecorder::new(codex_home, resume).await?), None)),
        None => Ok((None, None)),
    }
}

/// Adds the thread to the index (a resumed one is only touched).
async fn index_thread(
    db: &codex_state::StateDb,
    config: &Config,
    params: &SpawnParams,
    thread_id: ThreadId,
    rollout_path: &std::path::Path,
    git: Option<&GitInfo>,
) {
    if let InitialHistory::Resumed { .. } = &params.initial_history {
        crate::thread_index::record_activity(db, thread_id.to_string(), None, None).await;
        return;
    }
    let now = crate::thread_index::unix_now();
    crate::thread_index::record_new_thread(
        db,
        codex_state::ThreadRow {
            id: thread_id.to_string(),
            rollout_path: rollout_path.to_path_buf(),
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
            git_branch: git.and_then(|g| g.branch.clone()),
            git_sha: git.and_then(|g| g.commit_hash.clone()),
            git_origin_url: git.and_then(|g| g.repository_url.clone()),
        },
    )
    .await;
}

/// On resume or fork: the earlier events, for a UI to replay.
fn initial_messages(initial: &InitialHistory) -> Option<Vec<EventMsg>> {
    match initial {
        InitialHistory::Resumed { items, .. } | InitialHistory::Forked { items, .. } => Some(
            codex_protocol::rewind::without_rolled_back_events(items)
                .into_iter()
                .filter_map(|item| match item {
                    RolloutItem::EventMsg(msg) => Some(msg),
                    _ => None,
                })
                .collect(),
        ),
        InitialHistory::New => None,
    }
}

/// Puts the starting history in place (after `session_configured`).
/// Returns the environment context the history currently reflects.
async fn record_initial_history(
    session: &Arc<Session>,
    configuration: &SessionConfiguration,
    initial: InitialHistory,
) -> Option<EnvironmentContext> {
    let ctx = session.make_turn_context(INITIAL_SUBMIT_ID, configuration);
    let previous_env = match initial {
        InitialHistory::New => {
            let items = crate::initial_context::initial_context(session, &ctx);
            session.record_conversation_items(&ctx, &items).await;
            // The settings the thread starts with, so that a resume before
            // its first turn still finds them (`resume_settings`).
            let mut started_with = ctx.to_rollout_item();
            started_with.turn_id = None;
            session
                .persist_rollout_items(&[RolloutItem::TurnContext(started_with)])
                .await;
            Some(session.environment_context(&ctx))
        }
        InitialHistory::Resumed { items, .. } => {
            let history = reconstruct_history(session, &ctx, &items);
            session.features().skills.note_history(&history);
            session.state.replace_history(history);
            crate::goals::restore(session, crate::goals::recorded_goal(&items)).await;
            crate::plan_mode::restore(session, &items);
            last_environment(session, &items)
        }
        InitialHistory::Forked { items, .. } => {
            let history = reconstruct_history(session, &ctx, &items);
            session.features().skills.note_history(&history);
            session.state.replace_history(history);
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
fn reconstruct_history(
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
                        crate::initial_context::initial_context(session, ctx),
                        &collect_user_messages(history.items()),
                        &compacted.message,
                    ),
                };
                history.replace(replacement);
            }
            // A rewind: the conversation went back before these turns.
            RolloutItem::EventMsg(EventMsg::ThreadRolledBack(rolled_back)) => {
                crate::compact::drop_last_user_turns(&mut history, rolled_back.num_turns as usize);
            }
            RolloutItem::SessionMeta(_)
            | RolloutItem::TurnContext(_)
            | RolloutItem::EventMsg(_) => {}
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

/// Said once at start: a model the catalog does not know, and tools the
/// provider's wire cannot carry.
fn tool_warnings(session: &Session, configuration: &SessionConfiguration) -> Vec<String> {
    let mut warnings = Vec::new();
    let family = session.services.models.family(&configuration.model);
    if !family.known {
        warnings.push(format!(
            "model `{}` is not in the model catalog; using conservative defaults (the `shell` tool, no reasoning parameters, no parallel calls). Describe it with `model_catalog_json` to change that.",
            configuration.model
        ));
    }
    let config = &session.services.config;
    if configuration.provider.wire_api == codex_config::WireApi::Chat
        && config.web_search != codex_config::WebSearchMode::Disabled
    {
        warnings.push(format!(
            "web_search is not available with provider `{}`: Chat Completions has no built-in search tool",
            configuration.provider_id
        ));
    }
    warnings
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
) -> HistoryCount {
    let previous = match &state_db {
        Some(db) => db
            .call(|conn| codex_state::threads::get_meta(conn, HistoryCount::META_KEY))
            .await
            .ok()
            .flatten()
            .and_then(|text| HistoryCount::decode(&text)),
        None => None,
    };
    let unchanged = previous.clone();
    let count =
        tokio::task::spawn_blocking(move || message_history::count_entries(&codex_home, previous))
            .await
            .unwrap_or_default();
    if let Some(db) = state_db
        && unchanged.as_ref() != Some(&count)
    {
        // Off the start-up path: the session does not wait for this write.
        let value = count.encode();
        tokio::spawn(async move {
            let _ = db
                .call(move |conn| {
                    codex_state::threads::set_meta(conn, HistoryCount::META_KEY, &value)
                })
                .await;
        });
    }
    count
}
