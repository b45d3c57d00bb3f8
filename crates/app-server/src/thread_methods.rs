//! The thread and turn requests (`thread/*`, `turn/*`, `review/start`),
//! each from its typed params (`params.rs`).

use std::path::PathBuf;
use std::sync::Arc;

use codex_config::Config;
use codex_core::{ThreadListQuery, ThreadRef};
use codex_protocol::protocol::{Op, SandboxPolicy, SessionConfiguredEvent};
use codex_protocol::user_input::UserInput;
use serde_json::{Value, json};

use crate::connection::Busy;
use crate::items;
use crate::params::{
    self, InputItem, ReviewDelivery, ReviewStartParams, ReviewTargetParam, SandboxPolicyParam,
    ThreadForkParams, ThreadListParams, ThreadReadParams, ThreadResumeParams, ThreadSetNameParams,
    ThreadSettings, ThreadStartParams, TurnStartParams, TurnSteerParams,
};
use crate::processor::{Processor, Reply, to_value};
use crate::protocol::{
    ConfigWarningNotification, ServerNotification as N, Thread, ThreadIdNotification,
    ThreadListResponse, ThreadNameUpdatedNotification, ThreadResponse, ThreadSessionResponse,
    ThreadStartedNotification, ThreadStatus, TurnStartResponse, TurnStatus, TurnSteerResponse,
};
use crate::rpc::RpcError;
use crate::thread_pump::{LiveThread, pump};

impl Processor {
    /// The configuration for a thread: ours, with the request's settings
    /// (which count as chosen by the caller, so they win over what a
    /// resumed thread recorded).
    fn config_for(&self, settings: ThreadSettings) -> Result<Config, RpcError> {
        let mut overrides = self.overrides.clone();
        if let Some(model) = settings.model {
            overrides.model = Some(model);
        }
        if let Some(provider) = settings.model_provider {
            overrides
                .raw_overrides
                .push(format!("model_provider={}", Value::String(provider)));
        }
        if let Some(cwd) = settings.cwd {
            overrides.cwd = Some(PathBuf::from(cwd));
        }
        if let Some(policy) = settings.approval_policy {
            overrides.approval_policy = Some(policy);
        }
        if let Some(mode) = settings.sandbox {
            overrides.sandbox_mode = Some(mode);
        }
        for (key, value) in [
            ("base_instructions", settings.base_instructions),
            ("developer_instructions", settings.developer_instructions),
        ] {
            if let Some(value) = value {
                overrides
                    .raw_overrides
                    .push(format!("{key}={}", Value::String(value)));
            }
        }
        for (key, value) in settings.config.into_iter().flatten() {
            overrides.raw_overrides.push(format!("{key}={value}"));
        }
        let config = load_config(&self.codex_home, &overrides)?;
        for warning in &config.warnings {
            self.outgoing
                .notify(N::ConfigWarning(ConfigWarningNotification {
                    summary: warning.message.clone(),
                    details: Some(warning.to_string()),
                }));
        }
        Ok(config)
    }

    pub(crate) async fn thread_start(&self, params: Value) -> Reply {
        let mut params: ThreadStartParams = params::parse("thread/start", params)?;
        let config = self.config_for(params.settings())?;
        let ephemeral = params.ephemeral.unwrap_or(false);
        let provider = config.model_provider_id.clone();
        let new = self
            .manager
            .start_thread(config, ephemeral)
            .await
            .map_err(|err| RpcError::internal(err.to_string()))?;
        let thread = new_thread(&new, provider, ephemeral, None);
        self.adopt(new, thread, true)
    }

    pub(crate) async fn thread_resume(&self, params: Value) -> Reply {
        let mut params: ThreadResumeParams = params::parse("thread/resume", params)?;
        let settings = params.settings();
        let id = params.thread_id;
        if self.find_live(&id).is_some() {
            return Err(RpcError::invalid_request(format!(
                "thread {id} is already loaded on this connection"
            )));
        }
        match self.server.busy(&id) {
            None => {}
            Some(Busy::Loaded) => {
                return Err(RpcError::invalid_request(format!(
                    "thread {id} is loaded by another client of this server"
                )));
            }
            // Its client left mid-turn: the turn finishes first, then the
            // file has all of it.
            Some(Busy::Finishing(mut unloaded)) => {
                let _ = unloaded.wait_for(|done| *done).await;
            }
        }
        let file = self
            .manager
            .read_thread(&ThreadRef::Id(id.clone()))
            .map_err(|err| not_found(&id, &err.to_string()))?;
        let config = self.config_for(settings)?;
        let new = self
            .manager
            .resume_thread(config, &ThreadRef::Id(id.clone()))
            .await
            .map_err(|err| not_found(&id, &err.to_string()))?;
        let mut thread = self.recorded_info(&new.thread_id.to_string(), ThreadStatus::Idle);
        thread.turns = items::turns_from_rollout(&file.items);
        self.adopt(new, thread, false)
    }

