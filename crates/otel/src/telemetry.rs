//! The events, spans and metrics of one session.
//!
//! [`SessionTelemetry`] carries the session's common attributes
//! (`conversation.id`, `app.version`, `auth_mode`, `terminal.type`, `model`,
//! `slug`, `env`) onto every log event, and [`TurnTelemetry`] is a turn's
//! span: model requests and tool calls become its children. Recording is a
//! push onto a batch worker's queue; nothing here waits for the network.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::metrics::{Counter, Histogram, MeterProvider as _};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{Span as _, TraceContextExt, Tracer as _, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::logs::SdkLogger;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracer;

use crate::OtelProvider;

/// Tool output and arguments sent in `codex.tool_result` are cut to this.
const MAX_TOOL_TEXT: usize = 2048;
const REDACTED: &str = "[REDACTED]";

/// Who is running codex, for the common attributes.
#[derive(Debug, Clone, Default)]
pub struct SessionIdentity {
    pub conversation_id: String,
    pub app_version: String,
    /// `api_key`, `chatgpt` or `none`.
    pub auth_mode: String,
    pub terminal_type: String,
    pub model: String,
    /// The model's family slug.
    pub slug: String,
    /// Values that must never leave the process (API keys, tokens): each is
    /// replaced by `[REDACTED]` in anything sent.
    pub secrets: Vec<String>,
}

#[derive(Clone)]
pub struct SessionTelemetry {
    inner: Arc<Inner>,
}

struct Inner {
    logger: Option<SdkLogger>,
    tracer: Option<SdkTracer>,
    metrics: Option<Instruments>,
    common: Vec<(&'static str, String)>,
    log_user_prompt: bool,
    secrets: Vec<String>,
    /// The caller's trace (`TRACEPARENT`), or none.
    parent: Context,
}

struct Instruments {
    tool_calls: Counter<u64>,
    tool_duration: Histogram<f64>,
    api_requests: Counter<u64>,
    api_duration: Histogram<f64>,
    ttft: Histogram<f64>,
    token_usage: Histogram<u64>,
}

/// Token counts of a completed response.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenCounts {
    pub input: i64,
    pub cached_input: i64,
    pub output: i64,
    pub reasoning_output: i64,
}

impl SessionTelemetry {
    /// The session's telemetry on `provider`; `env` gives `TRACEPARENT` and
    /// `TRACESTATE` (the process environment, in production).
    pub fn new(
        provider: &OtelProvider,
        identity: SessionIdentity,
        env: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let settings = provider.settings();
        let pipelines = &provider.pipelines;
        let meter = pipelines
            .metrics
            .as_ref()
            .map(|metrics| metrics.meter("codex"));
        let metrics = meter.map(|meter| Instruments {
            tool_calls: meter.u64_counter("codex.tool.call").build(),
            tool_duration: meter
                .f64_histogram("codex.tool.call.duration_ms")
                .with_unit("ms")
                .build(),
            api_requests: meter.u64_counter("codex.api_request").build(),
            api_duration: meter
                .f64_histogram("codex.api_request.duration_ms")
                .with_unit("ms")
                .build(),
            ttft: meter
                .f64_histogram("codex.turn.ttft.duration_ms")
                .with_unit("ms")
                .build(),
            token_usage: meter.u64_histogram("codex.turn.token_usage").build(),
        });
        let common = vec![
            ("conversation.id", identity.conversation_id),
            ("app.version", identity.app_version),
            ("auth_mode", identity.auth_mode),
            ("terminal.type", identity.terminal_type),
            ("model", identity.model),
            ("slug", identity.slug),
            ("env", settings.environment.clone()),
        ];
        Self {
            inner: Arc::new(Inner {
                logger: pipelines.logs.as_ref().map(|logs| logs.logger("codex")),
                tracer: pipelines
                    .traces
                    .as_ref()
                    .map(|traces| traces.tracer("codex")),
                metrics,
                common,
                log_user_prompt: settings.log_user_prompt,
                secrets: identity
                    .secrets
                    .into_iter()
                    .filter(|s| s.len() >= 8)
                    .collect(),
                parent: parent_context(env),
            }),
        }
    }

