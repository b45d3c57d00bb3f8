//! Session-wide state.

use std::path::PathBuf;
use std::sync::Mutex;

use codex_config::ModelProviderInfo;
use codex_protocol::config_types::{ReasoningEffort, ReasoningSummary};
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{
    AskForApproval, RateLimitSnapshot, SandboxPolicy, TokenCountEvent, TokenUsage, TokenUsageInfo,
};

use super::lock;
use crate::history::{ConversationHistory, PromptInput};

/// Settings that may change between turns.
#[derive(Debug, Clone)]
pub(crate) struct SessionConfiguration {
    pub(crate) provider_id: String,
    pub(crate) provider: ModelProviderInfo,
    pub(crate) model: String,
    pub(crate) reasoning_effort: Option<ReasoningEffort>,
    pub(crate) reasoning_summary: ReasoningSummary,
    pub(crate) approval_policy: AskForApproval,
    pub(crate) sandbox_policy: SandboxPolicy,
    /// Absolute.
    pub(crate) cwd: PathBuf,
    pub(crate) final_output_json_schema: Option<serde_json::Value>,
    /// Plan or default (see `plan_mode`).
    pub(crate) collaboration_mode: codex_protocol::config_types::ModeKind,
}

/// A change to [`SessionConfiguration`]; `None` leaves a setting alone.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionSettingsUpdate {
    pub(crate) cwd: Option<PathBuf>,
    pub(crate) approval_policy: Option<AskForApproval>,
    pub(crate) sandbox_policy: Option<SandboxPolicy>,
    pub(crate) model: Option<String>,
    pub(crate) reasoning_effort: Option<Option<ReasoningEffort>>,
    pub(crate) reasoning_summary: Option<ReasoningSummary>,
    pub(crate) final_output_json_schema: Option<Option<serde_json::Value>>,
    pub(crate) collaboration_mode: Option<codex_protocol::config_types::ModeKind>,
}

impl SessionConfiguration {
    pub(crate) fn apply(&mut self, update: SessionSettingsUpdate) {
        if let Some(cwd) = update.cwd {
            self.cwd = cwd;
        }
        if let Some(policy) = update.approval_policy {
            self.approval_policy = policy;
        }
        if let Some(policy) = update.sandbox_policy {
            self.sandbox_policy = policy;
        }
        if let Some(model) = update.model {
            self.model = model;
        }
        if let Some(effort) = update.reasoning_effort {
            self.reasoning_effort = effort;
        }
        if let Some(summary) = update.reasoning_summary {
            self.reasoning_summary = summary;
        }
        if let Some(schema) = update.final_output_json_schema {
            self.final_output_json_schema = schema;
        }
        if let Some(mode) = update.collaboration_mode {
            self.collaboration_mode = mode;
        }
    }
}

#[derive(Debug)]
pub(crate) struct SessionState {
    configuration: SessionConfiguration,
    history: ConversationHistory,
    token_info: Option<TokenUsageInfo>,
    rate_limits: Option<RateLimitSnapshot>,
    /// The thread's goal, with the id of its objective (see `goals`).
    goal: Option<(String, codex_protocol::goals::ThreadGoal)>,
    /// The collaboration mode the history last told the model about.
    mode_noted: codex_protocol::config_types::ModeKind,
}

impl SessionState {
    /// The usage and limits as they stand, for the frontends.
    fn token_count_event(&self) -> TokenCountEvent {
        TokenCountEvent {
            info: self.token_info,
            rate_limits: self.rate_limits.clone(),
        }
    }
}

/// [`SessionState`] behind its lock.
#[derive(Debug)]
pub(crate) struct SharedSessionState(Mutex<SessionState>);

impl SharedSessionState {
    /// `spill_dir`: where the history keeps large tool outputs out of
    /// memory (see [`crate::history`]).
    pub(crate) fn new(configuration: SessionConfiguration, spill_dir: PathBuf) -> Self {
        Self(Mutex::new(SessionState {
            configuration,
            history: ConversationHistory::spilling_to(spill_dir),
            token_info: None,
            rate_limits: None,
            goal: None,
            mode_noted: Default::default(),
        }))
    }

