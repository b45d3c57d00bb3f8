//! Asking the model: opening a stream, and retrying a whole sampling attempt
//! when the stream breaks. Turns ([`crate::turn`]) and compaction
//! ([`crate::compact`]) both sample through here, so neither depends on the
//! other for it.

use codex_client::{ClientError, Prompt, ResponseEvent, ResponseStream, RetryNotice, backoff};
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{EventMsg, StreamErrorEvent, TokenUsage};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::error::{CodexErr, CodexResult};
use crate::session::Session;
use crate::turn_context::TurnContext;

/// Opens the stream of a response to `prompt`, unless the turn is cancelled
/// first. Each retry of the request (429, 5xx, a dropped connection) is
/// announced as a stream error, as the retries of a broken stream are.
///
/// With telemetry, each HTTP attempt is a `codex.api_request` event (and
/// metric) under the turn's span.
///
/// The prompt is consumed: it shares the session's history, which the
/// response adds to, and is dropped once the request is sent.
pub(crate) async fn open_stream(
    session: &Session,
    ctx: &TurnContext,
    turn: Option<&codex_otel::TurnTelemetry>,
    prompt: Prompt,
    cancel: &CancellationToken,
) -> CodexResult<ResponseStream> {
    let attempt_started = std::sync::Mutex::new(std::time::Instant::now());
    let attempts = std::sync::atomic::AtomicU64::new(1);
    let report = |error: Option<&ClientError>| {
        let Some(turn) = turn else { return };
        let started = attempt_started
            .lock()
            .map(|mut at| std::mem::replace(&mut *at, std::time::Instant::now()))
            .unwrap_or_else(|_| std::time::Instant::now());
        let attempt = attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        turn.session().api_request(
            Some(turn),
            attempt,
            started.elapsed(),
            error.map_or(Some(200), ClientError::status),
            error.map(ToString::to_string).as_deref(),
        );
    };
    let on_retry = |notice: RetryNotice<'_>| {
        report(Some(notice.error));
        session.send_event_unrecorded(
            &ctx.sub_id,
            EventMsg::StreamError(StreamErrorEvent {
                message: reconnecting(notice.attempt, notice.max_retries, notice.error),
            }),
        );
    };
    tokio::select! {
        _ = cancel.cancelled() => Err(CodexErr::TurnAborted),
        stream = ctx.client.stream_prompt(prompt, &on_retry) => {
            report(stream.as_ref().err());
            Ok(stream?)
        }
    }
}

/// The reference's text: `Reconnecting... 1/5 (why)`.
fn reconnecting(attempt: u64, max_retries: u64, error: &ClientError) -> String {
    format!(
        "Reconnecting... {attempt}/{max_retries} ({})",
        error.retry_reason()
    )
}

/// Retries `attempt` on retryable client errors, up to the provider's
/// `stream_max_retries`, telling the user "Reconnecting... n/m". Errors that
/// say something about the session (a full context window, a usage limit)
/// update its state before they are returned.
pub(crate) async fn with_stream_retries<T, F, Fut>(
    session: &Session,
    ctx: &TurnContext,
    cancel: &CancellationToken,
    mut attempt: F,
) -> CodexResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = CodexResult<T>>,
{
    let max_retries = ctx.client.config().provider.stream_max_retries();
    let mut retries = 0;
    loop {
        match attempt().await {
            Err(CodexErr::Client(err)) if err.is_retryable() && retries < max_retries => {
                retries += 1;
                let delay = err.retry_after().unwrap_or_else(|| backoff(retries));
                warn!(%err, ?delay, retries, max_retries, "stream disconnected - retrying turn");
                session
                    .send_event(
                        &ctx.sub_id,
                        EventMsg::StreamError(StreamErrorEvent {
                            message: reconnecting(retries, max_retries, &err),
                        }),
                    )
                    .await;
                tokio::select! {
                    _ = cancel.cancelled() => return Err(CodexErr::TurnAborted),
                    _ = tokio::time::sleep(delay) => {}
                }
            }
            Err(CodexErr::Client(ClientError::ContextWindowExceeded)) => {
                session.set_tokens_full(ctx).await;
                return Err(CodexErr::Client(ClientError::ContextWindowExceeded));
            }
            Err(CodexErr::Client(err @ ClientError::UsageLimitReached { .. })) => {
                if let ClientError::UsageLimitReached {
                    rate_limits: Some(snapshot),
                    ..
                } = &err
                {
                    session.update_rate_limits(ctx, (**snapshot).clone()).await;
                }
                return Err(CodexErr::Client(err));
            }
            other => return other,
        }
    }
}

/// One request whose output items are collected (no tools run, nothing
/// streamed to the frontend).
pub(crate) async fn sample_items(
    session: &Session,
    ctx: &TurnContext,
    prompt: Prompt,
    cancel: &CancellationToken,
) -> CodexResult<(Vec<ResponseItem>, Option<TokenUsage>)> {
    let mut stream = open_stream(session, ctx, None, prompt, cancel).await?;
    let mut items = Vec::new();
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => return Err(CodexErr::TurnAborted),
            event = stream.next() => event,
        };
        match event {
            Some(Ok(ResponseEvent::OutputItemDone(item))) => items.push(item),
            Some(Ok(ResponseEvent::Completed { token_usage, .. })) => {
                return Ok((items, token_usage));
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(err.into()),
            None => return Err(ClientError::closed_before_completed().into()),
        }
    }
}
