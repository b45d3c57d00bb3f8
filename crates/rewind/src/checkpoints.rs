//! A thread's checkpoints: one per user message, in order, with the git
//! snapshots around its turn and (outside git) the agent's file changes.
//!
//! The list lives in `$CODEX_HOME/checkpoints/<thread id>/log.json`
//! (rewritten whole, atomically, 0600), so a resumed thread can still
//! rewind its code; the texts of files before the agent changed them live
//! beside it in `blobs/`, named by their SHA-256. An ephemeral thread keeps
//! its checkpoints in memory only (it cannot be resumed, so nothing is
//! lost), the files' texts up to [`MEMORY_BYTES`] in all; a file past that
//! is listed as not restorable, like one too large to checkpoint.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ghost::{MAX_FILE_BYTES, Snapshot};

/// The checkpoint taken before one user message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// 0-based among the thread's user messages.
    pub nth_user_message: usize,
    /// When it was taken (RFC 3339).
    pub taken_at: String,
    /// The working tree before the turn (a ghost snapshot commit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_before: Option<String>,
    /// The working tree after the turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_after: Option<String>,
    /// Files the snapshot left out for their size.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    /// Outside git: the files the agent changed in the turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRecord>,
}

/// One file the agent changed in a turn (outside git).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: PathBuf,
    /// Its content before the turn's first change (a blob id), `None`
    /// when it did not exist.
    pub before: Option<String>,
    /// Its content after the agent's last change (a blob id; only the id
    /// is needed, to tell a later hand edit), `None` when it was removed.
    pub after: Option<String>,
    /// Too large to checkpoint: listed as not restorable.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub too_large: bool,
}

/// What an ephemeral thread keeps of file texts, in memory.
pub const MEMORY_BYTES: usize = 64 * 1024 * 1024;

/// The checkpoints of one thread.
#[derive(Debug, Default)]
pub struct Checkpoints {
    /// `None`: kept in memory only (an ephemeral thread).
    dir: Option<PathBuf>,
    list: Vec<Checkpoint>,
    /// The file texts of an ephemeral thread, by id.
    memory: std::collections::HashMap<String, Vec<u8>>,
    memory_bytes: usize,
}

#[derive(Serialize, Deserialize)]
struct LogFile {
    checkpoints: Vec<Checkpoint>,
}

impl Checkpoints {
    /// The checkpoints of `thread_id` kept under `codex_home` (none yet
    /// when the thread has none, or in memory only without a home). A log
    /// that cannot be read starts empty: rewinding code then says so.
    pub fn open(codex_home: Option<&Path>, thread_id: &str) -> Self {
        let dir = codex_home.map(|home| home.join("checkpoints").join(thread_id));
        let list = dir
            .as_ref()
            .and_then(|dir| std::fs::read(dir.join("log.json")).ok())
            .and_then(|bytes| serde_json::from_slice::<LogFile>(&bytes).ok())
            .map(|log| log.checkpoints)
            .unwrap_or_default();
        Self {
            dir,
            list,
            ..Self::default()
        }
    }

    pub fn list(&self) -> &[Checkpoint] {
        &self.list
    }

    /// The checkpoint taken before user message `nth`, and those after it.
    pub fn from(&self, nth: usize) -> &[Checkpoint] {
        let start = self
            .list
            .iter()
            .position(|c| c.nth_user_message >= nth)
            .unwrap_or(self.list.len());
        &self.list[start..]
    }

    /// The newest git snapshot (the parent of the next one).
    pub fn last_git_commit(&self) -> Option<&str> {
        self.list
            .iter()
            .rev()
            .find_map(|c| c.git_after.as_deref().or(c.git_before.as_deref()))
    }

    /// Starts the checkpoint of user message `nth`. Checkpoints at or past
    /// `nth` belong to a conversation that was rewound: they go.
    pub fn begin(&mut self, nth: usize, taken_at: String) -> io::Result<()> {
        self.begin_unsaved(nth, taken_at);
        self.save()
    }

    /// [`Self::begin`] for a turn whose git snapshot follows at once: the
    /// log is written with the snapshot ([`Self::set_git_before`]), one
    /// write fewer per turn.
    pub fn begin_unsaved(&mut self, nth: usize, taken_at: String) {
        self.forget_from(nth);
        self.list.push(Checkpoint {
            nth_user_message: nth,
            taken_at,
            ..Checkpoint::default()
        });
    }

    /// The snapshot before the current turn.
    pub fn set_git_before(&mut self, snapshot: &Snapshot) -> io::Result<()> {
        if let Some(current) = self.list.last_mut() {
            current.git_before = Some(snapshot.commit.clone());
            current.skipped = snapshot.skipped.clone();
        }
        self.save()
    }

