//! Styled text as terminal bytes: a [`Line`] or one row of a [`Buffer`]
//! written with SGR sequences.
//!
//! The screen writes rows itself (see `screen.rs`) rather than through a
//! ratatui backend, because it moves only relative to the top of the live
//! area and never by absolute row. Style changes are emitted minimally; a row
//! starts with "erase the line" (in the default style) and ends with the
//! style reset, so the rest of the row takes the terminal's default
//! background and a later reflow never drags stale cells along.
//!
//! The erase comes first, never last: a row exactly as wide as the screen
//! leaves the cursor on its last column (autowrap is off, and even with it
//! on the cursor waits there), and "erase to end of line" from there would
//! erase that last character.

use std::io::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use unicode_width::UnicodeWidthStr;

/// The SGR state the terminal is in while a row is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
}

impl Default for Pen {
    fn default() -> Self {
        Self {
            fg: Color::Reset,
            bg: Color::Reset,
            modifier: Modifier::empty(),
        }
    }
}

/// Writes text with changing styles, emitting only what changes.
struct PenWriter<'a> {
    out: &'a mut Vec<u8>,
    pen: Pen,
}

impl<'a> PenWriter<'a> {
    /// Starts a row: the cursor is at its first column and the pen at the
    /// default style, so the erase leaves the row blank in the default
    /// background.
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.extend_from_slice(b"\x1b[2K");
        Self {
            out,
            pen: Pen::default(),
        }
    }

    fn set(&mut self, next: Pen) {
        if next == self.pen {
            return;
        }
        let mut codes: Vec<String> = Vec::new();
        // Attributes cannot be switched off one by one portably (22 clears
        // both bold and dim); start from a reset when any goes away.
        let removed = self.pen.modifier - next.modifier;
        let mut from = self.pen;
        if !removed.is_empty() {
            codes.push("0".into());
            from = Pen::default();
        }
        for (flag, code) in [
            (Modifier::BOLD, "1"),
            (Modifier::DIM, "2"),
            (Modifier::ITALIC, "3"),
            (Modifier::UNDERLINED, "4"),
            (Modifier::SLOW_BLINK, "5"),
            (Modifier::RAPID_BLINK, "6"),
            (Modifier::REVERSED, "7"),
            (Modifier::HIDDEN, "8"),
            (Modifier::CROSSED_OUT, "9"),
        ] {
            if next.modifier.contains(flag) && !from.modifier.contains(flag) {
                codes.push(code.into());
            }
        }
        if next.fg != from.fg {
            codes.push(color_code(next.fg, false));
        }
        if next.bg != from.bg {
            codes.push(color_code(next.bg, true));
        }
        if !codes.is_empty() {
            let _ = write!(self.out, "\x1b[{}m", codes.join(";"));
        }
        self.pen = next;
    }

    fn text(&mut self, style: Style, text: &str) {
        self.set(Pen {
            fg: style.fg.unwrap_or(Color::Reset),
            bg: style.bg.unwrap_or(Color::Reset),
            modifier: style.add_modifier - style.sub_modifier,
        });
        // Control characters would move the cursor behind our back.
        for ch in text.chars() {
            if ch.is_control() {
                self.out.push(b' ');
            } else {
                let mut utf8 = [0u8; 4];
                self.out
                    .extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }

    fn finish(mut self) {
        self.set(Pen::default());
    }
}

fn color_code(color: Color, background: bool) -> String {
    let base = if background { 40 } else { 30 };
    let bright = if background { 100 } else { 90 };
    match color {
        Color::Reset => (base + 9).to_string(),
        Color::Black => base.to_string(),
        Color::Red => (base + 1).to_string(),
        Color::Green => (base + 2).to_string(),
        Color::Yellow => (base + 3).to_string(),
        Color::Blue => (base + 4).to_string(),
        Color::Magenta => (base + 5).to_string(),
        Color::Cyan => (base + 6).to_string(),
        Color::Gray => (base + 7).to_string(),
        Color::DarkGray => bright.to_string(),
        Color::LightRed => (bright + 1).to_string(),
        Color::LightGreen => (bright + 2).to_string(),
        Color::LightYellow => (bright + 3).to_string(),
        Color::LightBlue => (bright + 4).to_string(),
        Color::LightMagenta => (bright + 5).to_string(),
        Color::LightCyan => (bright + 6).to_string(),
        Color::White => (bright + 7).to_string(),
        Color::Indexed(n) => format!("{};5;{n}", base + 8),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", base + 8),
    }
}

/// `line` as terminal bytes, starting with the row erased and ending with
/// the style reset. The caller wraps lines to the width beforehand.
pub(crate) fn line_bytes(line: &Line<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.width() + 16);
    let mut pen = PenWriter::new(&mut out);
    for span in &line.spans {
        pen.text(line.style.patch(span.style), &span.content);
    }
    pen.finish();
    out
}

/// Row `y` of `buf` as terminal bytes. Trailing blank cells are left to
/// the erase that starts the row, so a row is only as long as its content.
pub(crate) fn buffer_row_bytes(buf: &Buffer, y: u16) -> Vec<u8> {
    let area = buf.area;
    let mut out = Vec::with_capacity(area.width as usize + 16);
    let cells: Vec<&ratatui::buffer::Cell> =
        (area.left()..area.right()).map(|x| &buf[(x, y)]).collect();
    let blank = |cell: &ratatui::buffer::Cell| {
        cell.symbol() == " " && cell.bg == Color::Reset && cell.modifier.is_empty()
    };
    let end = cells
        .iter()
        .rposition(|cell| !blank(cell))
        .map_or(0, |i| i + 1);
    let mut pen = PenWriter::new(&mut out);
    let mut x = 0;
    while x < end {
        let cell = cells[x];
        let symbol = cell.symbol();
        let style = Style::default()
            .fg(cell.fg)
            .bg(cell.bg)
            .add_modifier(cell.modifier);
        pen.text(style, if symbol.is_empty() { " " } else { symbol });
        // A wide grapheme covers the cells after it.
        x += symbol.width().max(1);
    }
    pen.finish();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Stylize;
    use ratatui::text::Span;

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn styles_change_minimally_and_reset_at_the_end() {
        let line = Line::from(vec![
            Span::raw("a "),
            "bold".bold(),
            " and ".into(),
            "red".red(),
        ]);
        assert_eq!(
            text(line_bytes(&line)),
            "\x1b[2Ka \x1b[1mbold\x1b[0m and \x1b[31mred\x1b[39m"
        );
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let line = Line::from("a\x1b[2Jb\tc");
        assert_eq!(text(line_bytes(&line)), "\x1b[2Ka [2Jb c");
    }

    #[test]
    fn buffer_rows_skip_trailing_blanks_and_wide_continuations() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        buf.set_string(0, 0, "日本x", Style::default().green());
        assert_eq!(
            text(buffer_row_bytes(&buf, 0)),
            "\x1b[2K\x1b[32m日本x\x1b[39m"
        );
    }
}
