//! First-run questions: whether to trust the project (recorded per project
//! in `config.toml`, as the reference does), and an API key when the
//! provider has none (stored in `auth.json`, 0600) or how to set one.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};

use crate::modal::Modal;
use crate::wrap::wrap_line;

fn paragraph(text: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    wrap_line(
        &Line::styled(text.to_string(), style),
        usize::from(width.max(20)),
        &[Span::raw("  ")],
        &[Span::raw("  ")],
    )
}

fn choices(labels: &[&str], selected: usize) -> Vec<Line<'static>> {
    labels
        .iter()
        .enumerate()
        .map(|(index, label)| {
            if index == selected {
                Line::from(Span::styled(
                    format!("› {}. {label}", index + 1),
                    Style::default()
                        .fg(Color::Cyan)
                        .add_modifier(Modifier::BOLD),
                ))
            } else {
                Line::from(format!("  {}. {label}", index + 1))
            }
        })
        .collect()
}

/// The answer to "trust this folder?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrustAnswer {
    Trust,
    DoNotTrust,
    Quit,
}

pub(crate) struct TrustScreen {
    pub project: PathBuf,
    selected: usize,
}

impl TrustScreen {
    pub(crate) fn new(project: PathBuf) -> Self {
        Self {
            project,
            selected: 0,
        }
    }
}

const TRUST_CHOICES: [&str; 2] = [
    "Yes, trust this folder (Codex edits and runs commands here, and asks before going outside it)",
    "No, keep it read-only (Codex asks before every edit and command)",
];

impl Modal for TrustScreen {
    type Outcome = TrustAnswer;

    fn lines(&self, width: u16, _height: u16) -> Vec<Line<'static>> {
        let mut lines = vec![Line::default()];
        lines.push(Line::from(vec![
            Span::raw("  "),
            "Folder: ".bold(),
            Span::raw(self.project.display().to_string()),
        ]));
        lines.push(Line::default());
        lines.extend(paragraph(
            "Do you trust the files in this folder? Codex reads them and follows what they say, \
             so untrusted files can steer it. Your answer is saved in config.toml for this project.",
            width,
            Style::default(),
        ));
        lines.push(Line::default());
        for line in choices(&TRUST_CHOICES, self.selected) {
            lines.extend(wrap_line(
                &line,
                usize::from(width.max(20)),
                &[],
                &[Span::raw("     ")],
            ));
        }
        lines.push(Line::default());
        lines.push(Line::from("  ⏎ choose · 1/2 · esc quit".dim()));
        lines
    }

    fn handle_key(&mut self, key: KeyEvent) -> Option<TrustAnswer> {
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(TrustAnswer::Quit)
            }
            KeyCode::Esc | KeyCode::Char('q') => Some(TrustAnswer::Quit),
            KeyCode::Up | KeyCode::Down | KeyCode::Tab => {
                self.selected = 1 - self.selected;
                None
            }
            KeyCode::Char('1') | KeyCode::Char('y') => Some(TrustAnswer::Trust),
            KeyCode::Char('2') | KeyCode::Char('n') => Some(TrustAnswer::DoNotTrust),
            KeyCode::Enter => Some(if self.selected == 0 {
                TrustAnswer::Trust
            } else {
                TrustAnswer::DoNotTrust
            }),
            _ => None,
        }
    }
}

/// What the API key screen ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyAnswer {
    Key(String),
    Quit,
}

/// Asks for a key (providers that take the stored OpenAI key), or explains
/// which variable to set (the others).
pub(crate) struct ApiKeyScreen {
    pub provider_name: String,
    pub env_key: Option<String>,
    pub instructions: Option<String>,
    /// False: only explain, there is nowhere to store a key for it.
    pub can_store: bool,
    pub auth_file: PathBuf,
    input: String,
    pub error: Option<String>,
}

