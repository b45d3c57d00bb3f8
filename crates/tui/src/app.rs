//! The chat's event loop: terminal input, engine events and animation
//! ticks in, frames out.
//!
//! Nothing polls: the loop sleeps in one `select!` until a key, an engine
//! event, a signal or (only while something animates) the next spinner
//! frame. Input is taken first (`biased`), every engine event already
//! queued is applied before drawing, and one frame is drawn per wake-up, so
//! a burst of deltas costs one frame and a keystroke never waits behind a
//! stream.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use codex_core::Codex;
use codex_protocol::protocol::{Event as EngineEvent, EventMsg, Op};
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use tokio::sync::mpsc;
use tracing::warn;

use crate::cells::HistoryCell;
use crate::chat::{ChatState, Effect};
use crate::live::{next_tick, render_live};
use crate::notifications::Notifier;
use crate::screen::{Screen, ScreenMode};
use crate::terminal::{Signals, TerminalGuard, suspend_process};

/// How long to wait for the engine to shut down before leaving anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Transcript rows kept for the alternate screen.
const ALT_ROWS: usize = 20_000;

pub(crate) struct App<W: Write> {
    pub chat: ChatState,
    pub screen: Screen<W>,
    codex: Arc<Codex>,
    notifier: Notifier,
    focused: bool,
    /// Alternate screen: the transcript rows and how far up it is scrolled.
    alt_rows: Vec<Line<'static>>,
    alt_scroll: usize,
    shutdown_deadline: Option<tokio::time::Instant>,
}

/// Why the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The person quit and the engine shut down.
    Quit,
    /// The terminal's input closed or a signal asked us to stop.
    Stopped,
}

impl<W: Write> App<W> {
    pub(crate) fn new(
        chat: ChatState,
        screen: Screen<W>,
        codex: Arc<Codex>,
        notifier: Notifier,
    ) -> Self {
        Self {
            chat,
            screen,
            codex,
            notifier,
            focused: true,
            alt_rows: Vec::new(),
            alt_scroll: 0,
            shutdown_deadline: None,
        }
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
            ScreenMode::Inline => {
                let live = render_live(&mut self.chat, width, height, now);
                self.screen.draw_inline(&history, &live)
            }
            ScreenMode::Alternate => {
                self.alt_rows.extend(history);
                if self.alt_rows.len() > ALT_ROWS {
                    self.alt_rows.drain(..self.alt_rows.len() - ALT_ROWS);
                }
                let live = render_live(&mut self.chat, width, height, now);
                let top = height.saturating_sub(live.area.height);
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

    fn resized(&mut self, width: u16, height: u16) {
        self.screen.resize(width, height);
        self.chat.width = width;
        if self.screen.mode() == ScreenMode::Alternate {
            // The whole transcript is ours to re-flow.
            self.alt_rows = self
                .chat
                .transcript()
                .flat_map(|cell| cell.display_lines(width))
                .collect();
        }
    }

    async fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Op(op) => {
                    if let Err(err) = self.codex.submit(op).await {
                        self.chat
                            .commit(HistoryCell::Error(format!("the engine stopped: {err}")));
                    }
                }
                Effect::Notify(kind, text) => {
                    if !self.focused
                        && self.notifier.enabled(kind)
                        && let Err(err) = self.screen.write_raw(&self.notifier.osc9(&text))
                    {
                        warn!(%err, "cannot write a notification");
                    }
                }
                Effect::Quit => self.begin_shutdown().await,
            }
        }
    }

    async fn begin_shutdown(&mut self) {
        if self.shutdown_deadline.is_some() {
            return;
        }
        self.shutdown_deadline = Some(tokio::time::Instant::now() + SHUTDOWN_GRACE);
        if let Err(err) = self.codex.submit(Op::Shutdown).await {
            warn!(%err, "cannot ask the engine to shut down");
        }
    }

    /// Sends the first prompt (`codex "PROMPT"`).
    pub(crate) async fn submit_initial(&mut self, prompt: String, images: Vec<std::path::PathBuf>) {
        self.chat.composer.record_history(&prompt);
        let effects = self.chat.submit_text(prompt, images);
        self.apply(effects).await;
    }

    fn on_engine_event(&mut self, event: EngineEvent) -> (Vec<Effect>, bool) {
        let done = matches!(event.msg, EventMsg::ShutdownComplete);
        if done {
            return (Vec::new(), true);
        }
        (self.chat.handle_event(event.msg), false)
    }

    /// Runs until the person quits, input closes or a signal arrives.
    pub(crate) async fn run(
        &mut self,
        events: &mut EventStream,
        signals: &mut Signals,
        guard: &TerminalGuard,
    ) -> anyhow::Result<Exit> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let codex = Arc::clone(&self.codex);
        let reader = tokio::spawn(async move {
            while let Ok(event) = codex.next_event().await {
                if tx.send(event).is_err() {
                    break;
                }
            }
        });
        let mut dirty = true;
        let exit = loop {
            if dirty {
                self.draw()?;
            }
            let tick = next_tick(&self.chat);
            let deadline = self.shutdown_deadline;
            tokio::select! {
                biased;
                input = events.next() => match input {
                    Some(Ok(event)) => dirty = self.on_terminal_event(event, guard).await?,
                    Some(Err(err)) => return Err(err.into()),
                    None => break Exit::Stopped,
                },
                event = rx.recv() => {
                    let Some(event) = event else { break Exit::Stopped };
                    let (mut effects, mut done) = self.on_engine_event(event);
                    while !done && let Ok(event) = rx.try_recv() {
                        let (more, finished) = self.on_engine_event(event);
                        effects.extend(more);
                        done = finished;
                    }
                    self.apply(effects).await;
                    if done {
                        break Exit::Quit;
                    }
                    dirty = true;
                }
                _ = signals.recv() => break Exit::Stopped,
                _ = tokio::time::sleep(tick.unwrap_or_default()), if tick.is_some() => dirty = true,
                _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                    break Exit::Quit;
                }
            }
        };
        if exit == Exit::Stopped {
            // Stop the turn and flush the session file before leaving.
            let _ = self.codex.submit(Op::Shutdown).await;
            let wait = async {
                while let Some(event) = rx.recv().await {
                    if matches!(event.msg, EventMsg::ShutdownComplete) {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, wait).await;
        }
        reader.abort();
        Ok(exit)
    }

    /// Returns whether a frame is needed.
    async fn on_terminal_event(
        &mut self,
        event: Event,
        guard: &TerminalGuard,
    ) -> anyhow::Result<bool> {
        match event {
            Event::Key(key) if key.kind == KeyEventKind::Release => Ok(false),
            Event::Key(key) => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Char('z') if ctrl => {
                        suspend_process(guard)?;
                        self.screen.invalidate();
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
                self.apply(effects).await;
                Ok(true)
            }
            Event::Paste(text) => {
                self.chat.handle_paste(&text);
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
