//! The memories pipeline's jobs: phase-1 extraction per thread and the one
//! phase-2 consolidation, with DB-backed leases shared by every codex
//! process on this database.
//!
//! A job row is `(kind, job_key)` with a status and, while running, an
//! owner and a lease. Invariants, all enforced inside one `IMMEDIATE`
//! transaction per claim so that concurrent processes cannot break them:
//!
//! - a thread is a phase-1 candidate only if its rollout was updated within
//!   `max_age` and has been idle for at least `min_idle` — filtered in the
//!   SQL selection itself, so recent threads cannot fill a scan limit and
//!   starve eligible ones;
//! - a job is claimable when it was never run, failed and its retry time
//!   has come, succeeded for an older version of the thread, or is running
//!   with a stale lease (its owner died: the lease is taken over);
//! - at most [`MAX_RUNNING_STAGE1`] phase-1 jobs are running with a fresh
//!   lease at any time, across all processes;
//! - the phase-2 job is a singleton: one owner at a time, kept alive by
//!   heartbeats, taken over when its lease goes stale; it is claimable only
//!   when phase 1's outputs changed since its last success. Every change to
//!   the outputs (a new or emptied output, a pruned one, an excluded
//!   thread) bumps an input version in `meta` in the same transaction; a
//!   successful phase 2 records the version it consumed as its watermark
//!   (the job row's `source_updated_at`);
//! - a thread marked excluded (it used MCP tools or web search, with
//!   `no_memories_if_mcp_or_web_search`) is never claimed again and its
//!   output is gone.
//!
//! Finishing or heartbeating checks the owner, so a process whose lease was
//! taken over cannot overwrite the new owner's work. Times are Unix seconds
//! passed in by the caller (tests move the clock).

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

pub const STAGE1: &str = "memory_stage1";
pub const STAGE2: &str = "memory_stage2";
/// The phase-2 job's key: one global consolidation.
pub const STAGE2_KEY: &str = "global";
/// Phase-1 jobs running with a fresh lease, at most, across processes.
pub const MAX_RUNNING_STAGE1: i64 = 64;
/// The `meta` key of the phase-1 outputs' version.
const INPUT_VERSION_KEY: &str = "memories_input_version";

/// What a phase-1 claim selects.
#[derive(Debug, Clone)]
pub struct Stage1Claim<'a> {
    pub now: i64,
    /// Rollouts last updated longer ago than this are too old.
    pub max_age_secs: i64,
    /// Rollouts updated more recently than this are still in use.
    pub min_idle_secs: i64,
    /// Jobs this claim may take (`max_rollouts_per_startup`).
    pub max_claims: i64,
    pub lease_secs: i64,
    pub owner: &'a str,
}

/// A thread claimed for extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedThread {
    pub thread_id: String,
    pub rollout_path: String,
    pub updated_at: i64,
}

/// How a phase-1 job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage1Outcome {
    Succeeded {
        rollout_summary: String,
        raw_memory: String,
    },
    /// The model found nothing worth remembering.
    SucceededNoOutput,
    Failed {
        error: String,
        retry_after_secs: i64,
    },
}

/// A phase-1 output, as the artifacts are rebuilt from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage1Output {
    pub thread_id: String,
    pub rollout_summary: String,
    pub raw_memory: String,
    pub source_updated_at: i64,
    pub generated_at: i64,
}

/// A job row, for `codex memories status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryJob {
    pub kind: String,
    pub job_key: String,
    pub status: String,
    pub owner: Option<String>,
    pub lease_until: Option<i64>,
    pub retry_at: Option<i64>,
    pub attempts: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub last_error: Option<String>,
}

