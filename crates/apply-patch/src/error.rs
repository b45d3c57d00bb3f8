//! Errors of planning and applying a patch. Paths are shown as the patch
//! wrote them, because that is what the model (or person) can act on.

use std::path::PathBuf;

use crate::parser::ParseError;

#[derive(Debug, thiserror::Error)]
pub enum ApplyPatchError {
    #[error(transparent)]
    Parse(#[from] ParseError),

    #[error("cannot {action} {}: the file does not exist", path.display())]
    MissingFile { path: PathBuf, action: &'static str },

    #[error("cannot {action} {}: it is a directory", path.display())]
    IsDirectory { path: PathBuf, action: &'static str },

    #[error("cannot update {}: it is not UTF-8 text, and apply_patch edits text files only", path.display())]
    NotUtf8 { path: PathBuf },

    #[error("in {}: could not find the context line '@@ {context}'", path.display())]
    ContextNotFound { path: PathBuf, context: String },

    #[error("in {}: could not find these lines:\n{}", path.display(), lines.join("\n"))]
    LinesNotFound { path: PathBuf, lines: Vec<String> },

    #[error("cannot update {}: it is 4 GiB or larger, and apply_patch edits files up to 4 GiB", path.display())]
    TooLarge { path: PathBuf },

    #[error("in {}: two chunks change overlapping lines; merge them into one chunk", path.display())]
    OverlappingChunks { path: PathBuf },

    #[error("{} changed on disk after the patch was read; read it again and write a new patch", path.display())]
    ChangedOnDisk { path: PathBuf },

    #[error("{} is being written by another process; when it is done, read the file again and write a new patch", path.display())]
    BeingWritten { path: PathBuf },

    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// Writing failed part-way; what was written has been undone unless
    /// `rollback_failures` says otherwise.
    #[error("{source}{}", rollback_note(rollback_failures))]
    CommitFailed {
        #[source]
        source: Box<ApplyPatchError>,
        rollback_failures: Vec<String>,
    },
}

fn rollback_note(failures: &[String]) -> String {
    if failures.is_empty() {
        String::new()
    } else {
        format!(
            "\nand undoing the files already written failed too; check these by hand:\n{}",
            failures.join("\n")
        )
    }
}

impl ApplyPatchError {
    /// True if the file system is exactly as it was before the attempt.
    pub fn nothing_changed(&self) -> bool {
        match self {
            Self::CommitFailed {
                rollback_failures, ..
            } => rollback_failures.is_empty(),
            _ => true,
        }
    }
}
