//! A command the model ran: live while it runs (spinner, the newest output
//! lines), then "Ran …" with its exit status, duration and the last lines
//! of its output. Reads, listings and searches are shown as what they are
//! ("Explored · Read src/main.rs") rather than as shell text.

use std::time::Duration;

use codex_protocol::parse_command::ParsedCommand;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};

use crate::wrap::wrap_line;

/// Output kept per command, for the transcript (Ctrl-T), which shows all
/// of it; the history shows fewer lines. Past these bounds the oldest lines
/// go, in batches, and the transcript says how many.
const KEPT_LINES: usize = 20_000;
const KEPT_BYTES: usize = 1 << 20;
/// Output lines shown in the history.
const SHOWN_LINES: usize = 5;
/// Output lines shown while the command runs.
const LIVE_LINES: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExecResult {
    pub exit_code: i32,
    pub duration: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExecCell {
    pub call_id: String,
    pub command: Vec<String>,
    pub parsed: Vec<ParsedCommand>,
    /// The newest output lines (ANSI sequences removed).
    pub output: Vec<String>,
    /// How many lines the output had in all.
    pub output_line_count: usize,
    /// Bytes of `output`.
    output_bytes: usize,
    /// An unfinished last line of streamed output.
    partial: String,
    pub result: Option<ExecResult>,
}

impl ExecCell {
    pub(crate) fn new(call_id: String, command: Vec<String>, parsed: Vec<ParsedCommand>) -> Self {
        Self {
            call_id,
            command,
            parsed,
            output: Vec::new(),
            output_line_count: 0,
            output_bytes: 0,
            partial: String::new(),
            result: None,
        }
    }

    /// Adds streamed output.
    pub(crate) fn push_output(&mut self, chunk: &str) {
        self.partial.push_str(chunk);
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            self.push_line(line.trim_end_matches(['\n', '\r']));
        }
    }

    fn push_line(&mut self, line: &str) {
        let line = strip_ansi(line);
        self.output_bytes += line.len();
        self.output.push(line);
        self.output_line_count += 1;
        if self.output.len() > KEPT_LINES || self.output_bytes > KEPT_BYTES {
            // A batch at a time, so a long output is not shifted per line.
            let drop = (self.output.len() / 8).max(1);
            let dropped: usize = self.output.drain(..drop).map(|l| l.len()).sum();
            self.output_bytes -= dropped;
        }
    }

    /// The command ended; `aggregated` is its whole output as the engine
    /// reports it (which replaces what was streamed, so nothing is missed).
    pub(crate) fn finish(&mut self, exit_code: i32, duration: Duration, aggregated: &str) {
        self.output.clear();
        self.output_line_count = 0;
        self.output_bytes = 0;
        self.partial.clear();
        for line in aggregated.lines() {
            self.push_line(line);
        }
        self.result = Some(ExecResult {
            exit_code,
            duration,
        });
    }

    /// True when every part of the command only reads.
    fn is_exploration(&self) -> bool {
        !self.parsed.is_empty()
            && self
                .parsed
                .iter()
                .all(|p| !matches!(p, ParsedCommand::Unknown { .. }))
    }

    fn display_command(&self) -> String {
        codex_core::display_command(&self.command)
    }

    /// Rows for the history (finished) or the live area (running).
    pub(crate) fn display_lines(&self, width: usize) -> Vec<Line<'static>> {
        self.lines(width, None)
    }

    /// Rows for the transcript: the header and every output line kept.
    pub(crate) fn expanded_lines(&self, width: usize) -> Vec<Line<'static>> {
        let mut lines = self.lines(width, None);
        if self.is_exploration() {
            return lines;
        }
        // Replace the shortened output with all of it.
        lines.retain(|l| {
            !l.spans
                .first()
                .is_some_and(|s| s.content == "  └ " || s.content == "    ")
        });
        let out_style = Style::default().dim();
        if self.output_line_count > self.output.len() {
            lines.push(Line::from(Span::styled(
                format!(
                    "  … {} earlier lines not kept",
                    self.output_line_count - self.output.len()
                ),
                out_style,
            )));
        }
        for line in &self.output {
            lines.extend(wrap_line(
                &Line::from(Span::styled(line.clone(), out_style)),
                width,
                &[Span::styled("    ", out_style)],
                &[Span::styled("    ", out_style)],
            ));
        }
        if self.result.is_some() {
            lines.push(self.status_line());
        }
        lines
    }

    /// Rows while running: `spinner` replaces the bullet.
    pub(crate) fn live_lines(
        &self,
        width: usize,
        spinner: &'static str,
        elapsed: Duration,
    ) -> Vec<Line<'static>> {
        self.lines(width, Some((spinner, elapsed)))
    }

    fn lines(&self, width: usize, running: Option<(&'static str, Duration)>) -> Vec<Line<'static>> {
        let failed = self.result.as_ref().is_some_and(|r| r.exit_code != 0);
        let bullet_style = match (&self.result, failed) {
            (None, _) => Style::default().fg(Color::Cyan),
            (Some(_), false) => Style::default().fg(Color::Green),
            (Some(_), true) => Style::default().fg(Color::Red),
        };
        let bullet = running.map_or("• ", |(spinner, _)| spinner);
        let mut lines = Vec::new();
        if self.is_exploration() {
            let verb = if running.is_some() {
                "Exploring"
            } else {
                "Explored"
            };
            lines.extend(wrap_line(
                &Line::from(verb.bold()),
                width,
                &[Span::styled(bullet, bullet_style)],
                &[Span::raw("  ")],
            ));
            for (index, part) in self.parsed.iter().enumerate() {
                let lead = if index == 0 { "  └ " } else { "    " };
                lines.extend(wrap_line(
                    &exploration_line(part),
                    width,
                    &[Span::styled(lead, Style::default().dim())],
                    &[Span::raw("      ")],
                ));
            }
            if failed {
                lines.push(self.status_line());
            }
            return lines;
        }

        let verb = if running.is_some() {
            "Running "
        } else {
            "Ran "
        };
        let command = self.display_command();
        let mut command_lines = command.lines();
        let first = command_lines.next().unwrap_or_default().to_string();
        let mut header = vec![verb.bold(), Span::raw(first)];
        if let Some((_, elapsed)) = running {
            header.push(format!(" · {}", format_duration(elapsed)).dim());
        }
        lines.extend(wrap_line(
            &Line::from(header),
            width,
            &[Span::styled(bullet, bullet_style)],
            &[Span::styled("  │ ", Style::default().dim())],
        ));
        for more in command_lines {
            lines.extend(wrap_line(
                &Line::from(more.to_string()),
                width,
                &[Span::styled("  │ ", Style::default().dim())],
                &[Span::styled("  │ ", Style::default().dim())],
            ));
        }

        let shown = if running.is_some() {
            LIVE_LINES
        } else {
            SHOWN_LINES
        };
        let mut tail: Vec<&str> = self.output.iter().map(String::as_str).collect();
        if running.is_some() && !self.partial.is_empty() {
            tail.push(&self.partial);
        }
        while tail.last().is_some_and(|l| l.trim().is_empty()) {
            tail.pop();
        }
        let total = self.output_line_count.max(tail.len());
        let tail = &tail[tail.len().saturating_sub(shown)..];
        let hidden = total.saturating_sub(tail.len());
        let out_style = Style::default().dim();
        if self.result.is_some() && tail.is_empty() && !failed {
            lines.push(Line::from(vec![
                Span::styled("  └ ", out_style),
                Span::styled("(no output)", out_style),
            ]));
        }
        if hidden > 0 && !tail.is_empty() {
            lines.push(Line::from(vec![
                Span::styled("  └ ", out_style),
                Span::styled(format!("… +{hidden} lines"), out_style),
            ]));
        }
        for (index, line) in tail.iter().enumerate() {
            let lead = if index == 0 && hidden == 0 {
                "  └ "
            } else {
                "    "
            };
            // Output lines are cut, not wrapped: the tail is a glimpse.
            lines.extend(
                wrap_line(
                    &Line::from(Span::styled(line.to_string(), out_style)),
                    width,
                    &[Span::styled(lead, out_style)],
                    &[Span::styled("    ", out_style)],
                )
                .into_iter()
                .take(2),
            );
        }
        if self.result.is_some() {
            lines.push(self.status_line());
        }
        lines
    }

    fn status_line(&self) -> Line<'static> {
        let Some(result) = &self.result else {
            return Line::default();
        };
        let duration = format_duration(result.duration);
        if result.exit_code == 0 {
            Line::from(vec![Span::raw("    "), format!("✓ {duration}").dim()])
        } else {
            Line::from(vec![
                Span::raw("    "),
                Span::styled(
                    format!("✗ exit {}", result.exit_code),
                    Style::default().fg(Color::Red),
                ),
                format!(" · {duration}").dim(),
            ])
        }
    }
}

