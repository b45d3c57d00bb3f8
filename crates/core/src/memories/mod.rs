//! Memories, phase 1: at the start of a session, idle past sessions are
//! distilled by a small model into a summary and a raw memory each, kept in
//! the state database and written out under `$CODEX_HOME/memories/`.
//!
//! Runs in the background (it never delays the session's start or its
//! first turn) when `[memories] generate_memories = true` or the `memories`
//! feature is on, the session is not ephemeral, and the state database is
//! open. Which threads, and how many processes may work on them at once, is
//! the state database's business (`codex_state::memories`: leases, the
//! 64-running cap, idle and age windows in SQL). The artifacts are rebuilt
//! from the database rows every time, so they can always be regenerated:
//! `rollout_summaries/<thread_id>.md` and `raw_memories.md` (newest first),
//! written atomically, 0600.
//!
//! Not built yet: phase 2 (the consolidation agent writing `MEMORY.md` and
//! `memory_summary.md`) and the read path that gives new sessions the
//! summary.

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

pub(crate) fn memory_root(codex_home: &Path) -> PathBuf {
    codex_home.join("memories")
}

/// Starts phase 1 in the background if this session should run it.
pub(crate) fn start(session: &Arc<Session>) {
    let config = &session.services.config;
    let enabled =
        config.memories.generate_memories == Some(true) || config.feature_enabled("memories");
    if !enabled || session.services.rollout.is_none() || session.services.state_db.is_none() {
        return;
    }
    let session = Arc::clone(session);
    tokio::spawn(async move {
        if let Err(err) = run_phase1(&session).await {
            tracing::warn!(%err, "memories: phase 1 failed");
        }
    });
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
    if claimed.is_empty() {
        return Ok(());
    }
    let root = memory_root(&config.codex_home);
    migrate_legacy_root(&root);
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
    let limit = config.memories.max_raw_memories_for_consolidation() as i64;
    let outputs = db
        .call(move |conn| codex_state::memories::stage1_outputs(conn, limit))
        .await
        .map_err(|err| err.to_string())?;
    tokio::task::spawn_blocking(move || rebuild_artifacts(&root, &outputs))
        .await
        .map_err(|err| err.to_string())?
        .map_err(|err| format!("cannot write the memory files: {err}"))
}

/// Writes the phase-1 artifacts from `outputs` (newest first), removing
/// summaries of threads no longer in the database.
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

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