    pub fn conversation_starts(
        &self,
        provider_name: &str,
        reasoning_effort: Option<&str>,
        approval_policy: &str,
        sandbox_policy: &str,
        mcp_servers: &[String],
    ) {
        self.event(
            "codex.conversation_starts",
            None,
            [
                ("provider_name", provider_name.to_string().into()),
                (
                    "reasoning_effort",
                    reasoning_effort.unwrap_or("default").to_string().into(),
                ),
                ("approval_policy", approval_policy.to_string().into()),
                ("sandbox_policy", sandbox_policy.to_string().into()),
                ("mcp_servers", mcp_servers.join(",").into()),
            ],
        );
    }

    /// The prompt's length always; its text only with `log_user_prompt`.
    pub fn user_prompt(&self, turn: Option<&TurnTelemetry>, text: &str) {
        let prompt = if self.inner.log_user_prompt {
            self.redact(text).into_owned()
        } else {
            REDACTED.to_string()
        };
        self.event(
            "codex.user_prompt",
            turn,
            [
                ("prompt_length", (text.chars().count() as i64).into()),
                ("prompt", prompt.into()),
            ],
        );
    }

    /// One HTTP attempt of a model request.
    pub fn api_request(
        &self,
        turn: Option<&TurnTelemetry>,
        attempt: u64,
        duration: Duration,
        status: Option<u16>,
        error: Option<&str>,
    ) {
        let mut attributes: Vec<(&'static str, AnyValue)> = vec![
            ("attempt", (attempt as i64).into()),
            ("duration_ms", millis(duration).into()),
        ];
        if let Some(status) = status {
            attributes.push(("http.response.status_code", i64::from(status).into()));
        }
        if let Some(error) = error {
            attributes.push(("error.message", self.redact(error).into_owned().into()));
        }
        self.event("codex.api_request", turn, attributes);
        if let Some(metrics) = &self.inner.metrics {
            let labels = [
                KeyValue::new("status", status.map_or(0, i64::from)),
                KeyValue::new("success", error.is_none()),
            ];
            metrics.api_requests.add(1, &labels);
            metrics.api_duration.record(millis_f64(duration), &labels);
        }
    }

    /// One event of a response stream; `usage` on completion.
    pub fn sse_event(
        &self,
        turn: Option<&TurnTelemetry>,
        kind: &str,
        duration: Duration,
        usage: Option<TokenCounts>,
    ) {
        let mut attributes: Vec<(&'static str, AnyValue)> = vec![
            ("event.kind", kind.to_string().into()),
            ("duration_ms", millis(duration).into()),
        ];
        if let Some(usage) = usage {
            attributes.extend([
                ("input_token_count", usage.input.into()),
                ("cached_token_count", usage.cached_input.into()),
                ("output_token_count", usage.output.into()),
                ("reasoning_token_count", usage.reasoning_output.into()),
            ]);
        }
        self.event("codex.sse_event", turn, attributes);
    }

