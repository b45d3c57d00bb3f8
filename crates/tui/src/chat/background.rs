//! Commands the model started on a PTY (`exec_command`) that outlive the
//! call that started them: they keep running in the background, across
//! turns and through an interrupt, until they exit, `/stop` ends them, or
//! codex does.
//!
//! The chat learns of them from the engine's events alone: a command whose
//! begin event carries a process id is tracked from then on, its output's
//! last line kept, until its end event. `/ps` lists them, the footer counts
//! them, and an interrupt says they still run rather than leaving them
//! unseen. Their cells are committed to the history when they end.

use std::time::{Duration, Instant};

use codex_protocol::protocol::Op;

use super::{ChatState, Effect};
use crate::cells::{ExecCell, HistoryCell, format_duration};

/// A command running in the background.
#[derive(Debug, Clone)]
pub(crate) struct BackgroundCommand {
    pub process_id: String,
    pub started: Instant,
    /// The cell, committed when the command ends.
    pub cell: ExecCell,
    /// The last line of output, and the unfinished line after it.
    last_line: String,
    partial: String,
}

impl BackgroundCommand {
    fn last_line(&self) -> &str {
        if self.partial.trim().is_empty() {
            &self.last_line
        } else {
            &self.partial
        }
    }
}

/// The background commands of the session, oldest first.
#[derive(Debug, Default)]
pub(crate) struct BackgroundCommands {
    commands: Vec<BackgroundCommand>,
}

impl BackgroundCommands {
    pub(crate) fn len(&self) -> usize {
        self.commands.len()
    }

    /// A command began; tracked when it has a process id.
    pub(crate) fn began(&mut self, process_id: Option<&str>, cell: &ExecCell) {
        if let Some(process_id) = process_id {
            self.commands.push(BackgroundCommand {
                process_id: process_id.to_string(),
                started: Instant::now(),
                cell: cell.clone(),
                last_line: String::new(),
                partial: String::new(),
            });
        }
    }

    pub(crate) fn output(&mut self, call_id: &str, chunk: &str) {
        let Some(command) = self.commands.iter_mut().find(|c| c.cell.call_id == call_id) else {
            return;
        };
        command.partial.push_str(chunk);
        if let Some(end) = command.partial.rfind('\n') {
            let done: String = command.partial.drain(..=end).collect();
            if let Some(line) = done.lines().rev().find(|l| !l.trim().is_empty()) {
                command.last_line = crate::cells::strip_ansi(line.trim_end_matches('\r'));
            }
        }
        // Output that never ends a line is still bounded.
        if command.partial.len() > 4096 {
            let keep = command.partial.len() - 1024;
            let cut = (keep..command.partial.len())
                .find(|i| command.partial.is_char_boundary(*i))
                .unwrap_or(command.partial.len());
            command.partial.drain(..cut);
        }
    }

    /// The command ended: its cell, if it was tracked here.
    pub(crate) fn ended(&mut self, call_id: &str) -> Option<ExecCell> {
        let index = self
            .commands
            .iter()
            .position(|c| c.cell.call_id == call_id)?;
        Some(self.commands.remove(index).cell)
    }

    pub(crate) fn contains(&self, call_id: &str) -> bool {
        self.commands.iter().any(|c| c.cell.call_id == call_id)
    }

    /// Keeps the live cell's output with the tracked one (it is committed
    /// from here if the turn ends first).
    pub(crate) fn update_cell(&mut self, cell: &ExecCell) {
        if let Some(command) = self
            .commands
            .iter_mut()
            .find(|c| c.cell.call_id == cell.call_id)
        {
            command.cell = cell.clone();
        }
    }

    /// `/ps` rows: id, then the command, its age and its last line.
    pub(crate) fn rows(&self, now: Instant) -> Vec<(String, String)> {
        self.commands
            .iter()
            .map(|c| {
                let age =
                    format_duration(Duration::from_secs(now.duration_since(c.started).as_secs()));
                let command = codex_core::display_command(&c.cell.command);
                let mut value = format!("{command} · running {age}");
                let last = c.last_line().trim();
                if !last.is_empty() {
                    let last: String = last.chars().take(120).collect();
                    value.push_str(&format!("\n{last}"));
                }
                (c.process_id.clone(), value)
            })
            .collect()
    }

    pub(crate) fn ids(&self) -> Vec<String> {
        self.commands.iter().map(|c| c.process_id.clone()).collect()
    }
}

/// How "N background commands" reads.
pub(crate) fn count_label(count: usize) -> String {
    match count {
        1 => "1 background command".to_string(),
        n => format!("{n} background commands"),
    }
}

impl ChatState {
    /// `/ps`.
    pub(crate) fn list_background(&mut self) -> Vec<Effect> {
        if self.background.len() == 0 {
            self.commit(HistoryCell::Info(
                "No background commands are running.".to_string(),
            ));
            return Vec::new();
        }
        let rows = self.background.rows(Instant::now());
        self.commit(HistoryCell::Table {
            title: format!(
                "{} (/stop ends all, /stop ID one)",
                capitalized(&count_label(self.background.len()))
            ),
            rows,
        });
        Vec::new()
    }

    /// `/stop [ID]`.
    pub(crate) fn stop_background(&mut self, args: &str) -> Vec<Effect> {
        let id = args.trim();
        if self.background.len() == 0 {
            self.commit(HistoryCell::Info(
                "No background commands are running.".to_string(),
            ));
            return Vec::new();
        }
        if !id.is_empty() && !self.background.ids().iter().any(|known| known == id) {
            self.commit(HistoryCell::Error(format!(
                "no background command has the id {id}; /ps lists them"
            )));
            return Vec::new();
        }
        let what = if id.is_empty() {
            format!("Stopping {}…", count_label(self.background.len()))
        } else {
            format!("Stopping background command {id}…")
        };
        self.commit(HistoryCell::Info(what));
        vec![Effect::Op(Op::CleanBackgroundTerminals {
            process_id: (!id.is_empty()).then(|| id.to_string()),
        })]
    }

    /// After an interrupt: the commands that go on are said, not hidden.
    pub(crate) fn note_background_after_interrupt(&mut self) {
        let count = self.background.len();
        if count > 0 {
            let verb = if count == 1 { "keeps" } else { "keep" };
            self.commit(HistoryCell::Info(format!(
                "{} {verb} running: /ps lists, /stop ends them.",
                capitalized(&count_label(count))
            )));
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
