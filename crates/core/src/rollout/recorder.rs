//! The writer of one session file.
//!
//! Durability is the point of this file: when [`RolloutRecorder::record_items`]
//! returns, the lines are in the kernel (written with one `write` of whole
//! lines, no buffer held across an await), so killing codex at any later
//! moment loses none of them. [`RolloutRecorder::flush`] additionally syncs
//! them to the disk; it runs at the end of every turn and at shutdown.
//!
//! Every line carries an `ordinal`, its position in the file. Appending to an
//! existing file (resume) continues the file's own sequence, which the
//! reference requires before it appends to a file again.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use codex_protocol::ThreadId;
use codex_protocol::rollout::{RolloutItem, SessionMetaLine};
use tracing::warn;

use super::SESSIONS_SUBDIR;
use super::policy::should_persist;
use crate::util::timestamp_now;

/// A new file, or an existing one to append to.
pub enum RolloutRecorderParams {
    Create {
        thread_id: ThreadId,
        meta: Box<SessionMetaLine>,
    },
    Resume {
        path: PathBuf,
    },
}

/// The open file and the number of its next line.
struct Writer {
    file: std::fs::File,
    next_ordinal: u64,
    /// Bytes in the file; a failed write is cut back to this.
    len: u64,
}

/// Records items to a session file.
#[derive(Clone)]
pub struct RolloutRecorder {
    writer: Arc<Mutex<Writer>>,
    path: PathBuf,
}

impl std::fmt::Debug for RolloutRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RolloutRecorder")
            .field("path", &self.path)
            .finish()
    }
}

impl RolloutRecorder {
    pub async fn new(codex_home: &Path, params: RolloutRecorderParams) -> std::io::Result<Self> {
        let codex_home = codex_home.to_path_buf();
        let (writer, path, first) = tokio::task::spawn_blocking(move || open(&codex_home, params))
            .await
            .map_err(std::io::Error::other)??;
        let recorder = Self {
            writer: Arc::new(Mutex::new(writer)),
            path,
        };
        if let Some(meta) = first {
            recorder.write_lines(vec![encode_body(&meta)?]).await?;
        }
        Ok(recorder)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the items that [`should_persist`] keeps. When this returns they
    /// are in the file (a failure is logged: recording never stops a turn).
    pub async fn record_items(&self, items: &[RolloutItem]) {
        let bodies: Vec<String> = items
            .iter()
            .filter(|item| should_persist(item))
            .filter_map(|item| match encode_body(item) {
                Ok(body) => Some(body),
                Err(err) => {
                    warn!(%err, "cannot encode a rollout item");
                    None
                }
            })
            .collect();
        if bodies.is_empty() {
            return;
        }
        if let Err(err) = self.write_lines(bodies).await {
            warn!(%err, path = %self.path.display(), "cannot write the session file");
        }
    }

    /// Syncs what was written to the disk.
    pub async fn flush(&self) -> std::io::Result<()> {
        let writer = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || crate::state::lock(&writer).file.sync_data())
            .await
            .map_err(std::io::Error::other)?
    }

    /// Numbers the lines and writes them in one `write`. A write that fails
    /// part-way is cut back, so the file never holds half a line.
    ///
    /// Written in place, not on the blocking pool: a few hundred bytes into
    /// the page cache take microseconds, and the hand-off to a pool thread
    /// and back cost more than the write (about a tenth of a millisecond on
    /// two cores, several times per tool call, each on the way to the next
    /// request). `fsync` (`flush`) still goes to the pool.
    async fn write_lines(&self, bodies: Vec<String>) -> std::io::Result<()> {
        let mut writer = crate::state::lock(&self.writer);
        let timestamp = timestamp_now();
        let mut buf = String::with_capacity(bodies.iter().map(|b| b.len() + 64).sum());
        let mut ordinal = writer.next_ordinal;
        for body in &bodies {
            buf.push_str(&line(&timestamp, ordinal, body));
            ordinal += 1;
        }
        match writer.file.write_all(buf.as_bytes()) {
            Ok(()) => {
                writer.next_ordinal = ordinal;
                writer.len += buf.len() as u64;
                Ok(())
            }
            Err(err) => {
                let len = writer.len;
                let _ = writer.file.set_len(len);
                Err(err)
            }
        }
    }
}

