//! `codex review` / `codex exec review`: one review task, headless. The
//! findings go to stdout, most urgent first with `file:line`, or the
//! structured output with `--json`; progress goes to stderr.

use std::process::ExitCode;

use clap::Args;
use codex_config::{CliOverrides, find_codex_home, load_config};
use codex_core::{ReviewTarget, ThreadManager, ThreadManagerOptions, review_request};
use codex_protocol::protocol::{AskForApproval, EventMsg, Op};
use codex_protocol::rollout::SessionSource;

/// What to review (one of them; uncommitted changes by default).
#[derive(Debug, Clone, Args)]
pub struct ReviewArgs {
    /// Review staged, unstaged and untracked changes (the default).
    #[arg(long, conflicts_with_all = ["base", "commit"])]
    pub uncommitted: bool,
    /// Review the changes against this branch (from their merge base).
    #[arg(long, value_name = "BRANCH", conflicts_with = "commit")]
    pub base: Option<String>,
    /// Review one commit.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Print the structured review output as JSON.
    #[arg(long)]
    pub json: bool,
    /// Custom review instructions instead of a target.
    #[arg(value_name = "INSTRUCTIONS", conflicts_with_all = ["uncommitted", "base", "commit"])]
    pub prompt: Option<String>,
}

pub fn run_review_main(args: ReviewArgs, overrides: CliOverrides) -> ExitCode {
    codex_core::run_async_main(run(args, overrides))
}

async fn run(args: ReviewArgs, mut overrides: CliOverrides) -> anyhow::Result<ExitCode> {
    overrides.default_approval_policy = Some(AskForApproval::Never);
    let codex_home = find_codex_home()?;
    let config = load_config(&codex_home, &overrides)?;
    let target = match (&args.base, &args.commit, &args.prompt) {
        (Some(branch), _, _) => ReviewTarget::BaseBranch(branch.clone()),
        (_, Some(sha), _) => ReviewTarget::Commit {
            sha: sha.clone(),
            title: None,
        },
        (_, _, Some(prompt)) => ReviewTarget::Custom(prompt.clone()),
        _ => ReviewTarget::Uncommitted,
    };
    let request = review_request(&target, &config.cwd).map_err(|e| anyhow::anyhow!(e))?;
    let mut options = ThreadManagerOptions::new(SessionSource::Exec, crate::originator())
        .with_turn_trigger("exec");
    options.linux_sandbox_exe = std::env::current_exe().ok();
    let manager = ThreadManager::new(&config.codex_home, options);
    let new = manager.start_thread(config.clone(), false).await?;
    let codex = new.thread;
    eprintln!(
        "reviewing {} with {}",
        request.user_facing_hint, config.review_model
    );
    codex
        .submit(Op::Review {
            review_request: request,
        })
        .await?;
    let mut output = None;
    loop {
        let event = codex.next_event().await?;
        match event.msg {
            EventMsg::ExecCommandBegin(begin) => {
                eprintln!("exec {}", codex_core::shell_join(&begin.command));
            }
            EventMsg::Warning(warning) => eprintln!("warning: {}", warning.message),
            EventMsg::Error(error) => eprintln!("error: {}", error.message),
            EventMsg::ExitedReviewMode(exited) => output = exited.review_output,
            EventMsg::TaskComplete(_) | EventMsg::TurnAborted(_) => break,
            _ => {}
        }
    }
    let _ = codex.submit(Op::Shutdown).await;
    let Some(output) = output else {
        anyhow::bail!("the review did not finish");
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&output)?);
    } else {
        if output.findings.is_empty() {
            println!("No findings.");
        }
        println!("{}", codex_core::render_findings(&output));
    }
    Ok(ExitCode::SUCCESS)
}
