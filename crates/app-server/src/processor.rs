//! The requests of the protocol, each answered from the thread manager and
//! the `Op`/`Event` seam. Every request runs in its own task, so a slow one
//! (starting a thread) never holds up the others or the client's answers
//! to our approval requests.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use codex_config::{CliOverrides, Config, load_config};
use codex_core::{ThreadListQuery, ThreadManager, ThreadRef};
use codex_protocol::config_types::{ReasoningEffort, SandboxMode};
use codex_protocol::protocol::{AskForApproval, Op, SandboxPolicy, SessionConfiguredEvent};
use codex_protocol::user_input::UserInput;
use serde_json::{Value, json};

use crate::items;
use crate::outgoing::Outgoing;
use crate::protocol::{
    ConfigWarningNotification, ServerNotification as N, Thread, ThreadIdNotification,
    ThreadListResponse, ThreadNameUpdatedNotification, ThreadResponse, ThreadSessionResponse,
    ThreadStartedNotification, ThreadStatus, TurnStartResponse, TurnStatus, TurnSteerResponse,
};
use crate::rpc::{METHOD_NOT_FOUND, RpcError};
use crate::thread_pump::{LiveThread, pump};
use crate::workspace_methods;

/// Methods of the reference's protocol that this version answers.
pub const IMPLEMENTED_METHODS: &[&str] = &[
    "initialize",
    "thread/start",
    "thread/resume",
    "thread/fork",
    "thread/list",
    "thread/loaded/list",
    "thread/read",
    "thread/archive",
    "thread/unarchive",
    "thread/compact/start",
    "turn/start",
    "turn/steer",
    "turn/interrupt",
    "review/start",
    "thread/name/set",
    "model/list",
    "account/read",
    "config/read",
    "config/value/write",
    "config/batchWrite",
    "fuzzyFileSearch",
    "command/exec",
    "mcpServerStatus/list",
    "skills/list",
    "skills/config/write",
];

pub struct Processor {
    manager: Arc<ThreadManager>,
    codex_home: PathBuf,
    overrides: CliOverrides,
    outgoing: Arc<Outgoing>,
    threads: Mutex<HashMap<String, Arc<LiveThread>>>,
    initialized: AtomicBool,
}

type Reply = Result<Value, RpcError>;

impl Processor {
    pub fn new(
        manager: Arc<ThreadManager>,
        codex_home: PathBuf,
        overrides: CliOverrides,
        outgoing: Arc<Outgoing>,
    ) -> Arc<Self> {
        Arc::new(Self {
            manager,
            codex_home,
            overrides,
            outgoing,
            threads: Mutex::new(HashMap::new()),
            initialized: AtomicBool::new(false),
        })
    }

    /// Answers one request.
    pub async fn handle(self: Arc<Self>, id: Value, method: String, params: Value) {
        let reply = if method == "initialize" {
            self.initialize(&params)
        } else if !self.initialized.load(Ordering::SeqCst) {
            Err(RpcError::invalid_request(
                "not initialized: send `initialize` first",
            ))
        } else {
            self.dispatch(&method, params).await
        };
        self.outgoing.respond(id, reply);
    }

