//! `/vim`: vi-style editing of the composer. In insert mode keys type as
//! usual and Esc goes to normal mode; in normal mode keys move and edit:
//! `h` `l` `j` `k`, `w` `b` `e`, `0` `^` `$`, `x`, `X`, `dd`, `D`, `cc`, `C`,
//! `p`, `i` `a` `I` `A` `o` `O`, and Enter still sends. Esc in normal mode is
//! the chat's (interrupt, rewind to a previous message).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::textarea::TextArea;

/// Where vi editing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VimMode {
    Insert,
    Normal,
}

/// Vi state: the mode and an operator waiting for its second key (`d`, `c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Vim {
    pub mode: VimMode,
    pending: Option<char>,
}

impl Default for Vim {
    fn default() -> Self {
        Self {
            mode: VimMode::Insert,
            pending: None,
        }
    }
}

impl Vim {
    /// A key in normal mode; true when it was taken (changed or moved).
    pub(crate) fn normal_key(&mut self, key: KeyEvent, t: &mut TextArea) -> bool {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return false;
        }
        let KeyCode::Char(c) = key.code else {
            return match key.code {
                KeyCode::Left => {
                    t.left();
                    true
                }
                KeyCode::Right => {
                    t.right();
                    true
                }
                _ => false,
            };
        };
        if let Some(operator) = self.pending.take() {
            match (operator, c) {
                ('d', 'd') => delete_line(t),
                ('c', 'c') => {
                    t.home();
                    t.kill_to_line_end_only();
                    self.mode = VimMode::Insert;
                }
                ('d', 'w') => t.kill_word_forward(),
                ('c', 'w') => {
                    t.kill_word_forward();
                    self.mode = VimMode::Insert;
                }
                _ => {}
            }
            return true;
        }
        match c {
            'h' => t.left(),
            'l' => t.right(),
            'j' => t.vertical(false),
            'k' => t.vertical(true),
            'w' => next_word_start(t),
            'e' => t.word_right(),
            'b' => t.word_left(),
            '0' | '^' => t.home(),
            '$' => t.end(),
            'x' => t.delete(),
            'X' => t.backspace(),
            'D' => t.kill_to_line_end_only(),
            'C' => {
                t.kill_to_line_end_only();
                self.mode = VimMode::Insert;
            }
            'p' => t.yank(),
            'd' | 'c' => self.pending = Some(c),
            'i' => self.mode = VimMode::Insert,
            'a' => {
                t.right_within_line();
                self.mode = VimMode::Insert;
            }
            'I' => {
                t.home();
                self.mode = VimMode::Insert;
            }
            'A' => {
                t.end();
                self.mode = VimMode::Insert;
            }
            'o' => {
                t.end();
                t.insert_str("\n");
                self.mode = VimMode::Insert;
            }
            'O' => {
                t.home();
                t.insert_str("\n");
                t.left();
                self.mode = VimMode::Insert;
            }
            // Other keys do nothing in normal mode (they never type).
            _ => {}
        }
        true
    }
}

/// Vi's `w`: past the end of this word and the blanks after it.
fn next_word_start(t: &mut TextArea) {
    t.word_right();
    let rest = &t.text()[t.cursor()..];
    let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    t.set_cursor(t.cursor() + blanks);
}

/// `dd`: the cursor's line, its line break included.
fn delete_line(t: &mut TextArea) {
    t.home();
    t.kill_to_line_end_only();
    if !t.is_empty() {
        // The now-empty line's break (after it, or before it on the last).
        t.delete();
        if t.cursor() == t.text().len() {
            t.backspace();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn keys(vim: &mut Vim, t: &mut TextArea, keys: &str) {
        for c in keys.chars() {
            vim.normal_key(KeyEvent::from(KeyCode::Char(c)), t);
        }
    }

    #[test]
    fn normal_mode_moves_and_edits() {
        let mut t = TextArea::default();
        t.set_text("one two three\nsecond line");
        let mut vim = Vim {
            mode: VimMode::Normal,
            pending: None,
        };
        keys(&mut vim, &mut t, "k0wx");
        assert_eq!(t.text(), "one wo three\nsecond line");
        keys(&mut vim, &mut t, "jdd");
        assert_eq!(t.text(), "one wo three");
        keys(&mut vim, &mut t, "$D");
        assert_eq!(vim.mode, VimMode::Normal);
        keys(&mut vim, &mut t, "0cw");
        assert_eq!(vim.mode, VimMode::Insert);
        assert_eq!(t.text(), " wo three");
    }
}
