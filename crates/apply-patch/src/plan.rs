//! Planning: every change of a patch computed in memory before anything is
//! written.
//!
//! Hunks are applied in order to a virtual view of the files they touch (so a
//! patch may update a file twice, or add and then update it). Only when every
//! hunk has succeeded does the plan exist; writing it is [`crate::commit`]'s job.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::chunks::{Edit, apply_chunks};
use crate::error::ApplyPatchError;
use crate::file_text::{self, FileText, Loaded, Reading};
use crate::parser::{Hunk, Patch};

/// What one hunk does, for display (approvals, progress, summaries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    /// The path as written in the patch.
    pub display_path: PathBuf,
    /// The absolute path (cwd-relative paths resolved, `..` folded).
    pub path: PathBuf,
    pub kind: PlannedChangeKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlannedChangeKind {
    Add {
        content: String,
    },
    Delete {
        /// The old content (lossy if not UTF-8).
        content: String,
    },
    /// The file's text before and after is not repeated here (the diff
    /// says what changed): the plan holds a large file once, not per hunk.
    Update {
        /// Absolute destination of a `*** Move to:`.
        move_path: Option<PathBuf>,
        move_display_path: Option<PathBuf>,
        /// Unified diff of old → new (hunks only, no file headers).
        unified_diff: String,
    },
}

/// The state of one file, as seen by the plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Contents {
    Absent,
    Text(FileText),
    Binary(Vec<u8>),
    /// The original text (always `Text`) edited; only ever the `current`
    /// of the slot whose original it edits.
    Edited(Edit),
}

/// One file before and after the patch.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct FileSlot {
    /// Where bytes go: the path itself, or a symlink's target.
    pub(crate) write_path: PathBuf,
    /// The path is a symlink (deleting removes the link, not its target).
    pub(crate) is_symlink: bool,
    /// What the symlink pointed to, to recreate it if a deletion is undone.
    pub(crate) link_target: Option<PathBuf>,
    pub(crate) original: Contents,
    pub(crate) original_mode: Option<u32>,
    /// What the plan made of the file; None while it is still the original
    /// (so that a large file is held once, not twice).
    pub(crate) current: Option<Contents>,
    pub(crate) mode: Option<u32>,
    /// `write_path` as it was when read (None: absent); the commit refuses to
    /// replace a file that changed since.
    pub(crate) stamp: Option<DiskStamp>,
}

impl FileSlot {
    /// The file's contents as the plan has them now.
    pub(crate) fn current(&self) -> &Contents {
        self.current.as_ref().unwrap_or(&self.original)
    }

    /// The commit writes, replaces or removes this file.
    pub(crate) fn changes(&self) -> bool {
        let contents_change = match (&self.current, &self.original) {
            (None, _) => false,
            (Some(Contents::Edited(edit)), Contents::Text(old)) => !edit.is_identity(old),
            (Some(current), original) => current != original,
        };
        contents_change || self.mode != self.original_mode
    }

    /// The current contents as text, if they are text.
    fn current_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match (self.current(), &self.original) {
            (Contents::Text(text), _) => Some(text.as_str().into()),
            (Contents::Edited(edit), Contents::Text(old)) => Some(edit.to_text(old).into()),
            _ => None,
        }
    }

    /// The current contents (text, or an edit of the original) as pieces
    /// to write one after the other; none for absent or binary contents,
    /// which the commit removes or never writes.
    pub(crate) fn current_pieces(&self) -> std::io::Result<Vec<&[u8]>> {
        match (self.current(), &self.original) {
            (Contents::Text(text), _) => Ok(vec![text.as_bytes()]),
            (Contents::Edited(edit), Contents::Text(old)) => edit.pieces(old),
            _ => Ok(Vec::new()),
        }
    }
}

/// Enough of a file's metadata to notice that it was written since it was
/// read, without reading it again: editors that save through a new file
/// change the inode; in-place writes change the length or the modification
/// time (which the kernel keeps to a few milliseconds).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct DiskStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl DiskStamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        }
    }

    /// The stamp of `path` now (None if it does not exist).
    pub(crate) fn read(path: &Path) -> std::io::Result<Option<Self>> {
        match std::fs::metadata(path) {
            Ok(meta) => Ok(Some(Self::of(&meta))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }
}

/// A fully computed patch, ready to be written with [`PatchPlan::commit`].
#[derive(Debug, Clone)]
pub struct PatchPlan {
    pub cwd: PathBuf,
    /// One entry per hunk, in patch order.
    pub changes: Vec<PlannedChange>,
    pub(crate) files: BTreeMap<PathBuf, FileSlot>,
}

impl PatchPlan {
    /// Every path whose contents the commit will create, replace or remove,
    /// after following symlinks: what a sandbox check must allow.
    pub fn paths_to_write(&self) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter(|(_, slot)| slot.changes())
            .map(|(path, slot)| match slot.current() {
                Contents::Absent => path.clone(),
                _ => slot.write_path.clone(),
            })
            .collect()
    }
}

