//! Ghost snapshots: the working tree before and after each turn, as git
//! commit objects nobody sees, so `Op::Undo` and `/rewind` can put changes
//! back.
//!
//! How a snapshot is made (a private index kept for the session, the
//! kernel saying which paths changed) is `crate::snapshot`'s; this file
//! holds the repository handle, undo, and the git runner. The user's index,
//! HEAD, branches and stash are never touched. A rewind checkpoint is kept
//! alive by a private ref, `refs/codex/checkpoints/<thread id>`: each
//! checkpoint commit has the thread's previous one as its parent, so one
//! ref holds them all until it is pruned (`crate::prune`); snapshots nobody
//! keeps are left to git's garbage collection.
//!
//! Undo compares three trees: before the turn, after it, and now. What the
//! turn changed is put back as it was before (files it created are
//! removed); a file changed again since the turn ended is left as it is
//! and reported, never silently overwritten.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

pub use crate::snapshot::MAX_FILE_BYTES;
use crate::snapshot::Snapshotter;

/// One snapshot of the working tree.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub commit: String,
    /// Files left out for their size.
    pub skipped: Vec<String>,
}

/// The snapshots around one turn.
#[derive(Debug, Clone)]
pub struct TurnSnapshots {
    pub before: Snapshot,
    pub after: Snapshot,
}

/// The repository `cwd` is in: its top level and git directory, and the
/// state its snapshots share (clones share it too).
#[derive(Debug, Clone)]
pub struct Repo {
    top: PathBuf,
    git_dir: PathBuf,
    snapshots: Arc<Mutex<Snapshotter>>,
}

impl Repo {
    /// The repository whose working tree is `top` and git directory
    /// `git_dir` (the caller finds them from the `.git` entry: a `git`
    /// process would cost more than the rest of a session's start).
    pub fn at(top: PathBuf, git_dir: PathBuf) -> Self {
        let snapshots = Arc::new(Mutex::new(Snapshotter::new(&git_dir)));
        Self {
            top,
            git_dir,
            snapshots,
        }
    }

    pub(crate) fn snapshotter(&self) -> std::sync::MutexGuard<'_, Snapshotter> {
        self.snapshots.lock().unwrap_or_else(|poisoned| {
            // A panic mid-snapshot may have taken the watcher's changes
            // without recording them: start again from the user's index.
            let mut snapshots = poisoned.into_inner();
            snapshots.reset();
            self.snapshots.clear_poison();
            snapshots
        })
    }

    /// The repository's git directory.
    pub(crate) fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The working tree's top level.
    pub fn top(&self) -> &Path {
        &self.top
    }

    /// Snapshots the working tree.
    pub fn snapshot(&self) -> Result<Snapshot, String> {
        self.snapshot_after(None)
    }

    /// Snapshots the working tree as a commit whose parent is `parent`
    /// (a chain of checkpoints that one ref keeps). When nothing changed
    /// since this repository's previous snapshot, made on the same parent
    /// (or when `parent` is that snapshot), that snapshot is returned.
    pub fn snapshot_after(&self, parent: Option<&str>) -> Result<Snapshot, String> {
        self.snapshotter()
            .snapshot(&self.top, &self.git_dir, parent)
    }

    /// Puts back what the turn of `snapshots` changed; returns the message
    /// for the person (what was restored, what was left alone and why).
    pub fn undo(&self, snapshots: &TurnSnapshots) -> Result<String, String> {
        let now = self.snapshot()?;
        let turn_changes = self.changed_paths(&snapshots.before.commit, &snapshots.after.commit)?;
        let since = self.changed_paths(&snapshots.after.commit, &now.commit)?;
        let mut restored = 0;
        let mut removed = 0;
        let mut kept = Vec::new();
        for path in &turn_changes {
            if since.contains(path) {
                kept.push(path.clone());
                continue;
            }
            let full = self.top.join(path);
            match git_bytes(
                &self.top,
                &[
                    "cat-file",
                    "blob",
                    &format!("{}:{path}", snapshots.before.commit),
                ],
            ) {
                Ok(content) => {
                    if let Some(dir) = full.parent() {
                        std::fs::create_dir_all(dir)
                            .map_err(|e| format!("{}: {e}", dir.display()))?;
                    }
                    std::fs::write(&full, content)
                        .map_err(|e| format!("{}: {e}", full.display()))?;
                    restored += 1;
                }
                // Not in the snapshot before: the turn created it.
                Err(_) => {
                    if full.exists() {
                        std::fs::remove_file(&full)
                            .map_err(|e| format!("{}: {e}", full.display()))?;
                        removed += 1;
                    }
                }
            }
        }
        let mut message = format!(
            "Undid the last turn: {restored} file(s) restored, {removed} created file(s) removed."
        );
        if !kept.is_empty() {
            message.push_str(&format!(
                " Left as they are, because they changed after the turn: {}.",
                kept.join(", ")
            ));
        }
        if !snapshots.before.skipped.is_empty() {
            message.push_str(&format!(
                " Not covered (over {} MiB): {}.",
                MAX_FILE_BYTES / 1024 / 1024,
                snapshots.before.skipped.join(", ")
            ));
        }
        Ok(message)
    }

    /// Whether the trees of two snapshots differ.
    pub fn changed(&self, from: &str, to: &str) -> bool {
        {
            let snapshots = self.snapshotter();
            if let (Some(a), Some(b)) = (snapshots.tree_of(from), snapshots.tree_of(to)) {
                return a != b;
            }
        }
        self.changed_paths(from, to)
            .is_ok_and(|paths| !paths.is_empty())
    }

    pub fn changed_paths(&self, from: &str, to: &str) -> Result<Vec<String>, String> {
        let out = git(
            &self.top,
            None,
            &[
                "diff-tree",
                "-r",
                "-z",
                "--no-renames",
                "--name-only",
                from,
                to,
            ],
        )?;
        Ok(out
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect())
    }
}

