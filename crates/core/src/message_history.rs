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
//!
//! Counting also builds a sparse index: the byte offset of every
//! [`INDEX_STRIDE`]-th entry. The engine keeps count and index in the state
//! database, so a lookup anywhere in a million-entry file is one seek plus a
//! scan of at most a stride's lines, and the next session only reads (and
//! indexes) what was appended since.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use codex_config::{Config, HistoryPersistence};
use codex_protocol::ThreadId;
use codex_protocol::message_history::HistoryEntry;

pub const HISTORY_FILENAME: &str = "history.jsonl";

/// How long to keep trying to take the lock before giving up.
const LOCK_TIMEOUT: Duration = Duration::from_secs(2);
/// Attempts to reopen a file that was replaced under us.
const REOPEN_ATTEMPTS: usize = 10;
/// Trimming keeps this share of `max_bytes`, so it does not run on every append.
const SOFT_CAP_RATIO: f64 = 0.8;
/// Entries between two marks of the sparse index: about 130 KiB of typical
/// entries to scan at most, and 8 bytes of index per 1,024 entries.
pub const INDEX_STRIDE: usize = 1024;

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
    for _ in 0..REOPEN_ATTEMPTS {
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

/// The file's identity, its length, how many entries that length holds,
/// and where every [`INDEX_STRIDE`]-th entry starts.
///
/// Counting a large history takes a full read (about 35 ms for a million
/// entries), so the engine keeps the last count in the state database and
/// the next session reads only what was appended since.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryCount {
    /// The file's inode; a trim writes a new file, so a new id.
    pub log_id: u64,
    /// Bytes counted.
    pub bytes: u64,
    /// Complete lines (entries) in those bytes.
    pub entries: usize,
    /// `marks[i]` is the byte offset where entry `(i + 1) * INDEX_STRIDE`
    /// starts (entry 0 starts at 0); exactly `entries / INDEX_STRIDE` marks.
    pub marks: Vec<u64>,
}

impl HistoryCount {
    /// Key under which the engine stores the count in the state database.
    pub const META_KEY: &str = "history_count";

    /// `log_id:bytes:entries:mark,mark,…`.
    pub fn encode(&self) -> String {
        let marks: Vec<String> = self.marks.iter().map(u64::to_string).collect();
        format!(
            "{}:{}:{}:{}",
            self.log_id,
            self.bytes,
            self.entries,
            marks.join(",")
        )
    }

    /// The inverse of [`encode`](Self::encode); None for anything that is
    /// not a consistent count (a mark count that does not fit the entries,
    /// marks out of order or past the end), so a damaged or older value
    /// means a full recount rather than a wrong index.
    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.split(':');
        let log_id = parts.next()?.parse().ok()?;
        let bytes = parts.next()?.parse().ok()?;
        let entries: usize = parts.next()?.parse().ok()?;
        let marks = match parts.next()? {
            "" => Vec::new(),
            list => list
                .split(',')
                .map(|m| m.parse().ok())
                .collect::<Option<Vec<u64>>>()?,
        };
        let consistent = parts.next().is_none()
            && marks.len() == entries / INDEX_STRIDE
            && marks.windows(2).all(|w| w[0] < w[1])
            && marks.last().is_none_or(|&m| m <= bytes);
        consistent.then_some(Self {
            log_id,
            bytes,
            entries,
            marks,
        })
    }

    /// Where entry `offset` starts and how many lines to skip from there to
    /// reach it, for an entry within this count.
    fn seek_point(&self, offset: usize) -> (u64, usize) {
        match offset / INDEX_STRIDE {
            0 => (0, offset),
            mark => (self.marks[mark - 1], offset % INDEX_STRIDE),
        }
    }
}

/// Counts the entries of the history file; `HistoryCount::default()` if
/// there is none.
///
/// With `previous` from the same file (same inode, no shorter), only the
/// bytes appended since are read. A file rewritten in place to the same
/// or a greater length is not detected; codex itself never does that (it
/// trims through a new file).
pub fn count_entries(codex_home: &Path, previous: Option<HistoryCount>) -> HistoryCount {
    let Ok(mut file) = File::open(history_path(codex_home)) else {
        return HistoryCount::default();
    };
    let Ok(metadata) = file.metadata() else {
        return HistoryCount::default();
    };
    let log_id = inode(&file).unwrap_or(0);
    let bytes = metadata.len();
    let mut count = match previous {
        Some(p) if p.log_id == log_id && p.bytes <= bytes => p,
        _ => HistoryCount {
            log_id,
            ..HistoryCount::default()
        },
    };
    // Count up to the length just seen: a line being appended right now
    // has no newline yet and is counted next time. The partial line's
    // bytes are counted, though (the next count starts after them), so
    // `bytes` is where counting stopped and a later newline ends the entry.
    let start = count.bytes;
    let counted = file
        .seek(SeekFrom::Start(start))
        .and_then(|_| count_and_mark((&file).take(bytes - start), start, &mut count));
    match counted {
        Ok(()) => HistoryCount { bytes, ..count },
        Err(_) => HistoryCount {
            log_id,
            ..HistoryCount::default()
        },
    }
}

