//! Loading and resolving the effective configuration.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use codex_protocol::config_types::{
    ReasoningEffort, ReasoningSummary, SandboxMode, ShellEnvironmentPolicy, Verbosity,
};
use codex_protocol::protocol::{AskForApproval, SandboxPolicy};
use toml::{Table, Value};

use crate::error::ConfigError;
use crate::layers::{Layer, LayerSource, LayeredConfig};
use crate::mcp::McpServerConfig;
use crate::overrides::{override_table, parse_override};
use crate::project::ProjectTrust;
use crate::provider::{
    LMSTUDIO_PROVIDER_ID, ModelProviderInfo, OLLAMA_PROVIDER_ID, OPENAI_PROVIDER_ID,
    built_in_model_providers,
};
use crate::schema::{
    ConfigToml, FileOpener, HistoryPersistenceToml, OtelToml, REFERENCE_ONLY_KEYS, TuiToml,
};
pub use crate::schema::{
    LoginMethod, McpOAuthCredentialsStore, PreferredAuthMethod, WebSearchMode,
};

/// The model used when none is configured.
pub const DEFAULT_MODEL: &str = "gpt-5.5";
/// The model used with `--oss` when none is configured.
pub const DEFAULT_OSS_MODEL: &str = "gpt-oss:20b";
/// Default `[rewind] keep_days`.
pub const DEFAULT_REWIND_KEEP_DAYS: u32 = 30;
/// Default `project_doc_max_bytes`: 32 KiB.
pub const DEFAULT_PROJECT_DOC_MAX_BYTES: usize = 32 * 1024;

/// What the command line contributes to the configuration.
#[derive(Debug, Clone, Default)]
pub struct CliOverrides {
    /// `-c key=value`, in order.
    pub raw_overrides: Vec<String>,
    /// `-p/--profile`.
    pub profile: Option<String>,
    /// `-m/--model`.
    pub model: Option<String>,
    /// `-s/--sandbox`.
    pub sandbox_mode: Option<SandboxMode>,
    /// `-a/--ask-for-approval`.
    pub approval_policy: Option<AskForApproval>,
    /// `-C/--cd`.
    pub cwd: Option<PathBuf>,
    /// `--full-auto`: workspace-write sandbox, on-request approvals.
    pub full_auto: bool,
    /// `--dangerously-bypass-approvals-and-sandbox` / `--yolo`.
    pub dangerously_bypass_approvals_and_sandbox: bool,
    /// `--oss`: use the local provider (`oss_provider`, default ollama).
    pub oss: bool,
    /// `--strict-config`: unknown keys are errors.
    pub strict_config: bool,
    /// `--add-dir`: extra writable roots.
    pub additional_writable_roots: Vec<PathBuf>,
    /// `--enable NAME` (repeatable): `features.NAME = true`.
    pub enable_features: Vec<String>,
    /// `--disable NAME` (repeatable): `features.NAME = false`.
    pub disable_features: Vec<String>,
    /// A frontend's own default for `approval_policy` (exec uses `never`).
    /// Anything configured anywhere wins over it.
    pub default_approval_policy: Option<AskForApproval>,
    /// `--dangerously-bypass-hook-trust`: hooks needing per-hook trust
    /// (a plugin's) run without it, for this run only.
    pub bypass_hook_trust: bool,
}

/// A problem that does not stop codex but should be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// `path:line:col`, `-c ...`, or empty.
    pub location: String,
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.location, self.message)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryPersistence {
    SaveAll,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub persistence: HistoryPersistence,
    pub max_bytes: Option<usize>,
}

/// The effective configuration of one run.
#[derive(Debug, Clone)]
pub struct Config {
    pub codex_home: PathBuf,
    /// The file that was (or would have been) read.
    pub config_file: PathBuf,
    /// Absolute working directory of the session.
    pub cwd: PathBuf,
    /// The caller chose `cwd` (`-C`, a request's `cwd`) rather than it being
    /// the process's directory: a resumed thread keeps its own otherwise.
    pub cwd_from_caller: bool,
    pub active_profile: Option<String>,
    /// Where the active profile was read: its `NAME.config.toml`, or
    /// `config.toml` for a `[profiles.NAME]` table.
    pub active_profile_file: Option<PathBuf>,

    pub model: String,
    pub review_model: String,
    pub model_provider_id: String,
    pub model_provider: ModelProviderInfo,
    pub model_providers: BTreeMap<String, ModelProviderInfo>,
    pub model_context_window: Option<i64>,
    pub model_max_output_tokens: Option<i64>,
    pub model_auto_compact_token_limit: Option<i64>,
    pub model_reasoning_effort: Option<ReasoningEffort>,
    pub model_reasoning_summary: ReasoningSummary,
    pub model_verbosity: Option<Verbosity>,
    pub model_supports_reasoning_summaries: Option<bool>,
    /// `openai_base_url`, when set: the `openai` provider goes there
    /// whatever the sign-in.
    pub openai_base_url: Option<String>,
    /// Default `https://chatgpt.com/backend-api/`.
    pub chatgpt_base_url: String,
    pub forced_login_method: Option<LoginMethod>,
    pub preferred_auth_method: PreferredAuthMethod,
    pub forced_chatgpt_workspace_id: Option<String>,

