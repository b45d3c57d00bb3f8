//! The typed schema of `config.toml` (and of each `[profiles.NAME]`).
//!
//! Every field is optional here: defaults live in the defaults layer
//! (`config.rs`), so that `codex debug config` can show them with their origin.

use std::collections::BTreeMap;
use std::path::PathBuf;

use codex_protocol::config_types::{
    ReasoningEffort, ReasoningSummary, SandboxMode, ShellEnvironmentPolicyInherit, Verbosity,
};
use codex_protocol::protocol::AskForApproval;
use serde::{Deserialize, Serialize};

use crate::mcp::McpServerConfig;
use crate::provider::ModelProviderInfo;

/// The whole file. A profile has the same shape.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ConfigToml {
    pub model: Option<String>,
    pub review_model: Option<String>,
    pub model_provider: Option<String>,
    pub model_providers: BTreeMap<String, ModelProviderInfo>,
    pub model_context_window: Option<i64>,
    pub model_max_output_tokens: Option<i64>,
    pub model_auto_compact_token_limit: Option<i64>,
    pub model_reasoning_effort: Option<ReasoningEffort>,
    pub model_reasoning_summary: Option<ReasoningSummary>,
    pub model_verbosity: Option<Verbosity>,
    pub model_supports_reasoning_summaries: Option<bool>,
    /// Base URL of the built-in `openai` provider.
    pub openai_base_url: Option<String>,
    /// Which local provider `--oss` selects (`ollama` or `lmstudio`).
    pub oss_provider: Option<String>,
    /// The ChatGPT backend (a ChatGPT sign-in sends its requests to
    /// `{chatgpt_base_url}/codex`).
    pub chatgpt_base_url: Option<String>,
    /// Only this way of signing in is allowed.
    pub forced_login_method: Option<LoginMethod>,
    /// With both a key and ChatGPT tokens in `auth.json`, which to use.
    pub preferred_auth_method: Option<PreferredAuthMethod>,
    /// A ChatGPT sign-in must be for this workspace (account id).
    pub forced_chatgpt_workspace_id: Option<String>,
    /// Hook handlers by event (read by `codex-hooks`, in the shape of
    /// `hooks.json`).
    pub hooks: Option<toml::Table>,

    pub approval_policy: Option<AskForApproval>,
    pub sandbox_mode: Option<SandboxMode>,
    pub sandbox_workspace_write: Option<SandboxWorkspaceWrite>,
    /// The permission profile commands run under (a `[permissions.NAME]`
    /// or a built-in `:read-only`, `:workspace`, `:danger-full-access`);
    /// wins over `sandbox_mode`.
    pub default_permissions: Option<String>,
    /// Permission profiles by name (see `crate::permissions`; unknown keys
    /// inside a profile are accepted, as in the reference).
    pub permissions: Option<toml::Table>,
    pub shell_environment_policy: Option<ShellEnvironmentPolicyToml>,
    /// How many of the model's commands run at once (more wait their turn;
    /// each one's timeout starts when it starts). Default: twice the cores.
    pub max_concurrent_commands: Option<usize>,
    /// Interactive commands (`exec_command`) idle this long are ended (ms).
    pub background_terminal_max_timeout: Option<u64>,
    /// `exec_command` and `shell_command` may run login shells.
    pub allow_login_shell: Option<bool>,
    /// The built-in web search tool: disabled, cached or live.
    pub web_search: Option<WebSearchMode>,
    /// Which optional tools are offered.
    pub tools: Option<ToolsToml>,
    /// A JSON file of model catalog entries added to (and overriding) the
    /// built-in catalog.
    pub model_catalog_json: Option<PathBuf>,

    pub profile: Option<String>,
    pub profiles: BTreeMap<String, ConfigToml>,

    pub history: Option<HistoryToml>,
    /// `[rewind]`: how long checkpoints for `/rewind` are kept.
    pub rewind: Option<RewindToml>,
    pub notify: Option<Vec<String>>,

    pub instructions: Option<String>,
    /// A file whose contents replace the built-in base instructions.
    #[serde(alias = "experimental_instructions_file")]
    pub model_instructions_file: Option<PathBuf>,
    pub developer_instructions: Option<String>,
    /// The prompt that asks the model to summarize the conversation.
    pub compact_prompt: Option<String>,
    /// A file holding that prompt.
    pub experimental_compact_prompt_file: Option<PathBuf>,
    pub project_doc_max_bytes: Option<usize>,
    pub project_doc_fallback_filenames: Option<Vec<String>>,

    pub mcp_servers: BTreeMap<String, McpServerConfig>,
    /// Where `codex mcp login` keeps OAuth tokens.
    pub mcp_oauth_credentials_store: Option<McpOAuthCredentialsStore>,
    /// The fixed loopback port of the OAuth callback (any free one if unset).
    pub mcp_oauth_callback_port: Option<u16>,
    /// The redirect URL to register instead of the loopback one (for a
    /// callback forwarded from elsewhere, such as a remote machine).
    pub mcp_oauth_callback_url: Option<String>,
    pub otel: Option<OtelToml>,
    pub memories: Option<MemoriesToml>,
    /// `[agents]`: sub-agent limits and roles (read by core's `agents`).
    pub agents: Option<AgentsToml>,
    /// `[skills]`: how the skills list reaches the model (read by
    /// `codex-skills`).
    pub skills: Option<SkillsToml>,
    pub features: Option<BTreeMap<String, bool>>,
    pub tui: Option<TuiToml>,

    pub hide_agent_reasoning: Option<bool>,
    pub show_raw_agent_reasoning: Option<bool>,
    pub disable_response_storage: Option<bool>,
    pub file_opener: Option<FileOpener>,
    pub projects: Option<BTreeMap<String, ProjectToml>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SandboxWorkspaceWrite {
    pub writable_roots: Vec<PathBuf>,
    pub network_access: bool,
    pub exclude_tmpdir_env_var: bool,
    pub exclude_slash_tmp: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ShellEnvironmentPolicyToml {
    pub inherit: Option<ShellEnvironmentPolicyInherit>,
    pub ignore_default_excludes: Option<bool>,
    pub exclude: Option<Vec<String>>,
    pub set: Option<BTreeMap<String, String>>,
    pub include_only: Option<Vec<String>>,
    /// Reference-only: run commands through the user's shell profile.
    pub experimental_use_profile: Option<bool>,
}

/// `[rewind]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct RewindToml {
    /// Checkpoints older than this many days are pruned (default 30).
    pub keep_days: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HistoryPersistenceToml {
    #[default]
    SaveAll,
    None,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct HistoryToml {
    pub persistence: Option<HistoryPersistenceToml>,
    /// Trim `history.jsonl` to its newest entries when it grows past this.
    pub max_bytes: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OtelExporter {
    None,
    Statsig,
    OtlpHttp {
        endpoint: String,
        #[serde(default)]
        headers: BTreeMap<String, String>,
        #[serde(default)]
        protocol: Option<OtelHttpProtocol>,
        #[serde(default)]
        tls: Option<OtelTls>,
    },
    OtlpGrpc {
        endpoint: String,
        #[serde(default)]
        headers: BTreeMap<String, String>,
        #[serde(default)]
        tls: Option<OtelTls>,
    },
}

/// TLS for an OTLP exporter: PEM files, relative to `$CODEX_HOME` unless
/// absolute. `ca-certificate` is trusted besides the system's roots; the
/// client certificate and key (both or neither) authenticate codex.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OtelTls {
    pub ca_certificate: Option<PathBuf>,
    pub client_certificate: Option<PathBuf>,
    pub client_private_key: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OtelHttpProtocol {
    Binary,
    Json,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct OtelToml {
    pub environment: Option<String>,
    pub exporter: Option<OtelExporter>,
    pub trace_exporter: Option<OtelExporter>,
    pub metrics_exporter: Option<OtelExporter>,
    pub log_user_prompt: Option<bool>,
}

/// `[agents]`: the limits on sub-agents and the roles defined inline
/// (`[agents.<role>]`). The defaults are the reference's.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AgentsToml {
    /// Concurrently open sub-agents of one session tree (default 6).
    pub max_threads: Option<usize>,
    /// How deep sub-agents may nest; a child at this depth cannot spawn
    /// (default 1).
    pub max_depth: Option<u32>,
    /// A child's turn running longer than this is interrupted.
    pub job_max_runtime_seconds: Option<u64>,
    /// Tell a child why it was interrupted (accepted, as in the reference).
    pub interrupt_message: Option<bool>,
    /// `[agents.<role>]` tables: `description`, `config_file`,
    /// `nickname_candidates`.
    #[serde(flatten)]
    pub roles: BTreeMap<String, AgentRoleToml>,
}

/// `[agents.<role>]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AgentRoleToml {
    pub description: Option<String>,
    /// A TOML file (relative to `CODEX_HOME`) with the role's settings, in
    /// the shape of a file of `agents/`.
    pub config_file: Option<PathBuf>,
    pub nickname_candidates: Option<Vec<String>>,
}

impl AgentsToml {
    pub fn max_threads(&self) -> usize {
        self.max_threads.unwrap_or(6)
    }
    pub fn max_depth(&self) -> u32 {
        self.max_depth.unwrap_or(1)
    }
}

/// `[memories]`: learning from past sessions (see `core/src/memories`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct MemoriesToml {
    /// Distil past sessions into memories at session start.
    pub generate_memories: Option<bool>,
    /// Give new sessions the memory summary.
    pub use_memories: Option<bool>,
    /// Leave out sessions that used MCP tools or web search.
    pub no_memories_if_mcp_or_web_search: Option<bool>,
    pub max_raw_memories_for_consolidation: Option<usize>,
    pub max_unused_days: Option<i64>,
    pub max_rollout_age_days: Option<i64>,
    pub max_rollouts_per_startup: Option<i64>,
    /// Sessions used more recently than this are not read yet (default 12,
    /// the seed's value; the reference 0.169 uses 6).
    pub min_rollout_idle_hours: Option<i64>,
    pub extract_model: Option<String>,
    pub consolidation_model: Option<String>,
}

impl MemoriesToml {
    pub fn max_rollout_age_days(&self) -> i64 {
        self.max_rollout_age_days.unwrap_or(30)
    }
    pub fn min_rollout_idle_hours(&self) -> i64 {
        self.min_rollout_idle_hours.unwrap_or(12)
    }
    pub fn max_rollouts_per_startup(&self) -> i64 {
        self.max_rollouts_per_startup.unwrap_or(16)
    }
    pub fn max_unused_days(&self) -> i64 {
        self.max_unused_days.unwrap_or(30)
    }
    pub fn max_raw_memories_for_consolidation(&self) -> usize {
        self.max_raw_memories_for_consolidation.unwrap_or(256)
    }
    /// A small fast model, as the reference's phase 1 uses.
    pub fn extract_model(&self) -> &str {
        self.extract_model
            .as_deref()
            .unwrap_or("gpt-5.1-codex-mini")
    }
}

/// `notifications = true` or a list of notification kinds.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum TuiNotifications {
    Enabled(bool),
    Custom(Vec<String>),
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct TuiToml {
    pub notifications: Option<TuiNotifications>,
    pub animations: Option<bool>,
    pub show_tooltips: Option<bool>,
    /// Whether the interactive UI takes the alternate screen. The default
    /// (`auto`) is inline: history goes to the terminal's own scrollback.
    pub alternate_screen: Option<AlternateScreen>,
    /// Written by the reference's first run; accepted and not used.
    pub screen_reader_detection_done: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlternateScreen {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileOpener {
    Vscode,
    VscodeInsiders,
    Windsurf,
    Cursor,
    None,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WebSearchMode {
    #[default]
    Disabled,
    /// Results from the search index only (`external_web_access: false`).
    Cached,
    /// Live pages (`external_web_access: true`).
    Live,
}

/// `[skills]`, the reference's keys: whether the model is told about the
/// skills at all, the list's budget, the bundled (`.system`) skills, and
/// `[[skills.config]]` entries that turn one skill off by path or name.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SkillsToml {
    pub include_instructions: Option<bool>,
    pub max_context_tokens: Option<usize>,
    pub bundled: Option<BundledSkillsToml>,
    pub config: Vec<SkillConfigToml>,
}

/// `[skills.bundled]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct BundledSkillsToml {
    pub enabled: Option<bool>,
}

/// One `[[skills.config]]`: the skill at `path` (its `SKILL.md`), or every
/// skill called `name`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SkillConfigToml {
    pub path: Option<PathBuf>,
    pub name: Option<String>,
    pub enabled: Option<bool>,
}

/// `[tools]`: `web_search` and `view_image` are the reference's (older)
/// switches; `file_tools` offers `read_file`, `list_dir` and `grep_files`
/// to any model.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ToolsToml {
    pub web_search: Option<bool>,
    pub view_image: Option<bool>,
    pub file_tools: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ProjectToml {
    pub trust_level: Option<String>,
}

/// Keys the reference's own interface writes into `config.toml` (notices
/// it has shown, model-migration markers, choices made in its menus, apps it
/// installed). A `~/.codex` shared with it holds them; they are accepted
/// without a word — a warning on every run would be noise about a file the
/// user did not write. Each entry is a key path, `*` matching any one key;
/// everything below a matched path is accepted too.
pub const WRITTEN_BY_REFERENCE: &[&[&str]] = &[
    &["notice"],
    &["windows_wsl_setup_acknowledged"],
    &["personality"],
    &["service_tier"],
    &["plan_mode_reasoning_effort"],
    &["apps"],
    &["plugins"],
    &["marketplaces"],
    &["tui", "status_line"],
    &["tui", "terminal_title"],
    &["tui", "theme"],
    &["tui", "notification_method"],
    &["tui", "notification_condition"],
    &["tui", "model_availability_nux"],
    &["tui", "keymap"],
    &["profiles", "*", "personality"],
    &["profiles", "*", "service_tier"],
    &["profiles", "*", "plan_mode_reasoning_effort"],
];

/// Top-level keys the reference Codex CLI accepts that this version does not
/// use. They are reported as "not used" rather than as unknown keys.
pub const REFERENCE_ONLY_KEYS: &[&str] = &[
    "analytics",
    "approvals_reviewer",
    "agents",
    "check_for_update_on_startup",
    "cli_auth_credentials_store",
    "commit_attribution",
    "disable_paste_burst",
    "experimental_use_exec_command_tool",
    "experimental_use_unified_exec_tool",
    "feedback",
    "ghost_snapshot",
    "include_apply_patch_tool",
    "log_dir",
    "project_root_markers",
    "realtime",
    "sandbox_permissions",
    "sqlite_home",
    "tool_output_token_limit",
    "use_experimental_unified_exec_tool",
    "windows",
    "zsh_path",
];

/// `mcp_oauth_credentials_store`: the reference keeps MCP OAuth tokens in
/// the OS keyring when it can (`auto`) and in `$CODEX_HOME/.credentials.json`
/// otherwise. This version has no keyring access: `auto` and `file` use the
/// file (0600, hidden from sandboxed commands); `keyring` is refused with a
/// clear error rather than silently written to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum McpOAuthCredentialsStore {
    #[default]
    Auto,
    File,
    Keyring,
}

/// `forced_login_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginMethod {
    Chatgpt,
    Api,
}

/// `preferred_auth_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PreferredAuthMethod {
    #[default]
    Chatgpt,
    Apikey,
}
