//! The composer's text: a multi-line buffer with a cursor and the editing
//! keys of a readline shell (word and line moves, kills and yank).
//!
//! The cursor is a byte offset that always sits on a grapheme boundary.
//! Rendering wraps at the width by grapheme (not by word), so every
//! character has one screen cell position and the cursor can be drawn
//! exactly where the next character goes.

use std::ops::Range;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Default, Clone)]
pub(crate) struct TextArea {
    text: String,
    cursor: usize,
    /// The last killed text, for Ctrl-Y.
    kill: String,
}

/// The rendered text: rows and where the cursor is among them.
pub(crate) struct Rendered {
    pub lines: Vec<Line<'static>>,
    pub cursor: (usize, usize),
}

impl TextArea {
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn cursor(&self) -> usize {
        self.cursor
    }

    /// Moves the cursor to `at` (kept on a character boundary).
    pub(crate) fn set_cursor(&mut self, at: usize) {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        self.cursor = at;
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Replaces the text; the cursor goes to the end.
    pub(crate) fn set_text(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.len();
    }

    /// Empties the buffer and returns what it held.
    pub(crate) fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    pub(crate) fn insert_str(&mut self, text: &str) {
        self.text.insert_str(self.cursor, text);
        self.cursor += text.len();
    }

    pub(crate) fn delete_range(&mut self, range: Range<usize>) {
        let start = range.start.min(self.text.len());
        let end = range.end.min(self.text.len());
        if start >= end {
            return;
        }
        self.text.replace_range(start..end, "");
        if self.cursor >= end {
            self.cursor -= end - start;
        } else if self.cursor > start {
            self.cursor = start;
        }
    }

    fn prev_boundary(&self, at: usize) -> usize {
        self.text[..at]
            .grapheme_indices(true)
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next_boundary(&self, at: usize) -> usize {
        self.text[at..]
            .graphemes(true)
            .next()
            .map_or(at, |g| at + g.len())
    }

    pub(crate) fn backspace(&mut self) {
        let start = self.prev_boundary(self.cursor);
        self.delete_range(start..self.cursor);
    }

    pub(crate) fn delete(&mut self) {
        let end = self.next_boundary(self.cursor);
        self.delete_range(self.cursor..end);
    }

    pub(crate) fn left(&mut self) {
        self.cursor = self.prev_boundary(self.cursor);
    }

    pub(crate) fn right(&mut self) {
        self.cursor = self.next_boundary(self.cursor);
    }

    /// Start of the word before the cursor (readline's backward-word).
    fn word_start(&self) -> usize {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_');
        trimmed
            .rfind(|c: char| !c.is_alphanumeric() && c != '_')
            .map_or(0, |i| {
                i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
            })
    }

    /// End of the word after the cursor (readline's forward-word).
    fn word_end(&self) -> usize {
        let after = &self.text[self.cursor..];
        let skip = after.len()
            - after
                .trim_start_matches(|c: char| !c.is_alphanumeric() && c != '_')
                .len();
        let rest = &after[skip..];
        let word = rest
            .find(|c: char| !c.is_alphanumeric() && c != '_')
            .unwrap_or(rest.len());
        self.cursor + skip + word
    }

    pub(crate) fn word_left(&mut self) {
        self.cursor = self.word_start();
    }

    pub(crate) fn word_right(&mut self) {
        self.cursor = self.word_end();
    }

    fn line_start_of(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    fn line_end_of(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i)
    }

    pub(crate) fn home(&mut self) {
        self.cursor = self.line_start_of(self.cursor);
    }

    pub(crate) fn end(&mut self) {
        self.cursor = self.line_end_of(self.cursor);
    }

    fn kill_range(&mut self, range: Range<usize>) {
        if range.start < range.end {
            self.kill = self.text[range.clone()].to_string();
            self.delete_range(range);
        }
    }

    /// Alt-Backspace: back to the start of the word (letters and digits).
    pub(crate) fn kill_word_back(&mut self) {
        let start = self.word_start();
        self.kill_range(start..self.cursor);
    }

    /// Ctrl-W: back to the previous whitespace (readline's unix-word-rubout).
    pub(crate) fn kill_whitespace_word_back(&mut self) {
        let before = self.text[..self.cursor].trim_end();
        let start = before.rfind(char::is_whitespace).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
        self.kill_range(start..self.cursor);
    }

    /// Alt-D.
    pub(crate) fn kill_word_forward(&mut self) {
        let end = self.word_end();
        self.kill_range(self.cursor..end);
    }

    /// Ctrl-U: to the start of the line (or the newline before it).
    pub(crate) fn kill_to_line_start(&mut self) {
        let start = self.line_start_of(self.cursor);
        if start == self.cursor && start > 0 {
            self.kill_range(start - 1..self.cursor);
        } else {
            self.kill_range(start..self.cursor);
        }
    }

    /// Ctrl-K: to the end of the line (or the newline after it).
    pub(crate) fn kill_to_line_end(&mut self) {
        let end = self.line_end_of(self.cursor);
        if end == self.cursor && end < self.text.len() {
            self.kill_range(self.cursor..end + 1);
        } else {
            self.kill_range(self.cursor..end);
        }
    }

    /// Vi's `D`: to the end of the line, never its line break.
    pub(crate) fn kill_to_line_end_only(&mut self) {
        let end = self.line_end_of(self.cursor);
        self.kill_range(self.cursor..end);
    }

    /// Leaving vi insert mode: one character left, not past the line's start.
    pub(crate) fn left_within_line(&mut self) {
        if self.cursor > self.line_start_of(self.cursor) {
            self.left();
        }
    }

    /// Vi's `a`: one character right, but not past the line's end.
    pub(crate) fn right_within_line(&mut self) {
        if self.cursor < self.line_end_of(self.cursor) {
            self.right();
        }
    }

    /// Ctrl-Y.
    pub(crate) fn yank(&mut self) {
        let kill = self.kill.clone();
        self.insert_str(&kill);
    }

    /// True when the cursor is on the first line.
    pub(crate) fn on_first_line(&self) -> bool {
        !self.text[..self.cursor].contains('\n')
    }

    pub(crate) fn on_last_line(&self) -> bool {
        !self.text[self.cursor..].contains('\n')
    }

    /// Moves to the previous (`up`) or next line, keeping the column.
    pub(crate) fn vertical(&mut self, up: bool) {
        let start = self.line_start_of(self.cursor);
        let column = self.text[start..self.cursor].graphemes(true).count();
        let target_start = if up {
            if start == 0 {
                return;
            }
            self.line_start_of(start - 1)
        } else {
            let end = self.line_end_of(self.cursor);
            if end == self.text.len() {
                return;
            }
            end + 1
        };
        let target_end = self.line_end_of(target_start);
        let offset: usize = self.text[target_start..target_end]
            .graphemes(true)
            .take(column)
            .map(str::len)
            .sum();
        self.cursor = target_start + offset;
    }

    /// Rows at `width` cells, `style_of` giving the style of each byte
    /// offset (paste chips are drawn differently).
    pub(crate) fn render(&self, width: usize, style_of: &dyn Fn(usize) -> Style) -> Rendered {
        let width = width.max(2);
        let mut lines = Vec::new();
        let mut row: Vec<Span<'static>> = Vec::new();
        let mut used = 0;
        let mut cursor = (0, 0);
        let mut offset = 0;
        for grapheme in self.text.graphemes(true) {
            if offset == self.cursor {
                cursor = (lines.len(), used);
            }
            if grapheme == "\n" || grapheme == "\r\n" {
                lines.push(Line::from(std::mem::take(&mut row)));
                used = 0;
                offset += grapheme.len();
                continue;
            }
            let cell_width = grapheme.width();
            if used + cell_width > width {
                lines.push(Line::from(std::mem::take(&mut row)));
                used = 0;
                if offset == self.cursor {
                    cursor = (lines.len(), 0);
                }
            }
            let style = style_of(offset);
            match row.last_mut() {
                Some(span) if span.style == style => span.content.to_mut().push_str(grapheme),
                _ => row.push(Span::styled(grapheme.to_string(), style)),
            }
            used += cell_width;
            offset += grapheme.len();
        }
        if self.cursor >= self.text.len() {
            // The cursor after the last character wraps like a character would.
            if used >= width {
                lines.push(Line::from(std::mem::take(&mut row)));
                used = 0;
            }
            cursor = (lines.len(), used);
        }
        lines.push(Line::from(row));
        Rendered { lines, cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn area(text: &str, cursor: usize) -> TextArea {
        let mut t = TextArea::default();
        t.set_text(text);
        t.cursor = cursor;
        t
    }

    #[test]
    fn words_move_and_kill_like_readline() {
        let mut t = area("git commit -m fix", 17);
        t.word_left();
        assert_eq!(t.cursor(), 14);
        t.kill_whitespace_word_back();
        assert_eq!(t.text(), "git commit fix");
        t.yank();
        assert_eq!(t.text(), "git commit -m fix");
        t.home();
        t.word_right();
        assert_eq!(t.cursor(), 3);
        t.kill_word_forward();
        assert_eq!(t.text(), "git -m fix");
        t.end();
        t.kill_word_back();
        assert_eq!(t.text(), "git -m ");
    }

    #[test]
    fn line_kills_work_on_the_cursor_line() {
        let mut t = area("one\ntwo three\nfour", 8);
        t.kill_to_line_end();
        assert_eq!(t.text(), "one\ntwo \nfour");
        t.kill_to_line_start();
        assert_eq!(t.text(), "one\n\nfour");
        t.kill_to_line_start();
        assert_eq!(t.text(), "one\nfour");
    }

    #[test]
    fn vertical_moves_keep_the_column() {
        let mut t = area("abcdef\nxy\n123456", 5);
        t.vertical(false);
        assert_eq!(t.cursor(), 9);
        t.vertical(false);
        assert_eq!(t.cursor(), 12);
        t.vertical(true);
        t.vertical(true);
        assert_eq!(t.cursor(), 2);
    }

    #[test]
    fn graphemes_are_edited_whole() {
        let mut t = area("née👍🏽", "née👍🏽".len());
        t.backspace();
        assert_eq!(t.text(), "née");
        t.left();
        t.backspace();
        assert_eq!(t.text(), "ne");
    }

    #[test]
    fn the_cursor_is_placed_where_the_next_character_goes() {
        let plain = |_| Style::default();
        let t = area("abcd", 4);
        let r = t.render(4, &plain);
        assert_eq!(r.lines.len(), 2);
        assert_eq!(r.cursor, (1, 0));
        let t = area("ab\ncd", 3);
        assert_eq!(t.render(10, &plain).cursor, (1, 0));
        let t = area("日本語", 3);
        assert_eq!(t.render(4, &plain).cursor, (0, 2));
    }
}
