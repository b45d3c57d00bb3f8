//! What opens over the composer: the slash-command popup, the `@` file
//! finder, and list pickers (`/model`, `/approvals`). Each is a small state
//! with a selection and a pure rendering.

use codex_file_search::FileMatch;
use codex_protocol::config_types::ReasoningEffort;
use codex_protocol::protocol::{AskForApproval, SandboxPolicy};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};

use crate::slash::{CustomPrompt, SlashItem, item_description, item_name};

/// Rows a popup shows at most.
pub(crate) const POPUP_ROWS: usize = 8;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Popup {
    Slash {
        items: Vec<SlashItem>,
        selected: usize,
    },
    Files {
        /// What follows the `@`.
        query: String,
        /// The byte range of the `@token` in the composer.
        range: std::ops::Range<usize>,
        matches: Vec<FileMatch>,
        selected: usize,
        generation: u64,
        /// Still waiting for results for `query`.
        searching: bool,
    },
}

impl Popup {
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Slash { items, .. } => items.len(),
            Self::Files { matches, .. } => matches.len(),
        }
    }

    pub(crate) fn selected_mut(&mut self) -> &mut usize {
        match self {
            Self::Slash { selected, .. } | Self::Files { selected, .. } => selected,
        }
    }

    pub(crate) fn move_selection(&mut self, down: bool) {
        let len = self.len();
        if len == 0 {
            return;
        }
        let selected = self.selected_mut();
        *selected = if down {
            (*selected + 1) % len
        } else {
            selected.checked_sub(1).unwrap_or(len - 1)
        };
    }

    pub(crate) fn lines(&self, prompts: &[CustomPrompt], width: usize) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        let selected = match self {
            Self::Slash { selected, .. } | Self::Files { selected, .. } => *selected,
        };
        let first = (selected + 1).saturating_sub(POPUP_ROWS);
        match self {
            Self::Slash { items, .. } => {
                if items.is_empty() {
                    lines.push(Line::from("  no matching command".dim()));
                }
                let name_width = items
                    .iter()
                    .map(|i| item_name(i, prompts).len() + 1)
                    .max()
                    .unwrap_or(0)
                    .min(24);
                for (index, item) in items.iter().enumerate().skip(first).take(POPUP_ROWS) {
                    let name = format!("/{}", item_name(item, prompts));
                    let style = if index == selected {
                        Style::default()
                            .fg(Color::Cyan)
                            .add_modifier(Modifier::BOLD)
                    } else {
                        Style::default()
                    };
                    let description: String = item_description(item, prompts)
                        .chars()
                        .take(width.saturating_sub(name_width + 6))
                        .collect();
                    lines.push(Line::from(vec![
                        Span::raw(if index == selected { "› " } else { "  " }),
                        Span::styled(format!("{name:<name_width$}"), style),
                        Span::raw("  "),
                        Span::styled(description, Style::default().dim()),
                    ]));
                }
            }
            Self::Files {
                matches,
                searching,
                query,
                ..
            } => {
                if matches.is_empty() {
                    let text = if *searching {
                        "  searching…".to_string()
                    } else {
                        format!("  no file matches {query:?}")
                    };
                    lines.push(Line::from(text.dim()));
                }
                for (index, found) in matches.iter().enumerate().skip(first).take(POPUP_ROWS) {
                    let mut spans = vec![Span::raw(if index == selected { "› " } else { "  " })];
                    spans.extend(highlighted(&found.path, &found.indices, index == selected));
                    lines.push(Line::from(spans));
                }
            }
        }
        lines
    }
}