    pub approval_policy: AskForApproval,
    pub sandbox_policy: SandboxPolicy,
    /// The permission profile `sandbox_policy` came from, if any.
    pub permission_profile: Option<String>,
    /// Paths the profile denies: commands can neither read nor write them.
    pub denied_paths: Vec<PathBuf>,
    /// The profile's domain rules: commands reach the network only through
    /// the session's allowlist proxy (`codex-network-proxy`).
    pub network_domains: Option<crate::permissions::NetworkDomains>,
    pub shell_environment_policy: ShellEnvironmentPolicy,
    /// At most this many of the model's commands run at once.
    pub max_concurrent_commands: usize,
    /// Interactive commands idle this long are ended.
    pub background_terminal_timeout: std::time::Duration,
    pub allow_login_shell: bool,
    pub web_search: WebSearchMode,
    /// `view_image` is offered (to models that take images).
    pub view_image: bool,
    /// `read_file`, `list_dir` and `grep_files` are offered to every model.
    pub file_tools: bool,
    pub model_catalog_json: Option<PathBuf>,

    pub history: History,
    /// `[rewind] keep_days`: checkpoints older than this are pruned.
    pub rewind_keep_days: u32,
    pub notify: Option<Vec<String>>,
    /// Replaces the built-in base instructions (`model_instructions_file`).
    pub base_instructions: Option<String>,
    /// Extra user instructions (`instructions`), placed before AGENTS.md.
    pub user_instructions: Option<String>,
    pub developer_instructions: Option<String>,
    /// Replaces the built-in summarization prompt.
    pub compact_prompt: Option<String>,
    pub project_doc_max_bytes: usize,
    pub project_doc_fallback_filenames: Vec<String>,

    pub mcp_servers: BTreeMap<String, McpServerConfig>,
    pub mcp_oauth_credentials_store: McpOAuthCredentialsStore,
    pub mcp_oauth_callback_port: Option<u16>,
    pub mcp_oauth_callback_url: Option<String>,
    pub otel: OtelToml,
    pub memories: crate::schema::MemoriesToml,
    pub agents: crate::schema::AgentsToml,
    pub skills: crate::schema::SkillsToml,
    pub features: BTreeMap<String, bool>,
    pub tui: TuiToml,
    pub file_opener: Option<FileOpener>,
    pub hide_agent_reasoning: bool,
    pub show_raw_agent_reasoning: bool,
    pub disable_response_storage: bool,

    /// Warnings found while loading (unknown keys, ignored values).
    /// Where the trust decision for the working directory is recorded
    /// (its Git repository's root, else the directory).
    pub project_root: PathBuf,
    /// What `config.toml` says about that project.
    pub project_trust: ProjectTrust,
    /// `--dangerously-bypass-hook-trust` was given (never from a file).
    pub bypass_hook_trust: bool,
    pub warnings: Vec<ConfigWarning>,
    /// Every value with its origin, for `codex debug config`.
    pub layers: LayeredConfig,
}

impl Config {
    /// Is the named `[features]` flag on (as set, else its default)?
    pub fn feature_enabled(&self, name: &str) -> bool {
        self.features
            .get(name)
            .copied()
            .or_else(|| crate::features::find(name).map(|f| f.default_enabled))
            .unwrap_or(false)
    }
}

/// The reference's `chatgpt_base_url`.
pub const DEFAULT_CHATGPT_BASE_URL: &str = "https://chatgpt.com/backend-api/";

/// Loads `config.toml` from `codex_home` and applies `cli` on top.
pub fn load_config(codex_home: &Path, cli: &CliOverrides) -> Result<Config, ConfigError> {
    let config_file = codex_home.join("config.toml");
    let file_text = match std::fs::read_to_string(&config_file) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(ConfigError::Read {
                path: config_file,
                source,
            });
        }
    };
    let cwd = resolve_cwd(cli.cwd.as_deref())?;
    load_config_from_text(codex_home, &config_file, file_text.as_deref(), cwd, cli)
}

