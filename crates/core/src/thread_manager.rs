//! [`ThreadManager`]: the one type every frontend holds.
//!
//! It starts, resumes (by id, id prefix, session-file path, or the most
//! recent one, optionally for a cwd), forks, lists, archives and deletes
//! threads, and owns what they share: the state database handle and the
//! index of session files. Frontends use it and the `Op`/`Event` seam of
//! the [`Codex`] it hands out — never the state database or the session
//! files directly. One manager can hold many live threads (the servers
//! serve several at once).
//!
//! Invariants:
//! * the session files are the source of truth; the database is an index
//!   of them, so every lookup falls back to the files when the index has
//!   no answer, and a missing database only makes things slower;
//! * a thread's `session_configured` event is consumed here and returned in
//!   [`NewThread`], so a frontend's first `next_event` is the next one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use codex_config::Config;
use codex_protocol::ThreadId;
use codex_protocol::protocol::{EventMsg, SessionConfiguredEvent};
use codex_protocol::rollout::{RolloutItem, SessionSource};
use codex_state::StateDb;
use tracing::warn;

use crate::compact::user_turn_message;
use crate::error::{CodexErr, CodexResult};
use crate::queue_pair::Codex;
use crate::rollout::{
    ARCHIVED_SESSIONS_SUBDIR, RolloutFile, SESSIONS_SUBDIR, find_latest_rollout,
    find_rollout_by_id, list_rollouts, read_rollout,
};
use crate::spawn::{InitialHistory, SpawnParams};
use crate::tools::ToolHandler;

/// What every thread of one frontend has in common.
#[derive(Clone)]
pub struct ThreadManagerOptions {
    pub source: SessionSource,
    /// `codex_exec`, `codex_cli_rs`, ...
    pub originator: String,
    /// The program that plays `codex-linux-sandbox` (normally the running
    /// `codex` binary).
    pub linux_sandbox_exe: Option<PathBuf>,
    /// Tools offered in addition to the built-in ones.
    pub extra_tools: Vec<Arc<dyn ToolHandler>>,
    /// Recorded as the new threads' `thread_source` (`user` by default).
    pub thread_source: String,
    /// What starts this frontend's turns, as the turn metadata names it
    /// (`tui` by default; `exec`, `mcp`, `app_server`).
    pub turn_trigger: String,
}

impl ThreadManagerOptions {
    pub fn new(source: SessionSource, originator: impl Into<String>) -> Self {
        Self {
            source,
            originator: originator.into(),
            linux_sandbox_exe: None,
            extra_tools: Vec::new(),
            thread_source: "user".to_string(),
            turn_trigger: "tui".to_string(),
        }
    }

    /// The same, with turns started by `trigger` (see `turn_trigger`).
    pub fn with_turn_trigger(mut self, trigger: &str) -> Self {
        self.turn_trigger = trigger.to_string();
        self
    }
}

/// Which recorded thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadRef {
    /// A thread id, or a prefix of one that matches a single thread.
    Id(String),
    /// A session file.
    Path(PathBuf),
    /// The most recently used thread (started in `cwd`, when given).
    Latest { cwd: Option<PathBuf> },
}

impl ThreadRef {
    /// A user's argument: a path when it names a file or ends in `.jsonl`,
    /// else an id or id prefix.
    pub fn from_arg(arg: &str) -> Self {
        let path = Path::new(arg);
        if arg.ends_with(".jsonl") || path.is_file() {
            Self::Path(path.to_path_buf())
        } else {
            Self::Id(arg.to_string())
        }
    }
}

/// A thread that was just started.
pub struct NewThread {
    pub thread_id: ThreadId,
    pub thread: Arc<Codex>,
    pub session_configured: SessionConfiguredEvent,
}

/// A recorded thread, as listings show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSummary {
    pub id: String,
    pub rollout_path: PathBuf,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
    pub cwd: PathBuf,
    /// The first user message.
    pub title: String,
    pub source: String,
    pub model_provider: String,
    pub model: Option<String>,
    pub archived: bool,
    pub git_branch: Option<String>,
    /// The thread that spawned this one (a sub-agent's parent).
    pub parent_thread_id: Option<String>,
}