/// Entry `offset` (0-based) of the file identified by `log_id`, or None if
/// there is no such entry or the file is not that file any more.
///
/// `known` is a count of the same file taken earlier (the one announced at
/// session start): its index turns the lookup into one seek and a scan of
/// at most [`INDEX_STRIDE`] lines, and entries appended since are found by
/// scanning from its end. Without it (or if the file is no longer what it
/// describes) the file is scanned from the start.
pub fn lookup(
    codex_home: &Path,
    log_id: u64,
    offset: usize,
    known: Option<&HistoryCount>,
) -> Option<HistoryEntry> {
    let mut file = File::open(history_path(codex_home)).ok()?;
    if inode(&file).ok()? != log_id {
        return None;
    }
    lock_with_retries(&file, true).ok()?;
    let indexed =
        known.filter(|k| k.log_id == log_id && file.metadata().is_ok_and(|m| m.len() >= k.bytes));
    if let Some(known) = indexed {
        let (at, skip) = if offset < known.entries {
            known.seek_point(offset)
        } else {
            (known.bytes, offset - known.entries)
        };
        // Falls through to the full scan if the file was rewritten in place
        // and the line found is not an entry.
        if let Ok(Some(line)) = file
            .seek(SeekFrom::Start(at))
            .and_then(|_| nth_line(&file, skip))
            && let Ok(entry) = serde_json::from_slice(&line)
        {
            return Some(entry);
        }
        file.seek(SeekFrom::Start(0)).ok()?;
    }
    let line = nth_line(&file, offset).ok()??;
    serde_json::from_slice(&line).ok()
}

/// Line `n` (0-based, without its newline) from the file's current
/// position, found by scanning for newlines 64 KiB at a time (an indexed
/// lookup reads about two such chunks).
fn nth_line(mut file: &File, n: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = vec![0u8; 64 << 10];
    let mut seen = 0;
    let mut line = Vec::new();
    let mut collecting = n == 0;
    loop {
        let read = file.read(&mut buf)?;
        if read == 0 {
            return Ok(collecting.then_some(line).filter(|l| !l.is_empty()));
        }
        let mut chunk = &buf[..read];
        if !collecting {
            let Some(pos) = memchr::memchr_iter(b'\n', chunk).nth(n - seen - 1) else {
                seen += memchr::memchr_iter(b'\n', chunk).count();
                continue;
            };
            collecting = true;
            chunk = &chunk[pos + 1..];
        }
        match memchr::memchr(b'\n', chunk) {
            Some(end) => {
                line.extend_from_slice(&chunk[..end]);
                return Ok(Some(line));
            }
            None => line.extend_from_slice(chunk),
        }
    }
}

/// Counts the lines of `file` (which starts at byte `start` of the history)
/// into `count`, adding a mark at every [`INDEX_STRIDE`]-th entry.
fn count_and_mark(
    mut file: impl Read,
    start: u64,
    count: &mut HistoryCount,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    let mut at = start;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        for newline in memchr::memchr_iter(b'\n', &buf[..n]) {
            count.entries += 1;
            if count.entries.is_multiple_of(INDEX_STRIDE) {
                count.marks.push(at + newline as u64 + 1);
            }
        }
        at += n as u64;
    }
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    codex_config::private_file::open(path, &mut options)
}

/// Takes the advisory lock, retrying with short growing waits (a writer
/// holds it for one line) up to [`LOCK_TIMEOUT`].
fn lock_with_retries(file: &File, shared: bool) -> std::io::Result<()> {
    let deadline = std::time::Instant::now() + LOCK_TIMEOUT;
    let mut wait = Duration::from_millis(1);
    loop {
        let result = if shared {
            file.try_lock_shared()
        } else {
            file.try_lock()
        };
        match result {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    "history.jsonl stayed locked by another process",
                ));
            }
            Err(std::fs::TryLockError::Error(err)) => return Err(err),
        }
    }
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
    codex_config::private_file::write_atomic(path, &content[start..])
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

/// A session's writer of history entries: one worker appends them in the
/// order they were submitted (separate blocking tasks could reorder them),
/// without the submission loop waiting for the lock or the disk.
#[derive(Debug, Clone)]
pub(crate) struct HistoryAppender {
    tx: tokio::sync::mpsc::UnboundedSender<String>,
}

impl HistoryAppender {
    /// Starts the worker; it ends when the last appender is dropped.
    pub(crate) fn start(config: &Config, session_id: ThreadId) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let codex_home = config.codex_home.clone();
        let (persistence, max_bytes) = (config.history.persistence, config.history.max_bytes);
        tokio::spawn(async move {
            while let Some(text) = rx.recv().await {
                let codex_home = codex_home.clone();
                let appended = tokio::task::spawn_blocking(move || {
                    append_entry(&codex_home, persistence, max_bytes, &session_id, &text)
                })
                .await;
                match appended {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => tracing::warn!(%err, "failed to append to message history"),
                    Err(err) => tracing::warn!(%err, "the history writer failed"),
                }
            }
        });
        Self { tx }
    }

    pub(crate) fn append(&self, text: String) {
        let _ = self.tx.send(text);
    }
}
