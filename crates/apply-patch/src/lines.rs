//! A file's lines, as offsets into its text.
//!
//! Four bytes a line instead of a 16-byte slice: the table of a
//! 100,000-line file is 0.4 MB rather than 1.6 MB, and fresh memory is
//! page faults, the main cost of patching a large file
//! (docs/benchmarks.md, "apply_patch").

/// The line break most lines of a text end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineEnding {
    Lf,
    CrLf,
}

/// The lines of a text, without their line breaks (a final line break
/// does not start another line). In a CRLF text, a line's `\r` is part of
/// its break.
pub struct Lines<'a> {
    text: &'a str,
    /// Where each line starts, then one past the last line's break (as if
    /// an unterminated last line had one).
    starts: Vec<u32>,
    crlf: bool,
}

/// The text is 4 GiB or more (offsets are 32 bits).
#[derive(Debug)]
pub struct TooLarge;

impl<'a> Lines<'a> {
    /// Splits `text` (one pass) and tells its line ending: CRLF if at least
    /// half of its line breaks are.
    pub fn new(text: &'a str) -> Result<Self, TooLarge> {
        if u32::try_from(text.len() + 1).is_err() {
            return Err(TooLarge);
        }
        let bytes = text.as_bytes();
        let mut starts = Vec::with_capacity(text.len() / 32 + 2);
        starts.push(0);
        let mut crlf = 0;
        for_each_break(bytes, |at| {
            crlf += usize::from(at > 0 && bytes[at - 1] == b'\r');
            // Fits: checked against the text's length above.
            starts.push((at + 1) as u32);
        });
        let breaks = starts.len() - 1;
        if bytes.last().is_some_and(|&b| b != b'\n') {
            starts.push((text.len() + 1) as u32);
        }
        Ok(Self {
            text,
            starts,
            crlf: crlf > 0 && crlf * 2 >= breaks,
        })
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn line_ending(&self) -> LineEnding {
        if self.crlf {
            LineEnding::CrLf
        } else {
            LineEnding::Lf
        }
    }

    /// Line `index` (0-based; empty past the end).
    pub fn get(&self, index: usize) -> &'a str {
        let (Some(&start), Some(&next)) = (self.starts.get(index), self.starts.get(index + 1))
        else {
            return "";
        };
        let line = self
            .text
            .get(start as usize..next as usize - 1)
            .unwrap_or_default();
        match self.crlf {
            true => line.strip_suffix('\r').unwrap_or(line),
            false => line,
        }
    }

    /// Where line `index` starts in the text; the text's length for the
    /// line after the last.
    pub(crate) fn start(&self, index: usize) -> usize {
        self.starts.get(index).map_or(self.text.len(), |&start| {
            (start as usize).min(self.text.len())
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).map(|index| self.get(index))
    }
}

/// `text.lines()`, collected, found as [`Lines`] finds its breaks: a patch
/// is tens of thousands of short lines too.
pub(crate) fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::with_capacity(text.len() / 32 + 1);
    let mut start = 0;
    for_each_break(text.as_bytes(), |at| {
        let line = text.get(start..at).unwrap_or_default();
        lines.push(line.strip_suffix('\r').unwrap_or(line));
        start = at + 1;
    });
    // A last line without a break keeps a final `\r`, as with `lines`.
    if start < text.len() {
        lines.push(text.get(start..).unwrap_or_default());
    }
    lines
}

/// Calls `found` with the offset of every `\n` of `bytes`, in order.
///
/// A line is some 40 bytes, so searching for each break on its own (as
/// `memchr` does) pays a search's start-up and a mispredicted branch every
/// few words: about 9 ns a line, a sixth of the time of patching a large
/// file. On x86_64, 64 bytes at a time become a mask of their breaks
/// instead, which is twice as fast (docs/benchmarks.md, "apply_patch").
fn for_each_break(bytes: &[u8], mut found: impl FnMut(usize)) {
    #[cfg(target_arch = "x86_64")]
    let (bytes, offset) = {
        let blocks = bytes.chunks_exact(64);
        let tail = blocks.remainder();
        for (index, block) in blocks.enumerate() {
            let mut mask = newline_mask(block);
            while mask != 0 {
                found(index * 64 + mask.trailing_zeros() as usize);
                mask &= mask - 1;
            }
        }
        (tail, bytes.len() - tail.len())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let offset = 0;
    for at in memchr::memchr_iter(b'\n', bytes) {
        found(offset + at);
    }
}

/// Bit `i` is set where `block[i]` (of 64 bytes) is `\n`.
#[cfg(target_arch = "x86_64")]
fn newline_mask(block: &[u8]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let mut mask = 0;
    for (k, lane) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of every x86_64 processor; `lane` is 16
        // readable bytes, and an unaligned load may start anywhere.
        let hits = unsafe {
            let lane = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
            _mm_movemask_epi8(_mm_cmpeq_epi8(lane, _mm_set1_epi8(b'\n' as i8)))
        };
        // The mask is the low 16 bits, one per byte.
        mask |= u64::from(hits as u16) << (16 * k);
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn split(text: &str) -> (Vec<&str>, LineEnding) {
        let lines = Lines::new(text).unwrap();
        (lines.iter().collect(), lines.line_ending())
    }

    #[test]
    fn splits_like_str_lines() {
        for text in ["", "a", "a\n", "a\nb", "a\n\nb\n", "\n", "\n\n", "é\nü"] {
            let (lines, ending) = split(text);
            assert_eq!(lines, text.lines().collect::<Vec<_>>(), "{text:?}");
            assert_eq!(ending, LineEnding::Lf);
        }
    }

    #[test]
    fn crlf_is_the_majority_break() {
        assert_eq!(
            split("a\r\nb\r\nc\n"),
            (vec!["a", "b", "c"], LineEnding::CrLf)
        );
        // Mostly LF: a CR stays in its line.
        assert_eq!(
            split("a\r\nb\nc\n"),
            (vec!["a\r", "b", "c"], LineEnding::Lf)
        );
    }

    #[test]
    fn breaks_are_found_in_every_position_of_a_block() {
        // Lines of every length from 0 to 130, across block boundaries.
        let text: String = (0..130).map(|n| "x".repeat(n) + "\n").collect::<String>() + "end";
        let lines = Lines::new(&text).unwrap();
        assert_eq!(
            lines.iter().collect::<Vec<_>>(),
            text.split('\n').collect::<Vec<_>>()
        );
    }

    #[test]
    fn split_lines_is_str_lines() {
        let long = "x".repeat(70) + "\r\n" + &"y".repeat(60) + "\n\n";
        for text in [
            "", "a", "a\n", "a\r\nb", "a\rb\n", "\n\n", "\r\n", "é\nü\r", &long,
        ] {
            assert_eq!(
                split_lines(text),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn starts_are_byte_offsets() {
        let lines = Lines::new("ab\r\ncd\r\nef").unwrap();
        assert_eq!(
            (0..=3).map(|i| lines.start(i)).collect::<Vec<_>>(),
            [0, 4, 8, 10]
        );
        assert_eq!(lines.get(7), "");
    }
}
