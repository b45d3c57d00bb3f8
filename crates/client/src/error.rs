//! Errors of model requests, typed by what the caller should do about them.

use std::time::Duration;

use codex_protocol::protocol::RateLimitSnapshot;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// No API key: names the variable and how to provide one.
    #[error(
        "missing API key: set the environment variable `{var}`{}",
        instructions_suffix(instructions)
    )]
    MissingApiKey {
        var: String,
        instructions: Option<String>,
    },

    #[error(
        "the conversation no longer fits in the model's context window; start a new session or compact this one"
    )]
    ContextWindowExceeded,

    #[error("quota exceeded: {message}")]
    QuotaExceeded { message: String },

    /// The plan's usage limit: not retried; says when it resets.
    #[error("{}", usage_limit_text(message, plan_type, resets_at))]
    UsageLimitReached {
        message: String,
        plan_type: Option<String>,
        /// Seconds since the epoch.
        resets_at: Option<i64>,
        rate_limits: Option<Box<RateLimitSnapshot>>,
    },

    /// The sign-in cannot be used or renewed; only the person can fix it.
    #[error("{message}")]
    SignIn { message: String },

    /// Too many requests; retried until the budget ran out.
    #[error("rate limited: {message}")]
    RateLimited {
        message: String,
        retry_after: Option<Duration>,
    },

    #[error("the request was rejected ({status}): {message}")]
    InvalidRequest { status: u16, message: String },

    #[error(
        "authentication failed ({status}): {message}; check your API key or run `codex login --with-api-key`"
    )]
    Unauthorized { status: u16, message: String },

    #[error("server error ({status}): {message}")]
    ServerError {
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },

    /// The response stream broke (disconnect, stall, malformed event, or a
    /// failure the server reports as transient). Retrying the turn may help.
    #[error("{message}")]
    Stream {
        message: String,
        retry_after: Option<Duration>,
    },

    /// The model stopped early (output limit, content filter).
    #[error("the response is incomplete: {reason}")]
    Incomplete { reason: String },

    /// The connection broke or timed out; retrying may help.
    #[error("cannot reach {url}: {message}")]
    Connection { url: String, message: String },

    /// The host does not resolve or refuses connections: not retried.
    #[error(
        "cannot reach {host}: {message}; check the network and the provider's base_url, or run `codex doctor`"
    )]
    Unreachable { host: String, message: String },

    #[error("{0}")]
    Other(String),
}

fn usage_limit_text(message: &str, plan: &Option<String>, resets_at: &Option<i64>) -> String {
    let mut text = match plan {
        Some(plan) => format!("You've hit your usage limit ({plan} plan)."),
        None => "You've hit your usage limit.".to_string(),
    };
    match resets_at.and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
        Some(at) => {
            let local = at.with_timezone(&chrono::Local);
            text.push_str(&format!(
                " It resets at {} ({} UTC).",
                local.format("%Y-%m-%d %H:%M"),
                at.format("%H:%M")
            ));
        }
        None => text.push_str(" Try again later."),
    }
    if !message.is_empty() {
        text.push_str(&format!(" The server said: {message}"));
    }
    text
}

fn instructions_suffix(instructions: &Option<String>) -> String {
    match instructions {
        Some(text) => format!(". {text}"),
        None => String::new(),
    }
}

impl ClientError {
    /// The HTTP status the server answered with, when it did.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::InvalidRequest { status, .. }
            | Self::Unauthorized { status, .. }
            | Self::ServerError { status, .. } => Some(*status),
            Self::RateLimited { .. } | Self::UsageLimitReached { .. } => Some(429),
            _ => None,
        }
    }

    /// The response stream ended before `response.completed` (retryable).
    pub fn closed_before_completed() -> Self {
        Self::Stream {
            message: "stream closed before response.completed".to_string(),
            retry_after: None,
        }
    }

    /// Whether retrying the whole request may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Stream { .. }
                | Self::Connection { .. }
                | Self::ServerError { .. }
                | Self::RateLimited { .. }
        )
    }

    /// Why a retry happens, in the words the reference uses inside
    /// "Reconnecting... n/m (…)".
    pub fn retry_reason(&self) -> String {
        match self {
            Self::Stream { message, .. } => {
                format!("stream disconnected before completion: {message}")
            }
            other => other.to_string(),
        }
    }

    /// The delay the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Stream { retry_after, .. }
            | Self::RateLimited { retry_after, .. }
            | Self::ServerError { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// `err` and its causes as one line, `outer: cause: cause`, leaving out a
/// cause the message before it already quotes (many messages say
/// "cannot read X: {source}" and keep the source too, which would print
/// "Permission denied (os error 13)" twice, and reqwest hides "connection
/// refused" two causes down).
pub fn error_report(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
