//! Putting the code back to a checkpoint: first the plan (what will be
//! restored, removed, left alone, and the diff), then its application.
//!
//! The rule is the same in and outside git. A path that differs between
//! the checkpoint and now was changed by the agent's turns, by the person
//! between turns, or both. The person's changes are told apart by where
//! they happened: between one turn's end and the next one's start, or
//! after the last turn (in git, the trees of consecutive snapshots; outside
//! git, a file whose content is not what the agent left). Such a file is
//! reported and left alone unless the person names it. Of the rest, a file
//! absent at the checkpoint was created by the agent after it and is
//! removed; everything else gets its content back. Nothing else is ever
//! deleted.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use codex_protocol::rewind::{RewindFileStat, RewindPlan};

use crate::checkpoints::{Checkpoints, content_id};
use crate::ghost::Repo;
use crate::git_checkpoints::Change;

/// One change a restore makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write the content it had at the checkpoint.
    Restore { path: PathBuf, source: Source },
    /// Remove a file the agent created after the checkpoint.
    Remove { path: PathBuf },
}

/// Where a restored content comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `path` (relative to the top) in a snapshot commit.
    Git { commit: String, path: String },
    /// A blob of the thread's file checkpoints.
    Blob(String),
}

/// A restore, planned.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// What the person is shown.
    pub summary: RewindPlan,
    pub actions: Vec<Action>,
}

/// The plan for a git checkpoint: `from` are the checkpoints of the chosen
/// message and later, `now` a snapshot of the tree as it is.
pub fn git_plan(
    repo: &Repo,
    from: &[crate::Checkpoint],
    now: &str,
    restore_edited: &[String],
) -> Result<Plan, String> {
    let target = from
        .first()
        .and_then(|c| c.git_before.as_deref())
        .ok_or("no snapshot of the working tree was taken before this message")?;
    let by_hand = hand_changed_paths(repo, from, now)?;
    let mut plan = Plan::default();
    let mut diff_paths = Vec::new();
    for (change, path) in repo.name_status(target, now)? {
        if by_hand.contains(&path) && !restore_edited.contains(&path) {
            plan.summary.edited_by_hand.push(path);
            continue;
        }
        let full = repo.top().join(&path);
        diff_paths.push(path.clone());
        if change == Change::Added {
            plan.summary.remove.push(path);
            plan.actions.push(Action::Remove { path: full });
        } else {
            plan.actions.push(Action::Restore {
                path: full,
                source: Source::Git {
                    commit: target.to_string(),
                    path: path.clone(),
                },
            });
            plan.summary.restore.push(path);
        }
    }
    plan.summary.diff = repo.diff_text(now, target, &diff_paths)?;
    let skipped: BTreeSet<&String> = from.iter().flat_map(|c| &c.skipped).collect();
    plan.summary.not_restorable.extend(
        skipped
            .into_iter()
            .map(|p| format!("{p} (over {} MiB)", crate::ghost::MAX_FILE_BYTES >> 20)),
    );
    Ok(plan)
}

/// Paths the person changed: between one turn's end and the next one's
/// start, and since the last turn ended.
fn hand_changed_paths(
    repo: &Repo,
    from: &[crate::Checkpoint],
    now: &str,
) -> Result<BTreeSet<String>, String> {
    let mut paths = BTreeSet::new();
    for pair in from.windows(2) {
        if let (Some(after), Some(before)) = (&pair[0].git_after, &pair[1].git_before) {
            paths.extend(repo.changed_paths(after, before)?);
        }
    }
    if let Some(after) = from.last().and_then(|c| c.git_after.as_deref()) {
        paths.extend(repo.changed_paths(after, now)?);
    }
    Ok(paths)
}

/// What changed in the tree since a git checkpoint (for the picker).
pub fn git_changes_since(
    repo: &Repo,
    checkpoint: &crate::Checkpoint,
    now: &str,
) -> Result<Vec<RewindFileStat>, String> {
    let target = checkpoint
        .git_before
        .as_deref()
        .ok_or("no snapshot before this message")?;
    Ok(repo
        .numstat(target, now)?
        .into_iter()
        .map(|(path, added, removed)| RewindFileStat {
            path,
            added,
            removed,
        })
        .collect())
}

/// A file the agent changed outside git, followed across the turns from
/// the checkpoint on.
struct Followed {
    /// Its content at the checkpoint.
    target: Option<String>,
    /// Whether a hand edit was seen between two of the agent's turns.
    edited_between: bool,
    /// What the agent left last.
    last_after: Option<String>,
    too_large: bool,
}

