//! `/raw`: messages as plain text, for copying from the terminal.
//!
//! In raw mode a message is printed as it was written — the person's text
//! without the `›` mark, the answer's Markdown source without the bullet,
//! indentation, styling or table layout — so that selecting it in the
//! terminal copies what was said. Lines longer than the screen are still
//! broken at its width (the renderer keeps autowrap off so it always knows
//! how many rows it drew). Other cells (commands, patches, notes) look the
//! same in both modes.

use ratatui::text::Line;

use super::HistoryCell;
use crate::wrap::wrap_lines;

/// The source text at `width`, each source line wrapped without prefixes.
pub(crate) fn plain_lines(text: &str, width: usize) -> Vec<Line<'static>> {
    let source: Vec<Line<'static>> = text.lines().map(|l| Line::from(l.to_string())).collect();
    wrap_lines(&source, width, &[], &[])
}

impl HistoryCell {
    /// The cell as the history shows it, plain when `raw` (see above).
    pub(crate) fn lines(&self, width: u16, raw: bool) -> Vec<Line<'static>> {
        let text = match self {
            Self::User { text, .. } if raw => text,
            Self::Agent { markdown } if raw => markdown,
            _ => return self.display_lines(width),
        };
        let mut lines = vec![Line::default()];
        lines.extend(plain_lines(text, usize::from(width.max(10))));
        lines
    }
}
