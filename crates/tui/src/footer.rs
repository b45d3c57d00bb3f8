//! The footer under the composer: model and effort, directory, approval
//! and sandbox mode, the share of the context window left, and the keys
//! that matter right now.

use std::path::Path;
use std::time::Instant;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::chat::ChatState;

/// `path` with the home directory written `~`.
pub(crate) fn short_path(path: &Path) -> String {
    if let Some(home) = std::env::var_os("HOME").map(std::path::PathBuf::from)
        && !home.as_os_str().is_empty()
        && let Ok(rest) = path.strip_prefix(&home)
    {
        if rest.as_os_str().is_empty() {
            return "~".to_string();
        }
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}

/// Cuts `text` to `width` cells from the left ("…/deep/dir").
fn cut_left(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 1;
    for ch in text.chars().rev() {
        let w = UnicodeWidthStr::width(ch.to_string().as_str());
        if used + w > width {
            break;
        }
        used += w;
        kept.push(ch);
    }
    kept.reverse();
    format!("…{}", kept.into_iter().collect::<String>())
}

/// The footer's rows.
pub(crate) fn footer_lines(chat: &ChatState, width: u16, now: Instant) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let settings = &chat.settings;
    // `/statusline` picks the items; the default shows them all.
    let shows = |item: &str| {
        chat.statusline
            .as_ref()
            .is_none_or(|items| items.iter().any(|i| i == item))
    };
    let model = match settings.effort {
        Some(effort) => format!("{} {effort}", settings.model),
        None => settings.model.clone(),
    };
    let model = if shows("model") { model } else { String::new() };
    let mut parts: Vec<String> = Vec::new();
    if shows("background") && chat.background.len() > 0 {
        parts.push(crate::chat::background_count_label(chat.background.len()));
    }
    if shows("approval") {
        parts.push(settings.approval.to_string());
    }
    if shows("sandbox") {
        parts.push(sandbox_label(&settings.sandbox));
    }
    let context = chat.context_left_percent().filter(|_| shows("context"));
    let mut full = parts.clone();
    let mut short = parts;
    if let Some(left) = context {
        full.push(format!("{left}% context left"));
        short.push(format!("{left}% left"));
    }
    let right_full = full.join(" · ");
    let right_short = short.join(" · ");
    let cwd = if shows("directory") {
        short_path(&settings.cwd)
    } else {
        String::new()
    };
    let info = info_line(&model, &cwd, &right_full, &right_short, width);

    if chat.shortcuts_open {
        let mut lines = vec![info];
        lines.extend(shortcut_lines(width));
        return lines;
    }
    let vim_normal = chat.composer.vim_mode() == Some(crate::composer::VimMode::Normal);
    let hints: Vec<(&str, &str)> = if chat.questions.is_typing() {
        vec![("⏎", "send answer"), ("esc", "back to the choices")]
    } else if chat.questions.is_open() {
        vec![
            ("↑↓ ⏎ 1-9", "choose"),
            ("type", "other"),
            ("esc", "interrupt"),
        ]
    } else if vim_normal && !chat.approvals.is_open() {
        vec![("-- NORMAL --", ""), ("i/a/o", "insert"), ("⏎", "send")]
    } else if chat.approvals.is_open() {
        vec![("y/a/n/d", "answer"), ("↑↓ ⏎", "choose")]
    } else if chat.picker.is_some() {
        vec![("↑↓ ⏎", "choose"), ("esc", "cancel")]
    } else if chat.popup.is_some() {
        vec![("↑↓", "move"), ("tab/⏎", "insert"), ("esc", "close")]
    } else if chat.backtrack_primed {
        vec![("esc", "again to rewind to a previous message")]
    } else if chat.side && chat.task.is_none() {
        vec![
            ("⏎", "send in this side conversation"),
            ("ctrl+c", "back to the main thread"),
        ]
    } else if chat.quit_armed(now) {
        vec![("ctrl+c", "again to quit")]
    } else if chat.task.is_some() {
        vec![
            ("esc", "interrupt"),
            ("⏎", "send now"),
            ("tab", "queue for after the turn"),
            ("ctrl+j", "newline"),
        ]
    } else {
        vec![
            ("⏎", "send"),
            ("/", "commands"),
            ("@", "files"),
            ("ctrl+c", "quit"),
            ("?", "shortcuts"),
            ("shift+⏎/ctrl+j", "newline"),
            ("ctrl+t", "transcript"),
        ]
    };
    // As many hints as fit, most important first.
    let mut spans = vec![Span::raw("  ")];
    let mut used = 2;
    for (index, (key, what)) in hints.iter().enumerate() {
        let separator = if index > 0 { " · " } else { "" };
        let needed = separator.width() + key.width() + 1 + what.width();
        if used + needed > width {
            break;
        }
        used += needed;
        spans.push(Span::styled(separator, Style::default().dim()));
        spans.push(Span::raw(key.to_string()));
        spans.push(Span::styled(format!(" {what}"), Style::default().dim()));
    }
    vec![info, Line::from(spans)]
}

