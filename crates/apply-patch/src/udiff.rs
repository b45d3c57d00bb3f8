//! Unified diffs built from the replacements a plan found.
//!
//! Diffing a whole file again after patching it costs O(N·D) (about 50 ms for
//! a 100,000-line file with 1,000 changes); the plan already knows which line
//! ranges changed, so only those small ranges are diffed (to show context
//! lines of a chunk as context) and the hunks are assembled around them. The
//! output has the same format as `similar`'s unified diff with three lines of
//! context, without file headers.

use similar::{Algorithm, DiffOp, capture_diff_slices};

use crate::chunks::Replacement;
use crate::lines::Lines;

const CONTEXT: usize = 3;

/// A run of removed old lines replaced by inserted new lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    old_start: usize,
    old_len: usize,
    new_start: usize,
    new_len: usize,
    /// Where its new lines start in [`Changes::inserted`].
    inserted_at: usize,
}

impl Change {
    fn old_end(&self) -> usize {
        self.old_start + self.old_len
    }

    fn new_end(&self) -> usize {
        self.new_start + self.new_len
    }
}

/// The line-level changes of a patched file, and the text of their new
/// lines: the new file is never split into lines for its diff.
pub(crate) struct Changes<'a> {
    list: Vec<Change>,
    /// The new lines of every replacement, in order (so the new lines of
    /// changes that touch are consecutive here too).
    inserted: Vec<&'a str>,
    /// The old text's last line had no line break (the new text always
    /// has one, so that line always differs).
    missing_newline: bool,
}

/// The changes of `replacements` (sorted, non-overlapping) on `old`.
pub(crate) fn changes<'a>(
    old: &Lines<'a>,
    replacements: &[Replacement<'a>],
    old_ends_with_newline: bool,
) -> Changes<'a> {
    let mut list: Vec<Change> = Vec::new();
    let mut inserted: Vec<&'a str> = Vec::new();
    let mut delta: isize = 0;
    for replacement in replacements {
        let old_slice: Vec<&str> = (replacement.start..replacement.start + replacement.old_len)
            .map(|index| old.get(index))
            .collect();
        let base = inserted.len();
        inserted.extend_from_slice(replacement.new_lines);
        let new_base = replacement.start.saturating_add_signed(delta);
        for op in capture_diff_slices(Algorithm::Myers, &old_slice, &inserted[base..]) {
            let (old_index, old_len, new_index, new_len) = match op {
                DiffOp::Equal { .. } => continue,
                DiffOp::Delete {
                    old_index,
                    old_len,
                    new_index,
                } => (old_index, old_len, new_index, 0),
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => (old_index, 0, new_index, new_len),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => (old_index, old_len, new_index, new_len),
            };
            let change = Change {
                old_start: replacement.start + old_index,
                old_len,
                new_start: new_base + new_index,
                new_len,
                inserted_at: base + new_index,
            };
            match list.last_mut() {
                Some(last)
                    if last.old_end() == change.old_start && last.new_end() == change.new_start =>
                {
                    last.old_len += change.old_len;
                    last.new_len += change.new_len;
                }
                _ => list.push(change),
            }
        }
        delta += replacement.new_lines.len() as isize - replacement.old_len as isize;
    }
    let missing_newline = !old_ends_with_newline && !old.is_empty();
    let new_len = old.len().saturating_add_signed(delta);
    if missing_newline && new_len > 0 && list.last().is_none_or(|c| c.old_end() < old.len()) {
        // The last line is unchanged but gains its line break.
        list.push(Change {
            old_start: old.len() - 1,
            old_len: 1,
            new_start: new_len - 1,
            new_len: 1,
            inserted_at: inserted.len(),
        });
        inserted.push(old.get(old.len() - 1));
    }
    Changes {
        list,
        inserted,
        missing_newline,
    }
}

