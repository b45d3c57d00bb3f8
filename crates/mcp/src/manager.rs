//! Every configured server of a session: started in the background, their
//! tools under model-facing names, calls routed to the right server.
//!
//! [`McpConnectionManager::new`] knows the servers; [`McpConnectionManager::start`]
//! starts each one in a task of its own, so nobody waits for start-up: the
//! tools of a server join the [`Catalog`] the moment it is ready, and each
//! request of a turn offers what is ready then. A server reports
//! `starting`, then `ready` or `failed` with the reason (once). A call to a
//! tool of a server that is still starting waits for that server alone
//! (bounded by its start-up timeout). A server that dies later is restarted
//! by the next call to it. Shutting down ends the servers still starting.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use codex_config::mcp::{
    DEFAULT_MCP_STARTUP_TIMEOUT, DEFAULT_MCP_TOOL_TIMEOUT, McpServerConfig, McpToolApproval,
};
use codex_protocol::mcp::{
    CallToolResult, McpStartupCompleteEvent, McpStartupFailure, McpStartupStatus,
    McpStartupUpdateEvent,
};
use serde_json::Value;
use tokio::sync::{Mutex, watch};

use crate::connection::{Connection, Started};
use crate::error::{CallError, StartupError};
use crate::handler::Elicitor;
use crate::naming::{names_in_namespace, namespace_name, qualified_names_avoiding};
use crate::schema::to_function_parameters;

/// One tool of one server, as offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct McpToolInfo {
    /// `mcp__server__tool`: the flat name (where the wire has no namespaces).
    pub qualified_name: String,
    /// `mcp__server`: the namespace the server's tools are offered in.
    pub namespace: String,
    /// The tool's name inside its namespace (its own name, made wire-safe).
    pub name_in_namespace: String,
    pub server: String,
    pub tool: String,
    pub description: String,
    /// The argument schema, converted for the model APIs.
    pub parameters: Value,
    /// The server says the tool only reads.
    pub read_only: bool,
    /// The server says the tool may destroy data.
    pub destructive: bool,
    pub approval: McpToolApproval,
}

/// Called with each server's progress while starting.
pub type ProgressFn = Arc<dyn Fn(McpStartupUpdateEvent) + Send + Sync>;

/// Where one server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerState {
    Starting,
    Ready,
    Failed(String),
    /// The session ended before the server was ready.
    Cancelled,
}

/// What is ready now: the tools of the servers that started, in the order
/// they joined, and the servers that failed.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub tools: Vec<McpToolInfo>,
    /// Servers that are ready, in the order they became so, with their
    /// namespace.
    pub ready: Vec<(String, String)>,
    pub failures: Vec<McpStartupFailure>,
}

struct Server {
    name: String,
    config: McpServerConfig,
    cwd: PathBuf,
    /// Where `codex mcp login` keeps tokens; none leaves OAuth out.
    codex_home: Option<PathBuf>,
    elicitor: Option<Arc<dyn Elicitor>>,
    state: watch::Sender<ServerState>,
    connection: Mutex<Option<Arc<Connection>>>,
    has_resources: AtomicBool,
}

impl Server {
    fn startup_timeout(&self) -> Duration {
        self.config
            .startup_timeout
            .unwrap_or(DEFAULT_MCP_STARTUP_TIMEOUT)
    }

    fn tool_timeout(&self) -> Duration {
        self.config.tool_timeout.unwrap_or(DEFAULT_MCP_TOOL_TIMEOUT)
    }

    /// Waits until the server is no longer starting.
    async fn settled(&self) -> ServerState {
        let mut state = self.state.subscribe();
        loop {
            let now = state.borrow_and_update().clone();
            if now != ServerState::Starting {
                return now;
            }
            if state.changed().await.is_err() {
                return ServerState::Cancelled;
            }
        }
    }
}

/// The servers of one session.
#[derive(Default)]
pub struct McpConnectionManager {
    servers: BTreeMap<String, Arc<Server>>,
    catalog: RwLock<Arc<Catalog>>,
    /// Tasks of servers still starting, ended by [`Self::shutdown`].
    starting: std::sync::Mutex<Vec<tokio::task::AbortHandle>>,
}

