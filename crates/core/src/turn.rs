//! One task: request → stream → tool calls → record, until the model
//! answers without calling a tool.
//!
//! Every item the model sends is recorded the moment it is complete (so a
//! crash mid-turn loses none of it), and a tool call starts at that moment
//! too, running while the rest of the response streams in. When the
//! response is complete the calls' outputs are recorded in the order of the
//! calls. A call is never left without an output in the history: an
//! interrupted call gets an "aborted" output.

use std::sync::Arc;

use codex_client::{ClientError, Prompt, ResponseEvent};
use codex_protocol::models::{ResponseInputItem, ResponseItem};
use codex_protocol::protocol::{
    AgentMessageDeltaEvent, AgentReasoningDeltaEvent, AgentReasoningRawContentDeltaEvent,
    AgentReasoningSectionBreakEvent, EventMsg, TokenUsage, TurnDiffEvent,
};
use codex_protocol::user_input::UserInput;
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, warn};

use crate::compact;
use crate::error::{CodexErr, CodexResult};
use crate::features::SessionFeatures as _;
use crate::history::{ABORTED_OUTPUT, message_text};
use crate::notify::UserNotification;
use crate::sampling::{open_stream, with_stream_retries};
use crate::session::Session;
use crate::state::{Pending, TurnState};
use crate::tools::registry::DispatchError;
use crate::tools::router::{CallShape, build_tool_call, output_item};
use crate::tools::{ToolInvocation, ToolOutput};
use crate::turn_context::TurnContext;

/// One model response, processed and recorded.
struct SamplingResult {
    /// Tool outputs went back into the history: the model must be asked
    /// again.
    needs_follow_up: bool,
    last_agent_message: Option<String>,
    usage: Option<TokenUsage>,
}

/// Runs a task; returns the last assistant message. In a git repository
/// the working tree is snapshotted before and after (for `Op::Undo`); the
/// first snapshot runs beside the first request, and every tool call
/// waits for it, so no tool can write first.
pub(crate) async fn run_task(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    turn_state: &Arc<TurnState>,
    input: Vec<UserInput>,
    cancel: &CancellationToken,
) -> Option<String> {
    if input.is_empty() {
        // A turn for the mailbox (`multi_agent_v2`): no user message, so
        // no checkpoint of one.
        if !session.features().agents.mailbox.has_mail() {
            return None;
        }
        return run_task_body(session, ctx, turn_state, input, cancel).await;
    }
    // The checkpoint of this message (for /rewind); in a git repository
    // its snapshot runs beside the first request, and tool calls wait for it.
    crate::rewind::begin_checkpoint(session, crate::rewind::user_message_count(session));
    let before = session.features().ghost.is_some().then(|| {
        let (ready, gate) = tokio::sync::watch::channel(false);
        turn_state.set_snapshot_gate(gate);
        let (session, ctx) = (Arc::clone(session), Arc::clone(ctx));
        tokio::spawn(async move {
            let snapshot = ghost_snapshot(&session, &ctx, true).await;
            let _ = ready.send(true);
            snapshot
        })
    });
    let result = run_task_body(session, ctx, turn_state, input, cancel).await;
    let before = match before {
        Some(task) => task.await.ok().flatten(),
        None => None,
    };
    if let Some(before) = before
        && let Some(after) = ghost_snapshot(session, ctx, false).await
    {
        let repo = session.features().ghost.clone();
        let (b, a) = (before.commit.clone(), after.commit.clone());
        let changed = tokio::task::spawn_blocking(move || repo.is_some_and(|r| r.changed(&b, &a)))
            .await
            .unwrap_or(false);
        if changed {
            crate::state::lock(&session.features().ghost_turns)
                .push(crate::ghost::TurnSnapshots { before, after });
        }
    }
    result
}

/// A snapshot of the working tree for the turn's checkpoint, when ghost
/// snapshots are on; a failure is a warning (the turn goes on without undo
/// or code rewind).
async fn ghost_snapshot(
    session: &Arc<Session>,
    ctx: &TurnContext,
    before: bool,
) -> Option<crate::ghost::Snapshot> {
    match crate::rewind::checkpoint_snapshot(session, before).await {
        Ok(snapshot) => snapshot,
        Err(err) => {
            session.send_event_unrecorded(
                &ctx.sub_id,
                EventMsg::Warning(codex_protocol::protocol::WarningEvent {
                    message: format!(
                        "cannot snapshot the working tree for /undo and /rewind: {err}"
                    ),
                }),
            );
            None
        }
    }
}

