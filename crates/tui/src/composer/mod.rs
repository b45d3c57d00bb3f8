//! The composer: where the person writes. A multi-line text area with
//! readline keys, prompt history, and paste chips (a large paste shows as
//! `[Pasted Content 2345 chars]` and is expanded when the message is sent).
//!
//! The composer knows nothing of the engine: a key gives back a
//! [`ComposerEvent`] and the chat decides what it means (Ctrl-C, Esc and
//! Ctrl-D depend on whether a turn is running, so they are not handled
//! here).

mod history;
mod textarea;
mod vim;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

pub(crate) use history::{HistoryStep, PromptHistory};
use textarea::TextArea;
pub(crate) use vim::VimMode;

/// A paste longer than this becomes a chip.
const LARGE_PASTE_CHARS: usize = 1000;
/// Rows the composer grows to before it scrolls.
const MAX_ROWS: usize = 10;

/// What a key meant.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ComposerEvent {
    /// Enter: the text, chips expanded.
    Submit(String),
    /// History needs entry `offset` of the file `log_id`.
    FetchHistory {
        offset: usize,
        log_id: u64,
    },
    Changed,
    Ignored,
}

#[derive(Debug, Default)]
pub(crate) struct Composer {
    textarea: TextArea,
    /// Chips and what they stand for.
    pastes: Vec<(String, String)>,
    history: PromptHistory,
    placeholder: String,
    /// `/vim`: vi-style editing, when on.
    vim: Option<vim::Vim>,
}

impl Composer {
    /// The dim text shown while the composer is empty.
    pub(crate) fn set_placeholder(&mut self, placeholder: &str) {
        self.placeholder = placeholder.to_string();
    }

