//! The slash commands about the session and the window, on the chat's side:
//! what they can do with the chat's own state (`/pwd`, `/cd`, `/theme`,
//! `/statusline`, `/keymap`, `/warnings`, `/export`), and the ones the app
//! carries out (clearing the screen, the clipboard, the terminal title,
//! forking, renaming, the configuration, the feedback bundle), handed over
//! as a [`SessionCommand`].

use std::fmt::Write as _;
use std::path::PathBuf;

use codex_protocol::protocol::Op;

use super::{ChatState, Effect};
use crate::cells::HistoryCell;
use crate::slash::SlashCommand;

/// A slash command the app carries out (it needs the terminal, the thread
/// manager or the configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SessionCommand {
    /// `/clear`: the terminal cleared and a new chat.
    Clear,
    /// `/copy`: this text to the clipboard (OSC 52).
    Copy(String),
    /// `/fork`: a copy of this chat, continued here.
    Fork,
    /// `/rename NAME`.
    Rename(String),
    /// `/config`.
    Config,
    /// `/feedback`.
    Feedback,
    /// `/title TEXT` (empty: the default).
    Title(String),
    /// `/experimental [NAME on|off]`.
    Experimental(String),
}

/// The footer items `/statusline` chooses from, in their default order.
pub(crate) const STATUSLINE_ITEMS: &[&str] = &[
    "model",
    "directory",
    "approval",
    "sandbox",
    "context",
    "background",
];

impl ChatState {
    pub(crate) fn run_session_command(&mut self, command: SlashCommand, args: &str) -> Vec<Effect> {
        let app = |command| vec![Effect::Session(command)];
        match command {
            SlashCommand::Clear => app(SessionCommand::Clear),
            SlashCommand::Copy => match self.last_answer() {
                Some(text) => app(SessionCommand::Copy(text)),
                None => self.info("There is no answer to copy yet."),
            },
            SlashCommand::Fork => app(SessionCommand::Fork),
            SlashCommand::Rename if args.is_empty() => self.info("Give the name: /rename NAME"),
            SlashCommand::Rename => app(SessionCommand::Rename(args.to_string())),
            SlashCommand::Config => app(SessionCommand::Config),
            SlashCommand::Feedback => app(SessionCommand::Feedback),
            SlashCommand::Title => app(SessionCommand::Title(args.to_string())),
            SlashCommand::Experimental => app(SessionCommand::Experimental(args.to_string())),
            SlashCommand::Pwd => {
                let cwd = self.settings.cwd.display().to_string();
                self.info(&format!("Working directory: {cwd}"))
            }
            SlashCommand::Cd => self.change_directory(args),
            SlashCommand::Theme => self.choose_theme(args),
            SlashCommand::Statusline => self.choose_statusline(args),
            SlashCommand::Keymap => {
                let rows = crate::footer::SHORTCUTS
                    .iter()
                    .map(|(key, what)| (key.to_string(), what.to_string()))
                    .collect();
                self.commit(HistoryCell::Table {
                    title: "Keys".to_string(),
                    rows,
                });
                Vec::new()
            }
            SlashCommand::Warnings => {
                if self.warnings.is_empty() {
                    return self.info("No warnings in this session.");
                }
                let text = self.warnings.join("\n");
                self.commit(HistoryCell::Warning(text));
                Vec::new()
            }
            SlashCommand::Export => self.export(args),
            _ => Vec::new(),
        }
    }

    /// `/raw [on|off]`: messages as plain text, or rich again.
    pub(crate) fn raw_mode(&mut self, args: &str) -> Vec<Effect> {
        let on = match args {
            "" => !self.display.raw,
            "on" => true,
            "off" => false,
            _ => {
                self.commit(HistoryCell::Error("Usage: /raw [on|off]".to_string()));
                return Vec::new();
            }
        };
        self.display.raw = on;
        if let Some(stream) = &mut self.stream {
            stream.set_raw(on);
        }
        self.info(if on {
            "Raw mode on: messages are shown as plain text, for clean copying (/raw off: rich)."
        } else {
            "Raw mode off: messages are rendered again."
        });
        vec![Effect::Rerender]
    }

    fn info(&mut self, text: &str) -> Vec<Effect> {
        self.commit(HistoryCell::Info(text.to_string()));
        Vec::new()
    }

    /// The newest answer: the one streaming, or the last one finished.
    fn last_answer(&self) -> Option<String> {
        if let Some(stream) = self.stream.as_ref().filter(|s| !s.is_empty()) {
            return Some(stream.text().to_string());
        }
        self.transcript.iter().rev().find_map(|cell| match cell {
            HistoryCell::Agent { markdown } => Some(markdown.clone()),
            _ => None,
        })
    }

