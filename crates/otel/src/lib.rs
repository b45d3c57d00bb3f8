//! OpenTelemetry export of what codex does, to a collector the user runs.
//!
//! Off by default: with `[otel] exporter = "none"` (and no trace or metrics
//! exporter) nothing is built and nothing connects anywhere. Configured, one
//! process-wide [`OtelProvider`] holds three pipelines on the official
//! `opentelemetry_sdk`, each with its own OTLP exporter:
//!
//! - **log events** (`exporter`): `codex.conversation_starts`,
//!   `codex.user_prompt`, `codex.api_request`, `codex.sse_event`,
//!   `codex.tool_decision`, `codex.tool_result`, each with the session's
//!   common attributes;
//! - **traces** (`trace_exporter`): a span per turn, per model request and
//!   per tool call, children of the caller's trace when `TRACEPARENT` is set;
//! - **metrics** (`metrics_exporter`): tool calls and API requests (count
//!   and duration), time to first token, token usage per turn.
//!
//! Every pipeline batches in a background task, so recording an event is a
//! queue push that never waits for the network (a full queue drops). Export
//! failures go to the log once per signal and kind, not per event. On exit,
//! [`shutdown`] flushes with a bounded wait, so a dead or hanging collector
//! delays exit by at most that bound. Events are built in [`telemetry`];
//! prompts are redacted unless `log_user_prompt = true`, and tool outputs
//! are truncated and stripped of secrets before they leave the process.
//!
//! OTLP/HTTP (protobuf or JSON) runs on the workspace's reqwest with the ring
//! TLS provider. OTLP/gRPC (tonic) is behind the `grpc` cargo feature.

mod export;
mod settings;
pub mod telemetry;

use std::sync::OnceLock;
use std::time::Duration;

pub use settings::{Endpoint, OtelError, OtelSettings, TlsMaterial, Transport};
pub use telemetry::{SessionTelemetry, TurnTelemetry, redact_secrets};

/// The process's pipelines (any of them may be off).
pub struct OtelProvider {
    pipelines: export::Pipelines,
    settings: OtelSettings,
}

impl OtelProvider {
    /// Builds the pipelines `settings` asks for; None when it asks for none.
    /// Must run inside a tokio runtime (the batch workers are tasks on it).
    pub fn build(settings: OtelSettings, http: reqwest::Client) -> Result<Option<Self>, OtelError> {
        if !settings.exports_anything() {
            return Ok(None);
        }
        let pipelines = export::Pipelines::build(&settings, http)?;
        Ok(Some(Self {
            pipelines,
            settings,
        }))
    }

    pub fn settings(&self) -> &OtelSettings {
        &self.settings
    }

    /// Flushes and stops every pipeline, waiting at most `timeout` in all.
    pub async fn shutdown(&self, timeout: Duration) {
        let pipelines = self.pipelines.clone();
        let flushed = tokio::task::spawn_blocking(move || pipelines.shutdown(timeout));
        if tokio::time::timeout(timeout, flushed).await.is_err() {
            tracing::warn!(
                ?timeout,
                "telemetry was not flushed in time; some may be lost"
            );
        }
    }
}

static PROVIDER: OnceLock<Option<OtelProvider>> = OnceLock::new();

/// The process-wide provider, built from the first settings it is asked
/// with (the `[otel]` table is the user's, the same for every session).
/// A configuration error is returned once, for the caller to show, and the
/// process goes on without telemetry.
pub fn init_global(
    build: impl FnOnce() -> Result<Option<OtelProvider>, OtelError>,
) -> Result<Option<&'static OtelProvider>, OtelError> {
    let mut error = None;
    let provider = PROVIDER.get_or_init(|| match build() {
        Ok(provider) => provider,
        Err(err) => {
            error = Some(err);
            None
        }
    });
    match error {
        Some(err) => Err(err),
        None => Ok(provider.as_ref()),
    }
}

/// Flushes the process-wide provider, if one was built; see
/// [`OtelProvider::shutdown`].
pub async fn shutdown(timeout: Duration) {
    if let Some(Some(provider)) = PROVIDER.get() {
        provider.shutdown(timeout).await;
    }
}