/// Paths for `--pathspec-from-file=- --pathspec-file-nul`.
pub(crate) fn nul_list(paths: &[String]) -> String {
    let mut list = paths.join("\0");
    list.push('\0');
    list
}

pub(crate) fn command(cwd: &Path, index: Option<&Path>, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(cwd)
        .args(args)
        // A snapshot needs an author even where none is configured.
        .env("GIT_AUTHOR_NAME", "codex")
        .env("GIT_AUTHOR_EMAIL", "codex@localhost")
        .env("GIT_COMMITTER_NAME", "codex")
        .env("GIT_COMMITTER_EMAIL", "codex@localhost")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(std::process::Stdio::null());
    if let Some(index) = index {
        cmd.env("GIT_INDEX_FILE", index);
    }
    cmd
}

pub(crate) fn git(cwd: &Path, index: Option<&Path>, args: &[&str]) -> Result<String, String> {
    git_output(command(cwd, index, args), args).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// [`git`] with arguments that are paths (not always UTF-8).
pub(crate) fn git_os(
    cwd: &Path,
    index: Option<&Path>,
    args: &[&std::ffi::OsStr],
) -> Result<String, String> {
    let mut cmd = command(cwd, index, &[]);
    cmd.args(args);
    let name = args
        .iter()
        .filter_map(|a| a.to_str())
        .find(|a| !a.starts_with("--"))
        .unwrap_or("");
    git_output(cmd, &[name]).map(|b| String::from_utf8_lossy(&b).into_owned())
}

pub(crate) fn git_bytes(cwd: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    git_output(command(cwd, None, args), args)
}

fn git_output(mut cmd: Command, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = cmd.output().map_err(|e| format!("cannot run git: {e}"))?;
    checked(out, args)
}

/// A git run fed `input`, its output dropped.
pub(crate) fn git_with_input(
    cwd: &Path,
    index: Option<&Path>,
    args: &[&str],
    input: &str,
) -> Result<(), String> {
    git_piped(cwd, index, args, input.to_string()).map(|_| ())
}

/// A git run fed `input` on a thread of its own (git writes while it
/// reads: one thread doing both could wait on a full pipe forever). The
/// child is waited for even when the write failed, so none is left behind.
pub(crate) fn git_piped(
    cwd: &Path,
    index: Option<&Path>,
    args: &[&str],
    input: String,
) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let mut cmd = command(cwd, index, args);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    // The thread drops stdin when done, so git sees the end of its input.
    let writer = child
        .stdin
        .take()
        .map(|mut stdin| std::thread::spawn(move || stdin.write_all(input.as_bytes())));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("git failed: {e}"))?;
    let written = writer.map_or(Ok(()), |w| w.join().unwrap_or(Ok(())));
    // git's own complaint says more than the broken pipe it caused.
    let out = checked(out, args)?;
    written.map_err(|e| format!("cannot write to git: {e}"))?;
    Ok(out)
}