    /// `decision`: approved, approved_for_session, denied or abort;
    /// `source`: config (the policy decided) or user.
    pub fn tool_decision(
        &self,
        turn: Option<&TurnTelemetry>,
        tool: &str,
        call_id: &str,
        decision: &str,
        source: &str,
    ) {
        self.event(
            "codex.tool_decision",
            turn,
            [
                ("tool_name", tool.to_string().into()),
                ("call_id", call_id.to_string().into()),
                ("decision", decision.to_string().into()),
                ("source", source.to_string().into()),
            ],
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub fn tool_result(
        &self,
        turn: Option<&TurnTelemetry>,
        tool: &str,
        call_id: &str,
        arguments: &str,
        duration: Duration,
        success: bool,
        output: &str,
    ) {
        self.event(
            "codex.tool_result",
            turn,
            [
                ("tool_name", tool.to_string().into()),
                ("call_id", call_id.to_string().into()),
                ("arguments", self.clean(arguments).into()),
                ("duration_ms", millis(duration).into()),
                ("success", success.into()),
                ("output", self.clean(output).into()),
            ],
        );
        if let Some(metrics) = &self.inner.metrics {
            let labels = [
                KeyValue::new("tool", tool.to_string()),
                KeyValue::new("success", success),
            ];
            metrics.tool_calls.add(1, &labels);
            metrics.tool_duration.record(millis_f64(duration), &labels);
        }
    }

    /// Time from a turn's request to the first output token.
    pub fn time_to_first_token(&self, duration: Duration) {
        if let Some(metrics) = &self.inner.metrics {
            metrics.ttft.record(millis_f64(duration), &[]);
        }
    }

    /// A turn's token usage, by kind.
    pub fn turn_token_usage(&self, usage: TokenCounts) {
        if let Some(metrics) = &self.inner.metrics {
            for (kind, count) in [
                ("input", usage.input),
                ("cached_input", usage.cached_input),
                ("output", usage.output),
                ("reasoning_output", usage.reasoning_output),
            ] {
                metrics
                    .token_usage
                    .record(count.max(0) as u64, &[KeyValue::new("token_type", kind)]);
            }
        }
    }

    /// A turn's span (a child of `TRACEPARENT`'s trace, if given).
    pub fn start_turn(&self, turn_id: &str) -> TurnTelemetry {
        let context = match &self.inner.tracer {
            Some(tracer) => {
                let mut span = tracer.start_with_context("codex.turn", &self.inner.parent);
                span.set_attribute(KeyValue::new("turn.id", turn_id.to_string()));
                for (key, value) in &self.inner.common {
                    span.set_attribute(KeyValue::new(*key, value.clone()));
                }
                self.inner.parent.with_span(span)
            }
            None => self.inner.parent.clone(),
        };
        TurnTelemetry {
            telemetry: self.clone(),
            context,
        }
    }

    fn event(
        &self,
        name: &'static str,
        turn: Option<&TurnTelemetry>,
        attributes: impl IntoIterator<Item = (&'static str, AnyValue)>,
    ) {
        let Some(logger) = &self.inner.logger else {
            return;
        };
        let mut record = logger.create_log_record();
        let now = SystemTime::now();
        record.set_event_name(name);
        record.set_timestamp(now);
        record.set_observed_timestamp(now);
        record.set_severity_number(Severity::Info);
        record.set_severity_text("INFO");
        record.set_body(AnyValue::from(name));
        record.add_attribute("event.name", name);
        for (key, value) in &self.inner.common {
            record.add_attribute(*key, value.clone());
        }
        for (key, value) in attributes {
            record.add_attribute(key, value);
        }
        let span = match turn {
            Some(turn) => turn.context.span().span_context().clone(),
            None => self.inner.parent.span().span_context().clone(),
        };
        if span.is_valid() {
            record.set_trace_context(span.trace_id(), span.span_id(), Some(span.trace_flags()));
        }
        logger.emit(record);
    }

    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        redact(&self.inner.secrets, text)
    }

    fn clean(&self, text: &str) -> String {
        clean(&self.inner.secrets, text)
    }
}

/// `text` with each of `secrets` and each key-shaped string replaced.
fn redact<'a>(secrets: &[String], text: &'a str) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
        }
    }
    redact_key_shapes(out)
}

/// Redacted, then cut to [`MAX_TOOL_TEXT`] bytes (at a char boundary).
fn clean(secrets: &[String], text: &str) -> String {
    let redacted = redact(secrets, text);
    if redacted.len() <= MAX_TOOL_TEXT {
        return redacted.into_owned();
    }
    let mut end = MAX_TOOL_TEXT;
    while !redacted.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… [{} bytes omitted]",
        &redacted[..end],
        redacted.len() - end
    )
}

/// A turn's span; requests and tool calls started from it are its children.
/// The span ends when this is dropped.
pub struct TurnTelemetry {
    telemetry: SessionTelemetry,
    context: Context,
}

impl TurnTelemetry {
    pub fn session(&self) -> &SessionTelemetry {
        &self.telemetry
    }

    /// A child span (`codex.model_request`, `codex.tool_call`, …) that ends
    /// when the returned guard is dropped.
    pub fn child(&self, name: &'static str, attributes: &[(&'static str, &str)]) -> ChildSpan {
        let span = self.telemetry.inner.tracer.as_ref().map(|tracer| {
            let mut span = tracer.start_with_context(name, &self.context);
            for (key, value) in attributes {
                span.set_attribute(KeyValue::new(*key, value.to_string()));
            }
            span
        });
        ChildSpan { span }
    }
}

impl Drop for TurnTelemetry {
    fn drop(&mut self) {
        if self.telemetry.inner.tracer.is_some() {
            self.context.span().end();
        }
    }
}

/// A span that ends on drop (or a no-op without a trace exporter).
pub struct ChildSpan {
    span: Option<opentelemetry_sdk::trace::Span>,
}

