//! The files git reads besides the working tree — configuration, ignore
//! and attribute files, refs — where git keeps them, and noticing that one
//! changed. The watcher and the long-lived git processes each read such
//! files once and must know when that reading has gone stale.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Files with the times they had when taken: whether any changed since
/// (written, created or removed).
#[derive(Debug)]
pub(crate) struct Stamps(Vec<(PathBuf, Option<SystemTime>)>);

impl Stamps {
    pub(crate) fn of(files: Vec<PathBuf>) -> Self {
        Self(
            files
                .into_iter()
                .map(|path| {
                    let time = modified(&path);
                    (path, time)
                })
                .collect(),
        )
    }

    pub(crate) fn changed(&self) -> bool {
        self.0.iter().any(|(path, time)| modified(path) != *time)
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The directory the repository's worktrees share (refs, configuration):
/// the git directory itself unless it is a linked worktree's.
pub(crate) fn common_dir(git_dir: &Path) -> PathBuf {
    match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(dir) => git_dir.join(dir.trim()),
        Err(_) => git_dir.to_path_buf(),
    }
}

/// The user's git directory of configuration (`$XDG_CONFIG_HOME/git`, or
/// `~/.config/git`).
pub(crate) fn user_git_config_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|config| config.join("git"))
}
