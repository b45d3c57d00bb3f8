//! Full-attention screens before the chat starts (the trust question, the
//! API key, the session picker): each is a small state with a key handler
//! and a pure rendering, run by one loop that draws it in the live area.

use std::io::Write;

use crossterm::event::{Event, EventStream, KeyEvent, KeyEventKind};
use futures::StreamExt;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::screen::{Screen, ScreenMode};

/// Where a screen's input comes from: the terminal, and the signals that
/// end codex.
pub(crate) struct Input<'a> {
    pub events: &'a mut EventStream,
    pub signals: &'a mut crate::terminal::Signals,
}

/// A screen that ends with an outcome.
pub(crate) trait Modal {
    type Outcome;

    /// The rows to show at this size.
    fn lines(&self, width: u16, height: u16) -> Vec<Line<'static>>;

    /// A key; `Some` ends the screen.
    fn handle_key(&mut self, key: KeyEvent) -> Option<Self::Outcome>;

    fn handle_paste(&mut self, _text: &str) {}
}

/// Draws `lines` as the live area (inline) or the whole screen.
pub(crate) fn draw_lines<W: Write>(
    screen: &mut Screen<W>,
    lines: &[Line<'static>],
) -> std::io::Result<()> {
    let width = screen.width();
    let height = match screen.mode() {
        ScreenMode::Inline => (lines.len() as u16).clamp(1, screen.height()),
        ScreenMode::Alternate => screen.height(),
    };
    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    for (y, line) in lines.iter().take(usize::from(height)).enumerate() {
        buf.set_line(0, y as u16, line, width);
    }
    match screen.mode() {
        ScreenMode::Inline => screen.draw_inline(&[], &buf),
        ScreenMode::Alternate => screen.draw_full(&buf),
    }
}

/// Draws `buf` at the bottom of the alternate screen.
pub(crate) fn draw_buffer<W: Write>(screen: &mut Screen<W>, buf: &Buffer) -> std::io::Result<()> {
    let (width, height) = (screen.width(), screen.height());
    let mut frame = Buffer::empty(Rect::new(0, 0, width, height));
    let top = height.saturating_sub(buf.area.height);
    for y in 0..buf.area.height.min(height) {
        for x in 0..width.min(buf.area.width) {
            frame[(x, top + y)] = buf[(x, y)].clone();
        }
    }
    screen.draw_full(&frame)
}

/// Runs `modal` until it ends; None when the terminal's input closed or a
/// signal asked codex to stop.
pub(crate) async fn run_modal<M: Modal, W: Write>(
    screen: &mut Screen<W>,
    input: &mut Input<'_>,
    modal: &mut M,
) -> std::io::Result<Option<M::Outcome>> {
    loop {
        let lines = modal.lines(screen.width(), screen.height());
        draw_lines(screen, &lines)?;
        let event = tokio::select! {
            event = input.events.next() => event,
            _ = input.signals.recv() => return Ok(None),
        };
        match event {
            Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                if let Some(outcome) = modal.handle_key(key) {
                    return Ok(Some(outcome));
                }
            }
            Some(Ok(Event::Paste(text))) => modal.handle_paste(&text),
            Some(Ok(Event::Resize(width, height))) => screen.resize(width, height),
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(err),
            None => return Ok(None),
        }
    }
}
