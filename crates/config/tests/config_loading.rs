//! Loading real config files: precedence, origins, and every error path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use codex_config::mcp::McpServerTransportConfig;
use codex_config::{
    CliOverrides, Config, ConfigError, HistoryPersistence, WireApi, load_config,
    render_effective_config,
};
use codex_protocol::config_types::{
    ReasoningEffort, ReasoningSummary, SandboxMode, ShellEnvironmentPolicyInherit,
};
use codex_protocol::protocol::{AskForApproval, SandboxPolicy};
use pretty_assertions::assert_eq;
use tempfile::TempDir;

struct Home {
    home: TempDir,
    cwd: TempDir,
}

impl Home {
    fn new(config: Option<&str>) -> Self {
        let home = TempDir::new().unwrap();
        if let Some(text) = config {
            std::fs::write(home.path().join("config.toml"), text).unwrap();
        }
        Self {
            home,
            cwd: TempDir::new().unwrap(),
        }
    }

    fn fixture(name: &str) -> Self {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        Self::new(Some(&std::fs::read_to_string(path).unwrap()))
    }

    fn cli(&self) -> CliOverrides {
        CliOverrides {
            cwd: Some(self.cwd.path().to_path_buf()),
            ..Default::default()
        }
    }

    fn load(&self, cli: CliOverrides) -> Result<Config, ConfigError> {
        load_config(self.home.path(), &cli)
    }

    fn config_path(&self) -> PathBuf {
        self.home.path().join("config.toml")
    }
}

fn origin(config: &Config, key: &str) -> String {
    let path: Vec<String> = key.split('.').map(str::to_string).collect();
    config.layers.origin_of(&path).unwrap().to_string()
}

#[test]
fn defaults_without_a_file() {
    let home = Home::new(None);
    let config = home.load(home.cli()).unwrap();
    assert_eq!(config.model, "gpt-5.5");
    assert_eq!(config.model_provider_id, "openai");
    assert_eq!(
        config.model_provider.env_key.as_deref(),
        Some("OPENAI_API_KEY")
    );
    assert_eq!(config.approval_policy, AskForApproval::OnRequest);
    assert_eq!(config.sandbox_policy, SandboxPolicy::ReadOnly);
    assert_eq!(config.project_doc_max_bytes, 32 * 1024);
    assert_eq!(config.history.persistence, HistoryPersistence::SaveAll);
    assert_eq!(config.model_reasoning_summary, ReasoningSummary::Auto);
    assert_eq!(
        config.shell_environment_policy.inherit,
        ShellEnvironmentPolicyInherit::All
    );
    assert_eq!(config.cwd, home.cwd.path().canonicalize().unwrap());
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    assert_eq!(origin(&config, "model"), "default");
}

#[test]
fn precedence_flag_over_override_over_profile_over_file_over_default() {
    let text = "model = \"file\"\nreview_model = \"file\"\nmodel_context_window = 1\n\
                profile = \"p\"\n[profiles.p]\nmodel = \"profile\"\nreview_model = \"profile\"\n\
                model_context_window = 2\n";
    let home = Home::new(Some(text));

    let config = home.load(home.cli()).unwrap();
    assert_eq!(config.model, "profile");
    assert_eq!(config.model_context_window, Some(2));
    assert_eq!(config.active_profile.as_deref(), Some("p"));
    let loc = origin(&config, "model");
    assert!(
        loc.starts_with("profile p (") && loc.ends_with("config.toml:6:9)"),
        "{loc}"
    );

    let mut cli = home.cli();
    cli.raw_overrides = vec!["model=\"override\"".into(), "model_context_window=3".into()];
    let config = home.load(cli.clone()).unwrap();
    assert_eq!(config.model, "override");
    assert_eq!(config.review_model, "profile");
    assert_eq!(config.model_context_window, Some(3));
    assert_eq!(origin(&config, "model"), "-c model=\"override\"");

    cli.model = Some("flag".into());
    let config = home.load(cli).unwrap();
    assert_eq!(config.model, "flag");
    assert_eq!(origin(&config, "model"), "flag --model");
    assert_eq!(config.model_context_window, Some(3));

    // Without a profile the file value wins over the default.
    let home = Home::new(Some("model = \"file\"\n"));
    let config = home.load(home.cli()).unwrap();
    assert_eq!(config.model, "file");
    assert!(origin(&config, "model").ends_with("config.toml:1:9"));
}

