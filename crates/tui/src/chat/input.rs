//! Keys and pastes: who gets them (an approval, a picker, a popup, the
//! chat's own keys, the composer), and the popups that follow the
//! composer's text (`/` commands, `@` files).

use std::time::Instant;

use codex_file_search::SearchResults;
use codex_protocol::protocol::Op;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{ChatState, Effect};
use crate::composer::ComposerEvent;
use crate::popup::Popup;
use crate::slash::{self, SlashItem};

/// Image files a pasted path may name.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "webp", "bmp"];

impl ChatState {
    pub(crate) fn handle_paste(&mut self, text: &str) -> Vec<Effect> {
        if self.questions.is_open() {
            self.questions.paste(text);
            return Vec::new();
        }
        if self.approvals.is_open() || self.picker.is_some() {
            return Vec::new();
        }
        // A pasted image path (terminals paste a dragged file as its path)
        // attaches the image.
        let candidate = text.trim().trim_matches(|c| c == '\'' || c == '"');
        let path = std::path::Path::new(candidate);
        let is_image = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_lowercase().as_str()));
        if is_image && !candidate.contains('\n') {
            let full = self.settings.cwd.join(path);
            if full.is_file() {
                let name = full
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let chip = format!("[image: {name}]");
                self.composer.handle_paste(&format!("{chip} "));
                self.attached_images.push((chip, full));
                return self.refresh_popup();
            }
        }
        self.composer.handle_paste(text);
        self.refresh_popup()
    }

    pub(crate) fn handle_key(&mut self, key: KeyEvent, now: Instant) -> Vec<Effect> {
        if self.shortcuts_open {
            // Any key closes the overlay; `?` and Esc do nothing else.
            self.shortcuts_open = false;
            if matches!(key.code, KeyCode::Esc | KeyCode::Char('?')) {
                return Vec::new();
            }
        }
        if self.questions.is_open() {
            return match self.questions.handle_key(key) {
                Some(crate::questions::QuestionsOutcome::Answered {
                    call_id, response, ..
                }) if call_id.starts_with(super::plan::PLAN_CALL_PREFIX) => {
                    self.plan_answered(response)
                }
                Some(crate::questions::QuestionsOutcome::Answered {
                    call_id, response, ..
                }) => vec![Effect::Op(Op::UserInputAnswer {
                    id: call_id,
                    response,
                })],
                // No turn: a question of the chat's own (the plan's).
                Some(crate::questions::QuestionsOutcome::Interrupt) if self.task.is_none() => {
                    self.questions.clear();
                    Vec::new()
                }
                Some(crate::questions::QuestionsOutcome::Interrupt) => {
                    vec![Effect::Op(Op::Interrupt)]
                }
                None => Vec::new(),
            };
        }
        if self.approvals.is_open() {
            return match self.approvals.handle_key(key) {
                Some(answer) => self.answered(answer),
                None => Vec::new(),
            };
        }
        if self.picker.is_some() {
            return self.picker_key(key);
        }
        if self.popup.is_some()
            && let Some(effects) = self.popup_key(key)
        {
            return effects;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if key.code == KeyCode::Esc && self.composer.vim_escape() {
            return Vec::new();
        }
        if key.code != KeyCode::Esc {
            self.backtrack_primed = false;
        }
        match key.code {
            KeyCode::Char('c') if ctrl => {
                if !self.composer.is_empty() {
                    self.composer.clear();
                    self.attached_images.clear();
                    self.popup = None;
                    return Vec::new();
                }
                if self.task.is_some() {
                    return vec![Effect::Op(Op::Interrupt)];
                }
                if self.side {
                    return vec![Effect::CloseSide];
                }
                if self.quit_armed(now) {
                    return vec![Effect::Quit];
                }
                self.quit_armed = Some(now);
                Vec::new()
            }
            KeyCode::Char('d') if ctrl && self.composer.is_empty() => vec![Effect::Quit],
            KeyCode::Char('t') if ctrl => vec![Effect::OpenTranscript],
            KeyCode::Char('g') if ctrl => vec![Effect::OpenEditor],
            KeyCode::Esc if self.task.is_some() => vec![Effect::Op(Op::Interrupt)],
            KeyCode::Tab if self.task.is_some() && !self.composer.is_empty() => {
                let text = self.composer.clear();
                let text = text.trim().to_string();
                if !text.is_empty() {
                    self.after_turn.push_back(text);
                }
                Vec::new()
            }
            KeyCode::Char('?')
                if self.composer.is_empty()
                    && self.composer.vim_mode() != Some(crate::composer::VimMode::Normal)
                    && !ctrl
                    && !key.modifiers.contains(KeyModifiers::ALT) =>
            {
                self.shortcuts_open = true;
                Vec::new()
            }
            KeyCode::Esc if self.composer.is_empty() && !self.user_messages.is_empty() => {
                if self.backtrack_primed {
                    self.backtrack_primed = false;
                    vec![Effect::OpenBacktrack]
                } else {
                    self.backtrack_primed = true;
                    Vec::new()
                }
            }
            _ => {
                self.quit_armed = None;
                match self.composer.handle_key(key) {
                    ComposerEvent::Submit(text) => {
                        self.popup = None;
                        self.submit(text)
                    }
                    ComposerEvent::FetchHistory { offset, log_id } => {
                        vec![Effect::Op(Op::GetHistoryEntryRequest { offset, log_id })]
                    }
                    ComposerEvent::Changed => self.refresh_popup(),
                    ComposerEvent::Ignored => Vec::new(),
                }
            }
        }
    }

    /// A key while a popup is open; None lets it through to the composer.
    fn popup_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        let popup = self.popup.as_mut()?;
        if matches!(popup, Popup::Slash { items, .. } if items.is_empty()) {
            // Nothing to choose: the keys are the composer's (Enter sends
            // what was typed, which may say it is not a command here).
            return None;
        }
        match key.code {
            KeyCode::Up => popup.move_selection(false),
            KeyCode::Down => popup.move_selection(true),
            KeyCode::Char('p') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                popup.move_selection(false)
            }
            KeyCode::Char('n') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                popup.move_selection(true)
            }
            KeyCode::Esc => {
                self.popup = None;
                self.popup_dismissed = Some(self.composer.text().to_string());
            }
            KeyCode::Tab | KeyCode::Enter => {
                return Some(self.accept_popup(key.code == KeyCode::Enter));
            }
            _ => return None,
        }
        Some(Vec::new())
    }

    /// Tab or Enter on the popup's selection.
    fn accept_popup(&mut self, enter: bool) -> Vec<Effect> {
        let Some(popup) = self.popup.take() else {
            return Vec::new();
        };
        match popup {
            Popup::Slash { items, selected } => {
                let Some(item) = items.get(selected).cloned() else {
                    return Vec::new();
                };
                let name = slash::item_name(&item, &self.prompts);
                if enter && !matches!(item, SlashItem::Prompt(_)) {
                    self.composer.clear();
                    return self.submit(format!("/{name}"));
                }
                // Tab (or a prompt, which may take arguments): complete it.
                self.composer.set_text(&format!("/{name} "));
                Vec::new()
            }
            Popup::Files {
                matches,
                selected,
                range,
                ..
            } => {
                let Some(found) = matches.get(selected) else {
                    return Vec::new();
                };
                let path = if found.path.contains(char::is_whitespace) {
                    format!("\"{}\"", found.path)
                } else {
                    found.path.clone()
                };
                self.composer.replace_range(range, &format!("{path} "));
                Vec::new()
            }
        }
    }

    /// Opens, updates or closes the popup after the composer changed.
    pub(crate) fn refresh_popup(&mut self) -> Vec<Effect> {
        let text = self.composer.text().to_string();
        if self.popup_dismissed.as_deref() == Some(text.as_str()) {
            return Vec::new();
        }
        self.popup_dismissed = None;
        let cursor = self.composer.cursor();
        let first_token_end = text.find(char::is_whitespace).unwrap_or(text.len());
        if text.starts_with('/') && cursor <= first_token_end && !text.contains('\n') {
            let filter = &text[1..first_token_end];
            let items = slash::matching_items(filter, &self.prompts);
            let selected = match &self.popup {
                Some(Popup::Slash { selected, .. }) => {
                    (*selected).min(items.len().saturating_sub(1))
                }
                _ => 0,
            };
            self.popup = Some(Popup::Slash { items, selected });
            return Vec::new();
        }
        if let Some((range, token)) = self.composer.token_at_cursor()
            && let Some(query) = token.strip_prefix('$')
            && !self.skill_names.is_empty()
        {
            // `$` completes skill names like `@` completes files.
            let matches = crate::popup::skill_matches(&self.skill_names, query);
            let selected = match &self.popup {
                Some(Popup::Files { selected, .. }) => {
                    (*selected).min(matches.len().saturating_sub(1))
                }
                _ => 0,
            };
            self.popup = Some(Popup::Files {
                query: query.to_string(),
                range,
                matches,
                selected,
                generation: 0,
                searching: false,
            });
            return Vec::new();
        }
        if let Some((range, token)) = self.composer.token_at_cursor()
            && let Some(query) = token.strip_prefix('@')
        {
            let query = query.to_string();
            if let Some(Popup::Files {
                query: shown,
                range: shown_range,
                ..
            }) = &mut self.popup
                && *shown == query
            {
                *shown_range = range;
                return Vec::new();
            }
            let matches = match self.popup.take() {
                Some(Popup::Files { matches, .. }) => matches,
                _ => Vec::new(),
            };
            self.popup = Some(Popup::Files {
                query: query.clone(),
                range,
                matches,
                selected: 0,
                generation: 0,
                searching: true,
            });
            return vec![Effect::FileSearch(query)];
        }
        self.popup = None;
        Vec::new()
    }

    /// Results from the file search worker.
    pub(crate) fn on_file_results(&mut self, results: SearchResults) {
        if let Some(Popup::Files {
            query,
            matches,
            selected,
            generation,
            searching,
            ..
        }) = &mut self.popup
            && *query == results.query
            && results.generation >= *generation
        {
            *generation = results.generation;
            *matches = results.matches;
            *selected = (*selected).min(matches.len().saturating_sub(1));
            *searching = results.partial;
        }
    }

    fn picker_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(picker) = self.picker.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => picker.move_selection(false),
            KeyCode::Down | KeyCode::Char('j') => picker.move_selection(true),
            KeyCode::Esc => self.picker = None,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.picker = None
            }
            KeyCode::Enter => {
                let chosen = picker.items.get(picker.selected).map(|i| i.value.clone());
                self.picker = None;
                if let Some(value) = chosen {
                    return self.apply_picker(value);
                }
            }
            KeyCode::Char(c) => {
                if let Some(digit) = c.to_digit(10).map(|d| d as usize)
                    && (1..=picker.items.len()).contains(&digit)
                {
                    let value = picker.items[digit - 1].value.clone();
                    self.picker = None;
                    return self.apply_picker(value);
                }
            }
            _ => {}
        }
        Vec::new()
    }
}
