//! Keeping the threads index of the state database current.
//!
//! Every write is best effort: the database is an index of the session
//! files, never the source of truth, so a failure is logged and the session
//! goes on.

use std::path::Path;

use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::EventMsg;
use codex_protocol::rollout::RolloutItem;
use codex_state::rusqlite::{Transaction, TransactionBehavior};
use codex_state::threads::{
    get_meta, insert_thread_if_absent, set_meta, set_title_if_empty, touch_thread, upsert_thread,
};
use codex_state::{StateDb, ThreadRow};
use tracing::warn;

use crate::history::message_text;
use crate::rollout::{list_rollouts, read_rollout};

/// Marks that existing session files were indexed once.
const INDEXED_MARKER: &str = "rollouts_indexed_v1";

pub(crate) fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) async fn record_new_thread(db: &StateDb, row: ThreadRow) {
    if let Err(err) = db.call(move |conn| upsert_thread(conn, &row)).await {
        warn!(%err, "cannot record the session in the state database");
    }
}

pub(crate) async fn record_title(db: &StateDb, thread_id: String, title: String) {
    if let Err(err) = db
        .call(move |conn| set_title_if_empty(conn, &thread_id, &title))
        .await
    {
        warn!(%err, "cannot record the session title");
    }
}

pub(crate) async fn record_activity(
    db: &StateDb,
    thread_id: String,
    tokens_used: Option<i64>,
    model: Option<String>,
) {
    let now = unix_now();
    if let Err(err) = db
        .call(move |conn| touch_thread(conn, &thread_id, now, tokens_used, model.as_deref()))
        .await
    {
        warn!(%err, "cannot update the session in the state database");
    }
}

/// Indexes the session files already on disk, once per database.
pub fn index_existing_rollouts(db: &StateDb, codex_home: &Path) {
    let codex_home = codex_home.to_path_buf();
    if let Err(err) = db.call_blocking(move |conn| index_existing_rollouts_with(conn, &codex_home))
    {
        warn!(%err, "cannot index existing sessions");
    }
}

/// [`index_existing_rollouts`] on a connection; returns how many were added.
pub fn index_existing_rollouts_with(
    conn: &codex_state::rusqlite::Connection,
    codex_home: &Path,
) -> codex_state::rusqlite::Result<usize> {
    if get_meta(conn, INDEXED_MARKER)?.is_some() {
        return Ok(0);
    }
    // Files are read before the write transaction, so other processes'
    // writers never wait for the parsing; the rows then go in at once.
    let rows: Vec<ThreadRow> = list_rollouts(codex_home)
        .iter()
        .filter_map(|path| row_from_rollout(path))
        .collect();
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let mut indexed = 0;
    for row in &rows {
        indexed += usize::from(insert_thread_if_absent(&tx, row)?);
    }
    set_meta(&tx, INDEXED_MARKER, &unix_now().to_string())?;
    tx.commit()?;
    Ok(indexed)
}

/// A thread row from what a session file says about itself.
fn row_from_rollout(path: &Path) -> Option<ThreadRow> {
    let file = read_rollout(path).ok()?;
    let meta = file.meta?;
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    let created = chrono::DateTime::parse_from_rfc3339(&meta.meta.timestamp)
        .map(|t| t.timestamp())
        .unwrap_or(modified);
    let title = file
        .items
        .iter()
        .find_map(|item| match item {
            RolloutItem::EventMsg(EventMsg::UserMessage(ev)) => Some(ev.message.clone()),
            _ => None,
        })
        .or_else(|| {
            file.items.iter().find_map(|item| match item {
                RolloutItem::ResponseItem(item @ ResponseItem::Message { .. }) => {
                    message_text(item, "user").filter(|t| !t.starts_with('<'))
                }
                _ => None,
            })
        })
        .unwrap_or_default();
    let (model, sandbox, approval) = file
        .items
        .iter()
        .rev()
        .find_map(|item| match item {
            RolloutItem::TurnContext(tc) => Some((
                Some(tc.model.clone()),
                tc.sandbox_policy.to_string(),
                tc.approval_policy.to_string(),
            )),
            _ => None,
        })
        .unwrap_or_default();
    let git = meta.git.unwrap_or_default();
    Some(ThreadRow {
        id: meta.meta.id.to_string(),
        rollout_path: path.to_path_buf(),
        created_at: created,
        updated_at: modified.max(created),
        source: meta.meta.source.as_str().to_string(),
        model_provider: meta.meta.model_provider.unwrap_or_default(),
        model,
        cwd: meta.meta.cwd,
        title,
        sandbox_policy: sandbox,
        approval_mode: approval,
        tokens_used: 0,
        archived: false,
        git_branch: git.branch,
        git_sha: git.commit_hash,
        git_origin_url: git.repository_url,
    })
}

/// The newest indexed session (optionally only those started in `cwd`)
/// whose file still exists.
pub fn latest_thread(db: &StateDb, cwd: Option<&Path>) -> Option<ThreadRow> {
    let cwd = cwd.map(Path::to_path_buf);
    db.call_blocking(move |conn| codex_state::threads::list_threads(conn, cwd.as_deref(), 20))
        .ok()?
        .into_iter()
        .find(|row| row.rollout_path.exists())
}