/// Like [`load_config`], with the file's text (or its absence) given.
pub(crate) fn load_config_from_text(
    codex_home: &Path,
    config_file: &Path,
    file_text: Option<&str>,
    cwd: PathBuf,
    cli: &CliOverrides,
) -> Result<Config, ConfigError> {
    let mut warnings = Vec::new();
    for (flag, name) in cli
        .enable_features
        .iter()
        .map(|n| ("--enable", n))
        .chain(cli.disable_features.iter().map(|n| ("--disable", n)))
    {
        if crate::features::find(name).is_none() {
            return Err(ConfigError::InvalidValue {
                location: format!("flag {flag} {name}"),
                key: format!("features.{name}"),
                message: "no such feature; `codex features list` shows the known ones".to_string(),
            });
        }
    }

    let defaults = defaults_layer(cli);
    let mut file = match file_text {
        Some(text) => Some(Layer::from_file_text(config_file, text)?),
        None => None,
    };
    let mut overrides = Vec::new();
    for raw in &cli.raw_overrides {
        let (path, value) = parse_override(raw)?;
        overrides.push(Layer::from_table(
            LayerSource::Override { raw: raw.clone() },
            override_table(&path, value),
        ));
    }

    // Which profile? The flag, else the last `profile` set by -c or the file.
    let mut probe = LayeredConfig::new();
    probe.push(&defaults);
    if let Some(file) = &file {
        probe.push(file);
    }
    for layer in &overrides {
        probe.push(layer);
    }
    let profile_name = match &cli.profile {
        Some(name) => Some((name.clone(), "flag --profile".to_string())),
        None => match probe.get(&["profile"]) {
            Some(Value::String(name)) => {
                let location = probe
                    .origin_of(&["profile".to_string()])
                    .map(ToString::to_string)
                    .unwrap_or_default();
                Some((name.clone(), location))
            }
            Some(other) => {
                return Err(ConfigError::InvalidValue {
                    location: probe
                        .origin_of(&["profile".to_string()])
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    key: "profile".to_string(),
                    message: format!("expected a profile name (a string), found {other}"),
                });
            }
            None => None,
        },
    };
    let mut profile = match &profile_name {
        None => None,
        Some((name, location)) => Some(find_profile(
            codex_home,
            file.as_ref(),
            name,
            location,
            &mut warnings,
        )?),
    };

    // Built-in providers cannot be redefined; drop such entries with a warning.
    for layer in file
        .iter_mut()
        .chain(profile.iter_mut())
        .chain(overrides.iter_mut())
    {
        for id in built_in_model_providers().keys() {
            let path = ["model_providers".to_string(), id.clone()];
            let location = layer_location(layer, &path);
            if layer.remove(&["model_providers", id]).is_some() {
                warnings.push(ConfigWarning {
                    location,
                    message: format!(
                        "[model_providers.{id}] redefines a built-in provider and is ignored; {}",
                        if id == OPENAI_PROVIDER_ID {
                            "use `openai_base_url` to point it elsewhere, or define a provider with another id"
                        } else {
                            "define a provider with another id instead"
                        }
                    ),
                });
            }
        }
    }

    let mut layered = LayeredConfig::new();
    layered.push(&defaults);
    if let Some(file) = &file {
        layered.push(file);
    }
    if let Some(profile) = &profile {
        layered.push(profile);
    }
    for layer in &overrides {
        layered.push(layer);
    }
    // A trusted project works in workspace-write unless a sandbox mode is
    // set explicitly (below the flags, so `-s` still wins).
    let (project_trust, bad_trust_key) = crate::project::lookup(layered.get(&["projects"]), &cwd);
    if let Some(key) = bad_trust_key {
        warnings.push(ConfigWarning {
            location: layered
                .origin_of(&["projects".to_string(), key.clone(), "trust_level".to_string()])
                .map(ToString::to_string)
                .unwrap_or_default(),
            message: format!(
                "projects.\"{key}\".trust_level must be \"trusted\" or \"untrusted\"; treating the project as untrusted"
            ),
        });
    }
    let sandbox_is_default = layered
        .exact_origin(&["sandbox_mode".to_string()])
        .is_none_or(|o| o.source == LayerSource::Default);
    let trusted_layer = (project_trust == ProjectTrust::Trusted && sandbox_is_default).then(|| {
        let mut table = Table::new();
        table.insert(
            "sandbox_mode".into(),
            Value::String("workspace-write".into()),
        );
        Layer::from_table(
            LayerSource::TrustedProject {
                path: crate::project::project_root(&cwd),
            },
            table,
        )
    });
    if let Some(layer) = &trusted_layer {
        layered.push(layer);
    }
    let flags = flags_layer(
        cli,
        &layered,
        profile_name.as_ref().map(|(n, _)| n.as_str()),
    );
    for layer in &flags {
        layered.push(layer);
    }

    let (toml, unknown) = deserialize_config(&layered)?;
    for (path, location) in unknown {
        // A profile's keys are merged into the root too; report them once,
        // under `profiles.NAME.`.
        if !path.starts_with("profiles.") && location.starts_with("profile ") {
            continue;
        }
        if written_by_reference(&path) {
            continue;
        }
        let message = describe_unknown_key(&path);
        warnings.push(ConfigWarning { location, message });
    }
    for name in toml.features.iter().flat_map(|f| f.keys()) {
        if crate::features::find(name).is_none()
            && !crate::features::REMOVED.contains(&name.as_str())
        {
            let path = ["features".to_string(), name.clone()];
            warnings.push(ConfigWarning {
                location: layered
                    .origin_of(&path)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                message: format!(
                    "unknown key `features.{name}` (ignored): not a feature this version knows; `codex features list` shows them"
                ),
            });
        }
    }
    if cli.strict_config {
        let keys: Vec<String> = warnings
            .iter()
            .filter(|w| w.message.contains("unknown key"))
            .map(ToString::to_string)
            .collect();
        if !keys.is_empty() {
            return Err(ConfigError::UnknownKeys { keys });
        }
    }

    resolve(
        codex_home,
        config_file,
        cwd,
        toml,
        layered,
        ActiveProfile {
            name: profile_name.map(|(n, _)| n),
            file: profile.as_ref().and_then(|layer| match &layer.source {
                LayerSource::Profile { path, .. } | LayerSource::ProfileFile { path, .. } => {
                    Some(path.clone())
                }
                _ => None,
            }),
        },
        warnings,
    )
    .map(|mut config| {
        config.cwd_from_caller = cli.cwd.is_some();
        config.bypass_hook_trust = cli.bypass_hook_trust;
        config
    })
}

