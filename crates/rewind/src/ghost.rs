//! Ghost snapshots: the working tree before and after each turn, as git
//! commit objects nobody sees, so `Op::Undo` can put a turn's changes back.
//!
//! A snapshot is made with plumbing only, on a private index file in the
//! repository's git directory (a copy of the user's index, so git rehashes
//! only what changed): `git add -A` of the tracked and untracked files that
//! `.gitignore` does not exclude (files over [`MAX_FILE_BYTES`] are skipped
//! and reported), `git write-tree`, `git commit-tree`. The user's
//! index, HEAD, branches and stash are never touched. A rewind checkpoint
//! is kept alive by a private ref, `refs/codex/checkpoints/<thread id>`:
//! each checkpoint commit has the thread's previous one as its parent, so
//! one ref holds them all until it is pruned ([`Repo::prune_refs`]);
//! snapshots nobody keeps are left to git's garbage collection.
//!
//! Undo compares three trees: before the turn, after it, and now. What the
//! turn changed is put back as it was before (files it created are
//! removed); a file changed again since the turn ended is left as it is
//! and reported, never silently overwritten.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Files larger than this are not snapshotted (and so not undone).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// Snapshots stop taking files past this total.
const MAX_TOTAL_BYTES: u64 = 200 * 1024 * 1024;

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

/// The repository `cwd` is in: its top level and git directory.
#[derive(Debug, Clone)]
pub struct Repo {
    top: PathBuf,
    git_dir: PathBuf,
}

impl Repo {
    /// The repository whose working tree is `top` and git directory
    /// `git_dir` (the caller finds them from the `.git` entry: a `git`
    /// process would cost more than the rest of a session's start).
    pub fn at(top: PathBuf, git_dir: PathBuf) -> Self {
        Self { top, git_dir }
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
    /// (a chain of checkpoints that one ref keeps).
    pub fn snapshot_after(&self, parent: Option<&str>) -> Result<Snapshot, String> {
        let index = self.git_dir.join(format!(
            "codex-ghost-index-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let result = self.snapshot_with(&index, parent);
        let _ = std::fs::remove_file(&index);
        result
    }

    fn snapshot_with(&self, index: &Path, parent: Option<&str>) -> Result<Snapshot, String> {
        let listed = git(
            &self.top,
            None,
            &[
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
        )?;
        let mut files = Vec::new();
        let mut skipped = Vec::new();
        let mut total = 0u64;
        for path in listed.split('\0').filter(|p| !p.is_empty()) {
            // A path deleted in the working tree stays in the list: `add -A`
            // records its removal.
            if let Ok(meta) = std::fs::symlink_metadata(self.top.join(path)) {
                let size = meta.len();
                if meta.is_file() && (size > MAX_FILE_BYTES || total + size > MAX_TOTAL_BYTES) {
                    skipped.push(path.to_string());
                    continue;
                }
                total += size;
            }
            files.push(path.to_string());
        }
        // Start from a copy of the user's index: its stat data lets git hash
        // only the files that changed instead of every file of the tree.
        // The user's index itself is only read.
        let user_index = self.git_dir.join("index");
        if user_index.exists() {
            std::fs::copy(&user_index, index)
                .map_err(|e| format!("cannot copy {}: {e}", user_index.display()))?;
            // Oversized files keep no entry, as when the index starts empty.
            if !skipped.is_empty() {
                git_with_input(
                    &self.top,
                    Some(index),
                    &[
                        "rm",
                        "--cached",
                        "-q",
                        "--ignore-unmatch",
                        "--pathspec-from-file=-",
                        "--pathspec-file-nul",
                    ],
                    &nul_list(&skipped),
                )?;
            }
        }
        if !files.is_empty() {
            git_with_input(
                &self.top,
                Some(index),
                &[
                    "add",
                    "-A",
                    "--force",
                    "--pathspec-from-file=-",
                    "--pathspec-file-nul",
                ],
                &nul_list(&files),
            )?;
        }
        let tree = git(&self.top, Some(index), &["write-tree"])?
            .trim()
            .to_string();
        let mut args = vec!["commit-tree", tree.as_str(), "-m", "codex ghost snapshot"];
        if let Some(parent) = parent {
            args.extend(["-p", parent]);
        }
        let commit = git(&self.top, Some(index), &args)?.trim().to_string();
        Ok(Snapshot { commit, skipped })
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

pub(crate) fn git_bytes(cwd: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    git_output(command(cwd, None, args), args)
}

fn git_output(mut cmd: Command, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = cmd.output().map_err(|e| format!("cannot run git: {e}"))?;
    checked(out, args)
}

pub(crate) fn git_with_input(
    cwd: &Path,
    index: Option<&Path>,
    args: &[&str],
    input: &str,
) -> Result<(), String> {
    use std::io::Write;
    let mut cmd = command(cwd, index, args);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    // Dropping stdin closes it, so git sees the end of its input; the child
    // is waited for even when the write failed, so none is left behind.
    let written = child
        .stdin
        .take()
        .map_or(Ok(()), |mut stdin| stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("git failed: {e}"))?;
    // git's own complaint says more than the broken pipe it caused.
    checked(out, args)?;
    written.map_err(|e| format!("cannot write to git: {e}"))
}

/// The output of a git run that succeeded, or its stderr as the error.
fn checked(out: std::process::Output, args: &[&str]) -> Result<Vec<u8>, String> {
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "git {} failed: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
