//! One task: request → stream → tool calls → record, until the model
//! answers without calling a tool.

use std::sync::Arc;

use codex_client::{ClientError, Prompt, ResponseEvent, backoff};
use codex_protocol::models::{ResponseInputItem, ResponseItem};
use codex_protocol::protocol::{
    AgentMessageDeltaEvent, AgentReasoningDeltaEvent, AgentReasoningRawContentDeltaEvent,
    AgentReasoningSectionBreakEvent, EventMsg, StreamErrorEvent, TokenUsage, TurnDiffEvent,
};
use codex_protocol::user_input::UserInput;
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, warn};

use crate::compact;
use crate::error::{CodexErr, CodexResult};
use crate::history::{aborted_output, last_assistant_message, message_text};
use crate::notify::UserNotification;
use crate::session::Session;
use crate::state::TurnState;
use crate::tools::handlers;
use crate::tools::router::{CallShape, RouterError, build_tool_call, output_item};
use crate::tools::spec::{is_parallel_safe, tool_specs};
use crate::turn_context::TurnContext;

/// A model output item and what was sent back for it.
struct Processed {
    item: ResponseItem,
    response: Option<ResponseInputItem>,
}

/// One model response, fully processed.
struct TurnRunResult {
    processed: Vec<Processed>,
    usage: Option<TokenUsage>,
}

/// Runs a task; returns the last assistant message.
pub(crate) async fn run_task(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    turn_state: &Arc<TurnState>,
    input: Vec<UserInput>,
    cancel: &CancellationToken,
) -> Option<String> {
    if input.is_empty() {
        return None;
    }
    session.send_task_started(ctx).await;
    session.record_user_input(ctx, &input).await;

    let mut input_messages: Vec<String> = input
        .iter()
        .filter_map(|i| match i {
            UserInput::Text { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    let mut compacted_this_round = false;
    loop {
        // Input that arrived while the model worked joins this request.
        let pending: Vec<ResponseItem> = turn_state
            .take_pending_input()
            .into_iter()
            .map(ResponseItem::from)
            .collect();
        input_messages.extend(pending.iter().filter_map(|i| message_text(i, "user")));
        session.record_conversation_items(ctx, &pending).await;

        let history = session.state.history_for_prompt();
        match run_turn(session, ctx, turn_state, history, cancel).await {
            Ok(result) => {
                let mut to_record = Vec::new();
                let mut responses = 0;
                for Processed { item, response } in result.processed {
                    to_record.push(item);
                    if let Some(response) = response {
                        responses += 1;
                        to_record.push(response.into());
                    }
                }
                session.record_conversation_items(ctx, &to_record).await;

                let limit = ctx.auto_compact_token_limit.unwrap_or(i64::MAX);
                let tokens = result.usage.map(|u| u.tokens_in_context_window());
                if tokens.is_some_and(|t| t >= limit) {
                    if compacted_this_round {
                        let current = tokens.map_or("unknown".to_string(), |t| t.to_string());
                        let message = format!(
                            "Conversation is still above the token limit after automatic summarization (limit {limit}, current {current}). Please start a new session or trim your input."
                        );
                        session.send_error(&ctx.sub_id, message).await;
                        return None;
                    }
                    compacted_this_round = true;
                    if let Err(err) = compact::compact_history(session, ctx, cancel).await {
                        if !matches!(err, CodexErr::TurnAborted) {
                            session.send_error(&ctx.sub_id, err.to_string()).await;
                        }
                        return None;
                    }
                    if responses == 0 {
                        // The model had finished; the summary stands in for
                        // the conversation from here on.
                        let last = last_assistant_message(&to_record);
                        notify_turn_complete(session, ctx, input_messages, last.clone());
                        return last;
                    }
                    continue;
                }
                compacted_this_round = false;
                if responses == 0 {
                    let last = last_assistant_message(&to_record);
                    notify_turn_complete(session, ctx, input_messages, last.clone());
                    return last;
                }
            }
            Err(CodexErr::TurnAborted) => return None,
            Err(err) => {
                info!(%err, "turn error");
                // The session continues: the user can go on with the conversation.
                session.send_error(&ctx.sub_id, err.to_string()).await;
                return None;
            }
        }
    }
}

fn notify_turn_complete(
    session: &Session,
    ctx: &TurnContext,
    input_messages: Vec<String>,
    last_assistant_message: Option<String>,
) {
    session
        .services
        .notifier
        .notify(&UserNotification::AgentTurnComplete {
            thread_id: session.thread_id.to_string(),
            turn_id: ctx.sub_id.clone(),
            cwd: ctx.cwd.clone(),
            input_messages,
            last_assistant_message,
        });
}

/// One model request with its tools, retried on stream errors.
async fn run_turn(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    turn_state: &Arc<TurnState>,
    input: Vec<ResponseItem>,
    cancel: &CancellationToken,
) -> CodexResult<TurnRunResult> {
    let prompt = Prompt {
        instructions: ctx.base_instructions.clone(),
        input,
        tools: tool_specs(&ctx.tools),
        parallel_tool_calls: ctx.family.supports_parallel_tool_calls,
        output_schema: ctx.final_output_json_schema.clone(),
    };
    with_stream_retries(session, ctx, cancel, || {
        try_run_turn(session, ctx, turn_state, &prompt, cancel)
    })
    .await
}

/// Retries `attempt` on retryable client errors, up to the provider's
/// `stream_max_retries`, telling the user "Reconnecting... n/m".
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
                            message: format!("Reconnecting... {retries}/{max_retries}"),
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
            Err(CodexErr::Client(ClientError::UsageLimitReached {
                message,
                rate_limits,
            })) => {
                if let Some(snapshot) = rate_limits.clone() {
                    session.update_rate_limits(ctx, snapshot).await;
                }
                return Err(CodexErr::Client(ClientError::UsageLimitReached {
                    message,
                    rate_limits,
                }));
            }
            other => return other,
        }
    }
}

