//! `codex exec`: the agent without a UI.
//!
//! The prompt comes from the argument and/or standard input; progress goes
//! to stderr and the final message to stdout (or, with `--json`, one
//! [`exec_events::ThreadEvent`] per line on stdout). The approval policy
//! defaults to `never`. Ctrl-C interrupts the turn, flushes the session file
//! and exits with 130; a failed turn exits with 1.

mod approvals;
pub mod cli;
pub mod exec_events;
mod human_output;
mod json_output;
mod prompt;
pub mod review;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use codex_config::{CliOverrides, Config, find_codex_home, load_config};
use codex_core::{ThreadManager, ThreadManagerOptions, ThreadRef};
use codex_protocol::mcp::ElicitationAction;
use codex_protocol::protocol::{AskForApproval, EventMsg, Op, ReviewDecision, SandboxPolicy};
use codex_protocol::rollout::SessionSource;
use codex_protocol::user_input::UserInput;

pub use cli::{Color, ExecArgs, ExecCommand, ResumeArgs};
use human_output::HumanProcessor;
use json_output::JsonProcessor;

/// Exit code after Ctrl-C.
const INTERRUPTED_EXIT_CODE: u8 = 130;

/// Who is asking, for the `originator` header: `codex_exec`, or what a
/// program driving exec says it is (the TypeScript SDK sets
/// `CODEX_INTERNAL_ORIGINATOR_OVERRIDE=codex_sdk_ts`). Only a plain token is
/// taken, since it goes into a header.
fn originator() -> String {
    std::env::var(ORIGINATOR_OVERRIDE_ENV)
        .ok()
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        .unwrap_or_else(|| "codex_exec".to_string())
}

const ORIGINATOR_OVERRIDE_ENV: &str = "CODEX_INTERNAL_ORIGINATOR_OVERRIDE";

/// Runs `codex exec`; never panics on bad input, every error is a message.
pub fn run_main(args: ExecArgs, overrides: CliOverrides) -> ExitCode {
    if let Some(ExecCommand::Review(review)) = args.command {
        return review::run_review_main(review, overrides);
    }
    codex_core::run_async_main(run(args, overrides))
}

enum Output {
    Human(HumanProcessor),
    Json(JsonProcessor),
}

impl Output {
    /// Shows one event: on stderr for people, as JSON lines on stdout.
    fn emit(&mut self, msg: &EventMsg, config: &Config) {
        match self {
            Output::Human(human) => {
                if let EventMsg::SessionConfigured(configured) = msg {
                    human.print_header(config, configured);
                } else {
                    human.process(msg);
                }
            }
            Output::Json(json) => {
                let mut stdout = std::io::stdout().lock();
                for line in json.process(msg, &config.cwd) {
                    if let Ok(text) = serde_json::to_string(&line) {
                        let _ = writeln!(stdout, "{text}");
                    }
                }
                let _ = stdout.flush();
            }
        }
    }
}