impl McpConnectionManager {
    /// The enabled servers of `configs`, none started yet. HTTP servers
    /// signed in with `codex mcp login` use the tokens in `codex_home`.
    pub fn new(
        configs: &BTreeMap<String, McpServerConfig>,
        cwd: &Path,
        codex_home: Option<&Path>,
        elicitor: Option<Arc<dyn Elicitor>>,
    ) -> Self {
        let servers = configs
            .iter()
            .filter(|(_, c)| c.enabled)
            .map(|(name, config)| {
                let server = Server {
                    name: name.clone(),
                    config: config.clone(),
                    cwd: cwd.to_path_buf(),
                    codex_home: codex_home.map(Path::to_path_buf),
                    elicitor: elicitor.clone(),
                    state: watch::channel(ServerState::Starting).0,
                    connection: Mutex::new(None),
                    has_resources: AtomicBool::new(false),
                };
                (name.clone(), Arc::new(server))
            })
            .collect();
        Self {
            servers,
            ..Self::default()
        }
    }

    /// Starts every server, each in a task of its own, and returns at once.
    /// The returned future resolves with the summary once every server has
    /// started or failed; nothing needs to wait for it.
    pub fn start(
        self: &Arc<Self>,
        progress: ProgressFn,
    ) -> impl std::future::Future<Output = McpStartupCompleteEvent> + Send + 'static {
        let mut tasks = Vec::new();
        for server in self.servers.values() {
            let name = server.name.clone();
            let (manager, server, progress) =
                (Arc::clone(self), Arc::clone(server), Arc::clone(&progress));
            progress(McpStartupUpdateEvent {
                server: server.name.clone(),
                status: McpStartupStatus::Starting,
            });
            let task = tokio::spawn(async move {
                let result = Connection::start(
                    &server.name,
                    &server.config,
                    &server.cwd,
                    server.elicitor.clone(),
                    server.startup_timeout(),
                    server.codex_home.as_deref(),
                )
                .await;
                let status = match result {
                    Ok(started) => {
                        manager.join(&server, started);
                        McpStartupStatus::Ready
                    }
                    Err(err) => {
                        let error = describe_failure(&server.name, &err);
                        manager.fail(&server, error.clone());
                        McpStartupStatus::Failed { error }
                    }
                };
                progress(McpStartupUpdateEvent {
                    server: server.name.clone(),
                    status,
                });
            });
            crate::lock(&self.starting).push(task.abort_handle());
            tasks.push((name, task));
        }
        let manager = Arc::clone(self);
        async move {
            let mut summary = McpStartupCompleteEvent::default();
            for (name, task) in tasks {
                let _ = task.await;
                match manager.state(&name) {
                    Some(ServerState::Ready) => summary.ready.push(name),
                    Some(ServerState::Failed(error)) => summary.failed.push(McpStartupFailure {
                        server: name,
                        error,
                    }),
                    _ => summary.cancelled.push(name),
                }
            }
            summary
        }
    }

    /// A started server's tools join the catalog.
    fn join(&self, server: &Server, started: Started) {
        let config = &server.config;
        let offered: Vec<rmcp::model::Tool> = started
            .tools
            .into_iter()
            .filter(|tool| {
                let name = tool.name.as_ref();
                config
                    .enabled_tools
                    .as_ref()
                    .is_none_or(|list| list.iter().any(|t| t == name))
                    && !config.disabled_tools.iter().any(|t| t == name)
            })
            .collect();
        server
            .has_resources
            .store(started.has_resources, Ordering::Relaxed);
        // The connection first: a call that sees the tool finds it.
        if let Ok(mut slot) = server.connection.try_lock() {
            *slot = Some(Arc::new(started.connection));
        } else {
            // Nobody holds the slot before the server is ready (calls wait
            // for the state first); keep the invariant visible if that changes.
            tracing::warn!(server = %server.name, "MCP connection slot busy at start-up");
        }
        let mut catalog = self.catalog.write().unwrap_or_else(|p| p.into_inner());
        let mut next = (**catalog).clone();
        let taken_flat: HashSet<String> = next
            .tools
            .iter()
            .map(|t| t.qualified_name.clone())
            .collect();
        let taken_spaces: HashSet<String> = next.ready.iter().map(|(_, n)| n.clone()).collect();
        let namespace = namespace_name(&server.name, &taken_spaces);
        let pairs: Vec<(String, String)> = offered
            .iter()
            .map(|tool| (server.name.clone(), tool.name.to_string()))
            .collect();
        let flat = qualified_names_avoiding(&pairs, &taken_flat);
        let inner = names_in_namespace(
            &server.name,
            &pairs.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>(),
        );
        let mut tools: Vec<McpToolInfo> = offered
            .into_iter()
            .zip(flat.into_iter().zip(inner))
            .map(|(tool, (qualified_name, name_in_namespace))| {
                let annotations = tool.annotations.clone().unwrap_or_default();
                let schema = Value::Object((*tool.input_schema).clone());
                McpToolInfo {
                    qualified_name,
                    namespace: namespace.clone(),
                    name_in_namespace,
                    server: server.name.clone(),
                    approval: config.approval_for(&tool.name),
                    tool: tool.name.to_string(),
                    description: tool.description.as_deref().unwrap_or_default().to_string(),
                    parameters: to_function_parameters(&schema),
                    read_only: annotations.read_only_hint.unwrap_or(false),
                    destructive: annotations.destructive_hint.unwrap_or(false),
                }
            })
            .collect();
        tools.sort_by(|a, b| a.name_in_namespace.cmp(&b.name_in_namespace));
        next.tools.extend(tools);
        next.ready.push((server.name.clone(), namespace));
        *catalog = Arc::new(next);
        drop(catalog);
        server.state.send_replace(ServerState::Ready);
    }

    fn fail(&self, server: &Server, error: String) {
        tracing::warn!(server = %server.name, "{error}");
        let mut catalog = self.catalog.write().unwrap_or_else(|p| p.into_inner());
        let mut next = (**catalog).clone();
        next.failures.push(McpStartupFailure {
            server: server.name.clone(),
            error: error.clone(),
        });
        *catalog = Arc::new(next);
        drop(catalog);
        server.state.send_replace(ServerState::Failed(error));
    }

    /// What is ready now.
    pub fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.catalog.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The servers that did not start, with why.
    pub fn failures(&self) -> Vec<McpStartupFailure> {
        self.catalog().failures.clone()
    }

    /// The tools of the servers that are ready.
    pub fn tools(&self) -> Vec<McpToolInfo> {
        self.catalog().tools.clone()
    }

    /// The tool offered under the flat name `qualified_name`.
    pub fn tool(&self, qualified_name: &str) -> Option<McpToolInfo> {
        self.catalog()
            .tools
            .iter()
            .find(|t| t.qualified_name == qualified_name)
            .cloned()
    }

    /// The tool offered as `name` in `namespace`.
    pub fn tool_in_namespace(&self, namespace: &str, name: &str) -> Option<McpToolInfo> {
        self.catalog()
            .tools
            .iter()
            .find(|t| t.namespace == namespace && t.name_in_namespace == name)
            .cloned()
    }

    /// Where the server `name` is, if it is configured and enabled.
    pub fn state(&self, name: &str) -> Option<ServerState> {
        self.servers.get(name).map(|s| s.state.borrow().clone())
    }

    /// The tool called as `key`: its flat name, or its namespace and name
    /// joined (`mcp__demo` + `add`).
    pub fn tool_for_call(&self, key: &str) -> Option<McpToolInfo> {
        self.catalog()
            .tools
            .iter()
            .find(|t| {
                t.qualified_name == key
                    || key
                        .strip_prefix(t.namespace.as_str())
                        .is_some_and(|rest| rest == t.name_in_namespace)
            })
            .cloned()
    }

    /// The servers still starting whose tools a call of `key` (a flat
    /// name, or a namespace and name joined) could be for.
    pub fn starting_servers_for(&self, key: &str) -> Vec<String> {
        self.servers
            .values()
            .filter(|s| *s.state.borrow() == ServerState::Starting)
            .filter(|s| key.starts_with(&namespace_name(&s.name, &HashSet::new())))
            .map(|s| s.name.clone())
            .collect()
    }

    /// The servers still starting.
    pub fn starting_servers(&self) -> Vec<String> {
        self.servers
            .values()
            .filter(|s| *s.state.borrow() == ServerState::Starting)
            .map(|s| s.name.clone())
            .collect()
    }

    /// True while some server is still starting.
    pub fn any_starting(&self) -> bool {
        self.servers
            .values()
            .any(|s| *s.state.borrow() == ServerState::Starting)
    }

    /// Waits until `server` has started or failed.
    pub async fn wait_for(&self, server: &str) -> Option<ServerState> {
        let slot = self.servers.get(server)?;
        Some(slot.settled().await)
    }

    /// The names of every enabled server.
    pub fn server_names(&self) -> Vec<String> {
        self.servers.keys().cloned().collect()
    }

    /// True when the server `name` has `required = true`.
    pub fn is_required(&self, name: &str) -> bool {
        self.servers.get(name).is_some_and(|s| s.config.required)
    }

    /// True when some running server offers resources.
    pub fn has_resources(&self) -> bool {
        self.servers
            .values()
            .any(|s| s.has_resources.load(Ordering::Relaxed))
    }

    /// A live connection to `server`, started again if it went away.
    async fn connection(&self, server: &str) -> Result<(Arc<Connection>, Duration), CallError> {
        let slot = self
            .servers
            .get(server)
            .ok_or_else(|| CallError::UnknownServer(server.to_string()))?;
        match slot.settled().await {
            ServerState::Ready => {}
            ServerState::Failed(reason) => {
                return Err(CallError::NotRunning {
                    server: server.to_string(),
                    reason,
                });
            }
            ServerState::Starting | ServerState::Cancelled => {
                return Err(CallError::NotRunning {
                    server: server.to_string(),
                    reason: "the session is ending".to_string(),
                });
            }
        }
        let mut connection = slot.connection.lock().await;
        if let Some(existing) = connection.as_ref()
            && !existing.is_closed()
        {
            return Ok((Arc::clone(existing), slot.tool_timeout()));
        }
        tracing::info!(server, "restarting MCP server");
        match Connection::start(
            server,
            &slot.config,
            &slot.cwd,
            slot.elicitor.clone(),
            slot.startup_timeout(),
            slot.codex_home.as_deref(),
        )
        .await
        {
            Ok(started) => {
                let fresh = Arc::new(started.connection);
                *connection = Some(Arc::clone(&fresh));
                Ok((fresh, slot.tool_timeout()))
            }
            Err(err) => {
                *connection = None;
                Err(CallError::NotRunning {
                    server: server.to_string(),
                    reason: err.to_string(),
                })
            }
        }
    }

    /// Calls `tool` of `server` with `arguments` (a JSON object, or none).
    pub async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        arguments: Option<Value>,
    ) -> Result<CallToolResult, CallError> {
        let arguments = match arguments {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                return Err(CallError::BadArguments(format!(
                    "expected a JSON object, got {other}"
                )));
            }
        };
        let (connection, timeout) = self.connection(server).await?;
        connection.call_tool(server, tool, arguments, timeout).await
    }

    /// Resources of one server, or of all (each tagged with its server).
    pub async fn list_resources(&self, server: Option<&str>) -> Result<Vec<Value>, CallError> {
        let mut out = Vec::new();
        for name in self.servers_for(server)? {
            let (connection, timeout) = self.connection(&name).await?;
            for mut resource in connection.list_resources(&name, timeout).await? {
                if let Value::Object(map) = &mut resource {
                    map.insert("server".into(), Value::String(name.clone()));
                }
                out.push(resource);
            }
        }
        Ok(out)
    }

    pub async fn list_resource_templates(
        &self,
        server: Option<&str>,
    ) -> Result<Vec<Value>, CallError> {
        let mut out = Vec::new();
        for name in self.servers_for(server)? {
            let (connection, timeout) = self.connection(&name).await?;
            for mut template in connection.list_resource_templates(&name, timeout).await? {
                if let Value::Object(map) = &mut template {
                    map.insert("server".into(), Value::String(name.clone()));
                }
                out.push(template);
            }
        }
        Ok(out)
    }

    pub async fn read_resource(&self, server: &str, uri: &str) -> Result<Value, CallError> {
        let (connection, timeout) = self.connection(server).await?;
        connection.read_resource(server, uri, timeout).await
    }

    fn servers_for(&self, server: Option<&str>) -> Result<Vec<String>, CallError> {
        match server {
            Some(name) if !self.servers.contains_key(name) => {
                Err(CallError::UnknownServer(name.to_string()))
            }
            Some(name) => Ok(vec![name.to_string()]),
            None => Ok(self
                .servers
                .iter()
                .filter(|(_, s)| s.has_resources.load(Ordering::Relaxed))
                .map(|(name, _)| name.clone())
                .collect()),
        }
    }

    /// Ends every server: those still starting (their processes with
    /// them) and the running ones (their process groups with them).
    pub async fn shutdown(&self) {
        for task in crate::lock(&self.starting).drain(..) {
            task.abort();
        }
        for server in self.servers.values() {
            server.state.send_if_modified(|state| {
                let starting = *state == ServerState::Starting;
                if starting {
                    *state = ServerState::Cancelled;
                }
                starting
            });
            server.connection.lock().await.take();
        }
    }
}

/// "MCP server `NAME` failed to start: <reason>".
fn describe_failure(name: &str, err: &StartupError) -> String {
    format!("MCP server `{name}` failed to start: {err}")
}