/// Orders the tool calls of one response. Parallel-safe calls run together
/// but after every earlier exclusive call; an exclusive call runs after every
/// earlier call. The order is fixed when a call arrives, not by which task
/// the scheduler happens to run first.
#[derive(Default)]
struct ToolSequencer {
    /// Completion signals of all earlier calls, and of the exclusive ones.
    all: Vec<watch::Receiver<bool>>,
    exclusive: Vec<watch::Receiver<bool>>,
}

impl ToolSequencer {
    /// What the next call waits for, and the signal it sends when done.
    fn next(&mut self, parallel_safe: bool) -> (Vec<watch::Receiver<bool>>, watch::Sender<bool>) {
        let wait_for = if parallel_safe {
            self.exclusive.clone()
        } else {
            self.all.clone()
        };
        let (done, receiver) = watch::channel(false);
        self.all.push(receiver.clone());
        if !parallel_safe {
            self.exclusive.push(receiver);
        }
        (wait_for, done)
    }
}

/// What happens to one output item of the stream.
enum Slot {
    Done(Processed),
    Running(ResponseItem, JoinHandle<ResponseInputItem>),
}

/// One attempt: stream the response, start tools as their calls complete
/// (they run while the stream continues), collect results in order.
async fn try_run_turn(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    turn_state: &Arc<TurnState>,
    prompt: &Prompt,
    cancel: &CancellationToken,
) -> CodexResult<TurnRunResult> {
    session.persist_turn_context(ctx).await;
    let mut stream = tokio::select! {
        _ = cancel.cancelled() => return Err(CodexErr::TurnAborted),
        stream = ctx.client.stream(prompt) => stream?,
    };
    let mut sequencer = ToolSequencer::default();
    let mut slots: Vec<Slot> = Vec::new();
    let usage = loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => {
                record_interrupted(session, ctx, slots).await;
                return Err(CodexErr::TurnAborted);
            }
            event = stream.next() => event,
        };
        let event = match event {
            Some(Ok(event)) => event,
            Some(Err(err)) => {
                abort_running(slots);
                return Err(err.into());
            }
            None => {
                abort_running(slots);
                return Err(ClientError::closed_before_completed().into());
            }
        };
        match event {
            ResponseEvent::Created | ResponseEvent::OutputItemAdded(_) => {}
            ResponseEvent::OutputItemDone(item) => match build_tool_call(&item) {
                Ok(Some(call)) => {
                    info!(tool = %call.name, call_id = %call.call_id, "tool call");
                    let (session, ctx, turn_state) =
                        (Arc::clone(session), Arc::clone(ctx), Arc::clone(turn_state));
                    let (wait_for, done) = sequencer.next(is_parallel_safe(&call.name));
                    let handle = tokio::spawn(
                        async move {
                            for mut earlier in wait_for {
                                // Err: that call was aborted, which also means done.
                                let _ = earlier.wait_for(|finished| *finished).await;
                            }
                            let (call_id, shape) = (call.call_id.clone(), call.shape);
                            let output =
                                handlers::dispatch(&session, &ctx, &turn_state, call).await;
                            let _ = done.send(true);
                            output_item(&call_id, shape, output)
                        }
                        .instrument(tracing::Span::current()),
                    );
                    slots.push(Slot::Running(item, handle));
                }
                Ok(None) => {
                    session.announce_item(ctx, &item).await;
                    slots.push(Slot::Done(Processed {
                        item,
                        response: None,
                    }));
                }
                Err(RouterError::RespondToModel {
                    call_id,
                    shape,
                    message,
                }) => {
                    let response =
                        output_item(&call_id, shape, crate::tools::ToolOutput::failure(message));
                    slots.push(Slot::Done(Processed {
                        item,
                        response: Some(response),
                    }));
                }
                Err(RouterError::Fatal(message)) => {
                    abort_running(slots);
                    return Err(CodexErr::Fatal(message));
                }
            },
            ResponseEvent::OutputTextDelta(delta) => session.send_event_unrecorded(
                &ctx.sub_id,
                EventMsg::AgentMessageDelta(AgentMessageDeltaEvent { delta }),
            ),
            ResponseEvent::ReasoningSummaryDelta(delta) => session.send_event_unrecorded(
                &ctx.sub_id,
                EventMsg::AgentReasoningDelta(AgentReasoningDeltaEvent { delta }),
            ),
            ResponseEvent::ReasoningSummaryPartAdded => session.send_event_unrecorded(
                &ctx.sub_id,
                EventMsg::AgentReasoningSectionBreak(AgentReasoningSectionBreakEvent {}),
            ),
            ResponseEvent::ReasoningContentDelta(delta) => {
                if session.services.config.show_raw_agent_reasoning {
                    session.send_event_unrecorded(
                        &ctx.sub_id,
                        EventMsg::AgentReasoningRawContentDelta(
                            AgentReasoningRawContentDeltaEvent { delta },
                        ),
                    );
                }
            }
            ResponseEvent::RateLimits(snapshot) => session.update_rate_limits(ctx, snapshot).await,
            ResponseEvent::Completed { token_usage, .. } => {
                if let Some(usage) = &token_usage {
                    session.update_token_usage(ctx, usage).await;
                }
                break token_usage;
            }
        }
    };

    // The response is complete; wait for its tools, in order.
    let mut processed = Vec::with_capacity(slots.len());
    let mut slots = slots.into_iter();
    while let Some(slot) = slots.next() {
        match slot {
            Slot::Done(done) => processed.push(done),
            Slot::Running(item, mut handle) => {
                let joined = tokio::select! {
                    _ = cancel.cancelled() => None,
                    joined = &mut handle => Some(joined),
                };
                match joined {
                    Some(Ok(response)) => processed.push(Processed {
                        item,
                        response: Some(response),
                    }),
                    Some(Err(err)) => {
                        warn!(%err, "a tool task failed");
                        let call_id = item.call_id().unwrap_or_default().to_string();
                        let response = output_item(
                            &call_id,
                            CallShape::of(&item),
                            crate::tools::ToolOutput::failure("the tool failed unexpectedly"),
                        );
                        processed.push(Processed {
                            item,
                            response: Some(response),
                        });
                    }
                    None => {
                        handle.abort();
                        let mut rest: Vec<Slot> = processed.into_iter().map(Slot::Done).collect();
                        rest.push(Slot::Running(item, handle));
                        rest.extend(slots);
                        record_interrupted(session, ctx, rest).await;
                        return Err(CodexErr::TurnAborted);
                    }
                }
            }
        }
    }

    if let Some(diff) = turn_state.with_diff(|d| d.unified_diff(&ctx.cwd)) {
        session.send_event_unrecorded(
            &ctx.sub_id,
            EventMsg::TurnDiff(TurnDiffEvent { unified_diff: diff }),
        );
    }
    Ok(TurnRunResult { processed, usage })
}

/// Stops tools still running.
fn abort_running(slots: Vec<Slot>) {
    for slot in slots {
        if let Slot::Running(_, handle) = slot {
            handle.abort();
        }
    }
}

/// On interrupt: keeps what completed; calls that did not finish are
/// recorded with an "aborted" output (so the history stays valid).
async fn record_interrupted(session: &Session, ctx: &TurnContext, slots: Vec<Slot>) {
    let mut items = Vec::new();
    for slot in slots {
        match slot {
            Slot::Done(Processed { item, response }) => {
                items.push(item);
                if let Some(response) = response {
                    items.push(response.into());
                }
            }
            Slot::Running(item, handle) => {
                handle.abort();
                let call_id = item.call_id().unwrap_or_default().to_string();
                let output = aborted_output(&item, &call_id);
                items.push(item);
                items.push(output);
            }
        }
    }
    session.record_conversation_items(ctx, &items).await;
}