    /// `/cd DIR`: relative to the current directory, `~` for home.
    fn change_directory(&mut self, args: &str) -> Vec<Effect> {
        if args.is_empty() {
            return self.info("Give the directory: /cd DIR");
        }
        let target = match args.strip_prefix('~') {
            Some(rest) => match std::env::var_os("HOME") {
                Some(home) => PathBuf::from(home).join(rest.trim_start_matches('/')),
                None => PathBuf::from(args),
            },
            None => self.settings.cwd.join(args),
        };
        let dir = match target.canonicalize() {
            Ok(dir) if dir.is_dir() => dir,
            Ok(dir) => {
                self.commit(HistoryCell::Error(format!(
                    "cannot change to {}: not a directory",
                    dir.display()
                )));
                return Vec::new();
            }
            Err(err) => {
                self.commit(HistoryCell::Error(format!(
                    "cannot change to {}: {err}",
                    target.display()
                )));
                return Vec::new();
            }
        };
        self.settings.cwd = dir.clone();
        self.commit(HistoryCell::Info(format!(
            "Working directory: {} (from the next turn)",
            dir.display()
        )));
        vec![Effect::Op(Op::OverrideTurnContext {
            cwd: Some(dir),
            approval_policy: None,
            sandbox_policy: None,
            model: None,
            effort: None,
            summary: None,
        })]
    }

    fn choose_theme(&mut self, args: &str) -> Vec<Effect> {
        if args.is_empty() {
            let current = crate::highlight::theme_name();
            let names = crate::highlight::theme_names().join(", ");
            return self.info(&format!(
                "Code theme: {current}. Themes: {names}. Choose one with /theme NAME."
            ));
        }
        match crate::highlight::set_theme(args) {
            Ok(()) => self.info(&format!("Code theme: {args} (for code shown from now on)")),
            Err(message) => {
                self.commit(HistoryCell::Error(message));
                Vec::new()
            }
        }
    }

    /// `/statusline [ITEM,...|default]`.
    fn choose_statusline(&mut self, args: &str) -> Vec<Effect> {
        let available = STATUSLINE_ITEMS.join(", ");
        if args.is_empty() {
            let current = match &self.statusline {
                Some(items) => items.join(", "),
                None => format!("{available} (the default)"),
            };
            return self.info(&format!(
                "Footer: {current}. Choose with /statusline ITEM,ITEM… from: {available}; /statusline default restores it."
            ));
        }
        if args == "default" {
            self.statusline = None;
            return self.info("Footer: the default items.");
        }
        let mut items = Vec::new();
        for item in args.split([',', ' ']).filter(|i| !i.is_empty()) {
            if !STATUSLINE_ITEMS.contains(&item) {
                self.commit(HistoryCell::Error(format!(
                    "`{item}` is not a footer item; there are: {available}"
                )));
                return Vec::new();
            }
            if !items.iter().any(|i| i == item) {
                items.push(item.to_string());
            }
        }
        let shown = items.join(", ");
        self.statusline = Some(items);
        self.info(&format!("Footer: {shown}."))
    }

    /// `/export [FILE]`: the conversation as Markdown, private to the
    /// owner (it holds prompts and outputs).
    fn export(&mut self, args: &str) -> Vec<Effect> {
        let path = if args.is_empty() {
            let id = self.session_id.clone().unwrap_or_else(|| "session".into());
            self.settings.cwd.join(format!("codex-{id}.md"))
        } else {
            self.settings.cwd.join(args)
        };
        let markdown = transcript_markdown(self.transcript.iter());
        match codex_config::private_file::write_atomic(&path, markdown.as_bytes()) {
            Ok(()) => self.info(&format!("Exported the conversation to {}", path.display())),
            Err(err) => {
                self.commit(HistoryCell::Error(format!(
                    "cannot write {}: {err}",
                    path.display()
                )));
                Vec::new()
            }
        }
    }
}

/// The conversation as Markdown: messages, answers, commands with their
/// output, patches, plans.
pub(crate) fn transcript_markdown<'a>(cells: impl Iterator<Item = &'a HistoryCell>) -> String {
    let mut out = String::from("# Codex conversation\n");
    for cell in cells {
        match cell {
            HistoryCell::User { text, .. } => {
                let _ = write!(out, "\n## You\n\n{text}\n");
            }
            HistoryCell::Agent { markdown } => {
                let _ = write!(out, "\n## Codex\n\n{}\n", markdown.trim_end());
            }
            HistoryCell::Exec(exec) => {
                let command = codex_core::display_command(&exec.command);
                let fence = fence_for(&exec.output.join("\n"));
                let _ = write!(out, "\n{fence}console\n$ {command}\n");
                for line in &exec.output {
                    let _ = writeln!(out, "{line}");
                }
                if let Some(result) = &exec.result {
                    let _ = writeln!(out, "(exit {})", result.exit_code);
                }
                let _ = writeln!(out, "{fence}");
            }
            HistoryCell::Patch(_) => {
                out.push('\n');
                for line in plain(&cell.display_lines(200)) {
                    let _ = writeln!(out, "    {line}");
                }
            }
            HistoryCell::Plan(_)
            | HistoryCell::McpCall { .. }
            | HistoryCell::Error(_)
            | HistoryCell::Warning(_)
            | HistoryCell::Interrupted
            | HistoryCell::Decision { .. } => {
                out.push('\n');
                for line in plain(&cell.display_lines(200)) {
                    if !line.trim().is_empty() {
                        let _ = writeln!(out, "> {}", line.trim_end());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A code fence longer than any run of backticks in `text`.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Rows as plain text, trailing blanks removed.
fn plain(lines: &[ratatui::text::Line<'_>]) -> Vec<String> {
    lines
        .iter()
        .map(|line| {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            text.trim_end().to_string()
        })
        .collect()
}
