//! One server: started (a child process on stdio, or a streamable HTTP
//! endpoint), initialized, asked for its tools, then called.
//!
//! A stdio server runs in its own process group with a small environment
//! (the basics like `PATH` and `HOME`, plus what its config names), so
//! codex's keys do not reach it unless asked; the group is ended when the
//! connection drops, grandchildren (`npx` → `node`) included. Its stderr goes
//! to codex's log, and the last lines are kept to explain a failure.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use codex_config::mcp::{McpServerConfig, McpServerTransportConfig};
use codex_protocol::mcp::CallToolResult;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ReadResourceRequestParams, Tool};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::error::{CallError, StartupError};
use crate::handler::{ClientState, Elicitor};

/// Lines of a server's stderr kept for error messages.
const STDERR_TAIL: usize = 20;

/// Variables a stdio server gets from codex's environment without asking.
const DEFAULT_ENV_VARS: &[&str] = &[
    "HOME", "LOGNAME", "PATH", "SHELL", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TMPDIR",
    "TZ",
];

/// The newest lines a server wrote to stderr.
#[derive(Clone, Default)]
pub(crate) struct StderrTail(Arc<Mutex<VecDeque<String>>>);

impl StderrTail {
    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if lines.len() == STDERR_TAIL {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    pub(crate) fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

/// A stdio server's process; its whole group ends with it.
struct ServerProcess {
    child: tokio::process::Child,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: signalling the process group we created for the server.
            unsafe {
                libc::kill(-(pid as i32), libc::SIGTERM);
            }
        }
        let _ = self.child.start_kill();
    }
}

pub(crate) struct Connection {
    service: RunningService<RoleClient, ClientState>,
    process: Option<Mutex<ServerProcess>>,
    pub(crate) stderr: StderrTail,
}

/// What a started server offers.
pub(crate) struct Started {
    pub connection: Connection,
    pub tools: Vec<Tool>,
    pub has_resources: bool,
}

type HttpConnected = (
    RunningService<RoleClient, ClientState>,
    Result<Vec<Tool>, String>,
);

/// Initializes a streamable-HTTP server through `client` and lists its
/// tools.
async fn connect_http<C>(
    handler: ClientState,
    client: C,
    config: StreamableHttpClientTransportConfig,
) -> Result<HttpConnected, String>
where
    C: rmcp::transport::streamable_http_client::StreamableHttpClient + Send + Sync + 'static,
{
    let transport = StreamableHttpClientTransport::with_client(client, config);
    let service = handler
        .serve(transport)
        .await
        .map_err(|err| err.to_string())?;
    let tools = service
        .list_all_tools()
        .await
        .map_err(|err| err.to_string());
    Ok((service, tools))
}

fn env_value(var: &str, key: &'static str) -> Result<String, StartupError> {
    std::env::var(var).map_err(|_| StartupError::MissingEnv {
        var: var.to_string(),
        key,
    })
}

