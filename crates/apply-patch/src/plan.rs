//! Planning: every change of a patch computed in memory before anything is
//! written.
//!
//! Hunks are applied in order to a virtual view of the files they touch (so a
//! patch may update a file twice, or add and then update it). Only when every
//! hunk has succeeded does the plan exist; writing it is [`crate::commit`]'s job.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::error::ApplyPatchError;
use crate::parser::{Hunk, Patch, UpdateFileChunk};
use crate::seek_sequence::FileLines;
use crate::udiff;

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
    Text(String),
    Binary(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum LineEnding {
    Lf,
    CrLf,
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
    pub(crate) line_ending: LineEnding,
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
        self.current.as_ref().is_some_and(|c| *c != self.original)
            || self.mode != self.original_mode
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

/// Computes every change of `patch`, reading the files it touches under `cwd`.
pub fn plan_patch(patch: &Patch, cwd: &Path) -> Result<PatchPlan, ApplyPatchError> {
    let mut plan = PatchPlan {
        cwd: cwd.to_path_buf(),
        changes: Vec::with_capacity(patch.hunks.len()),
        files: BTreeMap::new(),
    };
    for hunk in &patch.hunks {
        let change = match hunk {
            Hunk::AddFile { path, contents } => {
                let abs = resolve_path(cwd, path);
                let slot = slot(&mut plan.files, &abs, path, "add")?;
                slot.current = Some(Contents::Text(contents.clone()));
                slot.line_ending = LineEnding::Lf;
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
                let slot = slot(&mut plan.files, &abs, path, "delete")?;
                let content = match slot.current() {
                    Contents::Absent => {
                        return Err(ApplyPatchError::MissingFile {
                            path: path.clone(),
                            action: "delete",
                        });
                    }
                    Contents::Text(text) => text.clone(),
                    Contents::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
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
                let slot = slot(&mut plan.files, &abs, path, "update")?;
                let old_content = match slot.current() {
                    Contents::Absent => {
                        return Err(ApplyPatchError::MissingFile {
                            path: path.clone(),
                            action: "update",
                        });
                    }
                    Contents::Binary(_) => {
                        return Err(ApplyPatchError::NotUtf8 { path: path.clone() });
                    }
                    Contents::Text(text) => text,
                };
                let line_ending = slot.line_ending;
                let (new_content, unified_diff) =
                    apply_chunks(path, old_content, line_ending, chunks)?;
                let mode = slot.mode;
                let move_abs = move_path.as_ref().map(|m| resolve_path(cwd, m));
                match &move_abs {
                    Some(dest) if *dest != abs => {
                        slot.current = Some(Contents::Absent);
                        let dest_display = move_path.clone().unwrap_or_default();
                        let target = self::slot(&mut plan.files, dest, &dest_display, "move to")?;
                        target.current = Some(Contents::Text(new_content));
                        target.mode = mode.or(target.mode);
                        target.line_ending = line_ending;
                    }
                    _ => slot.current = Some(Contents::Text(new_content)),
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
) -> Result<&'a mut FileSlot, ApplyPatchError> {
    if !files.contains_key(abs) {
        let loaded = load(abs, display, action)?;
        files.insert(abs.to_path_buf(), loaded);
    }
    // Invariant: inserted just above if it was missing.
    files.get_mut(abs).ok_or(ApplyPatchError::MissingFile {
        path: display.to_path_buf(),
        action,
    })
}

fn load(abs: &Path, display: &Path, action: &'static str) -> Result<FileSlot, ApplyPatchError> {
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
            line_ending: LineEnding::Lf,
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
            line_ending: LineEnding::Lf,
            stamp: None,
        });
    };
    if meta.is_dir() {
        return Err(ApplyPatchError::IsDirectory {
            path: display.to_path_buf(),
            action,
        });
    }
    let bytes = std::fs::read(&write_path).map_err(io_err)?;
    let mode = file_mode(&meta);
    let (contents, line_ending) = match String::from_utf8(bytes) {
        Ok(text) => {
            let ending = detect_line_ending(&text);
            (Contents::Text(text), ending)
        }
        Err(err) => (Contents::Binary(err.into_bytes()), LineEnding::Lf),
    };
    Ok(FileSlot {
        write_path,
        is_symlink,
        link_target,
        original: contents,
        original_mode: mode,
        current: None,
        mode,
        line_ending,
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

/// CRLF if most line breaks are CRLF (one pass over the line breaks).
fn detect_line_ending(text: &str) -> LineEnding {
    let bytes = text.as_bytes();
    let (mut lf, mut crlf) = (0usize, 0usize);
    for at in memchr::memchr_iter(b'\n', bytes) {
        lf += 1;
        crlf += usize::from(at > 0 && bytes[at - 1] == b'\r');
    }
    if crlf > 0 && crlf * 2 >= lf {
        LineEnding::CrLf
    } else {
        LineEnding::Lf
    }
}

/// Applies `chunks` to `original`. Returns the new text (always ending in a
/// line break, in the file's line-ending style, unless it is empty) and the
/// unified diff of the change.
pub(crate) fn apply_chunks(
    path: &Path,
    original: &str,
    line_ending: LineEnding,
    chunks: &[UpdateFileChunk],
) -> Result<(String, String), ApplyPatchError> {
    let lines = split_lines(original, line_ending);
    let ends_with_newline = original.ends_with('\n');

    let replacements = find_replacements(path, &lines, chunks)?;
    let mut out: Vec<&str> = Vec::with_capacity(lines.len() + chunks.len());
    let mut next = 0;
    for replacement in &replacements {
        if replacement.start < next {
            return Err(ApplyPatchError::OverlappingChunks {
                path: path.to_path_buf(),
            });
        }
        out.extend_from_slice(&lines[next..replacement.start]);
        out.extend(replacement.new_lines.iter().map(String::as_str));
        next = replacement.start + replacement.old_len;
    }
    out.extend_from_slice(&lines[next.min(lines.len())..]);

    let changes = udiff::changes(&lines, &replacements);
    let diff = udiff::render(
        &lines,
        &out,
        &changes,
        ends_with_newline || lines.is_empty(),
    );
    if out.is_empty() {
        return Ok((String::new(), diff));
    }
    let separator = match line_ending {
        LineEnding::Lf => "\n",
        LineEnding::CrLf => "\r\n",
    };
    let mut text = out.join(separator);
    text.push_str(separator);
    Ok((text, diff))
}

/// The lines of `text` without their line breaks (a final line break does
/// not start another line).
fn split_lines(text: &str, line_ending: LineEnding) -> Vec<&str> {
    fn strip(line: &str, line_ending: LineEnding) -> &str {
        match line_ending {
            LineEnding::CrLf => line.strip_suffix('\r').unwrap_or(line),
            LineEnding::Lf => line,
        }
    }
    let mut lines = Vec::with_capacity(text.len() / 32);
    let mut start = 0;
    for at in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines.push(strip(&text[start..at], line_ending));
        start = at + 1;
    }
    if start < text.len() {
        lines.push(strip(&text[start..], line_ending));
    }
    lines
}

/// `old_len` lines at `start` of the original are replaced by `new_lines`.
pub(crate) struct Replacement<'a> {
    pub(crate) start: usize,
    pub(crate) old_len: usize,
    pub(crate) new_lines: &'a [String],
}

fn find_replacements<'a>(
    path: &Path,
    lines: &[&str],
    chunks: &'a [UpdateFileChunk],
) -> Result<Vec<Replacement<'a>>, ApplyPatchError> {
    let file = FileLines::new(lines);
    let mut replacements = Vec::with_capacity(chunks.len());
    let mut cursor = 0;
    for chunk in chunks {
        let mut anchored = false;
        if let Some(context) = &chunk.change_context {
            let found = file
                .seek(std::slice::from_ref(context), cursor, false)
                .ok_or_else(|| ApplyPatchError::ContextNotFound {
                    path: path.to_path_buf(),
                    context: context.clone(),
                })?;
            cursor = found + 1;
            anchored = true;
        }
        if chunk.old_lines.is_empty() {
            // Pure addition: right after its anchor, else at the end of the file.
            let at = if anchored { cursor } else { file.len() };
            replacements.push(Replacement {
                start: at,
                old_len: 0,
                new_lines: &chunk.new_lines,
            });
            continue;
        }
        let mut old: &[String] = &chunk.old_lines;
        let mut new: &[String] = &chunk.new_lines;
        let mut found = file.seek(old, cursor, chunk.is_end_of_file);
        if found.is_none() && old.last().is_some_and(String::is_empty) {
            // A trailing empty context line often stands for the final line
            // break, which is not a line of its own here.
            old = &old[..old.len() - 1];
            if new.last().is_some_and(String::is_empty) {
                new = &new[..new.len() - 1];
            }
            found = file.seek(old, cursor, chunk.is_end_of_file);
        }
        let start = found.ok_or_else(|| ApplyPatchError::LinesNotFound {
            path: path.to_path_buf(),
            lines: chunk.old_lines.clone(),
        })?;
        replacements.push(Replacement {
            start,
            old_len: old.len(),
            new_lines: new,
        });
        cursor = start + old.len();
    }
    // Additions at the end of the file may precede later chunks in the patch.
    replacements.sort_by_key(|r| r.start);
    Ok(replacements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_patch;
    use pretty_assertions::assert_eq;

    fn apply(original: &str, patch_body: &str) -> Result<String, ApplyPatchError> {
        let patch = parse_patch(&format!(
            "*** Begin Patch\n*** Update File: f\n{patch_body}\n*** End Patch"
        ))?;
        let Hunk::UpdateFile { chunks, .. } = &patch.hunks[0] else {
            panic!()
        };
        apply_chunks(
            Path::new("f"),
            original,
            detect_line_ending(original),
            chunks,
        )
        .map(|r| r.0)
    }

    #[test]
    fn context_anchor_and_ordering() {
        let original = "fn a() {\n    x\n}\nfn b() {\n    x\n}\n";
        let out = apply(original, "@@ fn b() {\n-    x\n+    y").unwrap();
        assert_eq!(out, "fn a() {\n    x\n}\nfn b() {\n    y\n}\n");
    }

    #[test]
    fn pure_addition_goes_after_its_anchor_or_at_the_end() {
        assert_eq!(apply("a\nb\n", "@@\n+c").unwrap(), "a\nb\nc\n");
        assert_eq!(apply("a\nb\n", "@@ a\n+x").unwrap(), "a\nx\nb\n");
    }

    #[test]
    fn crlf_is_preserved() {
        let out = apply("one\r\ntwo\r\nthree\r\n", "@@\n one\n-two\n+2\n+2b").unwrap();
        assert_eq!(out, "one\r\n2\r\n2b\r\nthree\r\n");
    }

    #[test]
    fn missing_lines_are_listed() {
        let err = apply("a\n", "@@\n-zzz\n+y").unwrap_err();
        assert_eq!(err.to_string(), "in f: could not find these lines:\nzzz");
        let err = apply("a\n", "@@ nope\n-a\n+b").unwrap_err();
        assert_eq!(
            err.to_string(),
            "in f: could not find the context line '@@ nope'"
        );
    }

    #[test]
    fn trailing_empty_context_line_matches_the_final_newline() {
        assert_eq!(apply("a\nb\n", "@@\n a\n-b\n+c\n ").unwrap(), "a\nc\n");
    }

    #[test]
    fn fuzzy_match_replaces_the_original_lines() {
        assert_eq!(apply("x \u{2014} y   \n", "@@\n-x - y\n+z").unwrap(), "z\n");
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
