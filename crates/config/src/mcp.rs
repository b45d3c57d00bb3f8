//! `[mcp_servers.NAME]`: MCP servers launched (stdio) or reached (streamable HTTP).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Default time to wait for a server to start and list its tools.
pub const DEFAULT_MCP_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time to wait for one tool call.
pub const DEFAULT_MCP_TOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// One configured MCP server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawMcpServerConfig", into = "RawMcpServerConfig")]
pub struct McpServerConfig {
    pub transport: McpServerTransportConfig,
    pub enabled: bool,
    pub startup_timeout: Option<Duration>,
    pub tool_timeout: Option<Duration>,
    /// If set, only these tools are exposed.
    pub enabled_tools: Option<Vec<String>>,
    /// These tools are never exposed.
    pub disabled_tools: Vec<String>,
    /// `default_tools_approval_mode`: when calls of this server's tools ask.
    pub default_tools_approval: Option<McpToolApproval>,
    /// `tools.NAME.approval_mode`, per tool.
    pub tool_approvals: BTreeMap<String, McpToolApproval>,
    /// `required`: a session does not start without this server.
    pub required: bool,
}

/// When a call of an MCP tool asks the person first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum McpToolApproval {
    /// As the approval policy says: `untrusted` asks unless the tool says it
    /// only reads, `on-request` and `on-failure` ask for tools that say they
    /// are destructive, `never` never asks.
    #[default]
    Auto,
    /// Always ask (unless the policy is `never`, which declines instead).
    Prompt,
    /// Never ask.
    Approve,
}

#[derive(Debug, Clone, PartialEq)]
pub enum McpServerTransportConfig {
    Stdio {
        command: String,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        /// Names of variables passed through from codex's environment.
        env_vars: Vec<String>,
        cwd: Option<PathBuf>,
    },
    StreamableHttp {
        url: String,
        bearer_token_env_var: Option<String>,
        http_headers: BTreeMap<String, String>,
        env_http_headers: BTreeMap<String, String>,
    },
}

/// The shape on disk. Both transports share one table, told apart by
/// `command` (stdio) or `url` (HTTP).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct RawMcpServerConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env_vars: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cwd: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bearer_token_env_var: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_headers: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env_http_headers: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    startup_timeout_sec: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    startup_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_timeout_sec: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled_tools: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled_tools: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_tools_approval_mode: Option<McpToolApproval>,
    /// Per-tool settings (`tools.NAME.approval_mode`).
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<BTreeMap<String, RawToolConfig>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct RawToolConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    approval_mode: Option<McpToolApproval>,
}

fn seconds(value: f64, key: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| format!("`{key}` must be a non-negative number of seconds, got {value}"))
}

impl TryFrom<RawMcpServerConfig> for McpServerConfig {
    type Error = String;

    fn try_from(raw: RawMcpServerConfig) -> Result<Self, Self::Error> {
        let transport = match (raw.command, raw.url) {
            (Some(_), Some(_)) => {
                return Err(
                    "set either `command` (a stdio server) or `url` (a streamable HTTP server), not both"
                        .to_string(),
                );
            }
            (None, None) => {
                return Err(
                    "missing `command` (a stdio server) or `url` (a streamable HTTP server)"
                        .to_string(),
                );
            }
            (Some(command), None) => {
                if raw.bearer_token_env_var.is_some() || raw.http_headers.is_some() {
                    return Err(
                        "`bearer_token_env_var` and `http_headers` apply only to servers with a `url`"
                            .to_string(),
                    );
                }
                McpServerTransportConfig::Stdio {
                    command,
                    args: raw.args.unwrap_or_default(),
                    env: raw.env.unwrap_or_default(),
                    env_vars: raw.env_vars.unwrap_or_default(),
                    cwd: raw.cwd,
                }
            }
            (None, Some(url)) => {
                if raw.args.is_some() || raw.env.is_some() {
                    return Err(
                        "`args` and `env` apply only to servers with a `command`".to_string()
                    );
                }
                McpServerTransportConfig::StreamableHttp {
                    url,
                    bearer_token_env_var: raw.bearer_token_env_var,
                    http_headers: raw.http_headers.unwrap_or_default(),
                    env_http_headers: raw.env_http_headers.unwrap_or_default(),
                }
            }
        };
        let startup_timeout = match (raw.startup_timeout_sec, raw.startup_timeout_ms) {
            (Some(sec), _) => Some(seconds(sec, "startup_timeout_sec")?),
            (None, Some(ms)) => Some(Duration::from_millis(ms)),
            (None, None) => None,
        };
        let tool_timeout = raw
            .tool_timeout_sec
            .map(|sec| seconds(sec, "tool_timeout_sec"))
            .transpose()?;
        Ok(Self {
            transport,
            enabled: raw.enabled.unwrap_or(true),
            startup_timeout,
            tool_timeout,
            enabled_tools: raw.enabled_tools,
            disabled_tools: raw.disabled_tools.unwrap_or_default(),
            default_tools_approval: raw.default_tools_approval_mode,
            tool_approvals: raw
                .tools
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(name, tool)| tool.approval_mode.map(|mode| (name, mode)))
                .collect(),
            required: raw.required.unwrap_or(false),
        })
    }
}

impl From<McpServerConfig> for RawMcpServerConfig {
    fn from(config: McpServerConfig) -> Self {
        let mut raw = RawMcpServerConfig {
            enabled: Some(config.enabled),
            required: config.required.then_some(true),
            startup_timeout_sec: config.startup_timeout.map(|d| d.as_secs_f64()),
            tool_timeout_sec: config.tool_timeout.map(|d| d.as_secs_f64()),
            enabled_tools: config.enabled_tools,
            disabled_tools: Some(config.disabled_tools).filter(|d| !d.is_empty()),
            default_tools_approval_mode: config.default_tools_approval,
            tools: Some(
                config
                    .tool_approvals
                    .into_iter()
                    .map(|(name, mode)| {
                        (
                            name,
                            RawToolConfig {
                                approval_mode: Some(mode),
                            },
                        )
                    })
                    .collect::<BTreeMap<_, _>>(),
            )
            .filter(|t| !t.is_empty()),
            ..Default::default()
        };
        match config.transport {
            McpServerTransportConfig::Stdio {
                command,
                args,
                env,
                env_vars,
                cwd,
            } => {
                raw.command = Some(command);
                raw.args = Some(args);
                raw.env = Some(env).filter(|e| !e.is_empty());
                raw.env_vars = Some(env_vars).filter(|e| !e.is_empty());
                raw.cwd = cwd;
            }
            McpServerTransportConfig::StreamableHttp {
                url,
                bearer_token_env_var,
                http_headers,
                env_http_headers,
            } => {
                raw.url = Some(url);
                raw.bearer_token_env_var = bearer_token_env_var;
                raw.http_headers = Some(http_headers).filter(|h| !h.is_empty());
                raw.env_http_headers = Some(env_http_headers).filter(|h| !h.is_empty());
            }
        }
        raw
    }
}

impl McpServerConfig {
    /// When calls of `tool` ask first.
    pub fn approval_for(&self, tool: &str) -> McpToolApproval {
        self.tool_approvals
            .get(tool)
            .copied()
            .or(self.default_tools_approval)
            .unwrap_or_default()
    }

    pub fn startup_timeout_or_default(&self) -> Duration {
        self.startup_timeout.unwrap_or(DEFAULT_MCP_STARTUP_TIMEOUT)
    }

    pub fn tool_timeout_or_default(&self) -> Duration {
        self.tool_timeout.unwrap_or(DEFAULT_MCP_TOOL_TIMEOUT)
    }
}
