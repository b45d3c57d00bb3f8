//! A patch: each file with its added/removed counts and a coloured diff
//! with line numbers. The same rendering shows a patch waiting for approval.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use codex_protocol::protocol::FileChange;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};

use crate::wrap::wrap_line;

/// Diff rows shown per file in the history.
const DIFF_ROWS_PER_FILE: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    Add,
    Delete,
    Update,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DiffRow {
    /// `@@` between hunks.
    Gap,
    Context(usize, String),
    Added(usize, String),
    Removed(usize, String),
}

/// One file of a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileSummary {
    /// Relative to the session's directory when inside it.
    pub path: String,
    pub move_to: Option<String>,
    pub kind: ChangeKind,
    pub added: usize,
    pub removed: usize,
    rows: Vec<DiffRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PatchCell {
    pub files: Vec<FileSummary>,
    /// None while applying; Some(error text) when it failed.
    pub failure: Option<String>,
}

impl PatchCell {
    pub(crate) fn display_lines(&self, width: usize) -> Vec<Line<'static>> {
        let failed = self.failure.is_some();
        let bullet = if failed {
            Span::styled("• ", Style::default().fg(Color::Red))
        } else {
            Span::styled("• ", Style::default().fg(Color::Green))
        };
        let mut lines = Vec::new();
        let verb = if failed { "Failed to edit " } else { "Edited " };
        let (added, removed) = self
            .files
            .iter()
            .fold((0, 0), |(a, r), f| (a + f.added, r + f.removed));
        if let [file] = self.files.as_slice() {
            let mut header = vec![verb.bold()];
            header.extend(file_title(file));
            lines.extend(wrap_line(
                &Line::from(header),
                width,
                &[bullet],
                &[Span::raw("  ")],
            ));
            lines.extend(render_diff(file, width, DIFF_ROWS_PER_FILE, "    "));
        } else {
            let header = Line::from(vec![
                verb.bold(),
                Span::raw(format!("{} files ", self.files.len())),
                counts(added, removed),
            ]);
            lines.extend(wrap_line(&header, width, &[bullet], &[Span::raw("  ")]));
            for (index, file) in self.files.iter().enumerate() {
                let lead = if index == 0 { "  └ " } else { "    " };
                lines.extend(wrap_line(
                    &Line::from(file_title(file)),
                    width,
                    &[Span::styled(lead, Style::default().dim())],
                    &[Span::raw("      ")],
                ));
                lines.extend(render_diff(file, width, DIFF_ROWS_PER_FILE, "      "));
            }
        }
        if let Some(error) = &self.failure {
            for line in error.lines().filter(|l| !l.trim().is_empty()) {
                lines.extend(wrap_line(
                    &Line::styled(line.to_string(), Style::default().fg(Color::Red)),
                    width,
                    &[Span::raw("    ")],
                    &[Span::raw("    ")],
                ));
            }
        }
        lines
    }
}

fn counts(added: usize, removed: usize) -> Span<'static> {
    Span::raw(format!("(+{added} -{removed})"))
}

fn file_title(file: &FileSummary) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw(file.path.clone())];
    if let Some(to) = &file.move_to {
        spans.push(" → ".dim());
        spans.push(Span::raw(to.clone()));
    }
    match file.kind {
        ChangeKind::Add => spans.push(" (new)".dim()),
        ChangeKind::Delete => spans.push(" (deleted)".dim()),
        ChangeKind::Update => {}
    }
    spans.push(Span::raw(" "));
    spans.push(Span::styled(
        format!("(+{}", file.added),
        Style::default().fg(Color::Green),
    ));
    spans.push(Span::styled(
        format!(" -{})", file.removed),
        Style::default().fg(Color::Red),
    ));
    spans
}

/// The diff rows of `file`, at most `max_rows` (then "… +N lines").
pub(crate) fn render_diff(
    file: &FileSummary,
    width: usize,
    max_rows: usize,
    indent: &'static str,
) -> Vec<Line<'static>> {
    let number_width = file
        .rows
        .iter()
        .map(|row| match row {
            DiffRow::Context(n, _) | DiffRow::Added(n, _) | DiffRow::Removed(n, _) => *n,
            DiffRow::Gap => 0,
        })
        .max()
        .unwrap_or(0)
        .to_string()
        .len();
    let mut lines = Vec::new();
    for row in file.rows.iter().take(max_rows) {
        let (number, sign, text, style) = match row {
            DiffRow::Gap => {
                lines.push(Line::from(vec![Span::raw(indent), "⋮".dim()]));
                continue;
            }
            DiffRow::Context(n, text) => (*n, ' ', text, Style::default().dim()),
            DiffRow::Added(n, text) => (*n, '+', text, Style::default().fg(Color::Green)),
            DiffRow::Removed(n, text) => (*n, '-', text, Style::default().fg(Color::Red)),
        };
        let gutter = format!("{indent}{number:>number_width$} ");
        let continuation = " ".repeat(gutter.chars().count() + 1);
        lines.extend(wrap_line(
            &Line::from(Span::styled(
                format!("{sign}{}", crate::cells::exec::strip_ansi(text)),
                style,
            )),
            width,
            &[Span::styled(gutter, Style::default().dim())],
            &[Span::raw(continuation)],
        ));
    }
    if file.rows.len() > max_rows {
        lines.push(Line::from(vec![
            Span::raw(indent),
            format!("… +{} lines", file.rows.len() - max_rows).dim(),
        ]));
    }
    lines
}

