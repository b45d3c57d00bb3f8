//! The requests of the protocol, each answered from the thread manager and
//! the `Op`/`Event` seam. Every request runs in its own task, so a slow one
//! (starting a thread) never holds up the others or the client's answers
//! to our approval requests. The thread and turn methods live in
//! `thread_methods.rs`; the workspace ones in `workspace_methods.rs`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use codex_config::{CliOverrides, load_config};
use codex_core::ThreadManager;
use codex_protocol::config_types::ReasoningEffort;
use codex_protocol::protocol::Op;
use serde_json::{Value, json};

use crate::connection::Server;
use crate::items;
use crate::outgoing::Outgoing;
use crate::params::{self, InitializeParams, ModelListParams};
use crate::protocol::{Thread, ThreadStatus};
use crate::rpc::{METHOD_NOT_FOUND, RpcError};
use crate::thread_methods::{sandbox_from_protocol, submit, thread_id_param};
use crate::thread_pump::LiveThread;
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
    "thread/rollback",
    "thread/revert",
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
    "mcpServer/oauth/login",
    "skills/list",
    "skills/config/write",
    "thread/goal/set",
    "thread/goal/get",
    "thread/goal/clear",
];

pub struct Processor {
    pub(crate) server: Arc<Server>,
    pub(crate) manager: Arc<ThreadManager>,
    pub(crate) codex_home: PathBuf,
    pub(crate) overrides: CliOverrides,
    pub(crate) outgoing: Arc<Outgoing>,
    threads: Mutex<HashMap<String, Arc<LiveThread>>>,
    initialized: AtomicBool,
}

pub(crate) type Reply = Result<Value, RpcError>;

impl Processor {
    pub fn new(server: Arc<Server>, outgoing: Arc<Outgoing>) -> Arc<Self> {
        Arc::new(Self {
            manager: Arc::clone(&server.manager),
            codex_home: server.codex_home.clone(),
            overrides: server.overrides.clone(),
            server,
            outgoing,
            threads: Mutex::new(HashMap::new()),
            initialized: AtomicBool::new(false),
        })
    }

    /// `initialize` was answered: requests may run concurrently.
    pub fn is_initialized(&self) -> bool {
        self.initialized.load(Ordering::SeqCst)
    }

    /// Answers one request.
    pub async fn handle(self: Arc<Self>, id: Value, method: String, params: Value) {
        let reply = if method == "initialize" {
            self.initialize(params)
        } else if !self.is_initialized() {
            Err(RpcError::invalid_request(
                "not initialized: send `initialize` first",
            ))
        } else if !IMPLEMENTED_METHODS.contains(&method.as_str()) {
            Err(RpcError {
                code: METHOD_NOT_FOUND,
                message: format!("method not found: {method}"),
            })
        } else {
            match params::check(&method, &params) {
                Ok(()) => self.dispatch(&method, params).await,
                Err(err) => Err(err),
            }
        };
        self.outgoing.respond(id, reply);
    }