/// Which threads to list.
#[derive(Debug, Clone, Default)]
pub struct ThreadListQuery {
    /// Only threads started in this directory.
    pub cwd: Option<PathBuf>,
    /// The archived threads instead of the others.
    pub archived: bool,
    pub limit: usize,
}

pub struct ThreadManager {
    codex_home: PathBuf,
    state_db: Option<StateDb>,
    options: ThreadManagerOptions,
    threads: Mutex<HashMap<ThreadId, Arc<Codex>>>,
    warnings: Vec<String>,
}

impl ThreadManager {
    /// Opens the state database of `codex_home` (indexing session files that
    /// predate it, once). Without a database everything still works, from
    /// the files; [`Self::warnings`] says why it is missing.
    pub fn new(codex_home: &Path, options: ThreadManagerOptions) -> Self {
        let mut warnings = Vec::new();
        let state_db = match StateDb::open(codex_home) {
            Ok(db) => {
                crate::thread_index::index_existing_rollouts(&db, codex_home);
                Some(db)
            }
            Err(err) => {
                warnings.push(format!(
                    "the session index is unavailable, continuing without it: {err}"
                ));
                None
            }
        };
        Self {
            codex_home: codex_home.to_path_buf(),
            state_db,
            options,
            threads: Mutex::new(HashMap::new()),
            warnings,
        }
    }