#[test]
fn profile_selection_flag_beats_override_beats_file() {
    let text = "profile = \"a\"\n[profiles.a]\nmodel = \"A\"\n[profiles.b]\nmodel = \"B\"\n\
                [profiles.c]\nmodel = \"C\"\n";
    let home = Home::new(Some(text));
    assert_eq!(home.load(home.cli()).unwrap().model, "A");
    let mut cli = home.cli();
    cli.raw_overrides = vec!["profile=b".into()];
    assert_eq!(home.load(cli.clone()).unwrap().model, "B");
    cli.profile = Some("c".into());
    let config = home.load(cli).unwrap();
    assert_eq!(config.model, "C");
    assert_eq!(origin(&config, "profile"), "flag --profile");
}

#[test]
fn unknown_profile_is_an_error_that_lists_the_defined_ones() {
    let home = Home::new(Some("[profiles.fast]\nmodel = \"x\"\n"));
    let mut cli = home.cli();
    cli.profile = Some("slow".into());
    let err = home.load(cli).unwrap_err().to_string();
    assert!(err.contains("unknown profile `slow`"), "{err}");
    assert!(err.contains("fast"), "{err}");
    assert!(err.starts_with("flag --profile"), "{err}");

    let home = Home::new(Some("profile = \"nope\"\n"));
    let err = home.load(home.cli()).unwrap_err().to_string();
    assert!(err.contains("config.toml:1:11"), "{err}");
    assert!(err.contains("(none defined)"), "{err}");
}

#[test]
fn type_errors_name_file_line_column_and_key() {
    let home = Home::new(Some("model = \"x\"\n\nmodel_context_window = \"lots\"\n"));
    let err = home.load(home.cli()).unwrap_err();
    let text = err.to_string();
    let expected_prefix = format!("{}:3:24:", home.config_path().display());
    assert!(text.starts_with(&expected_prefix), "{text}");
    assert!(text.contains("`model_context_window`"), "{text}");
    assert!(text.contains("expected an integer"), "{text}");

    // Nested keys.
    let home = Home::new(Some("[history]\nmax_bytes = true\n"));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(text.contains("config.toml:2:13"), "{text}");
    assert!(text.contains("`history.max_bytes`"), "{text}");

    // Enum values.
    let home = Home::new(Some("approval_policy = \"sometimes\"\n"));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(text.contains("config.toml:1:19"), "{text}");
    assert!(text.contains("`approval_policy`"), "{text}");
    assert!(text.contains("on-request"), "lists the variants: {text}");

    // Inside an array.
    let home = Home::new(Some("notify = [\"a\", 3]\n"));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(text.contains("config.toml:1:16"), "{text}");
    assert!(text.contains("`notify.1`"), "{text}");
}

#[test]
fn type_errors_in_profiles_and_overrides() {
    let home = Home::new(Some(
        "[profiles.p]\nmodel_auto_compact_token_limit = \"x\"\n",
    ));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(text.contains("config.toml:2:34"), "{text}");
    assert!(
        text.contains("`profiles.p.model_auto_compact_token_limit`"),
        "{text}"
    );

    let home = Home::new(None);
    let mut cli = home.cli();
    cli.raw_overrides = vec!["history.max_bytes=lots".into()];
    let text = home.load(cli).unwrap_err().to_string();
    assert!(text.starts_with("-c history.max_bytes=lots:"), "{text}");
    assert!(text.contains("`history.max_bytes`"), "{text}");

    let mut cli = home.cli();
    cli.raw_overrides = vec!["no_equals_sign".into()];
    let text = home.load(cli).unwrap_err().to_string();
    assert!(
        text.contains("invalid -c override `no_equals_sign`"),
        "{text}"
    );
}