/// Claims up to `claim.max_claims` phase-1 jobs, newest rollouts first,
/// without ever exceeding [`MAX_RUNNING_STAGE1`] fresh running jobs.
pub fn claim_stage1_jobs(
    conn: &mut Connection,
    claim: &Stage1Claim<'_>,
) -> rusqlite::Result<Vec<ClaimedThread>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let running: i64 = tx.query_row(
        "SELECT COUNT(*) FROM memory_jobs
         WHERE kind = ?1 AND status = 'running' AND lease_until >= ?2",
        params![STAGE1, claim.now],
        |row| row.get(0),
    )?;
    let available = (MAX_RUNNING_STAGE1 - running).min(claim.max_claims);
    if available <= 0 {
        tx.commit()?;
        return Ok(Vec::new());
    }
    let claimed = {
        let mut select = tx.prepare(
            "SELECT t.id, t.rollout_path, t.updated_at
             FROM threads t
             LEFT JOIN memory_jobs j ON j.kind = ?1 AND j.job_key = t.id
             WHERE t.archived = 0
               AND t.updated_at >= ?2 - ?3
               AND t.updated_at <= ?2 - ?4
               AND (j.job_key IS NULL
                    OR (j.status = 'running' AND j.lease_until < ?2)
                    OR (j.status = 'failed' AND j.retry_at <= ?2)
                    OR (j.status IN ('succeeded', 'succeeded_no_output')
                        AND j.source_updated_at < t.updated_at))
             ORDER BY t.updated_at DESC, t.id
             LIMIT ?5",
        )?;
        select
            .query_map(
                params![
                    STAGE1,
                    claim.now,
                    claim.max_age_secs,
                    claim.min_idle_secs,
                    available
                ],
                |row| {
                    Ok(ClaimedThread {
                        thread_id: row.get(0)?,
                        rollout_path: row.get(1)?,
                        updated_at: row.get(2)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?
    };
    for thread in &claimed {
        tx.execute(
            "INSERT INTO memory_jobs
                 (kind, job_key, status, owner, lease_until, attempts, started_at, source_updated_at)
             VALUES (?1, ?2, 'running', ?3, ?4, 1, ?5, ?6)
             ON CONFLICT (kind, job_key) DO UPDATE SET
                 status = 'running', owner = ?3, lease_until = ?4,
                 attempts = attempts + 1, started_at = ?5, finished_at = NULL,
                 source_updated_at = ?6",
            params![
                STAGE1,
                thread.thread_id,
                claim.owner,
                claim.now + claim.lease_secs,
                claim.now,
                thread.updated_at
            ],
        )?;
    }
    tx.commit()?;
    Ok(claimed)
}

/// Ends a phase-1 job `owner` holds; false (and nothing written) if the
/// job is no longer its own (the lease went stale and was taken over).
pub fn finish_stage1(
    conn: &mut Connection,
    thread_id: &str,
    owner: &str,
    now: i64,
    outcome: &Stage1Outcome,
) -> rusqlite::Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let source_updated_at: Option<i64> = tx
        .query_row(
            "SELECT source_updated_at FROM memory_jobs
             WHERE kind = ?1 AND job_key = ?2 AND status = 'running' AND owner = ?3",
            params![STAGE1, thread_id, owner],
            |row| row.get(0),
        )
        .optional()?
        .flatten();
    let Some(source_updated_at) = source_updated_at else {
        tx.commit()?;
        return Ok(false);
    };
    let (status, retry_at, error) = match outcome {
        Stage1Outcome::Succeeded {
            rollout_summary,
            raw_memory,
        } => {
            tx.execute(
                "INSERT INTO memory_stage1_outputs
                     (thread_id, rollout_summary, raw_memory, source_updated_at, generated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (thread_id) DO UPDATE SET
                     rollout_summary = ?2, raw_memory = ?3, source_updated_at = ?4,
                     generated_at = ?5",
                params![
                    thread_id,
                    rollout_summary,
                    raw_memory,
                    source_updated_at,
                    now
                ],
            )?;
            bump_input_version(&tx)?;
            ("succeeded", None, None)
        }
        Stage1Outcome::SucceededNoOutput => {
            if tx.execute(
                "DELETE FROM memory_stage1_outputs WHERE thread_id = ?1",
                params![thread_id],
            )? > 0
            {
                bump_input_version(&tx)?;
            }
            ("succeeded_no_output", None, None)
        }
        Stage1Outcome::Failed {
            error,
            retry_after_secs,
        } => ("failed", Some(now + retry_after_secs), Some(error.as_str())),
    };
    finish(&tx, STAGE1, thread_id, status, now, retry_at, error)?;
    tx.commit()?;
    Ok(true)
}

/// Claims the phase-2 job for `owner` when there is something new to
/// consolidate (the outputs changed since its last success) or its last
/// run failed and the retry time has come — unless another owner holds a
/// fresh lease. Returns the input version claimed, to hand back to
/// [`finish_stage2`].
pub fn claim_stage2(
    conn: &mut Connection,
    owner: &str,
    now: i64,
    lease_secs: i64,
) -> rusqlite::Result<Option<i64>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version = input_version(&tx)?;
    let changed = tx.execute(
        "INSERT INTO memory_jobs (kind, job_key, status, owner, lease_until, attempts, started_at)
         SELECT ?1, ?2, 'running', ?3, ?4, 1, ?5 WHERE ?6 > 0
         ON CONFLICT (kind, job_key) DO UPDATE SET
             status = 'running', owner = ?3, lease_until = ?4,
             attempts = attempts + 1, started_at = ?5, finished_at = NULL
         WHERE (memory_jobs.status = 'running' AND memory_jobs.lease_until < ?5)
            OR (memory_jobs.status = 'failed' AND memory_jobs.retry_at <= ?5)
            OR (memory_jobs.status = 'succeeded'
                AND COALESCE(memory_jobs.source_updated_at, 0) < ?6)",
        params![STAGE2, STAGE2_KEY, owner, now + lease_secs, now, version],
    )?;
    tx.commit()?;
    Ok((changed == 1).then_some(version))
}

/// Extends `owner`'s phase-2 lease; false if it is no longer the owner.
pub fn heartbeat_stage2(
    conn: &Connection,
    owner: &str,
    now: i64,
    lease_secs: i64,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE memory_jobs SET lease_until = ?4
         WHERE kind = ?1 AND job_key = ?2 AND status = 'running' AND owner = ?3",
        params![STAGE2, STAGE2_KEY, owner, now + lease_secs],
    )?;
    Ok(changed == 1)
}

/// Ends `owner`'s phase-2 job: `Ok(version)` (the version its claim
/// returned, now consolidated) or `Err((error, retry_after_secs))`. False
/// if it is no longer the owner.
pub fn finish_stage2(
    conn: &mut Connection,
    owner: &str,
    now: i64,
    result: Result<i64, (&str, i64)>,
) -> rusqlite::Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let owned: bool = tx
        .query_row(
            "SELECT 1 FROM memory_jobs
             WHERE kind = ?1 AND job_key = ?2 AND status = 'running' AND owner = ?3",
            params![STAGE2, STAGE2_KEY, owner],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if owned {
        match result {
            Ok(version) => {
                finish(&tx, STAGE2, STAGE2_KEY, "succeeded", now, None, None)?;
                tx.execute(
                    "UPDATE memory_jobs SET source_updated_at = ?3 WHERE kind = ?1 AND job_key = ?2",
                    params![STAGE2, STAGE2_KEY, version],
                )?;
            }
            Err((error, retry_after_secs)) => finish(
                &tx,
                STAGE2,
                STAGE2_KEY,
                "failed",
                now,
                Some(now + retry_after_secs),
                Some(error),
            )?,
        }
    }
    tx.commit()?;
    Ok(owned)
}

fn finish(
    tx: &rusqlite::Transaction<'_>,
    kind: &str,
    key: &str,
    status: &str,
    now: i64,
    retry_at: Option<i64>,
    error: Option<&str>,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE memory_jobs SET status = ?3, owner = NULL, lease_until = NULL,
             finished_at = ?4, retry_at = ?5, last_error = ?6
         WHERE kind = ?1 AND job_key = ?2",
        params![kind, key, status, now, retry_at, error],
    )?;
    Ok(())
}