    async fn dispatch(&self, method: &str, params: Value) -> Reply {
        match method {
            "thread/start" => self.thread_start(params).await,
            "thread/resume" => self.thread_resume(params).await,
            "thread/fork" => self.thread_fork(params).await,
            "thread/list" => self.thread_list(params),
            "thread/loaded/list" => Ok(json!({"data": self.live_ids(), "nextCursor": null})),
            "thread/read" => self.thread_read(params),
            "thread/archive" => self.thread_archive(&params).await,
            "thread/unarchive" => self.thread_unarchive(&params),
            "thread/rollback" => self.thread_rollback(params).await,
            "thread/revert" => self.thread_revert(params).await,
            "thread/compact/start" => {
                let thread = self.live(&params)?;
                submit(&thread, Op::Compact).await?;
                Ok(json!({}))
            }
            "turn/start" => self.turn_start(params).await,
            "turn/steer" => self.turn_steer(params).await,
            "turn/interrupt" => {
                let thread = self.live(&params)?;
                submit(&thread, Op::Interrupt).await?;
                Ok(json!({}))
            }
            "thread/name/set" => self.thread_set_name(params),
            "thread/goal/set" => self.thread_goal_set(params).await,
            "thread/goal/get" => self.thread_goal_get(params),
            "thread/goal/clear" => self.thread_goal_clear(params).await,
            "model/list" => {
                let configured = load_config(&self.codex_home, &self.overrides)
                    .map(|c| c.model)
                    .unwrap_or_else(|_| codex_config::DEFAULT_MODEL.to_string());
                model_list(params::parse(method, params)?, &configured)
            }
            "config/read" => {
                workspace_methods::config_read(&self.codex_home, &self.overrides, &params)
            }
            "config/value/write" => {
                workspace_methods::config_write(&self.codex_home, &self.overrides, &params, false)
            }
            "config/batchWrite" => {
                workspace_methods::config_write(&self.codex_home, &self.overrides, &params, true)
            }
            "fuzzyFileSearch" => workspace_methods::fuzzy_file_search(&params).await,
            "mcpServerStatus/list" => self.mcp_status(&params).await,
            "mcpServer/oauth/login" => {
                crate::mcp_oauth_methods::mcp_oauth_login(
                    &self.codex_home,
                    &self.overrides,
                    &self.outgoing,
                    params,
                )
                .await
            }
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
            "review/start" => self.review_start(params).await,
            other => Err(RpcError {
                code: METHOD_NOT_FOUND,
                message: format!("method not found: {other}"),
            }),
        }
    }

    fn initialize(&self, params: Value) -> Reply {
        let params: InitializeParams = params::parse("initialize", params)?;
        if self.initialized.swap(true, Ordering::SeqCst) {
            return Err(RpcError::invalid_request("already initialized"));
        }
        let client = &params.client_info;
        Ok(json!({
            "codexHome": self.codex_home.display().to_string(),
            "platformFamily": if cfg!(unix) { "unix" } else { "windows" },
            "platformOs": std::env::consts::OS,
            // As the reference: the client's name leads, its name and
            // version close.
            "userAgent": format!(
                "{} ({}; {})",
                codex_client::user_agent(&client.name),
                client.name,
                client.version
            ),
        }))
    }

