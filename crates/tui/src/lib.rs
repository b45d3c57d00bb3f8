//! `codex` without a subcommand: the interactive terminal interface.
//!
//! # Design
//!
//! A frontend like `exec`: it starts threads through the
//! [`codex_core::ThreadManager`] and talks to them only through the Op/Event
//! seam. Inside, state is kept apart from rendering:
//!
//! - [`chat::ChatState`] takes engine events and keys and gives back
//!   effects (ops to submit, notifications, quitting); it holds the
//!   transcript as compact cells, what is live, queued messages, approval
//!   requests and the composer.
//! - Widgets are pure functions of that state and a width: history cells
//!   (`cells/`), Markdown (`markdown.rs`), the live area (`live.rs`), the
//!   footer, the approval prompt. Snapshot tests render them.
//! - [`screen::Screen`] puts frames on the terminal. By default it is
//!   inline: finished cells are printed once into the terminal's scrollback
//!   (which tmux keeps and the terminal can search), and only the live area
//!   is redrawn. See `screen.rs` for why this survives resizes.
//! - `app.rs` is the event loop: it sleeps until input, an engine event, a
//!   signal or an animation tick, and draws one frame per wake-up.
//!
//! The terminal is restored on every way out (`terminal.rs`).

mod ansi;
mod app;
mod approval;
mod cells;
mod chat;
mod composer;
#[cfg(test)]
mod exact_text_tests;
mod footer;
mod highlight;
mod live;
mod markdown;
mod modal;
mod notifications;
mod onboarding;
mod pager;
mod picker;
mod popup;
mod questions;
pub mod screen;
mod slash;
mod stream;
mod table;
pub mod terminal;
#[cfg(test)]
mod test_util;
mod worktree;
mod wrap;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use codex_config::schema::AlternateScreen;
use codex_config::{CliOverrides, Config, ProjectTrust, find_codex_home, load_config};
use codex_core::{ThreadListQuery, ThreadManager, ThreadManagerOptions, ThreadRef};
use codex_protocol::protocol::{EventMsg, TokenUsage};
use codex_protocol::rollout::SessionSource;
use crossterm::event::EventStream;

use crate::app::App;
use crate::cells::HistoryCell;
use crate::chat::{ChatState, DisplayOptions, TurnSettings};
use crate::modal::{Input, run_modal};
use crate::notifications::Notifier;
use crate::onboarding::{ApiKeyScreen, KeyAnswer, TrustAnswer, TrustScreen};
use crate::picker::{Picker, PickerOutcome};
use crate::screen::{Screen, ScreenMode};
use crate::terminal::TerminalGuard;

/// Options of the interactive interface (on `codex`, `codex resume` and
/// `codex fork`).
#[derive(Debug, Clone, Default, Args)]
pub struct TuiOptions {
    /// Images to attach to the first prompt.
    #[arg(
        short = 'i',
        long = "image",
        value_name = "FILE",
        value_delimiter = ','
    )]
    pub images: Vec<PathBuf>,

    /// Stay out of the alternate screen even if `tui.alternate_screen` asks
    /// for it (inline is the default).
    #[arg(long)]
    pub no_alt_screen: bool,

    /// Another directory the agent may write (repeatable).
    #[arg(long = "add-dir", value_name = "DIR")]
    pub add_dir: Vec<PathBuf>,

    /// Turn live web search on (`web_search = "live"`).
    #[arg(long)]
    pub search: bool,

    /// Work in a new git worktree of this repository, detached at HEAD,
    /// under `$CODEX_HOME/worktrees` (the checkout you are in is left alone).
    #[arg(long)]
    pub worktree: bool,

    /// The local provider for `--oss` (implies it): lmstudio or ollama.
    #[arg(long, value_name = "PROVIDER", value_parser = ["lmstudio", "ollama"])]
    pub local_provider: Option<String>,

    /// Run a plugin's hooks without their recorded trust, for this run
    /// only (project hooks still need a trusted project).
    #[arg(long)]
    pub dangerously_bypass_hook_trust: bool,

    /// Route approval requests through an automatic reviewer (a separate,
    /// read-only model turn) instead of asking you, in the workspace-write
    /// sandbox.
    #[arg(long)]
    pub approve_for_me: bool,

    /// Accepted for compatibility: this codex runs no background daemon.
    #[arg(long)]
    pub no_daemon: bool,

    /// Run against an app-server elsewhere (`codex app-server --listen
    /// ws://IP:PORT` or `unix://PATH`) instead of an engine in this process.
    #[arg(long, value_name = "ws://HOST:PORT|unix:///PATH")]
    pub remote: Option<String>,

    /// The environment variable holding the bearer token the remote
    /// app-server asks for.
    #[arg(long, value_name = "VAR", requires = "remote")]
    pub remote_auth_token_env: Option<String>,
}

