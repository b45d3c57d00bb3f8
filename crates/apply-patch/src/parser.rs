//! Parsing the patch text.
//!
//! ```text
//! *** Begin Patch
//! *** Add File: <path>            then one `+line` per line of the new file
//! *** Delete File: <path>
//! *** Update File: <path>
//! *** Move to: <path>             (optional)
//! @@ <context line>               (optional anchor; a bare `@@` starts a chunk)
//!  <context>  -<removed>  +<added>
//! *** End of File                 (optional: the chunk ends at end of file)
//! *** End Patch
//! ```
//!
//! The parser is lenient where models are sloppy and the reference is lenient:
//! whitespace around the `***` markers and `@@` headers is ignored, a patch
//! wrapped in a heredoc (`<<'EOF'` … `EOF`) is unwrapped, and the first chunk
//! of an update may omit its `@@`. Everything else is strict, and every error
//! says which line of the patch is wrong and what was expected.

use std::path::PathBuf;

const BEGIN_PATCH: &str = "*** Begin Patch";
const END_PATCH: &str = "*** End Patch";
const ADD_FILE: &str = "*** Add File: ";
const DELETE_FILE: &str = "*** Delete File: ";
const UPDATE_FILE: &str = "*** Update File: ";
const MOVE_TO: &str = "*** Move to: ";
const END_OF_FILE: &str = "*** End of File";
const CHUNK_HEADER: &str = "@@";

/// A parsed patch: its hunks in order. The lines of its chunks are slices
/// of the patch text (a large patch is tens of thousands of lines, and a
/// string each was most of the time spent parsing it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch<'a> {
    pub hunks: Vec<Hunk<'a>>,
}

/// One file operation. Paths are as written in the patch (usually relative).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hunk<'a> {
    AddFile {
        path: PathBuf,
        contents: String,
    },
    DeleteFile {
        path: PathBuf,
    },
    UpdateFile {
        path: PathBuf,
        move_path: Option<PathBuf>,
        chunks: Vec<UpdateFileChunk<'a>>,
    },
}

impl Hunk<'_> {
    pub fn path(&self) -> &std::path::Path {
        match self {
            Self::AddFile { path, .. }
            | Self::DeleteFile { path }
            | Self::UpdateFile { path, .. } => path,
        }
    }
}

/// One `@@` chunk of an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateFileChunk<'a> {
    /// The `@@ <line>` anchor: a line that precedes the chunk in the file.
    pub change_context: Option<&'a str>,
    /// Context and removed lines, in file order: what must be found.
    pub old_lines: Vec<&'a str>,
    /// Context and added lines: what replaces it.
    pub new_lines: Vec<&'a str>,
    /// The chunk ends at the end of the file (`*** End of File`).
    pub is_end_of_file: bool,
}

/// Why a patch could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("invalid patch: {0}")]
    InvalidPatch(String),
    #[error("invalid patch at line {line_number}: {message}")]
    InvalidHunk { message: String, line_number: usize },
}

fn hunk_error(line_number: usize, message: impl Into<String>) -> ParseError {
    ParseError::InvalidHunk {
        message: message.into(),
        line_number,
    }
}

/// Parses a patch.
pub fn parse_patch(text: &str) -> Result<Patch<'_>, ParseError> {
    let lines = crate::lines::split_lines(text.trim());
    let lines = unwrap_heredoc(&lines);
    let (first, last) = match (lines.first(), lines.last()) {
        (Some(first), Some(last)) if lines.len() >= 2 => (*first, *last),
        _ => {
            return Err(ParseError::InvalidPatch(format!(
                "a patch must start with '{BEGIN_PATCH}' and end with '{END_PATCH}'"
            )));
        }
    };
    if first.trim() != BEGIN_PATCH {
        return Err(ParseError::InvalidPatch(format!(
            "the first line must be '{BEGIN_PATCH}', found '{first}'"
        )));
    }
    if last.trim() != END_PATCH {
        return Err(ParseError::InvalidPatch(format!(
            "the last line must be '{END_PATCH}', found '{last}'"
        )));
    }

    let body = &lines[1..lines.len() - 1];
    let mut hunks = Vec::new();
    let mut index = 0;
    while index < body.len() {
        // Line numbers are 1-based and count the Begin line (and a heredoc opener).
        let offset = line_offset(text) + 2;
        let (hunk, consumed) = parse_hunk(&body[index..], offset + index)?;
        hunks.push(hunk);
        index += consumed;
    }
    if hunks.is_empty() {
        return Err(ParseError::InvalidPatch(
            "the patch contains no file operations".to_string(),
        ));
    }
    Ok(Patch { hunks })
}

/// 1 if the patch is wrapped in a heredoc opener line, else 0 (for line numbers).
fn line_offset(text: &str) -> usize {
    let first = text.trim().lines().next().unwrap_or_default();
    usize::from(is_heredoc_opener(first))
}