/// Resolves `path` against `cwd` and folds `.`/`..` without touching the disk.
pub fn resolve_path(cwd: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// What a plan is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// To be shown, approved and committed later, perhaps in another
    /// process: files are copied into the plan, and every update carries
    /// its unified diff.
    Review,
    /// To be committed at once and dropped (the `apply_patch` program):
    /// files are mapped where they can be (see `file_text`), and updates
    /// carry no diff, which nobody would read.
    CommitNow,
}

/// Computes every change of `patch`, reading the files it touches under `cwd`.
pub fn plan_patch(patch: &Patch, cwd: &Path) -> Result<PatchPlan, ApplyPatchError> {
    plan(patch, cwd, Purpose::Review)
}

/// [`plan_patch`] for `purpose`.
pub(crate) fn plan(
    patch: &Patch,
    cwd: &Path,
    purpose: Purpose,
) -> Result<PatchPlan, ApplyPatchError> {
    let reading = match purpose {
        Purpose::Review => Reading::Copy,
        Purpose::CommitNow => Reading::Map,
    };
    let mut plan = PatchPlan {
        cwd: cwd.to_path_buf(),
        changes: Vec::with_capacity(patch.hunks.len()),
        files: BTreeMap::new(),
    };
    for hunk in &patch.hunks {
        let change = match hunk {
            Hunk::AddFile { path, contents } => {
                let abs = resolve_path(cwd, path);
                let slot = slot(&mut plan.files, &abs, path, "add", reading)?;
                slot.current = Some(Contents::Text(contents.clone().into()));
                PlannedChange {
                    display_path: path.clone(),
                    path: abs,
                    kind: PlannedChangeKind::Add {
                        content: contents.clone(),
                    },
                }
            }
            Hunk::DeleteFile { path } => {
                let abs = resolve_path(cwd, path);
                let slot = slot(&mut plan.files, &abs, path, "delete", reading)?;
                let content = match (slot.current_text(), slot.current()) {
                    (_, Contents::Absent) => {
                        return Err(ApplyPatchError::MissingFile {
                            path: path.clone(),
                            action: "delete",
                        });
                    }
                    (Some(text), _) => text.into_owned(),
                    (None, Contents::Binary(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
                    (None, _) => String::new(),
                };
                slot.current = Some(Contents::Absent);
                PlannedChange {
                    display_path: path.clone(),
                    path: abs,
                    kind: PlannedChangeKind::Delete { content },
                }
            }
            Hunk::UpdateFile {
                path,
                move_path,
                chunks,
            } => {
                let abs = resolve_path(cwd, path);
                let slot = slot(&mut plan.files, &abs, path, "update", reading)?;
                if *slot.current() == Contents::Absent {
                    return Err(ApplyPatchError::MissingFile {
                        path: path.clone(),
                        action: "update",
                    });
                }
                let Some(old_content) = slot.current_text() else {
                    return Err(ApplyPatchError::NotUtf8 { path: path.clone() });
                };
                let render_diff = purpose == Purpose::Review;
                let (edit, unified_diff) = apply_chunks(path, &old_content, chunks, render_diff)?;
                let move_abs = move_path.as_ref().map(|m| resolve_path(cwd, m));
                let moves = move_abs.as_ref().is_some_and(|dest| *dest != abs);
                // An edit is kept as pieces only of the file's original text
                // in place (the common case, and the one with large files).
                let new_content = if slot.current.is_none() && !moves {
                    Contents::Edited(edit)
                } else {
                    Contents::Text(edit.to_text(&old_content).into())
                };
                drop(old_content);
                let mode = slot.mode;
                match &move_abs {
                    Some(dest) if moves => {
                        slot.current = Some(Contents::Absent);
                        let dest_display = move_path.clone().unwrap_or_default();
                        let target =
                            self::slot(&mut plan.files, dest, &dest_display, "move to", reading)?;
                        target.current = Some(new_content);
                        target.mode = mode.or(target.mode);
                    }
                    _ => slot.current = Some(new_content),
                }
                PlannedChange {
                    display_path: path.clone(),
                    path: abs,
                    kind: PlannedChangeKind::Update {
                        move_path: move_abs,
                        move_display_path: move_path.clone(),
                        unified_diff,
                    },
                }
            }
        };
        plan.changes.push(change);
    }
    Ok(plan)
}

/// The slot for `abs`, loading the file from disk the first time.
fn slot<'a>(
    files: &'a mut BTreeMap<PathBuf, FileSlot>,
    abs: &Path,
    display: &Path,
    action: &'static str,
    reading: Reading,
) -> Result<&'a mut FileSlot, ApplyPatchError> {
    if !files.contains_key(abs) {
        let loaded = load(abs, display, action, reading)?;
        files.insert(abs.to_path_buf(), loaded);
    }
    // Invariant: inserted just above if it was missing.
    files.get_mut(abs).ok_or(ApplyPatchError::MissingFile {
        path: display.to_path_buf(),
        action,
    })
}

