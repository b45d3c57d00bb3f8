//! Making a ghost snapshot: the working tree as a commit object, from the
//! previous snapshot's tree when only tracked files changed, or built on a
//! private index that lives as long as the session's `Repo`.
//!
//! Which paths changed since the previous snapshot comes from the kernel
//! ([`crate::watch`]). When each is a file that snapshot holds, edited or
//! deleted (the common turn: an agent editing files of the repository),
//! the new tree is the previous one with their entries replaced
//! ([`crate::tree_edit`], through long-lived git processes): no index is
//! read or written, which in a large repository is most of a snapshot's
//! cost. Those paths are remembered (`pending`) until the index path next
//! runs and takes them with the rest, so the index and the snapshots never
//! disagree.
//!
//! The index path: the index is `<git dir>/codex/index-<pid>-<random>`;
//! the first snapshot starts it from a copy of the user's index (whose stat
//! data lets git hash only what changed), and every later one updates it.
//! When the watcher knows what changed, git is asked about those paths
//! only (`ls-files --cached --others -- <paths>`), and a snapshot with
//! nothing changed runs no git at all; when it does not, git walks the
//! tree (`ls-files --others --modified`). Files listed are weighed (over
//! [`MAX_FILE_BYTES`] or past [`MAX_TOTAL_BYTES`] they are left out and
//! reported), then `update-index` and `write-tree`. Either way the commit
//! is written by a long-lived `hash-object`. The user's index, HEAD,
//! branches and stash are never touched.
//!
//! The private state can only cost speed: if the index is gone (a prune of
//! an old one, a person cleaning `.git`) the next snapshot starts again
//! from the user's index, and if git fails on anything (a corrupt or locked
//! index, a long-lived process that died) the snapshot is made again from
//! scratch before an error is reported.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::ghost::{Snapshot, git, git_with_input, nul_list};
use crate::git_batch::GitProcesses;
use crate::tree_edit::TreeCache;
use crate::watch::{Changes, Watcher};

/// Files larger than this are not snapshotted (and so not restored).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// Snapshots stop taking files past this total.
const MAX_TOTAL_BYTES: u64 = 200 * 1024 * 1024;
/// Who makes a snapshot commit (as `ghost::command` tells git).
const SNAPSHOT_AUTHOR: &str = "codex <codex@localhost>";
/// A snapshot commit's message.
const SNAPSHOT_MESSAGE: &str = "codex ghost snapshot";
/// The directory of the private indexes, in the git directory.
pub(crate) const INDEX_DIR: &str = "codex";
/// How a private index's name starts (the process id follows).
pub(crate) const INDEX_PREFIX: &str = "index-";

/// What a repository's snapshots remember between calls.
#[derive(Debug)]
pub(crate) struct Snapshotter {
    index: PathBuf,
    /// The index holds the tree of `last`, but for the `pending` paths.
    ready: bool,
    watcher: Option<Watcher>,
    /// The watcher could not start: every snapshot walks the tree.
    unwatched: bool,
    last: Option<Last>,
    /// Files currently left out for their size.
    skipped: BTreeSet<String>,
    /// Snapshot commit → its tree, to compare snapshots without git.
    trees: HashMap<String, String>,
    /// Paths the fast path changed in a snapshot's tree but not in the
    /// index: the index path takes them with whatever else changed.
    pending: BTreeSet<String>,
    /// The long-lived git processes of the fast path and of commits.
    git: Option<GitProcesses>,
    /// The trees the fast path read or wrote.
    tree_cache: TreeCache,
}

#[derive(Debug, Clone)]
struct Last {
    commit: String,
    tree: String,
    parent: Option<String>,
}

