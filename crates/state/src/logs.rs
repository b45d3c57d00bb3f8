//! The log table: insert with per-partition caps, retention, queries.
//!
//! A partition is a thread (`t:<thread id>`) or, for rows without a thread,
//! a process (`p:<process uuid>`). After each batch the partitions the batch
//! touched are held to their cap by deleting their oldest rows, all inside
//! the batch's transaction:
//!
//! 1. `tx_begin`: `BEGIN IMMEDIATE` (waits for other processes' writers);
//! 2. `insert_batch`: one prepared INSERT per row;
//! 3. `precheck`: per touched partition, add the batch's bytes to its
//!    running total in `log_partitions` and read the sum back — a single
//!    keyed lookup instead of summing the partition's rows;
//! 4. `prune` (only for partitions over the cap): walk the partition's
//!    oldest rows by index until enough bytes are found, delete them in one
//!    range, subtract them from the total;
//! 5. `tx_commit`.
//!
//! Work is proportional to the batch and to what is deleted, never to the
//! size of a partition, which is what keeps the cap-hit path as fast as the
//! normal one.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// Cap of each partition.
pub const PARTITION_CAP_BYTES: i64 = 10 * 1024 * 1024;
/// Rows older than this are deleted.
pub const RETENTION_DAYS: i64 = 10;

/// One event to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Unix seconds and the nanoseconds within.
    pub ts: i64,
    pub ts_nanos: i64,
    pub level: String,
    pub target: String,
    pub message: String,
    pub module_path: Option<String>,
    pub file: Option<String>,
    pub line: Option<i64>,
    pub thread_id: Option<String>,
    pub process_uuid: Option<String>,
}

impl LogEntry {
    /// What the row counts against its partition's cap.
    pub fn estimated_bytes(&self) -> i64 {
        (self.message.len()
            + self.level.len()
            + self.target.len()
            + self.module_path.as_deref().map_or(0, str::len)
            + self.file.as_deref().map_or(0, str::len)) as i64
    }

    fn partition(&self) -> String {
        match &self.thread_id {
            Some(thread) => format!("t:{thread}"),
            None => format!("p:{}", self.process_uuid.as_deref().unwrap_or("")),
        }
    }
}

/// Caps of the two kinds of partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCaps {
    pub per_thread_bytes: i64,
    pub per_process_bytes: i64,
}

impl Default for LogCaps {
    fn default() -> Self {
        Self {
            per_thread_bytes: PARTITION_CAP_BYTES,
            per_process_bytes: PARTITION_CAP_BYTES,
        }
    }
}

/// How long each phase of an insert took (for the benchmark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InsertTimings {
    pub tx_begin: Duration,
    pub insert_batch: Duration,
    pub precheck: Duration,
    pub prune: Duration,
    pub tx_commit: Duration,
    pub total: Duration,
    /// Some partition was over its cap.
    pub cap_hit: bool,
}

