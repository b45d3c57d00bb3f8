//! `Session`: the slim orchestrator that owns a conversation.
//!
//! It sends events (recording the ones the rollout keeps), records items to
//! history and the session file, makes turn contexts from the current
//! settings, and mediates approvals. Its mutable state lives in
//! [`crate::state`].

use std::sync::Arc;

use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use codex_client::{ModelClient, ModelClientConfig};
use codex_protocol::ThreadId;
use codex_protocol::models::{
    ContentItem, ReasoningItemContent, ReasoningItemReasoningSummary, ResponseInputItem,
    ResponseItem,
};
use codex_protocol::protocol::{
    AgentMessageEvent, AgentReasoningEvent, AgentReasoningRawContentEvent, ErrorEvent, Event,
    EventMsg, RateLimitSnapshot, RawResponseItemEvent, ReviewDecision, TaskStartedEvent,
    TokenUsage, UserMessageEvent, WebSearchBeginEvent, WebSearchEndEvent,
};
use codex_protocol::rollout::RolloutItem;
use codex_protocol::user_input::UserInput;
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use crate::environment_context::EnvironmentContext;
use crate::history::message_text;
use crate::item_lifecycle::ItemLifecycle;
use crate::state::{
    Pending, SessionConfiguration, SessionServices, SessionSettingsUpdate, SharedSessionState,
    TurnSlot,
};
use crate::tools::ToolsConfig;
use crate::turn_context::TurnContext;

/// Events of session start-up carry this id.
pub(crate) const INITIAL_SUBMIT_ID: &str = "";

pub(crate) struct Session {
    pub(crate) thread_id: ThreadId,
    tx_event: mpsc::UnboundedSender<Event>,
    pub(crate) state: SharedSessionState,
    pub(crate) active_turn: TurnSlot,
    pub(crate) services: SessionServices,
    /// The items the events sent so far have started (see `item_lifecycle`).
    items: std::sync::Mutex<ItemLifecycle>,
    /// The commands' environment, for the last policy asked (see
    /// [`Session::command_env`]).
    command_env: std::sync::Mutex<Option<CommandEnv>>,
}

type CommandEnv = (
    codex_protocol::config_types::ShellEnvironmentPolicy,
    std::collections::BTreeMap<String, String>,
);

impl Session {
    /// The allowlist proxy's socket directory for a command under
    /// `policy`: a policy with full network does not go through it.
    pub(crate) fn network_proxy_for(
        &self,
        policy: &codex_protocol::protocol::SandboxPolicy,
    ) -> Option<std::path::PathBuf> {
        if policy.has_full_network_access() {
            return None;
        }
        self.services
            .network_proxy
            .as_ref()
            .map(|proxy| proxy.socket_dir().to_path_buf())
    }

    /// The paths hidden from the model's commands and patches: codex's own
    /// secrets and `denied_paths`.
    pub(crate) fn hidden_paths(&self) -> Vec<std::path::PathBuf> {
        let config = &self.services.config;
        codex_sandbox::secrets::hidden_paths(&config.codex_home, &config.denied_paths)
    }

    /// The environment of a command under `policy`: codex's own, filtered
    /// by it. Built once per policy (codex never changes its own
    /// environment): matching every variable against the policy's patterns
    /// cost each command about a tenth of a millisecond.
    pub(crate) fn command_env(
        &self,
        policy: &codex_protocol::config_types::ShellEnvironmentPolicy,
    ) -> std::collections::BTreeMap<String, String> {
        let mut cached = self
            .command_env
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((cached_policy, env)) = cached.as_ref()
            && cached_policy == policy
        {
            return env.clone();
        }
        let env = codex_sandbox::env::create_env(policy, std::env::vars());
        *cached = Some((policy.clone(), env.clone()));
        env
    }

    /// How a command of the session runs: `argv` in `cwd` with `env`, under
    /// `policy`, the session's secrets hidden and its network proxy (when
    /// the policy goes through it) in front of the network.
    pub(crate) fn command_spec(
        &self,
        argv: Vec<String>,
        cwd: std::path::PathBuf,
        env: std::collections::BTreeMap<String, String>,
        policy: codex_protocol::protocol::SandboxPolicy,
    ) -> codex_sandbox::CommandSpec {
        codex_sandbox::CommandSpec {
            argv,
            cwd,
            env,
            network_proxy: self.network_proxy_for(&policy),
            policy,
            linux_sandbox_exe: self.services.linux_sandbox_exe.clone(),
            hidden_paths: self.hidden_paths(),
        }
    }

