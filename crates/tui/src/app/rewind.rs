//! `/rewind` (and Esc Esc, and `/undo` as its shortcut): choose an earlier
//! message, then what to put back — code and conversation, the
//! conversation, the code, or a summary of the turns since — see the diff a
//! code restore will apply, confirm each file edited by hand since, and go.
//!
//! The engine does the work (`Op::ListRewindPoints`, `Op::Rewind`); this
//! file only asks and shows. After the conversation went back the thread
//! is loaded again from its session file (which recorded the rollback), so
//! the transcript shows exactly what a resume would, and the composer
//! holds the message gone back to.

use codex_core::ThreadRef;
use codex_protocol::protocol::{EventMsg, Op};
use codex_protocol::rewind::{RewindCompletedEvent, RewindMode, RewindPlan, RewindPoint};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};

use super::App;
use crate::cells::HistoryCell;
use crate::modal::{Input, Modal, run_modal};

/// A list to choose one entry from; `None` when cancelled.
struct ChoiceScreen {
    title: Vec<Line<'static>>,
    entries: Vec<Line<'static>>,
    selected: usize,
    hint: &'static str,
}

impl Modal for ChoiceScreen {
    type Outcome = Option<usize>;

    fn lines(&self, _width: u16, height: u16) -> Vec<Line<'static>> {
        let mut lines = self.title.clone();
        let room = usize::from(height).saturating_sub(lines.len() + 2).max(1);
        let first = self.selected.saturating_sub(room - 1);
        for (index, entry) in self.entries.iter().enumerate().skip(first).take(room) {
            let mut spans = vec![Span::raw(if index == self.selected {
                "› "
            } else {
                "  "
            })];
            spans.extend(entry.spans.iter().cloned());
            let line = Line::from(spans);
            lines.push(if index == self.selected {
                line.cyan()
            } else {
                line
            });
        }
        lines.push(Line::default());
        lines.push(Line::from(self.hint.dim()));
        lines
    }

    fn handle_key(&mut self, key: KeyEvent) -> Option<Option<usize>> {
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(None),
            KeyCode::Esc | KeyCode::Char('q') => Some(None),
            KeyCode::Up | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1);
                None
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(self.entries.len().saturating_sub(1));
                None
            }
            KeyCode::Char(c) if c.is_ascii_digit() && c != '0' => {
                let index = usize::from(c as u8 - b'1');
                (index < self.entries.len()).then_some(Some(index))
            }
            KeyCode::Enter => Some(Some(self.selected)),
            _ => None,
        }
    }
}

/// A question over some text (a diff) that can scroll: yes or no.
struct ConfirmScreen {
    title: Vec<Line<'static>>,
    body: Vec<Line<'static>>,
    scroll: usize,
    hint: &'static str,
}

impl Modal for ConfirmScreen {
    type Outcome = bool;

    fn lines(&self, _width: u16, height: u16) -> Vec<Line<'static>> {
        let mut lines = self.title.clone();
        let room = usize::from(height).saturating_sub(lines.len() + 2);
        lines.extend(self.body.iter().skip(self.scroll).take(room).cloned());
        lines.push(Line::default());
        lines.push(Line::from(self.hint.dim()));
        lines
    }

    fn handle_key(&mut self, key: KeyEvent) -> Option<bool> {
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(false),
            KeyCode::Enter | KeyCode::Char('y') => Some(true),
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q') => Some(false),
            KeyCode::Up | KeyCode::Char('k') => {
                self.scroll = self.scroll.saturating_sub(1);
                None
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Char(' ') => {
                self.scroll = (self.scroll + 1).min(self.body.len().saturating_sub(1));
                None
            }
            _ => None,
        }
    }
}

/// One line of the message picker: number, time, text, what changed.
fn point_line(point: &RewindPoint) -> Line<'static> {
    let time = point
        .timestamp
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string())
        .unwrap_or_else(|| "--:--".to_string());
    let first_line = point.text.lines().next().unwrap_or_default();
    let text: String = first_line.chars().take(40).collect();
    let changed = if !point.has_checkpoint {
        "no checkpoint: conversation only".to_string()
    } else if point.changed.is_empty() {
        "no file changed since".to_string()
    } else {
        let (added, removed) = point
            .changed
            .iter()
            .fold((0, 0), |(a, r), c| (a + c.added, r + c.removed));
        let names: Vec<&str> = point
            .changed
            .iter()
            .take(3)
            .map(|c| c.path.rsplit('/').next().unwrap_or(&c.path))
            .collect();
        let more = point.changed.len().saturating_sub(3);
        format!(
            "{} file(s) +{added} −{removed}: {}{}",
            point.changed.len(),
            names.join(", "),
            if more > 0 {
                format!(" +{more}")
            } else {
                String::new()
            }
        )
    };
    Line::from(vec![
        Span::raw(format!("{}. ", point.nth_user_message + 1)),
        time.dim(),
        Span::raw(format!("  {text}  ")),
        changed.dim(),
    ])
}