fn input_version(conn: &Connection) -> rusqlite::Result<i64> {
    let value = crate::threads::get_meta(conn, INPUT_VERSION_KEY)?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

fn bump_input_version(conn: &Connection) -> rusqlite::Result<()> {
    let next = input_version(conn)? + 1;
    crate::threads::set_meta(conn, INPUT_VERSION_KEY, &next.to_string())
}

/// Deletes up to `batch` phase-1 outputs of rollouts last updated before
/// `older_than` (not refreshed for `max_unused_days`), oldest first.
/// Their jobs stay done, so the same version of a thread is not extracted
/// again. Returns how many went.
pub fn prune_stage1_outputs(
    conn: &mut Connection,
    older_than: i64,
    batch: i64,
) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let ids: Vec<String> = {
        let mut select = tx.prepare(
            "SELECT thread_id FROM memory_stage1_outputs
             WHERE source_updated_at < ?1
             ORDER BY source_updated_at, thread_id LIMIT ?2",
        )?;
        select
            .query_map(params![older_than, batch], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for id in &ids {
        tx.execute(
            "DELETE FROM memory_stage1_outputs WHERE thread_id = ?1",
            params![id],
        )?;
    }
    if !ids.is_empty() {
        bump_input_version(&tx)?;
    }
    tx.commit()?;
    Ok(ids.len())
}

/// Keeps a thread out of the memories for good (it used MCP tools or web
/// search): its job is marked `excluded`, which no claim selects, and its
/// output, if any, is deleted. A running job's owner then finds the job no
/// longer its own and writes nothing.
pub fn exclude_thread(
    conn: &mut Connection,
    thread_id: &str,
    reason: &str,
) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO memory_jobs (kind, job_key, status, last_error)
         VALUES (?1, ?2, 'excluded', ?3)
         ON CONFLICT (kind, job_key) DO UPDATE SET
             status = 'excluded', owner = NULL, lease_until = NULL, retry_at = NULL,
             last_error = ?3",
        params![STAGE1, thread_id, reason],
    )?;
    if tx.execute(
        "DELETE FROM memory_stage1_outputs WHERE thread_id = ?1",
        params![thread_id],
    )? > 0
    {
        bump_input_version(&tx)?;
    }
    tx.commit()
}