    async fn dispatch(&self, method: &str, params: Value) -> Reply {
        match method {
            "thread/start" => self.thread_start(params).await,
            "thread/resume" => self.thread_resume(params).await,
            "thread/fork" => self.thread_fork(params).await,
            "thread/list" => self.thread_list(&params),
            "thread/loaded/list" => Ok(json!({"data": self.live_ids(), "nextCursor": null})),
            "thread/read" => self.thread_read(&params),
            "thread/archive" => self.thread_archive(&params).await,
            "thread/unarchive" => self.thread_unarchive(&params),
            "thread/compact/start" => {
                let thread = self.live(&params)?;
                submit(&thread, Op::Compact).await?;
                Ok(json!({}))
            }
            "turn/start" => self.turn_start(params).await,
            "turn/steer" => self.turn_steer(&params).await,
            "turn/interrupt" => {
                let thread = self.live(&params)?;
                submit(&thread, Op::Interrupt).await?;
                Ok(json!({}))
            }
            "thread/name/set" => self.thread_set_name(&params),
            "model/list" => Ok(model_list(&params)),
            "config/read" => workspace_methods::config_read(&self.codex_home, &params),
            "config/value/write" => {
                workspace_methods::config_write(&self.codex_home, &self.overrides, &params, false)
            }
            "config/batchWrite" => {
                workspace_methods::config_write(&self.codex_home, &self.overrides, &params, true)
            }
            "fuzzyFileSearch" => workspace_methods::fuzzy_file_search(&params).await,
            "mcpServerStatus/list" => self.mcp_status(&params).await,
            "skills/list" => {
                crate::skills_methods::skills_list(&self.codex_home, &self.overrides, &params)
            }
            "skills/config/write" => {
                crate::skills_methods::skills_config_write(&self.codex_home, &params)
            }
            "command/exec" => {
                workspace_methods::command_exec(
                    &self.manager,
                    &self.codex_home,
                    &self.overrides,
                    &params,
                    sandbox_from_protocol,
                )
                .await
            }
            "account/read" => self.account_read(),
            "review/start" => self.review_start(&params).await,
            other => Err(RpcError {
                code: METHOD_NOT_FOUND,
                message: format!("method not found: {other}"),
            }),
        }
    }

    fn initialize(&self, params: &Value) -> Reply {
        if params
            .get("clientInfo")
            .and_then(|c| c.get("name"))
            .is_none()
        {
            return Err(RpcError::invalid_params(
                "initialize needs `clientInfo` with a `name` and a `version`",
            ));
        }
        if self.initialized.swap(true, Ordering::SeqCst) {
            return Err(RpcError::invalid_request("already initialized"));
        }
        Ok(json!({
            "codexHome": self.codex_home.display().to_string(),
            "platformFamily": if cfg!(unix) { "unix" } else { "windows" },
            "platformOs": std::env::consts::OS,
            "userAgent": codex_client::user_agent("codex_app_server"),
        }))
    }

    /// The configuration for a thread: ours, with the request's overrides.
    fn config_for(&self, params: &Value) -> Result<Config, RpcError> {
        let mut overrides = self.overrides.clone();
        let text = |key: &str| params.get(key).and_then(Value::as_str).map(str::to_string);
        if let Some(model) = text("model") {
            overrides.model = Some(model);
        }
        if let Some(provider) = text("modelProvider") {
            overrides
                .raw_overrides
                .push(format!("model_provider={}", Value::String(provider)));
        }
        if let Some(cwd) = text("cwd") {
            overrides.cwd = Some(PathBuf::from(cwd));
        }
        if let Some(policy) = params.get("approvalPolicy").filter(|v| !v.is_null()) {
            overrides.approval_policy = Some(parse::<AskForApproval>(policy, "approvalPolicy")?);
        }
        if let Some(mode) = params.get("sandbox").filter(|v| !v.is_null()) {
            overrides.sandbox_mode = Some(parse::<SandboxMode>(mode, "sandbox")?);
        }
        for (key, field) in [
            ("base_instructions", "baseInstructions"),
            ("developer_instructions", "developerInstructions"),
        ] {
            if let Some(value) = text(field) {
                overrides
                    .raw_overrides
                    .push(format!("{key}={}", Value::String(value)));
            }
        }
        if let Some(config) = params.get("config").and_then(Value::as_object) {
            for (key, value) in config {
                overrides.raw_overrides.push(format!("{key}={value}"));
            }
        }
        let config = load_config(&self.codex_home, &overrides)
            .map_err(|err| RpcError::invalid_params(err.to_string()))?;
        for warning in &config.warnings {
            self.outgoing
                .notify(N::ConfigWarning(ConfigWarningNotification {
                    summary: warning.message.clone(),
                    details: Some(warning.to_string()),
                }));
        }
        Ok(config)
    }

    async fn thread_start(&self, params: Value) -> Reply {
        let config = self.config_for(&params)?;
        let ephemeral = params
            .get("ephemeral")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let cwd = config.cwd.clone();
        let provider = config.model_provider_id.clone();
        let new = self
            .manager
            .start_thread(config, ephemeral)
            .await
            .map_err(|err| RpcError::internal(err.to_string()))?;
        let thread = new_thread(&new, &cwd, provider, ephemeral, None);
        self.adopt(new, thread, true)
    }