fn is_heredoc_opener(line: &str) -> bool {
    let line = line.trim();
    matches!(line, "<<EOF" | "<<'EOF'" | "<<\"EOF\"")
}

/// `<<'EOF'` … `EOF` around a patch (as some models write it) is dropped.
fn unwrap_heredoc<'l, 'a>(lines: &'l [&'a str]) -> &'l [&'a str] {
    match (lines.first(), lines.last()) {
        (Some(first), Some(last))
            if lines.len() >= 4 && is_heredoc_opener(first) && last.trim() == "EOF" =>
        {
            &lines[1..lines.len() - 1]
        }
        _ => lines,
    }
}

/// Parses one hunk starting at `lines[0]`; returns it and the lines consumed.
fn parse_hunk<'a>(lines: &[&'a str], line_number: usize) -> Result<(Hunk<'a>, usize), ParseError> {
    let header = lines[0].trim();
    if let Some(path) = header.strip_prefix(ADD_FILE) {
        let path = parse_path(path, line_number)?;
        let mut contents = String::new();
        let mut consumed = 1;
        for line in &lines[1..] {
            let Some(added) = line.strip_prefix('+') else {
                break;
            };
            contents.push_str(added);
            contents.push('\n');
            consumed += 1;
        }
        return Ok((Hunk::AddFile { path, contents }, consumed));
    }
    if let Some(path) = header.strip_prefix(DELETE_FILE) {
        let path = parse_path(path, line_number)?;
        return Ok((Hunk::DeleteFile { path }, 1));
    }
    if let Some(path) = header.strip_prefix(UPDATE_FILE) {
        let path = parse_path(path, line_number)?;
        let mut consumed = 1;
        let mut move_path = None;
        if let Some(target) = lines
            .get(1)
            .and_then(|line| line.trim().strip_prefix(MOVE_TO))
        {
            move_path = Some(parse_path(target, line_number + 1)?);
            consumed += 1;
        }
        let mut chunks = Vec::new();
        while consumed < lines.len() {
            let line = lines[consumed];
            if line.trim().is_empty() && chunks.is_empty() && consumed + 1 < lines.len() {
                // Tolerate a blank line between the header and the first chunk.
                consumed += 1;
                continue;
            }
            if is_hunk_header(line) {
                break;
            }
            let (chunk, used) = parse_chunk(
                &lines[consumed..],
                line_number + consumed,
                chunks.is_empty(),
            )?;
            chunks.push(chunk);
            consumed += used;
        }
        if chunks.is_empty() {
            return Err(hunk_error(
                line_number,
                format!("the update of '{}' has no changes", path.display()),
            ));
        }
        return Ok((
            Hunk::UpdateFile {
                path,
                move_path,
                chunks,
            },
            consumed,
        ));
    }
    Err(hunk_error(
        line_number,
        format!(
            "'{header}' is not a valid hunk header; expected '{ADD_FILE}<path>', '{DELETE_FILE}<path>' or '{UPDATE_FILE}<path>'"
        ),
    ))
}

/// Only the three real headers end a chunk, so that a context line about a
/// patch (` *** Something`) is not mistaken for one.
fn is_hunk_header(line: &str) -> bool {
    is_trimmed_hunk_header(line.trim())
}

/// [`is_hunk_header`] of a line already trimmed (a chunk's lines are).
fn is_trimmed_hunk_header(line: &str) -> bool {
    line.starts_with("*** ")
        && (line.starts_with(ADD_FILE)
            || line.starts_with(DELETE_FILE)
            || line.starts_with(UPDATE_FILE))
}

fn parse_path(raw: &str, line_number: usize) -> Result<PathBuf, ParseError> {
    let path = raw.trim();
    if path.is_empty() {
        return Err(hunk_error(line_number, "the file path is empty"));
    }
    Ok(PathBuf::from(path))
}