/// Renders `changes` of `old` as unified-diff hunks.
pub(crate) fn render(old: &Lines<'_>, changes: &Changes<'_>) -> String {
    let Changes {
        list: changes,
        inserted,
        missing_newline,
    } = changes;
    let missing_newline = *missing_newline;
    let mut out = String::new();
    let emit_old = |out: &mut String, prefix: char, index: usize| {
        out.push(prefix);
        out.push_str(old.get(index));
        out.push('\n');
        if missing_newline && index + 1 == old.len() {
            out.push_str("\\ No newline at end of file\n");
        }
    };
    let mut i = 0;
    while i < changes.len() {
        let mut j = i;
        while j + 1 < changes.len()
            && changes[j + 1].old_start - changes[j].old_end() <= 2 * CONTEXT
        {
            j += 1;
        }
        let (first, last) = (changes[i], changes[j]);
        let old_from = first.old_start.saturating_sub(CONTEXT);
        let old_to = (last.old_end() + CONTEXT).min(old.len());
        let new_from = first.new_start - (first.old_start - old_from);
        let new_to = last.new_end() + (old_to - last.old_end());
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_from, old_to),
            range(new_from, new_to)
        ));
        let mut at = old_from;
        for change in &changes[i..=j] {
            for k in at..change.old_start {
                emit_old(&mut out, ' ', k);
            }
            for k in change.old_start..change.old_end() {
                emit_old(&mut out, '-', k);
            }
            for line in &inserted[change.inserted_at..change.inserted_at + change.new_len] {
                out.push('+');
                out.push_str(line);
                out.push('\n');
            }
            at = change.old_end();
        }
        for k in at..old_to {
            emit_old(&mut out, ' ', k);
        }
        i = j + 1;
    }
    out
}

/// `start,len` (1-based), `start` alone for one line, `start-1,0` when empty.
fn range(from: usize, to: usize) -> String {
    match to - from {
        0 => format!("{from},0"),
        1 => format!("{}", from + 1),
        len => format!("{},{len}", from + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn reference(old: &str, new: &str) -> String {
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .to_string()
    }

    fn ours(old: &str, replacements: &[(usize, usize, &[&str])]) -> (String, String) {
        let old_lines: Vec<&str> = old.lines().collect();
        let old_table = Lines::new(old).unwrap();
        let reps: Vec<Replacement<'_>> = replacements
            .iter()
            .map(|&(start, old_len, new_lines)| Replacement {
                start,
                old_len,
                new_lines,
            })
            .collect();
        let mut new_lines: Vec<&str> = Vec::new();
        let mut next = 0;
        for r in &reps {
            new_lines.extend_from_slice(&old_lines[next..r.start]);
            new_lines.extend_from_slice(r.new_lines);
            next = r.start + r.old_len;
        }
        new_lines.extend_from_slice(&old_lines[next..]);
        let new_text: String = new_lines.iter().map(|l| format!("{l}\n")).collect();
        let diff = render(
            &old_table,
            &changes(&old_table, &reps, old.ends_with('\n') || old.is_empty()),
        );
        (new_text, diff)
    }

    #[test]
    fn matches_a_full_diff() {
        let old: String = (0..40).map(|i| format!("line {i}\n")).collect();
        let cases: Vec<Vec<(usize, usize, &[&str])>> = vec![
            vec![(5, 3, &["line 5", "CHANGED", "line 7"])],
            vec![(0, 1, &["first"]), (39, 1, &["last", "extra"])],
            vec![(10, 2, &[]), (14, 0, &["inserted"]), (30, 1, &["x"])],
            vec![(
                20,
                5,
                &["line 20", "line 21", "line 22", "line 23", "line 24"],
            )],
            vec![(2, 1, &["a"]), (9, 1, &["b"]), (16, 1, &["c"])],
        ];
        for reps in cases {
            let (new, diff) = ours(&old, &reps);
            assert_eq!(diff, reference(&old, &new), "{reps:?}");
        }
    }

    #[test]
    fn missing_final_newline() {
        let old = "a\nb\nc";
        let (new, diff) = ours(old, &[(0, 1, &["A"])]);
        assert_eq!(diff, reference(old, &new));
        let (new, diff) = ours(old, &[(2, 1, &["C"])]);
        assert_eq!(diff, reference(old, &new));
    }

    #[test]
    fn ranges() {
        assert_eq!(range(0, 0), "0,0");
        assert_eq!(range(4, 5), "5");
        assert_eq!(range(4, 8), "5,4");
    }
}
