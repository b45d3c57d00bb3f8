//! Dropping checkpoints older than `[rewind] keep_days`: the thread
//! directories under `$CODEX_HOME/checkpoints/` whose log was last written
//! before the cut, and the repository's private refs whose newest snapshot
//! is older (git's garbage collection then takes the snapshots). Private
//! snapshot indexes left by a process that ended without removing its own
//! (a crash) go too.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::ghost::{Repo, git};
use crate::snapshot::{INDEX_DIR, INDEX_PREFIX, process_alive};

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
        remove_leftover_indexes(repo.git_dir());
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

/// Removes the private indexes (and their lock files) of processes that
/// are gone; a live session's is its own.
fn remove_leftover_indexes(git_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(git_dir.join(INDEX_DIR)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(INDEX_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !process_alive(pid)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ghost::command;

    fn old_commit(top: &Path) -> String {
        let tree = git(top, None, &["write-tree"]).unwrap();
        let out = command(top, None, &["commit-tree", tree.trim(), "-m", "old"])
            .env("GIT_COMMITTER_DATE", "2001-01-01T00:00:00Z")
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    #[test]
    fn checkpoints_older_than_keep_days_go_and_newer_ones_stay() {
        let home = tempfile::tempdir().unwrap();
        let repo_dir = tempfile::tempdir().unwrap();
        let top = repo_dir.path();
        git(top, None, &["init", "-q", "-b", "main"]).unwrap();
        let repo = Repo::at(top.to_path_buf(), top.join(".git"));
        let old = old_commit(top);
        std::fs::write(top.join("a.txt"), "a\n").unwrap();
        let fresh = repo.snapshot().unwrap().commit;
        repo.keep(&crate::thread_ref("old"), &old).unwrap();
        repo.keep(&crate::thread_ref("fresh"), &fresh).unwrap();
        for (thread, age_days) in [("old", 40), ("fresh", 1)] {
            let dir = home.path().join("checkpoints").join(thread);
            std::fs::create_dir_all(&dir).unwrap();
            let log = dir.join("log.json");
            std::fs::write(&log, "{\"checkpoints\":[]}").unwrap();
            let when = SystemTime::now() - Duration::from_secs(age_days * 24 * 60 * 60);
            std::fs::File::options()
                .write(true)
                .open(&log)
                .unwrap()
                .set_modified(when)
                .unwrap();
        }

        // A crashed process's private index and scratch file go; this
        // one's stay.
        let leftover = top.join(".git/codex/index-999999999-x");
        let leftover_scratch = top.join(".git/codex/index-999999999-x.object-0");
        std::fs::write(&leftover, "").unwrap();
        std::fs::write(&leftover_scratch, "").unwrap();
        let own_indexes = || {
            std::fs::read_dir(top.join(".git/codex"))
                .unwrap()
                .flatten()
                .filter(|e| !e.file_name().to_string_lossy().contains('.'))
                .count()
        };
        assert_eq!(own_indexes(), 2);

        let pruned = prune(home.path(), Some(&repo), 30);
        assert_eq!(pruned, Pruned { dirs: 1, refs: 1 });
        assert!(!leftover.exists());
        assert!(!leftover_scratch.exists());
        assert_eq!(own_indexes(), 1);
        assert!(!home.path().join("checkpoints/old").exists());
        assert!(home.path().join("checkpoints/fresh/log.json").exists());
        let refs = git(
            top,
            None,
            &["for-each-ref", "--format=%(refname)", REF_PREFIX],
        )
        .unwrap();
        assert_eq!(refs.trim(), crate::thread_ref("fresh"));
    }
}
