//! The screen: history printed into the terminal's own scrollback, and a
//! live area under it that is redrawn.
//!
//! # Inline mode (the default)
//!
//! Finished history lines are printed once, as ordinary output: the terminal
//! scrolls them up and keeps them, so its scrolling, search and copy work,
//! and tmux and Zellij keep them in their history. Only the live area
//! (streaming message, running commands, status, composer, footer) is
//! redrawn, row by row where a row changed.
//!
//! Between frames the hardware cursor sits in the composer, where the next
//! character goes (shown, so input methods and screen readers follow the
//! text), or, hidden, at the first column of the live area's first row.
//! Every frame starts by going back to that first row (the screen knows how
//! many rows down it left the cursor) and every move is relative to it; no
//! absolute row is ever used. That keeps a change of height clean: the
//! terminal keeps the cursor with its row, so erasing the rows from the live
//! area's top to the screen's bottom removes all of it before it is drawn
//! again (row by row, never "erase in display", which tmux turns into
//! scrollback when it starts at the top-left corner: see `erase_rows`).
//! History above it is never touched, so no line is printed twice or
//! erased. A change of width re-flows the screen from its top-left corner
//! instead (below). Autowrap is off while codex runs, so a row drawn for
//! the old width in the moment before a resize is reported is cut rather
//! than wrapped, and the live area never takes more rows than were drawn.
//!
//! # Re-flow after a resize
//!
//! A change of width re-flows what the interface owns on the screen: the
//! visible screen is cleared from its top-left corner and the last rows of
//! the transcript, rendered again at the new width, are drawn there with the
//! live area under them ([`Screen::draw_reflowed`]). Rows already scrolled
//! into the terminal's scrollback stay as the terminal keeps them.
//!
//! # Alternate-screen mode
//!
//! `tui.alternate_screen = "always"`: the whole screen is ours and is drawn
//! as one frame; the transcript above the live area is drawn by the app.
//!
//! Every frame is one write between "begin/end synchronized update", so
//! terminals that support it show no half-drawn frame.

use std::io::{self, Write};

use ratatui::buffer::Buffer;
use ratatui::text::Line;

use crate::ansi::{buffer_row_bytes, line_bytes};

const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
const END_SYNC: &[u8] = b"\x1b[?2026l";
const HIDE_CURSOR: &[u8] = b"\x1b[?25l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

/// Where history goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenMode {
    /// Into the terminal's scrollback.
    Inline,
    /// Onto the alternate screen, drawn by the app.
    Alternate,
}

pub struct Screen<W: Write> {
    out: W,
    width: u16,
    height: u16,
    mode: ScreenMode,
    /// The rows of the last frame, as written (the live area in inline mode,
    /// the whole screen in alternate mode).
    rows: Vec<Vec<u8>>,
    /// The next frame redraws every row.
    full: bool,
    /// Where the next frame leaves the cursor (row and column of the live
    /// area, or of the screen in alternate mode), shown; None parks it.
    cursor: Option<(u16, u16)>,
    /// How many rows below the live area's top the last frame left it.
    parked_row: u16,
}

impl<W: Write> Screen<W> {
    pub fn new(out: W, width: u16, height: u16, mode: ScreenMode) -> Self {
        Self {
            out,
            width: width.max(1),
            height: height.max(1),
            mode,
            rows: Vec::new(),
            full: true,
            cursor: None,
            parked_row: 0,
        }
    }

    /// Where the next frame shows the cursor (None: hidden).
    pub fn set_cursor(&mut self, at: Option<(u16, u16)>) {
        self.cursor = at;
    }

    /// Moves from where the last frame left the cursor to the live area's
    /// top row, hiding it.
    fn unpark(&mut self, frame: &mut Vec<u8>) {
        frame.extend_from_slice(HIDE_CURSOR);
        frame.extend_from_slice(b"\r");
        if self.parked_row > 0 {
            frame.extend_from_slice(format!("\x1b[{}A", self.parked_row).as_bytes());
        }
        self.parked_row = 0;
    }

