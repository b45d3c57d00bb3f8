//! What a rewind asks of git beyond snapshots: how two snapshots differ
//! (paths with their kind of change, lines added and removed, the diff
//! text), a file's content and mode in a snapshot, and the private ref that
//! keeps a thread's snapshots.

use std::collections::HashMap;

use crate::ghost::{Repo, git};

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

    /// The content of each of `paths` in a snapshot, and whether it is
    /// executable there: two git processes whatever the number of files
    /// (`ls-tree` for the blob ids and modes, `cat-file --batch` for the
    /// contents).
    pub(crate) fn files_at(
        &self,
        commit: &str,
        paths: &[&str],
    ) -> Result<HashMap<String, (Vec<u8>, bool)>, String> {
        let mut files = HashMap::new();
        if paths.is_empty() {
            return Ok(files);
        }
        let mut args = vec!["--literal-pathspecs", "ls-tree", "-r", "-z", commit, "--"];
        args.extend(paths.iter().copied());
        let listed = git(self.top(), None, &args)?;
        let mut entries = Vec::new();
        for entry in listed.split('\0').filter(|e| !e.is_empty()) {
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut fields = meta.split(' ');
            let (Some(mode), Some(kind), Some(id)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if kind != "blob" {
                return Err(format!(
                    "{path} is a {kind} in the checkpoint, not a file: restore it with git"
                ));
            }
            entries.push((path.to_string(), id.to_string(), mode == "100755"));
        }
        let mut input = String::new();
        for (_, id, _) in &entries {
            input.push_str(id);
            input.push('\n');
        }
        let out = crate::ghost::git_piped(self.top(), None, &["cat-file", "--batch"], input)?;
        let mut rest = out.as_slice();
        for (path, id, executable) in entries {
            let header_end = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or_else(|| format!("git cat-file ended before {path}"))?;
            let header = String::from_utf8_lossy(&rest[..header_end]).into_owned();
            let size: usize = header
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .filter(|_| header.starts_with(&id))
                .ok_or_else(|| format!("git cat-file could not read {path}: {header}"))?;
            let body = rest
                .get(header_end + 1..header_end + 1 + size)
                .ok_or_else(|| format!("git cat-file ended inside {path}"))?;
            files.insert(path, (body.to_vec(), executable));
            // The content is followed by a newline.
            rest = rest.get(header_end + 2 + size..).unwrap_or_default();
        }
        Ok(files)
    }

    /// Points the private ref `name` at `commit` (keeps it and its parents
    /// from git's garbage collection).
    /// A ref already there (a turn that changed nothing) costs no git
    /// process: its file is read. Otherwise the snapshots' long-lived
    /// `update-ref` moves it, and when that fails a one-shot one says why.
    pub fn keep(&self, name: &str, commit: &str) -> Result<(), String> {
        if self.loose_ref(name).is_some_and(|target| target == commit) {
            return Ok(());
        }
        let moved = self
            .snapshotter()
            .move_ref(self.top(), self.git_dir(), name, commit);
        if moved.is_ok() {
            return Ok(());
        }
        git(self.top(), None, &["update-ref", name, commit]).map(|_| ())
    }

    /// What the loose ref `name` points at, if it is a file (refs live in
    /// the common git directory of a repository's worktrees; a packed ref
    /// or the reftable format gives `None`, and git is asked instead).
    fn loose_ref(&self, name: &str) -> Option<String> {
        let common = crate::git_files::common_dir(self.git_dir());
        let text = std::fs::read_to_string(common.join(name)).ok()?;
        Some(text.trim().to_string())
    }
}