impl TuiOptions {
    /// Turns the flags that stand for configuration into overrides; returns
    /// the warnings of the ones accepted only for compatibility. `--worktree`
    /// creates the worktree here (an error if this is not a git checkout).
    fn apply(
        &self,
        overrides: &mut CliOverrides,
        codex_home: &std::path::Path,
    ) -> anyhow::Result<Vec<String>> {
        overrides
            .additional_writable_roots
            .extend(self.add_dir.iter().cloned());
        if self.search {
            overrides
                .raw_overrides
                .push("web_search=\"live\"".to_string());
        }
        if let Some(provider) = &self.local_provider {
            overrides
                .raw_overrides
                .push(format!("oss_provider=\"{provider}\""));
            overrides.oss = true;
        }
        if self.worktree {
            let base = match &overrides.cwd {
                Some(dir) => dir.clone(),
                None => std::env::current_dir().context("cannot read the current directory")?,
            };
            overrides.cwd = Some(worktree::create(&base, codex_home)?);
        }
        let warnings = Vec::new();
        if self.dangerously_bypass_hook_trust {
            overrides.bypass_hook_trust = true;
        }
        if self.approve_for_me && !overrides.dangerously_bypass_approvals_and_sandbox {
            // Requests come from the sandbox's edge; the reviewer answers them.
            if overrides.sandbox_mode.is_none() && !overrides.full_auto {
                overrides.sandbox_mode =
                    Some(codex_protocol::config_types::SandboxMode::WorkspaceWrite);
            }
            if overrides.approval_policy.is_none() {
                overrides.approval_policy =
                    Some(codex_protocol::protocol::AskForApproval::OnRequest);
            }
        }
        Ok(warnings)
    }
}

/// Which recorded session `resume`/`fork` means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Ask with the picker (`all`: sessions of every directory).
    Picker {
        all: bool,
        include_non_interactive: bool,
    },
    /// The most recent one.
    Last {
        all: bool,
        include_non_interactive: bool,
    },
    /// An id, id prefix or session file.
    Id(String),
}

/// How the interface starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StartMode {
    #[default]
    New,
    Resume(Selection),
    Fork(Selection),
}

#[derive(Debug, Clone, Default)]
pub struct TuiArgs {
    pub prompt: Option<String>,
    pub options: TuiOptions,
    pub start: StartMode,
}

/// What to print after the terminal is given back.
struct Summary {
    session_id: Option<String>,
    usage: TokenUsage,
    recorded: bool,
}

/// Runs the interactive interface; every error is a message, never a panic.
pub fn run_main(args: TuiArgs, overrides: CliOverrides) -> ExitCode {
    let result = match codex_core::block_on_runtime(run(args, overrides)) {
        Ok(result) => result,
        Err(code) => return code,
    };
    // Whatever happened, the terminal is ours no longer.
    terminal::restore();
    codex_core::report_exit(result.map(|summary| {
        if let Some(summary) = summary {
            print_summary(&summary);
        }
        ExitCode::SUCCESS
    }))
}

