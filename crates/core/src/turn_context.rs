//! The settings of one turn, fixed when it starts.

use std::path::PathBuf;

use codex_client::{ModelClient, ModelFamily};
use codex_protocol::config_types::{ReasoningEffort, ReasoningSummary, ShellEnvironmentPolicy};
use codex_protocol::protocol::{AskForApproval, SandboxPolicy};
use codex_protocol::rollout::TurnContextItem;

use crate::tools::ToolRegistry;

/// Everything a turn needs to know, resolved once (a change of settings
/// mid-turn applies to the next turn). The model settings here are exactly
/// those of the turn's requests, and the `turn_context` line of the session
/// file is made from them.
#[derive(Debug)]
pub(crate) struct TurnContext {
    /// The submission that started the turn; every event carries it.
    pub(crate) sub_id: String,
    pub(crate) client: ModelClient,
    pub(crate) family: ModelFamily,
    pub(crate) model: String,
    pub(crate) reasoning_effort: Option<ReasoningEffort>,
    pub(crate) reasoning_summary: ReasoningSummary,
    /// Relative paths of tools resolve against this.
    pub(crate) cwd: PathBuf,
    pub(crate) base_instructions: String,
    pub(crate) approval_policy: AskForApproval,
    pub(crate) sandbox_policy: SandboxPolicy,
    pub(crate) shell_environment_policy: ShellEnvironmentPolicy,
    pub(crate) tools: ToolRegistry,
    pub(crate) final_output_json_schema: Option<serde_json::Value>,
    pub(crate) model_context_window: Option<i64>,
    pub(crate) auto_compact_token_limit: Option<i64>,
    /// Plan mode: `sandbox_policy` is read-only whatever the thread's is.
    pub(crate) collaboration_mode: codex_protocol::config_types::ModeKind,
}

impl TurnContext {
    /// `path` relative to the turn's cwd (absolute paths stay as they are).
    pub(crate) fn resolve_path(&self, path: Option<&str>) -> PathBuf {
        match path {
            None => self.cwd.clone(),
            Some(p) => codex_apply_patch::resolve_path(&self.cwd, std::path::Path::new(p)),
        }
    }

    /// The `turn_context` line recorded before each model request.
    pub(crate) fn to_rollout_item(&self) -> TurnContextItem {
        TurnContextItem {
            turn_id: Some(self.sub_id.clone()),
            cwd: self.cwd.clone(),
            approval_policy: self.approval_policy,
            sandbox_policy: self.sandbox_policy.clone(),
            model: self.model.clone(),
            effort: self.reasoning_effort,
            summary: self.reasoning_summary,
            collaboration_mode: Some(codex_protocol::config_types::CollaborationMode {
                mode: self.collaboration_mode,
                settings: codex_protocol::config_types::CollaborationSettings {
                    model: self.model.clone(),
                    reasoning_effort: self.reasoning_effort,
                    developer_instructions: None,
                },
            }),
        }
    }
}
