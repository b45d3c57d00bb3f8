//! Applying an update's chunks to one file's text.
//!
//! The text is split into lines once, each chunk is found forward from the
//! previous one ([`FileLines::seek`]), and the result is not a new copy of
//! the text but an [`Edit`]: the original's bytes between chunks, by range,
//! and the chunks' new lines. The commit writes the pieces straight to the
//! file, so a large file is held in memory once (fresh memory is page
//! faults, the main cost of patching a large file: docs/benchmarks.md).

use std::path::Path;

use crate::error::ApplyPatchError;
use crate::lines::{LineEnding, Lines};
use crate::parser::UpdateFileChunk;
use crate::seek_sequence::FileLines;
use crate::udiff;

/// A file's new text as pieces of its old text and new lines, in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Edit {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Piece {
    /// Bytes `from..to` of the old text (always at line boundaries).
    Old { from: usize, to: usize },
    /// New text: lines with their line breaks.
    New(String),
}

impl Edit {
    /// A piece's text; None for a range `old` does not have, which only a
    /// malformed commit request could hold (an edit made by
    /// [`apply_chunks`] always fits the text it was made on).
    fn piece<'a>(&'a self, piece: &'a Piece, old: &'a str) -> Option<&'a str> {
        match piece {
            Piece::Old { from, to } => old.get(*from..*to),
            Piece::New(text) => Some(text),
        }
    }

    /// The new text's pieces, in order, `old` being the text the edit was
    /// made on. A piece that does not fit `old` is an error (the commit then
    /// undoes itself), never a silently shorter file.
    pub(crate) fn pieces<'a>(&'a self, old: &'a str) -> std::io::Result<Vec<&'a [u8]>> {
        self.pieces
            .iter()
            .map(|piece| {
                self.piece(piece, old).map(str::as_bytes).ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "the patch's edit does not fit the file it was planned on",
                    )
                })
            })
            .collect()
    }

    /// The new text as one string (of an edit made here, which fits `old`).
    pub(crate) fn to_text(&self, old: &str) -> String {
        let pieces = || self.pieces.iter().filter_map(|p| self.piece(p, old));
        let mut text = String::with_capacity(pieces().map(str::len).sum());
        pieces().for_each(|piece| text.push_str(piece));
        text
    }

    /// The edit leaves `old` as it was (a patch that changes nothing).
    pub(crate) fn is_identity(&self, old: &str) -> bool {
        let mut at = 0;
        for piece in &self.pieces {
            let Some(bytes) = self.piece(piece, old) else {
                return false;
            };
            let same = match piece {
                Piece::Old { from, .. } if *from == at => true,
                _ => old.get(at..at + bytes.len()) == Some(bytes),
            };
            if !same {
                return false;
            }
            at += bytes.len();
        }
        at == old.len()
    }
}

/// Applies `chunks` to `original`. Returns the edit (its text always ends
/// in a line break unless it is empty) and, if `render_diff`, the unified
/// diff of the change (else an empty string).
///
/// New lines take the line break most of the file uses; the text between
/// chunks is kept as it was, byte for byte.
pub(crate) fn apply_chunks(
    path: &Path,
    original: &str,
    chunks: &[UpdateFileChunk<'_>],
    render_diff: bool,
) -> Result<(Edit, String), ApplyPatchError> {
    let lines = Lines::new(original).map_err(|_| ApplyPatchError::TooLarge {
        path: path.to_path_buf(),
    })?;
    let ends_with_newline = original.ends_with('\n');
    let replacements = find_replacements(path, &lines, chunks)?;
    let separator = match lines.line_ending() {
        LineEnding::Lf => "\n",
        LineEnding::CrLf => "\r\n",
    };

    let mut pieces = Vec::with_capacity(2 * replacements.len() + 2);
    let keep = |pieces: &mut Vec<Piece>, from: usize, to: usize| {
        if from < to {
            pieces.push(Piece::Old { from, to });
            if to == original.len() && !ends_with_newline {
                pieces.push(Piece::New(separator.to_string()));
            }
        }
    };
    let (mut next_line, mut kept) = (0, 0);
    for replacement in &replacements {
        if replacement.start < next_line {
            return Err(ApplyPatchError::OverlappingChunks {
                path: path.to_path_buf(),
            });
        }
        keep(&mut pieces, kept, lines.start(replacement.start));
        if !replacement.new_lines.is_empty() {
            let mut text = String::new();
            for line in replacement.new_lines {
                text.push_str(line);
                text.push_str(separator);
            }
            pieces.push(Piece::New(text));
        }
        next_line = replacement.start + replacement.old_len;
        kept = lines.start(next_line);
    }
    keep(&mut pieces, kept, original.len());

    if !render_diff {
        return Ok((Edit { pieces }, String::new()));
    }
    let changes = udiff::changes(&lines, &replacements, ends_with_newline || lines.is_empty());
    Ok((Edit { pieces }, udiff::render(&lines, &changes)))
}

/// `old_len` lines at `start` of the original are replaced by `new_lines`.
pub(crate) struct Replacement<'a> {
    pub(crate) start: usize,
    pub(crate) old_len: usize,
    pub(crate) new_lines: &'a [&'a str],
}