fn load(
    abs: &Path,
    display: &Path,
    action: &'static str,
    reading: Reading,
) -> Result<FileSlot, ApplyPatchError> {
    let io_err = |source| ApplyPatchError::Io {
        path: display.to_path_buf(),
        action,
        source,
    };
    let link_meta = match std::fs::symlink_metadata(abs) {
        Ok(meta) => Some(meta),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(io_err(err)),
    };
    let Some(link_meta) = link_meta else {
        return Ok(FileSlot {
            write_path: abs.to_path_buf(),
            is_symlink: false,
            link_target: None,
            original: Contents::Absent,
            original_mode: None,
            current: None,
            mode: None,
            stamp: None,
        });
    };
    let is_symlink = link_meta.file_type().is_symlink();
    let link_target = if is_symlink {
        std::fs::read_link(abs).ok()
    } else {
        None
    };
    let (write_path, meta) = if is_symlink {
        match std::fs::canonicalize(abs) {
            Ok(target) => {
                let meta = std::fs::metadata(&target).map_err(io_err)?;
                (target, Some(meta))
            }
            // A dangling link: treat the path as absent (writing replaces the link).
            Err(_) => (abs.to_path_buf(), None),
        }
    } else {
        (abs.to_path_buf(), Some(link_meta))
    };
    let Some(meta) = meta else {
        return Ok(FileSlot {
            write_path,
            is_symlink,
            link_target,
            original: Contents::Absent,
            original_mode: None,
            current: None,
            mode: None,
            stamp: None,
        });
    };
    if meta.is_dir() {
        return Err(ApplyPatchError::IsDirectory {
            path: display.to_path_buf(),
            action,
        });
    }
    // The stamp and mode are those of the file as read.
    let (loaded, meta) = file_text::load(&write_path, reading).map_err(io_err)?;
    let mode = file_mode(&meta);
    let contents = match loaded {
        Loaded::Text(text) => Contents::Text(text),
        Loaded::Binary(bytes) => Contents::Binary(bytes),
    };
    Ok(FileSlot {
        write_path,
        is_symlink,
        link_target,
        original: contents,
        original_mode: mode,
        current: None,
        mode,
        stamp: Some(DiskStamp::of(&meta)),
    })
}

#[cfg(unix)]
fn file_mode(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn a_file_updated_twice_and_an_edit_that_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "a\nb\nc\n").unwrap();
        let twice = "*** Begin Patch\n*** Update File: f\n@@\n-a\n+A\n*** Update File: f\n@@\n-c\n+C\n*** End Patch";
        let plan = plan_patch(&crate::parse_patch(twice).unwrap(), dir.path()).unwrap();
        plan.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "A\nb\nC\n");

        let same = "*** Begin Patch\n*** Update File: f\n@@\n-b\n+b\n*** End Patch";
        let plan = plan_patch(&crate::parse_patch(same).unwrap(), dir.path()).unwrap();
        assert_eq!(plan.paths_to_write(), Vec::<PathBuf>::new());
        let moved =
            "*** Begin Patch\n*** Update File: f\n*** Move to: g\n@@\n-b\n+B\n*** End Patch";
        let plan = plan_patch(&crate::parse_patch(moved).unwrap(), dir.path()).unwrap();
        plan.commit().unwrap();
        assert!(!file.exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("g")).unwrap(),
            "A\nB\nC\n"
        );
    }

    #[test]
    fn paths_resolve_lexically() {
        let cwd = Path::new("/repo/sub");
        assert_eq!(
            resolve_path(cwd, Path::new("a/./b")),
            PathBuf::from("/repo/sub/a/b")
        );
        assert_eq!(
            resolve_path(cwd, Path::new("../x")),
            PathBuf::from("/repo/x")
        );
        assert_eq!(
            resolve_path(cwd, Path::new("/abs/y")),
            PathBuf::from("/abs/y")
        );
    }
}
