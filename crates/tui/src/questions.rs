//! The model's questions (`request_user_input`): a picker over the composer,
//! one question at a time, each with its options and a last "Other" row
//! that takes the person's own words.
//!
//! Keys: ↑/↓ (or k/j) move, Enter chooses, a digit chooses that row
//! directly; on "Other" (or typing any other letter) the prompt becomes a
//! one-line text field: Enter sends it, Esc goes back to the options.
//! Esc on the options interrupts the turn (the engine then drops the
//! question). When the last question is answered the answers go back to
//! the engine together, keyed by question id, as the reference's client
//! sends them. While one is open it has the keyboard; requests that arrive
//! meanwhile wait in order.

use std::collections::VecDeque;

use codex_protocol::user_questions::{
    Question, QuestionAnswer, RequestUserInputEvent, RequestUserInputResponse,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};

use crate::wrap::wrap_line;

/// What a key did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum QuestionsOutcome {
    /// Every question of a request is answered.
    Answered {
        call_id: String,
        /// (header, answer) per question, for the transcript.
        summary: Vec<(String, String)>,
        response: RequestUserInputResponse,
    },
    /// The person wants the turn stopped.
    Interrupt,
}

#[derive(Debug)]
struct Open {
    request: RequestUserInputEvent,
    /// The question shown (index into `request.questions`).
    current: usize,
    selected: usize,
    /// Some while the person types an answer of their own.
    typing: Option<String>,
    summary: Vec<(String, String)>,
    response: RequestUserInputResponse,
}

impl Open {
    fn question(&self) -> Option<&Question> {
        self.request.questions.get(self.current)
    }

    /// Rows of the current question: its options, then "Other" when the
    /// person may answer freely.
    fn rows(&self) -> usize {
        self.question()
            .map(|q| q.options.len() + usize::from(q.is_other || q.options.is_empty()))
            .unwrap_or(0)
    }

    fn other_row(&self) -> Option<usize> {
        let q = self.question()?;
        (q.is_other || q.options.is_empty()).then_some(q.options.len())
    }
}

#[derive(Debug, Default)]
pub(crate) struct Questions {
    open: Option<Open>,
    waiting: VecDeque<RequestUserInputEvent>,
}