fn find_replacements<'a>(
    path: &Path,
    lines: &Lines<'_>,
    chunks: &'a [UpdateFileChunk<'a>],
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
                    context: context.to_string(),
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
        let mut old: &[&str] = &chunk.old_lines;
        let mut new: &[&str] = &chunk.new_lines;
        let mut found = file.seek(old, cursor, chunk.is_end_of_file);
        if found.is_none() && old.last().is_some_and(|line| line.is_empty()) {
            // A trailing empty context line often stands for the final line
            // break, which is not a line of its own here.
            old = &old[..old.len() - 1];
            if new.last().is_some_and(|line| line.is_empty()) {
                new = &new[..new.len() - 1];
            }
            found = file.seek(old, cursor, chunk.is_end_of_file);
        }
        let start = found.ok_or_else(|| ApplyPatchError::LinesNotFound {
            path: path.to_path_buf(),
            lines: chunk
                .old_lines
                .iter()
                .map(|line| line.to_string())
                .collect(),
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
    use crate::parser::{Hunk, parse_patch};
    use pretty_assertions::assert_eq;

    fn apply(original: &str, patch_body: &str) -> Result<String, ApplyPatchError> {
        let text = format!("*** Begin Patch\n*** Update File: f\n{patch_body}\n*** End Patch");
        let patch = parse_patch(&text)?;
        let Hunk::UpdateFile { chunks, .. } = &patch.hunks[0] else {
            panic!()
        };
        apply_chunks(Path::new("f"), original, chunks, true).map(|(edit, _)| edit.to_text(original))
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
    fn text_between_chunks_is_copied_as_it_was() {
        // Mostly CRLF: new lines get CRLF, the one LF line keeps its LF.
        let out = apply("a\r\nb\nc\r\nd\r\n", "@@\n c\n-d\n+D").unwrap();
        assert_eq!(out, "a\r\nb\nc\r\nD\r\n");
    }

    #[test]
    fn a_missing_final_line_break_is_added() {
        assert_eq!(apply("a\nb", "@@\n-a\n+A").unwrap(), "A\nb\n");
        assert_eq!(apply("a\nb", "@@\n+c").unwrap(), "a\nb\nc\n");
        assert_eq!(apply("a\nb", "@@\n a\n-b\n+B").unwrap(), "a\nB\n");
        assert_eq!(apply("a", "@@\n-a").unwrap(), "");
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
    fn an_edit_that_does_not_fit_its_text_is_an_error() {
        let edit = Edit {
            pieces: vec![Piece::Old { from: 0, to: 10 }],
        };
        let err = edit.pieces("short").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(!edit.is_identity("short"));
        assert_eq!(edit.pieces("long enough").unwrap(), [b"long enoug"]);
    }

    #[test]
    fn fuzzy_match_replaces_the_original_lines() {
        assert_eq!(apply("x \u{2014} y   \n", "@@\n-x - y\n+z").unwrap(), "z\n");
    }
}