#[test]
fn syntax_errors_name_the_position() {
    let home = Home::new(Some("model = \"x\"\n[history\n"));
    let err = home.load(home.cli()).unwrap_err();
    assert!(matches!(err, ConfigError::Syntax { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}:2:", home.config_path().display())),
        "{text}"
    );
}

#[test]
fn unknown_keys_warn_and_strict_mode_rejects_them() {
    let text = "modle = \"x\"\nsandbox_permissions = [\"disk-full-read-access\"]\n\
                [history]\npersistance = \"none\"\n";
    let home = Home::new(Some(text));
    let config = home.load(home.cli()).unwrap();
    let warnings: Vec<String> = config.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("config.toml:1:9") && w.contains("unknown key `modle`")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("unknown key `history.persistance`")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("`sandbox_permissions`") && w.contains("reference")),
        "{warnings:?}"
    );

    let mut cli = home.cli();
    cli.strict_config = true;
    let err = home.load(cli).unwrap_err();
    let ConfigError::UnknownKeys { keys } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(keys.len(), 2, "reference-only keys are not typos: {keys:?}");
}

#[test]
fn providers() {
    let home = Home::new(Some("model_provider = \"nope\"\n"));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(text.contains("config.toml:1:18"), "{text}");
    assert!(text.contains("`nope` is not defined"), "{text}");
    assert!(text.contains("lmstudio, ollama, openai"), "{text}");

    let home = Home::new(Some(
        "openai_base_url = \"http://127.0.0.1:9/v1\"\n[model_providers.openai]\nbase_url = \"http://evil\"\n",
    ));
    let config = home.load(home.cli()).unwrap();
    assert_eq!(
        config.model_provider.base_url.as_deref(),
        Some("http://127.0.0.1:9/v1")
    );
    assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    assert!(config.warnings[0].to_string().contains("built-in provider"));

    let home = Home::new(Some(
        "model_provider = \"mock\"\n[model_providers.mock]\nbase_url = \"http://127.0.0.1:1/v1\"\nwire_api = \"chat\"\n",
    ));
    let config = home.load(home.cli()).unwrap();
    assert_eq!(config.model_provider.name, "mock");
    assert_eq!(config.model_provider.wire_api, WireApi::Chat);

    let home = Home::new(Some("[model_providers.x]\nwire_api = \"grpc\"\n"));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(text.contains("`model_providers.x.wire_api`"), "{text}");
}

#[test]
fn flags_map_to_settings() {
    let home = Home::new(None);
    let mut cli = home.cli();
    cli.full_auto = true;
    let config = home.load(cli).unwrap();
    assert_eq!(config.approval_policy, AskForApproval::OnRequest);
    assert!(matches!(
        config.sandbox_policy,
        SandboxPolicy::WorkspaceWrite { .. }
    ));
    assert_eq!(origin(&config, "sandbox_mode"), "flag --full-auto");

    let mut cli = home.cli();
    cli.dangerously_bypass_approvals_and_sandbox = true;
    let config = home.load(cli).unwrap();
    assert_eq!(config.approval_policy, AskForApproval::Never);
    assert_eq!(config.sandbox_policy, SandboxPolicy::DangerFullAccess);

    let mut cli = home.cli();
    cli.sandbox_mode = Some(SandboxMode::WorkspaceWrite);
    cli.approval_policy = Some(AskForApproval::UnlessTrusted);
    cli.additional_writable_roots = vec![PathBuf::from("/opt/extra")];
    let config = home.load(cli).unwrap();
    assert_eq!(config.approval_policy, AskForApproval::UnlessTrusted);
    let SandboxPolicy::WorkspaceWrite { writable_roots, .. } = &config.sandbox_policy else {
        panic!()
    };
    assert_eq!(writable_roots, &vec![PathBuf::from("/opt/extra")]);

    let mut cli = home.cli();
    cli.oss = true;
    let config = home.load(cli).unwrap();
    assert_eq!(config.model_provider_id, "ollama");
    assert_eq!(config.model, "gpt-oss:20b");

    let home = Home::new(Some("model = \"llama3\"\noss_provider = \"lmstudio\"\n"));
    let mut cli = home.cli();
    cli.oss = true;
    let config = home.load(cli).unwrap();
    assert_eq!(config.model_provider_id, "lmstudio");
    assert_eq!(config.model, "llama3");
}