    /// From the live area's top row, puts the cursor where it was asked for
    /// (inline mode) and shows it.
    fn park_cursor(&mut self, frame: &mut Vec<u8>, rows: usize) {
        if let Some((x, y)) = self.cursor.take()
            && usize::from(y) < rows
        {
            if y > 0 {
                frame.extend_from_slice(format!("\x1b[{y}B").as_bytes());
            }
            frame.extend_from_slice(format!("\x1b[{}G", x + 1).as_bytes());
            frame.extend_from_slice(SHOW_CURSOR);
            self.parked_row = y;
        }
    }

    pub fn mode(&self) -> ScreenMode {
        self.mode
    }

    pub fn width(&self) -> u16 {
        self.width
    }

    pub fn height(&self) -> u16 {
        self.height
    }

    /// The terminal changed size: the next frame is drawn whole.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.width = width.max(1);
        self.height = height.max(1);
        self.full = true;
    }

    /// The tallest live area that fits.
    pub fn max_live_height(&self) -> u16 {
        self.height
    }

    /// Inline mode: prints `history` above the live area, then draws `live`
    /// (whose width must be the screen's; taller than the screen is cut).
    pub fn draw_inline(&mut self, history: &[Line<'_>], live: &Buffer) -> io::Result<()> {
        let rows = self.live_rows(live);
        let mut frame = Vec::with_capacity(4096);
        frame.extend_from_slice(BEGIN_SYNC);
        self.unpark(&mut frame);
        if !history.is_empty() || self.full || rows.len() != self.rows.len() {
            // From the top of the live area: erase it, print the history (the
            // terminal scrolls as needed), then the live area below it.
            let below = if self.full {
                usize::from(self.height)
            } else {
                self.rows.len()
            };
            erase_rows(&mut frame, below.max(rows.len()));
            print_history_and_live(&mut frame, history, &rows);
        } else {
            for (index, row) in rows.iter().enumerate() {
                if self.rows.get(index) == Some(row) {
                    continue;
                }
                if index > 0 {
                    frame.extend_from_slice(format!("\x1b[{index}B").as_bytes());
                }
                frame.extend_from_slice(b"\r");
                frame.extend_from_slice(row);
                frame.extend_from_slice(b"\r");
                if index > 0 {
                    frame.extend_from_slice(format!("\x1b[{index}A").as_bytes());
                }
            }
        }
        self.finish_frame(frame, rows)
    }

    /// Inline mode after a change of width: clears the visible screen and
    /// draws the last rows of `history` that fit above `live`, then `live`.
    pub fn draw_reflowed(&mut self, history: &[Line<'_>], live: &Buffer) -> io::Result<()> {
        let rows = self.live_rows(live);
        let room = usize::from(self.height).saturating_sub(rows.len());
        let shown = &history[history.len().saturating_sub(room)..];
        let mut frame = Vec::with_capacity(8192);
        frame.extend_from_slice(BEGIN_SYNC);
        self.unpark(&mut frame);
        frame.extend_from_slice(b"\x1b[H");
        erase_rows(&mut frame, usize::from(self.height));
        print_history_and_live(&mut frame, shown, &rows);
        self.finish_frame(frame, rows)
    }

    /// The live area's rows as bytes (cut to the screen's height).
    fn live_rows(&self, live: &Buffer) -> Vec<Vec<u8>> {
        let height = live.area.height.min(self.height);
        (0..height)
            .map(|y| buffer_row_bytes(live, live.area.top() + y))
            .collect()
    }

    /// Places the cursor, ends the synchronized update and writes the frame.
    fn finish_frame(&mut self, mut frame: Vec<u8>, rows: Vec<Vec<u8>>) -> io::Result<()> {
        self.park_cursor(&mut frame, rows.len());
        frame.extend_from_slice(END_SYNC);
        self.out.write_all(&frame)?;
        self.out.flush()?;
        self.rows = rows;
        self.full = false;
        Ok(())
    }

    /// Alternate mode: draws `frame` over the whole screen.
    pub fn draw_full(&mut self, frame_buf: &Buffer) -> io::Result<()> {
        let rows = self.live_rows(frame_buf);
        let mut frame = Vec::with_capacity(8192);
        frame.extend_from_slice(BEGIN_SYNC);
        frame.extend_from_slice(HIDE_CURSOR);
        if self.full {
            frame.extend_from_slice(b"\x1b[H\x1b[2J");
        }
        for (index, row) in rows.iter().enumerate() {
            if !self.full && self.rows.get(index) == Some(row) {
                continue;
            }
            frame.extend_from_slice(format!("\x1b[{};1H", index + 1).as_bytes());
            frame.extend_from_slice(row);
        }
        if rows.len() < self.rows.len() {
            frame.extend_from_slice(format!("\x1b[{};1H\x1b[J", rows.len() + 1).as_bytes());
        }
        if let Some((x, y)) = self.cursor.take() {
            frame.extend_from_slice(format!("\x1b[{};{}H", y + 1, x + 1).as_bytes());
            frame.extend_from_slice(SHOW_CURSOR);
        }
        self.parked_row = 0;
        frame.extend_from_slice(END_SYNC);
        self.out.write_all(&frame)?;
        self.out.flush()?;
        self.rows = rows;
        self.full = false;
        Ok(())
    }

    /// Inline mode: prints `history` and erases the live area, leaving the
    /// cursor where the next shell prompt goes (used when leaving).
    pub fn finish_inline(&mut self, history: &[Line<'_>]) -> io::Result<()> {
        let mut frame = Vec::new();
        frame.extend_from_slice(BEGIN_SYNC);
        self.unpark(&mut frame);
        erase_rows(&mut frame, self.rows.len().max(1));
        for line in history {
            frame.extend_from_slice(&line_bytes(line));
            frame.extend_from_slice(b"\r\n");
        }
        frame.extend_from_slice(END_SYNC);
        self.out.write_all(&frame)?;
        self.out.flush()?;
        self.rows.clear();
        self.full = true;
        Ok(())
    }

    /// Writes raw bytes (an OSC 9 notification) between frames.
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.out.flush()
    }

    /// The next frame is drawn whole (after the terminal was handed to
    /// another program).
    pub fn invalidate(&mut self) {
        self.full = true;
    }

    /// Another program had the terminal without the alternate screen
    /// (suspended with Ctrl-Z): the cursor is where it left it, and the
    /// next frame is drawn whole from there.
    pub fn forget_cursor(&mut self) {
        self.full = true;
        self.parked_row = 0;
    }

    /// Clears the visible screen (and the terminal's scrollback when
    /// `scrollback`); the next frame is drawn whole from the top.
    pub fn clear(&mut self, scrollback: bool) -> io::Result<()> {
        let sequence: &[u8] = if scrollback {
            b"\x1b[H\x1b[2J\x1b[3J"
        } else {
            b"\x1b[H\x1b[2J"
        };
        self.out.write_all(sequence)?;
        self.out.flush()?;
        self.parked_row = 0;
        self.full = true;
        Ok(())
    }

    #[cfg(test)]
    pub fn output(&self) -> &W {
        &self.out
    }
}

/// Erases `rows` rows from the cursor's row down (fewer at the screen's
/// bottom) and puts the cursor back where it was, at the row's start.
///
/// Row by row, never with "erase in display": a terminal that keeps what a
/// whole-screen erase removes (tmux's `scroll-on-clear`, on by default)
/// would push the erased rows into its scrollback whenever the live area
/// starts at the screen's top-left corner — after `clear`, every start-up
/// left an empty composer and footer above the session header.
fn erase_rows(frame: &mut Vec<u8>, rows: usize) {
    frame.extend_from_slice(b"\r\x1b7");
    for index in 0..rows {
        if index > 0 {
            frame.extend_from_slice(b"\x1b[1B");
        }
        frame.extend_from_slice(b"\x1b[2K");
    }
    frame.extend_from_slice(b"\x1b8");
}

/// Prints `history` (the terminal scrolls as needed), then the live rows
/// under it, and moves back to the live area's top.
fn print_history_and_live(frame: &mut Vec<u8>, history: &[Line<'_>], rows: &[Vec<u8>]) {
    for line in history {
        frame.extend_from_slice(&line_bytes(line));
        frame.extend_from_slice(b"\r\n");
    }
    for (index, row) in rows.iter().enumerate() {
        if index > 0 {
            frame.extend_from_slice(b"\r\n");
        }
        frame.extend_from_slice(row);
    }
    park(frame, rows.len());
}

/// Moves from the last row drawn back to the top of the live area.
fn park(frame: &mut Vec<u8>, rows: usize) {
    frame.extend_from_slice(b"\r");
    if rows > 1 {
        frame.extend_from_slice(format!("\x1b[{}A", rows - 1).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use ratatui::layout::Rect;

    fn live(width: u16, rows: &[&str]) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, width, rows.len() as u16));
        for (y, row) in rows.iter().enumerate() {
            buf.set_string(0, y as u16, row, ratatui::style::Style::default());
        }
        buf
    }

    /// Feeds everything written so far to a terminal emulator.
    fn emulate(screen: &Screen<Vec<u8>>, rows: u16, cols: u16) -> vt100::Parser {
        let mut parser = vt100::Parser::new(rows, cols, 100);
        parser.process(screen.output());
        parser
    }

    fn screen_rows(parser: &vt100::Parser) -> Vec<String> {
        parser.screen().rows(0, parser.screen().size().1).collect()
    }

    #[test]
    fn history_scrolls_into_the_scrollback_and_the_live_area_follows() {
        let mut screen = Screen::new(Vec::new(), 20, 4, ScreenMode::Inline);
        screen.draw_inline(&[], &live(20, &["> typing"])).unwrap();
        let lines: Vec<Line<'_>> = (1..=5).map(|i| Line::from(format!("line {i}"))).collect();
        screen
            .draw_inline(&lines, &live(20, &["status", "> typing"]))
            .unwrap();
        let mut parser = emulate(&screen, 4, 20);
        assert_eq!(
            screen_rows(&parser),
            vec!["line 4", "line 5", "status", "> typing"]
        );
        parser.screen_mut().set_scrollback(3);
        assert_eq!(screen_rows(&parser)[..3], ["line 1", "line 2", "line 3"]);
    }

    #[test]
    fn unchanged_rows_are_not_rewritten() {
        let mut screen = Screen::new(Vec::new(), 20, 6, ScreenMode::Inline);
        screen
            .draw_inline(&[], &live(20, &["a", "b", "c"]))
            .unwrap();
        let before = screen.output().len();
        screen
            .draw_inline(&[], &live(20, &["a", "B", "c"]))
            .unwrap();
        let frame = String::from_utf8_lossy(&screen.output()[before..]).to_string();
        assert!(frame.contains('B'));
        assert!(!frame.contains('a') && !frame.contains('c'), "{frame:?}");
        assert_eq!(screen_rows(&emulate(&screen, 6, 20))[..3], ["a", "B", "c"]);
    }

    #[test]
    fn the_cursor_is_shown_in_the_composer_and_frames_start_from_the_top() {
        let mut screen = Screen::new(Vec::new(), 20, 6, ScreenMode::Inline);
        screen.set_cursor(Some((5, 1)));
        screen
            .draw_inline(
                &[Line::from("kept")],
                &live(20, &["status", "> abc", "footer"]),
            )
            .unwrap();
        let parser = emulate(&screen, 6, 20);
        assert_eq!(parser.screen().cursor_position(), (2, 5));
        assert!(!parser.screen().hide_cursor());
        // The next frame changes one row and starts from the live area's top.
        screen.set_cursor(Some((6, 1)));
        screen
            .draw_inline(&[], &live(20, &["status", "> abcd", "footer"]))
            .unwrap();
        let parser = emulate(&screen, 6, 20);
        assert_eq!(
            screen_rows(&parser)[..4],
            ["kept", "status", "> abcd", "footer"]
        );
        assert_eq!(parser.screen().cursor_position(), (2, 6));
        // A frame without a cursor hides it.
        screen
            .draw_inline(
                &[Line::from("more")],
                &live(20, &["status", "> x", "footer"]),
            )
            .unwrap();
        let parser = emulate(&screen, 6, 20);
        assert_eq!(
            screen_rows(&parser)[..5],
            ["kept", "more", "status", "> x", "footer"]
        );
        assert!(parser.screen().hide_cursor());
    }

    #[test]
    fn a_shrinking_live_area_leaves_nothing_behind() {
        let mut screen = Screen::new(Vec::new(), 20, 6, ScreenMode::Inline);
        screen
            .draw_inline(&[Line::from("kept")], &live(20, &["1", "2", "3", "4"]))
            .unwrap();
        screen.draw_inline(&[], &live(20, &["only"])).unwrap();
        assert_eq!(
            screen_rows(&emulate(&screen, 6, 20)),
            vec!["kept", "only", "", "", "", ""]
        );
    }

    #[test]
    fn a_reflow_redraws_the_visible_history_at_the_new_width() {
        let mut screen = Screen::new(Vec::new(), 30, 5, ScreenMode::Inline);
        let old: Vec<Line<'_>> = (1..=6).map(|i| Line::from(format!("old {i}"))).collect();
        screen.draw_inline(&old, &live(30, &["> x"])).unwrap();
        let new: Vec<Line<'_>> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|t| Line::from(*t))
            .collect();
        screen.resize(20, 5);
        screen
            .draw_reflowed(&new, &live(20, &["status", "> x"]))
            .unwrap();
        let parser = emulate(&screen, 5, 30);
        assert_eq!(screen_rows(&parser), vec!["d", "e", "f", "status", "> x"]);
    }

    #[test]
    fn after_a_resize_the_live_area_is_redrawn_from_its_top() {
        let mut screen = Screen::new(Vec::new(), 30, 5, ScreenMode::Inline);
        screen
            .draw_inline(
                &[Line::from("history")],
                &live(30, &["status line that is long", "> x"]),
            )
            .unwrap();
        let mut parser = emulate(&screen, 5, 30);
        // The terminal gets narrower (this emulator truncates rather than
        // reflows); the cursor stays at the top of the live area.
        parser.screen_mut().set_size(5, 12);
        let before = screen.output().len();
        screen.resize(12, 5);
        screen
            .draw_inline(&[], &live(12, &["status", "> x"]))
            .unwrap();
        parser.process(&screen.output()[before..]);
        assert_eq!(
            screen_rows(&parser),
            vec!["history", "status", "> x", "", ""]
        );
    }

    /// Drawing from the screen's top-left corner (after `clear`) never
    /// erases "in display": tmux would keep what that erases (the first
    /// frame's composer and footer) in its scrollback.
    #[test]
    fn frames_erase_row_by_row_not_the_whole_display() {
        let mut screen = Screen::new(Vec::new(), 30, 6, ScreenMode::Inline);
        screen
            .draw_inline(&[], &live(30, &["", "> composer", "footer"]))
            .unwrap();
        screen
            .draw_inline(
                &[Line::from("header")],
                &live(30, &["", "> composer", "footer"]),
            )
            .unwrap();
        screen.draw_inline(&[], &live(30, &["short"])).unwrap();
        screen.resize(20, 6);
        screen
            .draw_reflowed(&[Line::from("header")], &live(20, &["> c"]))
            .unwrap();
        screen.finish_inline(&[Line::from("bye")]).unwrap();
        let bytes = String::from_utf8_lossy(screen.output()).to_string();
        for erase in ["\x1b[J", "\x1b[0J", "\x1b[1J", "\x1b[2J"] {
            assert!(!bytes.contains(erase), "{erase:?} in {bytes:?}");
        }
        let parser = emulate(&screen, 6, 30);
        assert_eq!(screen_rows(&parser), vec!["header", "bye", "", "", "", ""]);
    }
}
