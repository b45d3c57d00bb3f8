//! The session picker of `codex resume` and `codex fork`: recorded
//! sessions newest first (when, where, the first prompt), filtered as you
//! type.

use std::path::PathBuf;

use codex_core::ThreadSummary;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::footer::short_path;
use crate::modal::Modal;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PickerOutcome {
    /// This session file.
    Picked(PathBuf),
    /// Esc: start a new session instead.
    StartNew,
    Quit,
}

pub(crate) struct Picker {
    sessions: Vec<ThreadSummary>,
    query: String,
    selected: usize,
    /// Sessions from other directories are listed (`--all`): show where.
    show_cwd: bool,
    verb: &'static str,
    now: i64,
}

impl Picker {
    pub(crate) fn new(sessions: Vec<ThreadSummary>, show_cwd: bool, verb: &'static str) -> Self {
        Self {
            sessions,
            query: String::new(),
            selected: 0,
            show_cwd,
            verb,
            now: chrono::Utc::now().timestamp(),
        }
    }

    fn matches(&self) -> Vec<&ThreadSummary> {
        let query = self.query.to_lowercase();
        self.sessions
            .iter()
            .filter(|s| {
                query.is_empty()
                    || s.title.to_lowercase().contains(&query)
                    || s.cwd.display().to_string().to_lowercase().contains(&query)
                    || s.id.starts_with(&query)
            })
            .collect()
    }
}

/// "just now", "5m ago", "3h ago", "2d ago". A time in milliseconds (as
/// other writers of the same state database may store it) is read as such
/// rather than as a time far in the future, which read "just now".
pub(crate) fn ago(now: i64, then: i64) -> String {
    const MILLISECONDS_FROM: i64 = 100_000_000_000;
    let then = if then >= MILLISECONDS_FROM {
        then / 1000
    } else {
        then
    };
    let secs = (now - then).max(0);
    match secs {
        0..60 => "just now".to_string(),
        60..3600 => format!("{}m ago", secs / 60),
        3600..86_400 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86_400),
    }
}

fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return format!("{text}{}", " ".repeat(width - text.width()));
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = UnicodeWidthStr::width(ch.to_string().as_str());
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

impl Modal for Picker {
    type Outcome = PickerOutcome;

    fn lines(&self, width: u16, height: u16) -> Vec<Line<'static>> {
        let width = usize::from(width.max(30));
        let matches = self.matches();
        let mut lines = vec![
            Line::default(),
            Line::from(vec![
                Span::raw("  "),
                format!("{} a session", self.verb).bold(),
                format!("  {} of {}", matches.len(), self.sessions.len()).dim(),
            ]),
            Line::from(vec![
                Span::raw("  Search: "),
                Span::raw(self.query.clone()),
                Span::styled(" ", Style::default().add_modifier(Modifier::REVERSED)),
            ]),
            Line::default(),
        ];
        let rows = usize::from(height).saturating_sub(lines.len() + 2).max(3);
        let first = self.selected.saturating_sub(rows.saturating_sub(1));
        if matches.is_empty() {
            let text = if self.sessions.is_empty() {
                "  No recorded sessions yet.".to_string()
            } else {
                "  No session matches.".to_string()
            };
            lines.push(Line::from(text.dim()));
        }
        for (index, session) in matches.iter().enumerate().skip(first).take(rows) {
            let selected = index == self.selected;
            let marker = if selected { "› " } else { "  " };
            let when = format!(
                "{:<9}",
                ago(self.now, session.updated_at.max(session.created_at))
            );
            let mut spans = vec![
                Span::raw(marker),
                Span::styled(when, Style::default().dim()),
                Span::raw(" "),
            ];
            let mut used = 2 + 9 + 1;
            if self.show_cwd {
                let cwd = fit(&short_path(&session.cwd), 24);
                used += cwd.width() + 1;
                spans.push(Span::styled(cwd, Style::default().fg(Color::Blue)));
                spans.push(Span::raw(" "));
            }
            let title = session.title.lines().next().unwrap_or_default();
            let title = if title.is_empty() {
                "(no message)"
            } else {
                title
            };
            spans.push(Span::raw(fit(title, width.saturating_sub(used + 1))));
            let mut line = Line::from(spans);
            if selected {
                line = line.style(
                    Style::default()
                        .fg(Color::Cyan)
                        .add_modifier(Modifier::BOLD),
                );
            }
            lines.push(line);
        }
        lines.push(Line::default());
        lines.push(Line::from(
            format!(
                "  ⏎ {} · esc start a new session · ↑↓ move · type to search",
                self.verb.to_lowercase()
            )
            .dim(),
        ));
        lines
    }

    fn handle_key(&mut self, key: KeyEvent) -> Option<PickerOutcome> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let count = self.matches().len();
        match key.code {
            KeyCode::Char('c') if ctrl => return Some(PickerOutcome::Quit),
            KeyCode::Esc => return Some(PickerOutcome::StartNew),
            KeyCode::Enter => {
                return self
                    .matches()
                    .get(self.selected)
                    .map(|s| PickerOutcome::Picked(s.rollout_path.clone()));
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Char('p') if ctrl => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected = (self.selected + 1).min(count.saturating_sub(1)),
            KeyCode::Char('n') if ctrl => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1))
            }
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(count.saturating_sub(1)),
            KeyCode::Backspace => {
                self.query.pop();
                self.selected = 0;
            }
            KeyCode::Char(c) if !ctrl => {
                self.query.push(c);
                self.selected = 0;
            }
            _ => {}
        }
        None
    }

    fn handle_paste(&mut self, text: &str) {
        self.query.push_str(text.trim());
        self.selected = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    pub(crate) fn session(id: &str, title: &str, cwd: &str, at: i64) -> ThreadSummary {
        ThreadSummary {
            id: id.to_string(),
            rollout_path: PathBuf::from(format!("/sessions/{id}.jsonl")),
            created_at: at,
            updated_at: at,
            cwd: PathBuf::from(cwd),
            title: title.to_string(),
            source: "cli".to_string(),
            model_provider: "openai".to_string(),
            model: None,
            archived: false,
            git_branch: None,
            parent_thread_id: None,
        }
    }

    #[test]
    fn typing_filters_and_enter_picks() {
        let mut picker = Picker::new(
            vec![
                session("a1", "fix the parser", "/repo", 100),
                session("b2", "write docs", "/repo", 90),
            ],
            false,
            "Resume",
        );
        for c in "docs".chars() {
            picker.handle_key(KeyEvent::from(KeyCode::Char(c)));
        }
        assert_eq!(
            picker.handle_key(KeyEvent::from(KeyCode::Enter)),
            Some(PickerOutcome::Picked(PathBuf::from("/sessions/b2.jsonl")))
        );
        assert_eq!(
            picker.handle_key(KeyEvent::from(KeyCode::Esc)),
            Some(PickerOutcome::StartNew)
        );
    }

    #[test]
    fn times_read_naturally() {
        assert_eq!(ago(1000, 990), "just now");
        let now = 1_800_000_000;
        assert_eq!(ago(now, (now - 7200) * 1000), "2h ago");
        assert_eq!(ago(10_000, 10_000 - 300), "5m ago");
        assert_eq!(ago(100_000, 100_000 - 3 * 86_400), "3d ago");
    }
}