/// Summarizes a patch's changes, files sorted by path.
pub(crate) fn summarize_changes(
    changes: &HashMap<PathBuf, FileChange>,
    cwd: &Path,
) -> Vec<FileSummary> {
    let relative =
        |path: &Path| -> String { path.strip_prefix(cwd).unwrap_or(path).display().to_string() };
    let mut files: Vec<FileSummary> = changes
        .iter()
        .map(|(path, change)| match change {
            FileChange::Add { content } => {
                let rows: Vec<DiffRow> = content
                    .lines()
                    .enumerate()
                    .map(|(i, l)| DiffRow::Added(i + 1, l.to_string()))
                    .collect();
                FileSummary {
                    path: relative(path),
                    move_to: None,
                    kind: ChangeKind::Add,
                    added: rows.len(),
                    removed: 0,
                    rows,
                }
            }
            FileChange::Delete { content } => {
                let rows: Vec<DiffRow> = content
                    .lines()
                    .enumerate()
                    .map(|(i, l)| DiffRow::Removed(i + 1, l.to_string()))
                    .collect();
                FileSummary {
                    path: relative(path),
                    move_to: None,
                    kind: ChangeKind::Delete,
                    added: 0,
                    removed: rows.len(),
                    rows,
                }
            }
            FileChange::Update {
                unified_diff,
                move_path,
            } => {
                let rows = parse_unified_diff(unified_diff);
                FileSummary {
                    path: relative(path),
                    move_to: move_path.as_deref().map(relative),
                    kind: ChangeKind::Update,
                    added: rows
                        .iter()
                        .filter(|r| matches!(r, DiffRow::Added(..)))
                        .count(),
                    removed: rows
                        .iter()
                        .filter(|r| matches!(r, DiffRow::Removed(..)))
                        .count(),
                    rows,
                }
            }
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Rows of a unified diff, numbered from its hunk headers (new-file
/// numbers for added and context rows, old-file numbers for removed ones).
fn parse_unified_diff(diff: &str) -> Vec<DiffRow> {
    let mut rows = Vec::new();
    let (mut old, mut new) = (0usize, 0usize);
    let mut seen_hunk = false;
    for line in diff.lines() {
        if let Some(header) = line.strip_prefix("@@") {
            // "@@ -a,b +c,d @@"
            let mut parts = header.split_whitespace();
            let parse = |part: Option<&str>, sign: char| {
                part.and_then(|p| p.strip_prefix(sign))
                    .and_then(|p| p.split(',').next())
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(1)
            };
            old = parse(parts.next(), '-');
            new = parse(parts.next(), '+');
            if seen_hunk {
                rows.push(DiffRow::Gap);
            }
            seen_hunk = true;
            continue;
        }
        if !seen_hunk || line.starts_with("--- ") || line.starts_with("+++ ") {
            continue;
        }
        if let Some(text) = line.strip_prefix('+') {
            rows.push(DiffRow::Added(new, text.to_string()));
            new += 1;
        } else if let Some(text) = line.strip_prefix('-') {
            rows.push(DiffRow::Removed(old, text.to_string()));
            old += 1;
        } else if line.starts_with('\\') {
            // "\ No newline at end of file"
        } else {
            let text = line.strip_prefix(' ').unwrap_or(line);
            rows.push(DiffRow::Context(new, text.to_string()));
            old += 1;
            new += 1;
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn hunks_are_numbered_and_counted() {
        let diff = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -10,1 +10,2 @@\n j\n+k\n";
        let rows = parse_unified_diff(diff);
        assert_eq!(
            rows,
            vec![
                DiffRow::Context(1, "a".into()),
                DiffRow::Removed(2, "b".into()),
                DiffRow::Added(2, "B".into()),
                DiffRow::Context(3, "c".into()),
                DiffRow::Gap,
                DiffRow::Context(10, "j".into()),
                DiffRow::Added(11, "k".into()),
            ]
        );
    }
}