    pub(crate) fn new(
        thread_id: ThreadId,
        tx_event: mpsc::UnboundedSender<Event>,
        configuration: SessionConfiguration,
        services: SessionServices,
    ) -> Arc<Self> {
        let spill_dir = services.config.codex_home.clone();
        Arc::new(Self {
            thread_id,
            tx_event,
            state: SharedSessionState::new(configuration, spill_dir),
            active_turn: TurnSlot::default(),
            services,
            items: std::sync::Mutex::new(ItemLifecycle::default()),
            command_env: std::sync::Mutex::new(None),
        })
    }

    /// Sends an event, recording it in the session file if the rollout
    /// policy keeps it. The item events it implies go first.
    pub(crate) async fn send_event(&self, sub_id: &str, msg: EventMsg) {
        let mut events = self
            .lock_items()
            .observe(self.thread_id, sub_id, &msg)
            .events;
        // One write: in the file, an item stands right before the event it
        // came from (readers of older files rely on that to skip repeats).
        events.push(msg);
        self.send_recorded(sub_id, events).await;
    }

    /// Records (where the policy says so) and sends `events`, in order.
    async fn send_recorded(&self, sub_id: &str, events: Vec<EventMsg>) {
        if events.is_empty() {
            return;
        }
        if let Some(rollout) = &self.services.rollout {
            let lines: Vec<RolloutItem> =
                events.iter().cloned().map(RolloutItem::EventMsg).collect();
            rollout.record_items(&lines).await;
        }
        for event in events {
            self.emit(sub_id, event);
        }
    }

    /// Sends an event without recording it. Item events it implies are
    /// sent first (only starts and updates: what completes an item is sent
    /// through `send_event`).
    pub(crate) fn send_event_unrecorded(&self, sub_id: &str, msg: EventMsg) {
        let items = self
            .lock_items()
            .observe(self.thread_id, sub_id, &msg)
            .events;
        for event in items {
            if matches!(event, EventMsg::ItemCompleted(_)) {
                warn!("an unrecorded event completed an item; it is not in the session file");
            }
            self.emit(sub_id, event);
        }
        self.emit(sub_id, msg);
    }

    fn emit(&self, sub_id: &str, msg: EventMsg) {
        let event = Event {
            id: sub_id.to_string(),
            msg,
        };
        if self.tx_event.send(event).is_err() {
            warn!("nobody is listening for events any more");
        }
    }

    fn lock_items(&self) -> std::sync::MutexGuard<'_, ItemLifecycle> {
        // The lifecycle is bookkeeping of what was sent; a poisoned lock
        // still holds it.
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Completes the started item `id` as declined (it never ran).
    pub(crate) async fn decline_item(&self, ctx: &TurnContext, id: &str) {
        let events = self
            .lock_items()
            .decline(self.thread_id, &ctx.sub_id, id)
            .events;
        self.send_recorded(&ctx.sub_id, events).await;
    }

    /// Reports a failure of the task `sub_id` (recorded, like every error).
    pub(crate) async fn send_error(&self, sub_id: &str, message: String) {
        self.send_event(sub_id, EventMsg::Error(ErrorEvent { message }))
            .await;
    }

    /// The submission id of the running task, if any.
    pub(crate) fn active_sub_id(&self) -> Option<String> {
        self.active_turn.sub_id()
    }

    /// `TaskStarted` for the task of `ctx`.
    pub(crate) async fn send_task_started(&self, ctx: &TurnContext) {
        self.send_event(
            &ctx.sub_id,
            EventMsg::TaskStarted(TaskStartedEvent {
                turn_id: ctx.sub_id.clone(),
                model_context_window: ctx.model_context_window,
            }),
        )
        .await;
    }

    /// Applies `update` to the settings and returns a context for a turn.
    pub(crate) fn new_turn(&self, sub_id: &str, update: SessionSettingsUpdate) -> Arc<TurnContext> {
        let configuration = self.state.update_configuration(update);
        Arc::new(self.make_turn_context(sub_id, &configuration))
    }

