//! An answer arriving as deltas: committed to the history line by line,
//! its unfinished tail shown in the live area.
//!
//! Only text up to the last newline is committed: a finished source line
//! renders the same however the message goes on (soft line breaks are kept
//! as line breaks, so a paragraph does not re-flow under rows already
//! printed). The rows of the finished part are rendered again as it grows
//! and the ones not yet printed are handed out; the rest of the message,
//! unfinished line included, is what the live area shows.
//!
//! A table is the exception: its columns are as wide as its widest cell,
//! so a row that arrives later can change how the rows before it look. The
//! lines of a table stay in the live area until the blank line (or the end
//! of the message) that ends it.

use ratatui::text::Line;

use crate::cells::{agent_lines, plain_lines};

/// An answer's rows: a blank row to separate it, then the message
/// (its source as plain text when `raw`, as `/raw` asks).
fn render_rows(raw: bool, text: &str, width: usize) -> Vec<Line<'static>> {
    let mut rows = vec![Line::default()];
    if raw {
        rows.extend(plain_lines(text, width.max(10)));
    } else {
        rows.extend(agent_lines(text, width, true));
    }
    rows
}

#[cfg(test)]
fn rows(text: &str, width: usize) -> Vec<Line<'static>> {
    render_rows(false, text, width)
}

#[derive(Debug, Default)]
pub(crate) struct MarkdownStream {
    source: String,
    /// Bytes of `source` (whole lines) whose rows have all been committed.
    committed_bytes: usize,
    /// How many rows those bytes render to at `committed_width`.
    committed_rows: usize,
    committed_width: usize,
    /// Plain text rather than Markdown (`/raw`).
    raw: bool,
}

impl MarkdownStream {
    /// A stream rendered as plain text when `raw`.
    pub(crate) fn new(raw: bool) -> Self {
        Self {
            raw,
            ..Self::default()
        }
    }

    pub(crate) fn push(&mut self, delta: &str) {
        // A fence opening (its backticks may span deltas) starts loading
        // the highlighting grammars in the background.
        let from = self.source.len().saturating_sub(2);
        self.source.push_str(delta);
        let mut start = from;
        while !self.source.is_char_boundary(start) {
            start -= 1;
        }
        let tail = &self.source[start..];
        if tail.contains("```") || tail.contains("~~~") {
            crate::highlight::warm_in_background();
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.source.is_empty()
    }

    pub(crate) fn text(&self) -> &str {
        &self.source
    }

    /// Renders as plain text from now on (or as Markdown again); what was
    /// committed is counted again in the new form, as the screen re-draws it.
    pub(crate) fn set_raw(&mut self, raw: bool) {
        self.raw = raw;
        self.committed_width = 0;
    }

    /// Rows committed so far, re-counted if the width changed.
    fn rows_done(&mut self, width: usize) -> usize {
        if width != self.committed_width {
            self.committed_rows = if self.committed_bytes == 0 {
                0
            } else {
                render_rows(self.raw, &self.source[..self.committed_bytes], width).len()
            };
            self.committed_width = width;
        }
        self.committed_rows
    }

    /// Rows of finished lines not yet committed.
    pub(crate) fn take_finished_rows(&mut self, width: usize) -> Vec<Line<'static>> {
        let Some(end) = self.source.rfind('\n').map(|i| i + 1) else {
            return Vec::new();
        };
        let end = table_start(&self.source[..end]).unwrap_or(end);
        if end <= self.committed_bytes {
            return Vec::new();
        }
        let done = self.rows_done(width);
        let rows = render_rows(self.raw, &self.source[..end], width);
        self.committed_bytes = end;
        self.committed_rows = rows.len();
        rows.into_iter().skip(done).collect()
    }

