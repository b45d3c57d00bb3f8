//! Session management from the shell: `codex sessions list`, `codex archive`,
//! `codex unarchive` and `codex delete`.
//!
//! Everything goes through the thread manager (the index in the state
//! database, else the session files), as the interactive picker does.

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, Subcommand};
use codex_config::find_codex_home;
use codex_core::{ThreadListQuery, ThreadManager, ThreadManagerOptions, ThreadSummary};
use codex_protocol::rollout::SessionSource;

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Recorded sessions, most recently used first (those started in this
    /// directory unless --all).
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Sessions of every directory.
    #[arg(long)]
    pub all: bool,
    /// The archived sessions instead.
    #[arg(long)]
    pub archived: bool,
    /// How many to show.
    #[arg(short = 'n', long, default_value_t = 20)]
    pub limit: usize,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// The thread manager of `$CODEX_HOME`, its warnings printed.
pub(crate) fn manager() -> anyhow::Result<ThreadManager> {
    let codex_home = find_codex_home()?;
    let manager = ThreadManager::new(
        &codex_home,
        ThreadManagerOptions::new(SessionSource::Cli, "codex_cli_rs"),
    );
    for warning in manager.warnings() {
        eprintln!("warning: {warning}");
    }
    Ok(manager)
}

/// `codex sessions list`.
pub fn list(args: &ListArgs) -> anyhow::Result<()> {
    let manager = manager()?;
    let cwd = std::env::current_dir()?;
    let rows = manager.list_threads(&ThreadListQuery {
        cwd: (!args.all).then_some(cwd),
        archived: args.archived,
        limit: args.limit,
    });
    let mut out = std::io::stdout().lock();
    for (depth, row) in as_tree(rows) {
        let line = if args.json {
            json_row(&row).to_string()
        } else {
            format!("{}{}", "  ".repeat(depth), text_row(&row, args.all))
        };
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The rows with each sub-agent right under its parent (when the parent is
/// listed), with its depth; the order is otherwise kept.
fn as_tree(rows: Vec<ThreadSummary>) -> Vec<(usize, ThreadSummary)> {
    let listed: std::collections::HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
    let is_root = |row: &ThreadSummary| {
        row.parent_thread_id
            .as_ref()
            .is_none_or(|parent| !listed.contains(parent))
    };
    let (roots, mut children): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| is_root(r));
    let mut out = Vec::new();
    fn place(
        row: ThreadSummary,
        depth: usize,
        children: &mut Vec<ThreadSummary>,
        out: &mut Vec<(usize, ThreadSummary)>,
    ) {
        let id = row.id.clone();
        out.push((depth, row));
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(children)
            .into_iter()
            .partition(|c| c.parent_thread_id.as_deref() == Some(id.as_str()));
        *children = rest;
        for child in mine {
            place(child, depth + 1, children, out);
        }
    }
    for root in roots {
        place(root, 0, &mut children, &mut out);
    }
    out
}

fn text_row(row: &ThreadSummary, with_cwd: bool) -> String {
    let updated = chrono::DateTime::from_timestamp(row.updated_at, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let title: String = row
        .title
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect();
    if with_cwd {
        format!("{}  {updated}  {}  {title}", row.id, row.cwd.display())
    } else {
        format!("{}  {updated}  {title}", row.id)
    }
}

fn json_row(row: &ThreadSummary) -> serde_json::Value {
    serde_json::json!({
        "id": row.id,
        "path": row.rollout_path,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "cwd": row.cwd,
        "title": row.title,
        "source": row.source,
        "model_provider": row.model_provider,
        "model": row.model,
        "archived": row.archived,
        "git_branch": row.git_branch,
        "parent_thread_id": row.parent_thread_id,
    })
}

/// `codex archive ID`.
pub fn archive(id: &str) -> anyhow::Result<()> {
    let path = manager()?.archive_thread(id)?;
    println!("archived {id}: {}", path.display());
    Ok(())
}

/// `codex unarchive ID`.
pub fn unarchive(id: &str) -> anyhow::Result<()> {
    let path = manager()?.unarchive_thread(id)?;
    println!("restored {id}: {}", path.display());
    Ok(())
}

/// `codex delete ID`: asks first unless `yes`; refuses to guess when there
/// is no terminal to ask on.
pub fn delete(id: &str, yes: bool) -> anyhow::Result<()> {
    let manager = manager()?;
    let path = manager.find_rollout(&codex_core::ThreadRef::Id(id.to_string()))?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "not deleting {} without confirmation: standard input is not a terminal; pass --yes",
                path.display()
            );
        }
        eprint!("Delete session {id} ({})? [y/N] ", path.display());
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("kept");
            return Ok(());
        }
    }
    let path = manager.delete_thread(id)?;
    println!("deleted {id}: {}", path.display());
    Ok(())
}