#[test]
fn frontend_default_approval_yields_to_configuration() {
    let home = Home::new(None);
    let mut cli = home.cli();
    cli.default_approval_policy = Some(AskForApproval::Never);
    assert_eq!(
        home.load(cli).unwrap().approval_policy,
        AskForApproval::Never
    );

    let home = Home::new(Some("approval_policy = \"untrusted\"\n"));
    let mut cli = home.cli();
    cli.default_approval_policy = Some(AskForApproval::Never);
    assert_eq!(
        home.load(cli).unwrap().approval_policy,
        AskForApproval::UnlessTrusted
    );
}

#[test]
fn bad_cwd_and_codex_home() {
    let home = Home::new(None);
    let mut cli = home.cli();
    cli.cwd = Some(PathBuf::from("/definitely/not/here"));
    let text = home.load(cli).unwrap_err().to_string();
    assert!(text.contains("-C/--cd /definitely/not/here"), "{text}");
}

#[test]
fn semantic_errors() {
    let home = Home::new(Some("notify = []\n"));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(
        text.contains("config.toml:1:10") && text.contains("`notify`"),
        "{text}"
    );

    let home = Home::new(Some(
        "[mcp_servers.x]\ncommand = \"a\"\nurl = \"http://b\"\n",
    ));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(text.contains("`mcp_servers.x`"), "{text}");
    assert!(text.contains("not both"), "{text}");

    let home = Home::new(Some("[mcp_servers.x]\nargs = [\"a\"]\n"));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(text.contains("missing `command`"), "{text}");

    let home = Home::new(Some("model_instructions_file = \"missing.md\"\n"));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(
        text.contains("`model_instructions_file`") && text.contains("missing.md"),
        "{text}"
    );
}

#[test]
fn real_world_reference_style_config() {
    let home = Home::fixture("full_reference_style.toml");
    let config = home.load(home.cli()).unwrap();
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    // The file selects profile "deep".
    assert_eq!(config.model, "o3");
    assert_eq!(config.approval_policy, AskForApproval::Never);
    assert_eq!(config.model_reasoning_effort, Some(ReasoningEffort::High));
    assert_eq!(config.model_reasoning_summary, ReasoningSummary::Detailed);
    assert_eq!(config.model_context_window, Some(272_000));
    assert_eq!(config.model_auto_compact_token_limit, Some(200_000));
    assert!(config.show_raw_agent_reasoning);
    assert_eq!(config.project_doc_max_bytes, 65536);
    assert_eq!(
        config.project_doc_fallback_filenames,
        vec!["CLAUDE.md", ".agents.md"]
    );
    assert_eq!(
        config.notify,
        Some(vec!["python3".into(), "/Users/me/.codex/notify.py".into()])
    );
    assert_eq!(
        config.sandbox_policy,
        SandboxPolicy::WorkspaceWrite {
            writable_roots: vec![PathBuf::from("/Users/me/.pyenv/shims")],
            network_access: true,
            exclude_tmpdir_env_var: false,
            exclude_slash_tmp: false,
        }
    );
    let env = &config.shell_environment_policy;
    assert_eq!(env.inherit, ShellEnvironmentPolicyInherit::Core);
    assert_eq!(env.exclude, vec!["AWS_*", "AZURE_*"]);
    assert_eq!(env.set.get("CI").map(String::as_str), Some("1"));
    assert_eq!(config.history.max_bytes, Some(10_485_760));
    let azure = &config.model_providers["azure"];
    assert_eq!(
        azure.query_params.as_ref().unwrap()["api-version"],
        "2025-04-01-preview"
    );
    let chat = &config.model_providers["openai-chat-completions"];
    assert_eq!(chat.wire_api, WireApi::Chat);
    assert_eq!(chat.stream_max_retries(), 10);
    assert_eq!(
        chat.env_http_headers.as_ref().unwrap()["X-Example-Features"],
        "EXAMPLE_FEATURES"
    );
    let docs = &config.mcp_servers["docs"];
    assert!(
        matches!(&docs.transport, McpServerTransportConfig::Stdio { command, args, .. }
        if command == "npx" && args.len() == 2)
    );
    assert_eq!(docs.startup_timeout_or_default().as_secs(), 20);
    let figma = &config.mcp_servers["figma"];
    assert!(
        matches!(&figma.transport, McpServerTransportConfig::StreamableHttp { bearer_token_env_var: Some(v), .. }
        if v == "FIGMA_OAUTH_TOKEN")
    );
    assert_eq!(config.otel.environment.as_deref(), Some("staging"));
    assert!(config.feature_enabled("view_image_tool"));
    assert!(!config.feature_enabled("unified_exec"));

    let mut cli = home.cli();
    cli.profile = Some("local".into());
    let config = home.load(cli).unwrap();
    assert_eq!(config.model_provider_id, "ollama");
    assert_eq!(config.model, "qwen3-coder");
}

