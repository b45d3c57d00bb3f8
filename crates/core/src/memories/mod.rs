//! Memories: what past sessions taught, for the sessions that follow.
//!
//! At the start of a root session that is not ephemeral, with memories
//! generated (`[memories] generate_memories`, else the `memories` feature)
//! and the state database open, one background task runs — it never delays
//! the session's start or its first turn:
//!
//! 1. prune: outputs of sessions not refreshed for `max_unused_days` go;
//! 2. phase 1 (`extract`): idle past sessions are distilled by a small
//!    model into a summary and a raw memory each, kept in the database;
//! 3. phase 2 (`consolidate`): if the outputs changed, one agent per
//!    database merges them into `MEMORY.md` and `memory_summary.md`.
//!
//! Which threads, and how many processes may work on them at once, is the
//! state database's business (`codex_state::memories`: leases, the
//! 64-running cap, idle and age windows in SQL, the phase-2 singleton).
//! `rollout_summaries/<thread_id>.md` and `raw_memories.md` (newest first)
//! are rebuilt from the database rows, so they can always be regenerated;
//! every file is written atomically, 0600.
//!
//! The read path ([`developer_section`]): with `use_memories` (else the
//! feature), a new session's developer instructions carry
//! `memory_summary.md`, cut to [`SUMMARY_BUDGET_BYTES`], and where the
//! other files are, so the model can read more with its tools.

mod consolidate;
mod extract;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use codex_state::memories::{Stage1Claim, Stage1Outcome};

use crate::session::Session;

/// A claimed job's lease; a job that outlives it may be taken over.
const STAGE1_LEASE_SECS: i64 = 3600;
/// When a failed extraction may be tried again.
const STAGE1_RETRY_SECS: i64 = 3600;
/// Raw memories kept in `raw_memories.md`, newest first.
const RAW_MEMORIES_FILE: &str = "raw_memories.md";
const SUMMARIES_DIR: &str = "rollout_summaries";
/// The consolidated memory, written by phase 2.
const MEMORY_FILE: &str = "MEMORY.md";
/// What new sessions are given, written by phase 2.
const SUMMARY_FILE: &str = "memory_summary.md";
/// `memory_summary.md` given to a session, at most (about 5,000 tokens).
const SUMMARY_BUDGET_BYTES: usize = 20_000;
/// Outputs pruned per start, at most.
const PRUNE_BATCH: i64 = 200;

pub(crate) fn memory_root(codex_home: &Path) -> PathBuf {
    codex_home.join("memories")
}

/// Whether this configuration generates memories: `generate_memories`,
/// else the `memories` feature.
fn generates(config: &codex_config::Config) -> bool {
    config
        .memories
        .generate_memories
        .unwrap_or_else(|| config.feature_enabled("memories"))
}

/// Whether sessions are given the memory summary: `use_memories`, else the
/// `memories` feature.
fn uses(config: &codex_config::Config) -> bool {
    config
        .memories
        .use_memories
        .unwrap_or_else(|| config.feature_enabled("memories"))
}

/// Starts prune → phase 1 → phase 2 in the background if this session
/// should run them.
pub(crate) fn start(session: &Arc<Session>) {
    let config = &session.services.config;
    if !generates(config)
        || session.services.rollout.is_none()
        || session.services.state_db.is_none()
    {
        return;
    }
    let session = Arc::clone(session);
    tokio::spawn(async move {
        let root = memory_root(&session.services.config.codex_home);
        let legacy_root = root.clone();
        let _ = tokio::task::spawn_blocking(move || migrate_legacy_root(&legacy_root)).await;
        if let Err(err) = prune(&session).await {
            tracing::warn!(%err, "memories: pruning failed");
        }
        if let Err(err) = run_phase1(&session).await {
            tracing::warn!(%err, "memories: phase 1 failed");
        }
        if let Err(err) = consolidate::run(&session, &root).await {
            tracing::warn!(%err, "memories: phase 2 failed");
        }
    });
}

async fn prune(session: &Arc<Session>) -> Result<(), String> {
    let Some(db) = session.services.state_db.clone() else {
        return Ok(());
    };
    let max_unused_days = session.services.config.memories.max_unused_days();
    let older_than = unix_now() - max_unused_days * 24 * 3600;
    db.call(move |conn| codex_state::memories::prune_stage1_outputs(conn, older_than, PRUNE_BATCH))
        .await
        .map(|_| ())
        .map_err(|err| err.to_string())
}