/// `path` with the characters at `indices` in bold (the matched ones).
fn highlighted(path: &str, indices: &[u32], selected: bool) -> Vec<Span<'static>> {
    let base = if selected {
        Style::default().fg(Color::Cyan)
    } else {
        Style::default()
    };
    let hit = base.add_modifier(Modifier::BOLD).fg(Color::Yellow);
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut current = String::new();
    let mut current_hit = false;
    for (i, ch) in path.chars().enumerate() {
        let is_hit = indices.binary_search(&(i as u32)).is_ok();
        if is_hit != current_hit && !current.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut current),
                if current_hit { hit } else { base },
            ));
        }
        current_hit = is_hit;
        current.push(ch);
    }
    if !current.is_empty() {
        spans.push(Span::styled(current, if current_hit { hit } else { base }));
    }
    spans
}

/// What choosing a picker entry does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PickerValue {
    Model {
        model: String,
        effort: Option<ReasoningEffort>,
    },
    Preset {
        approval: AskForApproval,
        sandbox: SandboxPolicy,
        name: &'static str,
    },
    /// A `/review` choice.
    Review(ReviewChoice),
}

/// The steps of the `/review` picker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ReviewChoice {
    Uncommitted,
    /// Open the list of branches.
    PickBranch,
    /// Open the list of recent commits.
    PickCommit,
    /// Type instructions in the composer.
    Custom,
    Branch(String),
    Commit {
        sha: String,
        title: String,
    },
}

/// `/review` without arguments: what to review.
pub(crate) fn review_picker() -> ListPicker {
    let item = |label: &str, description: &str, choice| PickerItem {
        label: label.to_string(),
        description: description.to_string(),
        value: PickerValue::Review(choice),
        current: false,
    };
    ListPicker::new(
        "What should be reviewed?",
        vec![
            item(
                "Uncommitted changes",
                "staged, unstaged and untracked files",
                ReviewChoice::Uncommitted,
            ),
            item(
                "Against a base branch",
                "everything since the merge base",
                ReviewChoice::PickBranch,
            ),
            item(
                "A commit",
                "one of the recent commits",
                ReviewChoice::PickCommit,
            ),
            item(
                "Custom instructions",
                "type what to review",
                ReviewChoice::Custom,
            ),
        ],
    )
}

/// A picker of `choices` (label, description, value) titled `title`.
pub(crate) fn review_list(title: &str, choices: Vec<(String, String, ReviewChoice)>) -> ListPicker {
    ListPicker::new(
        title,
        choices
            .into_iter()
            .map(|(label, description, choice)| PickerItem {
                label,
                description,
                value: PickerValue::Review(choice),
                current: false,
            })
            .collect(),
    )
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PickerItem {
    pub label: String,
    pub description: String,
    pub value: PickerValue,
    pub current: bool,
}

/// A list to choose from, in place of the composer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListPicker {
    pub title: String,
    pub items: Vec<PickerItem>,
    pub selected: usize,
    pub footnote: Option<String>,
}

impl ListPicker {
    pub(crate) fn new(title: impl Into<String>, items: Vec<PickerItem>) -> Self {
        let selected = items.iter().position(|i| i.current).unwrap_or(0);
        Self {
            title: title.into(),
            items,
            selected,
            footnote: None,
        }
    }

    pub(crate) fn move_selection(&mut self, down: bool) {
        let len = self.items.len();
        if len > 0 {
            self.selected = if down {
                (self.selected + 1) % len
            } else {
                self.selected.checked_sub(1).unwrap_or(len - 1)
            };
        }
    }

    pub(crate) fn lines(&self, max_rows: usize) -> Vec<Line<'static>> {
        let mut lines = vec![Line::from(vec![Span::raw("  "), self.title.clone().bold()])];
        let rows = max_rows.saturating_sub(3).max(3);
        let first = (self.selected + 1).saturating_sub(rows);
        for (index, item) in self.items.iter().enumerate().skip(first).take(rows) {
            let selected = index == self.selected;
            let style = if selected {
                Style::default()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            let mut spans = vec![
                Span::raw(if selected { "› " } else { "  " }),
                Span::styled(format!("{}. {}", index + 1, item.label), style),
            ];
            if item.current {
                spans.push(" (current)".dim());
            }
            if !item.description.is_empty() {
                spans.push(format!("  {}", item.description).dim());
            }
            lines.push(Line::from(spans));
        }
        if let Some(note) = &self.footnote {
            lines.push(Line::from(Span::styled(
                format!("  {note}"),
                Style::default().fg(Color::Yellow),
            )));
        }
        lines.push(Line::from("  ⏎ choose · ↑↓ move · esc cancel".dim()));
        lines
    }
}

