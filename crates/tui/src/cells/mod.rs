//! History cells: the finished parts of the transcript.
//!
//! A cell is compact data (the message text, a command and the tail of its
//! output, a patch's per-file summary), not rendered lines: it is rendered at
//! the width of the moment it is committed, printed into the scrollback, and
//! kept only so the transcript can be shown again (alternate-screen mode,
//! the transcript overlay). Each kind renders through a pure function of
//! the cell and a width, which the snapshot tests exercise.

mod exec;
mod patch;
mod raw;
pub(crate) use raw::plain_lines;

use std::path::PathBuf;

use codex_protocol::plan::{StepStatus, UpdatePlanArgs};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};

pub(crate) use exec::{ExecCell, format_duration, strip_ansi};
pub(crate) use patch::{FileSummary, PatchCell, render_diff, summarize_changes};

use crate::markdown;
use crate::wrap::{wrap_line, wrap_lines};

/// What the header of a session shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SessionInfo {
    pub model: String,
    pub effort: Option<String>,
    pub cwd: PathBuf,
    pub approval: String,
    pub sandbox: String,
    pub session_id: String,
    pub resumed: bool,
}

/// One finished piece of the transcript.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum HistoryCell {
    SessionHeader(SessionInfo),
    User {
        text: String,
        images: usize,
    },
    /// An answer (Markdown).
    Agent {
        markdown: String,
    },
    /// A reasoning summary: its bold header is shown, the text kept.
    Reasoning {
        header: String,
        text: String,
    },
    Exec(ExecCell),
    Patch(PatchCell),
    Plan(UpdatePlanArgs),
    /// A finished MCP tool call.
    McpCall {
        server: String,
        tool: String,
        arguments: String,
        /// The result's text (or the error), shortened.
        output: String,
        failed: bool,
        duration: std::time::Duration,
    },
    WebSearch {
        query: String,
    },
    ViewImage {
        path: PathBuf,
    },
    /// The person's answer to an approval request.
    Decision {
        approved: bool,
        summary: String,
    },
    Error(String),
    Warning(String),
    Info(String),
    Interrupted,
    /// The rule after a turn: how long it worked.
    Worked(std::time::Duration),
    /// Labelled rows (`/status`, `/mcp`).
    Table {
        title: String,
        rows: Vec<(String, String)>,
    },
}

/// "• " before the first row of a cell, two spaces before the others.
fn bullet(style: Style) -> Vec<Span<'static>> {
    vec![Span::styled("• ", style)]
}

fn indent() -> Vec<Span<'static>> {
    vec![Span::raw("  ")]
}