impl Questions {
    pub(crate) fn push(&mut self, request: RequestUserInputEvent) {
        if self.open.is_none() {
            self.open = Some(open_request(request));
        } else {
            self.waiting.push_back(request);
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// Whether the person is typing an answer (pastes go there).
    pub(crate) fn is_typing(&self) -> bool {
        self.open.as_ref().is_some_and(|o| o.typing.is_some())
    }

    /// Drops every question (the turn ended; the engine has dropped them).
    pub(crate) fn clear(&mut self) {
        self.open = None;
        self.waiting.clear();
    }

    /// Drops the request of `call_id` (answered elsewhere, or ended).
    pub(crate) fn remove(&mut self, call_id: &str) {
        self.waiting.retain(|r| r.call_id != call_id);
        if self
            .open
            .as_ref()
            .is_some_and(|o| o.request.call_id == call_id)
        {
            self.open = self.waiting.pop_front().map(open_request);
        }
    }

    pub(crate) fn paste(&mut self, text: &str) {
        if let Some(typing) = self.open.as_mut().and_then(|o| o.typing.as_mut()) {
            typing.push_str(&text.replace(['\n', '\r'], " "));
        }
    }

    pub(crate) fn handle_key(&mut self, key: KeyEvent) -> Option<QuestionsOutcome> {
        let open = self.open.as_mut()?;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return Some(QuestionsOutcome::Interrupt);
        }
        if let Some(typing) = &mut open.typing {
            match key.code {
                KeyCode::Esc => open.typing = None,
                KeyCode::Backspace => {
                    typing.pop();
                }
                KeyCode::Enter => {
                    let text = typing.trim().to_string();
                    if !text.is_empty() {
                        return self.choose(text);
                    }
                }
                KeyCode::Char(c) if !ctrl => typing.push(c),
                _ => {}
            }
            return None;
        }
        let rows = open.rows();
        match key.code {
            KeyCode::Esc => return Some(QuestionsOutcome::Interrupt),
            KeyCode::Up | KeyCode::Char('k') if rows > 0 => {
                open.selected = open.selected.checked_sub(1).unwrap_or(rows - 1);
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab if rows > 0 => {
                open.selected = (open.selected + 1) % rows;
            }
            KeyCode::Enter => return self.choose_row(self.open.as_ref()?.selected),
            KeyCode::Char(c) if !ctrl => {
                if let Some(digit) = c.to_digit(10).map(|d| d as usize)
                    && (1..=rows).contains(&digit)
                {
                    return self.choose_row(digit - 1);
                }
                // Any other letter starts an answer of one's own.
                if open.other_row().is_some() && !c.is_ascii_digit() {
                    open.selected = open.other_row().unwrap_or(0);
                    open.typing = Some(c.to_string());
                }
            }
            _ => {}
        }
        None
    }

    fn choose_row(&mut self, row: usize) -> Option<QuestionsOutcome> {
        let open = self.open.as_mut()?;
        let question = open.question()?;
        if let Some(option) = question.options.get(row) {
            let label = option.label.clone();
            return self.choose(label);
        }
        if open.other_row() == Some(row) {
            open.selected = row;
            open.typing = Some(String::new());
        }
        None
    }

    /// Records `answer` for the current question; after the last one, the
    /// request is answered.
    fn choose(&mut self, answer: String) -> Option<QuestionsOutcome> {
        let open = self.open.as_mut()?;
        let question = open.question()?;
        let (id, header) = (question.id.clone(), question.header.clone());
        open.summary.push((header, answer.clone()));
        open.response.answers.insert(
            id,
            QuestionAnswer {
                answers: vec![answer],
            },
        );
        open.current += 1;
        open.selected = 0;
        open.typing = None;
        if open.current < open.request.questions.len() {
            return None;
        }
        let done = self.open.take()?;
        self.open = self.waiting.pop_front().map(open_request);
        Some(QuestionsOutcome::Answered {
            call_id: done.request.call_id,
            summary: done.summary,
            response: done.response,
        })
    }

    /// The picker's rows at `width`, at most `max_rows`.
    pub(crate) fn lines(&self, width: u16, max_rows: usize) -> Vec<Line<'static>> {
        let Some(open) = &self.open else {
            return Vec::new();
        };
        let Some(question) = open.question() else {
            return Vec::new();
        };
        let width = usize::from(width.max(20));
        let bar = || vec![Span::styled("▌ ", Style::default().fg(Color::Magenta))];
        let mut lines = Vec::new();
        let count = open.request.questions.len();
        let title = if count > 1 {
            format!(
                "Codex asks ({}/{count}): {}",
                open.current + 1,
                question.header
            )
        } else {
            format!("Codex asks: {}", question.header)
        };
        lines.extend(wrap_line(&Line::from(title.bold()), width, &bar(), &bar()));
        lines.extend(wrap_line(
            &Line::from(question.question.clone()),
            width,
            &bar(),
            &bar(),
        ));
        lines.push(Line::from(bar()));
        let highlight = Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD);
        for (index, option) in question.options.iter().enumerate() {
            let selected = index == open.selected && open.typing.is_none();
            let marker = if selected { "› " } else { "  " };
            let style = if selected {
                highlight
            } else {
                Style::default()
            };
            let mut spans = bar();
            spans.push(Span::styled(
                format!("{marker}{}. {}", index + 1, option.label),
                style,
            ));
            if !option.description.is_empty() {
                spans.push(format!("  {}", option.description).dim());
            }
            lines.extend(wrap_line(&Line::from(spans), width, &[], &bar()));
        }
        if let Some(row) = open.other_row() {
            let selected = row == open.selected;
            let marker = if selected { "› " } else { "  " };
            let mut spans = bar();
            match &open.typing {
                Some(text) => {
                    spans.push(Span::styled(
                        format!("{marker}{}. Other: ", row + 1),
                        highlight,
                    ));
                    let shown = if question.is_secret {
                        "•".repeat(text.chars().count())
                    } else {
                        text.clone()
                    };
                    spans.push(Span::raw(shown));
                    spans.push(Span::styled("▏", Style::default().fg(Color::Cyan)));
                }
                None => {
                    let style = if selected {
                        highlight
                    } else {
                        Style::default()
                    };
                    spans.push(Span::styled(
                        format!("{marker}{}. Other (type your answer)", row + 1),
                        style,
                    ));
                }
            }
            lines.extend(wrap_line(&Line::from(spans), width, &[], &bar()));
        }
        if !self.waiting.is_empty() {
            let mut spans = bar();
            spans.push(format!("{} more waiting", self.waiting.len()).dim());
            lines.push(Line::from(spans));
        }
        // The question stays; options give way from the bottom when short.
        lines.truncate(max_rows.max(3));
        lines
    }
}