async fn run_phase1(session: &Arc<Session>) -> Result<(), String> {
    let config = &session.services.config;
    let Some(db) = session.services.state_db.clone() else {
        return Ok(());
    };
    let owner = format!("{}:{}", std::process::id(), session.thread_id);
    let now = unix_now();
    let memories = config.memories.clone();
    let claim_owner = owner.clone();
    let claimed = db
        .call(move |conn| {
            codex_state::memories::claim_stage1_jobs(
                conn,
                &Stage1Claim {
                    now,
                    max_age_secs: memories.max_rollout_age_days() * 24 * 3600,
                    min_idle_secs: memories.min_rollout_idle_hours() * 3600,
                    max_claims: memories.max_rollouts_per_startup(),
                    lease_secs: STAGE1_LEASE_SECS,
                    owner: &claim_owner,
                },
            )
        })
        .await
        .map_err(|err| err.to_string())?;
    for thread in claimed {
        // The current session's own file is never a candidate (not idle).
        let outcome = match extract::extract(session, Path::new(&thread.rollout_path)).await {
            Ok(Some((rollout_summary, raw_memory))) => Stage1Outcome::Succeeded {
                rollout_summary,
                raw_memory,
            },
            Ok(None) => Stage1Outcome::SucceededNoOutput,
            Err(error) => Stage1Outcome::Failed {
                error,
                retry_after_secs: STAGE1_RETRY_SECS,
            },
        };
        let owner = owner.clone();
        let id = thread.thread_id.clone();
        let finished = db
            .call(move |conn| {
                codex_state::memories::finish_stage1(conn, &id, &owner, unix_now(), &outcome)
            })
            .await
            .map_err(|err| err.to_string())?;
        if !finished {
            tracing::info!(thread = %thread.thread_id, "memories: the job was taken over");
        }
    }
    Ok(())
}