impl Connection {
    /// Starts `config`'s server and lists its tools, within its start-up
    /// timeout.
    pub(crate) async fn start(
        name: &str,
        config: &McpServerConfig,
        cwd: &Path,
        elicitor: Option<Arc<dyn Elicitor>>,
        timeout: Duration,
        codex_home: Option<&Path>,
    ) -> Result<Started, StartupError> {
        let handler = ClientState {
            server: name.to_string(),
            elicitor,
        };
        let stderr = StderrTail::default();
        match &config.transport {
            McpServerTransportConfig::Stdio {
                command,
                args,
                env,
                env_vars,
                cwd: server_cwd,
            } => {
                let mut cmd = tokio::process::Command::new(command);
                cmd.args(args)
                    .current_dir(server_cwd.as_deref().unwrap_or(cwd))
                    .env_clear()
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .process_group(0)
                    .kill_on_drop(true);
                for var in DEFAULT_ENV_VARS
                    .iter()
                    .copied()
                    .chain(env_vars.iter().map(String::as_str))
                {
                    if let Some(value) = std::env::var_os(var) {
                        cmd.env(var, value);
                    }
                }
                cmd.envs(env);
                let mut child = cmd.spawn().map_err(|err| {
                    if err.kind() == std::io::ErrorKind::NotFound {
                        StartupError::CommandNotFound {
                            command: command.clone(),
                        }
                    } else {
                        StartupError::Spawn {
                            command: command.clone(),
                            reason: err.to_string(),
                        }
                    }
                })?;
                let (Some(stdout), Some(stdin), Some(err_pipe)) =
                    (child.stdout.take(), child.stdin.take(), child.stderr.take())
                else {
                    return Err(StartupError::Spawn {
                        command: command.clone(),
                        reason: "its standard streams could not be opened".to_string(),
                    });
                };
                let tail = stderr.clone();
                let server = name.to_string();
                tokio::spawn(async move {
                    let mut lines = BufReader::new(err_pipe).lines();
                    while let Ok(Some(line)) = lines.next_line().await {
                        tracing::info!(target: "codex_mcp::server_stderr", server = %server, "{line}");
                        tail.push(line);
                    }
                });
                let npx = Path::new(command)
                    .file_name()
                    .is_some_and(|n| n == "npx" || n == "uvx" || n == "bunx");
                let process = ServerProcess { child };
                let connect = async {
                    let service = handler
                        .serve((stdout, stdin))
                        .await
                        .map_err(|err| err.to_string())?;
                    let tools = service
                        .list_all_tools()
                        .await
                        .map_err(|err| err.to_string());
                    Ok::<_, String>((service, tools))
                };
                let mut process = process;
                match tokio::time::timeout(timeout, connect).await {
                    Err(_) => Err(StartupError::Timeout {
                        after: timeout,
                        npx,
                        stderr: stderr.lines(),
                    }),
                    Ok(Err(reason)) => {
                        // Did it die? Give it a moment to be reaped and to
                        // finish writing its error.
                        let status =
                            tokio::time::timeout(Duration::from_millis(500), process.child.wait())
                                .await;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        match status {
                            Ok(Ok(status)) => Err(StartupError::Exited {
                                status: describe_status(status),
                                stderr: stderr.lines(),
                            }),
                            _ => Err(StartupError::Handshake {
                                reason,
                                stderr: stderr.lines(),
                            }),
                        }
                    }
                    Ok(Ok((service, tools))) => {
                        let tools = tools.map_err(StartupError::ListTools)?;
                        let has_resources = has_resources(&service);
                        Ok(Started {
                            connection: Connection {
                                service,
                                process: Some(Mutex::new(process)),
                                stderr,
                            },
                            tools,
                            has_resources,
                        })
                    }
                }
            }
            McpServerTransportConfig::StreamableHttp {
                url,
                bearer_token_env_var,
                http_headers,
                env_http_headers,
            } => {
                let mut headers = HashMap::new();
                let mut add = |name: &str, value: &str| -> Result<(), StartupError> {
                    let header_name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                        .map_err(|err| StartupError::BadHeader {
                            name: name.to_string(),
                            reason: err.to_string(),
                        })?;
                    let header_value =
                        reqwest::header::HeaderValue::from_str(value).map_err(|err| {
                            StartupError::BadHeader {
                                name: name.to_string(),
                                reason: err.to_string(),
                            }
                        })?;
                    headers.insert(header_name, header_value);
                    Ok(())
                };
                for (name, value) in http_headers {
                    add(name, value)?;
                }
                for (name, var) in env_http_headers {
                    add(name, &env_value(var, "env_http_headers")?)?;
                }
                let mut transport_config =
                    StreamableHttpClientTransportConfig::with_uri(url.as_str())
                        .custom_headers(headers);
                if let Some(var) = bearer_token_env_var {
                    transport_config =
                        transport_config.auth_header(env_value(var, "bearer_token_env_var")?);
                }
                let client = codex_client::http_client(&codex_client::user_agent("codex_mcp"))
                    .map_err(|err| StartupError::Spawn {
                        command: url.clone(),
                        reason: err.to_string(),
                    })?;
                // Tokens from `codex mcp login` sign the requests of a
                // server that does not carry its own `Authorization`.
                let own_authorization = bearer_token_env_var.is_some()
                    || http_headers
                        .keys()
                        .chain(env_http_headers.keys())
                        .any(|name| name.eq_ignore_ascii_case("authorization"));
                let signed_in = match codex_home.filter(|_| !own_authorization) {
                    Some(home) => {
                        let server = crate::oauth::OAuthServer {
                            name: name.to_string(),
                            url: url.clone(),
                            headers: http_headers.clone(),
                        };
                        crate::oauth::authorized_client(home, &server, client.clone())
                            .await
                            .map_err(|err| StartupError::OAuth(err.to_string()))?
                    }
                    None => None,
                };
                let connect = async {
                    match signed_in {
                        Some(auth_client) => {
                            connect_http(handler, auth_client, transport_config).await
                        }
                        None => connect_http(handler, client, transport_config).await,
                    }
                };
                match tokio::time::timeout(timeout, connect).await {
                    Err(_) => Err(StartupError::Timeout {
                        after: timeout,
                        npx: false,
                        stderr: Vec::new(),
                    }),
                    Ok(Err(reason))
                        if reason.contains("401")
                            || reason.contains("Unauthorized")
                            || reason.to_ascii_lowercase().contains("auth required")
                            || reason.contains("authorization required") =>
                    {
                        Err(StartupError::AuthRequired {
                            server: name.to_string(),
                        })
                    }
                    Ok(Err(reason)) => Err(StartupError::Handshake {
                        reason,
                        stderr: Vec::new(),
                    }),
                    Ok(Ok((service, tools))) => {
                        let tools = tools.map_err(StartupError::ListTools)?;
                        let has_resources = has_resources(&service);
                        Ok(Started {
                            connection: Connection {
                                service,
                                process: None,
                                stderr,
                            },
                            tools,
                            has_resources,
                        })
                    }
                }
            }
        }
    }