fn open_request(request: RequestUserInputEvent) -> Open {
    Open {
        request,
        current: 0,
        selected: 0,
        typing: None,
        summary: Vec::new(),
        response: RequestUserInputResponse::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_protocol::user_questions::QuestionOption;

    fn question(id: &str, labels: &[&str]) -> Question {
        Question {
            id: id.into(),
            header: id.to_uppercase(),
            question: format!("{id}?"),
            options: labels
                .iter()
                .map(|l| QuestionOption {
                    label: l.to_string(),
                    description: format!("about {l}"),
                })
                .collect(),
            is_other: true,
            is_secret: false,
        }
    }

    fn request(call_id: &str) -> RequestUserInputEvent {
        RequestUserInputEvent {
            call_id: call_id.into(),
            turn_id: "t".into(),
            questions: vec![
                question("color", &["Red", "Blue"]),
                question("size", &["S", "M"]),
            ],
        }
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::from(code)
    }

    #[test]
    fn digits_arrows_and_free_text_answer_in_order() {
        let mut questions = Questions::default();
        questions.push(request("c1"));
        assert_eq!(questions.handle_key(key(KeyCode::Char('2'))), None);
        // Second question: Down twice reaches "Other", Enter opens the field.
        questions.handle_key(key(KeyCode::Down));
        questions.handle_key(key(KeyCode::Down));
        assert_eq!(questions.handle_key(key(KeyCode::Enter)), None);
        assert!(questions.is_typing());
        for c in "XL!".chars() {
            questions.handle_key(key(KeyCode::Char(c)));
        }
        questions.handle_key(key(KeyCode::Backspace));
        let Some(QuestionsOutcome::Answered {
            call_id,
            summary,
            response,
        }) = questions.handle_key(key(KeyCode::Enter))
        else {
            panic!("not answered");
        };
        assert_eq!(call_id, "c1");
        assert_eq!(
            summary,
            vec![
                ("COLOR".into(), "Blue".into()),
                ("SIZE".into(), "XL".into())
            ]
        );
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            serde_json::json!({"answers": {"color": {"answers": ["Blue"]}, "size": {"answers": ["XL"]}}})
        );
        assert!(!questions.is_open());
    }

    #[test]
    fn esc_leaves_the_field_then_interrupts() {
        let mut questions = Questions::default();
        questions.push(request("c1"));
        questions.handle_key(key(KeyCode::Char('m')));
        assert!(questions.is_typing());
        assert_eq!(questions.handle_key(key(KeyCode::Esc)), None);
        assert!(!questions.is_typing());
        assert_eq!(
            questions.handle_key(key(KeyCode::Esc)),
            Some(QuestionsOutcome::Interrupt)
        );
    }

    #[test]
    fn the_picker_shows_options_and_other() {
        let mut questions = Questions::default();
        questions.push(request("c1"));
        questions.push(request("c2"));
        let text: String = questions
            .lines(80, 20)
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        assert!(text.contains("Codex asks (1/2): COLOR"), "{text}");
        assert!(text.contains("› 1. Red  about Red"), "{text}");
        assert!(text.contains("3. Other (type your answer)"), "{text}");
        assert!(text.contains("1 more waiting"), "{text}");
        questions.remove("c1");
        assert!(questions.is_open());
        questions.remove("c2");
        assert!(!questions.is_open());
    }
}