/// The diff and notes of a plan, colored.
fn plan_lines(plan: &RewindPlan) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if plan.restore.is_empty() && plan.remove.is_empty() {
        lines.push(Line::from("No file needs to change."));
    }
    for path in &plan.remove {
        lines.push(Line::from(format!(
            "remove {path} (created by the agent since)"
        )));
    }
    for path in &plan.edited_by_hand {
        lines.push(Line::from(
            format!("keep {path} (edited by hand since; you will be asked)").yellow(),
        ));
    }
    for item in &plan.not_restorable {
        lines.push(Line::from(format!("not restorable: {item}").yellow()));
    }
    lines.push(Line::default());
    for line in plan.diff.lines() {
        let owned = line.to_string();
        lines.push(if line.starts_with('+') && !line.starts_with("+++") {
            Line::from(owned.green())
        } else if line.starts_with('-') && !line.starts_with("---") {
            Line::from(owned.red())
        } else {
            Line::from(owned)
        });
    }
    lines
}

impl App {
    /// Sends `op` and waits for the current thread's event that `wanted`
    /// picks; other events are shown as usual.
    async fn ask_engine<T>(
        &mut self,
        op: Op,
        wanted: impl Fn(&EventMsg) -> Option<T>,
    ) -> Option<T> {
        if self.codex.submit(op).await.is_err() {
            return None;
        }
        while let Some((id, event)) = self.events_rx.recv().await {
            if id != self.thread_id {
                continue;
            }
            if let Some(found) = wanted(&event.msg) {
                return Some(found);
            }
            if matches!(event.msg, EventMsg::ShutdownComplete) {
                return None;
            }
            let _ = self.chat.handle_event(event.msg);
        }
        None
    }

    /// `/rewind`, Esc Esc (`undo`: `/undo`, the last message, code and
    /// conversation, no questions beyond the hand-edited files).
    pub(crate) async fn rewind(&mut self, input: &mut Input<'_>, undo: bool) {
        if self.chat.task.is_some() {
            self.chat.commit(HistoryCell::Info(
                "Wait for the turn to end (or press Esc to stop it) before rewinding.".into(),
            ));
            return;
        }
        let Some(points) = self
            .ask_engine(Op::ListRewindPoints, |m| match m {
                EventMsg::RewindPoints(p) => Some(p.points.clone()),
                _ => None,
            })
            .await
        else {
            return;
        };
        if points.is_empty() {
            self.chat.commit(HistoryCell::Info(
                "There is no earlier message to go back to yet.".into(),
            ));
            return;
        }
        let (point, mode) = if undo {
            let Some(point) = points.last().cloned() else {
                return;
            };
            (point, RewindMode::CodeAndConversation)
        } else {
            let Some(point) = self.choose_point(&points, input).await else {
                return;
            };
            let Some(mode) = self.choose_mode(&point, input).await else {
                return;
            };
            (point, mode)
        };
        let nth = point.nth_user_message;
        let mut restore_edited = Vec::new();
        if mode.restores_code() {
            let preview = self
                .ask_engine(
                    Op::Rewind {
                        nth_user_message: nth,
                        mode,
                        dry_run: true,
                        restore_edited: Vec::new(),
                    },
                    completed,
                )
                .await;
            let Some(preview) = preview else { return };
            let Some(plan) = preview.plan.filter(|_| preview.success) else {
                self.chat.commit(HistoryCell::Warning(preview.message));
                return;
            };
            if !undo && !self.confirm_plan(&plan, nth, input).await {
                self.screen.invalidate();
                return;
            }
            for path in &plan.edited_by_hand {
                if self.confirm_edited(path, input).await {
                    restore_edited.push(path.clone());
                }
            }
            self.screen.invalidate();
        }
        let done = self
            .ask_engine(
                Op::Rewind {
                    nth_user_message: nth,
                    mode,
                    dry_run: false,
                    restore_edited,
                },
                completed,
            )
            .await;
        let Some(done) = done else { return };
        if !done.success {
            self.chat.commit(HistoryCell::Warning(done.message));
            return;
        }
        if done.rolled_back_turns > 0 {
            let prefill = match mode {
                RewindMode::Summarize => None,
                _ => done.message_text.clone(),
            };
            self.reload_thread(prefill).await;
        }
        self.chat.commit(HistoryCell::Info(done.message));
    }