/// The output of a git run that succeeded, or its stderr as the error.
fn checked(out: std::process::Output, args: &[&str]) -> Result<Vec<u8>, String> {
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "git {} failed: {}",
            // The command, not a global option before it.
            args.iter().find(|a| !a.starts_with("--")).unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) -> String {
        git(dir, None, args).unwrap()
    }

    #[test]
    fn a_snapshot_takes_changes_and_new_files_and_skips_oversized_ones() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        run(top, &["init", "-q", "-b", "main"]);
        std::fs::write(top.join("kept.txt"), "kept\n").unwrap();
        std::fs::write(top.join("gone.txt"), "gone\n").unwrap();
        std::fs::write(top.join("changed.txt"), "old\n").unwrap();
        std::fs::write(top.join(".gitignore"), "ignored.txt\n").unwrap();
        run(top, &["add", "."]);
        run(top, &["commit", "-qm", "base"]);
        let user_index = std::fs::read(top.join(".git/index")).unwrap();

        std::fs::remove_file(top.join("gone.txt")).unwrap();
        std::fs::write(top.join("changed.txt"), "new\n").unwrap();
        std::fs::write(top.join("new.txt"), "new file\n").unwrap();
        std::fs::write(top.join("ignored.txt"), "ignored\n").unwrap();
        let big = vec![b'x'; (MAX_FILE_BYTES + 1) as usize];
        std::fs::write(top.join("big.bin"), big).unwrap();

        let repo = Repo::at(top.to_path_buf(), top.join(".git"));
        let snapshot = repo.snapshot().unwrap();
        let files = run(top, &["ls-tree", "-r", "--name-only", &snapshot.commit]);
        let files: Vec<&str> = files.lines().collect();
        assert_eq!(
            files,
            vec![".gitignore", "changed.txt", "kept.txt", "new.txt"]
        );
        assert_eq!(snapshot.skipped, vec!["big.bin"]);
        let changed = run(top, &["show", &format!("{}:changed.txt", snapshot.commit)]);
        assert_eq!(changed, "new\n");
        // The user's index is as it was, and the private one goes with
        // the repository handle.
        assert_eq!(std::fs::read(top.join(".git/index")).unwrap(), user_index);
        drop(repo);
        let leftovers = std::fs::read_dir(top.join(".git/codex")).unwrap().count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn keeping_a_ref_puts_it_back_whatever_happened_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        run(top, &["init", "-q", "-b", "main"]);
        std::fs::write(top.join("a.txt"), "a\n").unwrap();
        let repo = Repo::at(top.to_path_buf(), top.join(".git"));
        let first = repo.snapshot().unwrap().commit;
        let name = crate::thread_ref("t");
        let at = || {
            run(top, &["rev-parse", "--verify", "-q", &name])
                .trim()
                .to_string()
        };
        repo.keep(&name, &first).unwrap();
        repo.keep(&name, &first).unwrap();
        assert_eq!(at(), first);
        run(top, &["pack-refs", "--all"]);
        std::fs::write(top.join("a.txt"), "b\n").unwrap();
        let second = repo.snapshot_after(Some(&first)).unwrap().commit;
        repo.keep(&name, &second).unwrap();
        assert_eq!(at(), second);
        run(top, &["update-ref", "-d", &name]);
        repo.keep(&name, &second).unwrap();
        assert_eq!(at(), second);
        // A commit the repository does not have: refused, and the next
        // keep works again.
        let error = repo.keep(&name, &"1".repeat(40)).unwrap_err();
        assert!(error.contains("update-ref"), "{error}");
        assert_eq!(at(), second);
        repo.keep(&name, &first).unwrap();
        assert_eq!(at(), first);
    }
}