fn print_summary(summary: &Summary) {
    let usage = &summary.usage;
    if !usage.is_zero() {
        let mut line = format!(
            "Token usage: total={} input={}",
            usage.total_tokens, usage.input_tokens
        );
        if usage.cached_input_tokens > 0 {
            line.push_str(&format!(" (+ {} cached)", usage.cached_input_tokens));
        }
        line.push_str(&format!(" output={}", usage.output_tokens));
        if usage.reasoning_output_tokens > 0 {
            line.push_str(&format!(" (reasoning {})", usage.reasoning_output_tokens));
        }
        println!("{line}");
    }
    if summary.recorded
        && let Some(id) = &summary.session_id
    {
        println!("To continue this session, run codex resume {id}");
    }
}

async fn run(args: TuiArgs, mut overrides: CliOverrides) -> anyhow::Result<Option<Summary>> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the interactive interface needs a terminal on standard input and output; for scripts and pipes use `codex exec`"
        );
    }
    let codex_home = find_codex_home()?;
    let flag_warnings = args.options.apply(&mut overrides, &codex_home)?;
    let config = load_config(&codex_home, &overrides)?;
    let log_guard = codex_core::logging::init_to_file(&codex_home, "codex-tui.log");

    let alternate = matches!(config.tui.alternate_screen, Some(AlternateScreen::Always))
        && !args.options.no_alt_screen;
    terminal::install_panic_hook();
    let guard = TerminalGuard::enter(alternate).context("cannot set up the terminal")?;
    let (width, height) = crossterm::terminal::size().context("cannot read the terminal size")?;
    let mode = if alternate {
        ScreenMode::Alternate
    } else {
        ScreenMode::Inline
    };
    let screen = Screen::new(std::io::stdout(), width, height, mode);
    let mut events = EventStream::new();
    let mut signals = terminal::Signals::new().context("cannot listen for signals")?;
    let mut warnings: Vec<String> = config.warnings.iter().map(ToString::to_string).collect();
    warnings.extend(flag_warnings);
    if let Err(warning) = &log_guard {
        warnings.push(warning.clone());
    }
    let mut input = Input {
        events: &mut events,
        signals: &mut signals,
    };
    let result = session(
        screen, &mut input, &guard, args, &overrides, config, warnings,
    )
    .await;
    drop(guard);
    result
}