/// Writes the phase-1 artifacts from `outputs` (newest first), removing
/// summaries of threads no longer among them.
pub(crate) fn rebuild_artifacts(
    root: &Path,
    outputs: &[codex_state::memories::Stage1Output],
) -> std::io::Result<()> {
    let summaries = root.join(SUMMARIES_DIR);
    codex_config::private_file::create_private_dir_all(&summaries)?;
    let mut keep = std::collections::HashSet::new();
    for output in outputs {
        let name = format!("{}.md", output.thread_id);
        let text = format!(
            "# Session {}\n\n{}\n",
            output.thread_id,
            output.rollout_summary.trim_end()
        );
        codex_config::private_file::write_atomic(&summaries.join(&name), text.as_bytes())?;
        keep.insert(name);
    }
    for entry in std::fs::read_dir(&summaries)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !keep.contains(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let mut raw =
        String::from("# Raw memories\n\nNewest first; rebuilt from the state database.\n");
    for output in outputs {
        raw.push_str(&format!(
            "\n## Session {}\n\n{}\n",
            output.thread_id,
            output.raw_memory.trim_end()
        ));
    }
    codex_config::private_file::write_atomic(&root.join(RAW_MEMORIES_FILE), raw.as_bytes())
}

/// One-time move of the old single-user root: if `memories/user/memory`
/// exists and the new root holds nothing else, its files are copied over.
/// Old per-cwd buckets are left alone.
fn migrate_legacy_root(root: &Path) {
    let legacy = root.join("user").join("memory");
    let root_is_empty = std::fs::read_dir(root)
        .map(|entries| entries.flatten().all(|e| e.file_name() == "user"))
        .unwrap_or(true);
    if !legacy.is_dir() || !root_is_empty {
        return;
    }
    for entry in std::fs::read_dir(&legacy).into_iter().flatten().flatten() {
        let to = root.join(entry.file_name());
        if entry.path().is_file() && !to.exists() {
            let _ = std::fs::read(entry.path())
                .and_then(|bytes| codex_config::private_file::write_atomic(&to, &bytes));
        }
    }
}

/// The memory section of a new session's developer instructions, when
/// memories are used and phase 2 has written a summary.
pub(crate) fn developer_section(config: &codex_config::Config) -> Option<String> {
    if !uses(config) {
        return None;
    }
    let root = memory_root(&config.codex_home);
    let summary = std::fs::read_to_string(root.join(SUMMARY_FILE)).ok()?;
    let summary = summary.trim();
    if summary.is_empty() {
        return None;
    }
    let (summary, cut) = match summary.len() > SUMMARY_BUDGET_BYTES {
        true => {
            let mut end = SUMMARY_BUDGET_BYTES;
            while !summary.is_char_boundary(end) {
                end -= 1;
            }
            (&summary[..end], "\n[… the rest is in memory_summary.md]")
        }
        false => (summary, ""),
    };
    Some(format!(
        "## Memory\n\nYou have memories of this user's earlier sessions in `{root}`: \
         `memory_summary.md` (below), `MEMORY.md` (the full memory by topic, with the \
         sessions each point comes from), `raw_memories.md` and `rollout_summaries/`. \
         Read them with your tools when the task may touch what they cover; they are \
         read-only for you. They can be out of date: check a remembered fact before \
         relying on it, and prefer what the user says now.\n\n<memory_summary>\n{summary}{cut}\n</memory_summary>",
        root = root.display()
    ))
}

/// Keeps this session out of the memories for good, once it used MCP
/// tools or web search, when `no_memories_if_mcp_or_web_search` is set.
pub(crate) fn exclude_if_configured(session: &Session, reason: &'static str) {
    let services = &session.services;
    if services.config.memories.no_memories_if_mcp_or_web_search != Some(true)
        || services.rollout.is_none()
        || services
            .memory_excluded
            .swap(true, std::sync::atomic::Ordering::SeqCst)
    {
        return;
    }
    let Some(db) = services.state_db.clone() else {
        return;
    };
    let id = session.thread_id.to_string();
    tokio::spawn(async move {
        let result = db
            .call(move |conn| codex_state::memories::exclude_thread(conn, &id, reason))
            .await;
        if let Err(err) = result {
            tracing::warn!(%err, "memories: cannot keep this session out of the memories");
        }
    });
}

/// Forgets every memory: the directory's contents and the database's jobs
/// and outputs (exclusions stay). `Op::DropMemories`, `codex memories clear`.
pub fn drop_memories(codex_home: &Path, db: Option<&codex_state::StateDb>) -> Result<(), String> {
    if let Some(db) = db {
        db.call_blocking(codex_state::memories::clear_memories)
            .map_err(|err| format!("cannot clear the memory jobs in the state database: {err}"))?;
    }
    let root = memory_root(codex_home);
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(format!("cannot read {}: {err}", root.display())),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let removed = match entry.file_type() {
            Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
        removed.map_err(|err| format!("cannot remove {}: {err}", path.display()))?;
    }
    Ok(())
}

/// What `codex memories status` shows.
#[derive(Debug, Clone)]
pub struct MemoryStatus {
    /// `$CODEX_HOME/memories`.
    pub root: PathBuf,
    /// The files phase 2 and the artifacts left there: name, bytes,
    /// modification time (Unix seconds); `rollout_summaries/` counts its
    /// files instead of bytes.
    pub files: Vec<MemoryFile>,
    /// Every job, phase 2 first, then phase 1 by most recent activity.
    pub jobs: Vec<codex_state::memories::MemoryJob>,
    /// Phase-1 outputs kept in the database.
    pub outputs: usize,
}

#[derive(Debug, Clone)]
pub struct MemoryFile {
    pub name: String,
    /// Bytes, or for a directory the number of entries.
    pub size: u64,
    pub is_dir: bool,
    pub modified: Option<i64>,
}

/// The memory directory and the jobs (`db` may be missing: files only).
pub fn memory_status(
    codex_home: &Path,
    db: Option<&codex_state::StateDb>,
) -> Result<MemoryStatus, String> {
    let (jobs, outputs) = match db {
        Some(db) => db
            .call_blocking(|conn| {
                let jobs = codex_state::memories::memory_jobs(conn)?;
                let outputs = codex_state::memories::stage1_output_count(conn)?;
                Ok((jobs, outputs))
            })
            .map_err(|err| format!("cannot read the memory jobs: {err}"))?,
        None => (Vec::new(), 0),
    };
    let root = memory_root(codex_home);
    let mut files = Vec::new();
    for name in [MEMORY_FILE, SUMMARY_FILE, RAW_MEMORIES_FILE, SUMMARIES_DIR] {
        let path = root.join(name);
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let size = if meta.is_dir() {
            std::fs::read_dir(&path)
                .map(|d| d.count() as u64)
                .unwrap_or(0)
        } else {
            meta.len()
        };
        files.push(MemoryFile {
            name: name.to_string(),
            size,
            is_dir: meta.is_dir(),
            modified: meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64),
        });
    }
    Ok(MemoryStatus {
        root,
        files,
        jobs,
        outputs,
    })
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