    /// The snapshot after the current turn.
    pub fn set_git_after(&mut self, snapshot: &Snapshot) -> io::Result<()> {
        if let Some(current) = self.list.last_mut() {
            current.git_after = Some(snapshot.commit.clone());
        }
        self.save()
    }

    /// Drops the checkpoints of user message `nth` and later (the
    /// conversation went back before them).
    pub fn forget_from(&mut self, nth: usize) {
        self.list.retain(|c| c.nth_user_message < nth);
        if !self.memory.is_empty() {
            // An ephemeral thread's texts nobody refers to any more go.
            let used: std::collections::HashSet<&String> = self
                .list
                .iter()
                .flat_map(|c| &c.files)
                .flat_map(|f| f.before.iter().chain(f.after.iter()))
                .collect();
            self.memory.retain(|id, _| used.contains(id));
            self.memory_bytes = self.memory.values().map(Vec::len).sum();
        }
    }

    /// Drops the checkpoints of user message `nth` and later while their
    /// changes stay in the files (the conversation alone went back): the
    /// checkpoint before `nth` takes them over as its own turn's, so a
    /// later rewind to an earlier point still puts them back as the
    /// agent's work rather than taking them for hand edits.
    pub fn fold_from(&mut self, nth: usize) -> io::Result<()> {
        let split = self
            .list
            .iter()
            .position(|c| c.nth_user_message >= nth)
            .unwrap_or(self.list.len());
        let dropped = self.list.split_off(split);
        if let Some(kept) = self.list.last_mut() {
            for checkpoint in &dropped {
                if checkpoint.git_after.is_some() {
                    kept.git_after = checkpoint.git_after.clone();
                }
                for record in &checkpoint.files {
                    match kept.files.iter_mut().find(|f| f.path == record.path) {
                        Some(existing) => {
                            existing.after = record.after.clone();
                            existing.too_large |= record.too_large;
                        }
                        None => kept.files.push(record.clone()),
                    }
                }
            }
        }
        self.save()
    }

    /// After a restore of the code alone (the conversation goes on): the
    /// files as they now are count as the agent's last state — the newest
    /// checkpoint's "after" becomes `git_now` and each file's last record
    /// names its current content — so the restore is not taken for a hand
    /// edit later.
    pub fn settle(&mut self, git_now: Option<&Snapshot>) -> io::Result<()> {
        if let (Some(now), Some(last)) = (git_now, self.list.last_mut()) {
            last.git_after = Some(now.commit.clone());
        }
        let mut seen: Vec<PathBuf> = Vec::new();
        for checkpoint in self.list.iter_mut().rev() {
            for record in checkpoint.files.iter_mut() {
                if !seen.contains(&record.path) {
                    record.after = content_id(&record.path)?;
                    seen.push(record.path.clone());
                }
            }
        }
        self.save()
    }

    /// Before the agent changes `paths` (outside git): keeps what each
    /// holds, once per turn.
    pub fn record_before(&mut self, paths: &[PathBuf]) -> io::Result<()> {
        let Some(current) = self.list.last() else {
            return Ok(());
        };
        let new: Vec<&PathBuf> = paths
            .iter()
            .filter(|p| !current.files.iter().any(|f| &f.path == *p))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let mut records = Vec::with_capacity(new.len());
        for path in new {
            let (before, too_large) = match std::fs::symlink_metadata(path) {
                Ok(meta) if meta.len() > MAX_FILE_BYTES => (None, true),
                Ok(meta) if meta.is_file() => match self.store_blob(std::fs::read(path)?)? {
                    Some(id) => (Some(id), false),
                    None => (None, true),
                },
                Ok(_) => (None, true),
                Err(err) if err.kind() == io::ErrorKind::NotFound => (None, false),
                Err(err) => return Err(err),
            };
            records.push(FileRecord {
                path: path.clone(),
                after: before.clone(),
                before,
                too_large,
            });
        }
        if let Some(current) = self.list.last_mut() {
            current.files.extend(records);
        }
        self.save()
    }

    /// After the agent changed `paths`: what each holds now (to tell hand
    /// edits later).
    pub fn record_after(&mut self, paths: &[PathBuf]) -> io::Result<()> {
        for path in paths {
            let after = content_id(path)?;
            if let Some(record) = self
                .list
                .last_mut()
                .and_then(|c| c.files.iter_mut().find(|f| &f.path == path))
            {
                record.after = after;
            }
        }
        self.save()
    }

