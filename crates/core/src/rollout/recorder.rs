//! The writer of one session file.

use std::path::{Path, PathBuf};

use codex_protocol::ThreadId;
use codex_protocol::rollout::{RolloutItem, SessionMetaLine};
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot};
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

enum Command {
    Write(Vec<String>),
    Flush(oneshot::Sender<std::io::Result<()>>),
}

/// Records items to a session file through a background writer.
#[derive(Debug, Clone)]
pub struct RolloutRecorder {
    tx: mpsc::Sender<Command>,
    path: PathBuf,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rollout command")
    }
}

impl RolloutRecorder {
    pub async fn new(codex_home: &Path, params: RolloutRecorderParams) -> std::io::Result<Self> {
        let (file, path, first_lines) = match params {
            RolloutRecorderParams::Create { thread_id, meta } => {
                let path = new_rollout_path(codex_home, &thread_id);
                if let Some(dir) = path.parent() {
                    create_private_dirs(dir)?;
                }
                let file = open_private(&path, true)?;
                let line = encode(&RolloutItem::SessionMeta(*meta))?;
                (file, path, vec![line])
            }
            RolloutRecorderParams::Resume { path } => {
                cut_torn_tail(&path)?;
                let file = open_private(&path, false)?;
                (file, path, Vec::new())
            }
        };
        let (tx, rx) = mpsc::channel(256);
        tokio::spawn(writer(tokio::fs::File::from_std(file), rx));
        let recorder = Self { tx, path };
        if !first_lines.is_empty() {
            recorder.send(Command::Write(first_lines)).await;
        }
        Ok(recorder)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues the items that [`should_persist`] keeps.
    pub async fn record_items(&self, items: &[RolloutItem]) {
        let lines: Vec<String> = items
            .iter()
            .filter(|item| should_persist(item))
            .filter_map(|item| match encode(item) {
                Ok(line) => Some(line),
                Err(err) => {
                    warn!(%err, "cannot encode a rollout item");
                    None
                }
            })
            .collect();
        if !lines.is_empty() {
            self.send(Command::Write(lines)).await;
        }
    }

    /// Writes everything queued so far and syncs the file.
    pub async fn flush(&self) -> std::io::Result<()> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Flush(tx)).await;
        rx.await
            .unwrap_or_else(|_| Err(std::io::Error::other("the rollout writer stopped")))
    }

    async fn send(&self, command: Command) {
        if self.tx.send(command).await.is_err() {
            warn!(path = %self.path.display(), "the rollout writer stopped; item not recorded");
        }
    }
}

async fn writer(file: tokio::fs::File, mut rx: mpsc::Receiver<Command>) {
    let mut out = tokio::io::BufWriter::new(file);
    while let Some(command) = rx.recv().await {
        match command {
            Command::Write(lines) => {
                for line in lines {
                    if let Err(err) = out.write_all(line.as_bytes()).await {
                        warn!(%err, "cannot write the session file");
                    }
                }
            }
            Command::Flush(done) => {
                let result = async {
                    out.flush().await?;
                    out.get_ref().sync_data().await
                }
                .await;
                let _ = done.send(result);
            }
        }
    }
    let _ = out.flush().await;
}

/// One line, newline included.
fn encode(item: &RolloutItem) -> std::io::Result<String> {
    /// [`codex_protocol::rollout::RolloutLine`]'s shape, borrowing the item
    /// instead of cloning it.
    #[derive(serde::Serialize)]
    struct Line<'a> {
        timestamp: String,
        #[serde(flatten)]
        item: &'a RolloutItem,
    }
    let line = Line {
        timestamp: timestamp_now(),
        item,
    };
    let mut text = serde_json::to_string(&line).map_err(std::io::Error::other)?;
    text.push('\n');
    Ok(text)
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

fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
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

/// Removes an incomplete last line (left by a crash mid-write), so appended
/// lines start on a line of their own.
fn cut_torn_tail(path: &Path) -> std::io::Result<()> {
    let bytes = std::fs::read(path)?;
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(());
    }
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.set_len(keep as u64)
}

#[cfg(test)]
mod tests {
    use codex_protocol::models::ResponseItem;
    use codex_protocol::rollout::RolloutLine;

    use super::*;

    #[test]
    fn a_line_reads_back_as_the_item_it_encodes() {
        let item = RolloutItem::ResponseItem(ResponseItem::user_text("hi"));
        let text = encode(&item).unwrap();
        assert!(text.ends_with('\n') && !text[..text.len() - 1].contains('\n'));
        let line: RolloutLine = serde_json::from_str(&text).unwrap();
        assert_eq!(line.item, item);
        assert!(text.starts_with(r#"{"timestamp":""#), "{text}");
    }
}
