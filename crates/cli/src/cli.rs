//! Command-line parsing and dispatch of `codex`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use codex_config::CliOverrides;
use codex_protocol::config_types::SandboxMode;
use codex_protocol::protocol::AskForApproval;

use crate::{
    debug_config, debug_logs, debug_mcp, debug_models, doctor, execpolicy_cmd, features_cmd,
    hooks_cmd, login, mcp_cmd, memories_cmd, plugin_cmd, sandbox_cmd, sessions_cmd, skills_cmd,
};

/// Codex: a coding agent in your terminal.
#[derive(Debug, Parser)]
#[command(
    name = "codex",
    version,
    about,
    propagate_version = true,
    subcommand_precedence_over_arg = true
)]
struct Cli {
    #[command(flatten)]
    shared: SharedOptions,

    #[command(flatten)]
    tui: codex_tui::TuiOptions,

    /// A first prompt to send when the interactive interface starts.
    prompt: Option<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

/// Flags shared by every mode that runs the agent (and by `debug config`,
/// which shows their effect). They may appear before or after the subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct SharedOptions {
    /// Override a config value: a dotted key and a TOML value (taken as a
    /// string if it is not valid TOML), e.g. `-c model="o3"` or
    /// `-c shell_environment_policy.inherit=all`. Repeatable.
    #[arg(short = 'c', long = "config", value_name = "key=value", global = true)]
    pub config_overrides: Vec<String>,

    /// Use a profile: `$CODEX_HOME/NAME.config.toml`, or `[profiles.NAME]`
    /// of config.toml.
    #[arg(short = 'p', long = "profile", value_name = "NAME", global = true)]
    pub profile: Option<String>,

    /// The model to use.
    #[arg(short = 'm', long = "model", global = true)]
    pub model: Option<String>,

    /// What commands the model runs may touch.
    #[arg(short = 's', long = "sandbox", value_enum, global = true)]
    pub sandbox: Option<SandboxModeArg>,

    /// When to ask before running a command.
    #[arg(short = 'a', long = "ask-for-approval", value_enum, global = true)]
    pub approval: Option<ApprovalArg>,

    /// Work in DIR instead of the current directory.
    #[arg(short = 'C', long = "cd", value_name = "DIR", global = true)]
    pub cd: Option<PathBuf>,