/// The profile `name`: `$CODEX_HOME/NAME.config.toml` (the reference's
/// form) or `[profiles.NAME]` of `config.toml` (the older form, which the
/// reference now refuses). With both, the file wins and a warning says so.
fn find_profile(
    codex_home: &Path,
    file: Option<&Layer>,
    name: &str,
    location: &str,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Layer, ConfigError> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(ConfigError::InvalidValue {
            location: location.to_string(),
            key: "profile".to_string(),
            message: format!("`{name}` is not a profile name (a plain name such as `fast`)"),
        });
    }
    let table = file.and_then(|f| f.profile(name));
    let path = codex_home.join(format!("{name}.config.toml"));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    match (text, table) {
        (Some(text), table) => {
            if let Some(table) = table {
                warnings.push(ConfigWarning {
                    location: layer_location(&table, &[]),
                    message: format!(
                        "[profiles.{name}] is ignored: the profile file {} is used instead",
                        path.display()
                    ),
                });
            }
            Ok(Layer::from_file_text(&path, &text)?.into_profile_file(name))
        }
        (None, Some(table)) => Ok(table),
        (None, None) => {
            let mut names: Vec<String> = file
                .and_then(|f| f.table.get("profiles"))
                .and_then(Value::as_table)
                .map(|t| t.keys().cloned().collect())
                .unwrap_or_default();
            names.extend(profile_files(codex_home));
            names.sort();
            names.dedup();
            let available = if names.is_empty() {
                "(none defined)".to_string()
            } else {
                names.join(", ")
            };
            Err(ConfigError::UnknownProfile {
                location: location.to_string(),
                name: name.to_string(),
                available,
            })
        }
    }
}

/// The names of the `NAME.config.toml` profile files in `codex_home`.
fn profile_files(codex_home: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(codex_home) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".config.toml")?;
            (!stem.is_empty()).then(|| stem.to_string())
        })
        .collect()
}

fn layer_location(layer: &Layer, path: &[String]) -> String {
    crate::layers::Origin {
        source: layer.source.clone(),
        position: layer.position_of(path),
    }
    .to_string()
}

fn resolve_cwd(cd: Option<&Path>) -> Result<PathBuf, ConfigError> {
    let current = std::env::current_dir().map_err(|err| ConfigError::BadPath {
        what: "current directory",
        path: PathBuf::from("."),
        reason: err.to_string(),
    })?;
    let Some(cd) = cd else {
        return Ok(current);
    };
    let joined = current.join(cd);
    match std::fs::metadata(&joined) {
        Ok(meta) if meta.is_dir() => {
            std::fs::canonicalize(&joined).map_err(|err| ConfigError::BadPath {
                what: "-C/--cd",
                path: cd.to_path_buf(),
                reason: err.to_string(),
            })
        }
        Ok(_) => Err(ConfigError::BadPath {
            what: "-C/--cd",
            path: cd.to_path_buf(),
            reason: "not a directory".to_string(),
        }),
        Err(err) => Err(ConfigError::BadPath {
            what: "-C/--cd",
            path: cd.to_path_buf(),
            reason: err.to_string(),
        }),
    }
}

fn defaults_layer(cli: &CliOverrides) -> Layer {
    let mut t = Table::new();
    let s = |v: &str| Value::String(v.to_string());
    t.insert("model".into(), s(DEFAULT_MODEL));
    t.insert("review_model".into(), s(DEFAULT_MODEL));
    t.insert("model_provider".into(), s(OPENAI_PROVIDER_ID));
    t.insert(
        "approval_policy".into(),
        s(&cli.default_approval_policy.unwrap_or_default().to_string()),
    );
    t.insert("sandbox_mode".into(), s("read-only"));
    t.insert("model_reasoning_summary".into(), s("auto"));
    t.insert(
        "project_doc_max_bytes".into(),
        Value::Integer(DEFAULT_PROJECT_DOC_MAX_BYTES as i64),
    );
    t.insert(
        "project_doc_fallback_filenames".into(),
        Value::Array(vec![]),
    );
    t.insert("hide_agent_reasoning".into(), Value::Boolean(false));
    t.insert("show_raw_agent_reasoning".into(), Value::Boolean(false));
    t.insert("disable_response_storage".into(), Value::Boolean(false));

    let mut history = Table::new();
    history.insert("persistence".into(), s("save-all"));
    t.insert("history".into(), Value::Table(history));

    let mut sww = Table::new();
    sww.insert("writable_roots".into(), Value::Array(vec![]));
    sww.insert("network_access".into(), Value::Boolean(false));
    sww.insert("exclude_tmpdir_env_var".into(), Value::Boolean(false));
    sww.insert("exclude_slash_tmp".into(), Value::Boolean(false));
    t.insert("sandbox_workspace_write".into(), Value::Table(sww));

    let mut env = Table::new();
    env.insert("inherit".into(), s("all"));
    env.insert("ignore_default_excludes".into(), Value::Boolean(false));
    env.insert("exclude".into(), Value::Array(vec![]));
    env.insert("include_only".into(), Value::Array(vec![]));
    env.insert("set".into(), Value::Table(Table::new()));
    t.insert("shell_environment_policy".into(), Value::Table(env));

    let mut otel = Table::new();
    otel.insert("environment".into(), s("dev"));
    otel.insert("exporter".into(), s("none"));
    otel.insert("log_user_prompt".into(), Value::Boolean(false));
    t.insert("otel".into(), Value::Table(otel));

    let mut providers = Table::new();
    for (id, info) in built_in_model_providers() {
        if let Ok(Value::Table(table)) = Value::try_from(&info) {
            providers.insert(id, Value::Table(strip_empty(table)));
        }
    }
    t.insert("model_providers".into(), Value::Table(providers));

    Layer::from_table(LayerSource::Default, t)
}

