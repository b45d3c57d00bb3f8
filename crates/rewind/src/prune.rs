//! Dropping checkpoints older than `[rewind] keep_days`: the thread
//! directories under `$CODEX_HOME/checkpoints/` whose log was last written
//! before the cut, and the repository's private refs whose newest snapshot
//! is older (git's garbage collection then takes the snapshots).

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::ghost::{Repo, git};

/// Where a thread's ref lives: `refs/codex/checkpoints/<thread id>`.
pub const REF_PREFIX: &str = "refs/codex/checkpoints/";

/// What a prune removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub dirs: usize,
    pub refs: usize,
}

/// Removes checkpoints older than `keep_days` (`$CODEX_HOME`'s and, when
/// given, the repository's). A failure on one entry does not stop the rest.
pub fn prune(codex_home: &Path, repo: Option<&Repo>, keep_days: u32) -> Pruned {
    let keep = Duration::from_secs(u64::from(keep_days) * 24 * 60 * 60);
    let cut = SystemTime::now()
        .checked_sub(keep)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut pruned = Pruned::default();
    if let Ok(entries) = std::fs::read_dir(codex_home.join("checkpoints")) {
        for entry in entries.flatten() {
            let dir = entry.path();
            let written = std::fs::metadata(dir.join("log.json"))
                .or_else(|_| entry.metadata())
                .and_then(|m| m.modified());
            if written.is_ok_and(|t| t < cut) && std::fs::remove_dir_all(&dir).is_ok() {
                pruned.dirs += 1;
            }
        }
    }
    if let Some(repo) = repo {
        let cut_secs = cut
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let listed = git(
            repo.top(),
            None,
            &[
                "for-each-ref",
                "--format=%(refname) %(committerdate:unix)",
                REF_PREFIX,
            ],
        )
        .unwrap_or_default();
        for line in listed.lines() {
            let Some((name, time)) = line.rsplit_once(' ') else {
                continue;
            };
            if time.parse::<u64>().is_ok_and(|t| t < cut_secs)
                && git(repo.top(), None, &["update-ref", "-d", name]).is_ok()
            {
                pruned.refs += 1;
            }
        }
    }
    pruned
}