    /// Low-friction automatic mode: `--sandbox workspace-write -a on-request`.
    #[arg(
        long,
        global = true,
        conflicts_with = "dangerously_bypass_approvals_and_sandbox"
    )]
    pub full_auto: bool,

    /// Run every command without a sandbox and without asking. Only for
    /// environments that are sandboxed from the outside.
    #[arg(long, alias = "yolo", global = true)]
    pub dangerously_bypass_approvals_and_sandbox: bool,

    /// Use a local open-source model provider (`oss_provider`, default ollama).
    #[arg(long, global = true)]
    pub oss: bool,

    /// Treat unknown keys in config.toml as errors.
    #[arg(long, global = true)]
    pub strict_config: bool,

    /// Turn a feature on (same as `-c features.NAME=true`; repeatable).
    /// `codex features list` shows them.
    #[arg(long = "enable", value_name = "FEATURE", global = true)]
    pub enable: Vec<String>,

    /// Turn a feature off (same as `-c features.NAME=false`; repeatable).
    #[arg(long = "disable", value_name = "FEATURE", global = true)]
    pub disable: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SandboxModeArg {
    ReadOnly,
    WorkspaceWrite,
    DangerFullAccess,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ApprovalArg {
    /// Ask before anything that is not a known-safe read-only command.
    Untrusted,
    /// Ask only when a sandboxed command fails, to retry it without the sandbox.
    OnFailure,
    /// The model decides when to ask.
    OnRequest,
    /// Never ask; failures go back to the model.
    Never,
}

impl SharedOptions {
    /// The configuration overrides these flags stand for.
    pub fn to_overrides(&self) -> CliOverrides {
        CliOverrides {
            raw_overrides: self.config_overrides.clone(),
            profile: self.profile.clone(),
            model: self.model.clone(),
            sandbox_mode: self.sandbox.map(|s| match s {
                SandboxModeArg::ReadOnly => SandboxMode::ReadOnly,
                SandboxModeArg::WorkspaceWrite => SandboxMode::WorkspaceWrite,
                SandboxModeArg::DangerFullAccess => SandboxMode::DangerFullAccess,
            }),
            approval_policy: self.approval.map(|a| match a {
                ApprovalArg::Untrusted => AskForApproval::UnlessTrusted,
                ApprovalArg::OnFailure => AskForApproval::OnFailure,
                ApprovalArg::OnRequest => AskForApproval::OnRequest,
                ApprovalArg::Never => AskForApproval::Never,
            }),
            cwd: self.cd.clone(),
            full_auto: self.full_auto,
            dangerously_bypass_approvals_and_sandbox: self.dangerously_bypass_approvals_and_sandbox,
            oss: self.oss,
            strict_config: self.strict_config,
            enable_features: self.enable.clone(),
            disable_features: self.disable.clone(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the agent without a UI: `codex exec "fix the failing test"`.
    #[command(visible_alias = "e")]
    Exec(codex_exec::ExecArgs),

    /// Continue a recorded interactive session (the picker unless an id or
    /// --last is given).
    Resume(SessionArgs),

    /// Start a new session from a recorded one, which stays as it was.
    Fork(SessionArgs),

    /// Manage the MCP servers codex starts (`[mcp_servers]` in config.toml).
    Mcp {
        #[command(subcommand)]
        command: mcp_cmd::McpCommand,
    },

    /// Run Codex as an MCP server over stdio (tools `codex` and `codex-reply`).
    McpServer,

    /// Run Codex as an Agent Client Protocol (ACP) agent over stdio, for
    /// Zed, JetBrains IDEs, Neovim and other ACP editors.
    Acp,

    /// Review code (uncommitted changes by default; --base, --commit, or
    /// instructions) and print the findings.
    Review(codex_exec::review::ReviewArgs),

    /// The hook handlers codex finds (`codex hooks list`).
    Hooks {
        #[command(subcommand)]
        command: Option<HooksCommand>,
    },

    /// Plugins and their marketplaces (`codex plugin add|list|remove|enable|disable`,
    /// `codex plugin marketplace add|list|remove`).
    Plugin {
        #[command(subcommand)]
        command: plugin_cmd::PluginCommand,
    },

    /// The skills a session here would see (`codex skills list [--json]`).
    Skills {
        #[command(subcommand)]
        command: Option<SkillsCommand>,
    },

    /// Serve the JSON-RPC interface editors drive, over stdio.
    AppServer {
        #[command(subcommand)]
        command: Option<AppServerCommand>,

        /// Where to serve: stdio:// (default), ws://IP:PORT (WebSocket),
        /// unix://PATH (WebSocket over a Unix socket; unix:// alone uses
        /// $CODEX_HOME/app-server/app-server.sock).
        #[arg(long, value_name = "URL")]
        listen: Option<String>,

        /// The bearer token WebSocket clients must present, read from this
        /// environment variable (required to listen beyond loopback).
        #[arg(long, value_name = "VAR", conflicts_with = "ws_token_file")]
        auth_token_env: Option<String>,

        /// The same token, read from a file only you can read.
        #[arg(long, value_name = "PATH")]
        ws_token_file: Option<PathBuf>,
    },

    /// Sign in with ChatGPT (in a browser, or `--device-auth` on another
    /// device), or store an API key (`--with-api-key`, from standard input).
    Login {
        /// Read the API key from standard input.
        #[arg(long, conflicts_with = "device_auth")]
        with_api_key: bool,

        /// Sign in on another device with a one-time code (for machines
        /// without a browser).
        #[arg(long)]
        device_auth: bool,

        /// Sign in at this issuer instead of https://auth.openai.com (also
        /// `CODEX_ISSUER_URL_OVERRIDE`).
        #[arg(long = "experimental_issuer", value_name = "URL", hide = true)]
        issuer: Option<String>,

        #[command(subcommand)]
        command: Option<LoginCommand>,
    },

    /// Remove the stored credentials (revoking a ChatGPT sign-in).
    Logout,

    /// List the feature flags, their stage, and whether each is on and why.
    Features {
        #[command(subcommand)]
        command: Option<FeaturesCommand>,
    },

    /// What past sessions taught: `codex memories status`, `codex memories
    /// clear`.
    Memories {
        #[command(subcommand)]
        command: memories_cmd::MemoriesCommand,
    },

    /// Recorded sessions (`codex sessions list`).
    Sessions {
        #[command(subcommand)]
        command: sessions_cmd::SessionsCommand,
    },

    /// Move a session to archived_sessions/ (hidden from resume and lists).
    Archive {
        #[arg(value_name = "SESSION_ID")]
        id: String,
    },

    /// Bring an archived session back.
    Unarchive {
        #[arg(value_name = "SESSION_ID")]
        id: String,
    },

    /// Delete a session's file and its index entry (asks first).
    Delete {
        #[arg(value_name = "SESSION_ID")]
        id: String,
        /// Do not ask.
        #[arg(long, short = 'y')]
        yes: bool,
    },

    /// Check what usually goes wrong: config, permissions, auth, the
    /// provider's reachability, the sandbox, git and the terminal.
    Doctor,

    /// Run a command inside the sandbox codex uses for the model's commands.
    /// `codex sandbox [-P PROFILE] -- COMMAND...` (the reference's form) or
    /// `codex sandbox linux ...`.
    #[command(args_conflicts_with_subcommands = true)]
    Sandbox {
        #[command(subcommand)]
        command: Option<SandboxCommand>,
        /// Run under this permission profile instead of `default_permissions`.
        #[arg(short = 'P', long = "permissions-profile", value_name = "NAME")]
        permissions_profile: Option<String>,
        /// The command and its arguments.
        #[arg(
            value_name = "COMMAND",
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        args: Vec<String>,
    },

    /// Command rules (`.rules` files): `codex execpolicy check --rules FILE
    /// -- COMMAND...` prints what they decide for COMMAND.
    #[command(hide = true)]
    Execpolicy {
        #[command(subcommand)]
        command: ExecpolicyCommand,
    },

    /// Print a shell completion script.
    Completion {
        #[arg(value_enum, default_value_t = clap_complete::Shell::Bash)]
        shell: clap_complete::Shell,
    },

    /// Tools for looking inside codex.
    Debug {
        #[command(subcommand)]
        command: DebugCommand,
    },
}

/// `codex resume` / `codex fork`.
#[derive(Debug, Args)]
struct SessionArgs {
    /// A session id (or a unique prefix of one), or a session file.
    #[arg(value_name = "SESSION_ID")]
    session_id: Option<String>,

    /// The most recent session instead of the picker (a single argument
    /// after it is the prompt).
    #[arg(long)]
    last: bool,

    /// Sessions of every directory, not only this one.
    #[arg(long)]
    all: bool,

    /// Also sessions run with `codex exec`.
    #[arg(long)]
    include_non_interactive: bool,

    /// A prompt to send once the session is open.
    #[arg(value_name = "PROMPT")]
    prompt: Option<String>,

    #[command(flatten)]
    tui: codex_tui::TuiOptions,
}

impl SessionArgs {
    fn into_tui_args(mut self, fork: bool) -> codex_tui::TuiArgs {
        // `resume --last "follow-up"`: the one positional is the prompt.
        if self.last && self.prompt.is_none() {
            self.prompt = self.session_id.take();
        }
        let selection = match (self.session_id, self.last) {
            (Some(id), _) => codex_tui::Selection::Id(id),
            (None, true) => codex_tui::Selection::Last {
                all: self.all,
                include_non_interactive: self.include_non_interactive,
            },
            (None, false) => codex_tui::Selection::Picker {
                all: self.all,
                include_non_interactive: self.include_non_interactive,
            },
        };
        codex_tui::TuiArgs {
            prompt: self.prompt,
            options: self.tui,
            start: if fork {
                codex_tui::StartMode::Fork(selection)
            } else {
                codex_tui::StartMode::Resume(selection)
            },
        }
    }
}

#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// Run COMMAND in the sandbox of the model's commands, with the
    /// configured policy (`--full-auto` for workspace-write); `--check`
    /// reports which layers this machine enforces.
    #[cfg(target_os = "linux")]
    Linux {
        /// Report each layer of the sandbox (namespaces, read-only root,
        /// Landlock, seccomp, capabilities) instead of running a command.
        #[arg(long, conflicts_with = "command")]
        check: bool,
        /// Run under this permission profile (`[permissions.NAME]`, or
        /// `:read-only`, `:workspace`, `:danger-full-access`) instead of
        /// `default_permissions`.
        #[arg(short = 'P', long = "permissions-profile", value_name = "NAME")]
        permissions_profile: Option<String>,
        /// The command and its arguments.
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            required_unless_present = "check"
        )]
        command: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ExecpolicyCommand {
    /// Check rule files against a command; prints the matched rules and the
    /// decision as JSON.
    Check {
        /// A rules file (repeatable).
        #[arg(short = 'r', long = "rules", value_name = "PATH", required = true)]
        rules: Vec<std::path::PathBuf>,
        /// Pretty-print the JSON.
        #[arg(long)]
        pretty: bool,
        /// Match a program given by absolute path by its basename, where
        /// `host_executable()` allows that path.
        #[arg(long)]
        resolve_host_executables: bool,
        /// The command to check.
        #[arg(
            value_name = "COMMAND",
            trailing_var_arg = true,
            allow_hyphen_values = true,
            required = true
        )]
        command: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum FeaturesCommand {
    /// The known features (the default).
    List,
}

#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Every handler with its event, matcher, source file, whether it runs
    /// and (for a plugin's) its trust key.
    List,
    /// Trust hooks as they are now, recording `[hooks.state."KEY"]
    /// trusted_hash` in config.toml (the reference's record): the keys
    /// given, every hook of `--plugin ID`, or `--all`.
    Trust {
        /// Keys as `codex hooks list` shows them.
        keys: Vec<String>,
        /// Every hook of this plugin (`NAME@MARKETPLACE`).
        #[arg(long, value_name = "ID")]
        plugin: Option<String>,
        /// Every hook that waits for trust.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SkillsCommand {
    /// Every skill with its scope, status (listed for the model, unlisted
    /// by the budget, `$name` only, off) and file; broken ones on stderr.
    List {
        /// The app-server's `skills/list` shape.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AppServerCommand {
    /// Write the protocol's JSON Schema (from the Rust types) into DIR.
    GenerateJsonSchema {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write TypeScript declarations of the protocol into DIR.
    GenerateTs {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum LoginCommand {
    /// Show how codex signs in: ChatGPT (account and plan) or an API key
    /// (masked).
    Status,
}

#[derive(Debug, Subcommand)]
enum DebugCommand {
    /// Print the effective configuration, with where each value came from.
    Config,

    /// Print the engine's logs from the state database.
    Logs {
        /// Only this session's logs.
        #[arg(long, value_name = "ID")]
        thread: Option<String>,
        /// Only this level and more severe (trace, debug, info, warn, error).
        #[arg(long)]
        level: Option<String>,
        /// How many of the newest lines to print.
        #[arg(short = 'n', long, default_value_t = 200)]
        limit: usize,
        /// Keep printing new lines as they arrive.
        #[arg(short, long)]
        follow: bool,
    },

    /// List the model catalog: each family's shell tool, apply_patch form,
    /// reasoning, context window and extra tools.
    Models,

    /// Same as `codex sessions list`.
    #[command(hide = true)]
    Sessions {
        #[arg(long)]
        all: bool,
        #[arg(short = 'n', long, default_value_t = 20)]
        limit: usize,
    },

    /// Connect codex's MCP client to a streamable HTTP server, call each of
    /// its tools and accept its elicitations (used by the MCP conformance
    /// suite).
    #[command(hide = true)]
    McpClient { url: String },

    /// Same as `codex sandbox linux --check`.
    #[cfg(target_os = "linux")]
    Sandbox,

    /// Same as `codex sandbox linux`.
    #[cfg(target_os = "linux")]
    Landlock {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<String>,
    },
}

/// The top level's `--remote` (and its token variable) for a subcommand
/// that did not name its own.
fn inherit_remote(inner: &mut codex_tui::TuiOptions, outer: &codex_tui::TuiOptions) {
    if inner.remote.is_none() {
        inner.remote = outer.remote.clone();
        inner.remote_auth_token_env = outer.remote_auth_token_env.clone();
    }
}

/// Parses the command line and runs the selected command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => {
            let args = codex_tui::TuiArgs {
                prompt: cli.prompt,
                options: cli.tui,
                start: codex_tui::StartMode::New,
            };
            return codex_tui::run_main(args, cli.shared.to_overrides());
        }
        // `codex --remote URL resume ID` as well as `codex resume --remote URL ID`.
        Some(Command::Resume(mut args)) => {
            inherit_remote(&mut args.tui, &cli.tui);
            return codex_tui::run_main(args.into_tui_args(false), cli.shared.to_overrides());
        }
        Some(Command::Fork(mut args)) => {
            inherit_remote(&mut args.tui, &cli.tui);
            return codex_tui::run_main(args.into_tui_args(true), cli.shared.to_overrides());
        }
        Some(Command::Exec(args)) => return codex_exec::run_main(args, cli.shared.to_overrides()),
        Some(Command::Mcp { command }) => mcp_cmd::run(&cli.shared, command),
        Some(Command::McpServer) => return codex_mcp_server::run_main(cli.shared.to_overrides()),
        Some(Command::Acp) => return codex_acp::run_main(cli.shared.to_overrides()),
        Some(Command::Hooks { command }) => hooks_cmd::run(&cli.shared, command),
        Some(Command::Plugin { command }) => plugin_cmd::run(&cli.shared, command),
        Some(Command::Skills { command }) => {
            let json = matches!(command, Some(SkillsCommand::List { json: true }));
            skills_cmd::list(&cli.shared, json)
        }
        Some(Command::Review(args)) => {
            return codex_exec::review::run_review_main(args, cli.shared.to_overrides());
        }
        Some(Command::AppServer {
            command: None,
            listen,
            auth_token_env,
            ws_token_file,
        }) => {
            let options = codex_app_server::ServeOptions {
                listen,
                auth_token_env,
                token_file: ws_token_file,
            };
            return codex_app_server::run_main(cli.shared.to_overrides(), options);
        }
        Some(Command::AppServer {
            command: Some(AppServerCommand::GenerateJsonSchema { out }),
            ..
        }) => codex_app_server::schema_export::write_json_schema(&out).map(|files| {
            println!("wrote {} schema files to {}", files.len(), out.display());
        }),
        Some(Command::AppServer {
            command: Some(AppServerCommand::GenerateTs { out }),
            ..
        }) => codex_app_server::schema_export::write_typescript(&out).map(|path| {
            println!("wrote {path}");
        }),
        Some(Command::Login {
            command: Some(LoginCommand::Status),
            ..
        }) => return exit_code(login::login_status()),
        Some(Command::Login {
            with_api_key: true, ..
        }) => return exit_code(login::login_with_api_key(&cli.shared)),
        Some(Command::Login {
            device_auth,
            issuer,
            ..
        }) => return exit_code(login::login_with_chatgpt(&cli.shared, device_auth, issuer)),
        Some(Command::Logout) => return exit_code(login::logout()),
        Some(Command::Features { command: None })
        | Some(Command::Features {
            command: Some(FeaturesCommand::List),
        }) => features_cmd::list(&cli.shared),
        Some(Command::Sessions {
            command: sessions_cmd::SessionsCommand::List(args),
        }) => sessions_cmd::list(&args),
        Some(Command::Archive { id }) => sessions_cmd::archive(&id),
        Some(Command::Unarchive { id }) => sessions_cmd::unarchive(&id),
        Some(Command::Delete { id, yes }) => sessions_cmd::delete(&id, yes),
        Some(Command::Memories { command }) => memories_cmd::run(command, &cli.shared),
        Some(Command::Doctor) => return exit_code(doctor::run(&cli.shared)),
        Some(Command::Completion { shell }) => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "codex", &mut std::io::stdout());
            Ok(())
        }
        Some(Command::Execpolicy {
            command:
                ExecpolicyCommand::Check {
                    rules,
                    pretty,
                    resolve_host_executables,
                    command,
                },
        }) => {
            return exit_code(execpolicy_cmd::check(
                &rules,
                pretty,
                resolve_host_executables,
                &command,
            ));
        }
        Some(Command::Debug {
            command: DebugCommand::Config,
        }) => debug_config::run(&cli.shared),
        Some(Command::Debug {
            command:
                DebugCommand::Logs {
                    thread,
                    level,
                    limit,
                    follow,
                },
        }) => debug_logs::run_logs(thread, level, limit, follow),
        Some(Command::Debug {
            command: DebugCommand::Sessions { all, limit },
        }) => sessions_cmd::list(&sessions_cmd::ListArgs {
            all,
            archived: false,
            limit,
            json: false,
        }),
        Some(Command::Debug {
            command: DebugCommand::Models,
        }) => debug_models::run(&cli.shared),
        Some(Command::Debug {
            command: DebugCommand::McpClient { url },
        }) => debug_mcp::run(url),
        #[cfg(target_os = "linux")]
        Some(Command::Debug {
            command: DebugCommand::Sandbox,
        })
        | Some(Command::Sandbox {
            command: Some(SandboxCommand::Linux { check: true, .. }),
            ..
        }) => return exit_code(sandbox_cmd::check()),
        #[cfg(target_os = "linux")]
        Some(Command::Debug {
            command: DebugCommand::Landlock { command },
        })
        | Some(Command::Sandbox {
            command:
                Some(SandboxCommand::Linux {
                    command,
                    permissions_profile: None,
                    ..
                }),
            ..
        }) => return exit_code(sandbox_cmd::run(&cli.shared, None, command)),
        #[cfg(target_os = "linux")]
        Some(Command::Sandbox {
            command:
                Some(SandboxCommand::Linux {
                    command,
                    permissions_profile: Some(profile),
                    ..
                }),
            ..
        }) => return exit_code(sandbox_cmd::run(&cli.shared, Some(&profile), command)),
        Some(Command::Sandbox {
            command: None,
            permissions_profile,
            args,
        }) => {
            if args.is_empty() {
                eprintln!(
                    "error: give the command to run: codex sandbox [-P PROFILE] -- COMMAND..."
                );
                return ExitCode::from(2);
            }
            return exit_code(sandbox_cmd::run(
                &cli.shared,
                permissions_profile.as_deref(),
                args,
            ));
        }
    };
    exit_code(result.map(|()| ExitCode::SUCCESS))
}

/// Reports an error on stderr and maps it to exit code 1.
fn exit_code(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", codex_core::error_report(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn shared_flags_work_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "codex",
            "debug",
            "config",
            "-p",
            "fast",
            "-c",
            "model=\"x\"",
            "--yolo",
        ])
        .unwrap();
        assert_eq!(cli.shared.profile.as_deref(), Some("fast"));
        assert_eq!(cli.shared.config_overrides, vec!["model=\"x\""]);
        assert!(cli.shared.dangerously_bypass_approvals_and_sandbox);
        let overrides = cli.shared.to_overrides();
        assert!(overrides.dangerously_bypass_approvals_and_sandbox);
    }

    #[test]
    fn full_auto_and_yolo_conflict() {
        assert!(
            Cli::try_parse_from(["codex", "--full-auto", "--yolo", "debug", "config"]).is_err()
        );
    }
}
