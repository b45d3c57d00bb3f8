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
    let model = match settings.effort {
        Some(effort) => format!("{} {effort}", settings.model),
        None => settings.model.clone(),
    };
    let mut right = format!(
        "{} · {}",
        settings.approval,
        sandbox_label(&settings.sandbox)
    );
    if let Some(left) = chat.context_left_percent() {
        right.push_str(&format!(" · {left}% context left"));
    }
    let fixed = 2 + model.width() + 3 + right.width() + 2;
    let cwd = cut_left(
        &short_path(&settings.cwd),
        width.saturating_sub(fixed).max(8),
    );
    let left = format!("  {model} · {cwd}");
    let gap = width.saturating_sub(left.width() + right.width() + 1);
    let info = if left.width() + right.width() < width {
        Line::from(vec![
            Span::styled(left, Style::default().dim()),
            Span::raw(" ".repeat(gap)),
            Span::styled(right, Style::default().dim()),
        ])
    } else {
        Line::from(Span::styled(cut_left(&left, width), Style::default().dim()))
    };

    let hints: Vec<(&str, &str)> = if chat.approvals.is_open() {
        vec![("y/a/n/t", "answer"), ("↑↓ ⏎", "choose")]
    } else if chat.picker.is_some() {
        vec![("↑↓ ⏎", "choose"), ("esc", "cancel")]
    } else if chat.popup.is_some() {
        vec![("↑↓", "move"), ("tab/⏎", "insert"), ("esc", "close")]
    } else if chat.backtrack_primed {
        vec![("esc", "again to edit a previous message")]
    } else if chat.quit_armed(now) {
        vec![("ctrl+c", "again to quit")]
    } else if chat.task.is_some() {
        vec![
            ("esc", "interrupt"),
            ("⏎", "queue a message"),
            ("ctrl+j", "newline"),
        ]
    } else {
        vec![
            ("⏎", "send"),
            ("/", "commands"),
            ("@", "files"),
            ("ctrl+c", "quit"),
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

    #[test]
    fn long_paths_are_cut_from_the_left() {
        assert_eq!(cut_left("/a/very/long/path", 8), "…ng/path");
        assert_eq!(cut_left("/short", 8), "/short");
    }
}