    pub(crate) async fn thread_fork(&self, params: Value) -> Reply {
        let mut params: ThreadForkParams = params::parse("thread/fork", params)?;
        let config = self.config_for(params.settings())?;
        let id = params.thread_id;
        let provider = config.model_provider_id.clone();
        let new = self
            .manager
            .fork_thread(config, &ThreadRef::Id(id.clone()), None)
            .await
            .map_err(|err| not_found(&id, &err.to_string()))?;
        let thread = new_thread(&new, provider, false, Some(id));
        self.adopt(new, thread, true)
    }

    /// Keeps a started thread, starts its pump, and builds the response
    /// that `thread/start`, `resume` and `fork` share.
    /// (`announce`: with `thread/started`.)
    fn adopt(&self, new: codex_core::NewThread, thread: Thread, announce: bool) -> Reply {
        let live = LiveThread::new(
            new.thread,
            thread.id.clone(),
            new.session_configured.cwd.clone(),
        );
        self.server.mark_loaded(&thread.id);
        self.threads_map()
            .insert(thread.id.clone(), Arc::clone(&live));
        let handle = tokio::spawn(pump(Arc::clone(&live), Arc::clone(&self.outgoing)));
        live.set_pump(handle);
        if announce {
            self.outgoing
                .notify(N::ThreadStarted(ThreadStartedNotification {
                    thread: thread.clone(),
                }));
        }
        to_value(session_response(&new.session_configured, thread))
    }

    pub(crate) fn thread_list(&self, params: Value) -> Reply {
        let params: ThreadListParams = params::parse("thread/list", params)?;
        let archived = params.archived.unwrap_or(false);
        let limit = params.limit.unwrap_or(25).max(1) as usize;
        let offset: usize = match &params.cursor {
            Some(cursor) => cursor.parse().map_err(|_| {
                RpcError::invalid_params(format!("not a cursor of thread/list: {cursor}"))
            })?,
            None => 0,
        };
        let cwds = params
            .cwd
            .map(params::CwdFilter::into_list)
            .unwrap_or_default();
        let search = params.search_term.map(|t| t.to_lowercase());
        let providers = params.model_providers.unwrap_or_default();
        let mut rows = self.manager.list_threads(&ThreadListQuery {
            cwd: None,
            archived,
            limit: usize::MAX,
        });
        rows.retain(|row| {
            (cwds.is_empty() || cwds.iter().any(|c| row.cwd == std::path::Path::new(c)))
                && (providers.is_empty() || providers.contains(&row.model_provider))
                && search
                    .as_ref()
                    .is_none_or(|term| row.title.to_lowercase().contains(term))
        });
        rows.sort_by_key(|row| std::cmp::Reverse(row.updated_at));
        let total = rows.len();
        let data: Vec<Thread> = rows
            .iter()
            .skip(offset)
            .take(limit)
            .map(|row| {
                let mut thread = items::thread_from_summary(row, self.status_of(&row.id));
                thread.name = self.manager.thread_name(&row.id);
                thread
            })
            .collect();
        let next_cursor = (offset + limit < total).then(|| (offset + limit).to_string());
        to_value(ThreadListResponse { data, next_cursor })
    }

    pub(crate) fn thread_read(&self, params: Value) -> Reply {
        let params: ThreadReadParams = params::parse("thread/read", params)?;
        let id = params.thread_id;
        let file = self
            .manager
            .read_thread(&ThreadRef::Id(id.clone()))
            .map_err(|err| not_found(&id, &err.to_string()))?;
        let mut thread = self.recorded_info(&id, self.status_of(&id));
        if params.include_turns {
            thread.turns = items::turns_from_rollout(&file.items);
        }
        to_value(ThreadResponse { thread })
    }

    pub(crate) async fn thread_archive(&self, params: &Value) -> Reply {
        let id = thread_id_param(params)?;
        // A loaded thread is shut down first, so its file is complete.
        let live = self.threads_map().remove(&id);
        if let Some(live) = live {
            live.shut_down().await;
            self.server.mark_unloaded(&id);
        } else if self.server.busy(&id).is_some() {
            return Err(RpcError::invalid_request(format!(
                "thread {id} is loaded by another client of this server"
            )));
        }
        self.manager
            .archive_thread(&id)
            .map_err(|err| not_found(&id, &err.to_string()))?;
        self.outgoing
            .notify(N::ThreadArchived(ThreadIdNotification { thread_id: id }));
        Ok(json!({}))
    }

