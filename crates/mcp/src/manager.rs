//! Every configured server of a session: started together, their tools
//! under model-facing names, calls routed to the right server.
//!
//! Servers start concurrently, so start-up takes as long as the slowest
//! one; each reports `starting`, then `ready` or `failed` with the reason.
//! A server that fails is left out and the session goes on. A server that
//! dies later is restarted by the next call to it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use codex_config::mcp::{
    DEFAULT_MCP_STARTUP_TIMEOUT, DEFAULT_MCP_TOOL_TIMEOUT, McpServerConfig, McpToolApproval,
};
use codex_protocol::mcp::{
    CallToolResult, McpStartupCompleteEvent, McpStartupFailure, McpStartupStatus,
    McpStartupUpdateEvent,
};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::connection::Connection;
use crate::error::{CallError, StartupError};
use crate::handler::Elicitor;
use crate::naming::qualified_names;
use crate::schema::to_function_parameters;

/// One tool of one server, as offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct McpToolInfo {
    /// `mcp__server__tool`.
    pub qualified_name: String,
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

struct Server {
    config: McpServerConfig,
    cwd: PathBuf,
    elicitor: Option<Arc<dyn Elicitor>>,
    connection: Mutex<Option<Arc<Connection>>>,
    has_resources: bool,
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
}

/// The servers of one session.
#[derive(Default)]
pub struct McpConnectionManager {
    servers: BTreeMap<String, Server>,
    tools: Vec<McpToolInfo>,
    failures: Vec<McpStartupFailure>,
}

impl McpConnectionManager {
    /// Starts every enabled server in `configs` at once. Returns when all
    /// have started or failed, with the summary event.
    pub async fn start(
        configs: &BTreeMap<String, McpServerConfig>,
        cwd: &Path,
        elicitor: Option<Arc<dyn Elicitor>>,
        progress: ProgressFn,
    ) -> (Self, McpStartupCompleteEvent) {
        let enabled: Vec<(&String, &McpServerConfig)> =
            configs.iter().filter(|(_, c)| c.enabled).collect();
        let starts = enabled.iter().map(|(name, config)| {
            let progress = Arc::clone(&progress);
            let elicitor = elicitor.clone();
            async move {
                progress(McpStartupUpdateEvent {
                    server: (*name).clone(),
                    status: McpStartupStatus::Starting,
                });
                let timeout = config
                    .startup_timeout
                    .unwrap_or(DEFAULT_MCP_STARTUP_TIMEOUT);
                let result = Connection::start(name, config, cwd, elicitor, timeout).await;
                progress(McpStartupUpdateEvent {
                    server: (*name).clone(),
                    status: match &result {
                        Ok(_) => McpStartupStatus::Ready,
                        Err(err) => McpStartupStatus::Failed {
                            error: describe_failure(name, err),
                        },
                    },
                });
                (*name, *config, result)
            }
        });
        let results = futures::future::join_all(starts).await;

        let mut manager = Self::default();
        let mut summary = McpStartupCompleteEvent::default();
        let mut offered: Vec<(String, rmcp::model::Tool)> = Vec::new();
        for (name, config, result) in results {
            match result {
                Ok(started) => {
                    summary.ready.push(name.clone());
                    for tool in started.tools {
                        let tool_name = tool.name.to_string();
                        let allowed = config
                            .enabled_tools
                            .as_ref()
                            .is_none_or(|list| list.contains(&tool_name))
                            && !config.disabled_tools.contains(&tool_name);
                        if allowed {
                            offered.push((name.clone(), tool));
                        }
                    }
                    manager.servers.insert(
                        name.clone(),
                        Server {
                            config: config.clone(),
                            cwd: cwd.to_path_buf(),
                            elicitor: elicitor.clone(),
                            connection: Mutex::new(Some(Arc::new(started.connection))),
                            has_resources: started.has_resources,
                        },
                    );
                }
                Err(err) => summary.failed.push(McpStartupFailure {
                    server: name.clone(),
                    error: describe_failure(name, &err),
                }),
            }
        }
        let pairs: Vec<(String, String)> = offered
            .iter()
            .map(|(server, tool)| (server.clone(), tool.name.to_string()))
            .collect();
        let names = qualified_names(&pairs);
        manager.tools = offered
            .into_iter()
            .zip(names)
            .map(|((server, tool), qualified_name)| {
                let annotations = tool.annotations.clone().unwrap_or_default();
                let approval = configs
                    .get(&server)
                    .map(|c| c.approval_for(&tool.name))
                    .unwrap_or_default();
                let schema = Value::Object((*tool.input_schema).clone());
                McpToolInfo {
                    qualified_name,
                    server,
                    tool: tool.name.to_string(),
                    description: tool.description.as_deref().unwrap_or_default().to_string(),
                    parameters: to_function_parameters(&schema),
                    read_only: annotations.read_only_hint.unwrap_or(false),
                    destructive: annotations.destructive_hint.unwrap_or(false),
                    approval,
                }
            })
            .collect();
        manager.failures = summary.failed.clone();
        (manager, summary)
    }

    /// The servers that did not start, with why.
    pub fn failures(&self) -> &[McpStartupFailure] {
        &self.failures
    }

    /// The tools, in server then server-listing order.
    pub fn tools(&self) -> &[McpToolInfo] {
        &self.tools
    }

    /// The tool offered under `qualified_name`.
    pub fn tool(&self, qualified_name: &str) -> Option<&McpToolInfo> {
        self.tools
            .iter()
            .find(|t| t.qualified_name == qualified_name)
    }

    /// The names of the servers that started.
    pub fn server_names(&self) -> Vec<String> {
        self.servers.keys().cloned().collect()
    }

    /// True when some running server offers resources.
    pub fn has_resources(&self) -> bool {
        self.servers.values().any(|s| s.has_resources)
    }

    /// A live connection to `server`, started again if it went away.
    async fn connection(&self, server: &str) -> Result<(Arc<Connection>, Duration), CallError> {
        let slot = self
            .servers
            .get(server)
            .ok_or_else(|| CallError::UnknownServer(server.to_string()))?;
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
                .filter(|(_, s)| s.has_resources)
                .map(|(name, _)| name.clone())
                .collect()),
        }
    }

    /// Ends every server (their process groups with them).
    pub async fn shutdown(&self) {
        for server in self.servers.values() {
            server.connection.lock().await.take();
        }
    }
}

/// "MCP server `NAME` failed to start: <reason>".
fn describe_failure(name: &str, err: &StartupError) -> String {
    format!("MCP server `{name}` failed to start: {err}")
}