fn follow(from: &[crate::Checkpoint]) -> Vec<(PathBuf, Followed)> {
    let mut order: Vec<PathBuf> = Vec::new();
    let mut files: HashMap<PathBuf, Followed> = HashMap::new();
    for checkpoint in from {
        for record in &checkpoint.files {
            match files.get_mut(&record.path) {
                Some(followed) => {
                    followed.edited_between |= followed.last_after != record.before;
                    followed.last_after = record.after.clone();
                    followed.too_large |= record.too_large;
                }
                None => {
                    order.push(record.path.clone());
                    files.insert(
                        record.path.clone(),
                        Followed {
                            target: record.before.clone(),
                            edited_between: false,
                            last_after: record.after.clone(),
                            too_large: record.too_large,
                        },
                    );
                }
            }
        }
    }
    order
        .into_iter()
        .filter_map(|path| files.remove(&path).map(|f| (path, f)))
        .collect()
}

/// The plan for file checkpoints (outside git). `commands` are the
/// commands run since the point, whose changes are unknown.
pub fn files_plan(
    store: &Checkpoints,
    from: &[crate::Checkpoint],
    restore_edited: &[String],
    commands: &[String],
) -> Result<Plan, String> {
    let mut plan = Plan::default();
    for (path, followed) in follow(from) {
        let shown = path.display().to_string();
        if followed.too_large {
            plan.summary
                .not_restorable
                .push(format!("{shown} (too large to checkpoint)"));
            continue;
        }
        let now = content_id(&path).map_err(|e| format!("{shown}: {e}"))?;
        if now == followed.target {
            continue;
        }
        let by_hand = followed.edited_between || now != followed.last_after;
        if by_hand && !restore_edited.contains(&shown) {
            plan.summary.edited_by_hand.push(shown);
            continue;
        }
        let old = match &followed.target {
            Some(id) => store.blob(id).map_err(|e| format!("{shown}: {e}"))?,
            None => Vec::new(),
        };
        let current = std::fs::read(&path).unwrap_or_default();
        plan.summary.diff.push_str(&unified(
            &shown,
            &current,
            &old,
            now.is_some(),
            followed.target.is_some(),
        ));
        match followed.target {
            Some(id) => {
                plan.summary.restore.push(shown);
                plan.actions.push(Action::Restore {
                    path,
                    source: Source::Blob(id),
                });
            }
            None => {
                plan.summary.remove.push(shown);
                plan.actions.push(Action::Remove { path });
            }
        }
    }
    plan.summary.not_restorable.extend(
        commands
            .iter()
            .map(|c| format!("changes made by the command `{c}`")),
    );
    Ok(plan)
}

/// What changed in the agent's files since a file checkpoint (for the
/// picker).
pub fn files_changes_since(store: &Checkpoints, from: &[crate::Checkpoint]) -> Vec<RewindFileStat> {
    follow(from)
        .into_iter()
        .filter_map(|(path, followed)| {
            let current = std::fs::read(&path).unwrap_or_default();
            let old = match &followed.target {
                Some(id) => store.blob(id).ok()?,
                None => Vec::new(),
            };
            let (added, removed) = line_counts(&old, &current);
            (added + removed > 0).then(|| RewindFileStat {
                path: path.display().to_string(),
                added,
                removed,
            })
        })
        .collect()
}

fn line_counts(old: &[u8], new: &[u8]) -> (u64, u64) {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    (added, removed)
}

fn unified(path: &str, from: &[u8], to: &[u8], from_exists: bool, to_exists: bool) -> String {
    let from_text = String::from_utf8_lossy(from);
    let to_text = String::from_utf8_lossy(to);
    let diff = similar::TextDiff::from_lines(from_text.as_ref(), to_text.as_ref());
    let old = if from_exists {
        format!("a/{path}")
    } else {
        "/dev/null".into()
    };
    let new = if to_exists {
        format!("b/{path}")
    } else {
        "/dev/null".into()
    };
    format!(
        "diff --codex a/{path} b/{path}\n{}",
        diff.unified_diff().header(&old, &new)
    )
}