    /// Problems found while opening (shown once by the frontend).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn codex_home(&self) -> &Path {
        &self.codex_home
    }

    /// Starts a new thread (`ephemeral`: no session file).
    pub async fn start_thread(&self, config: Config, ephemeral: bool) -> CodexResult<NewThread> {
        let mut params = self.spawn_params(InitialHistory::New);
        params.ephemeral = ephemeral;
        self.spawn(config, params).await
    }

    /// Continues a recorded thread: same id, same file.
    /// It keeps the settings it was last run with (`resume_settings`).
    pub async fn resume_thread(
        &self,
        mut config: Config,
        target: &ThreadRef,
    ) -> CodexResult<NewThread> {
        let file = self.read_thread(target)?;
        let restored = crate::resume_settings::apply_recorded_settings(&mut config, &file.items);
        let meta = file.meta.ok_or_else(|| {
            CodexErr::ThreadNotFound(format!(
                "{} has no session header line, so it cannot be resumed",
                file.path.display()
            ))
        })?;
        let mut params = self.spawn_params(InitialHistory::Resumed {
            thread_id: meta.meta.id,
            items: file.items,
            rollout_path: file.path,
        });
        params.startup_warnings = file.warnings;
        params.startup_warnings.extend(restored);
        self.spawn(config, params).await
    }

    /// Starts a new thread with a copy of a recorded one's history, up to
    /// (not including) its `nth_user_message` (0-based; all of it when
    /// `None`).
    pub async fn fork_thread(
        &self,
        config: Config,
        target: &ThreadRef,
        nth_user_message: Option<usize>,
    ) -> CodexResult<NewThread> {
        self.fork(config, target, nth_user_message, Vec::new(), false)
            .await
    }

    /// A temporary thread (no session file) that starts from a copy of a
    /// recorded one's history with `extra` items after it, for a side
    /// conversation (`/side`) that never enters the thread it copies.
    pub async fn fork_ephemeral_thread(
        &self,
        config: Config,
        target: &ThreadRef,
        extra: Vec<codex_protocol::models::ResponseItem>,
    ) -> CodexResult<NewThread> {
        self.fork(config, target, None, extra, true).await
    }

    async fn fork(
        &self,
        mut config: Config,
        target: &ThreadRef,
        nth_user_message: Option<usize>,
        extra: Vec<codex_protocol::models::ResponseItem>,
        ephemeral: bool,
    ) -> CodexResult<NewThread> {
        let file = self.read_thread(target)?;
        // A fork is as confined as the thread it copies.
        let restored = crate::resume_settings::apply_recorded_settings(&mut config, &file.items);
        let from = file.meta.as_ref().map(|m| m.meta.id).ok_or_else(|| {
            CodexErr::ThreadNotFound(format!(
                "{} has no session header line, so it cannot be forked",
                file.path.display()
            ))
        })?;
        let mut items = match nth_user_message {
            Some(n) => truncate_before_nth_user_message(file.items, n),
            None => file.items,
        };
        items.extend(extra.into_iter().map(RolloutItem::ResponseItem));
        let mut params = self.spawn_params(InitialHistory::Forked { from, items });
        params.ephemeral = ephemeral;
        params.startup_warnings = file.warnings;
        params.startup_warnings.extend(restored);
        self.spawn(config, params).await
    }

    /// A live thread of this manager.
    pub fn get_thread(&self, id: ThreadId) -> Option<Arc<Codex>> {
        crate::state::lock(&self.threads).get(&id).cloned()
    }

    /// Forgets a live thread (after its shutdown).
    pub fn remove_thread(&self, id: ThreadId) -> Option<Arc<Codex>> {
        crate::state::lock(&self.threads).remove(&id)
    }

    /// The ids of the live threads.
    pub fn live_threads(&self) -> Vec<ThreadId> {
        crate::state::lock(&self.threads).keys().copied().collect()
    }

    /// The session file of a recorded thread.
    pub fn find_rollout(&self, target: &ThreadRef) -> CodexResult<PathBuf> {
        let sessions = self.codex_home.join(SESSIONS_SUBDIR);
        match target {
            ThreadRef::Path(path) => {
                if path.is_file() {
                    Ok(path.clone())
                } else {
                    Err(CodexErr::ThreadNotFound(format!(
                        "there is no session file at {}",
                        path.display()
                    )))
                }
            }
            ThreadRef::Id(id) => self
                .indexed_by_prefix(id)
                .or_else(|| find_rollout_by_id(&self.codex_home, id))
                .or_else(|| {
                    find_rollout_by_id_in(&self.codex_home.join(ARCHIVED_SESSIONS_SUBDIR), id)
                })
                .ok_or_else(|| {
                    CodexErr::ThreadNotFound(format!(
                        "no session with id `{id}` under {}",
                        sessions.display()
                    ))
                }),
            ThreadRef::Latest { cwd } => {
                let indexed = self.state_db.as_ref().and_then(|db| {
                    crate::thread_index::latest_thread(db, cwd.as_deref())
                        .map(|row| row.rollout_path)
                });
                indexed
                    .or_else(|| find_latest_rollout(&self.codex_home, cwd.as_deref()))
                    .ok_or_else(|| {
                        CodexErr::ThreadNotFound(match cwd {
                            None => "there is no session to resume".to_string(),
                            Some(cwd) => format!(
                                "there is no session started in {} (use --all for any directory)",
                                cwd.display()
                            ),
                        })
                    })
            }
        }
    }

    /// Everything recorded of a thread.
    pub fn read_thread(&self, target: &ThreadRef) -> CodexResult<RolloutFile> {
        let path = self.find_rollout(target)?;
        read_rollout(&path).map_err(|err| {
            CodexErr::ThreadNotFound(format!("cannot read {}: {err}", path.display()))
        })
    }

    /// Recorded threads, most recently used first.
    pub fn list_threads(&self, query: &ThreadListQuery) -> Vec<ThreadSummary> {
        if let Some(db) = &self.state_db {
            let (cwd, archived, limit) = (query.cwd.clone(), query.archived, query.limit);
            match db.call_blocking(move |conn| {
                codex_state::threads::list_threads_filtered(conn, cwd.as_deref(), archived, limit)
            }) {
                Ok(rows) => {
                    return rows
                        .into_iter()
                        .map(ThreadSummary::from)
                        .map(with_parent)
                        .collect();
                }
                Err(err) => warn!(%err, "cannot list threads from the index; scanning files"),
            }
        }
        self.scan_threads(query)
    }

    /// One recorded, unarchived thread by its exact id: a single index
    /// lookup (or, without the index, its file), not a listing of them all.
    pub fn thread_summary(&self, id: &str) -> Option<ThreadSummary> {
        if let Some(db) = &self.state_db {
            let key = id.to_string();
            match db.call_blocking(move |conn| codex_state::threads::get_thread(conn, &key)) {
                Ok(row) => return row.map(ThreadSummary::from).filter(|s| !s.archived),
                Err(err) => warn!(%err, "cannot read the thread from the index; scanning files"),
            }
        }
        let path = find_rollout_by_id(&self.codex_home, id)?;
        summary_from_file(&path, false).filter(|s| s.id == id)
    }

    /// Gives a thread a name (kept in the state database; `None` removes it).
    pub fn set_thread_name(&self, id: &str, name: Option<&str>) -> CodexResult<()> {
        let db = self.state_db.as_ref().ok_or_else(|| {
            CodexErr::Fatal("thread names need the state database, which is unavailable".into())
        })?;
        let key = format!("thread_name:{id}");
        let value = name.map(str::to_string);
        db.call_blocking(move |conn| match value {
            Some(value) => codex_state::threads::set_meta(conn, &key, &value),
            None => conn
                .execute("DELETE FROM meta WHERE key = ?1", [&key])
                .map(|_| ()),
        })
        .map_err(|err| CodexErr::Fatal(format!("cannot record the thread name: {err}")))
    }

    /// The name given with [`Self::set_thread_name`], if any.
    pub fn thread_name(&self, id: &str) -> Option<String> {
        let db = self.state_db.as_ref()?;
        let key = format!("thread_name:{id}");
        db.call_blocking(move |conn| codex_state::threads::get_meta(conn, &key))
            .ok()
            .flatten()
    }

    /// Forgets every memory (`codex memories clear`): the memories
    /// directory's contents and the memory jobs and outputs in the state
    /// database. Sessions kept out of the memories stay out.
    pub fn drop_memories(&self) -> CodexResult<()> {
        crate::memories::drop_memories(&self.codex_home, self.state_db.as_ref())
            .map_err(CodexErr::Fatal)
    }

    /// The memories directory and the memory jobs (`codex memories status`).
    pub fn memory_status(&self) -> CodexResult<crate::memories::MemoryStatus> {
        crate::memories::memory_status(&self.codex_home, self.state_db.as_ref())
            .map_err(CodexErr::Fatal)
    }

    /// Runs a command that belongs to no thread, under `command.policy`.
    pub async fn run_one_off_command(
        &self,
        config: &Config,
        command: crate::one_off::OneOffCommand,
    ) -> CodexResult<crate::one_off::OneOffOutput> {
        crate::one_off::run(config, command, self.options.linux_sandbox_exe.clone()).await
    }

    /// Moves a thread's file to `archived_sessions/` and marks it archived.
    /// Returns the new path.
    pub fn archive_thread(&self, id: &str) -> CodexResult<PathBuf> {
        let from = self.find_rollout(&ThreadRef::Id(id.to_string()))?;
        let archive = self.codex_home.join(ARCHIVED_SESSIONS_SUBDIR);
        if from.starts_with(&archive) {
            return Ok(from);
        }
        let to = archive.join(file_name(&from)?);
        crate::rollout::create_private_dirs(&archive)?;
        std::fs::rename(&from, &to)?;
        self.index_set_archived(&to, true);
        Ok(to)
    }

    /// Moves an archived thread's file back under `sessions/`.
    pub fn unarchive_thread(&self, id: &str) -> CodexResult<PathBuf> {
        let from = self.find_rollout(&ThreadRef::Id(id.to_string()))?;
        let archive = self.codex_home.join(ARCHIVED_SESSIONS_SUBDIR);
        if !from.starts_with(&archive) {
            return Ok(from);
        }
        let name = file_name(&from)?;
        let dir = dated_dir(&self.codex_home.join(SESSIONS_SUBDIR), &name);
        crate::rollout::create_private_dirs(&dir)?;
        let to = dir.join(&name);
        std::fs::rename(&from, &to)?;
        self.index_set_archived(&to, false);
        Ok(to)
    }

    /// Deletes a thread's session file and its index row.
    pub fn delete_thread(&self, id: &str) -> CodexResult<PathBuf> {
        let path = self.find_rollout(&ThreadRef::Id(id.to_string()))?;
        let thread_id = read_rollout(&path)
            .ok()
            .and_then(|f| f.meta)
            .map(|m| m.meta.id.to_string());
        std::fs::remove_file(&path)?;
        if let (Some(db), Some(thread_id)) = (&self.state_db, thread_id)
            && let Err(err) =
                db.call_blocking(move |conn| codex_state::threads::delete_thread(conn, &thread_id))
        {
            warn!(%err, "cannot remove the thread from the index");
        }
        Ok(path)
    }

    fn spawn_params(&self, initial_history: InitialHistory) -> SpawnParams {
        SpawnParams {
            initial_history,
            source: self.options.source.clone(),
            originator: self.options.originator.clone(),
            ephemeral: false,
            linux_sandbox_exe: self.options.linux_sandbox_exe.clone(),
            state_db: self.state_db.clone(),
            extra_tools: self.options.extra_tools.clone(),
            startup_warnings: Vec::new(),
            thread_source: self.options.thread_source.clone(),
            turn_trigger: self.options.turn_trigger.clone(),
            subagent: None,
        }
    }

    async fn spawn(&self, config: Config, params: SpawnParams) -> CodexResult<NewThread> {
        let codex = Codex::spawn(config, params).await?;
        let event = codex.next_event().await?;
        let EventMsg::SessionConfigured(session_configured) = event.msg else {
            return Err(CodexErr::Fatal(format!(
                "the session started with {:?} instead of session_configured",
                event.msg
            )));
        };
        let thread = Arc::new(codex);
        let thread_id = session_configured.session_id;
        crate::state::lock(&self.threads).insert(thread_id, Arc::clone(&thread));
        Ok(NewThread {
            thread_id,
            thread,
            session_configured,
        })
    }

    /// The indexed file of the one thread whose id starts with `prefix`.
    fn indexed_by_prefix(&self, prefix: &str) -> Option<PathBuf> {
        let db = self.state_db.as_ref()?;
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.is_empty() {
            return None;
        }
        let rows = db
            .call_blocking(move |conn| codex_state::threads::find_threads_by_prefix(conn, &prefix))
            .ok()?;
        match rows.as_slice() {
            [only] if only.rollout_path.is_file() => Some(only.rollout_path.clone()),
            _ => None,
        }
    }

    fn index_set_archived(&self, path: &Path, archived: bool) {
        let Some(db) = &self.state_db else {
            return;
        };
        let Some(id) = read_rollout(path)
            .ok()
            .and_then(|f| f.meta)
            .map(|m| m.meta.id.to_string())
        else {
            return;
        };
        let path = path.to_path_buf();
        if let Err(err) = db.call_blocking(move |conn| {
            codex_state::threads::set_archived(conn, &id, archived, &path)
        }) {
            warn!(%err, "cannot record the archive state in the index");
        }
    }

    /// Listing without the index: the session files themselves.
    fn scan_threads(&self, query: &ThreadListQuery) -> Vec<ThreadSummary> {
        let paths = if query.archived {
            let mut paths = list_rollouts_in(&self.codex_home.join(ARCHIVED_SESSIONS_SUBDIR));
            paths.sort();
            paths.reverse();
            paths
        } else {
            list_rollouts(&self.codex_home)
        };
        paths
            .iter()
            .filter_map(|path| summary_from_file(path, query.archived))
            .filter(|s| query.cwd.as_ref().is_none_or(|cwd| &s.cwd == cwd))
            .take(query.limit)
            .collect()
    }
}

