//! What a rewind asks of git beyond snapshots: how two snapshots differ
//! (paths with their kind of change, lines added and removed, the diff
//! text), a file's content and mode in a snapshot, and the private ref that
//! keeps a thread's snapshots.

use crate::ghost::{Repo, git, git_bytes};

/// How a path differs between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Absent in the first, present in the second.
    Added,
    /// Present in the first, absent in the second.
    Deleted,
    Modified,
}

impl Repo {
    /// The paths that differ from `from` to `to`.
    pub(crate) fn name_status(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<(Change, String)>, String> {
        let out = git(
            self.top(),
            None,
            &[
                "diff-tree",
                "-r",
                "-z",
                "--no-renames",
                "--name-status",
                from,
                to,
            ],
        )?;
        let mut fields = out.split('\0').filter(|f| !f.is_empty());
        let mut changes = Vec::new();
        while let (Some(status), Some(path)) = (fields.next(), fields.next()) {
            let change = match status.chars().next() {
                Some('A') => Change::Added,
                Some('D') => Change::Deleted,
                _ => Change::Modified,
            };
            changes.push((change, path.to_string()));
        }
        Ok(changes)
    }

    /// Lines added and removed per path from `from` to `to` (a binary
    /// file counts 0/0).
    pub fn numstat(&self, from: &str, to: &str) -> Result<Vec<(String, u64, u64)>, String> {
        let out = git(
            self.top(),
            None,
            &[
                "diff-tree",
                "-r",
                "-z",
                "--no-renames",
                "--numstat",
                from,
                to,
            ],
        )?;
        Ok(out
            .split('\0')
            .filter(|f| !f.is_empty())
            .filter_map(|entry| {
                let mut parts = entry.splitn(3, '\t');
                let added = parts.next()?.parse().unwrap_or(0);
                let removed = parts.next()?.parse().unwrap_or(0);
                Some((parts.next()?.to_string(), added, removed))
            })
            .collect())
    }

    /// The unified diff from `from` to `to`, limited to `paths`.
    pub(crate) fn diff_text(
        &self,
        from: &str,
        to: &str,
        paths: &[String],
    ) -> Result<String, String> {
        if paths.is_empty() {
            return Ok(String::new());
        }
        let mut args = vec![
            "diff",
            "--no-color",
            "--no-renames",
            "--no-ext-diff",
            from,
            to,
            "--",
        ];
        args.extend(paths.iter().map(String::as_str));
        let mut cmd = crate::ghost::command(self.top(), None, &args);
        cmd.env("GIT_LITERAL_PATHSPECS", "1");
        let out = cmd.output().map_err(|e| format!("cannot run git: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "git diff failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// A file's content in a snapshot.
    pub(crate) fn blob_at(&self, commit: &str, path: &str) -> Result<Vec<u8>, String> {
        git_bytes(
            self.top(),
            &["cat-file", "blob", &format!("{commit}:{path}")],
        )
    }

    /// Whether a file is executable in a snapshot.
    pub(crate) fn executable_at(&self, commit: &str, path: &str) -> bool {
        git(self.top(), None, &["ls-tree", "-z", commit, "--", path])
            .is_ok_and(|out| out.starts_with("100755"))
    }

    /// Points the private ref `name` at `commit` (keeps it and its parents
    /// from git's garbage collection).
    pub fn keep(&self, name: &str, commit: &str) -> Result<(), String> {
        git(self.top(), None, &["update-ref", name, commit]).map(|_| ())
    }
}
