//! The chat's event loop: terminal input, engine events, file-search
//! results and animation ticks in, frames out.
//!
//! Nothing polls: the loop sleeps in one `select!` until a key, an engine
//! event, a search result, a signal or (only while something animates) the
//! next spinner frame. Input is taken first (`biased`), every engine event
//! already queued is applied before drawing, and one frame is drawn per
//! wake-up, so a burst of deltas costs one frame and a keystroke never
//! waits behind a stream.
//!
//! The app owns the thread manager, so `/new`, `/resume` and backtrack can
//! switch threads (`threads.rs`); full-screen views (pager, status, diff,
//! editor) are in `overlays.rs`.

mod auto_review;
mod overlays;
mod rewind;
mod session_commands;
mod side;
mod skills;
pub(crate) use skills::skill_names;
mod threads;

use std::sync::Arc;
use std::time::{Duration, Instant};

use codex_config::Config;
use codex_core::{Codex, ThreadManager};
use codex_file_search::{SearchResults, SearchWorker};
use codex_protocol::ThreadId;
use codex_protocol::protocol::{Event as EngineEvent, EventMsg, Op};
use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use tokio::sync::mpsc;
use tracing::warn;

use crate::cells::HistoryCell;
use crate::chat::{ChatState, Effect};
use crate::live::{next_tick, render_live_frame};
use crate::modal::Input;
use crate::notifications::Notifier;
use crate::screen::{Screen, ScreenMode};
use crate::terminal::{TerminalGuard, suspend_process};

/// How long to wait for the engine to shut down before leaving anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Transcript rows kept for the alternate screen.
const ALT_ROWS: usize = 20_000;
/// Files the `@` popup lists.
const FILE_RESULTS: usize = 20;

pub(crate) type Out = std::io::Stdout;

pub(crate) struct App {
    pub chat: ChatState,
    pub screen: Screen<Out>,
    manager: Arc<ThreadManager>,
    config: Config,
    thread_id: ThreadId,
    codex: Arc<Codex>,
    /// Engine events of every thread this window ran, tagged with it.
    events_tx: mpsc::UnboundedSender<(ThreadId, EngineEvent)>,
    events_rx: mpsc::UnboundedReceiver<(ThreadId, EngineEvent)>,
    reader: Option<tokio::task::JoinHandle<()>>,
    files: Option<SearchWorker>,
    files_tx: mpsc::UnboundedSender<SearchResults>,
    files_rx: mpsc::UnboundedReceiver<SearchResults>,
    notifier: Notifier,
    focused: bool,
    /// Alternate screen: the transcript rows and how far up it is scrolled.
    alt_rows: Vec<Line<'static>>,
    alt_scroll: usize,
    shutdown_deadline: Option<tokio::time::Instant>,
    /// Inline mode: the width changed, the next frame re-flows the screen.
    reflow: bool,
    /// `/side`: the main thread, parked while a side conversation has the
    /// window.
    side: Option<side::ParkedMain>,
    /// `--approve-for-me`: approvals go to the automatic reviewer.
    pub(crate) auto_review: bool,
    verdicts_tx: mpsc::UnboundedSender<auto_review::Verdict>,
    verdicts_rx: mpsc::UnboundedReceiver<auto_review::Verdict>,
}

/// Why the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The person quit and the engine shut down.
    Quit,
    /// The terminal's input closed or a signal asked us to stop.
    Stopped,
}

impl App {
    pub(crate) fn new(
        chat: ChatState,
        screen: Screen<Out>,
        manager: Arc<ThreadManager>,
        config: Config,
        thread: codex_core::NewThread,
        notifier: Notifier,
    ) -> Self {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (files_tx, files_rx) = mpsc::unbounded_channel();
        let (verdicts_tx, verdicts_rx) = mpsc::unbounded_channel();
        let mut app = Self {
            chat,
            screen,
            manager,
            config,
            thread_id: thread.thread_id,
            codex: thread.thread,
            events_tx,
            events_rx,
            reader: None,
            files: None,
            files_tx,
            files_rx,
            notifier,
            focused: true,
            alt_rows: Vec::new(),
            alt_scroll: 0,
            shutdown_deadline: None,
            reflow: false,
            side: None,
            auto_review: false,
            verdicts_tx,
            verdicts_rx,
        };
        app.start_reader();
        app
    }

