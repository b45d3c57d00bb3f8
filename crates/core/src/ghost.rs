//! Ghost snapshots of the working tree (the snapshots themselves live in
//! `codex-rewind`): finding the repository of a session's cwd from its
//! `.git` entry, without a `git` process.

pub(crate) use codex_rewind::ghost::{Repo, Snapshot, TurnSnapshots};

/// The repository `cwd` is in.
pub(crate) fn find_repo(cwd: &std::path::Path) -> Option<Repo> {
    let (top, git_dir) = crate::git_info::repository(cwd)?;
    Some(Repo::at(top, git_dir))
}