/// Parses one chunk; `first` allows a missing `@@` header.
fn parse_chunk<'a>(
    lines: &[&'a str],
    line_number: usize,
    first: bool,
) -> Result<(UpdateFileChunk<'a>, usize), ParseError> {
    let mut consumed = 0;
    let header = lines[0].trim();
    let change_context = if header == CHUNK_HEADER {
        consumed = 1;
        None
    } else if let Some(context) = header.strip_prefix("@@ ") {
        consumed = 1;
        Some(context)
    } else if first {
        None
    } else {
        return Err(hunk_error(
            line_number,
            format!(
                "expected an '@@' line to start the next chunk, found '{}'",
                lines[0]
            ),
        ));
    };

    let mut chunk = UpdateFileChunk {
        change_context,
        old_lines: Vec::new(),
        new_lines: Vec::new(),
        is_end_of_file: false,
    };
    let mut body_lines = 0;
    while consumed < lines.len() {
        let line = lines[consumed];
        let trimmed = line.trim();
        if trimmed == END_OF_FILE {
            chunk.is_end_of_file = true;
            consumed += 1;
            break;
        }
        if trimmed == CHUNK_HEADER || trimmed.starts_with("@@ ") || is_trimmed_hunk_header(trimmed)
        {
            break;
        }
        match line.chars().next() {
            // An empty line is a context line for an empty file line.
            None => {
                chunk.old_lines.push("");
                chunk.new_lines.push("");
            }
            Some(' ') => {
                chunk.old_lines.push(&line[1..]);
                chunk.new_lines.push(&line[1..]);
            }
            Some('-') => chunk.old_lines.push(&line[1..]),
            Some('+') => chunk.new_lines.push(&line[1..]),
            Some(_) => {
                return Err(hunk_error(
                    line_number + consumed,
                    format!(
                        "unexpected line '{line}' in an update; every line of a chunk starts with ' ' (context), '-' (removed) or '+' (added)"
                    ),
                ));
            }
        }
        body_lines += 1;
        consumed += 1;
    }
    if body_lines == 0 {
        return Err(hunk_error(
            line_number,
            "the chunk has no lines; add context, '-' or '+' lines after '@@'",
        ));
    }
    Ok((chunk, consumed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn chunk<'a>(
        ctx: Option<&'a str>,
        old: &[&'a str],
        new: &[&'a str],
        eof: bool,
    ) -> UpdateFileChunk<'a> {
        UpdateFileChunk {
            change_context: ctx,
            old_lines: old.to_vec(),
            new_lines: new.to_vec(),
            is_end_of_file: eof,
        }
    }

    #[test]
    fn all_hunk_kinds() {
        let patch = parse_patch(
            "*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** Delete File: b.txt\n\
             *** Update File: c.txt\n*** Move to: d/c.txt\n@@ fn main\n ctx\n-old\n+new\n\
             @@\n-x\n*** End of File\n*** End Patch\n",
        )
        .unwrap();
        assert_eq!(
            patch.hunks,
            vec![
                Hunk::AddFile {
                    path: "a.txt".into(),
                    contents: "one\ntwo\n".into()
                },
                Hunk::DeleteFile {
                    path: "b.txt".into()
                },
                Hunk::UpdateFile {
                    path: "c.txt".into(),
                    move_path: Some("d/c.txt".into()),
                    chunks: vec![
                        chunk(Some("fn main"), &["ctx", "old"], &["ctx", "new"], false),
                        chunk(None, &["x"], &[], true),
                    ]
                }
            ]
        );
    }

    #[test]
    fn first_chunk_may_omit_its_header() {
        let patch =
            parse_patch("*** Begin Patch\n*** Update File: f\n a\n-b\n+c\n*** End Patch").unwrap();
        let Hunk::UpdateFile { chunks, .. } = &patch.hunks[0] else {
            panic!()
        };
        assert_eq!(chunks, &vec![chunk(None, &["a", "b"], &["a", "c"], false)]);
    }

    #[test]
    fn heredoc_and_padding_are_tolerated() {
        let patch =
            parse_patch("<<'EOF'\n *** Begin Patch \n  *** Add File: x\n+y\n*** End Patch \nEOF\n")
                .unwrap();
        assert_eq!(patch.hunks.len(), 1);
    }

    #[test]
    fn errors_name_the_line() {
        let err =
            parse_patch("*** Begin Patch\n*** Frobnicate File: foo\n*** End Patch").unwrap_err();
        assert_eq!(
            err,
            ParseError::InvalidHunk {
                message: "'*** Frobnicate File: foo' is not a valid hunk header; expected '*** Add File: <path>', '*** Delete File: <path>' or '*** Update File: <path>'".into(),
                line_number: 2
            }
        );
        let err = parse_patch("*** Begin Patch\n*** Update File: f\n@@\n a\n?b\n*** End Patch")
            .unwrap_err();
        assert!(
            matches!(err, ParseError::InvalidHunk { line_number: 5, .. }),
            "{err}"
        );
        let err =
            parse_patch("*** Begin Patch\n*** Update File: foo.txt\n*** End Patch").unwrap_err();
        assert!(err.to_string().contains("has no changes"), "{err}");
        let err = parse_patch("*** Begin Patch\n*** End Patch").unwrap_err();
        assert!(err.to_string().contains("no file operations"), "{err}");
        let err = parse_patch("hello").unwrap_err();
        assert!(matches!(err, ParseError::InvalidPatch(_)));
        let err = parse_patch("*** Begin Patch\n*** Add File: x\n+y\n").unwrap_err();
        assert!(err.to_string().contains("last line"), "{err}");
        let err =
            parse_patch("*** Begin Patch\n*** Update File: f\n@@\n*** End Patch").unwrap_err();
        assert!(err.to_string().contains("no lines"), "{err}");
    }

    #[test]
    fn empty_add_creates_an_empty_file() {
        let patch = parse_patch("*** Begin Patch\n*** Add File: e\n*** End Patch").unwrap();
        assert_eq!(
            patch.hunks,
            vec![Hunk::AddFile {
                path: "e".into(),
                contents: String::new()
            }]
        );
    }
}