/// Phase-1 outputs, newest first, at most `limit`.
pub fn stage1_outputs(conn: &Connection, limit: i64) -> rusqlite::Result<Vec<Stage1Output>> {
    let mut select = conn.prepare(
        "SELECT thread_id, rollout_summary, raw_memory, source_updated_at, generated_at
         FROM memory_stage1_outputs
         ORDER BY source_updated_at DESC, thread_id
         LIMIT ?1",
    )?;
    select
        .query_map(params![limit], |row| {
            Ok(Stage1Output {
                thread_id: row.get(0)?,
                rollout_summary: row.get(1)?,
                raw_memory: row.get(2)?,
                source_updated_at: row.get(3)?,
                generated_at: row.get(4)?,
            })
        })?
        .collect()
}

/// How many phase-1 outputs there are.
pub fn stage1_output_count(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("SELECT COUNT(*) FROM memory_stage1_outputs", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(|n| n as usize)
}

/// Every job, phase 2 first, then phase 1 by most recent activity.
pub fn memory_jobs(conn: &Connection) -> rusqlite::Result<Vec<MemoryJob>> {
    let mut select = conn.prepare(
        "SELECT kind, job_key, status, owner, lease_until, retry_at, attempts,
                started_at, finished_at, last_error
         FROM memory_jobs
         ORDER BY kind DESC, COALESCE(finished_at, started_at) DESC, job_key",
    )?;
    select
        .query_map([], |row| {
            Ok(MemoryJob {
                kind: row.get(0)?,
                job_key: row.get(1)?,
                status: row.get(2)?,
                owner: row.get(3)?,
                lease_until: row.get(4)?,
                retry_at: row.get(5)?,
                attempts: row.get(6)?,
                started_at: row.get(7)?,
                finished_at: row.get(8)?,
                last_error: row.get(9)?,
            })
        })?
        .collect()
}

/// Forgets every job and output (`codex memories clear`); exclusions stay,
/// so a session kept out stays out.
pub fn clear_memories(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "DELETE FROM memory_jobs WHERE NOT (kind = ?1 AND status = 'excluded')",
        params![STAGE1],
    )?;
    tx.execute("DELETE FROM memory_stage1_outputs", [])?;
    tx.execute(
        "DELETE FROM meta WHERE key = ?1",
        params![INPUT_VERSION_KEY],
    )?;
    tx.commit()
}