impl ApiKeyScreen {
    pub(crate) fn new(
        provider_name: String,
        env_key: Option<String>,
        instructions: Option<String>,
        can_store: bool,
        auth_file: PathBuf,
    ) -> Self {
        Self {
            provider_name,
            env_key,
            instructions,
            can_store,
            auth_file,
            input: String::new(),
            error: None,
        }
    }
}

impl Modal for ApiKeyScreen {
    type Outcome = KeyAnswer;

    fn lines(&self, width: u16, _height: u16) -> Vec<Line<'static>> {
        let mut lines = vec![Line::default()];
        lines.push(Line::from(vec![
            Span::raw("  "),
            format!("No API key for {}", self.provider_name).bold(),
        ]));
        lines.push(Line::default());
        let var = self
            .env_key
            .clone()
            .unwrap_or_else(|| "its key variable".to_string());
        if self.can_store {
            lines.extend(paragraph(
                &format!(
                    "Paste an API key and press Enter. It is stored in {} (readable only by you). \
                     Or quit and set {var}.",
                    self.auth_file.display()
                ),
                width,
                Style::default(),
            ));
        } else {
            lines.extend(paragraph(
                &format!(
                    "This provider reads its key from the environment variable {var}. Set it \
                     (export {var}=...) and start codex again."
                ),
                width,
                Style::default(),
            ));
        }
        if let Some(instructions) = &self.instructions {
            lines.extend(paragraph(instructions, width, Style::default().dim()));
        }
        lines.push(Line::default());
        if self.can_store {
            let masked = mask(&self.input);
            lines.push(Line::from(vec![
                Span::raw("  Key: "),
                Span::raw(masked),
                Span::styled(" ", Style::default().add_modifier(Modifier::REVERSED)),
            ]));
            if let Some(error) = &self.error {
                lines.extend(paragraph(error, width, Style::default().fg(Color::Red)));
            }
            lines.push(Line::default());
            lines.push(Line::from("  ⏎ save · esc quit".dim()));
        } else {
            lines.push(Line::from("  esc quit".dim()));
        }
        lines
    }

    fn handle_key(&mut self, key: KeyEvent) -> Option<KeyAnswer> {
        match key.code {
            KeyCode::Esc => Some(KeyAnswer::Quit),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(KeyAnswer::Quit)
            }
            _ if !self.can_store => None,
            KeyCode::Enter => {
                let key = self.input.trim().to_string();
                if key.is_empty() {
                    self.error = Some("Paste a key first.".to_string());
                    None
                } else {
                    Some(KeyAnswer::Key(key))
                }
            }
            KeyCode::Backspace => {
                self.input.pop();
                None
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.input.clear();
                None
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.input.push(c);
                self.error = None;
                None
            }
            _ => None,
        }
    }

    fn handle_paste(&mut self, text: &str) {
        if self.can_store {
            self.input.push_str(text.trim());
            self.error = None;
        }
    }
}

/// The key as dots, its first characters kept so the person can tell which.
fn mask(key: &str) -> String {
    let count = key.chars().count();
    let shown: String = key.chars().take(count.min(6).saturating_sub(2)).collect();
    format!("{shown}{}", "•".repeat(count - shown.chars().count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_masked() {
        assert_eq!(mask("sk-abcdefgh"), "sk-a•••••••");
        assert_eq!(mask("ab"), "••");
    }

    #[test]
    fn trust_answers() {
        let mut screen = TrustScreen::new(PathBuf::from("/repo"));
        assert_eq!(
            screen.handle_key(KeyEvent::from(KeyCode::Enter)),
            Some(TrustAnswer::Trust)
        );
        screen.handle_key(KeyEvent::from(KeyCode::Down));
        assert_eq!(
            screen.handle_key(KeyEvent::from(KeyCode::Enter)),
            Some(TrustAnswer::DoNotTrust)
        );
        assert_eq!(
            screen.handle_key(KeyEvent::from(KeyCode::Esc)),
            Some(TrustAnswer::Quit)
        );
    }
}
