//! Making a ghost snapshot: the working tree as a commit object, built on
//! a private index that lives as long as the session's `Repo`.
//!
//! The index is `<git dir>/codex/index-<pid>-<random>`: the first snapshot
//! starts it from a copy of the user's index (whose stat data lets git
//! hash only what changed), and every later one updates it, so each
//! snapshot costs what changed since the previous one. Which paths those
//! are comes from the kernel ([`crate::watch`]): when it knows, git is
//! asked about them only (`ls-files --cached --others -- <paths>`), and a
//! snapshot with nothing changed runs no git at all; when it does not, git
//! walks the tree (`ls-files --others --modified`). Files listed are
//! weighed (over [`MAX_FILE_BYTES`] or past [`MAX_TOTAL_BYTES`] they are
//! left out and reported), then `update-index`, `write-tree`,
//! `commit-tree`. The user's index, HEAD, branches and stash are never
//! touched.
//!
//! The private index can only cost speed: if it is gone (a prune of an
//! old one, a person cleaning `.git`) the next snapshot starts again from
//! the user's index, and if git fails on it (corrupt, locked) the snapshot
//! is made again from scratch before an error is reported.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::ghost::{Snapshot, git, git_with_input, nul_list};
use crate::watch::{Changes, Watcher};

/// Files larger than this are not snapshotted (and so not restored).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// Snapshots stop taking files past this total.
const MAX_TOTAL_BYTES: u64 = 200 * 1024 * 1024;
/// The directory of the private indexes, in the git directory.
pub(crate) const INDEX_DIR: &str = "codex";
/// How a private index's name starts (the process id follows).
pub(crate) const INDEX_PREFIX: &str = "index-";