impl HistoryCell {
    /// The cell's rows at `width` cells (always at least one row). A blank
    /// row separates cells; it is part of the cell that follows.
    pub(crate) fn display_lines(&self, width: u16) -> Vec<Line<'static>> {
        let width = usize::from(width.max(10));
        let mut lines = vec![Line::default()];
        lines.extend(self.body_lines(width));
        lines
    }

    /// The cell as the transcript shows it: like the history, but a
    /// command with all the output kept and reasoning in full.
    pub(crate) fn transcript_lines(&self, width: u16) -> Vec<Line<'static>> {
        let w = usize::from(width.max(10));
        match self {
            Self::Exec(cell) => {
                let mut lines = vec![Line::default()];
                lines.extend(cell.expanded_lines(w));
                lines
            }
            Self::Reasoning { text, .. } => {
                let mut lines = vec![Line::default()];
                lines.extend(
                    markdown::render(text, w.saturating_sub(2))
                        .into_iter()
                        .map(|l| {
                            let mut spans = vec![Span::raw("  ")];
                            spans.extend(l.spans.into_iter().map(|s| s.dim().italic()));
                            Line::from(spans)
                        }),
                );
                lines
            }
            _ => self.display_lines(width),
        }
    }

    fn body_lines(&self, width: usize) -> Vec<Line<'static>> {
        match self {
            Self::SessionHeader(info) => session_header(info, width),
            Self::User { text, images } => {
                let style = Style::default().fg(Color::Reset);
                let mut source: Vec<Line<'static>> =
                    text.lines().map(|l| Line::from(l.to_string())).collect();
                if *images > 0 {
                    let noun = if *images == 1 { "image" } else { "images" };
                    source.push(Line::from(format!("[{images} {noun}]").dim()));
                }
                wrap_lines(
                    &source,
                    width,
                    &[Span::styled(
                        "› ",
                        style.add_modifier(Modifier::BOLD).fg(Color::Cyan),
                    )],
                    &indent(),
                )
            }
            Self::Agent { markdown } => agent_lines(markdown, width, true),
            Self::Reasoning { header, .. } => wrap_line(
                &Line::from(header.clone().bold().dim()),
                width,
                &bullet(Style::default().dim()),
                &indent(),
            ),
            Self::Exec(cell) => cell.display_lines(width),
            Self::Patch(cell) => cell.display_lines(width),
            Self::Plan(plan) => plan_lines(plan, width),
            Self::McpCall {
                server,
                tool,
                arguments,
                output,
                failed,
                duration,
            } => mcp_call_lines(
                server,
                tool,
                arguments,
                Some((output, *failed, *duration)),
                width,
                "• ",
            ),
            Self::WebSearch { query } => wrap_line(
                &Line::from(vec!["Searched ".bold(), Span::raw(query.clone())]),
                width,
                &bullet(Style::default().fg(Color::Blue)),
                &indent(),
            ),
            Self::ViewImage { path } => wrap_line(
                &Line::from(vec![
                    "Viewed image ".bold(),
                    Span::raw(path.display().to_string()).dim(),
                ]),
                width,
                &bullet(Style::default().fg(Color::Blue)),
                &indent(),
            ),
            Self::Decision { approved, summary } => {
                let (mark, style) = if *approved {
                    ("✔ ", Style::default().fg(Color::Green))
                } else {
                    ("✗ ", Style::default().fg(Color::Red))
                };
                wrap_line(
                    &Line::from(summary.clone()),
                    width,
                    &[Span::styled(mark, style)],
                    &indent(),
                )
            }
            Self::Error(message) => prefixed(message, width, "■ ", Style::default().fg(Color::Red)),
            Self::Warning(message) => {
                prefixed(message, width, "⚠ ", Style::default().fg(Color::Yellow))
            }
            Self::Info(message) => prefixed(message, width, "• ", Style::default().dim()),
            Self::Table { title, rows } => table_lines(title, rows, width),
            Self::Worked(elapsed) => {
                let label = format!("─ Worked for {} ", format_duration(*elapsed));
                let rest =
                    width.saturating_sub(unicode_width::UnicodeWidthStr::width(label.as_str()));
                vec![Line::from(format!("{label}{}", "─".repeat(rest)).dim())]
            }
            Self::Interrupted => prefixed(
                "Interrupted. Tell the model what to do differently.",
                width,
                "■ ",
                Style::default().fg(Color::Red),
            ),
        }
    }
}

fn prefixed(message: &str, width: usize, mark: &'static str, style: Style) -> Vec<Line<'static>> {
    let source: Vec<Line<'static>> = message
        .lines()
        .map(|l| Line::styled(l.to_string(), style))
        .collect();
    wrap_lines(&source, width, &[Span::styled(mark, style)], &indent())
}

/// An answer's rows: `first` says whether this is the start of the message
/// (which gets the bullet) or a continuation committed while it streamed.
pub(crate) fn agent_lines(markdown: &str, width: usize, first: bool) -> Vec<Line<'static>> {
    let body = markdown::render(markdown, width.saturating_sub(2));
    body.into_iter()
        .enumerate()
        .map(|(index, line)| {
            let lead = if index == 0 && first { "• " } else { "  " };
            let mut spans = vec![Span::raw(lead)];
            spans.extend(line.spans);
            Line::from(spans)
        })
        .collect()
}

fn session_header(info: &SessionInfo, width: usize) -> Vec<Line<'static>> {
    let title = Line::from(vec![
        ">_ ".dim(),
        "Codex".bold(),
        format!(" (v{})", env!("CARGO_PKG_VERSION")).dim(),
        if info.resumed {
            " · resumed".dim()
        } else {
            Span::raw("")
        },
    ]);
    let model = match &info.effort {
        Some(effort) => format!("{} {effort}", info.model),
        None => info.model.clone(),
    };
    let rows = [
        ("model", model),
        ("directory", crate::footer::short_path(&info.cwd)),
        ("approval", info.approval.clone()),
        ("sandbox", info.sandbox.clone()),
        ("session", info.session_id.clone()),
    ];
    let mut lines = wrap_line(&title, width, &[Span::raw("  ")], &[Span::raw("     ")]);
    for (label, value) in rows {
        let line = Line::from(vec![
            Span::styled(format!("{label:<10} "), Style::default().dim()),
            Span::raw(value),
        ]);
        lines.extend(wrap_line(
            &line,
            width,
            &[Span::raw("  ")],
            &[Span::raw("             ")],
        ));
    }
    lines
}