async fn run(args: ExecArgs, mut overrides: CliOverrides) -> anyhow::Result<ExitCode> {
    overrides.default_approval_policy = Some(AskForApproval::Never);
    overrides.additional_writable_roots = args.add_dir.clone();
    overrides.bypass_hook_trust = args.dangerously_bypass_hook_trust;
    let codex_home = find_codex_home()?;
    let config = load_config(&codex_home, &overrides)?;
    for warning in &config.warnings {
        eprintln!("warning: {warning}");
    }
    let _log_guard = match codex_core::logging::init(&config.codex_home) {
        Ok(guard) => Some(guard),
        Err(warning) => {
            eprintln!("warning: {warning}");
            None
        }
    };
    let mut options =
        ThreadManagerOptions::new(SessionSource::Exec, originator()).with_turn_trigger("exec");
    options.linux_sandbox_exe = std::env::current_exe().ok();
    if let Some(source) = args.thread_source.as_ref().filter(|s| !s.trim().is_empty()) {
        options.thread_source = source.clone();
    }
    let manager = ThreadManager::new(&config.codex_home, options);
    for warning in manager.warnings() {
        eprintln!("warning: {warning}");
    }

    let (resume, prompt_arg, images) = match &args.command {
        Some(ExecCommand::Resume(resume)) => {
            let mut resume = resume.clone();
            // `resume --last "follow-up"`: the one positional is the prompt.
            if resume.last && resume.prompt.is_none() {
                resume.prompt = resume.session_id.take();
            }
            let prompt = resume.prompt.clone();
            (Some(resume), prompt, args.images.clone())
        }
        None | Some(ExecCommand::Review(_)) => (None, args.prompt.clone(), args.images.clone()),
    };

    if !args.skip_git_repo_check
        && !matches!(config.sandbox_policy, SandboxPolicy::DangerFullAccess)
        && codex_core::git_root(&config.cwd).is_none()
    {
        anyhow::bail!(
            "{} is not inside a Git repository; run codex exec in a repository, or pass --skip-git-repo-check",
            config.cwd.display()
        );
    }
    let output_schema = match &args.output_schema {
        Some(path) => Some(read_schema(path)?),
        None => None,
    };
    let resume_target = match &resume {
        None => None,
        Some(resume) => Some(resume_target(&config, resume)?),
    };
    let prompt = prompt::read_prompt(prompt_arg)?;
    let mut items: Vec<UserInput> = images
        .into_iter()
        .map(|path| {
            let path = config.cwd.join(path);
            if !path.is_file() {
                anyhow::bail!("image {} does not exist", path.display());
            }
            Ok(UserInput::LocalImage { path })
        })
        .collect::<anyhow::Result<_>>()?;
    items.push(UserInput::Text {
        text: prompt.clone(),
    });
    if let Some(message) = codex_protocol::user_input::input_too_large(&items) {
        anyhow::bail!("{message}");
    }

    let new = match &resume_target {
        None => manager.start_thread(config.clone(), args.ephemeral).await?,
        Some(target) => manager.resume_thread(config.clone(), target).await?,
    };
    let codex = new.thread;
    // The thread's own settings: a resumed thread keeps what it recorded
    // (core's `resume_settings`), which the loaded config may not say.
    let settings = new.session_configured.clone();

    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut output = if args.json {
        Output::Json(JsonProcessor::default())
    } else {
        Output::Human(HumanProcessor::new(color, &config))
    };
    output.emit(
        &EventMsg::SessionConfigured(new.session_configured),
        &config,
    );
    if let Some(resume) = &resume
        && let Some(n) = resume.from_message
    {
        rewind_to_message(&codex, &mut output, &config, n, resume.restore_code).await?;
    }

    codex
        .submit(Op::AddToHistory {
            text: prompt.clone(),
        })
        .await?;
    let turn_id = codex
        .submit(Op::UserTurn {
            items,
            cwd: settings.cwd,
            approval_policy: settings.approval_policy,
            sandbox_policy: settings.sandbox_policy,
            model: settings.model,
            effort: settings.reasoning_effort,
            summary: config.model_reasoning_summary,
            final_output_json_schema: output_schema,
        })
        .await?;

    let interactive = approvals::interactive() && !args.json;
    let mut last_message: Option<String> = None;
    let mut turn_failed = false;
    let mut interrupted = false;
    let mut shutting_down = false;
    // Ctrl-C interrupts the turn (below) rather than ending the process.
    codex_core::frontend_handles_signals(&[codex_core::ExitSignal::Interrupt]);
    loop {
        let event = tokio::select! {
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                eprintln!("interrupted; stopping the turn and saving the session");
                codex.submit(Op::Interrupt).await?;
                continue;
            }
            _ = tokio::signal::ctrl_c(), if interrupted => {
                // A second Ctrl-C: stop now.
                return Ok(ExitCode::from(INTERRUPTED_EXIT_CODE));
            }
            event = codex.next_event() => event?,
        };
        output.emit(&event.msg, &config);
        match event.msg {
            EventMsg::ExecApprovalRequest(request) => {
                let question = approval_question(
                    format!(
                        "run `{}` in {}",
                        codex_core::display_command(&request.command),
                        request.cwd.display()
                    ),
                    request.reason.as_deref(),
                );
                let decision = decide(interactive, question).await;
                codex
                    .submit(Op::ExecApproval {
                        id: request.call_id,
                        decision,
                    })
                    .await?;
            }
            EventMsg::ElicitationRequest(request) => {
                // exec cannot fill in forms: an interactive person may accept
                // (with no content) or decline; otherwise it is declined.
                let question = format!(
                    "MCP server `{}` asks: {}",
                    request.server_name, request.message
                );
                let decision = match decide(interactive, question).await {
                    ReviewDecision::Approved
                    | ReviewDecision::ApprovedForSession
                    | ReviewDecision::ApprovedExecpolicyAmendment => ElicitationAction::Accept,
                    ReviewDecision::Denied => ElicitationAction::Decline,
                    ReviewDecision::Abort => ElicitationAction::Cancel,
                };
                codex
                    .submit(Op::ResolveElicitation {
                        server_name: request.server_name,
                        request_id: request.id,
                        decision,
                        content: None,
                    })
                    .await?;
            }
            EventMsg::ApplyPatchApprovalRequest(request) => {
                let mut files: Vec<String> = request
                    .changes
                    .keys()
                    .map(|p| p.display().to_string())
                    .collect();
                files.sort();
                let question = approval_question(
                    format!("change {}", files.join(", ")),
                    request.reason.as_deref(),
                );
                let decision = decide(interactive, question).await;
                codex
                    .submit(Op::PatchApproval {
                        id: request.call_id,
                        decision,
                    })
                    .await?;
            }
            EventMsg::Error(_) if event.id == turn_id => turn_failed = true,
            EventMsg::TaskComplete(done) if event.id == turn_id => {
                last_message = done.last_agent_message;
                if !shutting_down {
                    shutting_down = true;
                    codex.submit(Op::Shutdown).await?;
                }
            }
            EventMsg::TurnAborted(_) if event.id == turn_id => {
                turn_failed = true;
                if !shutting_down {
                    shutting_down = true;
                    codex.submit(Op::Shutdown).await?;
                }
            }
            EventMsg::ShutdownComplete => break,
            _ => {}
        }
    }

    if let Some(path) = &args.output_last_message {
        let mut text = last_message.clone().unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        // Replaced whole (temp file + rename), never left half-written.
        codex_config::private_file::write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !args.json
        && let Some(message) = &last_message
    {
        println!("{message}");
    }
    Ok(if interrupted {
        ExitCode::from(INTERRUPTED_EXIT_CODE)
    } else if turn_failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// "codex wants to <action> (<reason>)".
fn approval_question(action: String, reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!("codex wants to {action} ({reason})"),
        None => format!("codex wants to {action}"),
    }
}

async fn decide(interactive: bool, question: String) -> ReviewDecision {
    if !interactive {
        eprintln!("{question}: denied (no terminal to ask on)");
        return ReviewDecision::Denied;
    }
    tokio::task::spawn_blocking(move || approvals::ask(&question))
        .await
        .unwrap_or(ReviewDecision::Denied)
}

fn read_schema(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --output-schema {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("--output-schema {} is not valid JSON", path.display()))
}

/// `resume --from-message N`: the thread goes back to before its Nth user
/// message (and its files with `--restore-code`) before the prompt.
async fn rewind_to_message(
    codex: &codex_core::Codex,
    output: &mut Output,
    config: &Config,
    n: usize,
    restore_code: bool,
) -> anyhow::Result<()> {
    use codex_protocol::rewind::RewindMode;
    if n == 0 {
        anyhow::bail!("--from-message counts from 1 (the session's first message)");
    }
    let mode = if restore_code {
        RewindMode::CodeAndConversation
    } else {
        RewindMode::ConversationOnly
    };
    codex
        .submit(Op::Rewind {
            nth_user_message: n - 1,
            mode,
            dry_run: false,
            restore_edited: Vec::new(),
        })
        .await?;
    loop {
        let event = codex.next_event().await?;
        if let EventMsg::RewindCompleted(done) = &event.msg {
            if !done.success {
                anyhow::bail!("--from-message {n}: {}", done.message);
            }
            eprintln!("{}", done.message);
            return Ok(());
        }
        output.emit(&event.msg, config);
    }
}

/// Which recorded thread `resume` means.
fn resume_target(config: &Config, resume: &ResumeArgs) -> anyhow::Result<ThreadRef> {
    match (&resume.session_id, resume.last) {
        (Some(id), _) => Ok(ThreadRef::from_arg(id)),
        (None, true) => Ok(ThreadRef::Latest {
            cwd: (!resume.all).then(|| config.cwd.clone()),
        }),
        (None, false) => anyhow::bail!("resume needs a session id, a session file or --last"),
    }
}