#[test]
fn real_world_seed_era_config() {
    let home = Home::fixture("seed_era.toml");
    let config = home.load(home.cli()).unwrap();
    // `profile = "o3"` applies.
    assert_eq!(config.approval_policy, AskForApproval::Never);
    assert_eq!(config.history.persistence, HistoryPersistence::None);
    assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);

    let mut cli = home.cli();
    cli.profile = Some("gpt3".into());
    let config = home.load(cli).unwrap();
    assert_eq!(config.model_provider.wire_api, WireApi::Chat);
    // The top-level legacy value maps to `untrusted`.
    assert_eq!(config.approval_policy, AskForApproval::UnlessTrusted);

    let mut cli = home.cli();
    cli.profile = Some("zdr".into());
    let config = home.load(cli).unwrap();
    assert!(config.disable_response_storage);
    assert_eq!(config.approval_policy, AskForApproval::OnFailure);
}

#[test]
fn real_world_small_configs() {
    let home = Home::fixture("ollama_local.toml");
    let config = home.load(home.cli()).unwrap();
    assert_eq!(
        config.model_provider.base_url.as_deref(),
        Some("http://localhost:11434/v1")
    );
    assert_eq!(config.model, "mistral");
    assert_eq!(config.mcp_servers.len(), 1);

    let home = Home::fixture("minimal.toml");
    let config = home.load(home.cli()).unwrap();
    assert_eq!(config.model, "gpt-5.1-codex-mini");
    assert!(config.warnings.is_empty());
}

#[test]
fn effective_config_shows_every_origin() {
    let home = Home::new(Some(
        "model = \"file\"\n[profiles.p]\nmodel_context_window = 5\n",
    ));
    let mut cli = home.cli();
    cli.profile = Some("p".into());
    cli.raw_overrides = vec!["history.max_bytes=100".into()];
    cli.sandbox_mode = Some(SandboxMode::WorkspaceWrite);
    let config = home.load(cli).unwrap();
    let text = render_effective_config(&config);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in\n{text}"))
            .to_string()
    };
    assert!(line("model").ends_with("config.toml:1:9"), "{text}");
    assert!(
        line("model_context_window").contains("# profile p ("),
        "{text}"
    );
    assert!(
        line("max_bytes").ends_with("# -c history.max_bytes=100"),
        "{text}"
    );
    assert!(line("sandbox_mode").ends_with("# flag --sandbox"), "{text}");
    assert!(line("approval_policy").ends_with("# default"), "{text}");
    assert!(text.contains("\n[history]\n"), "{text}");
    assert!(text.contains("[model_providers.openai]"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("[profiles")), "{text}");
    assert!(text.contains("# profile: p ([profiles.p] of "), "{text}");
    // The output is valid TOML.
    toml::from_str::<toml::Table>(&text).unwrap();
}

#[test]
fn unknown_keys_inside_the_selected_profile_are_reported_once() {
    let home = Home::new(Some("[profiles.p]\nmodle = 1\n"));
    let mut cli = home.cli();
    cli.profile = Some("p".into());
    let config = home.load(cli).unwrap();
    assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    assert!(
        config.warnings[0]
            .to_string()
            .contains("`profiles.p.modle`")
    );
}

