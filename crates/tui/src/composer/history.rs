//! Up/Down through earlier prompts: this session's first, then the entries
//! of `history.jsonl` that existed when the session started, fetched one by
//! one from the engine (`GetHistoryEntryRequest` with the file's identity
//! and the entry's offset) and cached.
//!
//! Navigation starts only from an empty composer or from text that is
//! still an entry it recalled, so Up in a draft moves the cursor instead of
//! throwing the draft away.

use std::collections::HashMap;

#[derive(Debug, Default)]
pub(crate) struct PromptHistory {
    log_id: u64,
    /// Entries in `history.jsonl` when the session started.
    persistent_count: usize,
    persistent: HashMap<usize, String>,
    /// Submitted in this session, oldest first.
    local: Vec<String>,
    /// Position while navigating: 0 is the newest entry.
    position: Option<usize>,
    /// The text shown by the last step, to tell if the person edited it.
    shown: Option<String>,
}

/// What a step through the history asks of the composer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HistoryStep {
    /// Show this text.
    Show(String),
    /// Ask the engine for entry `offset`; show it when it comes.
    Fetch { offset: usize, log_id: u64 },
    /// Back past the newest entry: empty the composer.
    Clear,
    /// Nothing to do (history exhausted, or not navigating).
    Stay,
}

impl PromptHistory {
    pub(crate) fn new(log_id: u64, persistent_count: usize) -> Self {
        Self {
            log_id,
            persistent_count,
            ..Self::default()
        }
    }

    /// A prompt was submitted.
    pub(crate) fn record(&mut self, text: &str) {
        if !text.trim().is_empty() && self.local.last().map(String::as_str) != Some(text) {
            self.local.push(text.to_string());
        }
        self.reset();
    }

    pub(crate) fn reset(&mut self) {
        self.position = None;
        self.shown = None;
    }

    /// True when Up/Down should walk the history for the composer's `text`.
    pub(crate) fn should_navigate(&self, text: &str) -> bool {
        text.is_empty() || self.shown.as_deref() == Some(text)
    }

    fn len(&self) -> usize {
        self.local.len() + self.persistent_count
    }

    fn entry(&mut self, position: usize) -> HistoryStep {
        if position < self.local.len() {
            let text = self.local[self.local.len() - 1 - position].clone();
            self.shown = Some(text.clone());
            return HistoryStep::Show(text);
        }
        let offset = self.persistent_count - 1 - (position - self.local.len());
        match self.persistent.get(&offset) {
            Some(text) => {
                self.shown = Some(text.clone());
                HistoryStep::Show(text.clone())
            }
            None => HistoryStep::Fetch {
                offset,
                log_id: self.log_id,
            },
        }
    }

    pub(crate) fn up(&mut self) -> HistoryStep {
        let next = self.position.map_or(0, |p| p + 1);
        if next >= self.len() {
            return HistoryStep::Stay;
        }
        self.position = Some(next);
        self.entry(next)
    }

    pub(crate) fn down(&mut self) -> HistoryStep {
        match self.position {
            None => HistoryStep::Stay,
            Some(0) => {
                self.reset();
                HistoryStep::Clear
            }
            Some(p) => {
                self.position = Some(p - 1);
                self.entry(p - 1)
            }
        }
    }

    /// An entry arrived from the engine. Returns the text to show if the
    /// person is still waiting at that entry.
    pub(crate) fn on_entry(
        &mut self,
        log_id: u64,
        offset: usize,
        text: Option<String>,
    ) -> Option<String> {
        if log_id != self.log_id {
            return None;
        }
        // A missing entry (the file was trimmed) shows as empty, so the
        // walk can go on past it.
        let text = text.unwrap_or_default();
        self.persistent.insert(offset, text.clone());
        let waiting = self
            .position
            .filter(|p| *p >= self.local.len())
            .map(|p| self.persistent_count - 1 - (p - self.local.len()));
        if waiting == Some(offset) {
            self.shown = Some(text.clone());
            Some(text)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn this_sessions_prompts_come_first_then_the_file() {
        let mut history = PromptHistory::new(7, 2);
        history.record("local one");
        history.record("local two");
        assert_eq!(history.up(), HistoryStep::Show("local two".into()));
        assert_eq!(history.up(), HistoryStep::Show("local one".into()));
        assert_eq!(
            history.up(),
            HistoryStep::Fetch {
                offset: 1,
                log_id: 7
            }
        );
        assert_eq!(
            history.on_entry(7, 1, Some("older".into())),
            Some("older".into())
        );
        assert!(history.should_navigate("older"));
        assert!(!history.should_navigate("older, edited"));
        assert_eq!(
            history.up(),
            HistoryStep::Fetch {
                offset: 0,
                log_id: 7
            }
        );
        assert_eq!(
            history.on_entry(7, 0, Some("oldest".into())),
            Some("oldest".into())
        );
        assert_eq!(history.up(), HistoryStep::Stay);
        // Cached on the way back.
        assert_eq!(history.down(), HistoryStep::Show("older".into()));
        assert_eq!(history.down(), HistoryStep::Show("local one".into()));
        assert_eq!(history.down(), HistoryStep::Show("local two".into()));
        assert_eq!(history.down(), HistoryStep::Clear);
        assert_eq!(history.down(), HistoryStep::Stay);
    }

    #[test]
    fn late_or_foreign_entries_are_cached_but_not_shown() {
        let mut history = PromptHistory::new(7, 3);
        assert_eq!(
            history.up(),
            HistoryStep::Fetch {
                offset: 2,
                log_id: 7
            }
        );
        assert_eq!(
            history.up(),
            HistoryStep::Fetch {
                offset: 1,
                log_id: 7
            }
        );
        assert_eq!(history.on_entry(7, 2, Some("late".into())), None);
        assert_eq!(history.on_entry(8, 1, Some("other file".into())), None);
        assert_eq!(history.down(), HistoryStep::Show("late".into()));
    }
}
