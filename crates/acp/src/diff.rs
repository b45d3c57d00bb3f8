//! A patch's file changes as ACP diff content (`{path, oldText, newText}`),
//! which editors show as a reviewable diff.
//!
//! The engine carries an update as a unified diff. While the item runs the
//! file still holds its old text, so the diff's hunks are applied to it to
//! get the whole new text; when that cannot be done (the file changed
//! meanwhile, or a recorded session is replayed long after), the diff shows
//! only the hunks: their old lines against their new lines.

use std::path::{Path, PathBuf};

use agent_client_protocol::v1::schema::{Diff, ToolCallContent};
use codex_protocol::protocol::FileChange;

/// The diff content for one file of a patch. `live`: the file on disk still
/// holds the text before the change.
pub(crate) fn file_diff(path: &Path, change: &FileChange, live: bool) -> ToolCallContent {
    let diff = match change {
        FileChange::Add { content } => Diff::new(path.to_path_buf(), content.clone()),
        FileChange::Delete { content } => {
            Diff::new(path.to_path_buf(), String::new()).old_text(content.clone())
        }
        FileChange::Update {
            unified_diff,
            move_path,
        } => {
            let target: PathBuf = move_path.clone().unwrap_or_else(|| path.to_path_buf());
            let whole = if live {
                std::fs::read_to_string(path)
                    .ok()
                    .and_then(|old| apply_hunks(&old, unified_diff).map(|new| (old, new)))
            } else {
                None
            };
            let (old, new) = whole.unwrap_or_else(|| hunk_texts(unified_diff));
            Diff::new(target, new).old_text(old)
        }
    };
    ToolCallContent::Diff(diff)
}

struct Hunk<'a> {
    old_start: usize,
    lines: Vec<&'a str>,
}

fn hunks(unified_diff: &str) -> Vec<Hunk<'_>> {
    let mut hunks: Vec<Hunk<'_>> = Vec::new();
    for line in unified_diff.lines() {
        if let Some(header) = line.strip_prefix("@@ -") {
            let start = header
                .split([',', ' '])
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(1);
            hunks.push(Hunk {
                old_start: start,
                lines: Vec::new(),
            });
        } else if line.starts_with("---") || line.starts_with("+++") {
            continue;
        } else if let Some(hunk) = hunks.last_mut()
            && (line.starts_with([' ', '-', '+']) || line.is_empty())
        {
            hunk.lines.push(line);
        }
    }
    hunks
}

/// `old` with the diff's hunks applied, or None if they do not fit it.
fn apply_hunks(old: &str, unified_diff: &str) -> Option<String> {
    let old_lines: Vec<&str> = old.lines().collect();
    let mut new_lines: Vec<&str> = Vec::new();
    let mut next = 0; // the first old line not yet copied
    let hunks = hunks(unified_diff);
    if hunks.is_empty() {
        return None;
    }
    for hunk in hunks {
        // A hunk that adds to an empty file starts at line 0.
        let start = hunk.old_start.saturating_sub(1).max(next);
        if start > old_lines.len() {
            return None;
        }
        new_lines.extend_from_slice(&old_lines[next..start]);
        let mut at = start;
        for line in hunk.lines {
            let (mark, text) = line.split_at(line.len().min(1));
            match mark {
                "+" => new_lines.push(text),
                "-" | " " | "" => {
                    if old_lines.get(at) != Some(&text) {
                        return None;
                    }
                    if mark != "-" {
                        new_lines.push(text);
                    }
                    at += 1;
                }
                _ => return None,
            }
        }
        next = at;
    }
    new_lines.extend_from_slice(&old_lines[next.min(old_lines.len())..]);
    let mut new = new_lines.join("\n");
    if old.ends_with('\n') || old.is_empty() {
        new.push('\n');
    }
    Some(new)
}

/// The hunks alone: their old lines and their new lines.
fn hunk_texts(unified_diff: &str) -> (String, String) {
    let (mut old, mut new) = (String::new(), String::new());
    for (i, hunk) in hunks(unified_diff).into_iter().enumerate() {
        if i > 0 {
            old.push_str("…\n");
            new.push_str("…\n");
        }
        for line in hunk.lines {
            let (mark, text) = line.split_at(line.len().min(1));
            if mark != "+" {
                old.push_str(text);
                old.push('\n');
            }
            if mark != "-" {
                new.push_str(text);
                new.push('\n');
            }
        }
    }
    (old, new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const DIFF: &str =
        "--- a/f\n+++ b/f\n@@ -2,2 +2,2 @@\n two\n-three\n+THREE\n@@ -5,1 +5,2 @@\n five\n+six\n";

    #[test]
    fn hunks_apply_to_the_whole_file() {
        let old = "one\ntwo\nthree\nfour\nfive\n";
        assert_eq!(
            apply_hunks(old, DIFF).unwrap(),
            "one\ntwo\nTHREE\nfour\nfive\nsix\n"
        );
        // A file that changed meanwhile: the hunks alone.
        assert_eq!(apply_hunks("one\nzwei\n", DIFF), None);
        assert_eq!(
            hunk_texts(DIFF),
            (
                "two\nthree\n…\nfive\n".to_string(),
                "two\nTHREE\n…\nfive\nsix\n".to_string()
            )
        );
    }

    #[test]
    fn a_live_update_shows_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "one\ntwo\nthree\nfour\nfive\n").unwrap();
        let change = FileChange::Update {
            unified_diff: DIFF.into(),
            move_path: None,
        };
        let ToolCallContent::Diff(diff) = file_diff(&path, &change, true) else {
            panic!("not a diff");
        };
        assert_eq!(
            diff.old_text.as_deref(),
            Some("one\ntwo\nthree\nfour\nfive\n")
        );
        assert_eq!(diff.new_text, "one\ntwo\nTHREE\nfour\nfive\nsix\n");
        let ToolCallContent::Diff(diff) = file_diff(&path, &change, false) else {
            panic!("not a diff");
        };
        assert_eq!(diff.new_text, "two\nTHREE\n…\nfive\nsix\n");
    }
}
