//! The tools the model can call.
//!
//! * [`registry`]: the [`ToolHandler`] trait every tool implements, and the
//!   per-turn [`ToolRegistry`] (name → handler, specs in order).
//! * [`router`]: a model output item → a call (or a message back to the
//!   model when the call is malformed), and outputs back into items.
//! * [`handlers`]: one file per tool.
//! * [`orchestrator`]: the approval → sandbox → run → retry policy for
//!   commands.
//! * [`format`]: what the model gets back from a command.

pub mod call_description;
pub(crate) mod format;
pub(crate) mod handlers;
pub(crate) mod orchestrator;
pub mod registry;
pub(crate) mod router;

pub use registry::{
    PayloadKind, ToolHandler, ToolInvocation, ToolOutput, ToolPayload, ToolRegistry,
};

use codex_client::{ApplyPatchToolType, ModelFamily, ShellToolType};
use codex_config::{Config, WebSearchMode, WireApi};
use codex_protocol::protocol::AskForApproval;

/// The turn settings that decide which built-in tools are offered, and in
/// which variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ToolsConfig {
    /// The tool commands run with (the others stay callable, unoffered).
    pub(crate) shell_type: ShellToolType,
    /// Any shell tool at all (feature `shell_tool`).
    pub(crate) shell_tool: bool,
    /// apply_patch as a freeform grammar tool (Responses API, models trained
    /// for it) instead of a function taking `input`.
    pub(crate) freeform_apply_patch: bool,
    /// The shell tools take escalation parameters (only under the
    /// `on-request` approval policy).
    pub(crate) escalation: bool,
    /// `view_image` (models that take images).
    pub(crate) view_image: bool,
    /// The built-in web search: `Some(live)`.
    pub(crate) web_search: Option<bool>,
    /// `read_file`, `list_dir`, `grep_files`.
    pub(crate) file_tools: bool,
    /// `exec_command` and `shell_command` may run login shells.
    pub(crate) allow_login_shell: bool,
    /// `get_goal`, `create_goal`, `update_goal` (feature `goals`).
    pub(crate) goals: bool,
}

impl ToolsConfig {
    /// What a turn of `family` offers under `config`, on `wire`. Built-in
    /// Responses tools (freeform apply_patch, local_shell, web search) fall
    /// back or drop out on Chat Completions, which has no such tools.
    pub(crate) fn for_turn(
        family: &ModelFamily,
        config: &Config,
        approval_policy: AskForApproval,
        wire: WireApi,
    ) -> Self {
        let responses = wire == WireApi::Responses;
        let shell_type = match family.shell_type {
            ShellToolType::LocalShell if !responses => ShellToolType::Shell,
            ShellToolType::UnifiedExec if !config.feature_enabled("unified_exec") => {
                ShellToolType::ShellCommand
            }
            other => other,
        };
        let web_search = match config.web_search {
            WebSearchMode::Disabled => None,
            _ if !responses => None,
            WebSearchMode::Cached => Some(false),
            WebSearchMode::Live => Some(true),
        };
        Self {
            shell_type,
            shell_tool: config.feature_enabled("shell_tool"),
            freeform_apply_patch: responses
                && (family.apply_patch_tool_type == ApplyPatchToolType::Freeform
                    || config.feature_enabled("apply_patch_freeform")),
            escalation: approval_policy == AskForApproval::OnRequest,
            view_image: config.view_image && family.takes_images(),
            web_search,
            file_tools: config.file_tools
                || ["read_file", "list_dir", "grep_files"]
                    .iter()
                    .any(|t| family.takes_tool(t)),
            allow_login_shell: config.allow_login_shell,
            goals: config.feature_enabled("goals"),
        }
    }
}