    async fn choose_point(
        &mut self,
        points: &[RewindPoint],
        input: &mut Input<'_>,
    ) -> Option<RewindPoint> {
        let mut screen = ChoiceScreen {
            title: vec![
                Line::default(),
                Line::from("  Rewind: go back to before which message?".bold()),
                Line::default(),
            ],
            entries: points.iter().map(point_line).collect(),
            selected: points.len() - 1,
            hint: "  ⏎ choose · ↑↓ move · esc cancel",
        };
        let chosen = run_modal(&mut self.screen, input, &mut screen).await;
        self.screen.invalidate();
        chosen.ok().flatten().flatten().map(|i| points[i].clone())
    }

    async fn choose_mode(
        &mut self,
        point: &RewindPoint,
        input: &mut Input<'_>,
    ) -> Option<RewindMode> {
        let modes: Vec<RewindMode> = RewindMode::ALL
            .into_iter()
            .filter(|m| point.has_checkpoint || !m.restores_code())
            .collect();
        let text: String = point
            .text
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(60)
            .collect();
        let mut screen = ChoiceScreen {
            title: vec![
                Line::default(),
                Line::from(
                    format!(
                        "  Rewind to before message {}: “{text}”",
                        point.nth_user_message + 1
                    )
                    .bold(),
                ),
                Line::default(),
            ],
            entries: modes
                .iter()
                .enumerate()
                .map(|(i, m)| Line::from(format!("{}. {}", i + 1, m.label())))
                .collect(),
            selected: 0,
            hint: "  ⏎ choose · 1-4 · esc cancel",
        };
        let chosen = run_modal(&mut self.screen, input, &mut screen).await;
        self.screen.invalidate();
        chosen.ok().flatten().flatten().map(|i| modes[i])
    }

    async fn confirm_plan(&mut self, plan: &RewindPlan, nth: usize, input: &mut Input<'_>) -> bool {
        let mut screen = ConfirmScreen {
            title: vec![
                Line::default(),
                Line::from(
                    format!(
                        "  Restoring the code to before message {} changes:",
                        nth + 1
                    )
                    .bold(),
                ),
                Line::default(),
            ],
            body: plan_lines(plan),
            scroll: 0,
            hint: "  ⏎/y apply · ↑↓ scroll · esc/n cancel",
        };
        let answer = run_modal(&mut self.screen, input, &mut screen).await;
        answer.ok().flatten().unwrap_or(false)
    }

    async fn confirm_edited(&mut self, path: &str, input: &mut Input<'_>) -> bool {
        let mut screen = ConfirmScreen {
            title: vec![
                Line::default(),
                Line::from(format!("  {path} was edited by hand since then.").bold()),
                Line::from("  Put it back as it was too (your edits are lost)?"),
            ],
            body: Vec::new(),
            scroll: 0,
            hint: "  y restore it · n/esc keep my edits",
        };
        let answer = run_modal(&mut self.screen, input, &mut screen).await;
        // Only an explicit yes restores a hand-edited file.
        answer.ok().flatten().unwrap_or(false)
    }

    /// Loads the current thread again from its session file (after its
    /// conversation went back), with `prefill` in the composer.
    async fn reload_thread(&mut self, prefill: Option<String>) {
        let id = self.thread_id;
        let _ = self
            .ask_engine(Op::Shutdown, |m| {
                matches!(m, EventMsg::ShutdownComplete).then_some(())
            })
            .await;
        let _ = self.manager.remove_thread(id);
        match self
            .manager
            .resume_thread(self.config.clone(), &ThreadRef::Id(id.to_string()))
            .await
        {
            Ok(new) => self.switch_thread(new, true, prefill).await,
            Err(err) => self.chat.commit(HistoryCell::Error(format!(
                "cannot reload the session: {err}"
            ))),
        }
    }
}

fn completed(m: &EventMsg) -> Option<RewindCompletedEvent> {
    match m {
        EventMsg::RewindCompleted(done) => Some(done.clone()),
        _ => None,
    }
}