/// Onboarding, the picker, then the chat.
async fn session(
    mut screen: Screen<std::io::Stdout>,
    input: &mut Input<'_>,
    guard: &TerminalGuard,
    args: TuiArgs,
    overrides: &CliOverrides,
    mut config: Config,
    warnings: Vec<String>,
) -> anyhow::Result<Option<Summary>> {
    let explicit_sandbox = overrides.sandbox_mode.is_some()
        || overrides.full_auto
        || overrides.dangerously_bypass_approvals_and_sandbox;
    // A remote thread's project, sign-in and policies are the server's.
    let remote = args.options.remote.clone();
    if remote.is_none() && config.project_trust == ProjectTrust::Unknown && !explicit_sandbox {
        let mut trust = TrustScreen::new(config.project_root.clone());
        let answer = match run_modal(&mut screen, input, &mut trust).await? {
            None | Some(TrustAnswer::Quit) => return Ok(None),
            Some(TrustAnswer::Trust) => ProjectTrust::Trusted,
            Some(TrustAnswer::DoNotTrust) => ProjectTrust::Untrusted,
        };
        codex_config::edit::set_project_trust(&config.config_file, &config.project_root, answer)?;
        config = load_config(&config.codex_home, overrides)?;
    }

    if let (None, Err(codex_client::ClientError::MissingApiKey { var, instructions })) = (
        &remote,
        codex_client::auth::resolve_auth(&config, &|name| std::env::var(name).ok(), "codex_cli_rs"),
    ) {
        let can_store = config.model_provider.requires_openai_auth;
        let mut screen_state = ApiKeyScreen::new(
            config.model_provider.name.clone(),
            Some(var),
            instructions,
            can_store,
            codex_client::auth::auth_file(&config.codex_home),
        );
        loop {
            match run_modal(&mut screen, input, &mut screen_state).await? {
                None | Some(KeyAnswer::Quit) => return Ok(None),
                Some(KeyAnswer::Key(key)) => {
                    match codex_client::auth::save_api_key(&config.codex_home, &key) {
                        Ok(()) => break,
                        Err(err) => screen_state.error = Some(err.to_string()),
                    }
                }
            }
        }
    }

    let settings = TurnSettings {
        cwd: config.cwd.clone(),
        approval: config.approval_policy,
        sandbox: config.sandbox_policy.clone(),
        model: config.model.clone(),
        effort: config.model_reasoning_effort,
        summary: config.model_reasoning_summary,
    };
    let display = DisplayOptions {
        hide_reasoning: config.hide_agent_reasoning,
        animations: config.tui.animations.unwrap_or(true),
        raw: false,
    };
    let mut chat = ChatState::new(settings, display, screen.width());
    // The composer shows at once; the session starts behind it.
    let first = crate::live::render_live(
        &mut chat,
        screen.width(),
        screen.height(),
        std::time::Instant::now(),
    );
    match screen.mode() {
        ScreenMode::Inline => screen.draw_inline(&[], &first)?,
        ScreenMode::Alternate => crate::modal::draw_buffer(&mut screen, &first)?,
    }

    let mut options = ThreadManagerOptions::new(SessionSource::Cli, "codex_cli_rs");
    options.linux_sandbox_exe = std::env::current_exe().ok();
    let manager = std::sync::Arc::new(ThreadManager::new(&config.codex_home, options));
    let mut warnings = warnings;
    warnings.extend(manager.warnings().iter().cloned());

    let new = match (&remote, &args.start) {
        (Some(endpoint), start) => {
            connect_remote(
                endpoint,
                args.options.remote_auth_token_env.as_deref(),
                start,
            )
            .await?
        }
        (None, StartMode::New) => manager.start_thread(config.clone(), false).await?,
        (None, StartMode::Resume(selection) | StartMode::Fork(selection)) => {
            let resume = matches!(args.start, StartMode::Resume(_));
            let verb = if resume { "Resume" } else { "Fork" };
            match choose(&mut screen, input, &manager, &config, selection, verb).await? {
                Choice::Quit => return Ok(None),
                Choice::New => manager.start_thread(config.clone(), false).await?,
                Choice::Thread(target) if resume => {
                    manager.resume_thread(config.clone(), &target).await?
                }
                Choice::Thread(target) => {
                    manager.fork_thread(config.clone(), &target, None).await?
                }
            }
        }
    };

    chat.handle_event(EventMsg::SessionConfigured(new.session_configured.clone()));
    for warning in &warnings {
        chat.commit(HistoryCell::Warning(warning.clone()));
    }
    chat.warnings = warnings;
    let recorded = chat.rollout_path.is_some();
    chat.prompts = crate::slash::load_prompts(&config.codex_home.join("prompts"));
    chat.skill_names = crate::app::skill_names(&config);
    let notifier = Notifier::from_config(&config.tui);
    let mut app = App::new(
        chat,
        screen,
        std::sync::Arc::clone(&manager),
        config.clone(),
        new,
        notifier,
    );
    if let Some(prompt) = args.prompt.filter(|p| !p.trim().is_empty()) {
        let images = args
            .options
            .images
            .iter()
            .map(|p| config.cwd.join(p))
            .collect();
        app.submit_initial(prompt, images).await;
    }
    app.auto_review = args.options.approve_for_me && remote.is_none();
    let exit = app.run(input, guard).await;
    app.finish()?;
    exit?;
    Ok(Some(Summary {
        session_id: app.chat.session_id.clone(),
        usage: app.chat.total_usage,
        recorded,
    }))
}