/// What a repository's snapshots remember between calls.
#[derive(Debug)]
pub(crate) struct Snapshotter {
    index: PathBuf,
    /// The index holds the tree of `last`.
    ready: bool,
    watcher: Option<Watcher>,
    /// The watcher could not start: every snapshot walks the tree.
    unwatched: bool,
    last: Option<Last>,
    /// Files currently left out for their size.
    skipped: BTreeSet<String>,
    /// Paths this snapshotter put in the private index as files: tracked
    /// there, so git need not be asked whether they are ignored.
    known: HashSet<String>,
    /// Snapshot commit → its tree, to compare snapshots without git.
    trees: HashMap<String, String>,
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
            known: HashSet::new(),
            trees: HashMap::new(),
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
        self.known.clear();
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
        let index = Some(self.index.as_path());
        let listed = match &changed {
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
            Some(paths) if paths.is_empty() => String::new(),
            // Files already in the index (an agent editing the same files
            // turn after turn): their entries are updated, or removed when
            // the file is gone, with no question about ignore rules.
            Some(paths)
                if paths.iter().all(|p| {
                    p.to_str().is_some_and(|p| self.known.contains(p))
                        && !std::fs::symlink_metadata(top.join(p)).is_ok_and(|m| m.is_dir())
                }) =>
            {
                let mut listed = String::new();
                for path in paths.iter().filter_map(|p| p.to_str()) {
                    listed.push_str(path);
                    listed.push('\0');
                }
                listed
            }
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
        match &changed {
            None => self.skipped.clear(),
            Some(paths) => self
                .skipped
                .retain(|s| !paths.iter().any(|p| Path::new(s).starts_with(p))),
        }
        let mut taken = Vec::new();
        // Entries to drop: oversized files, and files that became
        // directories (their new files are listed apart).
        let mut dropped = Vec::new();
        let mut total = 0u64;
        for path in listed
            .split('\0')
            .filter(|p| !p.is_empty() && !p.ends_with('/'))
        {
            // A tracked file deleted in the working tree is listed too:
            // `--remove` below records its removal.
            if let Ok(meta) = std::fs::symlink_metadata(top.join(path)) {
                if meta.is_dir() {
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
            for path in &dropped {
                self.known.remove(path);
            }
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
            for path in &taken {
                if std::fs::symlink_metadata(top.join(path)).is_ok() {
                    self.known.insert(path.clone());
                } else {
                    self.known.remove(path);
                }
            }
        }
        let unchanged = taken.is_empty() && dropped.is_empty();
        let tree = match &self.last {
            Some(last) if unchanged => last.tree.clone(),
            _ => git(top, index, &["write-tree"])?.trim().to_string(),
        };
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
        let mut args = vec!["commit-tree", tree.as_str(), "-m", "codex ghost snapshot"];
        if let Some(parent) = parent {
            args.extend(["-p", parent]);
        }
        let commit = git(top, index, &args)?.trim().to_string();
        self.trees.insert(commit.clone(), tree.clone());
        self.last = Some(Last {
            commit: commit.clone(),
            tree,
            parent: parent.map(str::to_string),
        });
        Ok(Snapshot { commit, skipped })
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
mod tests {
    use crate::ghost::{Repo, git};
    use std::path::Path;

    fn run(dir: &Path, args: &[&str]) -> String {
        git(dir, None, args).unwrap()
    }

    /// Every path of a snapshot with its blob.
    fn contents(top: &Path, commit: &str) -> Vec<String> {
        run(top, &["ls-tree", "-r", commit])
            .lines()
            .map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_string())
            .collect()
    }

    /// What a snapshot made from scratch holds now.
    fn fresh(top: &Path) -> Vec<String> {
        let repo = Repo::at(top.to_path_buf(), top.join(".git"));
        contents(top, &repo.snapshot().unwrap().commit)
    }

    fn repo_with_files() -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        run(top, &["init", "-q", "-b", "main"]);
        for d in ["a", "b", "target"] {
            std::fs::create_dir_all(top.join(d)).unwrap();
            for f in 0..3 {
                std::fs::write(top.join(format!("{d}/{f}.txt")), format!("{d} {f}\n")).unwrap();
            }
        }
        std::fs::write(top.join(".gitignore"), "target/\n*.log\n").unwrap();
        run(top, &["add", "."]);
        run(
            top,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                "base",
            ],
        );
        let repo = Repo::at(top.to_path_buf(), top.join(".git"));
        (dir, repo)
    }

    #[test]
    fn later_snapshots_hold_what_a_snapshot_from_scratch_holds() {
        let (dir, repo) = repo_with_files();
        let top = dir.path();
        let user_index = std::fs::read(top.join(".git/index")).unwrap();
        let head = run(top, &["rev-parse", "HEAD"]);
        let first = repo.snapshot().unwrap();
        assert_eq!(contents(top, &first.commit), fresh(top));

        // Nothing changed: the same snapshot.
        assert_eq!(repo.snapshot().unwrap().commit, first.commit);

        std::fs::write(top.join("a/0.txt"), "changed\n").unwrap();
        std::fs::remove_file(top.join("b/1.txt")).unwrap();
        std::fs::create_dir_all(top.join("new/deeper")).unwrap();
        std::fs::write(top.join("new/deeper/n.txt"), "new\n").unwrap();
        std::fs::write(top.join("a/x.log"), "ignored\n").unwrap();
        std::fs::write(top.join("target/out"), "ignored\n").unwrap();
        let second = repo.snapshot_after(Some(&first.commit)).unwrap();
        assert_ne!(second.commit, first.commit);
        assert!(repo.changed(&first.commit, &second.commit));
        let held = contents(top, &second.commit);
        assert_eq!(held, fresh(top));
        assert!(held.iter().any(|l| l.ends_with("new/deeper/n.txt")));
        assert!(
            !held
                .iter()
                .any(|l| l.ends_with("b/1.txt") || l.ends_with(".log"))
        );

        // The same files again (now known to the index), one of them gone.
        std::fs::write(top.join("a/0.txt"), "changed again\n").unwrap();
        std::fs::write(top.join("new/deeper/n.txt"), "newer\n").unwrap();
        let again = repo.snapshot_after(Some(&second.commit)).unwrap();
        assert_eq!(contents(top, &again.commit), fresh(top));
        std::fs::remove_file(top.join("a/0.txt")).unwrap();
        let without = repo.snapshot_after(Some(&again.commit)).unwrap();
        assert_eq!(contents(top, &without.commit), fresh(top));
        assert!(
            !contents(top, &without.commit)
                .iter()
                .any(|l| l.ends_with("a/0.txt"))
        );
        // Back as a directory: git is asked again.
        std::fs::create_dir_all(top.join("a/0.txt")).unwrap();
        std::fs::write(top.join("a/0.txt/inside"), "inside\n").unwrap();
        let second = repo.snapshot_after(Some(&without.commit)).unwrap();
        assert_eq!(contents(top, &second.commit), fresh(top));
        std::fs::remove_dir_all(top.join("a/0.txt")).unwrap();

        // A file in the directory created before: watched from then on.
        std::fs::write(top.join("new/deeper/m.txt"), "more\n").unwrap();
        std::fs::remove_dir_all(top.join("a")).unwrap();
        let third = repo.snapshot_after(Some(&second.commit)).unwrap();
        assert_eq!(contents(top, &third.commit), fresh(top));
        // The snapshot's parent is the one asked for.
        let parent = run(top, &["rev-parse", &format!("{}^", third.commit)]);
        assert_eq!(parent.trim(), second.commit);

        // A changed .gitignore: what it stops ignoring is taken.
        std::fs::write(top.join(".gitignore"), "*.log\n").unwrap();
        let fourth = repo.snapshot().unwrap();
        assert!(
            contents(top, &fourth.commit)
                .iter()
                .any(|l| l.ends_with("target/out"))
        );
        assert_eq!(contents(top, &fourth.commit), fresh(top));

        // The user's index and HEAD are as they were.
        assert_eq!(std::fs::read(top.join(".git/index")).unwrap(), user_index);
        assert_eq!(run(top, &["rev-parse", "HEAD"]), head);
    }

    #[test]
    fn a_corrupt_or_missing_private_index_costs_speed_only() {
        let (dir, repo) = repo_with_files();
        let top = dir.path();
        repo.snapshot().unwrap();
        let index_dir = top.join(".git/codex");
        let private = || {
            std::fs::read_dir(&index_dir)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .find(|p| !p.to_string_lossy().ends_with(".lock"))
        };
        // Git wrote it, so the first snapshot had something to update:
        // give it something.
        std::fs::write(top.join("a/0.txt"), "one\n").unwrap();
        repo.snapshot().unwrap();
        let index = private().unwrap();

        std::fs::write(&index, "not an index").unwrap();
        std::fs::write(top.join("a/1.txt"), "two\n").unwrap();
        let after_corruption = repo.snapshot().unwrap();
        assert_eq!(contents(top, &after_corruption.commit), fresh(top));

        let index = private().unwrap();
        std::fs::remove_file(&index).unwrap();
        std::fs::write(top.join("a/2.txt"), "three\n").unwrap();
        let after_removal = repo.snapshot().unwrap();
        assert_eq!(contents(top, &after_removal.commit), fresh(top));
        assert!(contents(top, &after_removal.commit).len() > 5);
    }

    #[test]
    fn an_oversized_file_stays_out_and_reported_until_it_shrinks() {
        let (dir, repo) = repo_with_files();
        let top = dir.path();
        repo.snapshot().unwrap();
        let big = vec![b'x'; (super::MAX_FILE_BYTES + 1) as usize];
        std::fs::write(top.join("a/0.txt"), &big).unwrap();
        let with_big = repo.snapshot().unwrap();
        assert_eq!(with_big.skipped, vec!["a/0.txt"]);
        assert!(
            !contents(top, &with_big.commit)
                .iter()
                .any(|l| l.ends_with("a/0.txt"))
        );
        std::fs::write(top.join("b/0.txt"), "other\n").unwrap();
        assert_eq!(repo.snapshot().unwrap().skipped, vec!["a/0.txt"]);
        std::fs::write(top.join("a/0.txt"), "small again\n").unwrap();
        let small = repo.snapshot().unwrap();
        assert!(small.skipped.is_empty());
        assert_eq!(contents(top, &small.commit), fresh(top));
    }
}