fn exploration_line(part: &ParsedCommand) -> Line<'static> {
    match part {
        ParsedCommand::Read { name, .. } => {
            Line::from(vec!["Read ".fg(Color::Cyan), Span::raw(name.clone())])
        }
        ParsedCommand::ListFiles { path, .. } => Line::from(vec![
            "List ".fg(Color::Cyan),
            Span::raw(path.clone().unwrap_or_else(|| ".".to_string())),
        ]),
        ParsedCommand::Search { query, path, .. } => {
            let mut spans = vec!["Search ".fg(Color::Cyan)];
            spans.push(Span::raw(query.clone().unwrap_or_default()));
            if let Some(path) = path {
                spans.push(" in ".dim());
                spans.push(Span::raw(path.clone()));
            }
            Line::from(spans)
        }
        ParsedCommand::Unknown { cmd } => Line::from(cmd.clone()),
    }
}

/// "0.4s", "12s", "3m 05s".
pub(crate) fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs < 10 {
        format!("{:.1}s", duration.as_secs_f64())
    } else if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

/// Removes ANSI escape sequences (colours, cursor moves) from command
/// output, which is shown inside our own layout.
pub(crate) fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '\x1b' {
            if ch == '\t' {
                out.push_str("    ");
            } else if !ch.is_control() {
                out.push(ch);
            }
            continue;
        }
        match chars.peek() {
            // CSI: parameters, then one final byte in @..~.
            Some('[') => {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ST.
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == '\x1b' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn escape_sequences_are_removed_from_output() {
        assert_eq!(
            strip_ansi("\x1b[31merror\x1b[0m: x\x1b]0;title\x07!"),
            "error: x!"
        );
        assert_eq!(strip_ansi("a\tb\r"), "a    b");
    }

    #[test]
    fn streamed_output_keeps_the_newest_lines() {
        let mut cell = ExecCell::new("c".into(), vec!["seq".into()], Vec::new());
        let total = KEPT_LINES + 100;
        for i in 0..total {
            cell.push_output(&format!("{i}\n"));
        }
        cell.push_output("par");
        cell.push_output("tial");
        // All of it up to the bound, then the oldest go in a batch.
        assert!(cell.output.len() <= KEPT_LINES, "{}", cell.output.len());
        assert!(cell.output.len() > KEPT_LINES / 2, "{}", cell.output.len());
        assert_eq!(
            cell.output.last().map(String::as_str),
            Some((total - 1).to_string().as_str())
        );
        assert_eq!(cell.partial, "partial");
        assert_eq!(cell.output_line_count, total);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(420)), "0.4s");
        assert_eq!(format_duration(Duration::from_secs(12)), "12s");
        assert_eq!(format_duration(Duration::from_secs(185)), "3m 05s");
    }
}