impl From<codex_state::ThreadRow> for ThreadSummary {
    fn from(row: codex_state::ThreadRow) -> Self {
        Self {
            id: row.id,
            rollout_path: row.rollout_path,
            created_at: row.created_at,
            updated_at: row.updated_at,
            cwd: row.cwd,
            title: row.title,
            source: row.source,
            model_provider: row.model_provider,
            model: row.model,
            archived: row.archived,
            git_branch: row.git_branch,
            parent_thread_id: None,
        }
    }
}

/// A sub-agent's row of the index, with its parent read from its file's
/// first line (the index has no column for it).
fn with_parent(mut summary: ThreadSummary) -> ThreadSummary {
    if summary.source != "subagent" {
        return summary;
    }
    let first_line = std::fs::File::open(&summary.rollout_path)
        .ok()
        .and_then(|file| {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut line).ok()?;
            Some(line)
        });
    summary.parent_thread_id = first_line
        .and_then(|line| serde_json::from_str::<codex_protocol::rollout::RolloutLine>(&line).ok())
        .and_then(|line| match line.item {
            RolloutItem::SessionMeta(meta) => meta.meta.parent_thread_id,
            _ => None,
        })
        .map(|id| id.to_string());
    summary
}

fn summary_from_file(path: &Path, archived: bool) -> Option<ThreadSummary> {
    let file = read_rollout(path).ok()?;
    let meta = file.meta?;
    let created_at = chrono::DateTime::parse_from_rfc3339(&meta.meta.timestamp)
        .map(|t| t.timestamp())
        .unwrap_or(0);
    let updated_at = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(created_at, |d| d.as_secs() as i64);
    let title = file
        .items
        .iter()
        .find_map(|item| match item {
            RolloutItem::ResponseItem(item) => user_turn_message(item),
            _ => None,
        })
        .unwrap_or_default();
    Some(ThreadSummary {
        id: meta.meta.id.to_string(),
        rollout_path: path.to_path_buf(),
        created_at,
        updated_at,
        cwd: meta.meta.cwd,
        title,
        source: meta.meta.source.as_str().to_string(),
        model_provider: meta.meta.model_provider.unwrap_or_default(),
        model: None,
        archived,
        git_branch: meta.git.and_then(|g| g.branch),
        parent_thread_id: meta.meta.parent_thread_id.map(|id| id.to_string()),
    })
}