    pub(crate) fn new(history: PromptHistory, placeholder: &str) -> Self {
        Self {
            history,
            placeholder: placeholder.to_string(),
            ..Self::default()
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.textarea.is_empty()
    }

    pub(crate) fn text(&self) -> &str {
        self.textarea.text()
    }

    pub(crate) fn set_text(&mut self, text: &str) {
        self.textarea.set_text(text);
        self.history.reset();
    }

    /// The cursor's byte offset in the text.
    pub(crate) fn cursor(&self) -> usize {
        self.textarea.cursor()
    }

    /// The whitespace-delimited token the cursor is in or just after.
    pub(crate) fn token_at_cursor(&self) -> Option<(std::ops::Range<usize>, String)> {
        let text = self.textarea.text();
        let cursor = self.textarea.cursor();
        let start = text[..cursor].rfind(char::is_whitespace).map_or(0, |i| {
            i + text[i..].chars().next().map_or(1, char::len_utf8)
        });
        let end = text[cursor..]
            .find(char::is_whitespace)
            .map_or(text.len(), |i| cursor + i);
        (start < end).then(|| (start..end, text[start..end].to_string()))
    }

    /// Replaces `range` of the text with `replacement`; the cursor goes
    /// after it.
    pub(crate) fn replace_range(&mut self, range: std::ops::Range<usize>, replacement: &str) {
        self.textarea.delete_range(range.clone());
        self.textarea.set_cursor(range.start);
        self.textarea.insert_str(replacement);
        self.history.reset();
    }

    /// Inserts text at the cursor.
    pub(crate) fn insert_text(&mut self, text: &str) {
        self.textarea.insert_str(text);
        self.history.reset();
    }

    /// Empties the composer (Ctrl-C); returns the text with chips expanded.
    pub(crate) fn clear(&mut self) -> String {
        let text = self.expanded(self.textarea.text());
        self.textarea.take();
        self.pastes.clear();
        self.history.reset();
        text
    }

    /// Records a prompt sent some other way (the initial prompt).
    pub(crate) fn record_history(&mut self, text: &str) {
        self.history.record(text);
    }

    fn expanded(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (chip, content) in &self.pastes {
            text = text.replacen(chip, content, 1);
        }
        text
    }

    pub(crate) fn handle_paste(&mut self, pasted: &str) {
        let pasted = pasted.replace("\r\n", "\n").replace('\r', "\n");
        let chars = pasted.chars().count();
        if chars > LARGE_PASTE_CHARS {
            let mut chip = format!("[Pasted Content {chars} chars]");
            let mut n = 2;
            while self.pastes.iter().any(|(c, _)| *c == chip) {
                chip = format!("[Pasted Content {chars} chars #{n}]");
                n += 1;
            }
            self.textarea.insert_str(&chip);
            self.pastes.push((chip, pasted));
        } else {
            self.textarea.insert_str(&pasted);
        }
        self.history.reset();
    }

    /// An entry the history asked for arrived.
    pub(crate) fn on_history_entry(&mut self, log_id: u64, offset: usize, text: Option<String>) {
        if let Some(text) = self.history.on_entry(log_id, offset, text) {
            self.textarea.set_text(&text);
        }
    }

    fn history_step(&mut self, step: HistoryStep) -> ComposerEvent {
        match step {
            HistoryStep::Show(text) => {
                self.textarea.set_text(&text);
                ComposerEvent::Changed
            }
            HistoryStep::Clear => {
                self.textarea.take();
                ComposerEvent::Changed
            }
            HistoryStep::Fetch { offset, log_id } => ComposerEvent::FetchHistory { offset, log_id },
            HistoryStep::Stay => ComposerEvent::Ignored,
        }
    }

    /// Backspace removes a chip whole.
    fn backspace(&mut self) {
        let before = &self.textarea.text()[..self.textarea.cursor()];
        if let Some(index) = self
            .pastes
            .iter()
            .position(|(chip, _)| before.ends_with(chip.as_str()))
        {
            let (chip, _) = self.pastes.remove(index);
            let end = self.textarea.cursor();
            self.textarea.delete_range(end - chip.len()..end);
        } else {
            self.textarea.backspace();
        }
    }

    /// `/vim`: turns vi-style editing on or off; true when now on.
    pub(crate) fn toggle_vim(&mut self) -> bool {
        self.vim = match self.vim {
            Some(_) => None,
            None => Some(vim::Vim::default()),
        };
        self.vim.is_some()
    }

    /// The vi mode, when vi editing is on.
    pub(crate) fn vim_mode(&self) -> Option<VimMode> {
        self.vim.map(|v| v.mode)
    }

    /// Esc in vi insert mode goes to normal mode; true when it did.
    pub(crate) fn vim_escape(&mut self) -> bool {
        match &mut self.vim {
            Some(vim) if vim.mode == VimMode::Insert => {
                vim.mode = VimMode::Normal;
                self.textarea.left_within_line();
                true
            }
            _ => false,
        }
    }

    pub(crate) fn handle_key(&mut self, key: KeyEvent) -> ComposerEvent {
        if let Some(vim) = &mut self.vim
            && vim.mode == VimMode::Normal
            && key.code != KeyCode::Enter
            && !matches!(key.code, KeyCode::Up | KeyCode::Down)
        {
            return if vim.normal_key(key, &mut self.textarea) {
                self.history.reset_if_edited(self.textarea.text());
                ComposerEvent::Changed
            } else {
                ComposerEvent::Ignored
            };
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        let on_first_line = self.textarea.on_first_line();
        let on_last_line = self.textarea.on_last_line();
        match key.code {
            KeyCode::Enter if !(shift || alt) => {
                let text = self.expanded(self.textarea.text());
                if text.trim().is_empty() {
                    return ComposerEvent::Ignored;
                }
                self.history.record(self.textarea.text());
                self.textarea.take();
                self.pastes.clear();
                return ComposerEvent::Submit(text);
            }
            KeyCode::Up if on_first_line && self.history.should_navigate(self.textarea.text()) => {
                let step = self.history.up();
                return self.history_step(step);
            }
            KeyCode::Down if on_last_line && self.history.should_navigate(self.textarea.text()) => {
                let step = self.history.down();
                return self.history_step(step);
            }
            KeyCode::Backspace if !(alt || ctrl) => {
                self.backspace();
                self.history.reset_if_edited(self.textarea.text());
                return ComposerEvent::Changed;
            }
            KeyCode::Char('h') if ctrl => {
                self.backspace();
                self.history.reset_if_edited(self.textarea.text());
                return ComposerEvent::Changed;
            }
            KeyCode::Char('p') if ctrl => return self.handle_key(KeyEvent::from(KeyCode::Up)),
            KeyCode::Char('n') if ctrl => return self.handle_key(KeyEvent::from(KeyCode::Down)),
            _ => {}
        }
        let t = &mut self.textarea;
        match key.code {
            KeyCode::Enter => t.insert_str("\n"),
            KeyCode::Char('j') if ctrl => t.insert_str("\n"),
            KeyCode::Up if on_first_line => t.home(),
            KeyCode::Down if on_last_line => t.end(),
            KeyCode::Up => t.vertical(true),
            KeyCode::Down => t.vertical(false),
            KeyCode::Backspace => t.kill_word_back(),
            KeyCode::Delete => t.delete(),
            KeyCode::Left if alt || ctrl => t.word_left(),
            KeyCode::Right if alt || ctrl => t.word_right(),
            KeyCode::Left => t.left(),
            KeyCode::Right => t.right(),
            KeyCode::Home => t.home(),
            KeyCode::End => t.end(),
            KeyCode::Char('a') if ctrl => t.home(),
            KeyCode::Char('e') if ctrl => t.end(),
            KeyCode::Char('b') if ctrl => t.left(),
            KeyCode::Char('f') if ctrl => t.right(),
            KeyCode::Char('b') if alt => t.word_left(),
            KeyCode::Char('f') if alt => t.word_right(),
            KeyCode::Char('w') if ctrl => t.kill_whitespace_word_back(),
            KeyCode::Char('d') if alt => t.kill_word_forward(),
            KeyCode::Char('u') if ctrl => t.kill_to_line_start(),
            KeyCode::Char('k') if ctrl => t.kill_to_line_end(),
            KeyCode::Char('y') if ctrl => t.yank(),
            KeyCode::Tab => t.insert_str("    "),
            KeyCode::Char(c) if !ctrl && !alt => {
                let mut utf8 = [0u8; 4];
                t.insert_str(c.encode_utf8(&mut utf8));
            }
            _ => return ComposerEvent::Ignored,
        }
        self.history.reset_if_edited(self.textarea.text());
        ComposerEvent::Changed
    }

    fn chip_ranges(&self) -> Vec<std::ops::Range<usize>> {
        let text = self.textarea.text();
        self.pastes
            .iter()
            .filter_map(|(chip, _)| text.find(chip.as_str()).map(|i| i..i + chip.len()))
            .collect()
    }

    /// The composer's rows at `width` and the row of the cursor.
    fn rows(&self, width: u16, focused: bool) -> (Vec<Line<'static>>, usize) {
        let inner = usize::from(width.saturating_sub(2)).max(2);
        let prompt = Span::styled(
            "› ",
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        );
        if self.textarea.is_empty() {
            let mut spans = vec![prompt];
            if focused {
                spans.push(Span::styled(
                    " ",
                    Style::default().add_modifier(Modifier::REVERSED),
                ));
            }
            spans.push(Span::styled(
                self.placeholder.clone(),
                Style::default().dim(),
            ));
            return (vec![Line::from(spans)], 0);
        }
        let chips = self.chip_ranges();
        let chip_style = Style::default().fg(Color::Magenta);
        let style_of = |offset: usize| {
            if chips.iter().any(|r| r.contains(&offset)) {
                chip_style
            } else {
                Style::default()
            }
        };
        let rendered = self.textarea.render(inner, &style_of);
        let (cursor_row, cursor_col) = rendered.cursor;
        let rows = rendered
            .lines
            .into_iter()
            .enumerate()
            .map(|(index, line)| {
                let mut spans = vec![if index == 0 {
                    prompt.clone()
                } else {
                    Span::raw("  ")
                }];
                let mut line = line;
                if focused && index == cursor_row {
                    line = with_cursor(line, cursor_col);
                }
                spans.extend(line.spans);
                Line::from(spans)
            })
            .collect();
        (rows, cursor_row)
    }

    pub(crate) fn desired_height(&self, width: u16) -> u16 {
        let (rows, _) = self.rows(width, true);
        rows.len().min(MAX_ROWS) as u16
    }

    /// Draws the composer into `area`, scrolled so the cursor shows, with
    /// its own cursor (a reversed cell) when `focused`.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer, focused: bool) {
        let (rows, cursor_row) = self.rows(area.width, focused);
        let height = usize::from(area.height);
        let first = (cursor_row + 1).saturating_sub(height);
        for (y, line) in rows.iter().skip(first).take(height).enumerate() {
            buf.set_line(area.x, area.y + y as u16, line, area.width);
        }
    }

    /// Draws the composer into `area` without a drawn cursor and returns
    /// where the terminal's own cursor goes (so input methods and screen
    /// readers follow the text).
    pub(crate) fn render_for_terminal_cursor(
        &self,
        area: Rect,
        buf: &mut Buffer,
    ) -> Option<(u16, u16)> {
        self.render(area, buf, false);
        if area.height == 0 {
            return None;
        }
        let (row, column) = if self.textarea.is_empty() {
            (0, 0)
        } else {
            let inner = usize::from(area.width.saturating_sub(2)).max(2);
            self.textarea.render(inner, &|_| Style::default()).cursor
        };
        let height = usize::from(area.height);
        let first = (row + 1).saturating_sub(height);
        let x = (2 + column).min(usize::from(area.width.saturating_sub(1)));
        Some((area.x + x as u16, area.y + (row - first) as u16))
    }
}

impl PromptHistory {
    /// Editing a recalled entry ends the walk through the history.
    fn reset_if_edited(&mut self, text: &str) {
        if !self.should_navigate(text) {
            self.reset();
        }
    }
}

/// `line` with the cell at `column` drawn as the cursor.
fn with_cursor(line: Line<'static>, column: usize) -> Line<'static> {
    use unicode_segmentation::UnicodeSegmentation;
    use unicode_width::UnicodeWidthStr;
    let cursor_style = Style::default().add_modifier(Modifier::REVERSED);
    let mut spans = Vec::new();
    let mut used = 0;
    let mut placed = false;
    for span in line.spans {
        if placed {
            spans.push(span);
            continue;
        }
        let mut before = String::new();
        let mut rest = None;
        for (index, grapheme) in span.content.grapheme_indices(true) {
            if used == column {
                rest = Some(index);
                break;
            }
            used += grapheme.width();
            before.push_str(grapheme);
        }
        match rest {
            None => spans.push(Span::styled(before, span.style)),
            Some(index) => {
                let content = span.content.to_string();
                let tail = &content[index..];
                let mut graphemes = tail.graphemes(true);
                let under = graphemes.next().unwrap_or(" ").to_string();
                let after: String = graphemes.collect();
                if !before.is_empty() {
                    spans.push(Span::styled(before, span.style));
                }
                spans.push(Span::styled(under, span.style.patch(cursor_style)));
                if !after.is_empty() {
                    spans.push(Span::styled(after, span.style));
                }
                placed = true;
            }
        }
    }
    if !placed {
        spans.push(Span::styled(" ", cursor_style));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::from(code)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn typed(composer: &mut Composer, text: &str) {
        for c in text.chars() {
            composer.handle_key(key(KeyCode::Char(c)));
        }
    }

    #[test]
    fn enter_sends_and_shift_enter_or_ctrl_j_break_lines() {
        let mut composer = Composer::default();
        typed(&mut composer, "one");
        composer.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT));
        typed(&mut composer, "two");
        composer.handle_key(ctrl('j'));
        typed(&mut composer, "three");
        assert_eq!(
            composer.handle_key(key(KeyCode::Enter)),
            ComposerEvent::Submit("one\ntwo\nthree".into())
        );
        assert!(composer.is_empty());
        // Blank input is not sent.
        typed(&mut composer, "  ");
        assert_eq!(
            composer.handle_key(key(KeyCode::Enter)),
            ComposerEvent::Ignored
        );
    }

    #[test]
    fn large_pastes_become_chips_that_expand_and_delete_whole() {
        let mut composer = Composer::default();
        let big = "x".repeat(1500);
        typed(&mut composer, "see ");
        composer.handle_paste(&big);
        assert_eq!(composer.text(), "see [Pasted Content 1500 chars]");
        composer.handle_paste("\r\nsmall");
        assert_eq!(composer.text(), "see [Pasted Content 1500 chars]\nsmall");
        assert_eq!(
            composer.handle_key(key(KeyCode::Enter)),
            ComposerEvent::Submit(format!("see {big}\nsmall"))
        );
        typed(&mut composer, "a");
        composer.handle_paste(&big);
        composer.handle_key(key(KeyCode::Backspace));
        assert_eq!(composer.text(), "a");
    }

    #[test]
    fn up_recalls_only_from_an_empty_or_recalled_composer() {
        let mut composer = Composer::new(PromptHistory::new(1, 0), "");
        typed(&mut composer, "first");
        composer.handle_key(key(KeyCode::Enter));
        assert_eq!(
            composer.handle_key(key(KeyCode::Up)),
            ComposerEvent::Changed
        );
        assert_eq!(composer.text(), "first");
        typed(&mut composer, "!");
        composer.handle_key(key(KeyCode::Up));
        // Edited: Up went to the start of the line instead.
        assert_eq!(composer.text(), "first!");
        composer.handle_key(key(KeyCode::Char('>')));
        assert_eq!(composer.text(), ">first!");
    }

    #[test]
    fn the_file_history_is_fetched_through_the_engine() {
        let mut composer = Composer::new(PromptHistory::new(9, 5), "");
        assert_eq!(
            composer.handle_key(key(KeyCode::Up)),
            ComposerEvent::FetchHistory {
                offset: 4,
                log_id: 9
            }
        );
        composer.on_history_entry(9, 4, Some("from the file".into()));
        assert_eq!(composer.text(), "from the file");
    }
}