    pub(crate) fn configuration(&self) -> SessionConfiguration {
        lock(&self.0).configuration.clone()
    }

    /// Applies `update` and returns the resulting configuration.
    pub(crate) fn update_configuration(
        &self,
        update: SessionSettingsUpdate,
    ) -> SessionConfiguration {
        let mut state = lock(&self.0);
        state.configuration.apply(update);
        state.configuration.clone()
    }

    pub(crate) fn record_items(&self, items: &[ResponseItem]) {
        lock(&self.0).history.record_items(items);
    }

    pub(crate) fn replace_history(&self, items: Vec<ResponseItem>) {
        lock(&self.0).history.replace(items);
    }

    /// Runs `f` on the history, under the lock (`f` cannot await).
    pub(crate) fn with_history<R>(
        &self,
        f: impl FnOnce(&mut crate::history::ConversationHistory) -> R,
    ) -> R {
        f(&mut lock(&self.0).history)
    }

    pub(crate) fn history_for_prompt(&self) -> PromptInput {
        lock(&self.0).history.for_prompt()
    }

    /// Adds a response's usage; returns the event to send.
    pub(crate) fn add_token_usage(
        &self,
        usage: &TokenUsage,
        context_window: Option<i64>,
    ) -> TokenCountEvent {
        let mut state = lock(&self.0);
        let mut info = state.token_info.unwrap_or_default();
        info.total_token_usage.add_assign(usage);
        info.last_token_usage = *usage;
        info.model_context_window = context_window.or(info.model_context_window);
        state.token_info = Some(info);
        // An active goal counts what is spent on it.
        if let Some((_, goal)) = &mut state.goal
            && goal.status == codex_protocol::goals::ThreadGoalStatus::Active
        {
            goal.tokens_used += usage.total_tokens;
        }
        state.token_count_event()
    }

    /// Notes that the history now tells the model of `mode`; the mode it
    /// told before.
    pub(crate) fn note_mode(
        &self,
        mode: codex_protocol::config_types::ModeKind,
    ) -> codex_protocol::config_types::ModeKind {
        std::mem::replace(&mut lock(&self.0).mode_noted, mode)
    }

    /// The thread's goal and its objective's id.
    pub(crate) fn goal(&self) -> Option<(String, codex_protocol::goals::ThreadGoal)> {
        lock(&self.0).goal.clone()
    }

    pub(crate) fn set_goal(&self, goal: Option<(String, codex_protocol::goals::ThreadGoal)>) {
        lock(&self.0).goal = goal;
    }

    /// Changes the goal in place; the result, if there is a goal.
    pub(crate) fn update_goal(
        &self,
        change: impl FnOnce(&mut codex_protocol::goals::ThreadGoal),
    ) -> Option<(String, codex_protocol::goals::ThreadGoal)> {
        let mut state = lock(&self.0);
        let (id, goal) = state.goal.as_mut()?;
        change(goal);
        Some((id.clone(), goal.clone()))
    }

    /// Marks the context window as full (after the server said so).
    pub(crate) fn set_tokens_full(&self, context_window: Option<i64>) -> TokenCountEvent {
        let mut state = lock(&self.0);
        let mut info = state.token_info.unwrap_or_default();
        if let Some(window) = context_window {
            info.last_token_usage = TokenUsage {
                input_tokens: window,
                total_tokens: window,
                ..Default::default()
            };
            info.model_context_window = Some(window);
        }
        state.token_info = Some(info);
        state.token_count_event()
    }

    pub(crate) fn set_rate_limits(&self, snapshot: RateLimitSnapshot) -> TokenCountEvent {
        let mut state = lock(&self.0);
        state.rate_limits = Some(snapshot);
        state.token_count_event()
    }

    /// Tokens used by the session so far.
    pub(crate) fn total_tokens(&self) -> Option<i64> {
        lock(&self.0)
            .token_info
            .map(|info| info.total_token_usage.total_tokens)
    }
}
