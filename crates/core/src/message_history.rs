//! `$CODEX_HOME/history.jsonl`: every message the user sent, across sessions.
//!
//! One JSON line per message (`{"session_id", "ts", "text"}`), appended
//! under an exclusive advisory lock (`flock`, via std `File::lock`), so that
//! concurrent codex processes (and other programs that honor the lock) never
//! interleave lines. The file is private (0600; tightened if found wider).
//!
//! A reader identifies the file by its inode (`log_id`) and an entry by its
//! line number, so that a client can page backwards through history while
//! other sessions append. Trimming to `max_bytes` writes the newest entries
//! to a new file and renames it over the old one: the new inode tells
//! readers that old offsets no longer apply.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use codex_config::{Config, HistoryPersistence};
use codex_protocol::ThreadId;
use codex_protocol::message_history::HistoryEntry;

pub const HISTORY_FILENAME: &str = "history.jsonl";

/// Attempts to take the lock before giving up.
const LOCK_ATTEMPTS: usize = 10;
const LOCK_RETRY_SLEEP: Duration = Duration::from_millis(100);
/// Trimming keeps this share of `max_bytes`, so it does not run on every append.
const SOFT_CAP_RATIO: f64 = 0.8;

pub fn history_path(codex_home: &Path) -> PathBuf {
    codex_home.join(HISTORY_FILENAME)
}

/// Appends one entry (blocking; call from a blocking thread).
pub fn append_entry(
    codex_home: &Path,
    persistence: HistoryPersistence,
    max_bytes: Option<usize>,
    session_id: &ThreadId,
    text: &str,
) -> std::io::Result<()> {
    if persistence == HistoryPersistence::None {
        return Ok(());
    }
    let entry = HistoryEntry {
        session_id: session_id.to_string(),
        ts: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        text: text.to_string(),
    };
    let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let path = history_path(codex_home);
    std::fs::create_dir_all(codex_home)?;

    // The file may be replaced (trimmed) by another process between open and
    // lock; then the lock is on a file nobody reads, so reopen.
    for _ in 0..LOCK_ATTEMPTS {
        let mut file = open_private(&path)?;
        lock_with_retries(&file, false)?;
        if !same_file(&file, &path)? {
            continue;
        }
        file.seek(SeekFrom::End(0))?;
        file.write_all(&line)?;
        file.flush()?;
        if let Some(max) = max_bytes.filter(|m| *m > 0)
            && file.metadata()?.len() > max as u64
        {
            trim(&mut file, &path, max)?;
        }
        return Ok(());
    }
    Err(std::io::Error::other(
        "history.jsonl kept being replaced while appending",
    ))
}

/// `(log_id, entry count)` of the history file; `(0, 0)` if there is none.
pub fn history_metadata(codex_home: &Path) -> (u64, usize) {
    let path = history_path(codex_home);
    let Ok(file) = File::open(&path) else {
        return (0, 0);
    };
    let log_id = inode(&file).unwrap_or(0);
    (log_id, count_lines(file).unwrap_or(0))
}

/// Entry `offset` (0-based) of the file identified by `log_id`, or None if
/// there is no such entry or the file is not that file any more.
pub fn lookup(codex_home: &Path, log_id: u64, offset: usize) -> Option<HistoryEntry> {
    let file = File::open(history_path(codex_home)).ok()?;
    if inode(&file).ok()? != log_id {
        return None;
    }
    lock_with_retries(&file, true).ok()?;
    let mut reader = BufReader::new(&file);
    let mut line = Vec::new();
    for _ in 0..offset {
        line.clear();
        if reader.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
    }
    line.clear();
    if reader.read_until(b'\n', &mut line).ok()? == 0 {
        return None;
    }
    serde_json::from_slice(&line).ok()
}

fn count_lines(mut file: File) -> std::io::Result<usize> {
    let mut buf = vec![0u8; 1 << 20];
    let mut count = 0;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(count);
        }
        count += memchr::memchr_iter(b'\n', &buf[..n]).count();
    }
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    ensure_private(&file)?;
    Ok(file)
}

/// Tightens the mode to 0600 if the file was created wider by someone else.
fn ensure_private(file: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

fn lock_with_retries(file: &File, shared: bool) -> std::io::Result<()> {
    for attempt in 0..LOCK_ATTEMPTS {
        let result = if shared {
            file.try_lock_shared()
        } else {
            file.try_lock()
        };
        match result {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if attempt + 1 < LOCK_ATTEMPTS => {
                std::thread::sleep(LOCK_RETRY_SLEEP);
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    "history.jsonl is locked by another process",
                ));
            }
            Err(std::fs::TryLockError::Error(err)) => return Err(err),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::WouldBlock,
        "history.jsonl is locked by another process",
    ))
}

/// Keeps the newest entries within the soft cap, through a new file.
fn trim(file: &mut File, path: &Path, max_bytes: usize) -> std::io::Result<()> {
    let mut content = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut content)?;
    let newest_len = content[..content.len().saturating_sub(1)]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(content.len(), |i| content.len() - i - 1);
    let soft_cap = ((max_bytes as f64 * SOFT_CAP_RATIO) as usize).max(newest_len);
    let mut start = content.len().saturating_sub(soft_cap);
    // Start at a line boundary.
    if start > 0 {
        start = content[start - 1..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(content.len(), |i| start + i);
    }
    let temp = path.with_extension(format!("jsonl.{}.tmp", std::process::id()));
    let result = (|| {
        let mut out = open_private(&temp)?;
        out.set_len(0)?;
        out.write_all(&content[start..])?;
        out.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(unix)]
fn inode(file: &File) -> std::io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(file.metadata()?.ino())
}

#[cfg(not(unix))]
fn inode(file: &File) -> std::io::Result<u64> {
    let created = file.metadata()?.created()?;
    Ok(created
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0))
}

fn same_file(file: &File, path: &Path) -> std::io::Result<bool> {
    let on_disk = match File::open(path) {
        Ok(f) => f,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err),
    };
    Ok(inode(file)? == inode(&on_disk)?)
}

/// The session's history settings, for the engine.
pub(crate) fn settings(config: &Config) -> (HistoryPersistence, Option<usize>) {
    (config.history.persistence, config.history.max_bytes)
}