/// Inserts `entries` and enforces the caps of the partitions they touch.
pub fn insert_logs(
    conn: &mut Connection,
    entries: &[LogEntry],
    caps: LogCaps,
) -> rusqlite::Result<InsertTimings> {
    let mut timings = InsertTimings::default();
    let start = Instant::now();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    timings.tx_begin = start.elapsed();

    let phase = Instant::now();
    let mut added: BTreeMap<String, i64> = BTreeMap::new();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO logs (ts, ts_nanos, level, target, message, module_path, file, line, \
             thread_id, process_uuid, estimated_bytes) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for entry in entries {
            let bytes = entry.estimated_bytes();
            insert.execute(params![
                entry.ts,
                entry.ts_nanos,
                entry.level,
                entry.target,
                entry.message,
                entry.module_path,
                entry.file,
                entry.line,
                entry.thread_id,
                entry.process_uuid,
                bytes,
            ])?;
            *added.entry(entry.partition()).or_default() += bytes;
        }
    }
    timings.insert_batch = phase.elapsed();

    let phase = Instant::now();
    let mut over: Vec<(String, i64)> = Vec::new();
    {
        let mut bump = tx.prepare_cached(
            "INSERT INTO log_partitions (key, bytes) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET bytes = bytes + excluded.bytes RETURNING bytes",
        )?;
        for (key, bytes) in &added {
            let total: i64 = bump.query_row(params![key, bytes], |r| r.get(0))?;
            let cap = if key.starts_with("t:") {
                caps.per_thread_bytes
            } else {
                caps.per_process_bytes
            };
            if total > cap {
                over.push((key.clone(), total - cap));
            }
        }
    }
    timings.precheck = phase.elapsed();

    let phase = Instant::now();
    timings.cap_hit = !over.is_empty();
    for (key, excess) in &over {
        prune_partition(&tx, key, *excess)?;
    }
    timings.prune = phase.elapsed();

    let phase = Instant::now();
    tx.commit()?;
    timings.tx_commit = phase.elapsed();
    timings.total = start.elapsed();
    Ok(timings)
}

/// `WHERE` clause and parameter selecting a partition's rows.
fn partition_filter(key: &str) -> (&'static str, Option<String>) {
    if let Some(thread) = key.strip_prefix("t:") {
        ("thread_id = ?1", Some(thread.to_string()))
    } else {
        match key.strip_prefix("p:").filter(|p| !p.is_empty()) {
            Some(process) => (
                "thread_id IS NULL AND process_uuid = ?1",
                Some(process.to_string()),
            ),
            None => (
                "thread_id IS NULL AND process_uuid IS NULL AND ?1 IS NULL",
                None,
            ),
        }
    }
}

/// Deletes the oldest rows of `key` totalling at least `excess` bytes.
fn prune_partition(conn: &Connection, key: &str, excess: i64) -> rusqlite::Result<()> {
    let (filter, value) = partition_filter(key);
    let mut removed = 0i64;
    let mut last_id: Option<i64> = None;
    {
        let mut oldest = conn.prepare_cached(&format!(
            "SELECT id, estimated_bytes FROM logs WHERE {filter} ORDER BY id ASC"
        ))?;
        let mut rows = oldest.query(params![value])?;
        while removed < excess {
            let Some(row) = rows.next()? else { break };
            last_id = Some(row.get(0)?);
            removed += row.get::<_, i64>(1)?;
        }
    }
    let Some(last_id) = last_id else {
        return Ok(());
    };
    conn.prepare_cached(&format!("DELETE FROM logs WHERE {filter} AND id <= ?2"))?
        .execute(params![value, last_id])?;
    conn.prepare_cached("UPDATE log_partitions SET bytes = bytes - ?2 WHERE key = ?1")?
        .execute(params![key, removed])?;
    Ok(())
}

/// Deletes rows older than `cutoff_unix_seconds`; returns how many.
///
/// Rows are in time order by id (each writer inserts in order), so the
/// oldest rows are found by walking ids from the start, with no time index
/// to maintain on every insert.
pub fn delete_logs_older_than(
    conn: &mut Connection,
    cutoff_unix_seconds: i64,
) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let first_kept: Option<i64> = tx
        .query_row(
            "SELECT id FROM logs WHERE ts >= ?1 ORDER BY id LIMIT 1",
            params![cutoff_unix_seconds],
            |r| r.get(0),
        )
        .optional()?;
    let deleted = match first_kept {
        Some(id) => tx.execute("DELETE FROM logs WHERE id < ?1", params![id])?,
        None => tx.execute("DELETE FROM logs", [])?,
    };
    if deleted > 0 {
        // Rare: recompute the running totals from the rows that remain.
        tx.execute_batch(
            "DELETE FROM log_partitions;
             INSERT INTO log_partitions (key, bytes)
               SELECT CASE WHEN thread_id IS NOT NULL THEN 't:' || thread_id
                           ELSE 'p:' || COALESCE(process_uuid, '') END,
                      SUM(estimated_bytes)
               FROM logs GROUP BY 1;",
        )?;
    }
    tx.commit()?;
    Ok(deleted)
}

