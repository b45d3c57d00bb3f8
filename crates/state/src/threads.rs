//! The threads index: one row per session.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Row, params};

/// One session, as indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRow {
    pub id: String,
    pub rollout_path: PathBuf,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// `exec`, `cli`, ...
    pub source: String,
    pub model_provider: String,
    pub model: Option<String>,
    pub cwd: PathBuf,
    /// The first user message (shortened).
    pub title: String,
    pub sandbox_policy: String,
    pub approval_mode: String,
    pub tokens_used: i64,
    pub archived: bool,
    pub git_branch: Option<String>,
    pub git_sha: Option<String>,
    pub git_origin_url: Option<String>,
}

/// Longest title kept.
pub const MAX_TITLE_CHARS: usize = 200;

const COLUMNS: &str = "id, rollout_path, created_at, updated_at, source, model_provider, model, cwd, title, \
     sandbox_policy, approval_mode, tokens_used, archived, git_branch, git_sha, git_origin_url";

fn from_row(row: &Row<'_>) -> rusqlite::Result<ThreadRow> {
    Ok(ThreadRow {
        id: row.get(0)?,
        rollout_path: PathBuf::from(row.get::<_, String>(1)?),
        created_at: row.get(2)?,
        updated_at: row.get(3)?,
        source: row.get(4)?,
        model_provider: row.get(5)?,
        model: row.get(6)?,
        cwd: PathBuf::from(row.get::<_, String>(7)?),
        title: row.get(8)?,
        sandbox_policy: row.get(9)?,
        approval_mode: row.get(10)?,
        tokens_used: row.get(11)?,
        archived: row.get::<_, i64>(12)? != 0,
        git_branch: row.get(13)?,
        git_sha: row.get(14)?,
        git_origin_url: row.get(15)?,
    })
}

/// Inserts or replaces the row.
pub fn upsert_thread(conn: &Connection, row: &ThreadRow) -> rusqlite::Result<()> {
    write_thread(conn, row, "INSERT OR REPLACE")
}

/// Inserts the row unless the id is already indexed. Returns whether it was.
pub fn insert_thread_if_absent(conn: &Connection, row: &ThreadRow) -> rusqlite::Result<bool> {
    write_thread(conn, row, "INSERT OR IGNORE")?;
    Ok(conn.changes() > 0)
}

fn write_thread(conn: &Connection, row: &ThreadRow, verb: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "{verb} INTO threads ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    ))?
    .execute(params![
        row.id,
        row.rollout_path.to_string_lossy(),
        row.created_at,
        row.updated_at,
        row.source,
        row.model_provider,
        row.model,
        row.cwd.to_string_lossy(),
        shorten(&row.title),
        row.sandbox_policy,
        row.approval_mode,
        row.tokens_used,
        i64::from(row.archived),
        row.git_branch,
        row.git_sha,
        row.git_origin_url,
    ])?;
    Ok(())
}

/// Sets the title if the thread has none yet.
pub fn set_title_if_empty(conn: &Connection, id: &str, title: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE threads SET title = ?2 WHERE id = ?1 AND title = ''")?
        .execute(params![id, shorten(title)])?;
    Ok(())
}

/// Records activity: time, tokens, model.
pub fn touch_thread(
    conn: &Connection,
    id: &str,
    updated_at: i64,
    tokens_used: Option<i64>,
    model: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE threads SET updated_at = MAX(updated_at, ?2), \
         tokens_used = COALESCE(?3, tokens_used), model = COALESCE(?4, model) WHERE id = ?1",
    )?
    .execute(params![id, updated_at, tokens_used, model])?;
    Ok(())
}

pub fn get_thread(conn: &Connection, id: &str) -> rusqlite::Result<Option<ThreadRow>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM threads WHERE id = ?1"))?
        .query_row(params![id], from_row)
        .optional()
}

/// Threads whose id starts with `prefix`.
pub fn find_threads_by_prefix(conn: &Connection, prefix: &str) -> rusqlite::Result<Vec<ThreadRow>> {
    let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM threads WHERE id LIKE ?1 ORDER BY updated_at DESC LIMIT 2"
    ))?
    .query_map(params![pattern], from_row)?
    .collect()
}

/// Most recently used threads first (optionally only those started in `cwd`),
/// not archived ones.
pub fn list_threads(
    conn: &Connection,
    cwd: Option<&Path>,
    limit: usize,
) -> rusqlite::Result<Vec<ThreadRow>> {
    list_threads_filtered(conn, cwd, false, limit)
}

/// Like [`list_threads`], of the archived threads when `archived`.
pub fn list_threads_filtered(
    conn: &Connection,
    cwd: Option<&Path>,
    archived: bool,
    limit: usize,
) -> rusqlite::Result<Vec<ThreadRow>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let archived = i64::from(archived);
    match cwd {
        Some(cwd) => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM threads WHERE archived = ?1 AND cwd = ?2 \
                 ORDER BY updated_at DESC, id DESC LIMIT ?3"
            ))?
            .query_map(params![archived, cwd.to_string_lossy(), limit], from_row)?
            .collect(),
        None => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM threads WHERE archived = ?1 \
                 ORDER BY updated_at DESC, id DESC LIMIT ?2"
            ))?
            .query_map(params![archived, limit], from_row)?
            .collect(),
    }
}

/// Marks a thread archived (or not) and records where its file now is.
pub fn set_archived(
    conn: &Connection,
    id: &str,
    archived: bool,
    rollout_path: &Path,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached("UPDATE threads SET archived = ?2, rollout_path = ?3 WHERE id = ?1")?
        .execute(params![
            id,
            i64::from(archived),
            rollout_path.to_string_lossy()
        ])?;
    Ok(changed > 0)
}

/// Removes a thread's row. Returns whether there was one.
pub fn delete_thread(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached("DELETE FROM threads WHERE id = ?1")?
        .execute(params![id])?;
    Ok(changed > 0)
}

pub fn get_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row(params![key], |r| r.get(0))
        .optional()
}

pub fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value])?;
    Ok(())
}

fn shorten(text: &str) -> String {
    let line = text.trim();
    if line.chars().count() <= MAX_TITLE_CHARS {
        return line.to_string();
    }
    let mut out: String = line.chars().take(MAX_TITLE_CHARS - 1).collect();
    out.push('…');
    out
}