#[test]
fn a_trusted_project_works_in_workspace_write_unless_told_otherwise() {
    let home = Home::new(None);
    let cwd = std::fs::canonicalize(home.cwd.path()).unwrap();
    std::fs::create_dir(cwd.join(".git")).unwrap();
    std::fs::write(cwd.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let sub = cwd.join("src");
    std::fs::create_dir(&sub).unwrap();
    let mut cli = home.cli();
    cli.cwd = Some(sub);

    let config = home.load(cli.clone()).unwrap();
    assert_eq!(config.project_trust, codex_config::ProjectTrust::Unknown);
    assert_eq!(config.project_root, cwd);
    assert_eq!(config.sandbox_policy, SandboxPolicy::ReadOnly);

    codex_config::edit::set_project_trust(
        &home.config_path(),
        &config.project_root,
        codex_config::ProjectTrust::Trusted,
    )
    .unwrap();
    let config = home.load(cli.clone()).unwrap();
    assert_eq!(config.project_trust, codex_config::ProjectTrust::Trusted);
    assert!(matches!(
        config.sandbox_policy,
        SandboxPolicy::WorkspaceWrite { .. }
    ));
    assert_eq!(
        origin(&config, "sandbox_mode"),
        format!("trusted project {}", cwd.display())
    );

    // An explicit mode wins, from the file or a flag.
    cli.sandbox_mode = Some(SandboxMode::ReadOnly);
    assert_eq!(
        home.load(cli.clone()).unwrap().sandbox_policy,
        SandboxPolicy::ReadOnly
    );
    cli.sandbox_mode = None;
    let text = std::fs::read_to_string(home.config_path()).unwrap();
    std::fs::write(
        home.config_path(),
        format!("sandbox_mode = \"read-only\"\n{text}"),
    )
    .unwrap();
    assert_eq!(
        home.load(cli).unwrap().sandbox_policy,
        SandboxPolicy::ReadOnly
    );
}

#[test]
fn a_bad_trust_level_warns_and_counts_as_untrusted() {
    let home = Home::new(None);
    let cwd = std::fs::canonicalize(home.cwd.path()).unwrap();
    std::fs::write(
        home.config_path(),
        format!("[projects.\"{}\"]\ntrust_level = \"yes\"\n", cwd.display()),
    )
    .unwrap();
    let config = home.load(home.cli()).unwrap();
    assert_eq!(config.project_trust, codex_config::ProjectTrust::Untrusted);
    let warning = config.warnings[0].to_string();
    assert!(warning.contains("config.toml:2:15"), "{warning}");
    assert!(
        warning.contains("must be \"trusted\" or \"untrusted\""),
        "{warning}"
    );
}

/// What the reference's own interface writes into `config.toml` (notices,
/// migration markers, menu choices, trust) is accepted silently, also under
/// `--strict-config`; a typo next to it still warns with its position.
#[test]
fn keys_the_reference_writes_are_accepted_silently() {
    let text = "model = \"gpt-5.5\"\n\
                personality = \"friendly\"\n\
                windows_wsl_setup_acknowledged = true\n\
                [notice]\n\
                hide_full_access_warning = true\n\
                \"hide_gpt-5.1-codex-max_migration_prompt\" = true\n\
                [notice.model_migrations]\n\
                \"gpt-5\" = \"gpt-5.1\"\n\
                [tui]\n\
                status_line = [\"model\"]\n\
                [tui.model_availability_nux]\n\
                \"gpt-5.5\" = 1\n\
                [features]\n\
                steer = true\n\
                unified_exec = true\n\
                [projects.\"/tmp\"]\n\
                trust_level = \"trusted\"\n";
    let home = Home::new(Some(text));
    let mut cli = home.cli();
    cli.strict_config = true;
    let config = home.load(cli).unwrap();
    assert_eq!(config.warnings, Vec::new());

    let home = Home::new(Some(&format!("animatons = true\n{text}")));
    let config = home.load(home.cli()).unwrap();
    let warnings: Vec<String> = config.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("config.toml:1:13") && warnings[0].contains("`animatons`"),
        "{warnings:?}"
    );
}