/// The approval presets of `/approvals`.
pub(crate) fn approval_presets(
    current_approval: AskForApproval,
    current_sandbox: &SandboxPolicy,
) -> ListPicker {
    let presets = [
        (
            "Read only",
            "reads anything; asks before edits and commands",
            AskForApproval::OnRequest,
            SandboxPolicy::ReadOnly,
        ),
        (
            "Auto",
            "edits and runs commands in the workspace; asks to go outside it or use the network",
            AskForApproval::OnRequest,
            SandboxPolicy::new_workspace_write(),
        ),
        (
            "Full access",
            "anything, anywhere, without asking",
            AskForApproval::Never,
            SandboxPolicy::DangerFullAccess,
        ),
    ];
    let items = presets
        .into_iter()
        .map(|(name, description, approval, sandbox)| PickerItem {
            label: name.to_string(),
            description: description.to_string(),
            current: approval == current_approval
                && std::mem::discriminant(&sandbox) == std::mem::discriminant(current_sandbox),
            value: PickerValue::Preset {
                approval,
                sandbox,
                name,
            },
        })
        .collect();
    let mut picker = ListPicker::new("What may Codex do without asking?", items);
    picker.footnote = Some(
        "Full access runs every command unsandboxed: use it only where something else contains codex."
            .to_string(),
    );
    picker
}

/// The models of the catalog (`visible` ones), each with its efforts.
pub(crate) fn model_picker(
    current_model: &str,
    current_effort: Option<ReasoningEffort>,
) -> ListPicker {
    let mut items = Vec::new();
    for family in codex_client::ModelCatalog::builtin().entries() {
        if !family.visible {
            continue;
        }
        if family.supported_reasoning_efforts.is_empty() {
            items.push(PickerItem {
                label: family.slug.clone(),
                description: family.description.clone(),
                current: family.slug == current_model,
                value: PickerValue::Model {
                    model: family.slug.clone(),
                    effort: None,
                },
            });
            continue;
        }
        for effort in &family.supported_reasoning_efforts {
            items.push(PickerItem {
                label: format!("{} {effort}", family.slug),
                description: if Some(*effort) == family.default_reasoning_effort {
                    format!("{} (default effort)", family.description)
                } else {
                    String::new()
                },
                current: family.slug == current_model
                    && Some(*effort) == current_effort.or(family.default_reasoning_effort),
                value: PickerValue::Model {
                    model: family.slug.clone(),
                    effort: Some(*effort),
                },
            });
        }
    }
    ListPicker::new("Model and reasoning effort (from the next turn)", items)
}

/// The skill names matching what follows a `$`, as `$name` entries of the
/// popup (names starting with the query first, then names containing it).
pub(crate) fn skill_matches(names: &[String], query: &str) -> Vec<codex_file_search::FileMatch> {
    let query_lower = query.to_lowercase();
    let mut found: Vec<(u32, &String, usize)> = names
        .iter()
        .filter_map(|name| {
            let at = name.to_lowercase().find(&query_lower)?;
            Some((u32::from(at == 0), name, at))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    found.dedup_by(|a, b| a.1 == b.1);
    found
        .into_iter()
        .take(20)
        .map(|(score, name, at)| codex_file_search::FileMatch {
            path: format!("${name}"),
            score,
            // The `$` comes first; the matched characters follow it.
            indices: (0..query.chars().count() as u32)
                .map(|i| i + 1 + name[..at].chars().count() as u32)
                .collect(),
        })
        .collect()
}