    pub(crate) fn make_turn_context(
        &self,
        sub_id: &str,
        configuration: &SessionConfiguration,
    ) -> TurnContext {
        let config = &self.services.config;
        let mut family = self.services.models.family(&configuration.model);
        if let Some(supports) = config.model_supports_reasoning_summaries {
            family.supports_reasoning_summaries = supports;
            family.supports_reasoning |= supports;
        }
        let model_context_window = config
            .model_context_window
            .or_else(|| family.effective_context_window());
        let auto_compact_token_limit =
            config
                .model_auto_compact_token_limit
                .or_else(|| match config.model_context_window {
                    Some(window) => Some(window / 10 * 9),
                    None => family.auto_compact_token_limit(),
                });
        let reasoning_effort = configuration
            .reasoning_effort
            .or(family.default_reasoning_effort);
        let client = ModelClient::new(
            ModelClientConfig {
                provider_id: configuration.provider_id.clone(),
                provider: configuration.provider.clone(),
                model: configuration.model.clone(),
                family: family.clone(),
                reasoning_effort,
                reasoning_summary: configuration.reasoning_summary,
                verbosity: config.model_verbosity,
                thread_id: self.thread_id,
                originator: self.services.originator.clone(),
                auth: self.services.auth.clone(),
                subagent_parent: self.services.subagent_parent,
                turn_metadata: Some(codex_client::TurnMetadata {
                    turn_id: sub_id.to_string(),
                    json: self.turn_metadata(sub_id, configuration, reasoning_effort),
                }),
            },
            self.services.http.clone(),
        );
        let tools_config = ToolsConfig::for_turn(
            &family,
            config,
            configuration.approval_policy,
            configuration.provider.wire_api,
        );
        let tools = (self.services.turn_tools)(self, &tools_config, configuration, &family);
        TurnContext {
            sub_id: sub_id.to_string(),
            client,
            family,
            model: configuration.model.clone(),
            reasoning_effort,
            reasoning_summary: configuration.reasoning_summary,
            cwd: configuration.cwd.clone(),
            base_instructions: self.services.base_instructions.clone(),
            approval_policy: configuration.approval_policy,
            sandbox_policy: match configuration.collaboration_mode {
                codex_protocol::config_types::ModeKind::Plan => {
                    codex_protocol::protocol::SandboxPolicy::ReadOnly
                }
                codex_protocol::config_types::ModeKind::Default => {
                    configuration.sandbox_policy.clone()
                }
            },
            shell_environment_policy: config.shell_environment_policy.clone(),
            tools,
            final_output_json_schema: configuration.final_output_json_schema.clone(),
            model_context_window,
            auto_compact_token_limit,
            collaboration_mode: configuration.collaboration_mode,
        }
    }

    /// `x-codex-turn-metadata`: what the reference tells the server about a
    /// turn (no installation id or analytics: nothing identifies the machine).
    fn turn_metadata(
        &self,
        sub_id: &str,
        configuration: &SessionConfiguration,
        effort: Option<codex_protocol::config_types::ReasoningEffort>,
    ) -> String {
        let thread = self.thread_id.to_string();
        let trigger = &self.services.turn_trigger;
        let sandbox_mode = match &configuration.sandbox_policy {
            codex_protocol::protocol::SandboxPolicy::DangerFullAccess => "danger-full-access",
            codex_protocol::protocol::SandboxPolicy::ReadOnly => "read-only",
            codex_protocol::protocol::SandboxPolicy::WorkspaceWrite { .. } => "workspace-write",
        };
        let mut metadata = serde_json::json!({
            "session_id": thread,
            "thread_id": thread,
            "turn_id": sub_id,
            "window_id": format!("{thread}:0"),
            "window_number": 0,
            "request_kind": "turn",
            "thread_source": self.services.thread_source,
            "turn_trigger": trigger,
            "sandbox_mode": sandbox_mode,
            "model": configuration.model,
            "reasoning_effort": effort,
        });
        if let Some(parent) = self.services.subagent_parent {
            metadata["session_id"] = serde_json::json!(parent.to_string());
            metadata["parent_thread_id"] = serde_json::json!(parent.to_string());
            metadata["subagent_kind"] = serde_json::json!("thread_spawn");
        }
        metadata.to_string()
    }

    /// The environment context of `ctx`'s settings.
    pub(crate) fn environment_context(&self, ctx: &TurnContext) -> EnvironmentContext {
        EnvironmentContext::new(
            ctx.cwd.clone(),
            ctx.approval_policy,
            &ctx.sandbox_policy,
            self.services.user_shell.clone(),
        )
    }

    /// Records items in history and in the session file, and announces them.
    pub(crate) async fn record_conversation_items(
        &self,
        ctx: &TurnContext,
        items: &[ResponseItem],
    ) {
        if items.is_empty() {
            return;
        }
        self.state.record_items(items);
        let rollout: Vec<RolloutItem> = items
            .iter()
            .cloned()
            .map(RolloutItem::ResponseItem)
            .collect();
        self.persist_rollout_items(&rollout).await;
        for item in items {
            self.send_event_unrecorded(
                &ctx.sub_id,
                EventMsg::RawResponseItem(RawResponseItemEvent { item: item.clone() }),
            );
        }
    }