    /// The rows not committed yet, unfinished line included (for the live area).
    pub(crate) fn pending_rows(&mut self, width: usize) -> Vec<Line<'static>> {
        if self.source.len() == self.committed_bytes {
            return Vec::new();
        }
        let done = self.rows_done(width);
        render_rows(self.raw, &self.source, width)
            .into_iter()
            .skip(done)
            .collect()
    }

    /// The rows committed so far, rendered again at `width` (a resize).
    pub(crate) fn committed_rows(&mut self, width: usize) -> Vec<Line<'static>> {
        if self.committed_bytes == 0 {
            return Vec::new();
        }
        let rows = render_rows(self.raw, &self.source[..self.committed_bytes], width);
        self.committed_rows = rows.len();
        self.committed_width = width;
        rows
    }

    /// Everything not committed yet; the stream is done.
    pub(crate) fn finish(&mut self, width: usize) -> Vec<Line<'static>> {
        let rows = self.pending_rows(width);
        self.committed_bytes = self.source.len();
        self.committed_rows += rows.len();
        rows
    }
}

/// Where the block of lines ending `finished` starts when that block may
/// be a table (one of its lines starts with `|`): the table is not
/// finished until a blank line follows it.
fn table_start(finished: &str) -> Option<usize> {
    let body = finished.strip_suffix('\n')?;
    let start = body.rfind("\n\n").map_or(0, |i| i + 2);
    let block = &finished[start..];
    if block.is_empty() || block.trim().is_empty() {
        return None;
    }
    block
        .lines()
        .any(|line| line.trim_start().starts_with('|'))
        .then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::line_text;
    use pretty_assertions::assert_eq;

    fn texts(lines: Vec<Line<'static>>) -> Vec<String> {
        lines.iter().map(line_text).collect()
    }

    #[test]
    fn finished_lines_are_committed_once_and_the_tail_stays_live() {
        let mut stream = MarkdownStream::default();
        stream.push("Hello wor");
        assert!(stream.take_finished_rows(40).is_empty());
        assert_eq!(texts(stream.pending_rows(40)), vec!["", "• Hello wor"]);
        stream.push("ld\n\n- a");
        assert_eq!(
            texts(stream.take_finished_rows(40)),
            vec!["", "• Hello world"]
        );
        assert_eq!(texts(stream.pending_rows(40)), vec!["  ", "  - a"]);
        stream.push("\n- b\n");
        assert_eq!(
            texts(stream.take_finished_rows(40)),
            vec!["  ", "  - a", "  - b"]
        );
        assert!(stream.take_finished_rows(40).is_empty());
        assert!(stream.finish(40).is_empty());
    }

    #[test]
    fn a_table_is_committed_when_it_ends() {
        let mut stream = MarkdownStream::default();
        stream.push("Sizes:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert_eq!(texts(stream.take_finished_rows(40)), vec!["", "• Sizes:"]);
        // A wider row would widen the columns of the rows before it.
        stream.push("| wider | 3 |\n");
        assert!(stream.take_finished_rows(40).is_empty());
        stream.push("\nafter\n");
        assert_eq!(
            texts(stream.take_finished_rows(40)),
            vec![
                "  ",
                "  a     │ b",
                "  ──────┼──",
                "  1     │ 2",
                "  wider │ 3",
                "  ",
                "  after"
            ]
        );
    }

    #[test]
    fn every_row_is_committed_exactly_once_at_any_chunking() {
        let text = "# Plan\n\nFirst **bold** line\nsecond line\n\n```rust\nlet x = 1;\ncode\n```\n\n| a | b |\n|--|--|\n| long cell | 2 |\n\n1. one\n2. two\n\nDone.";
        let whole = texts(rows(text, 30));
        for chunk in [1, 3, 7, 50] {
            let mut stream = MarkdownStream::default();
            let mut rows = Vec::new();
            let chars: Vec<char> = text.chars().collect();
            for piece in chars.chunks(chunk) {
                stream.push(&piece.iter().collect::<String>());
                rows.extend(texts(stream.take_finished_rows(30)));
            }
            rows.extend(texts(stream.finish(30)));
            assert_eq!(rows, whole, "chunk size {chunk}");
        }
    }
}