    /// A stored content.
    pub fn blob(&self, id: &str) -> io::Result<Vec<u8>> {
        let Some(dir) = &self.dir else {
            return self.memory.get(id).cloned().ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    "this session is ephemeral: its file checkpoints were kept in memory, and this one is not there",
                )
            });
        };
        std::fs::read(dir.join("blobs").join(id))
    }

    /// Keeps `bytes`; `None` when an ephemeral thread's memory for them
    /// is used up.
    fn store_blob(&mut self, bytes: Vec<u8>) -> io::Result<Option<String>> {
        let id = hash(&bytes);
        let Some(dir) = &self.dir else {
            if !self.memory.contains_key(&id) {
                if self.memory_bytes + bytes.len() > MEMORY_BYTES {
                    return Ok(None);
                }
                self.memory_bytes += bytes.len();
                self.memory.insert(id.clone(), bytes);
            }
            return Ok(Some(id));
        };
        let blobs = dir.join("blobs");
        codex_config::private_file::create_private_dir_all(&blobs)?;
        let path = blobs.join(&id);
        if !path.exists() {
            write_private(&path, &bytes)?;
        }
        Ok(Some(id))
    }

    fn save(&self) -> io::Result<()> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        codex_config::private_file::create_private_dir_all(dir)?;
        let log = LogFile {
            checkpoints: self.list.clone(),
        };
        let bytes = serde_json::to_vec(&log).map_err(io::Error::other)?;
        write_private(&dir.join("log.json"), &bytes)
    }
}

/// Replaces `path` with `bytes` through a 0600 temporary file and a
/// rename, so a reader sees the old contents or the new. Not synced: a
/// checkpoint is a safety net taken again every turn, and a sync per file
/// would cost a turn more than the whole checkpoint (see the benchmark);
/// the rename still never leaves a half-written file in place.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        let mut file = codex_config::private_file::open(&temp, &mut options)?;
        file.write_all(bytes)?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// The id of a content: its SHA-256 in hex.
pub fn hash(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The id of `path`'s content now, `None` when it does not exist.
pub fn content_id(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(hash(&bytes))),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ephemeral_thread_restores_from_memory() {
        let work = tempfile::tempdir().unwrap();
        let file = work.path().join("a.txt");
        std::fs::write(&file, "before\n").unwrap();
        let mut cps = Checkpoints::open(None, "t");
        cps.begin(0, String::new()).unwrap();
        cps.record_before(std::slice::from_ref(&file)).unwrap();
        std::fs::write(&file, "after\n").unwrap();
        cps.record_after(std::slice::from_ref(&file)).unwrap();

        let plan = crate::restore::files_plan(&cps, cps.from(0), &[], &[]).unwrap();
        assert_eq!(crate::restore::apply(&plan, None, &cps).unwrap(), (1, 0));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "before\n");
        cps.forget_from(0);
        assert!(cps.memory.is_empty());
    }

    #[test]
    fn folding_gives_the_dropped_turns_changes_to_the_previous_checkpoint() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("a.txt");
        std::fs::write(&file, "a0\n").unwrap();
        let mut cps = Checkpoints::open(Some(home.path()), "t");
        for (nth, text) in [(0, "a1\n"), (1, "a2\n")] {
            cps.begin(nth, String::new()).unwrap();
            cps.record_before(std::slice::from_ref(&file)).unwrap();
            std::fs::write(&file, text).unwrap();
            cps.record_after(std::slice::from_ref(&file)).unwrap();
        }
        cps.fold_from(1).unwrap();
        assert_eq!(cps.list().len(), 1);
        let record = &cps.list()[0].files[0];
        assert_eq!(record.before, Some(hash(b"a0\n")));
        assert_eq!(record.after, Some(hash(b"a2\n")));
    }

    #[test]
    fn checkpoints_survive_a_reopen_and_later_ones_go_on_begin() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("a.txt");
        std::fs::write(&file, "one\n").unwrap();
        let mut cps = Checkpoints::open(Some(home.path()), "t1");
        cps.begin(0, "2026-01-01T00:00:00Z".into()).unwrap();
        let files = [file.clone()];
        cps.record_before(&files).unwrap();
        std::fs::write(&file, "two\n").unwrap();
        cps.record_after(&files).unwrap();
        cps.begin(1, "2026-01-01T00:01:00Z".into()).unwrap();

        let again = Checkpoints::open(Some(home.path()), "t1");
        assert_eq!(again.list().len(), 2);
        let record = &again.list()[0].files[0];
        assert_eq!(
            again.blob(record.before.as_deref().unwrap()).unwrap(),
            b"one\n"
        );
        assert_eq!(record.after, Some(hash(b"two\n")));

        let mut again = again;
        again.begin(0, "2026-01-01T00:02:00Z".into()).unwrap();
        assert_eq!(again.list().len(), 1);
        assert!(again.list()[0].files.is_empty());

        use std::os::unix::fs::PermissionsExt;
        let dir = home.path().join("checkpoints/t1");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("log.json")), 0o600);
        assert_eq!(mode(&dir.join("blobs").join(hash(b"one\n"))), 0o600);
    }
}
