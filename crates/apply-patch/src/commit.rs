//! Writing a plan to disk, all or nothing.
//!
//! 1. Stage: every new file content is written to a temporary file next to
//!    its destination (same directory, so the final rename is atomic), with
//!    its final permissions, and synced. Missing parent directories are
//!    created and remembered.
//! 2. Commit: temporaries are renamed over their destinations, then deleted
//!    files are removed. Not if another process waits to write a file the
//!    plan holds mapped (see `file_text`): it would write to the file being
//!    replaced, and its write would be lost.
//!
//! If anything fails, everything done so far is undone from the original
//! contents the plan holds in memory: renamed files get their old bytes and
//! mode back, new files and new directories are removed, deleted files are
//! recreated. A failed patch therefore changes nothing.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::ApplyPatchError;
use crate::file_write::write_pieces;
use crate::plan::{Contents, DiskStamp, FileSlot, PatchPlan, PlannedChangeKind};

/// What a successful commit did, for the summary and for callers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliedPatch {
    /// Paths as written in the patch. A moved file is listed (as modified)
    /// under its new path.
    pub added: Vec<PathBuf>,
    pub modified: Vec<PathBuf>,
    pub deleted: Vec<PathBuf>,
}

impl AppliedPatch {
    /// The summary the `apply_patch` program prints (and the model reads).
    pub fn summary(&self) -> String {
        let mut out = String::from("Success. Updated the following files:\n");
        for (tag, paths) in [
            ("A", &self.added),
            ("M", &self.modified),
            ("D", &self.deleted),
        ] {
            for path in paths {
                out.push_str(&format!("{tag} {}\n", path.display()));
            }
        }
        out
    }
}

struct Staged {
    temp: PathBuf,
    dest: PathBuf,
}

/// Undo information, recorded as the commit proceeds.
#[derive(Default)]
struct Journal {
    created_dirs: Vec<PathBuf>,
    staged: Vec<Staged>,
    /// Destinations already replaced, with the slot to restore from.
    renamed: Vec<(PathBuf, usize)>,
    /// Paths already removed, with the slot to restore from.
    removed: Vec<(PathBuf, usize)>,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// What a commit writes, with what it must find on disk first: everything
/// [`PatchPlan::commit`] needs and nothing else, so that another process
/// (the sandbox helper) can perform exactly the commit that was approved.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CommitRequest {
    files: Vec<(PathBuf, FileSlot)>,
}

impl CommitRequest {
    /// Writes the request's files; on error nothing is changed (see
    /// [`ApplyPatchError::nothing_changed`] for the rare exception).
    pub fn commit(&self) -> Result<(), ApplyPatchError> {
        let slots: Vec<(&PathBuf, &FileSlot)> = self.files.iter().map(|(p, s)| (p, s)).collect();
        commit_all(&slots)
    }
}

impl PatchPlan {
    /// Writes the plan. On error nothing is changed (see
    /// [`ApplyPatchError::nothing_changed`] for the rare exception).
    pub fn commit(&self) -> Result<AppliedPatch, ApplyPatchError> {
        let slots: Vec<(&PathBuf, &FileSlot)> = self.files.iter().collect();
        commit_all(&slots)?;
        Ok(self.applied())
    }

    /// The commit as a request another process can carry out.
    pub fn commit_request(&self) -> CommitRequest {
        CommitRequest {
            files: self
                .files
                .iter()
                .map(|(path, slot)| (path.clone(), slot.clone()))
                .collect(),
        }
    }

    /// What a successful commit of this plan did (for the summary).
    pub fn applied(&self) -> AppliedPatch {
        let mut applied = AppliedPatch::default();
        for change in &self.changes {
            match &change.kind {
                PlannedChangeKind::Add { .. } => applied.added.push(change.display_path.clone()),
                PlannedChangeKind::Delete { .. } => {
                    applied.deleted.push(change.display_path.clone())
                }
                PlannedChangeKind::Update {
                    move_display_path, ..
                } => applied.modified.push(
                    move_display_path
                        .clone()
                        .unwrap_or_else(|| change.display_path.clone()),
                ),
            }
        }
        applied
    }
}

fn commit_all(slots: &[(&PathBuf, &FileSlot)]) -> Result<(), ApplyPatchError> {
    let mut journal = Journal::default();
    commit_slots(slots, &mut journal).map_err(|err| {
        let rollback_failures = rollback(slots, journal);
        ApplyPatchError::CommitFailed {
            source: Box::new(err),
            rollback_failures,
        }
    })
}