    /// Forwards the current thread's events into the loop.
    fn start_reader(&mut self) {
        if let Some(old) = self.reader.take() {
            old.abort();
        }
        let codex = Arc::clone(&self.codex);
        let id = self.thread_id;
        let tx = self.events_tx.clone();
        self.reader = Some(tokio::spawn(async move {
            while let Ok(event) = codex.next_event().await {
                if tx.send((id, event)).is_err() {
                    break;
                }
            }
        }));
    }

    fn draw(&mut self) -> std::io::Result<()> {
        // A resize not yet reported (SIGWINCH is on its way) is taken now,
        // so no frame is drawn for a width the terminal no longer has.
        if let Ok((width, height)) = crossterm::terminal::size()
            && (width, height) != (self.screen.width(), self.screen.height())
        {
            self.resized(width, height);
        }
        let now = Instant::now();
        let history = self.chat.take_outbox();
        let (width, height) = (self.screen.width(), self.screen.height());
        match self.screen.mode() {
            ScreenMode::Inline if self.reflow => {
                self.reflow = false;
                let (live, cursor) = render_live_frame(&mut self.chat, width, height, now);
                let room = usize::from(height.saturating_sub(live.area.height));
                let history = self.chat.reflow_rows(width, room);
                self.screen.set_cursor(cursor);
                self.screen.draw_reflowed(&history, &live)
            }
            ScreenMode::Inline => {
                let (live, cursor) = render_live_frame(&mut self.chat, width, height, now);
                self.screen.set_cursor(cursor);
                self.screen.draw_inline(&history, &live)
            }
            ScreenMode::Alternate => {
                self.alt_rows.extend(history);
                if self.alt_rows.len() > ALT_ROWS {
                    self.alt_rows.drain(..self.alt_rows.len() - ALT_ROWS);
                }
                let (live, cursor) = render_live_frame(&mut self.chat, width, height, now);
                let top = height.saturating_sub(live.area.height);
                self.screen
                    .set_cursor(cursor.map(|(x, y)| (x, (top + y).min(height.saturating_sub(1)))));
                let mut frame = Buffer::empty(Rect::new(0, 0, width, height));
                let end = self.alt_rows.len().saturating_sub(self.alt_scroll);
                let start = end.saturating_sub(usize::from(top));
                for (y, line) in self.alt_rows[start..end].iter().enumerate() {
                    frame.set_line(0, y as u16, line, width);
                }
                for y in 0..live.area.height.min(height) {
                    for x in 0..width {
                        frame[(x, top + y)] = live[(x, y)].clone();
                    }
                }
                self.screen.draw_full(&frame)
            }
        }
    }

    /// `/review`: uncommitted changes, `base BRANCH`, `commit SHA`, or
    /// custom instructions.
    async fn start_review(&mut self, args: &str) {
        let target = match args.split_once(' ') {
            _ if args.is_empty() => codex_core::ReviewTarget::Uncommitted,
            Some(("base", branch)) => {
                codex_core::ReviewTarget::BaseBranch(branch.trim().to_string())
            }
            Some(("commit", sha)) => codex_core::ReviewTarget::Commit {
                sha: sha.trim().to_string(),
                title: None,
            },
            _ => codex_core::ReviewTarget::Custom(args.to_string()),
        };
        match codex_core::review_request(&target, &self.config.cwd) {
            Ok(review_request) => self.submit(Op::Review { review_request }).await,
            Err(message) => self.chat.commit(HistoryCell::Error(message)),
        }
    }