/// The items before the `n`th (0-based) message the user typed.
pub(crate) fn truncate_before_nth_user_message(
    items: Vec<RolloutItem>,
    n: usize,
) -> Vec<RolloutItem> {
    let cut = items
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            matches!(item, RolloutItem::ResponseItem(item) if user_turn_message(item).is_some())
        })
        .nth(n)
        .map(|(index, _)| index);
    match cut {
        Some(index) => {
            let mut items = items;
            items.truncate(index);
            items
        }
        None => items,
    }
}

fn file_name(path: &Path) -> CodexResult<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| CodexErr::Fatal(format!("{} has no file name", path.display())))
}

/// `sessions/YYYY/MM/DD` for a `rollout-YYYY-MM-DDT...` file name (today's
/// date for names that do not start that way).
fn dated_dir(sessions: &Path, name: &str) -> PathBuf {
    let date = name
        .strip_prefix("rollout-")
        .and_then(|rest| rest.get(..10))
        .filter(|d| d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-');
    let date = date
        .map(str::to_string)
        .unwrap_or_else(|| chrono::Local::now().format("%Y-%m-%d").to_string());
    sessions
        .join(&date[..4])
        .join(&date[5..7])
        .join(&date[8..10])
}

fn list_rollouts_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("rollout-") && n.ends_with(".jsonl"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn find_rollout_by_id_in(dir: &Path, id: &str) -> Option<PathBuf> {
    let id = id.trim().to_ascii_lowercase();
    if id.is_empty() {
        return None;
    }
    let mut matches = list_rollouts_in(dir).into_iter().filter(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".jsonl"))
            .is_some_and(|n| n.len() >= 36 && n[n.len() - 36..].starts_with(&id))
    });
    let first = matches.next()?;
    matches.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_protocol::models::ResponseItem;

    #[test]
    fn a_fork_keeps_what_came_before_the_chosen_message() {
        let user = |t: &str| RolloutItem::ResponseItem(ResponseItem::user_text(t));
        let assistant = |t: &str| RolloutItem::ResponseItem(ResponseItem::assistant_text(t));
        let items = vec![
            user("<environment_context>\n</environment_context>"),
            user("first"),
            assistant("one"),
            user("second"),
            assistant("two"),
        ];
        let kept = truncate_before_nth_user_message(items.clone(), 1);
        assert_eq!(kept, items[..3].to_vec());
        assert_eq!(
            truncate_before_nth_user_message(items.clone(), 0),
            items[..1].to_vec()
        );
        assert_eq!(truncate_before_nth_user_message(items.clone(), 5), items);
    }

    #[test]
    fn unarchived_files_go_back_to_their_date() {
        let dir = dated_dir(
            Path::new("/h/sessions"),
            "rollout-2025-10-29T08-00-00-01a1fe8c-3d54-7721-a275-453c088d7dd7.jsonl",
        );
        assert_eq!(dir, Path::new("/h/sessions/2025/10/29"));
    }

    #[test]
    fn arguments_are_paths_or_ids() {
        assert_eq!(
            ThreadRef::from_arg("/x/rollout-1.jsonl"),
            ThreadRef::Path("/x/rollout-1.jsonl".into())
        );
        assert_eq!(
            ThreadRef::from_arg("01a1fe"),
            ThreadRef::Id("01a1fe".into())
        );
    }
}
