//! Approval requests: a prompt over the composer with the command (or the
//! diff), its directory and the model's reason, and four answers with their
//! keys. The keys are the reference's: `y` proceeds, `a` proceeds and stops
//! asking for the session, `n` (and Esc) cancels the turn so the person can
//! say what to do instead; `d` declines just this call and lets the turn go
//! on. A proposed command rule adds a fifth answer, `p`: "always allow
//! commands starting with …", which writes the rule to `default.rules`.
//! While one is open it has the keyboard; requests that arrive meanwhile
//! wait in order.

use std::collections::VecDeque;
use std::path::PathBuf;

use codex_protocol::protocol::ReviewDecision;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};

use crate::cells::{FileSummary, render_diff};
use crate::wrap::wrap_line;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApprovalKind {
    Exec {
        command: Vec<String>,
        cwd: PathBuf,
        /// The prefix an "always allow" answer would write as a rule.
        amendment: Option<Vec<String>>,
    },
    Patch {
        files: Vec<FileSummary>,
        grant_root: Option<PathBuf>,
    },
    /// An MCP server asks for input (yes accepts, no declines, tell
    /// cancels).
    Elicitation { server: String, message: String },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApprovalRequest {
    pub call_id: String,
    pub kind: ApprovalKind,
    pub reason: Option<String>,
}

/// The person's answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub request: ApprovalRequest,
    /// `Abort` is "No, and tell Codex what to do instead": the turn stops
    /// and the composer takes the instruction.
    pub decision: ReviewDecision,
}

#[derive(Clone)]
struct Choice {
    label: std::borrow::Cow<'static, str>,
    key: char,
    decision: ReviewDecision,
}

const fn choice(label: &'static str, key: char, decision: ReviewDecision) -> Choice {
    Choice {
        label: std::borrow::Cow::Borrowed(label),
        key,
        decision,
    }
}

/// The answers to `request`: the four fixed ones, and "always allow" after
/// the first when a rule is proposed.
fn choices(request: &ApprovalRequest) -> Vec<Choice> {
    let mut all = CHOICES.to_vec();
    if let ApprovalKind::Exec {
        amendment: Some(prefix),
        ..
    } = &request.kind
    {
        all.insert(
            1,
            Choice {
                label: format!(
                    "Yes, and always allow commands starting with `{}`",
                    codex_core::display_command(prefix)
                )
                .into(),
                key: 'p',
                decision: ReviewDecision::ApprovedExecpolicyAmendment,
            },
        );
    }
    all
}

const CHOICES: [Choice; 4] = [
    choice("Yes, proceed", 'y', ReviewDecision::Approved),
    choice(
        "Yes, and don't ask again this session",
        'a',
        ReviewDecision::ApprovedForSession,
    ),
    choice(
        "No, and tell Codex what to do differently",
        'n',
        ReviewDecision::Abort,
    ),
    choice("No, continue without it", 'd', ReviewDecision::Denied),
];

/// Diff rows shown per file in the prompt.
const DIFF_ROWS: usize = 24;

#[derive(Debug, Default)]
pub(crate) struct Approvals {
    queue: VecDeque<ApprovalRequest>,
    selected: usize,
}

impl Approvals {
    pub(crate) fn push(&mut self, request: ApprovalRequest) {
        self.queue.push_back(request);
    }

    pub(crate) fn is_open(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Drops every waiting request (the turn ended; the engine has already
    /// resolved them as denied).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.selected = 0;
    }

    /// The answers to the open request.
    fn open_choices(&self) -> Vec<Choice> {
        self.queue.front().map(choices).unwrap_or_default()
    }

    fn answer(&mut self, index: usize) -> Option<Answer> {
        let decision = self.open_choices().get(index)?.decision;
        let request = self.queue.pop_front()?;
        self.selected = 0;
        Some(Answer { request, decision })
    }

    fn answer_key(&mut self, key: char) -> Option<Answer> {
        let index = self.open_choices().iter().position(|c| c.key == key)?;
        self.answer(index)
    }

    /// A key while a request is open: an answer, or None (moved the
    /// selection, or a key that means nothing here).
    pub(crate) fn handle_key(&mut self, key: KeyEvent) -> Option<Answer> {
        if self.queue.is_empty() {
            return None;
        }
        let count = self.open_choices().len();
        match key.code {
            KeyCode::Esc => self.answer_key('n'),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.answer_key('n')
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.selected = self.selected.checked_sub(1).unwrap_or(count - 1);
                None
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                self.selected = (self.selected + 1) % count;
                None
            }
            KeyCode::Enter => self.answer(self.selected),
            KeyCode::Char(c) => {
                if let Some(digit) = c.to_digit(10).map(|d| d as usize)
                    && (1..=count).contains(&digit)
                {
                    return self.answer(digit - 1);
                }
                self.answer_key(c.to_ascii_lowercase())
            }
            _ => None,
        }
    }