    /// The configured MCP servers; with a loaded thread (the one named, or
    /// any), their tools and whether they started.
    async fn mcp_status(&self, params: &Value) -> Reply {
        use crate::protocol::{
            ListMcpServerStatusResponse, McpServerConnectionStatus, McpServerStatus, McpTool,
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
        let (servers, _) = codex_plugins::effective_mcp_servers(&config);
        let data = servers
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
                let starting = report
                    .as_ref()
                    .is_some_and(|r| r.starting.iter().any(|s| s == name));
                let runtime_status = Some(match (server.enabled, &report, failed, starting) {
                    (false, ..) => McpServerConnectionStatus::Disabled,
                    (_, None, ..) => McpServerConnectionStatus::NotStarted,
                    (_, Some(_), true, _) => McpServerConnectionStatus::Failed,
                    (_, Some(_), false, true) => McpServerConnectionStatus::Starting,
                    (_, Some(_), false, false) => McpServerConnectionStatus::Connected,
                });
                McpServerStatus {
                    name: name.clone(),
                    auth_status: auth_status(&config.codex_home, name, server),
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
    pub(crate) fn recorded_info(&self, id: &str, status: ThreadStatus) -> Thread {
        let mut thread = match self.manager.thread_summary(id) {
            Some(row) => items::thread_from_summary(&row, status),
            None => items::bare_thread(id, status),
        };
        thread.name = self.manager.thread_name(id);
        thread
    }

    pub(crate) fn status_of(&self, id: &str) -> ThreadStatus {
        match self.find_live(id) {
            Some(live) if live.running_turn().is_some() => items::status_active(),
            Some(_) => ThreadStatus::Idle,
            None => ThreadStatus::NotLoaded,
        }
    }

    pub(crate) fn threads_map(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LiveThread>>> {
        // Inserts and removes only: a poisoned map is still consistent.
        self.threads.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn find_live(&self, id: &str) -> Option<Arc<LiveThread>> {
        self.threads_map().get(id).cloned()
    }

    fn live_ids(&self) -> Vec<String> {
        self.threads_map().keys().cloned().collect()
    }

    pub(crate) fn live(&self, params: &Value) -> Result<Arc<LiveThread>, RpcError> {
        let id = thread_id_param(params)?;
        self.find_live(&id).ok_or_else(|| {
            RpcError::invalid_request(format!(
                "thread {id} is not loaded; start or resume it first (thread/start, thread/resume)"
            ))
        })
    }

    /// Every loaded thread, when the connection closes.
    pub fn take_threads(&self) -> Vec<Arc<LiveThread>> {
        self.threads_map().drain().map(|(_, t)| t).collect()
    }
}

pub(crate) fn to_value(value: impl serde::Serialize) -> Reply {
    serde_json::to_value(value)
        .map_err(|err| RpcError::internal(format!("cannot encode the answer: {err}")))
}

/// `model/list`: the compiled-in model catalog; the configured model (or,
/// when the catalog does not know it, the built-in default) is the default.
fn model_list(params: ModelListParams, configured: &str) -> Reply {
    let include_hidden = params.include_hidden.unwrap_or(false);
    let catalog = codex_client::ModelCatalog::builtin().entries();
    let default = if catalog.iter().any(|m| m.slug == configured) {
        configured
    } else {
        codex_config::DEFAULT_MODEL
    };
    let data: Vec<Value> = catalog
        .iter()
        .filter(|m| include_hidden || m.visible)
        .map(|m| {
            let efforts: Vec<Value> = m
                .supported_reasoning_efforts
                .iter()
                .map(|e| json!({"reasoningEffort": e, "description": effort_description(*e)}))
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
    Ok(json!({"data": data, "nextCursor": null}))
}

/// What an effort level means, for a model picker.
fn effort_description(effort: ReasoningEffort) -> &'static str {
    match effort {
        ReasoningEffort::None => "Answers without reasoning",
        ReasoningEffort::Minimal => "Quickest answers, with as little reasoning as possible",
        ReasoningEffort::Low => "Quick answers with light reasoning",
        ReasoningEffort::Medium => "Balanced speed and depth, for most tasks",
        ReasoningEffort::High => "Deeper reasoning for hard problems",
        ReasoningEffort::XHigh => "The deepest reasoning, for the hardest problems",
    }
}

/// How a configured MCP server signs in. An HTTP server with neither a
/// token nor stored OAuth tokens is `notLoggedIn` (it may offer OAuth;
/// `mcpServer/oauth/login` finds out).
fn auth_status(
    codex_home: &std::path::Path,
    name: &str,
    server: &codex_config::mcp::McpServerConfig,
) -> crate::protocol::McpAuthStatus {
    use crate::protocol::McpAuthStatus;
    use codex_config::mcp::McpServerTransportConfig;
    match &server.transport {
        McpServerTransportConfig::Stdio { .. } => McpAuthStatus::Unsupported,
        McpServerTransportConfig::StreamableHttp {
            bearer_token_env_var: Some(_),
            ..
        } => McpAuthStatus::BearerToken,
        McpServerTransportConfig::StreamableHttp {
            url, http_headers, ..
        } => {
            let target = codex_mcp::oauth::OAuthServer {
                name: name.to_string(),
                url: url.clone(),
                headers: http_headers.clone(),
            };
            match codex_mcp::oauth::is_logged_in(codex_home, &target) {
                Ok(true) => McpAuthStatus::OAuth,
                Ok(false) => McpAuthStatus::NotLoggedIn,
                Err(_) => McpAuthStatus::Unknown,
            }
        }
    }
}
