//! Word wrapping of styled lines to a width, with a prefix for the first
//! row and another (a hanging indent) for the rows after it.
//!
//! Cells are written into the terminal already wrapped: the terminal never
//! wraps our rows itself, so every row we print is exactly one screen row
//! and the live area knows its height. Widths are measured in terminal
//! cells (East Asian wide characters count two).

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// One grapheme with its style and width.
struct Glyph<'a> {
    text: &'a str,
    style: Style,
    width: usize,
    space: bool,
}

/// Wraps `line` to `width` cells. `first` starts the first row and `rest`
/// every following one; both count against the width.
pub(crate) fn wrap_line(
    line: &Line<'_>,
    width: usize,
    first: &[Span<'static>],
    rest: &[Span<'static>],
) -> Vec<Line<'static>> {
    let glyphs: Vec<Glyph<'_>> = line
        .spans
        .iter()
        .flat_map(|span| {
            let style = line.style.patch(span.style);
            span.content.graphemes(true).map(move |g| Glyph {
                text: g,
                style,
                width: g.width(),
                space: g.chars().all(char::is_whitespace),
            })
        })
        .collect();

    let prefix_width = |p: &[Span<'static>]| p.iter().map(|s| s.content.width()).sum::<usize>();
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut row = RowBuilder::new(first, prefix_width(first));
    let mut i = 0;
    while i < glyphs.len() {
        // The next word (non-space run) or space run.
        let start = i;
        let space = glyphs[i].space;
        while i < glyphs.len() && glyphs[i].space == space {
            i += 1;
        }
        let token = &glyphs[start..i];
        let token_width: usize = token.iter().map(|g| g.width).sum();
        if space {
            if rows.is_empty() && row.used == row.prefix {
                // The line's own indentation (code, nested lists) is kept.
                for glyph in token {
                    if row.used + glyph.width <= width {
                        row.push(glyph);
                    }
                }
            } else if row.used + token_width <= width {
                row.push_all(token);
            } else {
                // Spaces at a break are dropped.
                rows.push(row.finish());
                row = RowBuilder::new(rest, prefix_width(rest));
            }
            continue;
        }
        let room = width.saturating_sub(row.used);
        if token_width <= room {
            row.push_all(token);
            continue;
        }
        let fits_on_fresh_row = token_width <= width.saturating_sub(prefix_width(rest));
        if row.used > row.prefix && fits_on_fresh_row {
            row.trim_trailing_spaces();
            rows.push(row.finish());
            row = RowBuilder::new(rest, prefix_width(rest));
            row.push_all(token);
            continue;
        }
        // Longer than a row: break it between graphemes.
        for glyph in token {
            if row.used + glyph.width > width && row.used > row.prefix {
                rows.push(row.finish());
                row = RowBuilder::new(rest, prefix_width(rest));
            }
            row.push(glyph);
        }
    }
    rows.push(row.finish());
    rows
}

/// Wraps each line with the same prefixes: `first` on the very first row of
/// all, `rest` on every other.
pub(crate) fn wrap_lines(
    lines: &[Line<'_>],
    width: usize,
    first: &[Span<'static>],
    rest: &[Span<'static>],
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let lead = if index == 0 { first } else { rest };
        out.extend(wrap_line(line, width, lead, rest));
    }
    if out.is_empty() {
        out.push(Line::from(first.to_vec()));
    }
    out
}

struct RowBuilder {
    spans: Vec<Span<'static>>,
    current: String,
    current_style: Style,
    used: usize,
    prefix: usize,
}

impl RowBuilder {
    fn new(prefix: &[Span<'static>], prefix_width: usize) -> Self {
        Self {
            spans: prefix.to_vec(),
            current: String::new(),
            current_style: Style::default(),
            used: prefix_width,
            prefix: prefix_width,
        }
    }

    fn push(&mut self, glyph: &Glyph<'_>) {
        if glyph.style != self.current_style && !self.current.is_empty() {
            self.spans.push(Span::styled(
                std::mem::take(&mut self.current),
                self.current_style,
            ));
        }
        self.current_style = glyph.style;
        self.current.push_str(glyph.text);
        self.used += glyph.width;
    }

    fn push_all(&mut self, glyphs: &[Glyph<'_>]) {
        for glyph in glyphs {
            self.push(glyph);
        }
    }

    /// Drops spaces at the end of a row that breaks there.
    fn trim_trailing_spaces(&mut self) {
        let trimmed = self.current.trim_end_matches(' ').len();
        self.used -= self.current.len() - trimmed;
        self.current.truncate(trimmed);
    }

    fn finish(mut self) -> Line<'static> {
        if !self.current.is_empty() {
            self.spans
                .push(Span::styled(self.current, self.current_style));
        }
        Line::from(self.spans)
    }
}

/// The plain text of a line.
#[cfg(test)]
pub(crate) fn line_text(line: &Line<'_>) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use ratatui::style::Stylize;

    fn texts(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(line_text).collect()
    }

    #[test]
    fn words_wrap_with_a_hanging_indent() {
        let line = Line::from("the quick brown fox jumps over the lazy dog");
        let rows = wrap_line(&line, 16, &["• ".into()], &["  ".into()]);
        assert_eq!(
            texts(&rows),
            vec![
                "• the quick",
                "  brown fox",
                "  jumps over the",
                "  lazy dog"
            ]
        );
    }

    #[test]
    fn long_words_break_and_styles_survive() {
        let line = Line::from(vec!["ab".bold(), "cdefghij".red()]);
        let rows = wrap_line(&line, 4, &[], &[]);
        assert_eq!(texts(&rows), vec!["abcd", "efgh", "ij"]);
        assert_eq!(rows[0].spans[0].style, Style::default().bold());
        assert_eq!(rows[0].spans[1].style, Style::default().red());
    }

    #[test]
    fn wide_characters_count_twice() {
        let rows = wrap_line(&Line::from("日本語のテキスト"), 6, &[], &[]);
        assert_eq!(texts(&rows), vec!["日本語", "のテキ", "スト"]);
    }

    #[test]
    fn empty_lines_keep_their_prefix() {
        let rows = wrap_line(&Line::from(""), 10, &["> ".into()], &[]);
        assert_eq!(texts(&rows), vec!["> "]);
    }
}