/// Drops `false` and empty values so the defaults print compactly.
fn strip_empty(table: Table) -> Table {
    table
        .into_iter()
        .filter(|(_, v)| !matches!(v, Value::Boolean(false)))
        .filter(|(_, v)| !matches!(v, Value::String(s) if s.is_empty()))
        .collect()
}

/// The dedicated flags, each its own layer so that its origin names it.
fn flags_layer(cli: &CliOverrides, below: &LayeredConfig, profile: Option<&str>) -> Vec<Layer> {
    let mut layers = Vec::new();
    let mut flag = |name: &str, path: &[&str], value: Value| {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        layers.push(Layer::from_table(
            LayerSource::Flag {
                flag: name.to_string(),
            },
            override_table(&path, value),
        ));
    };
    let s = |v: &str| Value::String(v.to_string());

    if let (Some(name), Some(_)) = (profile, &cli.profile) {
        flag("--profile", &["profile"], s(name));
    }
    if cli.oss {
        let provider = match below.get(&["oss_provider"]) {
            Some(Value::String(p)) if p == LMSTUDIO_PROVIDER_ID => LMSTUDIO_PROVIDER_ID,
            _ => OLLAMA_PROVIDER_ID,
        };
        flag("--oss", &["model_provider"], s(provider));
        let model_is_default = below
            .exact_origin(&["model".to_string()])
            .is_none_or(|o| o.source == LayerSource::Default);
        if model_is_default {
            flag("--oss", &["model"], s(DEFAULT_OSS_MODEL));
        }
    }
    if cli.full_auto {
        flag("--full-auto", &["sandbox_mode"], s("workspace-write"));
        flag("--full-auto", &["approval_policy"], s("on-request"));
    }
    if cli.dangerously_bypass_approvals_and_sandbox {
        flag(
            "--dangerously-bypass-approvals-and-sandbox",
            &["sandbox_mode"],
            s("danger-full-access"),
        );
        flag(
            "--dangerously-bypass-approvals-and-sandbox",
            &["approval_policy"],
            s("never"),
        );
    }
    if let Some(mode) = cli.sandbox_mode {
        flag("--sandbox", &["sandbox_mode"], s(&mode.to_string()));
    }
    if let Some(policy) = cli.approval_policy {
        flag(
            "--ask-for-approval",
            &["approval_policy"],
            s(&policy.to_string()),
        );
    }
    if let Some(model) = &cli.model {
        flag("--model", &["model"], s(model));
    }
    for (name, on) in cli
        .enable_features
        .iter()
        .map(|n| (n, true))
        .chain(cli.disable_features.iter().map(|n| (n, false)))
    {
        let which = if on { "--enable" } else { "--disable" };
        flag(
            &format!("{which} {name}"),
            &["features", name],
            Value::Boolean(on),
        );
    }
    if !cli.additional_writable_roots.is_empty() {
        let mut roots = match below.get(&["sandbox_workspace_write", "writable_roots"]) {
            Some(Value::Array(existing)) => existing.clone(),
            _ => Vec::new(),
        };
        for root in &cli.additional_writable_roots {
            roots.push(s(&root.display().to_string()));
        }
        flag(
            "--add-dir",
            &["sandbox_workspace_write", "writable_roots"],
            Value::Array(roots),
        );
    }
    layers
}

/// Deserializes the merged table. Returns the typed config and the unknown
/// keys (dotted path, location).
fn deserialize_config(
    layered: &LayeredConfig,
) -> Result<(ConfigToml, Vec<(String, String)>), ConfigError> {
    let mut unknown = Vec::new();
    let value = Value::Table(layered.merged().clone());
    let result: Result<ConfigToml, _> = {
        let mut record = |path: serde_ignored::Path<'_>| unknown.push(ignored_segments(&path));
        let ignored = serde_ignored::Deserializer::new(value, &mut record);
        serde_path_to_error::deserialize(ignored)
    };
    let toml = result.map_err(|err| {
        let segments = path_segments(err.path());
        let location = layered
            .origin_of(&segments)
            .map(ToString::to_string)
            .unwrap_or_else(|| "config".to_string());
        ConfigError::InvalidValue {
            location,
            key: segments.join("."),
            message: friendly_message(err.inner().message()),
        }
    })?;
    let unknown = unknown
        .into_iter()
        .map(|segments| {
            let location = layered
                .origin_of(&segments)
                .map(ToString::to_string)
                .unwrap_or_default();
            (segments.join("."), location)
        })
        .collect();
    Ok((toml, unknown))
}