/// What `?` shows: every key the chat answers to.
pub(crate) const SHORTCUTS: &[(&str, &str)] = &[
    ("/", "commands"),
    ("@", "find a file"),
    ("!", "run a shell command"),
    ("⏎", "send (while working: now)"),
    ("tab", "queue for after the turn"),
    ("shift+⏎ ctrl+j", "newline"),
    ("esc", "interrupt"),
    ("esc esc", "rewind to a previous message"),
    ("↑ ↓", "prompt history"),
    ("ctrl+t", "transcript"),
    ("ctrl+g", "edit in $EDITOR"),
    ("ctrl+c", "clear, then quit"),
    ("ctrl+d", "quit (empty composer)"),
    ("ctrl+z", "suspend"),
];

/// The shortcuts in two columns (one when narrow), then how to close.
fn shortcut_lines(width: usize) -> Vec<Line<'static>> {
    let key_width = SHORTCUTS.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let entry = |(key, what): &(&str, &str)| -> Vec<Span<'static>> {
        vec![
            Span::raw(format!("{key:<key_width$}")),
            Span::styled(format!("  {what}"), Style::default().dim()),
        ]
    };
    let column = 2 + key_width + 2 + SHORTCUTS.iter().map(|(_, w)| w.width()).max().unwrap_or(0);
    let two = width >= 2 * column + 2;
    let mut lines = Vec::new();
    if two {
        let half = SHORTCUTS.len().div_ceil(2);
        for (row, shortcut) in SHORTCUTS.iter().take(half).enumerate() {
            let mut spans = vec![Span::raw("  ")];
            let left = entry(shortcut);
            let used: usize = left.iter().map(|s| s.content.width()).sum();
            spans.extend(left);
            if let Some(right) = SHORTCUTS.get(row + half) {
                spans.push(Span::raw(" ".repeat(column.saturating_sub(used))));
                spans.extend(entry(right));
            }
            lines.push(Line::from(spans));
        }
    } else {
        for shortcut in SHORTCUTS {
            let mut spans = vec![Span::raw("  ")];
            spans.extend(entry(shortcut));
            lines.push(Line::from(spans));
        }
    }
    lines.push(Line::from(Span::styled(
        "  any key closes this",
        Style::default().dim(),
    )));
    lines
}

/// The first row: model and directory on the left, approval, sandbox and
/// context on the right. When they do not all fit, the directory is cut
/// from the left, then "context left" shortened, then the directory
/// dropped, then the model: approval, sandbox and context go last.
fn info_line(
    model: &str,
    cwd: &str,
    right_full: &str,
    right_short: &str,
    width: usize,
) -> Line<'static> {
    let dim = Style::default().dim();
    let laid_out = |left: String, right: &str| -> Option<Line<'static>> {
        // At least one blank between them, and the last column is left
        // blank.
        let needed = left.width() + 2 + right.width();
        (needed <= width).then(|| {
            Line::from(vec![
                Span::styled(left.clone(), dim),
                Span::raw(" ".repeat(width - needed + 1)),
                Span::styled(right.to_string(), dim),
            ])
        })
    };
    let with_cwd = |right: &str| {
        let separator = if model.is_empty() { "" } else { " · " };
        let fixed = 2 + model.width() + separator.width() + 2 + right.width();
        let room = width.saturating_sub(fixed);
        (!cwd.is_empty() && room >= 8.min(cwd.width()))
            .then(|| format!("  {model}{separator}{}", cut_left(cwd, room)))
    };
    for right in [right_full, right_short] {
        if let Some(line) = with_cwd(right).and_then(|left| laid_out(left, right)) {
            return line;
        }
    }
    let model_only = if model.is_empty() {
        String::new()
    } else {
        format!("  {model}")
    };
    for right in [right_full, right_short] {
        if let Some(line) = laid_out(model_only.clone(), right) {
            return line;
        }
    }
    if let Some(line) = laid_out(String::new(), right_short) {
        return line;
    }
    Line::from(Span::styled(
        cut_left(&format!("  {right_short}"), width),
        dim,
    ))
}

fn sandbox_label(policy: &codex_protocol::protocol::SandboxPolicy) -> String {
    use codex_protocol::protocol::SandboxPolicy;
    match policy {
        SandboxPolicy::WorkspaceWrite { network_access, .. } if *network_access => {
            "workspace-write + network".to_string()
        }
        SandboxPolicy::WorkspaceWrite { .. } => "workspace-write".to_string(),
        SandboxPolicy::ReadOnly => "read-only".to_string(),
        SandboxPolicy::DangerFullAccess => "full access".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line<'_>) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn the_info_row_keeps_approval_sandbox_and_context_when_narrow() {
        let right_full = "on-request · workspace-write · 100% context left";
        let right_short = "on-request · workspace-write · 100% left";
        let at = |width| {
            text(&info_line(
                "gpt-5.5 medium",
                "~/src/project",
                right_full,
                right_short,
                width,
            ))
        };
        assert_eq!(
            at(90),
            "  gpt-5.5 medium · ~/src/project         on-request · workspace-write · 100% context left"
        );
        assert_eq!(
            at(60),
            "  gpt-5.5 medium   on-request · workspace-write · 100% left"
        );
        assert_eq!(at(50), "         on-request · workspace-write · 100% left");
        for width in [20, 40, 50, 60, 80, 120] {
            assert!(at(width).width() <= width, "{width}: {}", at(width));
        }
    }

    #[test]
    fn long_paths_are_cut_from_the_left() {
        assert_eq!(cut_left("/a/very/long/path", 8), "…ng/path");
        assert_eq!(cut_left("/short", 8), "/short");
    }
}