    async fn thread_resume(&self, params: Value) -> Reply {
        let id = thread_id_param(&params)?;
        if self.find_live(&id).is_some() {
            return Err(RpcError::invalid_request(format!(
                "thread {id} is already loaded in this server"
            )));
        }
        let file = self
            .manager
            .read_thread(&ThreadRef::Id(id.clone()))
            .map_err(|err| not_found(&id, &err.to_string()))?;
        let config = self.config_for(&params)?;
        let new = self
            .manager
            .resume_thread(config, &ThreadRef::Id(id.clone()))
            .await
            .map_err(|err| not_found(&id, &err.to_string()))?;
        let mut thread = self.recorded_info(&new.thread_id.to_string(), ThreadStatus::Idle);
        thread.turns = items::turns_from_rollout(&file.items);
        self.adopt(new, thread, false)
    }

    async fn thread_fork(&self, params: Value) -> Reply {
        let id = thread_id_param(&params)?;
        let config = self.config_for(&params)?;
        let cwd = config.cwd.clone();
        let provider = config.model_provider_id.clone();
        let new = self
            .manager
            .fork_thread(config, &ThreadRef::Id(id.clone()), None)
            .await
            .map_err(|err| not_found(&id, &err.to_string()))?;
        let thread = new_thread(&new, &cwd, provider, false, Some(id));
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

    fn thread_list(&self, params: &Value) -> Reply {
        let archived = params
            .get("archived")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let limit = params
            .get("limit")
            .and_then(Value::as_u64)
            .unwrap_or(25)
            .max(1) as usize;
        let offset: usize = match params.get("cursor").and_then(Value::as_str) {
            Some(cursor) => cursor.parse().map_err(|_| {
                RpcError::invalid_params(format!("not a cursor of thread/list: {cursor}"))
            })?,
            None => 0,
        };
        let cwds: Vec<String> = match params.get("cwd") {
            Some(Value::String(cwd)) => vec![cwd.clone()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let search = params
            .get("searchTerm")
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        let providers: Vec<String> = params
            .get("modelProviders")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
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

    fn thread_read(&self, params: &Value) -> Reply {
        let id = thread_id_param(params)?;
        let file = self
            .manager
            .read_thread(&ThreadRef::Id(id.clone()))
            .map_err(|err| not_found(&id, &err.to_string()))?;
        let mut thread = self.recorded_info(&id, self.status_of(&id));
        if params
            .get("includeTurns")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            thread.turns = items::turns_from_rollout(&file.items);
        }
        to_value(ThreadResponse { thread })
    }

    async fn thread_archive(&self, params: &Value) -> Reply {
        let id = thread_id_param(params)?;
        // A loaded thread is shut down first, so its file is complete.
        let live = self.threads_map().remove(&id);
        if let Some(live) = live {
            live.shut_down().await;
        }
        self.manager
            .archive_thread(&id)
            .map_err(|err| not_found(&id, &err.to_string()))?;
        self.outgoing
            .notify(N::ThreadArchived(ThreadIdNotification { thread_id: id }));
        Ok(json!({}))
    }

    fn thread_unarchive(&self, params: &Value) -> Reply {
        let id = thread_id_param(params)?;
        self.manager
            .unarchive_thread(&id)
            .map_err(|err| not_found(&id, &err.to_string()))?;
        let thread = self.recorded_info(&id, ThreadStatus::NotLoaded);
        self.outgoing
            .notify(N::ThreadUnarchived(ThreadIdNotification { thread_id: id }));
        to_value(ThreadResponse { thread })
    }

    async fn turn_start(&self, params: Value) -> Reply {
        let thread = self.live(&params)?;
        if let Some(turn) = thread.running_turn() {
            return Err(RpcError::invalid_request(format!(
                "turn {turn} is still running on thread {}; use turn/steer to add to it, or turn/interrupt",
                thread.id
            )));
        }
        let input = user_input(&params)?;
        let text = |key: &str| params.get(key).and_then(Value::as_str).map(str::to_string);
        let effort = match params.get("effort").filter(|v| !v.is_null()) {
            Some(v) => Some(Some(parse::<ReasoningEffort>(v, "effort")?)),
            None => None,
        };
        let approval_policy = match params.get("approvalPolicy").filter(|v| !v.is_null()) {
            Some(v) => Some(parse::<AskForApproval>(v, "approvalPolicy")?),
            None => None,
        };
        let sandbox_policy = match params.get("sandboxPolicy").filter(|v| !v.is_null()) {
            Some(v) => Some(sandbox_from_protocol(v)?),
            None => None,
        };
        let cwd = text("cwd").map(PathBuf::from);
        let model = text("model");
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
                final_output_json_schema: params
                    .get("outputSchema")
                    .filter(|v| !v.is_null())
                    .cloned(),
            },
        )
        .await?;
        to_value(TurnStartResponse {
            turn: items::turn(&turn_id, Vec::new(), TurnStatus::InProgress, None),
        })
    }

    /// `review/start`: a review task in the thread (inline delivery).
    async fn review_start(&self, params: &Value) -> Reply {
        let thread = self.live(params)?;
        if let Some(turn) = thread.running_turn() {
            return Err(RpcError::invalid_request(format!(
                "turn {turn} is still running on thread {}; interrupt it or wait",
                thread.id
            )));
        }
        if params.get("delivery").and_then(Value::as_str) == Some("detached") {
            return Err(RpcError::invalid_params(
                "only inline review delivery is supported",
            ));
        }
        let target = params
            .get("target")
            .ok_or_else(|| RpcError::invalid_params("missing `target`"))?;
        let text = |key: &str| target.get(key).and_then(Value::as_str).map(str::to_string);
        let target = match target.get("type").and_then(Value::as_str) {
            Some("uncommittedChanges") => codex_core::ReviewTarget::Uncommitted,
            Some("baseBranch") => codex_core::ReviewTarget::BaseBranch(
                text("branch")
                    .ok_or_else(|| RpcError::invalid_params("missing `target.branch`"))?,
            ),
            Some("commit") => codex_core::ReviewTarget::Commit {
                sha: text("sha").ok_or_else(|| RpcError::invalid_params("missing `target.sha`"))?,
                title: text("title"),
            },
            Some("custom") => codex_core::ReviewTarget::Custom(
                text("instructions")
                    .ok_or_else(|| RpcError::invalid_params("missing `target.instructions`"))?,
            ),
            other => {
                return Err(RpcError::invalid_params(format!(
                    "`target.type` {other:?} is not uncommittedChanges, baseBranch, commit or custom"
                )));
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

    async fn turn_steer(&self, params: &Value) -> Reply {
        let thread = self.live(params)?;
        let expected = params
            .get("expectedTurnId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match thread.running_turn() {
            Some(turn) if turn == expected => {
                submit(
                    &thread,
                    Op::UserInput {
                        items: user_input(params)?,
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

    fn thread_set_name(&self, params: &Value) -> Reply {
        let id = thread_id_param(params)?;
        let name = params
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::invalid_params("missing `name`"))?
            .trim()
            .to_string();
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

    /// The configured MCP servers; with a loaded thread (the one named, or
    /// any), their tools and whether they started.
    async fn mcp_status(&self, params: &Value) -> Reply {
        use crate::protocol::{
            ListMcpServerStatusResponse, McpAuthStatus, McpServerConnectionStatus, McpServerStatus,
            McpTool,
        };
        let config = load_config(&self.codex_home, &self.overrides)
            .map_err(|err| RpcError::internal(err.to_string()))?;
        let thread = match params.get("threadId").and_then(Value::as_str) {
            Some(_) => Some(self.live(params)?),
            None => self.threads_map().values().next().cloned(),
        };
        let report = match &thread {
            Some(thread) => thread.mcp_tools().await,
            None => None,
        };
        let wanted = params.get("serverName").and_then(Value::as_str);
        let data = config
            .mcp_servers
            .iter()
            .filter(|(name, _)| wanted.is_none_or(|w| w == name.as_str()))
            .map(|(name, server)| {
                let failed = report
                    .as_ref()
                    .is_some_and(|r| r.failed.iter().any(|f| &f.server == name));
                let tools = report
                    .iter()
                    .flat_map(|r| r.tools.values())
                    .filter(|t| &t.server == name)
                    .map(|t| {
                        (
                            t.tool.clone(),
                            McpTool {
                                name: t.tool.clone(),
                                description: Some(t.description.clone()).filter(|d| !d.is_empty()),
                                input_schema: json!({"type": "object"}),
                            },
                        )
                    })
                    .collect();
                let runtime_status = Some(match (server.enabled, &report, failed) {
                    (false, _, _) => McpServerConnectionStatus::Disabled,
                    (_, None, _) => McpServerConnectionStatus::NotStarted,
                    (_, Some(_), true) => McpServerConnectionStatus::Failed,
                    (_, Some(_), false) => McpServerConnectionStatus::Connected,
                });
                McpServerStatus {
                    name: name.clone(),
                    auth_status: McpAuthStatus::Unsupported,
                    tools,
                    resources: Vec::new(),
                    resource_templates: Vec::new(),
                    runtime_status,
                }
            })
            .collect();
        to_value(ListMcpServerStatusResponse {
            data,
            next_cursor: None,
        })
    }

    fn account_read(&self) -> Reply {
        let config = load_config(&self.codex_home, &self.overrides)
            .map_err(|err| RpcError::internal(err.to_string()))?;
        let requires = config.model_provider.requires_openai_auth;
        let account = match codex_login::read_auth(&config.codex_home) {
            Ok(Some(auth)) if auth.has_chatgpt_tokens() => {
                let info = auth
                    .tokens
                    .as_ref()
                    .map(|t| codex_login::jwt::id_token_info(&t.id_token))
                    .unwrap_or_default();
                json!({"type": "chatgpt", "email": info.email, "planType": info.plan.unwrap_or_else(|| "unknown".into())})
            }
            Ok(Some(auth)) if auth.openai_api_key.is_some() => json!({"type": "apiKey"}),
            _ if std::env::var("OPENAI_API_KEY").is_ok_and(|k| !k.trim().is_empty()) => {
                json!({"type": "apiKey"})
            }
            _ => Value::Null,
        };
        Ok(json!({"account": account, "requiresOpenaiAuth": requires}))
    }

    /// What the files say about a recorded thread.
    fn recorded_info(&self, id: &str, status: ThreadStatus) -> Thread {
        let mut thread = match self.manager.thread_summary(id) {
            Some(row) => items::thread_from_summary(&row, status),
            None => items::bare_thread(id, status),
        };
        thread.name = self.manager.thread_name(id);
        thread
    }

    fn status_of(&self, id: &str) -> ThreadStatus {
        match self.find_live(id) {
            Some(live) if live.running_turn().is_some() => items::status_active(),
            Some(_) => ThreadStatus::Idle,
            None => ThreadStatus::NotLoaded,
        }
    }

    fn threads_map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LiveThread>>> {
        // Inserts and removes only: a poisoned map is still consistent.
        self.threads.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn find_live(&self, id: &str) -> Option<Arc<LiveThread>> {
        self.threads_map().get(id).cloned()
    }

    fn live_ids(&self) -> Vec<String> {
        self.threads_map().keys().cloned().collect()
    }

    fn live(&self, params: &Value) -> Result<Arc<LiveThread>, RpcError> {
        let id = thread_id_param(params)?;
        self.find_live(&id).ok_or_else(|| {
            RpcError::invalid_request(format!(
                "thread {id} is not loaded; start or resume it first (thread/start, thread/resume)"
            ))
        })
    }

    /// Every loaded thread, for shutdown.
    pub fn take_threads(&self) -> Vec<Arc<LiveThread>> {
        self.threads_map().drain().map(|(_, t)| t).collect()
    }
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

/// A thread this server just started.
fn new_thread(
    new: &codex_core::NewThread,
    cwd: &std::path::Path,
    provider: String,
    ephemeral: bool,
    forked_from_id: Option<String>,
) -> Thread {
    let now = chrono::Utc::now().timestamp();
    Thread {
        cwd: cwd.display().to_string(),
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

fn to_value(value: impl serde::Serialize) -> Reply {
    serde_json::to_value(value)
        .map_err(|err| RpcError::internal(format!("cannot encode the answer: {err}")))
}

fn model_list(params: &Value) -> Value {
    let include_hidden = params
        .get("includeHidden")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let default = codex_config::DEFAULT_MODEL;
    let data: Vec<Value> = codex_client::ModelCatalog::builtin()
        .entries()
        .iter()
        .filter(|m| include_hidden || m.visible)
        .map(|m| {
            let efforts: Vec<Value> = m
                .supported_reasoning_efforts
                .iter()
                .map(|e| json!({"reasoningEffort": e, "description": format!("{e:?} reasoning")}))
                .collect();
            json!({
                "id": m.slug,
                "model": m.slug,
                "displayName": if m.display_name.is_empty() { m.slug.clone() } else { m.display_name.clone() },
                "description": m.description,
                "hidden": !m.visible,
                "isDefault": m.slug == default,
                "defaultReasoningEffort": m.default_reasoning_effort.unwrap_or(ReasoningEffort::Medium),
                "supportedReasoningEfforts": efforts,
                "inputModalities": m.input_modalities,
            })
        })
        .collect();
    json!({"data": data, "nextCursor": null})
}

async fn submit(thread: &LiveThread, op: Op) -> Result<String, RpcError> {
    thread
        .codex
        .submit(op)
        .await
        .map_err(|err| RpcError::internal(format!("thread {}: {err}", thread.id)))
}

fn thread_id_param(params: &Value) -> Result<String, RpcError> {
    params
        .get("threadId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| RpcError::invalid_params("missing `threadId`"))
}

fn not_found(id: &str, detail: &str) -> RpcError {
    RpcError::invalid_request(format!("thread {id}: {detail}"))
}

fn parse<T: serde::de::DeserializeOwned>(value: &Value, field: &str) -> Result<T, RpcError> {
    serde_json::from_value(value.clone())
        .map_err(|err| RpcError::invalid_params(format!("`{field}`: {err}")))
}

/// The protocol's `UserInput` list as ours.
fn user_input(params: &Value) -> Result<Vec<UserInput>, RpcError> {
    let list = params
        .get("input")
        .and_then(Value::as_array)
        .ok_or_else(|| RpcError::invalid_params("missing `input` (a list of inputs)"))?;
    let mut items = Vec::new();
    for (n, entry) in list.iter().enumerate() {
        let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_string);
        let item = match entry.get("type").and_then(Value::as_str) {
            Some("text") => text("text").map(|text| UserInput::Text { text }),
            Some("image") => text("url").map(|image_url| UserInput::Image { image_url }),
            Some("localImage") => {
                text("path").map(|path| UserInput::LocalImage { path: path.into() })
            }
            // A mention or skill is the path the model should look at.
            Some("mention") | Some("skill") => {
                text("path").map(|path| UserInput::Text { text: path })
            }
            other => {
                return Err(RpcError::invalid_params(format!(
                    "input {n}: type {other:?} is not supported (text, image, localImage, mention)"
                )));
            }
        };
        items.push(
            item.ok_or_else(|| {
                RpcError::invalid_params(format!("input {n} is missing its value"))
            })?,
        );
    }
    if let Some(message) = codex_protocol::user_input::input_too_large(&items) {
        return Err(RpcError::invalid_params(message));
    }
    Ok(items)
}

/// The protocol's `SandboxPolicy` (camelCase) as ours.
fn sandbox_from_protocol(value: &Value) -> Result<SandboxPolicy, RpcError> {
    let flag = |key: &str| value.get(key).and_then(Value::as_bool).unwrap_or(false);
    match value.get("type").and_then(Value::as_str) {
        Some("dangerFullAccess") => Ok(SandboxPolicy::DangerFullAccess),
        Some("readOnly") => Ok(SandboxPolicy::ReadOnly),
        Some("workspaceWrite") => Ok(SandboxPolicy::WorkspaceWrite {
            writable_roots: value
                .get("writableRoots")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(|v| v.as_str().map(PathBuf::from))
                        .collect()
                })
                .unwrap_or_default(),
            network_access: flag("networkAccess"),
            exclude_tmpdir_env_var: flag("excludeTmpdirEnvVar"),
            exclude_slash_tmp: flag("excludeSlashTmp"),
        }),
        other => Err(RpcError::invalid_params(format!(
            "`sandboxPolicy.type` {other:?} is not one of dangerFullAccess, readOnly, workspaceWrite"
        ))),
    }
}
