//! The state database, `$CODEX_HOME/state.sqlite`.
//!
//! Two things live here:
//!
//! * [`threads`]: one row per session (where its file is, when it was last
//!   used, its title, settings and token count), so that `resume --last`
//!   and listings do not scan every session file.
//! * [`logs`]: the engine's `tracing` events, written by [`log_layer`]
//!   through a bounded queue, capped at 10 MiB per thread and 10 MiB per
//!   thread-less process, and kept for [`logs::RETENTION_DAYS`] days.
//!
//! * [`goals`]: each thread's goal (objective, status, usage).
//!
//! SQLite runs in WAL mode with a busy timeout and every write transaction
//! starts `IMMEDIATE`, so several codex processes can share the file without
//! "database is locked" errors. The API is synchronous: [`StateDb`] is a
//! handle to one thread that owns the connection; async callers await its
//! answers, blocking callers wait for them. Schema changes are versioned
//! migrations ([`migrations`]) applied on open.

pub mod goals;
pub mod log_layer;
pub mod logs;
pub mod memories;
mod migrations;
pub mod threads;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use log_layer::{LogDbLayer, LogWriterGuard, start_log_writer};
/// The SQLite binding, for callers that work on a connection directly.
pub use rusqlite;
pub use threads::ThreadRow;

/// File name under `$CODEX_HOME`.
pub const STATE_DB_FILENAME: &str = "state.sqlite";

/// How long a writer waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot open {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot prepare {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("state database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the state database thread stopped")]
    Closed,
}

/// Size past which the log writer's checkpoint truncates the write-ahead
/// log (see [`logs::checkpoint`]), so a burst of logging does not leave a
/// large file behind.
pub const WAL_SIZE_LIMIT: i64 = 4 << 20;

/// Opens (creating if needed, 0600) and migrates a database file.
pub fn open_connection(path: &Path) -> Result<Connection, StateError> {
    create_private(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| StateError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let setup = || -> rusqlite::Result<()> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(())
    };
    setup().map_err(|source| StateError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut conn = conn;
    migrations::migrate(&mut conn).map_err(|source| StateError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(conn)
}

/// Creates the file 0600 before SQLite does (SQLite gives the WAL and
/// shared-memory files the same mode), and tightens an existing one.
fn create_private(path: &Path) -> Result<(), StateError> {
    let io = |source| StateError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true);
    codex_config::private_file::open(path, &mut options).map_err(io)?;
    Ok(())
}

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A handle to the thread that owns the database connection.
#[derive(Debug, Clone)]
pub struct StateDb {
    tx: mpsc::Sender<Job>,
    path: PathBuf,
}

impl StateDb {
    /// Opens `$CODEX_HOME/state.sqlite`.
    pub fn open(codex_home: &Path) -> Result<Self, StateError> {
        Self::open_path(&codex_home.join(STATE_DB_FILENAME))
    }

    pub fn open_path(path: &Path) -> Result<Self, StateError> {
        let mut conn = open_connection(path)?;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("codex-state-db".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    job(&mut conn);
                }
            })
            .map_err(|source| StateError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Self {
            tx,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the database thread and awaits its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R, StateError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.tx
            .send(Box::new(move |conn| {
                let _ = tx.send(f(conn));
            }))
            .map_err(|_| StateError::Closed)?;
        Ok(rx.await.map_err(|_| StateError::Closed)??)
    }

    /// Runs `f` on the database thread and waits for its result.
    pub fn call_blocking<R, F>(&self, f: F) -> Result<R, StateError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.tx
            .send(Box::new(move |conn| {
                let _ = tx.send(f(conn));
            }))
            .map_err(|_| StateError::Closed)?;
        Ok(rx.recv().map_err(|_| StateError::Closed)??)
    }
}
