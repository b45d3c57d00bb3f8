//! Versioned schema migrations, applied in order on open.
//!
//! `PRAGMA user_version` holds the number of migrations applied. Each runs
//! in an `IMMEDIATE` transaction, so two processes opening a fresh database
//! at once cannot both apply it.

use rusqlite::{Connection, TransactionBehavior};

const MIGRATIONS: &[&str] = &[
    // 1: threads, logs, per-partition byte counters, key/value meta.
    r#"
    CREATE TABLE threads (
        id TEXT PRIMARY KEY,
        rollout_path TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        source TEXT NOT NULL,
        model_provider TEXT NOT NULL,
        model TEXT,
        cwd TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        sandbox_policy TEXT NOT NULL DEFAULT '',
        approval_mode TEXT NOT NULL DEFAULT '',
        tokens_used INTEGER NOT NULL DEFAULT 0,
        archived INTEGER NOT NULL DEFAULT 0,
        git_branch TEXT,
        git_sha TEXT,
        git_origin_url TEXT
    );
    CREATE INDEX idx_threads_updated ON threads (updated_at DESC, id DESC);
    CREATE INDEX idx_threads_cwd_updated ON threads (cwd, updated_at DESC);

    CREATE TABLE logs (
        -- Plain rowids: still increasing, since pruning never deletes the
        -- newest row, and without the per-insert sqlite_sequence update.
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        ts_nanos INTEGER NOT NULL,
        level TEXT NOT NULL,
        target TEXT NOT NULL,
        message TEXT NOT NULL,
        module_path TEXT,
        file TEXT,
        line INTEGER,
        thread_id TEXT,
        process_uuid TEXT,
        estimated_bytes INTEGER NOT NULL
    );
    -- Oldest-first walks of one partition (pruning) and newest-first reads.
    CREATE INDEX idx_logs_thread ON logs (thread_id, id) WHERE thread_id IS NOT NULL;
    CREATE INDEX idx_logs_threadless_process ON logs (process_uuid, id) WHERE thread_id IS NULL;

    -- Bytes stored per partition ('t:<thread id>' or 'p:<process uuid>'),
    -- kept in step with inserts and deletions: the cap check is one lookup.
    CREATE TABLE log_partitions (
        key TEXT PRIMARY KEY,
        bytes INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 2: the memories pipeline's jobs with leases, and phase 1's outputs.
    r#"
    CREATE TABLE memory_jobs (
        kind TEXT NOT NULL,
        job_key TEXT NOT NULL,
        status TEXT NOT NULL,
        owner TEXT,
        lease_until INTEGER,
        retry_at INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        started_at INTEGER,
        finished_at INTEGER,
        source_updated_at INTEGER,
        last_error TEXT,
        PRIMARY KEY (kind, job_key)
    ) WITHOUT ROWID;
    CREATE INDEX idx_memory_jobs_running ON memory_jobs (kind, status, lease_until);

    CREATE TABLE memory_stage1_outputs (
        thread_id TEXT PRIMARY KEY,
        rollout_summary TEXT NOT NULL,
        raw_memory TEXT NOT NULL,
        source_updated_at INTEGER NOT NULL,
        generated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 3: one goal per thread (the reference's `thread_goals` columns).
    r#"
    CREATE TABLE thread_goals (
        thread_id TEXT PRIMARY KEY NOT NULL,
        goal_id TEXT NOT NULL,
        objective TEXT NOT NULL,
        status TEXT NOT NULL CHECK(status IN (
            'active', 'paused', 'blocked', 'usage_limited', 'budget_limited', 'complete'
        )),
        token_budget INTEGER,
        tokens_used INTEGER NOT NULL DEFAULT 0,
        time_used_seconds INTEGER NOT NULL DEFAULT 0,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
    );
    "#,
];

pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let Some(sql) = usize::try_from(version)
            .ok()
            .and_then(|v| MIGRATIONS.get(v))
        else {
            return tx.commit();
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }
}