impl Snapshotter {
    pub(crate) fn new(git_dir: &Path) -> Self {
        let name = format!(
            "{INDEX_PREFIX}{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        );
        Self {
            index: git_dir.join(INDEX_DIR).join(name),
            ready: false,
            watcher: None,
            unwatched: false,
            last: None,
            skipped: BTreeSet::new(),
            trees: HashMap::new(),
            pending: BTreeSet::new(),
            git: None,
            tree_cache: TreeCache::default(),
        }
    }

    /// The tree of a snapshot this repository made, if it remembers it.
    pub(crate) fn tree_of(&self, commit: &str) -> Option<&str> {
        self.trees.get(commit).map(String::as_str)
    }

    /// Snapshots the working tree at `top` as a commit whose parent is
    /// `parent` (or returns an earlier snapshot of the same tree that
    /// already has that parent).
    pub(crate) fn snapshot(
        &mut self,
        top: &Path,
        git_dir: &Path,
        parent: Option<&str>,
    ) -> Result<Snapshot, String> {
        match self.try_snapshot(top, git_dir, parent) {
            Ok(snapshot) => Ok(snapshot),
            Err(_) => {
                // Whatever went wrong with the private state, the next try
                // starts from the user's index and walks the whole tree.
                self.reset();
                self.try_snapshot(top, git_dir, parent)
            }
        }
    }

    /// Forgets the private state: the next snapshot starts from the
    /// user's index and walks the tree.
    pub(crate) fn reset(&mut self) {
        let _ = std::fs::remove_file(&self.index);
        self.ready = false;
        self.watcher = None;
        self.last = None;
        self.pending.clear();
        self.git = None;
    }

    fn try_snapshot(
        &mut self,
        top: &Path,
        git_dir: &Path,
        parent: Option<&str>,
    ) -> Result<Snapshot, String> {
        if self.ready && !self.index.exists() {
            self.reset();
        }
        if !self.ready {
            self.start_index(git_dir)?;
            self.ready = true;
        }
        let changed = match (self.watcher.as_mut().map(Watcher::take), &self.last) {
            (Some(Changes::Paths(paths)), Some(_)) => Some(paths),
            _ => None,
        };
        if changed.is_none() && !self.unwatched {
            // Watched from before the walk on: nothing is missed between.
            self.watcher = start_watcher(top, git_dir, &self.index);
            self.unwatched = self.watcher.is_none();
        }
        // The process that hashes files read the `.gitattributes` files
        // (which filters apply) once: one may have changed.
        let attributes = std::ffi::OsStr::new(".gitattributes");
        if changed
            .as_ref()
            .is_none_or(|paths| paths.iter().any(|p| p.file_name() == Some(attributes)))
            && let Some(git) = &mut self.git
        {
            git.restart_blobs();
        }
        if let (Some(paths), Some(last)) = (&changed, &self.last) {
            let root = last.tree.clone();
            if let Some(tree) = self.fast_tree(top, git_dir, &root, paths)? {
                return self.finish(top, git_dir, tree, parent);
            }
        }
        let tree = self.index_tree(top, changed.as_deref())?;
        self.finish(top, git_dir, tree, parent)
    }

    /// The tree of the working tree from the previous snapshot's tree
    /// `root` and the changed `paths`, without the index
    /// ([`crate::tree_edit`]); `None` when the index must say.
    fn fast_tree(
        &mut self,
        top: &Path,
        git_dir: &Path,
        root: &str,
        paths: &[PathBuf],
    ) -> Result<Option<String>, String> {
        let watched = self.watcher.is_some();
        let Some(git) = Self::processes(&mut self.git, watched, top, git_dir, &self.index) else {
            return Ok(None);
        };
        let Some(changes) =
            self.tree_cache
                .changes(git, top, root, paths, MAX_TOTAL_BYTES, MAX_FILE_BYTES)?
        else {
            return Ok(None);
        };
        let tree = self.tree_cache.apply(git, root, &changes.edits)?;
        self.pending.extend(changes.paths);
        // As the index path does: what changed is weighed again.
        self.skipped
            .retain(|s| !paths.iter().any(|p| Path::new(s).starts_with(p)));
        Ok(Some(tree))
    }

    /// The tree of the working tree through the private index: updated
    /// from git's list of the `changed` paths (the whole tree's when
    /// unknown) and the fast path's `pending` ones, then written.
    fn index_tree(&mut self, top: &Path, changed: Option<&[PathBuf]>) -> Result<String, String> {
        let index = Some(self.index.as_path());
        let listed = match changed {
            None => git(
                top,
                index,
                &[
                    "ls-files",
                    "-z",
                    "--others",
                    "--modified",
                    "--exclude-standard",
                ],
            )?,
            Some([]) => String::new(),
            Some(paths) => {
                // Tracked files under the changed paths (their entries are
                // updated, or removed when the file is gone) and new files
                // there that no ignore rule excludes.
                let mut args: Vec<&std::ffi::OsStr> = [
                    "--literal-pathspecs",
                    "ls-files",
                    "-z",
                    "--cached",
                    "--others",
                    "--exclude-standard",
                    "--",
                ]
                .iter()
                .map(std::ffi::OsStr::new)
                .collect();
                args.extend(paths.iter().map(|p| p.as_os_str()));
                crate::ghost::git_os(top, index, &args)?
            }
        };
        // Oversized files stay out until they change; then they are
        // weighed again with the rest of what changed.
        match changed {
            None => self.skipped.clear(),
            Some(paths) => self
                .skipped
                .retain(|s| !paths.iter().any(|p| Path::new(s).starts_with(p))),
        }
        let mut listed: Vec<&str> = listed
            .split('\0')
            .filter(|p| !p.is_empty() && !p.ends_with('/'))
            .collect();
        // Files the fast path took that the index has not caught up with
        // (git may not list them: their content can match the index's).
        let seen: HashSet<&str> = listed.iter().copied().collect();
        let pending: Vec<&str> = self
            .pending
            .iter()
            .map(String::as_str)
            .filter(|p| !seen.contains(p))
            .collect();
        listed.extend(pending);
        let mut taken = Vec::new();
        // Entries to drop: oversized files, and files that became
        // directories (their new files are listed apart).
        let mut dropped = Vec::new();
        let mut total = 0u64;
        for path in listed {
            // A tracked file deleted in the working tree is listed too:
            // `--remove` below records its removal.
            if let Ok(meta) = std::fs::symlink_metadata(top.join(path)) {
                // A repository inside the tree that the index holds (as
                // the commit checked out there): `update-index` takes its
                // commit now.
                if meta.is_dir() && !top.join(path).join(".git").exists() {
                    dropped.push(path.to_string());
                    continue;
                }
                let size = meta.len();
                if meta.is_file() && (size > MAX_FILE_BYTES || total + size > MAX_TOTAL_BYTES) {
                    if self.skipped.insert(path.to_string()) {
                        dropped.push(path.to_string());
                    }
                    continue;
                }
                total += size;
            }
            taken.push(path.to_string());
        }
        if !dropped.is_empty() {
            // An oversized file keeps no entry (one it had when it was
            // small, or from the user's index, goes).
            git_with_input(
                top,
                index,
                &["update-index", "--force-remove", "-z", "--stdin"],
                &nul_list(&dropped),
            )?;
        }
        if !taken.is_empty() {
            git_with_input(
                top,
                index,
                &[
                    "update-index",
                    "--add",
                    "--remove",
                    "--replace",
                    "-z",
                    "--stdin",
                ],
                &nul_list(&taken),
            )?;
        }
        self.pending.clear();
        match &self.last {
            Some(last) if taken.is_empty() && dropped.is_empty() => Ok(last.tree.clone()),
            _ => Ok(git(top, index, &["write-tree"])?.trim().to_string()),
        }
    }

    /// The snapshot of `tree` on `parent`: the previous one when it is
    /// the same, a new commit otherwise.
    fn finish(
        &mut self,
        top: &Path,
        git_dir: &Path,
        tree: String,
        parent: Option<&str>,
    ) -> Result<Snapshot, String> {
        let skipped: Vec<String> = self.skipped.iter().cloned().collect();
        if let Some(last) = &self.last
            && last.tree == tree
            && (parent.is_none()
                || parent == Some(last.commit.as_str())
                || parent == last.parent.as_deref())
        {
            return Ok(Snapshot {
                commit: last.commit.clone(),
                skipped,
            });
        }
        let commit = self.write_commit(top, git_dir, &tree, parent)?;
        self.trees.insert(commit.clone(), tree.clone());
        self.last = Some(Last {
            commit: commit.clone(),
            tree,
            parent: parent.map(str::to_string),
        });
        Ok(Snapshot { commit, skipped })
    }

    /// The long-lived git processes, started again when the configuration
    /// they read has changed. Only a watched repository has them: the
    /// watchers are few per codex process (see `crate::watch`), and so are
    /// the idle git processes a session keeps.
    fn processes<'a>(
        slot: &'a mut Option<GitProcesses>,
        watched: bool,
        top: &Path,
        git_dir: &Path,
        index: &Path,
    ) -> Option<&'a mut GitProcesses> {
        if !watched || slot.as_ref().is_some_and(GitProcesses::stale) {
            *slot = None;
        }
        if watched && slot.is_none() {
            // Their scratch files are named after the private index.
            *slot = GitProcesses::new(top, git_dir, index);
        }
        slot.as_mut()
    }

    /// Points the ref `name` at `commit` through a long-lived `update-ref`.
    pub(crate) fn move_ref(
        &mut self,
        top: &Path,
        git_dir: &Path,
        name: &str,
        commit: &str,
    ) -> Result<(), String> {
        let watched = self.watcher.is_some();
        Self::processes(&mut self.git, watched, top, git_dir, &self.index)
            .ok_or("no long-lived git processes")?
            .update_ref(name, commit)
    }

    /// Writes the snapshot commit of `tree` on `parent` through the
    /// long-lived `hash-object` (a `commit-tree` process costs more than
    /// the rest of a small snapshot), or `commit-tree` in a repository
    /// that is not watched.
    fn write_commit(
        &mut self,
        top: &Path,
        git_dir: &Path,
        tree: &str,
        parent: Option<&str>,
    ) -> Result<String, String> {
        let watched = self.watcher.is_some();
        let Some(git) = Self::processes(&mut self.git, watched, top, git_dir, &self.index) else {
            let mut args = vec!["commit-tree", tree, "-m", SNAPSHOT_MESSAGE];
            if let Some(parent) = parent {
                args.extend(["-p", parent]);
            }
            return Ok(crate::ghost::git(top, None, &args)?.trim().to_string());
        };
        let mut text = format!("tree {tree}\n");
        if let Some(parent) = parent {
            // hash-object checks the format, not that the parent exists
            // (commit-tree did): a snapshot must never point at a missing
            // commit, or git's garbage collection would fail on its ref.
            if !self.trees.contains_key(parent) {
                let found = git
                    .read(parent)
                    .ok()
                    .flatten()
                    .is_some_and(|o| o.kind == "commit");
                if !found || !crate::git_batch::is_object_id(parent) {
                    return Err(format!("{parent} is not a commit of this repository"));
                }
            }
            text.push_str(&format!("parent {parent}\n"));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let who = format!("{SNAPSHOT_AUTHOR} {now} +0000");
        text.push_str(&format!(
            "author {who}\ncommitter {who}\n\n{SNAPSHOT_MESSAGE}\n"
        ));
        git.write_commit(&text)
    }

    /// Starts the private index as a copy of the user's (or empty).
    fn start_index(&self, git_dir: &Path) -> Result<(), String> {
        if let Some(dir) = self.index.parent() {
            codex_config::private_file::create_private_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let user_index = git_dir.join("index");
        if !user_index.exists() {
            let _ = std::fs::remove_file(&self.index);
            return Ok(());
        }
        // The user's index is only read.
        std::fs::copy(&user_index, &self.index)
            .map_err(|e| format!("cannot copy {}: {e}", user_index.display()))?;
        // The copy keeps the original's time: git trusts an entry's stat
        // data only when the file is older than the index, so a copy that
        // looked newer would hide a same-size change made in the index's
        // last moment ("racy git").
        let written = std::fs::metadata(&user_index).and_then(|m| m.modified());
        written
            .and_then(|time| {
                std::fs::File::options()
                    .write(true)
                    .open(&self.index)?
                    .set_modified(time)
            })
            .map_err(|e| format!("cannot prepare {}: {e}", self.index.display()))
    }
}

impl Drop for Snapshotter {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.index);
    }
}

/// Watches the tree, leaving out the directories git reports as wholly
/// untracked and ignored (asked of the private index: what the snapshot
/// holds).
fn start_watcher(top: &Path, git_dir: &Path, index: &Path) -> Option<Watcher> {
    let ignored = git(
        top,
        Some(index),
        &[
            "ls-files",
            "-z",
            "--others",
            "--ignored",
            "--exclude-standard",
            "--directory",
        ],
    )
    .ok()?;
    let skip: Vec<String> = ignored
        .split('\0')
        .filter(|p| p.ends_with('/'))
        .map(str::to_string)
        .collect();
    Watcher::start(top, git_dir, &skip)
}

/// Whether `pid` is a live process (a private index named for a dead one
/// is left over from a crash).
pub(crate) fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests;