/// `--remote`: the thread on the app-server at `endpoint`.
async fn connect_remote(
    endpoint: &str,
    token_env: Option<&str>,
    start: &StartMode,
) -> anyhow::Result<codex_core::NewThread> {
    let token = match token_env {
        Some(var) => Some(std::env::var(var).map_err(|_| {
            anyhow::anyhow!("--remote-auth-token-env {var}: the variable {var} is not set")
        })?),
        None => None,
    };
    let start = match start {
        StartMode::New => codex_remote::RemoteStart::New,
        StartMode::Resume(Selection::Id(id)) => codex_remote::RemoteStart::Resume(id.clone()),
        StartMode::Resume(Selection::Last { .. }) => codex_remote::RemoteStart::Last,
        StartMode::Resume(Selection::Picker { .. }) => anyhow::bail!(
            "with --remote, name the thread to resume (`codex --remote URL resume ID`) or use --last"
        ),
        StartMode::Fork(_) => anyhow::bail!("fork is not available with --remote"),
    };
    Ok(codex_remote::connect(codex_remote::RemoteOptions {
        endpoint: endpoint.to_string(),
        token,
        start,
        client_version: env!("CARGO_PKG_VERSION").to_string(),
    })
    .await?)
}

enum Choice {
    Thread(ThreadRef),
    New,
    Quit,
}

/// Resolves `resume`/`fork`'s selection, with the picker if asked.
async fn choose(
    screen: &mut Screen<std::io::Stdout>,
    input: &mut Input<'_>,
    manager: &ThreadManager,
    config: &Config,
    selection: &Selection,
    verb: &'static str,
) -> anyhow::Result<Choice> {
    let list = |all: bool, include_non_interactive: bool| {
        let query = ThreadListQuery {
            cwd: (!all).then(|| config.cwd.clone()),
            archived: false,
            limit: 500,
        };
        manager
            .list_threads(&query)
            .into_iter()
            .filter(|t| include_non_interactive || t.source == SessionSource::Cli.as_str())
            .collect::<Vec<_>>()
    };
    match selection {
        Selection::Id(id) => Ok(Choice::Thread(ThreadRef::from_arg(id))),
        Selection::Last {
            all,
            include_non_interactive,
        } => match list(*all, *include_non_interactive).into_iter().next() {
            Some(thread) => Ok(Choice::Thread(ThreadRef::Path(thread.rollout_path))),
            None => anyhow::bail!(
                "no recorded interactive session{}; start one with `codex`",
                if *all {
                    ""
                } else {
                    " in this directory (--all looks everywhere)"
                }
            ),
        },
        Selection::Picker {
            all,
            include_non_interactive,
        } => {
            let mut picker = Picker::new(list(*all, *include_non_interactive), *all, verb);
            Ok(match run_modal(screen, input, &mut picker).await? {
                Some(PickerOutcome::Picked(path)) => Choice::Thread(ThreadRef::Path(path)),
                Some(PickerOutcome::StartNew) => Choice::New,
                None | Some(PickerOutcome::Quit) => Choice::Quit,
            })
        }
    }
}

#[cfg(test)]
mod flag_tests {
    use super::*;

    #[test]
    fn the_reference_flags_become_overrides_or_warnings() {
        let options = TuiOptions {
            add_dir: vec![PathBuf::from("/extra")],
            search: true,
            local_provider: Some("lmstudio".into()),
            dangerously_bypass_hook_trust: true,
            approve_for_me: true,
            no_daemon: true,
            ..TuiOptions::default()
        };
        let mut overrides = CliOverrides::default();
        let home = tempfile::tempdir().unwrap();
        let warnings = options.apply(&mut overrides, home.path()).unwrap();
        assert_eq!(
            overrides.additional_writable_roots,
            vec![PathBuf::from("/extra")]
        );
        assert!(
            overrides
                .raw_overrides
                .contains(&"web_search=\"live\"".to_string())
        );
        assert!(
            overrides
                .raw_overrides
                .contains(&"oss_provider=\"lmstudio\"".to_string())
        );
        assert!(overrides.oss);
        assert!(overrides.bypass_hook_trust);
        // --approve-for-me: the workspace-write sandbox, requests reviewed.
        assert_eq!(
            overrides.sandbox_mode,
            Some(codex_protocol::config_types::SandboxMode::WorkspaceWrite)
        );
        assert_eq!(
            overrides.approval_policy,
            Some(codex_protocol::protocol::AskForApproval::OnRequest)
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