/// The key path of an ignored value, without serde_ignored's `?` markers for
/// `Option`s and newtypes.
fn ignored_segments(path: &serde_ignored::Path<'_>) -> Vec<String> {
    use serde_ignored::Path;
    match path {
        Path::Root => Vec::new(),
        Path::Seq { parent, index } => {
            let mut segments = ignored_segments(parent);
            segments.push(index.to_string());
            segments
        }
        Path::Map { parent, key } => {
            let mut segments = ignored_segments(parent);
            segments.push(key.clone());
            segments
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_segments(parent),
    }
}

fn path_segments(path: &serde_path_to_error::Path) -> Vec<String> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect()
}

/// Rewrites serde's type names into words a person reading a config file knows.
fn friendly_message(message: &str) -> String {
    let mut out = message.trim().to_string();
    for (from, to) in [
        ("expected i64", "expected an integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected usize", "expected a non-negative integer"),
        ("expected u32", "expected a non-negative integer"),
        ("expected f64", "expected a number"),
        ("expected a borrowed string", "expected a string"),
    ] {
        out = out.replace(from, to);
    }
    out
}

/// Is `path` (dotted) a key the reference writes by itself? See
/// [`crate::schema::WRITTEN_BY_REFERENCE`].
fn written_by_reference(path: &str) -> bool {
    let segments: Vec<&str> = path.split('.').collect();
    crate::schema::WRITTEN_BY_REFERENCE.iter().any(|pattern| {
        segments.len() >= pattern.len()
            && pattern
                .iter()
                .zip(&segments)
                .all(|(want, got)| *want == "*" || want == got)
    })
}

fn describe_unknown_key(path: &str) -> String {
    let segments: Vec<&str> = path.split('.').collect();
    let reference_key = match segments.as_slice() {
        [key, ..] if REFERENCE_ONLY_KEYS.contains(key) => Some(*key),
        ["profiles", _, key, ..] if REFERENCE_ONLY_KEYS.contains(key) => Some(*key),
        _ => None,
    };
    if let Some(key) = reference_key {
        return format!(
            "`{path}` is a setting of the reference Codex CLI that this version does not use yet (ignored); `{key}` has no effect"
        );
    }
    format!("unknown key `{path}` (ignored); check its spelling")
}

/// `web_search`, else the older `[tools] web_search` and feature flags
/// (which meant live search).
fn web_search_mode(toml: &ConfigToml) -> WebSearchMode {
    if let Some(mode) = toml.web_search {
        return mode;
    }
    let feature = |name: &str| {
        toml.features
            .as_ref()
            .and_then(|f| f.get(name).copied())
            .unwrap_or(false)
    };
    if feature("web_search_cached") {
        WebSearchMode::Cached
    } else if feature("web_search_request")
        || toml.tools.as_ref().and_then(|t| t.web_search) == Some(true)
    {
        WebSearchMode::Live
    } else {
        WebSearchMode::Disabled
    }
}

/// Twice the cores: commands mostly wait on I/O, but 200 at once on two
/// cores mostly wait on each other.
fn default_concurrent_commands() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get() * 2)
}

/// The profile `-p` (or `profile =`) chose, and the file it came from.
struct ActiveProfile {
    name: Option<String>,
    file: Option<PathBuf>,
}

