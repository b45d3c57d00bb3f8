//! Helpers for the snapshot tests: rendered rows as plain text.

use ratatui::buffer::Buffer;
use ratatui::text::Line;

/// Rows as text, one per line, trailing spaces removed.
pub(crate) fn lines_text(lines: &[Line<'_>]) -> String {
    lines
        .iter()
        .map(|line| {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            text.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A buffer as text, one row per line, trailing spaces removed.
pub(crate) fn buffer_text(buf: &Buffer) -> String {
    let area = buf.area;
    (area.top()..area.bottom())
        .map(|y| {
            let mut row = String::new();
            let mut x = area.left();
            while x < area.right() {
                let symbol = buf[(x, y)].symbol();
                row.push_str(symbol);
                x += unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
            }
            row.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A buffer as text with the cells in `style` (a highlight) wrapped in
/// brackets, so snapshots show what is highlighted.
pub(crate) fn buffer_text_marking(buf: &Buffer, fg: ratatui::style::Color) -> String {
    let area = buf.area;
    (area.top()..area.bottom())
        .map(|y| {
            let mut row = String::new();
            let mut inside = false;
            let mut x = area.left();
            while x < area.right() {
                let cell = &buf[(x, y)];
                let marked = cell.fg == fg;
                if marked != inside {
                    row.push(if marked { '[' } else { ']' });
                    inside = marked;
                }
                row.push_str(cell.symbol());
                x += unicode_width::UnicodeWidthStr::width(cell.symbol()).max(1) as u16;
            }
            if inside {
                row.push(']');
            }
            row.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