/// Opens the file; for a new one also returns its first item.
fn open(
    codex_home: &Path,
    params: RolloutRecorderParams,
) -> std::io::Result<(Writer, PathBuf, Option<RolloutItem>)> {
    match params {
        RolloutRecorderParams::Create { thread_id, meta } => {
            let path = new_rollout_path(codex_home, &thread_id);
            if let Some(dir) = path.parent() {
                create_private_dirs(dir)?;
            }
            let file = open_private(&path, true)?;
            let writer = Writer {
                file,
                next_ordinal: 0,
                len: 0,
            };
            Ok((writer, path, Some(RolloutItem::SessionMeta(*meta))))
        }
        RolloutRecorderParams::Resume { path } => {
            let bytes = std::fs::read(&path)?;
            let keep = complete_prefix_len(&bytes);
            let next_ordinal = next_ordinal(&bytes[..keep]);
            let file = open_private(&path, false)?;
            if keep < bytes.len() {
                // A torn last line (a crash mid-write): appended lines must
                // start on a line of their own.
                file.set_len(keep as u64)?;
            }
            let writer = Writer {
                file,
                next_ordinal,
                len: keep as u64,
            };
            Ok((writer, path, None))
        }
    }
}

/// The JSON of `item` as `"type":...,"payload":...}` (the object without its
/// opening brace), to which [`line`] prefixes the timestamp and ordinal.
fn encode_body(item: &RolloutItem) -> std::io::Result<String> {
    let mut text = serde_json::to_string(item).map_err(std::io::Error::other)?;
    // Invariant: an internally tagged enum always serializes as an object.
    if text.starts_with('{') {
        text.remove(0);
    }
    Ok(text)
}

/// One line, newline included, in the reference's key order.
fn line(timestamp: &str, ordinal: u64, body: &str) -> String {
    format!("{{\"timestamp\":\"{timestamp}\",\"ordinal\":{ordinal},{body}\n")
}

/// Bytes up to and including the last newline.
fn complete_prefix_len(bytes: &[u8]) -> usize {
    bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

/// The ordinal the next line of a file gets: one past the last numbered
/// line, or (for files written without numbers) the number of lines.
fn next_ordinal(complete: &[u8]) -> u64 {
    #[derive(serde::Deserialize)]
    struct Numbered {
        ordinal: Option<u64>,
    }
    let mut lines = complete
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    let count = lines.clone().count() as u64;
    lines
        .next_back()
        .and_then(|last| serde_json::from_slice::<Numbered>(last).ok())
        .and_then(|n| n.ordinal)
        .map_or(count, |last| last + 1)
}

/// `sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl`, local time.
fn new_rollout_path(codex_home: &Path, thread_id: &ThreadId) -> PathBuf {
    let now = chrono::Local::now();
    codex_home
        .join(SESSIONS_SUBDIR)
        .join(now.format("%Y").to_string())
        .join(now.format("%m").to_string())
        .join(now.format("%d").to_string())
        .join(format!(
            "rollout-{}-{thread_id}.jsonl",
            now.format("%Y-%m-%dT%H-%M-%S")
        ))
}

pub(crate) fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// A resumed file written by another program may be wider than 0600; it is
/// tightened.
fn open_private(path: &Path, create_new: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create_new(create_new);
    codex_config::private_file::open(path, &mut options)
}

#[cfg(test)]
mod tests {
    use codex_protocol::models::ResponseItem;
    use codex_protocol::rollout::RolloutLine;

    use super::*;

    #[test]
    fn a_line_reads_back_as_the_item_it_encodes() {
        let item = RolloutItem::ResponseItem(ResponseItem::user_text("hi"));
        let text = line("2026-01-01T00:00:00.000Z", 7, &encode_body(&item).unwrap());
        assert!(text.ends_with('\n') && !text[..text.len() - 1].contains('\n'));
        let parsed: RolloutLine = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed.item, item);
        assert_eq!(parsed.ordinal, Some(7));
        assert!(
            text.starts_with(r#"{"timestamp":"2026-01-01T00:00:00.000Z","ordinal":7,"type":"response_item","payload":"#),
            "{text}"
        );
    }

    #[test]
    fn the_next_ordinal_continues_the_file() {
        assert_eq!(next_ordinal(b""), 0);
        assert_eq!(
            next_ordinal(b"{\"ordinal\":0}\n{\"ordinal\":1}\n\n"),
            2,
            "blank lines are not lines"
        );
        assert_eq!(next_ordinal(b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n"), 3);
        assert_eq!(next_ordinal(b"{\"a\":1}\n{\"ordinal\":41}\n"), 42);
        assert_eq!(complete_prefix_len(b"a\nb\ntorn"), 4);
    }
}