#[test]
fn features_have_defaults_and_flags() {
    let home = Home::new(Some(
        "[features]\nunified_exec = false\nno_such_flag = true\n",
    ));
    let config = home.load(home.cli()).unwrap();
    assert!(!config.feature_enabled("unified_exec"));
    assert!(config.feature_enabled("shell_tool"), "on by default");
    assert!(
        config.warnings[0]
            .to_string()
            .contains("unknown key `features.no_such_flag`"),
        "{:?}",
        config.warnings
    );

    let mut cli = home.cli();
    cli.enable_features = vec!["unified_exec".into(), "undo".into()];
    cli.disable_features = vec!["shell_tool".into()];
    let config = home.load(cli).unwrap();
    assert!(config.feature_enabled("unified_exec"));
    assert!(config.feature_enabled("undo"));
    assert!(!config.feature_enabled("shell_tool"));
    assert_eq!(
        origin(&config, "features.unified_exec"),
        "flag --enable unified_exec"
    );

    let mut cli = home.cli();
    cli.enable_features = vec!["unifed_exec".into()];
    let err = home.load(cli).unwrap_err().to_string();
    assert!(
        err.contains("--enable unifed_exec") && err.contains("codex features list"),
        "{err}"
    );
}

/// `-p NAME` finds `$CODEX_HOME/NAME.config.toml` (the reference's form) as
/// well as `[profiles.NAME]`; the file wins when both exist, with a warning.
#[test]
fn profiles_from_their_own_files() {
    let home = Home::new(Some("model = \"base\"\n[profiles.old]\nmodel = \"old\"\n"));
    std::fs::write(
        home.home.path().join("fast.config.toml"),
        "model = \"fast\"\nmodel_reasoning_effort = \"high\"\nmodle = 1\n",
    )
    .unwrap();
    let mut cli = home.cli();
    cli.profile = Some("fast".into());
    let config = home.load(cli).unwrap();
    assert_eq!(config.model, "fast");
    assert_eq!(config.model_reasoning_effort, Some(ReasoningEffort::High));
    let file = home.home.path().join("fast.config.toml");
    assert_eq!(config.active_profile_file.as_deref(), Some(file.as_path()));
    assert_eq!(
        origin(&config, "model"),
        format!("{}:1:9 (profile fast)", file.display())
    );
    let warnings: Vec<String> = config.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.len() == 1 && warnings[0].contains("fast.config.toml:3:9"),
        "{warnings:?}"
    );
    assert!(
        render_effective_config(&config).contains(&format!("# profile: fast ({})", file.display()))
    );

    let mut cli = home.cli();
    cli.profile = Some("old".into());
    assert_eq!(home.load(cli).unwrap().model, "old");

    std::fs::write(
        home.home.path().join("old.config.toml"),
        "model = \"new\"\n",
    )
    .unwrap();
    let mut cli = home.cli();
    cli.profile = Some("old".into());
    let config = home.load(cli).unwrap();
    assert_eq!(config.model, "new");
    assert!(
        config.warnings[0]
            .to_string()
            .contains("[profiles.old] is ignored"),
        "{:?}",
        config.warnings
    );

    let mut cli = home.cli();
    cli.profile = Some("nope".into());
    let err = home.load(cli).unwrap_err().to_string();
    assert!(err.contains("fast, old"), "{err}");
    let mut cli = home.cli();
    cli.profile = Some("../x".into());
    assert!(home.load(cli).is_err());
}

#[test]
fn empty_required_strings_name_their_key() {
    let home = Home::new(None);
    let mut cli = home.cli();
    cli.raw_overrides = vec!["model=".into()];
    let err = home.load(cli).unwrap_err().to_string();
    assert!(
        err.contains("-c model=") && err.contains("`model`") && err.contains("must not be empty"),
        "{err}"
    );
    let home = Home::new(Some("model_provider = \"\"\n"));
    let err = home.load(home.cli()).unwrap_err().to_string();
    assert!(
        err.contains("config.toml:1:18") && err.contains("`model_provider`"),
        "{err}"
    );
}

#[test]
fn rewind_keep_days_defaults_to_30_and_is_checked() {
    let home = Home::new(None);
    assert_eq!(home.load(home.cli()).unwrap().rewind_keep_days, 30);
    let home = Home::new(Some("[rewind]\nkeep_days = 7\n"));
    let config = home.load(home.cli()).unwrap();
    assert_eq!(config.rewind_keep_days, 7);
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    let home = Home::new(Some("[rewind]\nkeep_days = -1\n"));
    let text = home.load(home.cli()).unwrap_err().to_string();
    assert!(text.contains("config.toml:2:13"), "{text}");
    assert!(text.contains("`rewind.keep_days`"), "{text}");
}