impl ChildSpan {
    pub fn set_bool(&mut self, key: &'static str, value: bool) {
        if let Some(span) = &mut self.span {
            span.set_attribute(KeyValue::new(key, value));
        }
    }

    /// Marks the span failed, with the reason.
    pub fn fail(&mut self, reason: &str) {
        if let Some(span) = &mut self.span {
            span.set_status(opentelemetry::trace::Status::error(reason.to_string()));
        }
    }
}

fn parent_context(env: impl Fn(&str) -> Option<String>) -> Context {
    let Some(traceparent) = env("TRACEPARENT") else {
        return Context::new();
    };
    let mut carrier = HashMap::from([("traceparent".to_string(), traceparent)]);
    if let Some(state) = env("TRACESTATE") {
        carrier.insert("tracestate".to_string(), state);
    }
    TraceContextPropagator::new().extract(&carrier)
}

/// [`redact_secrets`] without copying text that holds no secret.
fn redact_key_shapes(text: Cow<'_, str>) -> Cow<'_, str> {
    let redacted = redact_secrets(&text);
    if redacted == *text {
        text
    } else {
        Cow::Owned(redacted)
    }
}

/// Replaces tokens shaped like API keys and access tokens (`sk-…`,
/// `ghp_…`/`github_pat_…`, `xox…-`, `AKIA…`, `Bearer …`) and PEM private
/// key blocks with `[REDACTED]`.
pub fn redact_secrets(text: &str) -> String {
    const PREFIXES: &[(&str, usize)] = &[
        ("sk-", 16),
        ("ghp_", 20),
        ("github_pat_", 20),
        ("xoxb-", 10),
        ("xoxp-", 10),
        ("AKIA", 12),
        ("Bearer ", 16),
    ];
    let token_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '+' | '=');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for (prefix, min) in PREFIXES {
            if let Some(tail) = rest.strip_prefix(prefix) {
                let len = tail.find(|c: char| !token_char(c)).unwrap_or(tail.len());
                if len >= *min {
                    out.push_str("[REDACTED]");
                    rest = &tail[len..];
                    continue 'scan;
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    while let (Some(start), Some(end)) = (out.find("-----BEGIN"), out.find("PRIVATE KEY-----")) {
        let Some(close) = out[end + 16..].find("PRIVATE KEY-----") else {
            break;
        };
        if start > end {
            break;
        }
        out.replace_range(start..end + 16 + close + 16, "[REDACTED]");
    }
    out
}

fn millis(duration: Duration) -> i64 {
    duration.as_millis().min(i64::MAX as u128) as i64
}

fn millis_f64(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_shapes_are_redacted_and_short_lookalikes_kept() {
        let text = "key sk-proj-ABCDEFGHIJKLMNOPqrst and sk-short, then \
                    -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- end";
        let out = redact_key_shapes(Cow::Borrowed(text));
        assert_eq!(out, "key [REDACTED] and sk-short, then [REDACTED] end");
        assert!(matches!(
            redact_key_shapes(Cow::Borrowed("nothing here")),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn tool_text_is_redacted_then_cut_at_a_char_boundary() {
        let secrets = vec!["hunter2-long-secret".to_string()];
        assert_eq!(
            clean(&secrets, "pw=hunter2-long-secret ok"),
            "pw=[REDACTED] ok"
        );
        let long = format!("{}é{}", "a".repeat(MAX_TOOL_TEXT - 1), "b".repeat(5000));
        let out = clean(&secrets, &long);
        assert!(out.starts_with(&"a".repeat(MAX_TOOL_TEXT - 1)));
        assert!(
            out.ends_with("… [5002 bytes omitted]"),
            "{}",
            &out[out.len() - 40..]
        );
    }

    #[test]
    fn the_traceparent_becomes_the_parent() {
        let env = |name: &str| {
            (name == "TRACEPARENT")
                .then(|| "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string())
        };
        let parent = parent_context(env);
        let span = parent.span().span_context().clone();
        assert!(span.is_valid());
        assert_eq!(
            span.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(span.span_id().to_string(), "00f067aa0ba902b7");
        assert!(
            !parent_context(|_| Some("garbage".into()))
                .span()
                .span_context()
                .is_valid()
        );
        assert!(!parent_context(|_| None).span().span_context().is_valid());
    }
}