fn commit_slots(
    slots: &[(&PathBuf, &FileSlot)],
    journal: &mut Journal,
) -> Result<(), ApplyPatchError> {
    verify_unchanged(slots)?;
    // Stage every write first.
    let mut writes = Vec::new();
    for (index, (_, slot)) in slots.iter().enumerate() {
        if matches!(slot.current(), Contents::Absent | Contents::Binary(_)) || !slot.changes() {
            continue;
        }
        let dest = slot.write_path.clone();
        create_parents(&dest, journal)?;
        let temp = stage(&dest, slot.mode, |file| {
            write_pieces(file, &slot.current_pieces()?)
        })?;
        journal.staged.push(Staged {
            temp,
            dest: dest.clone(),
        });
        writes.push(index);
    }
    // A process that opened a mapped original for writing while we staged
    // waits on its lease, and would write to the file we are replacing.
    refuse_if_being_written(slots)?;
    // Then put them in place.
    for (staged_index, slot_index) in writes.into_iter().enumerate() {
        let staged = &journal.staged[staged_index];
        fs::rename(&staged.temp, &staged.dest).map_err(|source| ApplyPatchError::Io {
            path: staged.dest.clone(),
            action: "write",
            source,
        })?;
        journal.renamed.push((staged.dest.clone(), slot_index));
    }
    // Deletions last: they are the easiest to undo.
    for (index, (path, slot)) in slots.iter().enumerate() {
        if *slot.current() != Contents::Absent || slot.original == Contents::Absent {
            continue;
        }
        let target = if slot.is_symlink {
            (*path).clone()
        } else {
            slot.write_path.clone()
        };
        fs::remove_file(&target).map_err(|source| ApplyPatchError::Io {
            path: target.clone(),
            action: "delete",
            source,
        })?;
        journal.removed.push((target, index));
    }
    Ok(())
}

/// Refuses to go on if a file the commit replaces or removes was written
/// (or created) after the plan read it: its new contents would be lost.
fn verify_unchanged(slots: &[(&PathBuf, &FileSlot)]) -> Result<(), ApplyPatchError> {
    for (path, slot) in slots {
        if !slot.changes() {
            continue;
        }
        let now = DiskStamp::read(&slot.write_path).map_err(|source| ApplyPatchError::Io {
            path: (*path).clone(),
            action: "check",
            source,
        })?;
        if now != slot.stamp {
            return Err(ApplyPatchError::ChangedOnDisk {
                path: (*path).clone(),
            });
        }
    }
    Ok(())
}

/// Refuses to replace a file another process is waiting to write (see
/// [`crate::file_text::FileText::writer_waiting`]): its write would be lost; refusing, it
/// goes to the file as it was, and the model reads that again.
fn refuse_if_being_written(slots: &[(&PathBuf, &FileSlot)]) -> Result<(), ApplyPatchError> {
    for (path, slot) in slots {
        if let Contents::Text(text) = &slot.original
            && slot.changes()
            && text.writer_waiting()
        {
            return Err(ApplyPatchError::BeingWritten {
                path: (*path).clone(),
            });
        }
    }
    Ok(())
}

fn create_parents(dest: &Path, journal: &mut Journal) -> Result<(), ApplyPatchError> {
    let Some(parent) = dest.parent() else {
        return Ok(());
    };
    let mut missing = Vec::new();
    let mut dir = parent;
    while !dir.exists() {
        missing.push(dir.to_path_buf());
        match dir.parent() {
            Some(up) => dir = up,
            None => break,
        }
    }
    for dir in missing.into_iter().rev() {
        match fs::create_dir(&dir) {
            Ok(()) => journal.created_dirs.push(dir),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => {
                return Err(ApplyPatchError::Io {
                    path: dir,
                    action: "create directory",
                    source,
                });
            }
        }
    }
    Ok(())
}