    /// The prompt's rows at `width`, at most `max_rows` (the diff gives way).
    pub(crate) fn lines(&self, width: u16, max_rows: usize) -> Vec<Line<'static>> {
        let Some(request) = self.queue.front() else {
            return Vec::new();
        };
        let width = usize::from(width.max(20));
        let bar = || vec![Span::styled("▌ ", Style::default().fg(Color::Cyan))];
        let mut head = Vec::new();
        let mut body = Vec::new();
        let title = match &request.kind {
            ApprovalKind::Exec { .. } => "Run this command?".to_string(),
            ApprovalKind::Patch { .. } => "Make these changes?".to_string(),
            ApprovalKind::Elicitation { server, .. } => format!("The MCP server `{server}` asks"),
        };
        head.extend(wrap_line(&Line::from(title.bold()), width, &bar(), &bar()));
        if let Some(reason) = &request.reason {
            head.extend(wrap_line(
                &Line::from(vec!["Reason: ".dim(), Span::raw(reason.clone()).italic()]),
                width,
                &bar(),
                &bar(),
            ));
        }
        match &request.kind {
            ApprovalKind::Elicitation { message, .. } => {
                head.extend(wrap_line(
                    &Line::from(message.clone()),
                    width,
                    &bar(),
                    &bar(),
                ));
            }
            ApprovalKind::Exec { command, cwd, .. } => {
                let command = codex_core::display_command(command);
                for (index, line) in command.lines().enumerate() {
                    let lead = if index == 0 { "$ " } else { "  " };
                    head.extend(wrap_line(
                        &Line::from(vec![lead.dim(), Span::raw(line.to_string())]),
                        width,
                        &bar(),
                        &bar(),
                    ));
                }
                head.extend(wrap_line(
                    &Line::from(vec![
                        "in ".dim(),
                        Span::raw(cwd.display().to_string()).dim(),
                    ]),
                    width,
                    &bar(),
                    &bar(),
                ));
            }
            ApprovalKind::Patch { files, grant_root } => {
                for file in files {
                    body.extend(wrap_line(
                        &Line::from(vec![
                            Span::raw(file.path.clone()).bold(),
                            Span::styled(
                                format!(" +{}", file.added),
                                Style::default().fg(Color::Green),
                            ),
                            Span::styled(
                                format!(" -{}", file.removed),
                                Style::default().fg(Color::Red),
                            ),
                        ]),
                        width,
                        &bar(),
                        &bar(),
                    ));
                    for line in render_diff(file, width.saturating_sub(2), DIFF_ROWS, "") {
                        let mut spans = bar();
                        spans.extend(line.spans);
                        body.push(Line::from(spans));
                    }
                }
                if let Some(root) = grant_root {
                    head.extend(wrap_line(
                        &Line::from(vec![
                            "Also allows writing under ".dim(),
                            Span::raw(root.display().to_string()),
                            " for this session".dim(),
                        ]),
                        width,
                        &bar(),
                        &bar(),
                    ));
                }
            }
        }
        let mut tail = vec![Line::from(bar())];
        for (index, choice) in choices(request).iter().enumerate() {
            let selected = index == self.selected;
            let marker = if selected { "› " } else { "  " };
            let style = if selected {
                Style::default()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            let keys = if choice.key == 'n' {
                " (n, esc)".to_string()
            } else {
                format!(" ({})", choice.key)
            };
            let mut spans = bar();
            spans.push(Span::styled(
                format!("{marker}{}. {}", index + 1, choice.label),
                style,
            ));
            spans.push(keys.dim());
            tail.push(Line::from(spans));
        }
        if self.queue.len() > 1 {
            let mut spans = bar();
            spans.push(format!("{} more waiting", self.queue.len() - 1).dim());
            tail.push(Line::from(spans));
        }
        // The diff gives way when the screen is short.
        let room = max_rows.saturating_sub(head.len() + tail.len());
        if body.len() > room {
            let hidden = body.len() - room.saturating_sub(1);
            body.truncate(room.saturating_sub(1));
            let mut spans = bar();
            spans.push(format!("… +{hidden} more lines").dim());
            body.push(Line::from(spans));
        }
        head.extend(body);
        head.extend(tail);
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(id: &str) -> ApprovalRequest {
        ApprovalRequest {
            call_id: id.into(),
            kind: ApprovalKind::Exec {
                command: vec!["rm".into(), "-rf".into(), "build".into()],
                cwd: PathBuf::from("/repo"),
                amendment: None,
            },
            reason: Some("clean the build".into()),
        }
    }

    #[test]
    fn keys_answer_and_the_queue_waits_its_turn() {
        let mut approvals = Approvals::default();
        approvals.push(exec("one"));
        approvals.push(exec("two"));
        assert!(
            approvals
                .handle_key(KeyEvent::from(KeyCode::Char('x')))
                .is_none()
        );
        let answer = approvals
            .handle_key(KeyEvent::from(KeyCode::Char('a')))
            .unwrap();
        assert_eq!(answer.request.call_id, "one");
        assert_eq!(answer.decision, ReviewDecision::ApprovedForSession);
        let answer = approvals.handle_key(KeyEvent::from(KeyCode::Esc)).unwrap();
        assert_eq!(answer.request.call_id, "two");
        assert_eq!(answer.decision, ReviewDecision::Abort);
        assert!(!approvals.is_open());
        approvals.push(exec("three"));
        let answer = approvals
            .handle_key(KeyEvent::from(KeyCode::Char('d')))
            .unwrap();
        assert_eq!(answer.decision, ReviewDecision::Denied);
    }

    #[test]
    fn arrows_and_enter_choose_and_n_tells_instead() {
        let mut approvals = Approvals::default();
        approvals.push(exec("one"));
        approvals.handle_key(KeyEvent::from(KeyCode::Up));
        let answer = approvals
            .handle_key(KeyEvent::from(KeyCode::Enter))
            .unwrap();
        assert_eq!(answer.decision, ReviewDecision::Denied);
        approvals.push(exec("two"));
        let answer = approvals
            .handle_key(KeyEvent::from(KeyCode::Char('n')))
            .unwrap();
        assert_eq!(answer.decision, ReviewDecision::Abort);
    }

    #[test]
    fn a_proposed_rule_adds_an_always_allow_answer() {
        let mut approvals = Approvals::default();
        let mut request = exec("one");
        request.kind = ApprovalKind::Exec {
            command: vec!["touch".into(), "a".into()],
            cwd: PathBuf::from("/repo"),
            amendment: Some(vec!["touch".into()]),
        };
        approvals.push(request.clone());
        let text: String = approvals
            .lines(100, 30)
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        assert!(
            text.contains("2. Yes, and always allow commands starting with `touch` (p)"),
            "{text}"
        );
        assert!(text.contains("5. No, continue without it (d)"), "{text}");
        let answer = approvals
            .handle_key(KeyEvent::from(KeyCode::Char('p')))
            .unwrap();
        assert_eq!(answer.decision, ReviewDecision::ApprovedExecpolicyAmendment);
        // Esc still cancels, and `d` declines, with the extra answer listed.
        approvals.push(request.clone());
        let answer = approvals.handle_key(KeyEvent::from(KeyCode::Esc)).unwrap();
        assert_eq!(answer.decision, ReviewDecision::Abort);
        approvals.push(request);
        let answer = approvals
            .handle_key(KeyEvent::from(KeyCode::Char('d')))
            .unwrap();
        assert_eq!(answer.decision, ReviewDecision::Denied);
        // Without a proposal there is no such answer.
        approvals.push(exec("two"));
        assert!(
            approvals
                .handle_key(KeyEvent::from(KeyCode::Char('p')))
                .is_none()
        );
    }
}