    /// True once the server went away (its process exited, the stream closed).
    pub(crate) fn is_closed(&self) -> bool {
        if self.service.is_transport_closed() {
            return true;
        }
        match &self.process {
            Some(process) => {
                let mut process = process.lock().unwrap_or_else(|p| p.into_inner());
                matches!(process.child.try_wait(), Ok(Some(_)))
            }
            None => false,
        }
    }

    /// One request to the server, bounded by `timeout`, its failure typed.
    async fn bounded<T>(
        &self,
        server: &str,
        timeout: Duration,
        request: impl std::future::Future<Output = Result<T, ServiceError>>,
    ) -> Result<T, CallError> {
        tokio::time::timeout(timeout, request)
            .await
            .map_err(|_| CallError::Timeout(timeout))?
            .map_err(|err| self.call_error(server, err))
    }

    fn call_error(&self, server: &str, err: ServiceError) -> CallError {
        match err {
            ServiceError::TransportClosed | ServiceError::TransportSend(_) => {
                CallError::ServerExited {
                    server: server.to_string(),
                    stderr: self.stderr.lines(),
                }
            }
            ServiceError::McpError(error) => CallError::Server(error.message.to_string()),
            other => {
                if self.is_closed() {
                    CallError::ServerExited {
                        server: server.to_string(),
                        stderr: self.stderr.lines(),
                    }
                } else {
                    CallError::Server(other.to_string())
                }
            }
        }
    }

    pub(crate) async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        arguments: Option<serde_json::Map<String, Value>>,
        timeout: Duration,
    ) -> Result<CallToolResult, CallError> {
        let mut params = CallToolRequestParams::new(tool.to_string());
        if let Some(arguments) = arguments {
            params = params.with_arguments(arguments);
        }
        let result = self
            .bounded(server, timeout, self.service.call_tool(params))
            .await?;
        // Our own shape; a result that does not convert is the server's fault.
        let value =
            serde_json::to_value(&result).map_err(|err| CallError::Server(err.to_string()))?;
        serde_json::from_value(value).map_err(|err| CallError::Server(err.to_string()))
    }

    pub(crate) async fn list_resources(
        &self,
        server: &str,
        timeout: Duration,
    ) -> Result<Vec<Value>, CallError> {
        let resources = self
            .bounded(server, timeout, self.service.list_all_resources())
            .await?;
        Ok(to_values(&resources))
    }

    pub(crate) async fn list_resource_templates(
        &self,
        server: &str,
        timeout: Duration,
    ) -> Result<Vec<Value>, CallError> {
        let templates = self
            .bounded(server, timeout, self.service.list_all_resource_templates())
            .await?;
        Ok(to_values(&templates))
    }

    pub(crate) async fn read_resource(
        &self,
        server: &str,
        uri: &str,
        timeout: Duration,
    ) -> Result<Value, CallError> {
        let request = self
            .service
            .read_resource(ReadResourceRequestParams::new(uri));
        let result = self.bounded(server, timeout, request).await?;
        serde_json::to_value(&result).map_err(|err| CallError::Server(err.to_string()))
    }
}

fn to_values<T: serde::Serialize>(items: &[T]) -> Vec<Value> {
    items
        .iter()
        .filter_map(|item| serde_json::to_value(item).ok())
        .collect()
}

fn has_resources(service: &RunningService<RoleClient, ClientState>) -> bool {
    service
        .peer_info()
        .is_some_and(|info| info.capabilities.resources.is_some())
}

fn describe_status(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("status {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        _ => status.to_string(),
    }
}