fn resolve(
    codex_home: &Path,
    config_file: &Path,
    cwd: PathBuf,
    toml: ConfigToml,
    layered: LayeredConfig,
    profile: ActiveProfile,
    mut warnings: Vec<ConfigWarning>,
) -> Result<Config, ConfigError> {
    let location = |key: &str| {
        let path: Vec<String> = key.split('.').map(str::to_string).collect();
        layered
            .origin_of(&path)
            .map(ToString::to_string)
            .unwrap_or_else(|| "config".to_string())
    };
    // An empty name would reach the API as `"model": ""` and come back as
    // an obscure 400; say which setting is empty instead.
    for (key, value, example) in [
        ("model", toml.model.as_deref(), "-m gpt-5.5"),
        (
            "review_model",
            toml.review_model.as_deref(),
            "review_model = \"gpt-5.5\"",
        ),
        (
            "model_provider",
            toml.model_provider.as_deref(),
            "model_provider = \"openai\"",
        ),
        ("profile", toml.profile.as_deref(), "-p NAME"),
    ] {
        if value.is_some_and(|v| v.trim().is_empty()) {
            return Err(ConfigError::InvalidValue {
                location: location(key),
                key: key.to_string(),
                message: format!("must not be empty; set it (e.g. {example}) or leave it out"),
            });
        }
    }

    let mut providers = built_in_model_providers();
    if let Some(url) = &toml.openai_base_url
        && let Some(openai) = providers.get_mut(OPENAI_PROVIDER_ID)
    {
        openai.base_url = Some(url.clone());
    }
    for (id, mut info) in toml.model_providers.clone() {
        if providers.contains_key(&id) {
            // Only the defaults layer reaches here for built-in ids.
            continue;
        }
        if info.name.is_empty() {
            info.name = id.clone();
        }
        providers.insert(id, info);
    }
    let provider_id = toml
        .model_provider
        .clone()
        .unwrap_or_else(|| OPENAI_PROVIDER_ID.to_string());
    let provider =
        providers
            .get(&provider_id)
            .cloned()
            .ok_or_else(|| ConfigError::UnknownProvider {
                location: location("model_provider"),
                id: provider_id.clone(),
                available: providers.keys().cloned().collect::<Vec<_>>().join(", "),
            })?;

    let sandbox_mode = toml.sandbox_mode.unwrap_or_default();
    let sww = toml.sandbox_workspace_write.clone().unwrap_or_default();
    let sandbox_policy = match sandbox_mode {
        SandboxMode::ReadOnly => SandboxPolicy::ReadOnly,
        SandboxMode::DangerFullAccess => SandboxPolicy::DangerFullAccess,
        SandboxMode::WorkspaceWrite => SandboxPolicy::WorkspaceWrite {
            writable_roots: sww
                .writable_roots
                .iter()
                .map(|root| cwd.join(root))
                .collect(),
            network_access: sww.network_access,
            exclude_tmpdir_env_var: sww.exclude_tmpdir_env_var,
            exclude_slash_tmp: sww.exclude_slash_tmp,
        },
    };

    let (sandbox_policy, permission_profile, denied_paths, network_domains) =
        apply_permission_profile(&toml, &layered, &cwd, sandbox_policy, &mut warnings)?;

    let env = toml.shell_environment_policy.clone().unwrap_or_default();
    let shell_environment_policy = ShellEnvironmentPolicy {
        inherit: env.inherit.unwrap_or_default(),
        ignore_default_excludes: env.ignore_default_excludes.unwrap_or(false),
        exclude: env.exclude.unwrap_or_default(),
        set: env.set.unwrap_or_default(),
        include_only: env.include_only.unwrap_or_default(),
    };

    let history_toml = toml.history.clone().unwrap_or_default();
    let history = History {
        persistence: match history_toml.persistence.unwrap_or_default() {
            HistoryPersistenceToml::SaveAll => HistoryPersistence::SaveAll,
            HistoryPersistenceToml::None => HistoryPersistence::None,
        },
        max_bytes: history_toml.max_bytes.filter(|b| *b > 0),
    };

    let rewind_keep_days = toml
        .rewind
        .as_ref()
        .and_then(|r| r.keep_days)
        .unwrap_or(DEFAULT_REWIND_KEEP_DAYS);

    let base_instructions = match &toml.model_instructions_file {
        None => None,
        Some(path) => {
            let full = if path.is_absolute() {
                path.clone()
            } else {
                codex_home.join(path)
            };
            let text = std::fs::read_to_string(&full).map_err(|err| ConfigError::InvalidValue {
                location: location("model_instructions_file"),
                key: "model_instructions_file".to_string(),
                message: format!("cannot read {}: {err}", full.display()),
            })?;
            Some(text)
        }
    };

    let compact_prompt = match (&toml.compact_prompt, &toml.experimental_compact_prompt_file) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(path)) => {
            let full = if path.is_absolute() {
                path.clone()
            } else {
                codex_home.join(path)
            };
            Some(
                std::fs::read_to_string(&full).map_err(|err| ConfigError::InvalidValue {
                    location: location("experimental_compact_prompt_file"),
                    key: "experimental_compact_prompt_file".to_string(),
                    message: format!("cannot read {}: {err}", full.display()),
                })?,
            )
        }
        (None, None) => None,
    };

    if let Some(notify) = &toml.notify
        && notify.is_empty()
    {
        return Err(ConfigError::InvalidValue {
            location: location("notify"),
            key: "notify".to_string(),
            message: "expected a program and its arguments, e.g. [\"notify-send\", \"Codex\"]"
                .to_string(),
        });
    }

    let model = toml
        .model
        .clone()
        .unwrap_or_else(|| DEFAULT_MODEL.to_string());
    let tools = toml.tools.clone().unwrap_or_default();
    let project_root = crate::project::project_root(&cwd);
    let (project_trust, _) = crate::project::lookup(layered.get(&["projects"]), &cwd);
    Ok(Config {
        codex_home: codex_home.to_path_buf(),
        config_file: config_file.to_path_buf(),
        cwd,
        cwd_from_caller: false,
        active_profile: profile.name,
        active_profile_file: profile.file,
        review_model: toml.review_model.clone().unwrap_or_else(|| model.clone()),
        model,
        model_provider_id: provider_id,
        model_provider: provider,
        model_providers: providers,
        model_context_window: toml.model_context_window,
        model_max_output_tokens: toml.model_max_output_tokens,
        model_auto_compact_token_limit: toml.model_auto_compact_token_limit,
        model_reasoning_effort: toml.model_reasoning_effort,
        model_reasoning_summary: toml.model_reasoning_summary.unwrap_or_default(),
        model_verbosity: toml.model_verbosity,
        model_supports_reasoning_summaries: toml.model_supports_reasoning_summaries,
        approval_policy: toml.approval_policy.unwrap_or_default(),
        sandbox_policy,
        permission_profile,
        denied_paths,
        network_domains,
        shell_environment_policy,
        max_concurrent_commands: match toml.max_concurrent_commands {
            Some(0) => {
                return Err(ConfigError::InvalidValue {
                    location: location("max_concurrent_commands"),
                    key: "max_concurrent_commands".to_string(),
                    message: "expected at least 1".to_string(),
                });
            }
            Some(n) => n,
            None => default_concurrent_commands(),
        },
        background_terminal_timeout: std::time::Duration::from_millis(
            toml.background_terminal_max_timeout.unwrap_or(300_000),
        ),
        allow_login_shell: toml.allow_login_shell.unwrap_or(true),
        web_search: web_search_mode(&toml),
        view_image: tools.view_image.unwrap_or(true),
        file_tools: tools.file_tools.unwrap_or(false),
        model_catalog_json: toml.model_catalog_json.as_ref().map(|p| {
            if p.is_absolute() {
                p.clone()
            } else {
                codex_home.join(p)
            }
        }),
        history,
        rewind_keep_days,
        notify: toml.notify.clone(),
        openai_base_url: toml.openai_base_url.clone(),
        chatgpt_base_url: toml
            .chatgpt_base_url
            .clone()
            .unwrap_or_else(|| DEFAULT_CHATGPT_BASE_URL.to_string()),
        forced_login_method: toml.forced_login_method,
        preferred_auth_method: toml.preferred_auth_method.unwrap_or_default(),
        forced_chatgpt_workspace_id: toml.forced_chatgpt_workspace_id.clone(),
        base_instructions,
        user_instructions: toml.instructions.clone(),
        developer_instructions: toml.developer_instructions.clone(),
        compact_prompt,
        project_doc_max_bytes: toml
            .project_doc_max_bytes
            .unwrap_or(DEFAULT_PROJECT_DOC_MAX_BYTES),
        project_doc_fallback_filenames: toml
            .project_doc_fallback_filenames
            .clone()
            .unwrap_or_default(),
        mcp_servers: toml.mcp_servers.clone(),
        mcp_oauth_credentials_store: toml.mcp_oauth_credentials_store.unwrap_or_default(),
        mcp_oauth_callback_port: toml.mcp_oauth_callback_port,
        mcp_oauth_callback_url: toml.mcp_oauth_callback_url.clone(),
        otel: toml.otel.clone().unwrap_or_default(),
        memories: toml.memories.clone().unwrap_or_default(),
        agents: toml.agents.clone().unwrap_or_default(),
        skills: toml.skills.clone().unwrap_or_default(),
        features: toml.features.clone().unwrap_or_default(),
        tui: toml.tui.clone().unwrap_or_default(),
        file_opener: toml.file_opener,
        hide_agent_reasoning: toml.hide_agent_reasoning.unwrap_or(false),
        show_raw_agent_reasoning: toml.show_raw_agent_reasoning.unwrap_or(false),
        disable_response_storage: toml.disable_response_storage.unwrap_or(false),
        project_root,
        project_trust,
        bypass_hook_trust: false,
        warnings,
        layers: layered,
    })
}

