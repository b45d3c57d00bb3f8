//! A full-screen pager on the alternate screen: the transcript (Ctrl-T),
//! and the working tree's diff (`/diff`).
//!
//! Scroll with the arrows, j/k, PgUp/PgDn, space, g/G or Home/End; `/`
//! searches (case-insensitive), `n`/`N` go to the next and previous match;
//! q or Esc closes.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PagerAction {
    None,
    Close,
}

pub(crate) struct Pager {
    title: String,
    lines: Vec<Line<'static>>,
    /// Plain text of each line, lowercased, for search.
    text: Vec<String>,
    top: usize,
    input: Option<String>,
    search: Option<String>,
    matches: Vec<usize>,
    current: usize,
    height: usize,
}

impl Pager {
    pub(crate) fn new(title: impl Into<String>, lines: Vec<Line<'static>>) -> Self {
        let text = lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
                    .to_lowercase()
            })
            .collect();
        Self {
            title: title.into(),
            lines,
            text,
            top: usize::MAX,
            input: None,
            search: None,
            matches: Vec::new(),
            current: 0,
            height: 24,
        }
    }

    fn page(&self) -> usize {
        self.height.saturating_sub(1).max(1)
    }

    fn max_top(&self) -> usize {
        self.lines.len().saturating_sub(self.page())
    }

    fn clamp(&mut self) {
        self.top = self.top.min(self.max_top());
    }

    fn run_search(&mut self, query: String) {
        let needle = query.to_lowercase();
        self.matches = self
            .text
            .iter()
            .enumerate()
            .filter(|(_, t)| !needle.is_empty() && t.contains(&needle))
            .map(|(i, _)| i)
            .collect();
        self.search = Some(query);
        // The first match at or below the current view.
        self.current = self
            .matches
            .iter()
            .position(|&m| m >= self.top.min(self.max_top()))
            .unwrap_or(0);
        self.show_current();
    }

    fn show_current(&mut self) {
        if let Some(&line) = self.matches.get(self.current) {
            self.top = line.saturating_sub(self.page() / 3);
            self.clamp();
        }
    }

    pub(crate) fn handle_key(&mut self, key: KeyEvent) -> PagerAction {
        self.clamp();
        if let Some(input) = &mut self.input {
            match key.code {
                KeyCode::Enter => {
                    let query = std::mem::take(input);
                    self.input = None;
                    self.run_search(query);
                }
                KeyCode::Esc => self.input = None,
                KeyCode::Backspace => {
                    input.pop();
                }
                KeyCode::Char(c) => input.push(c),
                _ => {}
            }
            return PagerAction::None;
        }
        let page = self.page();
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return PagerAction::Close,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return PagerAction::Close;
            }
            KeyCode::Char('t') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return PagerAction::Close;
            }
            KeyCode::Down | KeyCode::Char('j') => self.top += 1,
            KeyCode::Up | KeyCode::Char('k') => self.top = self.top.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.top += page,
            KeyCode::PageUp | KeyCode::Char('b') => self.top = self.top.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => self.top = 0,
            KeyCode::End | KeyCode::Char('G') => self.top = usize::MAX,
            KeyCode::Char('/') => self.input = Some(String::new()),
            KeyCode::Char('n') if !self.matches.is_empty() => {
                self.current = (self.current + 1) % self.matches.len();
                self.show_current();
            }
            KeyCode::Char('N') if !self.matches.is_empty() => {
                self.current = self
                    .current
                    .checked_sub(1)
                    .unwrap_or(self.matches.len() - 1);
                self.show_current();
            }
            _ => {}
        }
        self.clamp();
        PagerAction::None
    }

    /// The whole screen at `width` × `height`.
    pub(crate) fn render(&mut self, width: u16, height: u16) -> Buffer {
        self.height = usize::from(height.max(2));
        self.clamp();
        let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
        let page = self.page();
        let search = self.search.as_ref().map(|s| s.to_lowercase());
        for (row, index) in (self.top..self.lines.len()).take(page).enumerate() {
            let mut line = self.lines[index].clone();
            if search
                .as_ref()
                .is_some_and(|s| !s.is_empty() && self.text[index].contains(s.as_str()))
            {
                let current = self.matches.get(self.current) == Some(&index);
                let style = if current {
                    Style::default().bg(Color::Yellow).fg(Color::Black)
                } else {
                    Style::default().add_modifier(Modifier::REVERSED)
                };
                line = line.patch_style(style);
            }
            buf.set_line(0, row as u16, &line, width);
        }
        let status = if let Some(input) = &self.input {
            Line::from(vec![
                Span::raw("/"),
                Span::raw(input.clone()),
                Span::styled(" ", Style::default().add_modifier(Modifier::REVERSED)),
            ])
        } else {
            let position = if self.lines.is_empty() {
                "empty".to_string()
            } else {
                let bottom = (self.top + page).min(self.lines.len());
                format!("{}–{} of {}", self.top + 1, bottom, self.lines.len())
            };
            let keys = "q close · / search · n/N next/prev";
            let found = match (&self.search, self.matches.len()) {
                (Some(query), 0) => format!(" · no match for {query:?}"),
                (Some(_), n) => format!(" · match {} of {n}", self.current + 1),
                (None, _) => String::new(),
            };
            Line::from(vec![
                Span::styled(
                    format!(" {} ", self.title),
                    Style::default().add_modifier(Modifier::REVERSED),
                ),
                format!(" {position}{found} · {keys}").dim(),
            ])
        };
        buf.set_line(0, height.saturating_sub(1), &status, width);
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::buffer_text;
    use insta::assert_snapshot;

    fn lines(n: usize) -> Vec<Line<'static>> {
        (0..n).map(|i| Line::from(format!("line {i}"))).collect()
    }

    #[test]
    fn scrolls_searches_and_closes() {
        let mut pager = Pager::new("Transcript", lines(50));
        pager.render(40, 10);
        // Opens at the bottom.
        assert!(buffer_text(&pager.render(40, 10)).contains("line 49"));
        pager.handle_key(KeyEvent::from(KeyCode::Char('g')));
        assert!(buffer_text(&pager.render(40, 10)).starts_with("line 0"));
        for c in "/line 3".chars() {
            pager.handle_key(KeyEvent::from(KeyCode::Char(c)));
        }
        pager.handle_key(KeyEvent::from(KeyCode::Enter));
        assert_snapshot!("pager_search", buffer_text(&pager.render(40, 10)));
        pager.handle_key(KeyEvent::from(KeyCode::Char('n')));
        assert!(buffer_text(&pager.render(40, 10)).contains("match 2 of 11"));
        assert_eq!(
            pager.handle_key(KeyEvent::from(KeyCode::Char('q'))),
            PagerAction::Close
        );
    }
}
