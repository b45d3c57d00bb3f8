//! What can go wrong with a server, each said so the person can act on it.

use std::time::Duration;

/// Why a server did not start.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StartupError {
    #[error("command `{command}` not found (is it installed and on PATH?)")]
    CommandNotFound { command: String },

    #[error("cannot start `{command}`: {reason}")]
    Spawn { command: String, reason: String },

    #[error("the server exited with {status} before it was ready{}", stderr_suffix(.stderr))]
    Exited { status: String, stderr: Vec<String> },

    #[error(
        "timed out after {} s waiting for the server to start{}; raise `startup_timeout_sec` for this server if it needs longer{}",
        .after.as_secs_f64(),
        if *.npx { " (npx may be downloading the package)" } else { "" },
        stderr_suffix(.stderr)
    )]
    Timeout {
        after: Duration,
        npx: bool,
        stderr: Vec<String>,
    },

    #[error("the environment variable {var} (named by `{key}`) is not set")]
    MissingEnv { var: String, key: &'static str },

    #[error("invalid HTTP header `{name}`: {reason}")]
    BadHeader { name: String, reason: String },

    #[error(
        "the server requires authentication (HTTP 401): run `codex mcp login {server}` if it offers OAuth sign-in, or set `bearer_token_env_var` for it"
    )]
    AuthRequired { server: String },

    #[error("its OAuth sign-in cannot be used: {0}")]
    OAuth(String),

    #[error("the server failed the MCP handshake: {reason}{}", stderr_suffix(.stderr))]
    Handshake { reason: String, stderr: Vec<String> },

    #[error("the server started but listing its tools failed: {0}")]
    ListTools(String),
}

/// Why a tool call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    #[error("no MCP server named `{0}`")]
    UnknownServer(String),

    #[error("the MCP server `{server}` is not running: {reason}")]
    NotRunning { server: String, reason: String },

    #[error("the call timed out after {} s (`tool_timeout_sec` of the server)", .0.as_secs_f64())]
    Timeout(Duration),

    #[error("the MCP server `{server}` exited during the call; it is restarted on the next call{}", stderr_suffix(.stderr))]
    ServerExited { server: String, stderr: Vec<String> },

    #[error("the MCP server returned an error: {0}")]
    Server(String),

    #[error("invalid arguments: {0}")]
    BadArguments(String),
}

fn stderr_suffix(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!("; its last output:\n{}", lines.join("\n"))
    }
}