/// `default_permissions` over `sandbox_mode`: the profile's policy and
/// denied paths, with one warning when both are set (the reference calls
/// the combination unsupported; its 0.169 binary accepts it).
/// The policy, the profile's name, its denied paths and its domain rules.
type ProfileOutcome = (
    SandboxPolicy,
    Option<String>,
    Vec<PathBuf>,
    Option<crate::permissions::NetworkDomains>,
);

fn apply_permission_profile(
    toml: &ConfigToml,
    layered: &LayeredConfig,
    cwd: &Path,
    sandbox_policy: SandboxPolicy,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<ProfileOutcome, ConfigError> {
    let location = |key: &str| {
        layered
            .origin_of(&[key.to_string()])
            .map(ToString::to_string)
            .unwrap_or_else(|| "config".to_string())
    };
    let Some(name) = toml.default_permissions.as_deref() else {
        if toml.permissions.as_ref().is_some_and(|p| !p.is_empty()) {
            return Err(ConfigError::InvalidValue {
                location: location("permissions"),
                key: "permissions".into(),
                message: "profiles are defined but `default_permissions` names none; add default_permissions = \"NAME\"".into(),
            });
        }
        return Ok((sandbox_policy, None, Vec::new(), None));
    };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let resolved =
        crate::permissions::resolve(name, toml.permissions.as_ref(), cwd, home.as_deref())
            .map_err(|message| ConfigError::InvalidValue {
                location: location("default_permissions"),
                key: "default_permissions".into(),
                message,
            })?;
    let mode_set_by_person = layered
        .exact_origin(&["sandbox_mode".to_string()])
        .is_some_and(|o| {
            !matches!(
                o.source,
                LayerSource::Default | LayerSource::TrustedProject { .. }
            )
        });
    if mode_set_by_person {
        warnings.push(ConfigWarning {
            location: location("sandbox_mode"),
            message: format!(
                "both `default_permissions` (\"{name}\") and `sandbox_mode` are set; the permission profile wins"
            ),
        });
    }
    for message in resolved.warnings {
        warnings.push(ConfigWarning {
            location: location("default_permissions"),
            message,
        });
    }
    Ok((
        resolved.policy,
        Some(resolved.profile),
        resolved.denied_paths,
        resolved.network_domains,
    ))
}
