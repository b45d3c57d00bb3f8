//! The property that no character is lost on the way to the screen: random
//! text (words, long paths, CJK, emoji, combining marks) rendered as a
//! history cell and in the composer, at every width from 20 to 200, written
//! by [`Screen`] into a terminal emulator (with autowrap off, as codex runs
//! it), reads back with every character in order.
//!
//! It lives apart from `wrap.rs` because it crosses every layer between the
//! text and the terminal: Markdown, wrapping, prefixes, the row bytes and
//! the screen's cursor moves.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::cells::HistoryCell;
use crate::composer::{Composer, PromptHistory};
use crate::screen::{Screen, ScreenMode};

/// A small deterministic generator (xorshift64*), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "juliet",
    "the",
    "a",
    "configuration",
    "of",
    "quickly",
    "x",
    "internationalization",
];
const CJK: &[&str] = &["日本語", "中文字", "한국어", "テキスト", "漢"];
/// Single-scalar emoji of width two (sequences joined by ZWJ are drawn
/// differently by every terminal, so they are not part of the property).
const EMOJI: &[&str] = &["🎉", "🚀", "👍", "🦀", "✅"];
const COMBINING: &[&str] = &["e\u{301}", "n\u{303}a", "a\u{308}o\u{308}", "ı\u{307}"];

/// One token of text: no Markdown syntax, so the rendered text is the text.
fn token(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => {
            let parts: Vec<&str> = (0..2 + rng.below(6)).map(|_| rng.pick(WORDS)).collect();
            format!("/work/{}/file-name.rs", parts.join("-"))
        }
        1 => rng.pick(CJK).to_string(),
        2 => rng.pick(EMOJI).to_string(),
        3 => format!("{}{}", rng.pick(WORDS), rng.pick(COMBINING)),
        _ => rng.pick(WORDS).to_string(),
    }
}

fn random_text(rng: &mut Rng) -> String {
    // Starts with a plain word so no line reads as a list or heading.
    let mut text = String::from("start");
    for _ in 0..5 + rng.below(40) {
        let sep = if rng.below(4) == 0 { "" } else { " " };
        text.push_str(sep);
        text.push_str(&token(rng));
    }
    text
}

/// The text's characters other than whitespace, in order.
fn visible(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Feeds terminal bytes to `vt100` the way xterm and tmux take them.
///
/// `vt100` lets the cursor sit one column past a full row; real terminals
/// keep it on the last column, so an "erase to the end of the line" (or
/// screen) there erases the last character. Before such an erase the
/// cursor is put where a real terminal has it, so the emulator loses what
/// a real terminal would.
fn process_like_a_terminal(parser: &mut vt100::Parser, bytes: &[u8]) {
    let cols = parser.screen().size().1;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            let mut end = i + 2;
            while end < bytes.len() && !(0x40..=0x7e).contains(&bytes[end]) {
                end += 1;
            }
            let params = &bytes[i + 2..end.min(bytes.len())];
            let erase_forward = matches!(bytes.get(end), Some(b'K' | b'J'))
                && (params.is_empty() || params == b"0");
            if erase_forward {
                parser.process(&bytes[start..i]);
                start = i;
                if parser.screen().cursor_position().1 >= cols {
                    parser.process(format!("\x1b[{cols}G").as_bytes());
                }
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    parser.process(&bytes[start..]);
}

/// Everything written so far, as the emulator's rows (tall enough that
/// nothing scrolls away).
fn screen_text(screen: &Screen<Vec<u8>>, width: u16, rows: u16) -> String {
    let mut parser = vt100::Parser::new(rows, width, 0);
    process_like_a_terminal(&mut parser, b"\x1b[?7l");
    process_like_a_terminal(&mut parser, screen.output());
    parser
        .screen()
        .rows(0, width)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_emulation_erases_like_a_real_terminal() {
    // As tmux shows it: the erase at the end of a full row takes its last
    // character.
    let mut parser = vt100::Parser::new(3, 10, 0);
    process_like_a_terminal(&mut parser, b"abcdefghij\x1b[K\r\nabcdefghij");
    let rows: Vec<String> = parser.screen().rows(0, 10).collect();
    assert_eq!(rows[..2], ["abcdefghi", "abcdefghij"]);
}

#[test]
fn history_cells_keep_every_character_at_every_width() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..6 {
        let text = random_text(&mut rng);
        for width in 20..=200u16 {
            for cell in [
                HistoryCell::Agent {
                    markdown: text.clone(),
                },
                HistoryCell::User {
                    text: text.clone(),
                    images: 0,
                },
            ] {
                let lines = cell.display_lines(width);
                for line in &lines {
                    assert!(line.width() <= usize::from(width), "{line:?} at {width}");
                }
                let rows = lines.len() as u16 + 2;
                let mut screen = Screen::new(Vec::new(), width, rows, ScreenMode::Inline);
                let live = Buffer::empty(Rect::new(0, 0, width, 1));
                screen.draw_inline(&lines, &live).unwrap();
                let shown = visible(&screen_text(&screen, width, rows));
                let expected = visible(&text);
                assert!(
                    shown.contains(&expected),
                    "case {case} width {width}\ntext:  {expected}\nshown: {shown}"
                );
            }
        }
    }
}

#[test]
fn the_composer_keeps_every_character_at_every_width() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for case in 0..6 {
        let text = random_text(&mut rng);
        let mut composer = Composer::new(PromptHistory::default(), "");
        composer.set_text(&text);
        for width in 20..=200u16 {
            let height = 200;
            let area = Rect::new(0, 0, width, height);
            let mut live = Buffer::empty(area);
            composer.render(area, &mut live, false);
            let mut screen = Screen::new(Vec::new(), width, height, ScreenMode::Inline);
            screen.draw_inline(&[], &live).unwrap();
            let shown = visible(&screen_text(&screen, width, height));
            let expected = visible(&text);
            assert!(
                shown.contains(&expected),
                "case {case} width {width}\ntext:  {expected}\nshown: {shown}"
            );
        }
    }
}
