//! The engine's side of OpenTelemetry: building a session's
//! [`SessionTelemetry`] from `[otel]`, and the names the engine reports.
//!
//! The provider is process-wide (`codex_otel::init_global`); with no
//! exporter configured nothing is built and this costs nothing. The events
//! themselves are recorded where they happen: the session start
//! (`session_init`), a turn's start (`tasks`), each model request and its
//! stream (`sampling`, `turn`), tool decisions (`tools::orchestrator`,
//! `session`) and tool results (`turn`).

use codex_client::ResponseEvent;
use codex_client::auth::RequestAuth;
use codex_config::Config;
use codex_otel::telemetry::SessionIdentity;
use codex_otel::telemetry::TokenCounts;
use codex_otel::{OtelProvider, OtelSettings, SessionTelemetry};
use codex_protocol::ThreadId;
use codex_protocol::protocol::{ReviewDecision, TokenUsage};

/// The session's telemetry, or None when nothing is exported. A
/// configuration error comes back as a warning for the session to show.
pub(crate) fn session_telemetry(
    config: &Config,
    thread_id: ThreadId,
    originator: &str,
    auth: Option<&RequestAuth>,
    slug: &str,
) -> (Option<SessionTelemetry>, Option<String>) {
    let version = env!("CARGO_PKG_VERSION");
    let provider = codex_otel::init_global(|| {
        let settings = OtelSettings::from_config(
            &config.otel,
            &config.codex_home,
            originator,
            version,
            |var| std::env::var(var).ok(),
        )?;
        if !settings.exports_anything() {
            return Ok(None);
        }
        let https = [&settings.logs, &settings.traces, &settings.metrics]
            .into_iter()
            .flatten()
            .any(|endpoint| endpoint.url.starts_with("https://"));
        let user_agent = codex_client::user_agent(originator);
        let http = if https {
            codex_client::http_client(&user_agent)
        } else {
            codex_client::http_client_plain(&user_agent)
        }
        .map_err(|err| codex_otel::OtelError::Invalid {
            key: "exporter",
            message: format!("cannot build the HTTP client: {err}"),
        })?;
        OtelProvider::build(settings, http)
    });
    let provider = match provider {
        Ok(Some(provider)) => provider,
        Ok(None) => return (None, None),
        Err(err) => {
            return (None, Some(format!("telemetry is off: {err}")));
        }
    };
    let (auth_mode, secrets) = match auth {
        Some(RequestAuth::ApiKey { key, .. }) => ("api_key", vec![key.clone()]),
        Some(RequestAuth::Chatgpt(_)) => ("chatgpt", Vec::new()),
        None => ("none", Vec::new()),
    };
    let identity = SessionIdentity {
        conversation_id: thread_id.to_string(),
        app_version: version.to_string(),
        auth_mode: auth_mode.to_string(),
        terminal_type: terminal_type(),
        model: config.model.clone(),
        slug: slug.to_string(),
        secrets,
    };
    let telemetry = SessionTelemetry::new(provider, identity, |var| std::env::var(var).ok());
    (Some(telemetry), None)
}

/// `TERM_PROGRAM` (iTerm.app, vscode…), else `TERM`, else `unknown`.
fn terminal_type() -> String {
    std::env::var("TERM_PROGRAM")
        .or_else(|_| std::env::var("TERM"))
        .unwrap_or_else(|_| "unknown".into())
}

/// A decision as `codex.tool_decision` names it.
pub(crate) fn decision_name(decision: &ReviewDecision) -> &'static str {
    match decision {
        ReviewDecision::Approved => "approved",
        ReviewDecision::ApprovedExecpolicyAmendment => "approved_execpolicy_amendment",
        ReviewDecision::ApprovedForSession => "approved_for_session",
        ReviewDecision::Denied => "denied",
        ReviewDecision::Abort => "abort",
    }
}