    /// The branches (newest first) or the last 30 commits, to review.
    fn review_list(&mut self, choice: &crate::popup::ReviewChoice) {
        use crate::popup::ReviewChoice;
        let (title, args): (&str, &[&str]) = match choice {
            ReviewChoice::PickBranch => (
                "Review against which branch?",
                &[
                    "for-each-ref",
                    "--sort=-committerdate",
                    "--format=%(refname:short)\t%(subject)",
                    "refs/heads",
                ],
            ),
            _ => (
                "Review which commit?",
                &["log", "-n", "30", "--format=%H\t%s"],
            ),
        };
        let out = std::process::Command::new("git")
            .current_dir(&self.config.cwd)
            .args(args)
            .output();
        let text = match out {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
            _ => {
                self.chat.commit(HistoryCell::Error(
                    "cannot list them: this is not a git repository (or git failed)".to_string(),
                ));
                return;
            }
        };
        let choices: Vec<_> = text
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(name, subject)| match choice {
                ReviewChoice::PickBranch => (
                    name.to_string(),
                    subject.to_string(),
                    ReviewChoice::Branch(name.to_string()),
                ),
                _ => (
                    name.chars().take(7).collect(),
                    subject.to_string(),
                    ReviewChoice::Commit {
                        sha: name.to_string(),
                        title: subject.to_string(),
                    },
                ),
            })
            .collect();
        if choices.is_empty() {
            self.chat
                .commit(HistoryCell::Info("Nothing to choose from.".to_string()));
            return;
        }
        self.chat.picker = Some(crate::popup::review_list(title, choices));
    }

    /// `/hooks`: every handler, its event and matcher, and whether it runs.
    fn show_hooks(&mut self) {
        let registry = codex_core::discover_hooks(&self.config);
        let mut lines = Vec::new();
        if registry.handlers.is_empty() {
            lines.push(format!(
                "No hooks. Add them to {} or .codex/hooks.json in a trusted project.",
                self.config.codex_home.join("hooks.json").display()
            ));
        }
        for handler in &registry.handlers {
            let runs = if handler.trusted {
                "runs"
            } else {
                "not run: project not trusted"
            };
            lines.push(format!(
                "{} [{}] {} — {} ({runs})",
                handler.event.name(),
                handler.matcher.as_deref().unwrap_or("*"),
                handler.command,
                handler.source.display()
            ));
        }
        lines.extend(registry.warnings.iter().map(|w| format!("warning: {w}")));
        self.chat.commit(HistoryCell::Info(lines.join("\n")));
    }

    fn resized(&mut self, width: u16, height: u16) {
        if width != self.screen.width() && self.screen.mode() == ScreenMode::Inline {
            self.reflow = true;
        }
        self.screen.resize(width, height);
        self.chat.width = width;
        if self.screen.mode() == ScreenMode::Alternate {
            // The whole transcript is ours to re-flow.
            self.alt_rows = self
                .chat
                .transcript()
                .flat_map(|cell| cell.lines(width, self.chat.display.raw))
                .collect();
        }
    }

    async fn submit(&mut self, op: Op) {
        if let Err(err) = self.codex.submit(op).await {
            self.chat
                .commit(HistoryCell::Error(format!("the engine stopped: {err}")));
        }
    }

    async fn apply(&mut self, effects: Vec<Effect>, input: &mut Input<'_>, guard: &TerminalGuard) {
        for effect in effects {
            if self.side.is_some() && switches_thread(&effect) {
                self.chat.commit(HistoryCell::Error(
                    "Not in a side conversation: Ctrl-C returns to the main thread first."
                        .to_string(),
                ));
                continue;
            }
            match effect {
                Effect::Op(op) => self.submit(op).await,
                Effect::Notify(kind, text) => {
                    if !self.focused
                        && self.notifier.enabled(kind)
                        && let Err(err) = self.screen.write_raw(&self.notifier.osc9(&text))
                    {
                        warn!(%err, "cannot write a notification");
                    }
                }
                Effect::Quit => self.begin_shutdown().await,
                Effect::FileSearch(query) => {
                    if self.files.is_none() {
                        let tx = self.files_tx.clone();
                        self.files = Some(SearchWorker::start(
                            self.config.cwd.clone(),
                            FILE_RESULTS,
                            move |results| {
                                let _ = tx.send(results);
                            },
                        ));
                    }
                    if let Some(files) = &mut self.files {
                        files.query(&query);
                    }
                }
                Effect::NewThread => self.new_thread().await,
                Effect::OpenResume => self.resume_picker(input).await,
                Effect::ShowStatus => self.show_status(),
                Effect::ShowHooks => self.show_hooks(),
                Effect::Skills(args) => self.skills_command(&args).await,
                Effect::StartReview(args) => self.start_review(&args).await,
                Effect::ReviewPicker(choice) => self.review_list(&choice),
                Effect::ShowDiff => self.show_diff(input).await,
                Effect::Logout => self.logout(),
                Effect::OpenBacktrack => self.rewind(input, false).await,
                Effect::OpenRewind { undo } => self.rewind(input, undo).await,
                Effect::OpenTranscript => self.show_transcript(input).await,
                Effect::OpenEditor => self.edit_in_editor(guard),
                Effect::Session(command) => self.run_session_command(command, input).await,
                Effect::OpenSide(question) => self.open_side(question).await,
                Effect::CloseSide => self.close_side().await,
                Effect::Rerender => self.rerender(),
            }
        }
    }

    async fn begin_shutdown(&mut self) {
        if self.shutdown_deadline.is_some() {
            return;
        }
        // The main thread is the one to shut down and flush.
        self.close_side().await;
        self.shutdown_deadline = Some(tokio::time::Instant::now() + SHUTDOWN_GRACE);
        if let Err(err) = self.codex.submit(Op::Shutdown).await {
            warn!(%err, "cannot ask the engine to shut down");
        }
    }

    /// Sends the first prompt (`codex "PROMPT"`).
    pub(crate) async fn submit_initial(&mut self, prompt: String, images: Vec<std::path::PathBuf>) {
        self.chat.composer.record_history(&prompt);
        for effect in self.chat.submit_text(prompt, images) {
            if let Effect::Op(op) = effect {
                self.submit(op).await;
            }
        }
    }

    /// An event of thread `id`; returns the effects and whether the current
    /// thread has shut down.
    async fn on_engine_event(&mut self, id: ThreadId, event: EngineEvent) -> (Vec<Effect>, bool) {
        if self.auto_review
            && let Some(request) = auto_review::request_of(id, &event.msg)
        {
            self.start_auto_review(request);
            return (Vec::new(), false);
        }
        if self.side.as_ref().is_some_and(|main| main.thread_id == id) {
            self.on_parked_event(event.msg).await;
            return (Vec::new(), false);
        }
        if id != self.thread_id {
            // A thread this window left (its shutdown, late events).
            return (Vec::new(), false);
        }
        if matches!(event.msg, EventMsg::ShutdownComplete) {
            return (Vec::new(), true);
        }
        (self.chat.handle_event(event.msg), false)
    }

    /// Runs until the person quits, input closes or a signal arrives.
    pub(crate) async fn run(
        &mut self,
        input: &mut Input<'_>,
        guard: &TerminalGuard,
    ) -> anyhow::Result<Exit> {
        let mut dirty = true;
        let exit = loop {
            if dirty {
                self.draw()?;
            }
            let tick = next_tick(&self.chat);
            let deadline = self.shutdown_deadline;
            tokio::select! {
                biased;
                event = input.events.next() => match event {
                    Some(Ok(event)) => dirty = self.on_terminal_event(event, input, guard).await?,
                    Some(Err(err)) => return Err(err.into()),
                    None => break Exit::Stopped,
                },
                event = self.events_rx.recv() => {
                    let Some((id, event)) = event else { break Exit::Stopped };
                    let (mut effects, mut done) = self.on_engine_event(id, event).await;
                    while !done && let Ok((id, event)) = self.events_rx.try_recv() {
                        let (more, finished) = self.on_engine_event(id, event).await;
                        effects.extend(more);
                        done = finished;
                    }
                    self.apply(effects, input, guard).await;
                    if done {
                        break Exit::Quit;
                    }
                    dirty = true;
                }
                Some(verdict) = self.verdicts_rx.recv() => {
                    self.apply_verdict(verdict).await;
                    dirty = true;
                }
                results = self.files_rx.recv() => {
                    if let Some(results) = results {
                        self.chat.on_file_results(results);
                    }
                    dirty = true;
                }
                _ = input.signals.recv() => break Exit::Stopped,
                _ = tokio::time::sleep(tick.unwrap_or_default()), if tick.is_some() => dirty = true,
                _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                    break Exit::Quit;
                }
            }
        };
        if exit == Exit::Stopped {
            self.close_side().await;
            // Stop the turn and flush the session file before leaving.
            let _ = self.codex.submit(Op::Shutdown).await;
            let current = self.thread_id;
            let wait = async {
                while let Some((id, event)) = self.events_rx.recv().await {
                    if id == current && matches!(event.msg, EventMsg::ShutdownComplete) {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, wait).await;
        }
        if let Some(reader) = self.reader.take() {
            reader.abort();
        }
        let _ = self.manager.remove_thread(self.thread_id);
        Ok(exit)
    }

    /// Returns whether a frame is needed.
    async fn on_terminal_event(
        &mut self,
        event: Event,
        input: &mut Input<'_>,
        guard: &TerminalGuard,
    ) -> anyhow::Result<bool> {
        match event {
            Event::Key(key) if key.kind == KeyEventKind::Release => Ok(false),
            Event::Key(key) => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Char('z') if ctrl => {
                        suspend_process(guard)?;
                        self.screen.forget_cursor();
                        return Ok(true);
                    }
                    KeyCode::PageUp if self.screen.mode() == ScreenMode::Alternate => {
                        let page = usize::from(self.screen.height() / 2).max(1);
                        self.alt_scroll = (self.alt_scroll + page).min(self.alt_rows.len());
                        return Ok(true);
                    }
                    KeyCode::PageDown if self.screen.mode() == ScreenMode::Alternate => {
                        let page = usize::from(self.screen.height() / 2).max(1);
                        self.alt_scroll = self.alt_scroll.saturating_sub(page);
                        return Ok(true);
                    }
                    _ => {}
                }
                let effects = self.chat.handle_key(key, Instant::now());
                self.apply(effects, input, guard).await;
                Ok(true)
            }
            Event::Paste(text) => {
                let effects = self.chat.handle_paste(&text);
                self.apply(effects, input, guard).await;
                Ok(true)
            }
            Event::Resize(width, height) => {
                self.resized(width, height);
                Ok(true)
            }
            Event::FocusGained => {
                self.focused = true;
                Ok(false)
            }
            Event::FocusLost => {
                self.focused = false;
                Ok(false)
            }
            Event::Mouse(_) => Ok(false),
        }
    }

    /// Prints what is left for the scrollback and clears the live area.
    pub(crate) fn finish(&mut self) -> std::io::Result<()> {
        let rest = self.chat.take_outbox();
        match self.screen.mode() {
            ScreenMode::Inline => self.screen.finish_inline(&rest),
            ScreenMode::Alternate => Ok(()),
        }
    }
}

/// Whether `effect` replaces the window's thread (not done from a side
/// conversation, whose main thread is parked).
fn switches_thread(effect: &Effect) -> bool {
    use crate::chat::SessionCommand;
    matches!(
        effect,
        Effect::NewThread
            | Effect::OpenResume
            | Effect::OpenBacktrack
            | Effect::OpenRewind { .. }
            | Effect::StartReview(_)
            | Effect::Session(SessionCommand::Fork | SessionCommand::Clear)
    )
}
