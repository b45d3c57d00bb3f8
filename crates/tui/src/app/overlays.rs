//! Views that take the whole screen or the terminal for a moment: the
//! pager (transcript, diff), `/status`, the external editor.

use codex_protocol::protocol::SandboxPolicy;
use crossterm::event::{Event, KeyEventKind};
use futures::StreamExt;
use ratatui::style::{Color, Style};
use ratatui::text::Line;

use super::App;
use crate::cells::HistoryCell;
use crate::footer::short_path;
use crate::modal::Input;
use crate::pager::{Pager, PagerAction};
use crate::screen::{Screen, ScreenMode};
use crate::terminal::TerminalGuard;

const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT: &[u8] = b"\x1b[?1049l";

impl App {
    /// Shows `pager` on the alternate screen until it closes.
    pub(crate) async fn run_pager(&mut self, mut pager: Pager, input: &mut Input<'_>) {
        let inline = self.screen.mode() == ScreenMode::Inline;
        if inline {
            let _ = self.screen.write_raw(ENTER_ALT);
        }
        let (mut width, mut height) = (self.screen.width(), self.screen.height());
        let mut full = Screen::new(std::io::stdout(), width, height, ScreenMode::Alternate);
        loop {
            let frame = pager.render(width, height);
            if full.draw_full(&frame).is_err() {
                break;
            }
            let event = tokio::select! {
                event = input.events.next() => event,
                _ = input.signals.recv() => break,
            };
            match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    if pager.handle_key(key) == PagerAction::Close {
                        break;
                    }
                }
                Some(Ok(Event::Resize(w, h))) => {
                    (width, height) = (w, h);
                    full.resize(w, h);
                    self.resized(w, h);
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            }
        }
        if inline {
            let _ = self.screen.write_raw(LEAVE_ALT);
        }
        self.screen.invalidate();
    }

    /// The transcript as pager lines.
    pub(crate) fn transcript_lines(&self) -> Vec<Line<'static>> {
        let width = self.screen.width();
        let mut lines: Vec<Line<'static>> = self
            .chat
            .transcript()
            .flat_map(|cell| cell.transcript_lines(width))
            .collect();
        // The answer still streaming is part of what the user has seen.
        if let Some(live) = self.chat.live_answer() {
            lines.extend(live.transcript_lines(width));
        }
        lines
    }

    pub(crate) async fn show_transcript(&mut self, input: &mut Input<'_>) {
        let lines = self.transcript_lines();
        self.run_pager(Pager::new("Transcript", lines), input).await;
    }

    /// `/diff`: tracked changes against HEAD, then untracked files.
    pub(crate) async fn show_diff(&mut self, input: &mut Input<'_>) {
        let cwd = self.config.cwd.clone();
        let diff = tokio::task::spawn_blocking(move || working_tree_diff(&cwd)).await;
        let text = match diff {
            Ok(Ok(text)) => text,
            Ok(Err(message)) => {
                self.chat.commit(HistoryCell::Info(message));
                return;
            }
            Err(err) => {
                self.chat
                    .commit(HistoryCell::Error(format!("cannot diff: {err}")));
                return;
            }
        };
        if text.trim().is_empty() {
            self.chat.commit(HistoryCell::Info(
                "No changes in the working tree.".to_string(),
            ));
            return;
        }
        let lines = text
            .lines()
            .map(|line| {
                let style = if line.starts_with("+++")
                    || line.starts_with("---")
                    || line.starts_with("diff ")
                {
                    Style::default().fg(Color::White)
                } else if line.starts_with('+') {
                    Style::default().fg(Color::Green)
                } else if line.starts_with('-') {
                    Style::default().fg(Color::Red)
                } else if line.starts_with("@@") {
                    Style::default().fg(Color::Cyan)
                } else {
                    Style::default()
                };
                Line::styled(crate::cells::strip_ansi(line), style)
            })
            .collect();
        self.run_pager(Pager::new("git diff", lines), input).await;
    }

    pub(crate) fn show_status(&mut self) {
        let chat = &self.chat;
        let settings = &chat.settings;
        let mut rows = vec![
            (
                "model".to_string(),
                match settings.effort {
                    Some(effort) => format!("{} (reasoning {effort})", settings.model),
                    None => settings.model.clone(),
                },
            ),
            (
                "provider".to_string(),
                self.config.model_provider_id.clone(),
            ),
            ("directory".to_string(), short_path(&settings.cwd)),
            ("approval".to_string(), settings.approval.to_string()),
            ("sandbox".to_string(), settings.sandbox.to_string()),
        ];
        if !matches!(settings.sandbox, SandboxPolicy::DangerFullAccess) {
            rows.push(("sandbox layers".to_string(), sandbox_layers()));
        }
        let usage = chat.total_usage;
        rows.push((
            "tokens".to_string(),
            format!(
                "{} in ({} cached), {} out, {} total",
                usage.input_tokens,
                usage.cached_input_tokens,
                usage.output_tokens,
                usage.total_tokens
            ),
        ));
        if let Some(left) = chat.context_left_percent() {
            rows.push(("context left".to_string(), format!("{left}%")));
        }
        if let Some(limits) = &chat.rate_limits {
            let describe = |w: &codex_protocol::protocol::RateLimitWindow| {
                let reset = w
                    .resets_in_seconds
                    .map(|s| {
                        format!(
                            ", resets in {}",
                            crate::cells::format_duration(std::time::Duration::from_secs(
                                s.max(0) as u64
                            ))
                        )
                    })
                    .unwrap_or_default();
                format!("{:.0}% used{reset}", w.used_percent)
            };
            if let Some(primary) = &limits.primary {
                rows.push(("limit (primary)".to_string(), describe(primary)));
            }
            if let Some(secondary) = &limits.secondary {
                rows.push(("limit (secondary)".to_string(), describe(secondary)));
            }
        }
        rows.push((
            "session".to_string(),
            chat.session_id.clone().unwrap_or_default(),
        ));
        if let Some(path) = &chat.rollout_path {
            rows.push(("session file".to_string(), short_path(path)));
        }
        let files = if chat.instruction_files.is_empty() {
            "(none)".to_string()
        } else {
            chat.instruction_files
                .iter()
                .map(|p| short_path(p))
                .collect::<Vec<_>>()
                .join("\n")
        };
        rows.push(("instructions".to_string(), files));
        self.chat.commit(HistoryCell::Table {
            title: "Status".to_string(),
            rows,
        });
    }

    pub(crate) fn logout(&mut self) {
        let message = match codex_client::auth::delete_auth(&self.config.codex_home) {
            Ok(true) => "Logged out: the stored credentials were removed.".to_string(),
            Ok(false) => "There were no stored credentials.".to_string(),
            Err(err) => format!("Cannot remove the stored credentials: {err}"),
        };
        self.chat.commit(HistoryCell::Info(message));
    }

    /// Ctrl-G: the composer's text in `$VISUAL`/`$EDITOR` (else vi).
    pub(crate) fn edit_in_editor(&mut self, guard: &TerminalGuard) {
        let editor = std::env::var("VISUAL")
            .ok()
            .or_else(|| std::env::var("EDITOR").ok())
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| "vi".to_string());
        let dir = match tempfile_dir() {
            Ok(dir) => dir,
            Err(err) => {
                self.chat
                    .commit(HistoryCell::Error(format!("cannot open the editor: {err}")));
                return;
            }
        };
        let path = dir.join("message.md");
        if let Err(err) =
            codex_config::private_file::write_atomic(&path, self.chat.composer.text().as_bytes())
        {
            self.chat
                .commit(HistoryCell::Error(format!("cannot open the editor: {err}")));
            return;
        }
        guard.suspend();
        let mut parts = editor.split_whitespace();
        let status = match parts.next() {
            Some(program) => std::process::Command::new(program)
                .args(parts)
                .arg(&path)
                .status(),
            None => Err(std::io::Error::other("no editor")),
        };
        let _ = guard.resume();
        self.screen.invalidate();
        match status {
            Ok(status) if status.success() => match std::fs::read_to_string(&path) {
                Ok(text) => self.chat.composer.set_text(text.trim_end_matches('\n')),
                Err(err) => self.chat.commit(HistoryCell::Error(format!(
                    "cannot read back the message: {err}"
                ))),
            },
            Ok(status) => self.chat.commit(HistoryCell::Info(format!(
                "The editor exited with {status}; the message is unchanged."
            ))),
            Err(err) => self
                .chat
                .commit(HistoryCell::Error(format!("cannot run {editor}: {err}"))),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A private directory for the editor's file.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("codex-edit-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(dir)
}