/// The Responses API's name for the stream event `event` came from.
pub(crate) fn sse_kind(event: &ResponseEvent) -> Option<&'static str> {
    Some(match event {
        ResponseEvent::Created => "response.created",
        ResponseEvent::OutputItemAdded(_) => "response.output_item.added",
        ResponseEvent::OutputItemDone(_) => "response.output_item.done",
        ResponseEvent::OutputTextDelta(_) => "response.output_text.delta",
        ResponseEvent::ReasoningSummaryDelta(_) => "response.reasoning_summary_text.delta",
        ResponseEvent::ReasoningSummaryPartAdded => "response.reasoning_summary_part.added",
        ResponseEvent::ReasoningContentDelta(_) => "response.reasoning_text.delta",
        ResponseEvent::Completed { .. } => "response.completed",
        // From the response headers, not an event of the stream.
        ResponseEvent::RateLimits(_) => return None,
    })
}

pub(crate) fn token_counts(usage: &TokenUsage) -> TokenCounts {
    TokenCounts {
        input: usage.input_tokens,
        cached_input: usage.cached_input_tokens,
        output: usage.output_tokens,
        reasoning_output: usage.reasoning_output_tokens,
    }
}

/// What a model request reports while its stream is read: one
/// `codex.sse_event` per event, the time to the first output, and the
/// token usage on completion.
pub(crate) struct StreamReport<'a> {
    turn: &'a codex_otel::TurnTelemetry,
    started: std::time::Instant,
    last: std::time::Instant,
    first_output_seen: bool,
    _span: codex_otel::telemetry::ChildSpan,
}

impl<'a> StreamReport<'a> {
    pub(crate) fn start(turn: Option<&'a codex_otel::TurnTelemetry>, model: &str) -> Option<Self> {
        let turn = turn?;
        let now = std::time::Instant::now();
        Some(Self {
            turn,
            started: now,
            last: now,
            first_output_seen: false,
            _span: turn.child("codex.model_request", &[("model", model)]),
        })
    }

    pub(crate) fn event(&mut self, event: &ResponseEvent) {
        let Some(kind) = sse_kind(event) else { return };
        let now = std::time::Instant::now();
        let telemetry = self.turn.session();
        let output = matches!(
            event,
            ResponseEvent::OutputTextDelta(_) | ResponseEvent::OutputItemDone(_)
        );
        if output && !self.first_output_seen {
            self.first_output_seen = true;
            telemetry.time_to_first_token(now - self.started);
        }
        let usage = match event {
            ResponseEvent::Completed {
                token_usage: Some(usage),
                ..
            } => {
                let counts = token_counts(usage);
                telemetry.turn_token_usage(counts);
                Some(counts)
            }
            _ => None,
        };
        telemetry.sse_event(Some(self.turn), kind, now - self.last, usage);
        self.last = now;
    }
}

/// A tool call's span and, when it ends, its `codex.tool_result` event.
pub(crate) struct ToolReport {
    turn_state: std::sync::Arc<crate::state::TurnState>,
    tool: String,
    call_id: String,
    arguments: String,
    started: std::time::Instant,
    span: codex_otel::telemetry::ChildSpan,
}

impl ToolReport {
    pub(crate) fn start(invocation: &crate::tools::ToolInvocation, call_id: &str) -> Option<Self> {
        let turn = invocation.turn_state.telemetry()?;
        let span = turn.child(
            "codex.tool_call",
            &[("tool.name", &invocation.tool_name), ("call_id", call_id)],
        );
        let arguments = match &invocation.payload {
            crate::tools::ToolPayload::Function { arguments } => arguments.clone(),
            crate::tools::ToolPayload::Custom { input } => input.clone(),
            crate::tools::ToolPayload::LocalShell { params } => {
                serde_json::to_string(&params.command).unwrap_or_default()
            }
        };
        Some(Self {
            turn_state: std::sync::Arc::clone(&invocation.turn_state),
            tool: invocation.tool_name.clone(),
            call_id: call_id.to_string(),
            arguments,
            started: std::time::Instant::now(),
            span,
        })
    }

    pub(crate) fn finish(mut self, output: &crate::tools::ToolOutput) {
        self.span.set_bool("success", output.success);
        if !output.success {
            self.span.fail("the tool call failed");
        }
        if let Some(turn) = self.turn_state.telemetry() {
            turn.session().tool_result(
                Some(turn),
                &self.tool,
                &self.call_id,
                &self.arguments,
                self.started.elapsed(),
                output.success,
                &output.content,
            );
        }
    }
}