/// Applies `plan`; returns how many files were restored and removed.
/// Stops at the first failure, naming the file.
pub fn apply(
    plan: &Plan,
    repo: Option<&Repo>,
    store: &Checkpoints,
) -> Result<(usize, usize), String> {
    let (mut restored, mut removed) = (0, 0);
    // Every file's content from the snapshots first (a few git processes
    // for all of them): a snapshot that cannot be read stops the restore
    // before it writes anything.
    let mut wanted: HashMap<&str, Vec<&str>> = HashMap::new();
    for action in &plan.actions {
        if let Action::Restore {
            source: Source::Git { commit, path },
            ..
        } = action
        {
            wanted.entry(commit).or_default().push(path);
        }
    }
    let mut contents = HashMap::new();
    for (commit, paths) in wanted {
        let repo = repo.ok_or("the git checkpoint has no repository")?;
        contents.insert(commit, repo.files_at(commit, &paths)?);
    }
    for action in &plan.actions {
        match action {
            Action::Restore { path, source } => {
                let (bytes, executable) = match source {
                    Source::Git { commit, path: rel } => contents
                        .get_mut(commit.as_str())
                        .and_then(|files| files.remove(rel))
                        .ok_or_else(|| format!("{rel} is not in the checkpoint {commit}"))?,
                    Source::Blob(id) => (
                        store
                            .blob(id)
                            .map_err(|e| format!("{}: {e}", path.display()))?,
                        false,
                    ),
                };
                write_file(path, &bytes, executable)
                    .map_err(|e| format!("cannot restore {}: {e}", path.display()))?;
                restored += 1;
            }
            Action::Remove { path } => match std::fs::remove_file(path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
            },
        }
    }
    Ok((restored, removed))
}

/// Replaces `path` whole (a temporary file beside it, then a rename),
/// keeping an existing file's permissions.
fn write_file(path: &Path, bytes: &[u8], executable: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mode = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions().mode(),
        Err(_) if executable => 0o755,
        Err(_) => 0o644,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.codex-rewind.{}", std::process::id()));
    let result = std::fs::write(&temp, bytes)
        .and_then(|()| std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode)))
        .and_then(|()| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_git_restore_puts_back_contents_and_modes_and_removes_what_the_agent_created() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        crate::ghost::git(top, None, &["init", "-q", "-b", "main"]).unwrap();
        std::fs::create_dir_all(top.join("bin")).unwrap();
        std::fs::write(top.join("bin/run me.sh"), "#!/bin/sh\necho one\n").unwrap();
        std::fs::set_permissions(
            top.join("bin/run me.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::fs::write(top.join("notes.txt"), "first\n").unwrap();
        std::fs::write(top.join("gone.txt"), "will be deleted\n").unwrap();
        let repo = Repo::at(top.to_path_buf(), top.join(".git"));
        let mut checkpoints = Checkpoints::open(None, "t");
        checkpoints.begin(0, String::new()).unwrap();
        let before = repo.snapshot().unwrap();
        checkpoints.set_git_before(&before).unwrap();

        // The agent's turn.
        std::fs::remove_file(top.join("bin/run me.sh")).unwrap();
        std::fs::write(top.join("notes.txt"), "second\n").unwrap();
        std::fs::remove_file(top.join("gone.txt")).unwrap();
        std::fs::write(top.join("created.txt"), "new\n").unwrap();
        let after = repo.snapshot_after(Some(&before.commit)).unwrap();
        checkpoints.set_git_after(&after).unwrap();

        let now = repo.snapshot().unwrap();
        let plan = git_plan(&repo, checkpoints.from(0), &now.commit, &[]).unwrap();
        assert_eq!(plan.summary.remove, vec!["created.txt"]);
        let (restored, removed) = apply(&plan, Some(&repo), &checkpoints).unwrap();
        assert_eq!((restored, removed), (3, 1));
        let script = top.join("bin/run me.sh");
        assert_eq!(
            std::fs::read_to_string(&script).unwrap(),
            "#!/bin/sh\necho one\n"
        );
        assert_eq!(
            std::fs::metadata(&script).unwrap().permissions().mode() & 0o777,
            0o755
        );
        assert_eq!(
            std::fs::read_to_string(top.join("notes.txt")).unwrap(),
            "first\n"
        );
        assert_eq!(
            std::fs::read_to_string(top.join("gone.txt")).unwrap(),
            "will be deleted\n"
        );
        assert!(!top.join("created.txt").exists());
        // Back where it was: the next snapshot is the first one's tree.
        let again = repo.snapshot().unwrap();
        assert!(!repo.changed(&before.commit, &again.commit));
    }
}