async fn run_task_body(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    turn_state: &Arc<TurnState>,
    input: Vec<UserInput>,
    cancel: &CancellationToken,
) -> Option<String> {
    // While the request is built and goes out, and the model thinks, the
    // sandbox of the turn's commands is set up: in a process of its own, on
    // the other core, so the request is not held up by it (as it was when
    // this ran as the session started, beside the session's own start-up
    // work), and ready for the first command sooner than if it waited for
    // the request (the first request's build is a few milliseconds).
    session
        .features()
        .unified_exec
        .prewarm_sandbox(session, ctx);
    session.send_task_started(ctx).await;
    // No input: a turn for what another agent sent (`multi_agent_v2`'s
    // mailbox, recorded with the first request); nothing the person typed.
    let input = if input.is_empty() {
        input
    } else {
        // None: a UserPromptSubmit hook refused the prompt.
        let input = crate::hooks::prompt_hooks(session, ctx, input).await?;
        record_user_input(session, ctx, &input).await;
        input
    };
    crate::goals::remind(session, ctx).await;
    crate::plan_mode::note(session, ctx).await;

    let mut input_messages: Vec<String> = input
        .iter()
        .filter_map(|i| match i {
            UserInput::Text { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    let mut compacted_this_round = false;
    let mut stop_blocks = 0;
    loop {
        // Input that arrived while the model worked joins this request.
        let pending = turn_state.take_pending_input();
        input_messages.extend(pending.iter().flat_map(|p| {
            match p {
                Pending::User(items) => items
                    .iter()
                    .filter_map(|i| match i {
                        UserInput::Text { text } => Some(text.clone()),
                        _ => None,
                    })
                    .collect(),
                Pending::Item(_) => Vec::new(),
            }
        }));
        record_pending_input(session, ctx, pending).await;
        crate::mcp::announce_deferred_namespaces(session, ctx).await;
        session
            .features()
            .agents
            .record_notifications(session, ctx)
            .await;

        let history = session.state.history_for_prompt();
        let result = match run_turn(session, ctx, turn_state, history, cancel).await {
            Ok(result) => result,
            Err(CodexErr::TurnAborted) => return None,
            Err(err) => {
                info!(%err, "turn error");
                // The session continues: the user can go on with the conversation.
                session.send_error(&ctx.sub_id, err.to_string()).await;
                crate::hooks::stop_failure_hooks(session, ctx, &err.to_string()).await;
                return None;
            }
        };

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
            crate::hooks::compact_hooks(session, ctx, codex_hooks::HookEvent::PreCompact, "auto")
                .await;
            let compacted = compact::compact_history(session, ctx, cancel).await;
            if compacted.is_ok() {
                crate::hooks::compact_hooks(
                    session,
                    ctx,
                    codex_hooks::HookEvent::PostCompact,
                    "auto",
                )
                .await;
            }
            if let Err(err) = compacted {
                if !matches!(err, CodexErr::TurnAborted) {
                    session.send_error(&ctx.sub_id, err.to_string()).await;
                }
                return None;
            }
            // If the model had finished, the summary stands in for the
            // conversation from here on.
        } else {
            compacted_this_round = false;
        }
        if !result.needs_follow_up {
            // A Stop hook may ask for more before the turn ends.
            if let Some(follow_up) =
                crate::hooks::stop_hooks(session, ctx, &result.last_agent_message, &mut stop_blocks)
                    .await
            {
                record_user_input(session, ctx, &[UserInput::Text { text: follow_up }]).await;
                continue;
            }
            // Input typed while the model wrote its answer gets a request of its own.
            if !turn_state.close_unless_pending() {
                notify_turn_complete(session, ctx, input_messages, &result.last_agent_message);
                return result.last_agent_message;
            }
        }
    }
}

fn notify_turn_complete(
    session: &Session,
    ctx: &TurnContext,
    input_messages: Vec<String>,
    last_assistant_message: &Option<String>,
) {
    session
        .services
        .notifier
        .notify(&UserNotification::AgentTurnComplete {
            thread_id: session.thread_id.to_string(),
            turn_id: ctx.sub_id.clone(),
            cwd: ctx.cwd.clone(),
            client: session.services.originator.clone(),
            input_messages,
            last_assistant_message: last_assistant_message.clone(),
        });
}

/// One model request with its tools, retried on stream errors.
async fn run_turn(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    turn_state: &Arc<TurnState>,
    input: crate::history::PromptInput,
    cancel: &CancellationToken,
) -> CodexResult<SamplingResult> {
    let tools: Arc<[codex_client::ToolSpec]> = ctx.tools.specs().into();
    let mut first_input = Some(input);
    with_stream_retries(session, ctx, cancel, || {
        // A retry asks with what the broken attempt already recorded. Each
        // attempt builds its own prompt: cloning one would copy the history.
        let input = first_input
            .take()
            .unwrap_or_else(|| session.state.history_for_prompt());
        let prompt = Prompt {
            instructions: ctx.base_instructions.clone(),
            input: input.items,
            spilled: input.spilled,
            tools: Arc::clone(&tools),
            parallel_tool_calls: ctx.family.supports_parallel_tool_calls,
            output_schema: ctx.final_output_json_schema.clone(),
        };
        async move { try_run_turn(session, ctx, turn_state, prompt, cancel).await }
    })
    .await
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

/// A call of the response being processed, and its output so far.
struct PendingCall {
    call_id: String,
    shape: CallShape,
    output: PendingOutput,
}

enum PendingOutput {
    Running(JoinHandle<ResponseInputItem>),
    Ready(ResponseInputItem),
}

/// One attempt: stream the response, recording each item and starting its
/// tool as it completes, then record the outputs in order.
async fn try_run_turn(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    turn_state: &Arc<TurnState>,
    prompt: Prompt,
    cancel: &CancellationToken,
) -> CodexResult<SamplingResult> {
    session.persist_turn_context(ctx).await;
    let mut report = crate::telemetry::StreamReport::start(turn_state.telemetry(), &ctx.model);
    let mut stream = open_stream(session, ctx, turn_state.telemetry(), prompt, cancel).await?;
    let mut sequencer = ToolSequencer::default();
    let mut calls: Vec<PendingCall> = Vec::new();
    let mut last_agent_message = None;
    let usage = loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => {
                abort_calls(session, ctx, calls).await;
                return Err(CodexErr::TurnAborted);
            }
            event = stream.next() => event,
        };
        let event = match event {
            Some(Ok(event)) => event,
            Some(Err(err)) => {
                // Calls that started have effects; finish them before the
                // retry, so it asks with their real outputs.
                drain_calls(session, ctx, calls, cancel).await?;
                return Err(err.into());
            }
            None => {
                drain_calls(session, ctx, calls, cancel).await?;
                return Err(ClientError::closed_before_completed().into());
            }
        };
        if let Some(report) = &mut report {
            report.event(&event);
        }
        match event {
            ResponseEvent::Created => {}
            ResponseEvent::OutputItemAdded(item) => session.announce_item_started(ctx, &item),
            ResponseEvent::OutputItemDone(item) => {
                session
                    .record_conversation_items(ctx, std::slice::from_ref(&item))
                    .await;
                match dispatch(session, ctx, turn_state, &item, &mut sequencer) {
                    Dispatched::NotACall => {
                        if matches!(item, ResponseItem::WebSearchCall { .. }) {
                            crate::memories::exclude_if_configured(session, "used web search");
                        }
                        session.announce_item(ctx, &item).await;
                        if let Some(text) = message_text(&item, "assistant") {
                            last_agent_message = Some(text);
                        }
                    }
                    Dispatched::Call(call) => calls.push(call),
                    Dispatched::Fatal(call, message) => {
                        calls.push(call);
                        drain_calls(session, ctx, calls, cancel).await?;
                        return Err(CodexErr::Fatal(message));
                    }
                }
            }
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

    let needs_follow_up = drain_calls(session, ctx, calls, cancel).await? > 0;
    if let Some(diff) = turn_state.with_diff(|d| d.unified_diff(&ctx.cwd)) {
        session.send_event_unrecorded(
            &ctx.sub_id,
            EventMsg::TurnDiff(TurnDiffEvent { unified_diff: diff }),
        );
    }
    Ok(SamplingResult {
        needs_follow_up,
        last_agent_message,
        usage,
    })
}

/// What became of one output item of the stream.
enum Dispatched {
    /// Not a tool call (a message, reasoning).
    NotACall,
    /// A call: running, or answered at once (unknown tool, malformed call).
    Call(PendingCall),
    /// A call that ends the turn (answered with the message, so the history
    /// stays valid).
    Fatal(PendingCall, String),
}

/// Starts the tool `item` calls, in the order the sequencer gives it.
fn dispatch(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    turn_state: &Arc<TurnState>,
    item: &ResponseItem,
    sequencer: &mut ToolSequencer,
) -> Dispatched {
    let call = match build_tool_call(item) {
        Ok(Some(call)) => call,
        Ok(None) => return Dispatched::NotACall,
        Err(malformed) => {
            let output = output_item(
                &malformed.call_id,
                malformed.shape,
                ToolOutput::failure(malformed.message),
            );
            return Dispatched::Call(PendingCall {
                call_id: malformed.call_id,
                shape: malformed.shape,
                output: PendingOutput::Ready(output),
            });
        }
    };
    let answered = |message: String| PendingCall {
        output: PendingOutput::Ready(output_item(
            &call.call_id,
            call.shape,
            ToolOutput::failure(message),
        )),
        call_id: call.call_id.clone(),
        shape: call.shape,
    };
    let handler = match ctx.tools.handler_for(&call.name, call.payload.kind()) {
        Ok(handler) => handler,
        Err(DispatchError::RespondToModel(message)) => {
            return Dispatched::Call(answered(message));
        }
        Err(DispatchError::Fatal(message)) => {
            return Dispatched::Fatal(answered(message.clone()), message);
        }
    };
    info!(tool = %call.name, call_id = %call.call_id, "tool call");
    let (wait_for, done) = sequencer.next(handler.parallel_safe());
    let (call_id, shape) = (call.call_id.clone(), call.shape);
    let invocation = ToolInvocation {
        session: Arc::clone(session),
        ctx: Arc::clone(ctx),
        turn_state: Arc::clone(turn_state),
        call_id: call.call_id,
        tool_name: call.name,
        payload: call.payload,
    };
    let task_call_id = call_id.clone();
    let handle = tokio::spawn(
        async move {
            for mut earlier in wait_for {
                // Err: that call was aborted, which also means done.
                let _ = earlier.wait_for(|finished| *finished).await;
            }
            invocation.turn_state.wait_for_snapshot().await;
            let report = crate::telemetry::ToolReport::start(&invocation, &task_call_id);
            let output = crate::hooks::run_tool_with_hooks(handler, invocation).await;
            if let Some(report) = report {
                report.finish(&output);
            }
            let _ = done.send(true);
            output_item(&task_call_id, shape, output)
        }
        .instrument(tracing::Span::current()),
    );
    Dispatched::Call(PendingCall {
        call_id,
        shape,
        output: PendingOutput::Running(handle),
    })
}

/// Waits for the calls in order and records their outputs; returns how many
/// there were. Interrupted, it records what finished and aborts the rest.
async fn drain_calls(
    session: &Session,
    ctx: &TurnContext,
    calls: Vec<PendingCall>,
    cancel: &CancellationToken,
) -> CodexResult<usize> {
    let count = calls.len();
    let mut outputs: Vec<ResponseItem> = Vec::with_capacity(count);
    let mut calls = calls.into_iter();
    while let Some(call) = calls.next() {
        let joined = match call.output {
            PendingOutput::Ready(output) => {
                outputs.push(output.into());
                continue;
            }
            PendingOutput::Running(mut handle) => tokio::select! {
                _ = cancel.cancelled() => {
                    handle.abort();
                    outputs.push(call_aborted(&call.call_id, call.shape).into());
                    session.record_conversation_items(ctx, &outputs).await;
                    abort_calls(session, ctx, calls.collect()).await;
                    return Err(CodexErr::TurnAborted);
                }
                joined = &mut handle => joined,
            },
        };
        outputs.push(match joined {
            Ok(output) => output.into(),
            Err(err) => {
                warn!(%err, "a tool task failed");
                output_item(
                    &call.call_id,
                    call.shape,
                    ToolOutput::failure("the tool failed unexpectedly"),
                )
                .into()
            }
        });
    }
    session.record_conversation_items(ctx, &outputs).await;
    Ok(count)
}

/// On interrupt: stops the calls still running and records an "aborted"
/// output for each that has none (finished outputs are kept).
async fn abort_calls(session: &Session, ctx: &TurnContext, calls: Vec<PendingCall>) {
    let mut outputs: Vec<ResponseItem> = Vec::with_capacity(calls.len());
    for call in calls {
        outputs.push(match call.output {
            PendingOutput::Ready(output) => output.into(),
            PendingOutput::Running(handle) => {
                handle.abort();
                call_aborted(&call.call_id, call.shape).into()
            }
        });
    }
    session.record_conversation_items(ctx, &outputs).await;
}

/// The output that closes a call that never completed.
fn call_aborted(call_id: &str, shape: CallShape) -> ResponseInputItem {
    output_item(call_id, shape, ToolOutput::failure(ABORTED_OUTPUT))
}

/// Records what the person typed, then the skills it names (`$name`), in
/// that order in the history.
async fn record_user_input(session: &Session, ctx: &TurnContext, input: &[UserInput]) {
    session.record_user_input(ctx, input).await;
    crate::skills::record_mentions(session, ctx, input).await;
}

/// Records input that waited for this request: the person's messages as
/// user messages (announced, so a UI shows them where they joined), a
/// tool's items as they are.
async fn record_pending_input(session: &Session, ctx: &TurnContext, pending: Vec<Pending>) {
    for input in pending {
        match input {
            Pending::User(input) => record_user_input(session, ctx, &input).await,
            Pending::Item(item) => {
                session
                    .record_conversation_items(ctx, &[ResponseItem::from(item)])
                    .await
            }
        }
    }
}