/// Writes a new temporary file beside `dest` with `write` and returns its
/// path.
fn stage(
    dest: &Path,
    mode: Option<u32>,
    write: impl FnOnce(&File) -> std::io::Result<()>,
) -> Result<PathBuf, ApplyPatchError> {
    let io = |path: &Path, source| ApplyPatchError::Io {
        path: path.to_path_buf(),
        action: "write",
        source,
    };
    let parent = dest.parent().unwrap_or(Path::new("."));
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = parent.join(format!(
        ".{name}.{}.{}.apply-patch-tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    let file: File = options.open(&temp).map_err(|e| io(dest, e))?;
    let result = (|| {
        write(&file)?;
        if let Some(mode) = mode {
            set_mode(&file, mode)?;
        }
        file.sync_all()
    })();
    if let Err(source) = result {
        let _ = fs::remove_file(&temp);
        return Err(io(dest, source));
    }
    Ok(temp)
}

#[cfg(unix)]
fn set_mode(file: &File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Undoes what `journal` records; returns what could not be undone.
fn rollback(slots: &[(&PathBuf, &FileSlot)], journal: Journal) -> Vec<String> {
    let mut failures = Vec::new();
    let mut note = |what: String| failures.push(what);
    for (path, index) in journal.removed.iter().rev() {
        if let Err(err) = restore(path, slots[*index].1) {
            note(format!("{}: {err}", path.display()));
        }
    }
    for (path, index) in journal.renamed.iter().rev() {
        if let Err(err) = restore(path, slots[*index].1) {
            note(format!("{}: {err}", path.display()));
        }
    }
    let renamed: Vec<&PathBuf> = journal.renamed.iter().map(|(p, _)| p).collect();
    for staged in &journal.staged {
        if !renamed.contains(&&staged.dest) {
            let _ = fs::remove_file(&staged.temp);
        }
    }
    for dir in journal.created_dirs.iter().rev() {
        // Only empty directories we created; anything else stays.
        let _ = fs::remove_dir(dir);
    }
    failures
}

/// Puts a slot's original state back at `path`.
fn restore(path: &Path, slot: &FileSlot) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(target) = &slot.link_target
        && fs::symlink_metadata(path).is_err()
    {
        return std::os::unix::fs::symlink(target, path);
    }
    match &slot.original {
        Contents::Absent => match fs::remove_file(path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        },
        Contents::Text(text) => rewrite(path, text.as_bytes(), slot.original_mode),
        Contents::Binary(bytes) => rewrite(path, bytes, slot.original_mode),
        // Invariant: an edit is never an original.
        Contents::Edited(_) => Ok(()),
    }
}

fn rewrite(path: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    let temp = stage(path, mode, |file| write_pieces(file, &[bytes]))
        .map_err(|err| std::io::Error::other(err.to_string()))?;
    fs::rename(&temp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file_text::FileText;
    use crate::plan::{Purpose, plan};

    /// A process that opens a mapped original for writing waits on the
    /// plan's lease; the commit then refuses to replace the file (the write
    /// would go to the replaced file and be lost) and changes nothing, and
    /// once the plan is dropped the write lands.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_waiting_writer_stops_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "old a\n".repeat(20_000)).unwrap();
        let text = "*** Begin Patch\n*** Update File: a.txt\n@@\n-old a\n+new a\n*** End Patch";
        let patch = crate::parse_patch(text).unwrap();
        let plan = plan(&patch, dir.path(), Purpose::CommitNow).unwrap();
        let Contents::Text(original) = &plan.files[&path].original else {
            panic!("a.txt is text");
        };
        assert!(!original.writer_waiting());
        let writer_path = path.clone();
        let writer = std::thread::spawn(move || std::fs::write(&writer_path, "theirs\n"));
        crate::file_text::wait_for_a_writer(original);

        let err = plan.commit().unwrap_err();
        assert!(
            matches!(&err, ApplyPatchError::CommitFailed { source, .. }
                if matches!(**source, ApplyPatchError::BeingWritten { .. })),
            "{err}"
        );
        assert!(err.nothing_changed(), "{err}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.txt"], "no staged file is left");
        drop(plan);
        writer.join().unwrap().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "theirs\n");
    }

    /// A plan committed at once holds its originals mapped; when the commit
    /// fails after replacing a file, that file gets its mapped bytes back
    /// (the mapping outlives the file's name, which the rename took).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_mapped_original_is_restored_by_a_rollback() {
        let dir = tempfile::tempdir().unwrap();
        // Large enough to be mapped.
        let old = "old a\n".repeat(20_000);
        std::fs::write(dir.path().join("a.txt"), &old).unwrap();
        std::fs::write(dir.path().join("target.txt"), "z\n").unwrap();
        std::os::unix::fs::symlink("target.txt", dir.path().join("z.txt")).unwrap();
        let text = "*** Begin Patch\n*** Update File: a.txt\n@@\n-old a\n+new a\n\
                    *** Delete File: z.txt\n*** End Patch";
        let patch = crate::parse_patch(text).unwrap();
        let plan = plan(&patch, dir.path(), Purpose::CommitNow).unwrap();
        let slot = &plan.files[&dir.path().join("a.txt")];
        assert!(matches!(slot.original, Contents::Text(FileText::Mapped(_))));
        // The link becomes a directory: deleting it, the last step, fails.
        std::fs::remove_file(dir.path().join("z.txt")).unwrap();
        std::fs::create_dir(dir.path().join("z.txt")).unwrap();

        let err = plan.commit().unwrap_err();
        assert!(
            matches!(err, ApplyPatchError::CommitFailed { ref rollback_failures, .. } if rollback_failures.is_empty()),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.txt")).unwrap(),
            old
        );
    }
}