/// Which sandbox layers this machine enforces (one line).
fn sandbox_layers() -> String {
    #[cfg(target_os = "linux")]
    {
        let Ok(exe) = std::env::current_exe() else {
            return "unknown".to_string();
        };
        match codex_sandbox::linux::probe::probe(&exe) {
            Ok(reports) => reports
                .iter()
                .map(|r| format!("{} {}", if r.enforced { "✓" } else { "✗" }, r.layer))
                .collect::<Vec<_>>()
                .join("  "),
            Err(err) => err,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        "not reported on this platform".to_string()
    }
}

/// `git diff HEAD` plus every untracked file as an addition.
fn working_tree_diff(cwd: &std::path::Path) -> Result<String, String> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(cwd)
            .output()
            .map_err(|err| format!("cannot run git: {err}"))
    };
    let inside = git(&["rev-parse", "--is-inside-work-tree"])?;
    if !inside.status.success() {
        return Err(format!("{} is not inside a git repository.", cwd.display()));
    }
    let mut text = String::new();
    let head = git(&["rev-parse", "--verify", "-q", "HEAD"])?;
    let tracked = if head.status.success() {
        git(&["diff", "--no-color", "HEAD"])?
    } else {
        git(&["diff", "--no-color", "--cached"])?
    };
    text.push_str(&String::from_utf8_lossy(&tracked.stdout));
    let untracked = git(&["ls-files", "--others", "--exclude-standard", "-z"])?;
    for file in String::from_utf8_lossy(&untracked.stdout)
        .split('\0')
        .filter(|f| !f.is_empty())
    {
        let diff = git(&["diff", "--no-color", "--no-index", "--", "/dev/null", file])?;
        text.push_str(&String::from_utf8_lossy(&diff.stdout));
    }
    Ok(text)
}