    pub(crate) async fn persist_rollout_items(&self, items: &[RolloutItem]) {
        if let Some(rollout) = &self.services.rollout {
            rollout.record_items(items).await;
        }
    }

    /// Syncs the session file to the disk (end of turn, shutdown, interrupt);
    /// every line is already in the file when it is recorded.
    pub(crate) async fn flush_rollout(&self) {
        if let Some(rollout) = &self.services.rollout
            && let Err(err) = rollout.flush().await
        {
            warn!(%err, path = %rollout.path().display(), "cannot flush the session file");
        }
    }

    /// Records the settings of a model request (those of its turn, which
    /// a mid-turn override does not change).
    pub(crate) async fn persist_turn_context(&self, ctx: &TurnContext) {
        self.persist_rollout_items(&[RolloutItem::TurnContext(ctx.to_rollout_item())])
            .await;
    }

    /// Records the user's input and announces it.
    pub(crate) async fn record_user_input(&self, ctx: &TurnContext, input: &[UserInput]) {
        let encoded = encode_local_images(input);
        let item: ResponseItem = ResponseInputItem::from_user_input(&encoded).into();
        self.record_conversation_items(ctx, std::slice::from_ref(&item))
            .await;
        let message = message_text(&item, "user").unwrap_or_default();
        if let Some(db) = &self.services.state_db {
            crate::thread_index::record_title(db, self.thread_id.to_string(), message.clone())
                .await;
        }
        let images: Vec<String> = encoded
            .iter()
            .filter_map(|i| match i {
                UserInput::Image { image_url } => Some(image_url.clone()),
                _ => None,
            })
            .collect();
        self.send_event(
            &ctx.sub_id,
            EventMsg::UserMessage(UserMessageEvent {
                message,
                images: (!images.is_empty()).then_some(images),
            }),
        )
        .await;
    }

    /// Announces a completed non-tool item (assistant message, reasoning, a
    /// web search the provider ran).
    pub(crate) async fn announce_item(&self, ctx: &TurnContext, item: &ResponseItem) {
        match item {
            ResponseItem::WebSearchCall { id, action, .. } => {
                let query = action
                    .as_ref()
                    .and_then(|a| a.get("query"))
                    .and_then(|q| q.as_str())
                    .unwrap_or_default()
                    .to_string();
                self.send_event(
                    &ctx.sub_id,
                    EventMsg::WebSearchEnd(WebSearchEndEvent {
                        call_id: id.clone().unwrap_or_default(),
                        query,
                        action: action.clone(),
                    }),
                )
                .await;
            }
            ResponseItem::Message { role, content, id } if role == "assistant" => {
                let text: String = content.iter().filter_map(ContentItem::text).collect();
                self.send_event(
                    &ctx.sub_id,
                    EventMsg::AgentMessage(AgentMessageEvent { message: text }),
                )
                .await;
            }
            ResponseItem::Reasoning {
                summary, content, ..
            } => {
                let summary_text: Vec<String> = summary
                    .iter()
                    .map(|ReasoningItemReasoningSummary::SummaryText { text }| text.clone())
                    .collect();
                let raw: Vec<String> = content
                    .iter()
                    .flatten()
                    .map(|c| match c {
                        ReasoningItemContent::ReasoningText { text }
                        | ReasoningItemContent::Text { text } => text.clone(),
                    })
                    .collect();
                for text in summary_text {
                    self.send_event(
                        &ctx.sub_id,
                        EventMsg::AgentReasoning(AgentReasoningEvent { text }),
                    )
                    .await;
                }
                if self.services.config.show_raw_agent_reasoning {
                    for text in raw {
                        self.send_event(
                            &ctx.sub_id,
                            EventMsg::AgentReasoningRawContent(AgentReasoningRawContentEvent {
                                text,
                            }),
                        )
                        .await;
                    }
                }
            }
            _ => {}
        }
    }

    /// Announces an item the model started (a web search in progress).
    pub(crate) fn announce_item_started(&self, ctx: &TurnContext, item: &ResponseItem) {
        if let ResponseItem::WebSearchCall { id, .. } = item {
            self.send_event_unrecorded(
                &ctx.sub_id,
                EventMsg::WebSearchBegin(WebSearchBeginEvent {
                    call_id: id.clone().unwrap_or_default(),
                }),
            );
        }
    }