/// An MCP call: running (`result` none) or done with its output.
pub(crate) fn mcp_call_lines(
    server: &str,
    tool: &str,
    arguments: &str,
    result: Option<(&String, bool, std::time::Duration)>,
    width: usize,
    bullet: &'static str,
) -> Vec<Line<'static>> {
    let (verb, style) = match result {
        None => ("Calling ", Style::default().fg(Color::Cyan)),
        Some((_, false, _)) => ("Called ", Style::default().fg(Color::Green)),
        Some((_, true, _)) => ("Called ", Style::default().fg(Color::Red)),
    };
    let mut header = vec![
        verb.bold(),
        Span::styled(format!("{server}.{tool}"), Style::default().fg(Color::Cyan)),
        Span::raw(format!("({arguments})")).dim(),
    ];
    if let Some((_, failed, duration)) = result {
        let status = if failed { "✗" } else { "✓" };
        header.push(format!(" {status} {}", format_duration(duration)).dim());
    }
    let mut lines = wrap_line(
        &Line::from(header),
        width,
        &[Span::styled(bullet, style)],
        &[Span::raw("  ")],
    );
    if let Some((output, failed, _)) = result {
        let out_style = if failed {
            Style::default().fg(Color::Red)
        } else {
            Style::default().dim()
        };
        for (index, text) in output.lines().take(5).enumerate() {
            let lead = if index == 0 { "  └ " } else { "    " };
            lines.extend(
                wrap_line(
                    &Line::styled(text.to_string(), out_style),
                    width,
                    &[Span::styled(lead, Style::default().dim())],
                    &[Span::raw("    ")],
                )
                .into_iter()
                .take(2),
            );
        }
    }
    lines
}

fn table_lines(title: &str, rows: &[(String, String)], width: usize) -> Vec<Line<'static>> {
    let mut lines = wrap_line(
        &Line::from(title.to_string().bold()),
        width,
        &bullet(Style::default()),
        &indent(),
    );
    let label_width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let continuation = " ".repeat(label_width + 5);
    for (label, value) in rows {
        for (index, part) in value.lines().enumerate() {
            let lead = if index == 0 {
                format!("  {label:<label_width$}   ")
            } else {
                continuation.clone()
            };
            lines.extend(wrap_line(
                &Line::from(part.to_string()),
                width,
                &[Span::styled(lead, Style::default().dim())],
                &[Span::raw(continuation.clone())],
            ));
        }
    }
    lines
}

fn plan_lines(plan: &UpdatePlanArgs, width: usize) -> Vec<Line<'static>> {
    let mut lines = wrap_line(
        &Line::from("Updated plan".bold()),
        width,
        &bullet(Style::default()),
        &indent(),
    );
    if let Some(explanation) = plan.explanation.as_deref().filter(|e| !e.trim().is_empty()) {
        lines.extend(wrap_line(
            &Line::from(explanation.to_string().dim().italic()),
            width,
            &[Span::raw("  └ ")],
            &[Span::raw("    ")],
        ));
    }
    for (index, item) in plan.plan.iter().enumerate() {
        let (mark, style) = match item.status {
            StepStatus::Completed => ("✔ ", Style::default().crossed_out().dim()),
            StepStatus::InProgress => ("◐ ", Style::default().fg(Color::Cyan).bold()),
            StepStatus::Pending => ("□ ", Style::default()),
        };
        let lead = if index == 0 && plan.explanation.is_none() {
            "  └ "
        } else {
            "    "
        };
        lines.extend(wrap_line(
            &Line::from(Span::styled(item.step.clone(), style)),
            width,
            &[Span::raw(lead), Span::raw(mark)],
            &[Span::raw("      ")],
        ));
    }
    lines
}

#[cfg(test)]
mod tests;
