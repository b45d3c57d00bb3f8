//! Finding a chunk's lines in a file.
//!
//! Models copy context imperfectly, so a sequence of lines is searched with
//! passes of decreasing strictness, and the first pass that finds a match
//! wins: exact; ignoring trailing whitespace; ignoring leading and trailing
//! whitespace; and finally with typographic punctuation (dashes, curly quotes,
//! non-breaking spaces) folded to ASCII.

use crate::lines::Lines;

/// The lines of one file, with the normalized form computed on first need.
pub struct FileLines<'a> {
    lines: &'a Lines<'a>,
    normalized: std::cell::OnceCell<Vec<String>>,
}

impl<'a> FileLines<'a> {
    pub fn new(lines: &'a Lines<'a>) -> Self {
        Self {
            lines,
            normalized: std::cell::OnceCell::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Where `pattern` starts, searching from `start`. With `eof`, a match
    /// that ends at the last line is preferred.
    pub fn seek(&self, pattern: &[&str], start: usize, eof: bool) -> Option<usize> {
        if pattern.is_empty() {
            return Some(start.min(self.lines.len()));
        }
        if pattern.len() > self.lines.len() {
            return None;
        }
        if eof {
            let at_end = self.lines.len() - pattern.len();
            if at_end >= start && self.find_from(pattern, at_end, Some(at_end)).is_some() {
                return Some(at_end);
            }
        }
        self.find_from(pattern, start, None)
    }

    fn find_from(&self, pattern: &[&str], start: usize, only: Option<usize>) -> Option<usize> {
        let last_start = self.lines.len() - pattern.len();
        let range = match only {
            Some(at) => at..=at,
            None => start..=last_start,
        };
        if start > last_start {
            return None;
        }
        // One pass per strictness, each compiled for its comparison (not a
        // call through a pointer per line): the exact pass does nearly all
        // of the work, the others run only where it finds nothing.
        let found = self
            .first_match(range.clone(), pattern, |a, b| a == b)
            .or_else(|| {
                self.first_match(range.clone(), pattern, |a, b| a.trim_end() == b.trim_end())
            })
            .or_else(|| self.first_match(range.clone(), pattern, |a, b| a.trim() == b.trim()));
        if found.is_some() {
            return found;
        }
        let normalized_pattern: Vec<String> = pattern.iter().map(|p| normalize(p)).collect();
        let normalized = self
            .normalized
            .get_or_init(|| self.lines.iter().map(normalize).collect());
        range.into_iter().find(|&i| {
            normalized_pattern
                .iter()
                .zip(&normalized[i..])
                .all(|(p, l)| p == l)
        })
    }

    /// The first start in `range` where each line of `pattern` is `eq` to
    /// the file's.
    fn first_match(
        &self,
        range: std::ops::RangeInclusive<usize>,
        pattern: &[&str],
        eq: impl Fn(&str, &str) -> bool,
    ) -> Option<usize> {
        // `i + k` stays in the file: `range` ends where the pattern fits.
        range.into_iter().find(|&i| {
            pattern
                .iter()
                .enumerate()
                .all(|(k, p)| eq(self.lines.get(i + k), p))
        })
    }
}

/// Trims and folds typographic punctuation to ASCII.
fn normalize(line: &str) -> String {
    line.trim()
        .chars()
        .map(|c| match c {
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' => '-',
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' => '"',
            '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2004}' | '\u{2005}' | '\u{2006}'
            | '\u{2007}' | '\u{2008}' | '\u{2009}' | '\u{200A}' | '\u{202F}' | '\u{205F}'
            | '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v<'a>(lines: &[&'a str]) -> Vec<&'a str> {
        lines.to_vec()
    }

    fn text(lines: &[&str]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn passes_in_order_of_strictness() {
        let file = text(&["a", "b  ", "  c", "d \u{2014} e", "b"]);
        let file = Lines::new(&file).unwrap();
        let lines = FileLines::new(&file);
        assert_eq!(
            lines.seek(&v(&["b"]), 0, false),
            Some(4),
            "exact beats fuzzy"
        );
        assert_eq!(lines.seek(&v(&["b", "  c"]), 0, false), Some(1));
        assert_eq!(lines.seek(&v(&["c"]), 0, false), Some(2));
        assert_eq!(lines.seek(&v(&["d - e"]), 0, false), Some(3));
        assert_eq!(lines.seek(&v(&["zzz"]), 0, false), None);
        assert_eq!(
            lines.seek(&v(&["a"]), 1, false),
            None,
            "searches from start"
        );
    }

    #[test]
    fn end_of_file_prefers_the_last_match() {
        let file = text(&["x", "y", "x", "y"]);
        let file = Lines::new(&file).unwrap();
        let lines = FileLines::new(&file);
        assert_eq!(lines.seek(&v(&["x", "y"]), 0, false), Some(0));
        assert_eq!(lines.seek(&v(&["x", "y"]), 0, true), Some(2));
        // Not at the end: falls back to an ordinary search.
        let file = text(&["x", "y", "z"]);
        let file = Lines::new(&file).unwrap();
        assert_eq!(FileLines::new(&file).seek(&v(&["x"]), 0, true), Some(0));
    }

    #[test]
    fn degenerate_inputs() {
        let file = text(&["a"]);
        let file = Lines::new(&file).unwrap();
        let lines = FileLines::new(&file);
        assert_eq!(lines.seek(&[], 5, false), Some(1));
        assert_eq!(lines.seek(&v(&["a", "b"]), 0, false), None);
        assert_eq!(lines.seek(&v(&["a"]), 3, true), None);
        assert_eq!(lines.len(), 1);
    }
}