    pub(crate) fn thread_unarchive(&self, params: &Value) -> Reply {
        let id = thread_id_param(params)?;
        self.manager
            .unarchive_thread(&id)
            .map_err(|err| not_found(&id, &err.to_string()))?;
        let thread = self.recorded_info(&id, ThreadStatus::NotLoaded);
        self.outgoing
            .notify(N::ThreadUnarchived(ThreadIdNotification { thread_id: id }));
        to_value(ThreadResponse { thread })
    }

    pub(crate) async fn turn_start(&self, params: Value) -> Reply {
        let thread = self.live(&params)?;
        let params: TurnStartParams = params::parse("turn/start", params)?;
        if let Some(turn) = thread.running_turn() {
            return Err(RpcError::invalid_request(format!(
                "turn {turn} is still running on thread {}; use turn/steer to add to it, or turn/interrupt",
                thread.id
            )));
        }
        let input = user_input(params.input)?;
        let effort = params.effort.map(Some);
        let approval_policy = params.approval_policy;
        let sandbox_policy = params.sandbox_policy.map(SandboxPolicyParam::into_policy);
        let cwd = params.cwd.map(PathBuf::from);
        let mut model = params.model;
        if let Some(collaboration) = params.collaboration_mode {
            if model.is_none() {
                model = collaboration
                    .settings
                    .and_then(|s| s.model)
                    .filter(|m| !m.is_empty());
            }
            submit(
                &thread,
                Op::SetCollaborationMode {
                    mode: collaboration.mode,
                },
            )
            .await?;
        }
        if effort.is_some()
            || approval_policy.is_some()
            || sandbox_policy.is_some()
            || cwd.is_some()
            || model.is_some()
        {
            submit(
                &thread,
                Op::OverrideTurnContext {
                    cwd,
                    approval_policy,
                    sandbox_policy,
                    model,
                    effort,
                    summary: None,
                },
            )
            .await?;
        }
        let turn_id = submit(
            &thread,
            Op::UserInput {
                items: input,
                final_output_json_schema: params.output_schema.filter(|v| !v.is_null()),
            },
        )
        .await?;
        to_value(TurnStartResponse {
            turn: items::turn(&turn_id, Vec::new(), TurnStatus::InProgress, None),
        })
    }

    /// `review/start`: a review task in the thread (inline delivery).
    pub(crate) async fn review_start(&self, params: Value) -> Reply {
        let thread = self.live(&params)?;
        let params: ReviewStartParams = params::parse("review/start", params)?;
        if let Some(turn) = thread.running_turn() {
            return Err(RpcError::invalid_request(format!(
                "turn {turn} is still running on thread {}; interrupt it or wait",
                thread.id
            )));
        }
        if params.delivery == Some(ReviewDelivery::Detached) {
            return Err(RpcError::invalid_params(
                "only inline review delivery is supported",
            ));
        }
        let target = match params.target {
            ReviewTargetParam::UncommittedChanges => codex_core::ReviewTarget::Uncommitted,
            ReviewTargetParam::BaseBranch { branch } => {
                codex_core::ReviewTarget::BaseBranch(branch)
            }
            ReviewTargetParam::Commit { sha, title } => {
                codex_core::ReviewTarget::Commit { sha, title }
            }
            ReviewTargetParam::Custom { instructions } => {
                codex_core::ReviewTarget::Custom(instructions)
            }
        };
        let review_request =
            codex_core::review_request(&target, &thread.cwd).map_err(RpcError::invalid_params)?;
        let turn_id = submit(&thread, Op::Review { review_request }).await?;
        to_value(crate::protocol::ReviewStartResponse {
            turn: items::turn(&turn_id, Vec::new(), TurnStatus::InProgress, None),
            review_thread_id: thread.id.clone(),
        })
    }

    pub(crate) async fn turn_steer(&self, params: Value) -> Reply {
        let thread = self.live(&params)?;
        let params: TurnSteerParams = params::parse("turn/steer", params)?;
        let expected = params.expected_turn_id;
        match thread.running_turn() {
            Some(turn) if turn == expected => {
                submit(
                    &thread,
                    Op::UserInput {
                        items: user_input(params.input)?,
                        final_output_json_schema: None,
                    },
                )
                .await?;
                to_value(TurnSteerResponse { turn_id: turn })
            }
            Some(turn) => Err(RpcError::invalid_request(format!(
                "the running turn is {turn}, not {expected}"
            ))),
            None => Err(RpcError::invalid_request(format!(
                "no turn is running on thread {}; use turn/start",
                thread.id
            ))),
        }
    }

