//! The slash commands the app carries out for the chat: those that need
//! the terminal (`/clear`, `/copy` through OSC 52, `/title`), the thread
//! manager (`/fork`, `/rename`) or the configuration (`/config`,
//! `/experimental`, `/feedback`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use codex_config::edit::{ValueEdit, set_values};
use codex_config::features::FEATURES;
use codex_config::private_file;
use codex_core::ThreadRef;
use ratatui::text::Line;

use super::App;
use crate::cells::HistoryCell;
use crate::chat::SessionCommand;
use crate::modal::Input;

/// The newest part of the log that goes into a feedback bundle.
const FEEDBACK_LOG_BYTES: u64 = 1 << 20;

impl App {
    pub(crate) async fn run_session_command(
        &mut self,
        command: SessionCommand,
        input: &mut Input<'_>,
    ) {
        match command {
            SessionCommand::Clear => {
                // The screen and the terminal's scrollback, then a new chat.
                let _ = self.screen.clear(true);
                self.new_thread().await;
            }
            SessionCommand::Copy(text) => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
                let osc = format!("\x1b]52;c;{encoded}\x07");
                let said = match self.screen.write_raw(osc.as_bytes()) {
                    Ok(()) => format!(
                        "Copied the last answer to the clipboard ({} characters; the terminal must allow OSC 52).",
                        text.chars().count()
                    ),
                    Err(err) => format!("cannot write to the terminal: {err}"),
                };
                self.chat.commit(HistoryCell::Info(said));
            }
            SessionCommand::Fork => self.fork().await,
            SessionCommand::Rename(name) => {
                let said = match self
                    .manager
                    .set_thread_name(&self.thread_id.to_string(), Some(&name))
                {
                    Ok(()) => HistoryCell::Info(format!("This chat is now named “{name}”.")),
                    Err(err) => HistoryCell::Error(format!("cannot rename: {err}")),
                };
                self.chat.commit(said);
            }
            SessionCommand::Config => {
                let text = codex_config::render_effective_config(&self.config);
                let lines: Vec<Line<'static>> =
                    text.lines().map(|l| Line::from(l.to_string())).collect();
                self.run_pager(crate::pager::Pager::new("Configuration", lines), input)
                    .await;
            }
            SessionCommand::Title(text) => {
                let title: String = text.chars().filter(|c| !c.is_control()).collect();
                let title = if title.is_empty() {
                    "codex".to_string()
                } else {
                    title
                };
                let _ = self
                    .screen
                    .write_raw(format!("\x1b]0;{title}\x07").as_bytes());
                self.chat
                    .commit(HistoryCell::Info(format!("Terminal title: {title}")));
            }
            SessionCommand::Experimental(args) => self.experimental(&args),
            SessionCommand::Feedback => {
                let cell = match self.write_feedback_bundle() {
                    Ok(dir) => HistoryCell::Info(format!(
                        "Wrote a bug-report bundle to {} (the session and the log, secrets redacted; nothing was sent anywhere).",
                        dir.display()
                    )),
                    Err(err) => HistoryCell::Error(format!("cannot write the bundle: {err}")),
                };
                self.chat.commit(cell);
            }
        }
    }

    /// `/fork`: this chat continues as a copy; the original stays as it was.
    async fn fork(&mut self) {
        let from = self.thread_id.to_string();
        match self
            .manager
            .fork_thread(self.config.clone(), &ThreadRef::Id(from.clone()), None)
            .await
        {
            Ok(new) => {
                self.switch_thread(new, false, None).await;
                self.chat.commit(HistoryCell::Info(format!(
                    "Forked: this is a copy of session {from}, which stays as it was."
                )));
            }
            Err(err) => self
                .chat
                .commit(HistoryCell::Error(format!("cannot fork: {err}"))),
        }
    }

    /// `/experimental`: the flags; `NAME on|off` writes it to config.toml
    /// for the sessions that start after.
    fn experimental(&mut self, args: &str) {
        let mut words = args.split_whitespace();
        let (Some(name), Some(state)) = (words.next(), words.next()) else {
            let rows = FEATURES
                .iter()
                .map(|f| {
                    let on = if self.config.feature_enabled(f.key) {
                        "on"
                    } else {
                        "off"
                    };
                    (
                        f.key.to_string(),
                        format!("{on} · {} · {}", f.stage, f.effect),
                    )
                })
                .collect();
            self.chat.commit(HistoryCell::Table {
                title: "Feature flags (/experimental NAME on|off)".to_string(),
                rows,
            });
            return;
        };
        let Some(feature) = codex_config::features::find(name) else {
            self.chat.commit(HistoryCell::Error(format!(
                "no feature flag named `{name}`; /experimental lists them"
            )));
            return;
        };
        let enabled = match state {
            "on" | "true" => true,
            "off" | "false" => false,
            other => {
                self.chat.commit(HistoryCell::Error(format!(
                    "`{other}` is neither on nor off"
                )));
                return;
            }
        };
        let edit = ValueEdit {
            key_path: format!("features.{}", feature.key),
            value: serde_json::Value::Bool(enabled),
            upsert: false,
        };
        let cell = match set_values(&self.config.config_file, &[edit]) {
            Ok(()) => HistoryCell::Info(format!(
                "{} is {} in {} (for sessions started from now on).",
                feature.key,
                if enabled { "on" } else { "off" },
                self.config.config_file.display()
            )),
            Err(err) => HistoryCell::Error(err.to_string()),
        };
        self.chat.commit(cell);
    }

    /// `$CODEX_HOME/feedback/<time>-<session>/`: the session file, the
    /// newest part of the log and a summary, every secret-shaped string
    /// redacted; private to the owner.
    fn write_feedback_bundle(&self) -> std::io::Result<PathBuf> {
        let session = self.thread_id.to_string();
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let dir = self
            .config
            .codex_home
            .join("feedback")
            .join(format!("{stamp}-{session}"));
        private_file::create_private_dir_all(&dir)?;
        let mut summary = String::new();
        let _ = writeln!(summary, "codex {}", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(
            summary,
            "os: {} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        let _ = writeln!(summary, "session: {session}");
        let _ = writeln!(summary, "model: {}", self.chat.settings.model);
        let _ = writeln!(summary, "approval: {}", self.chat.settings.approval);
        let _ = writeln!(summary, "sandbox: {}", self.chat.settings.sandbox);
        let _ = writeln!(
            summary,
            "terminal: {}",
            std::env::var("TERM").unwrap_or_default()
        );
        let _ = writeln!(
            summary,
            "\n{}",
            codex_config::render_effective_config(&self.config)
        );
        write_redacted(&dir.join("summary.txt"), &summary)?;
        if let Some(path) = &self.chat.rollout_path
            && let Ok(text) = std::fs::read_to_string(path)
        {
            write_redacted(&dir.join("session.jsonl"), &text)?;
        }
        let log = self.config.codex_home.join("log").join("codex-tui.log");
        if let Some(text) = read_tail(&log, FEEDBACK_LOG_BYTES) {
            write_redacted(&dir.join("codex-tui.log"), &text)?;
        }
        Ok(dir)
    }
}

fn write_redacted(path: &Path, text: &str) -> std::io::Result<()> {
    private_file::write_atomic(path, codex_otel::redact_secrets(text).as_bytes())
}

/// The last `max` bytes of a file (from a line start), if it can be read.
fn read_tail(path: &Path, max: u64) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(max))).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Some(match (len > max, text.find('\n')) {
        (true, Some(start)) => text[start + 1..].to_string(),
        _ => text,
    })
}
