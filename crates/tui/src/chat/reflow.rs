//! The transcript's last rows again at a new width, for the screen to
//! re-flow what is visible after the terminal was resized (the terminal's
//! scrollback above the screen is the terminal's and keeps its old wrap).

use ratatui::text::Line;

use super::ChatState;

impl ChatState {
    /// The last `max_rows` rows of everything printed so far (finished
    /// cells and the committed part of a streaming answer) at `width`.
    pub(crate) fn reflow_rows(&mut self, width: u16, max_rows: usize) -> Vec<Line<'static>> {
        // Already printed: the outbox is part of what is rendered here.
        self.outbox.clear();
        let mut tail: Vec<Line<'static>> = match &mut self.stream {
            Some(stream) => stream.committed_rows(usize::from(width)),
            None => Vec::new(),
        };
        for cell in self.transcript.iter().rev() {
            if tail.len() >= max_rows {
                break;
            }
            let mut rows = cell.lines(width, self.display.raw);
            rows.append(&mut tail);
            tail = rows;
        }
        let skip = tail.len().saturating_sub(max_rows);
        tail.split_off(skip)
    }
}