    pub(crate) fn thread_set_name(&self, params: Value) -> Reply {
        let params: ThreadSetNameParams = params::parse("thread/name/set", params)?;
        let id = params.thread_id;
        let name = params.name.trim().to_string();
        // The thread must exist (loaded or recorded).
        if self.find_live(&id).is_none() {
            self.manager
                .find_rollout(&ThreadRef::Id(id.clone()))
                .map_err(|err| not_found(&id, &err.to_string()))?;
        }
        self.manager
            .set_thread_name(&id, (!name.is_empty()).then_some(name.as_str()))
            .map_err(|err| RpcError::internal(err.to_string()))?;
        self.outgoing
            .notify(N::ThreadNameUpdated(ThreadNameUpdatedNotification {
                thread_id: id,
                thread_name: (!name.is_empty()).then_some(name),
            }));
        Ok(json!({}))
    }
}

/// A configuration the request's settings make invalid is the request's
/// fault: -32602 with the loader's message (which names the key).
fn load_config(
    codex_home: &std::path::Path,
    overrides: &codex_config::CliOverrides,
) -> Result<Config, RpcError> {
    codex_config::load_config(codex_home, overrides)
        .map_err(|err| RpcError::invalid_params(err.to_string()))
}

fn session_response(configured: &SessionConfiguredEvent, thread: Thread) -> ThreadSessionResponse {
    ThreadSessionResponse {
        thread,
        model: configured.model.clone(),
        model_provider: configured.model_provider_id.clone(),
        cwd: configured.cwd.display().to_string(),
        approval_policy: items::approval_policy(configured.approval_policy),
        approvals_reviewer: "user".to_string(),
        sandbox: items::sandbox_policy(&configured.sandbox_policy),
        reasoning_effort: configured
            .reasoning_effort
            .and_then(|e| serde_json::to_value(e).ok())
            .and_then(|v| v.as_str().map(str::to_string)),
        instruction_sources: configured
            .instruction_files
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
    }
}

/// A thread this server just started (or forked: its cwd is the one the
/// engine settled on, which a fork takes from its source).
fn new_thread(
    new: &codex_core::NewThread,
    provider: String,
    ephemeral: bool,
    forked_from_id: Option<String>,
) -> Thread {
    let now = chrono::Utc::now().timestamp();
    Thread {
        cwd: new.session_configured.cwd.display().to_string(),
        created_at: now,
        updated_at: now,
        model_provider: provider,
        model: Some(new.session_configured.model.clone()),
        ephemeral,
        source: crate::protocol::SessionSource::AppServer,
        forked_from_id,
        ..items::bare_thread(&new.thread_id.to_string(), ThreadStatus::Idle)
    }
}

pub(crate) async fn submit(thread: &LiveThread, op: Op) -> Result<String, RpcError> {
    thread
        .codex
        .submit(op)
        .await
        .map_err(|err| RpcError::internal(format!("thread {}: {err}", thread.id)))
}

/// The `threadId` of params already checked against their typed form.
pub(crate) fn thread_id_param(params: &Value) -> Result<String, RpcError> {
    params
        .get("threadId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| RpcError::invalid_params("missing field `threadId` (a string)"))
}

fn not_found(id: &str, detail: &str) -> RpcError {
    RpcError::invalid_request(format!("thread {id}: {detail}"))
}

/// The protocol's input items as ours.
fn user_input(list: Vec<InputItem>) -> Result<Vec<UserInput>, RpcError> {
    let items: Vec<UserInput> = list
        .into_iter()
        .map(|item| match item {
            InputItem::Text { text } => UserInput::Text { text },
            InputItem::Image { url } => UserInput::Image { image_url: url },
            InputItem::LocalImage { path } => UserInput::LocalImage { path },
            // A mention or skill is the path the model should look at.
            InputItem::Mention { path } | InputItem::Skill { path } => {
                UserInput::Text { text: path }
            }
        })
        .collect();
    if let Some(message) = codex_protocol::user_input::input_too_large(&items) {
        return Err(RpcError::invalid_params(message));
    }
    Ok(items)
}

/// The protocol's `SandboxPolicy` (camelCase) as ours.
pub(crate) fn sandbox_from_protocol(value: &Value) -> Result<SandboxPolicy, RpcError> {
    params::parse::<SandboxPolicyParam>("sandboxPolicy", value.clone())
        .map(SandboxPolicyParam::into_policy)
}