/// Moves the write-ahead log into the database file, and truncates the log
/// when it has grown past [`crate::WAL_SIZE_LIMIT`].
///
/// The log writer turns SQLite's automatic checkpoint off (it would land,
/// with its fsync, inside an occasional insert) and calls this between
/// batches instead. The truncation happens here too, for the same reason:
/// SQLite's own `journal_size_limit` truncates inside the next commit
/// (measured: insert p99 from 0.5 to 1.3 ms).
pub fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    let (busy, frames, done): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |row| row.get(0))?;
    if busy == 0 && frames == done && frames * page_size > crate::WAL_SIZE_LIMIT {
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(())
}

/// Turns automatic checkpoints off on `conn` (see [`checkpoint`]).
pub fn disable_auto_checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_autocheckpoint = 0", [], |_| Ok(()))
}

/// Batches between explicit checkpoints of the log writer.
pub const CHECKPOINT_EVERY_BATCHES: usize = 64;

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub id: i64,
    pub entry: LogEntry,
}

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub thread_id: Option<String>,
    /// Keep rows at this level or more severe (`TRACE` < ... < `ERROR`).
    pub min_level: Option<String>,
    /// Only rows after this id (for following).
    pub after_id: Option<i64>,
    /// At most this many rows, the newest ones.
    pub limit: Option<usize>,
}

const LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/// The levels at least as severe as `level` (case-insensitive); None if unknown.
pub fn levels_at_least(level: &str) -> Option<&'static [&'static str]> {
    let index = LEVELS.iter().position(|l| l.eq_ignore_ascii_case(level))?;
    Some(&LEVELS[index..])
}

/// Rows matching `query`, oldest first.
pub fn query_logs(conn: &Connection, query: &LogQuery) -> rusqlite::Result<Vec<LogRow>> {
    let mut sql = String::from(
        "SELECT id, ts, ts_nanos, level, target, message, module_path, file, line, thread_id, process_uuid \
         FROM logs WHERE id > ?1",
    );
    let mut values: Vec<rusqlite::types::Value> = vec![query.after_id.unwrap_or(0).into()];
    if let Some(thread) = &query.thread_id {
        values.push(thread.clone().into());
        sql.push_str(&format!(" AND thread_id = ?{}", values.len()));
    }
    if let Some(levels) = query.min_level.as_deref().and_then(levels_at_least) {
        let mut marks = Vec::new();
        for level in levels {
            values.push((*level).to_string().into());
            marks.push(format!("?{}", values.len()));
        }
        sql.push_str(&format!(" AND level IN ({})", marks.join(", ")));
    }
    sql.push_str(" ORDER BY id DESC");
    if let Some(limit) = query.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    let mut rows: Vec<LogRow> = conn
        .prepare(&sql)?
        .query_map(rusqlite::params_from_iter(values), |r| {
            Ok(LogRow {
                id: r.get(0)?,
                entry: LogEntry {
                    ts: r.get(1)?,
                    ts_nanos: r.get(2)?,
                    level: r.get(3)?,
                    target: r.get(4)?,
                    message: r.get(5)?,
                    module_path: r.get(6)?,
                    file: r.get(7)?,
                    line: r.get(8)?,
                    thread_id: r.get(9)?,
                    process_uuid: r.get(10)?,
                },
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.reverse();
    Ok(rows)
}

/// Bytes stored for a partition key (`t:<thread>` / `p:<process>`), by summing rows.
pub fn partition_bytes(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    let (filter, value) = partition_filter(key);
    conn.query_row(
        &format!("SELECT COALESCE(SUM(estimated_bytes), 0) FROM logs WHERE {filter}"),
        params![value],
        |r| r.get(0),
    )
}