    /// Asks the person the model's questions; waits for the answers.
    /// `None`: nobody answered (the turn was interrupted or ended).
    pub(crate) async fn request_user_input(
        &self,
        ctx: &TurnContext,
        call_id: &str,
        questions: Vec<codex_protocol::user_questions::Question>,
    ) -> Option<codex_protocol::user_questions::RequestUserInputResponse> {
        use codex_protocol::user_questions::{RequestUserInputEndEvent, RequestUserInputEvent};
        let turn = self.active_turn.state()?;
        let (tx, rx) = oneshot::channel();
        // Registered before the question goes out: the answer cannot overtake it.
        turn.insert_pending_questions(call_id, tx);
        let event = EventMsg::RequestUserInput(RequestUserInputEvent {
            call_id: call_id.to_string(),
            turn_id: ctx.sub_id.clone(),
            questions,
        });
        self.send_event(&ctx.sub_id, event).await;
        // A dropped waiter (interrupt, shutdown): unanswered.
        let response = rx.await.ok();
        let end = EventMsg::RequestUserInputEnd(RequestUserInputEndEvent {
            call_id: call_id.to_string(),
            response: response.clone(),
        });
        self.send_event(&ctx.sub_id, end).await;
        response
    }

    /// Delivers the person's answers to the waiting `request_user_input`.
    pub(crate) fn notify_user_input(
        &self,
        call_id: &str,
        response: codex_protocol::user_questions::RequestUserInputResponse,
    ) {
        let waiter = self
            .active_turn
            .state()
            .and_then(|turn| turn.remove_pending_questions(call_id));
        match waiter {
            Some(tx) => {
                let _ = tx.send(response);
            }
            None => warn!(call_id, "no open question for this call id"),
        }
    }

    /// Delivers a person's answer to the waiting tool.
    pub(crate) fn notify_approval(&self, call_id: &str, decision: ReviewDecision) {
        let waiter = self
            .active_turn
            .state()
            .and_then(|turn| turn.remove_pending_approval(call_id));
        match waiter {
            Some(tx) => {
                let _ = tx.send(decision);
            }
            None => warn!(call_id, "no pending approval for this call id"),
        }
    }

    pub(crate) async fn update_token_usage(&self, ctx: &TurnContext, usage: &TokenUsage) {
        let event = self.state.add_token_usage(usage, ctx.model_context_window);
        self.send_event(&ctx.sub_id, EventMsg::TokenCount(event))
            .await;
    }

    pub(crate) async fn update_rate_limits(&self, ctx: &TurnContext, snapshot: RateLimitSnapshot) {
        let event = self.state.set_rate_limits(snapshot);
        self.send_event(&ctx.sub_id, EventMsg::TokenCount(event))
            .await;
    }

    pub(crate) async fn set_tokens_full(&self, ctx: &TurnContext) {
        let event = self.state.set_tokens_full(ctx.model_context_window);
        self.send_event(&ctx.sub_id, EventMsg::TokenCount(event))
            .await;
    }

    /// Adds input to the running task; gives it back if there is none, or
    /// if the task has already made its last request.
    pub(crate) fn inject_input(&self, input: Vec<UserInput>) -> Result<(), Vec<UserInput>> {
        let Some(turn) = self.active_turn.state() else {
            return Err(input);
        };
        turn.push_pending_input(Pending::User(input))
            .map_err(|pending| match pending {
                Pending::User(input) => input,
                Pending::Item(_) => Vec::new(),
            })
    }
}

/// Local images become data URLs (unreadable ones become a note).
fn encode_local_images(input: &[UserInput]) -> Vec<UserInput> {
    input
        .iter()
        .map(|item| match item {
            UserInput::LocalImage { path } => match std::fs::read(path) {
                Ok(bytes) => {
                    let mime = match path
                        .extension()
                        .and_then(|e| e.to_str())
                        .map(str::to_ascii_lowercase)
                        .as_deref()
                    {
                        Some("jpg" | "jpeg") => "image/jpeg",
                        Some("gif") => "image/gif",
                        Some("webp") => "image/webp",
                        _ => "image/png",
                    };
                    UserInput::Image {
                        image_url: format!("data:{mime};base64,{}", BASE64_STANDARD.encode(&bytes)),
                    }
                }
                Err(err) => UserInput::Text {
                    text: format!("(image {} could not be read: {err})", path.display()),
                },
            },
            other => other.clone(),
        })
        .collect()
}
