//! `codex memories status` and `codex memories clear`: what the memories
//! pipeline has done, and forgetting it all. Both go through the thread
//! manager, as `Op::DropMemories` does inside a session.

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};

use clap::Subcommand;
use codex_config::{Config, find_codex_home, load_config};
use codex_core::MemoryStatus;

use crate::cli::SharedOptions;
use crate::sessions_cmd::manager;

#[derive(Debug, Subcommand)]
pub enum MemoriesCommand {
    /// Whether memories are on, the files, and the jobs with their last runs.
    Status {
        /// How many phase-1 jobs to list (newest activity first).
        #[arg(short = 'n', long, default_value_t = 10)]
        limit: usize,
    },
    /// Delete every memory: the memories directory's contents and the jobs
    /// in the state database (asks first).
    Clear {
        /// Do not ask.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

pub fn run(command: MemoriesCommand, shared: &SharedOptions) -> anyhow::Result<()> {
    match command {
        MemoriesCommand::Status { limit } => {
            let config = load_config(&find_codex_home()?, &shared.to_overrides())?;
            let status = manager()?.memory_status()?;
            print!("{}", render_status(&config, &status, limit));
            Ok(())
        }
        MemoriesCommand::Clear { yes } => {
            let manager = manager()?;
            let root = manager.codex_home().join("memories");
            if !yes && !confirm(&format!("Delete everything in {}?", root.display()))? {
                anyhow::bail!("nothing was deleted");
            }
            manager.drop_memories()?;
            println!("Cleared {} and the memory jobs.", root.display());
            Ok(())
        }
    }
}

fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{question} Pass --yes to confirm when standard input is not a terminal");
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn on_off(setting: Option<bool>, feature: bool) -> &'static str {
    match setting.unwrap_or(feature) {
        true => "on",
        false => "off",
    }
}

fn time(at: Option<i64>) -> String {
    at.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".to_string())
}

fn render_status(config: &Config, status: &MemoryStatus, limit: usize) -> String {
    let feature = config.feature_enabled("memories");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "generate: {}   use: {}",
        on_off(config.memories.generate_memories, feature),
        on_off(config.memories.use_memories, feature)
    );
    let _ = writeln!(out, "directory: {}", status.root.display());
    if status.files.is_empty() {
        let _ = writeln!(out, "  (no memory files yet)");
    }
    for file in &status.files {
        let size = match file.is_dir {
            true => format!("{} files", file.size),
            false => format!("{} bytes", file.size),
        };
        let name = match file.is_dir {
            true => format!("{}/", file.name),
            false => file.name.clone(),
        };
        let _ = writeln!(out, "  {name:<20} {size:>14}  {}", time(file.modified));
    }
    let (stage2, stage1): (Vec<_>, Vec<_>) = status
        .jobs
        .iter()
        .partition(|j| j.kind == codex_state::memories::STAGE2);
    match stage2.first() {
        Some(job) => {
            let _ = writeln!(
                out,
                "consolidation: {} (started {}, finished {}, attempts {}){}",
                job.status,
                time(job.started_at),
                time(job.finished_at),
                job.attempts,
                job.last_error
                    .as_deref()
                    .map(|e| format!("\n  error: {e}"))
                    .unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(out, "consolidation: never run");
        }
    }
    let count = |status: &str| stage1.iter().filter(|j| j.status == status).count();
    let _ = writeln!(
        out,
        "extraction: {} outputs; jobs: {} succeeded, {} with nothing to keep, {} failed, {} running, {} excluded",
        status.outputs,
        count("succeeded"),
        count("succeeded_no_output"),
        count("failed"),
        count("running"),
        count("excluded"),
    );
    for job in stage1.iter().take(limit) {
        let mut line = format!(
            "  {}  {:<19}  {}",
            job.job_key,
            job.status,
            time(job.finished_at.or(job.started_at))
        );
        if let Some(retry) = job.retry_at.filter(|_| job.status == "failed") {
            let _ = write!(line, "  retry after {}", time(Some(retry)));
        }
        if let Some(error) = &job.last_error {
            let _ = write!(line, "  ({error})");
        }
        let _ = writeln!(out, "{line}");
    }
    out
}
