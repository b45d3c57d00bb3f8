//! Reading and finding session files.

use std::path::{Path, PathBuf};

use codex_protocol::rollout::{RolloutItem, RolloutLine, SessionMetaLine};
use tracing::{debug, warn};

use super::SESSIONS_SUBDIR;

/// A parsed session file.
#[derive(Debug, Clone)]
pub struct RolloutFile {
    pub path: PathBuf,
    pub meta: Option<SessionMetaLine>,
    /// Every item after the session meta, in order.
    pub items: Vec<RolloutItem>,
    /// Lines that could not be parsed (torn, or from a newer version).
    pub skipped_lines: usize,
    /// Problems a person should hear about (a line that was not UTF-8 and was
    /// read with replacement characters), each naming the file and line.
    pub warnings: Vec<String>,
}

/// Reads a session file, skipping lines it cannot parse. Bytes that are not
/// UTF-8 are replaced (with a warning) rather than making the whole session
/// unreadable.
pub fn read_rollout(path: &Path) -> std::io::Result<RolloutFile> {
    let bytes = std::fs::read(path)?;
    let mut file = RolloutFile {
        path: path.to_path_buf(),
        meta: None,
        items: Vec::new(),
        skipped_lines: 0,
        warnings: Vec::new(),
    };
    for (number, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = String::from_utf8_lossy(raw);
        if let std::borrow::Cow::Owned(_) = line {
            let warning = format!(
                "{}:{}: the line is not valid UTF-8; invalid bytes were replaced",
                path.display(),
                number + 1
            );
            warn!("{warning}");
            file.warnings.push(warning);
        }
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<RolloutLine>(&line) {
            Ok(RolloutLine {
                item: RolloutItem::SessionMeta(meta),
                ..
            }) => {
                if file.meta.is_none() {
                    file.meta = Some(meta);
                }
            }
            Ok(RolloutLine { item, .. }) => file.items.push(item),
            Err(err) => {
                debug!(path = %path.display(), line = number + 1, %err, "skipping a session file line");
                file.skipped_lines += 1;
            }
        }
    }
    Ok(file)
}

/// Every session file under `$CODEX_HOME/sessions`, newest first.
pub fn list_rollouts(codex_home: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    collect(&codex_home.join(SESSIONS_SUBDIR), &mut out);
    // Paths are sessions/YYYY/MM/DD/rollout-<timestamp>-<id>.jsonl, so the
    // lexical order is the chronological one.
    out.sort();
    out.reverse();
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("rollout-") && n.ends_with(".jsonl"))
        {
            out.push(path);
        }
    }
}

/// The session file of thread `id` (a full id, or a unique prefix).
pub fn find_rollout_by_id(codex_home: &Path, id: &str) -> Option<PathBuf> {
    let id = id.trim().to_ascii_lowercase();
    if id.is_empty() {
        return None;
    }
    let rollouts = list_rollouts(codex_home);
    let exact = format!("-{id}.jsonl");
    if let Some(path) = rollouts
        .iter()
        .find(|p| p.to_string_lossy().ends_with(&exact))
    {
        return Some(path.clone());
    }
    let mut matches = rollouts.iter().filter(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".jsonl"))
            .is_some_and(|n| n.len() >= 36 && n[n.len() - 36..].starts_with(&id))
    });
    let first = matches.next()?;
    matches.next().is_none().then(|| first.clone())
}

/// The newest session, optionally only among those started in `cwd`.
pub fn find_latest_rollout(codex_home: &Path, cwd: Option<&Path>) -> Option<PathBuf> {
    list_rollouts(codex_home)
        .into_iter()
        .find(|path| match cwd {
            None => true,
            Some(cwd) => read_meta(path).is_some_and(|meta| meta.meta.cwd == cwd),
        })
}

/// The session meta (first line) of a file, without reading the rest.
fn read_meta(path: &Path) -> Option<SessionMetaLine> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).ok()?;
    let mut first = String::new();
    std::io::BufReader::new(file).read_line(&mut first).ok()?;
    match serde_json::from_str::<RolloutLine>(&first).ok()?.item {
        RolloutItem::SessionMeta(meta) => Some(meta),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_and_unknown_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollout.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"timestamp":"t","type":"session_meta","payload":{"id":"01a1fe8c-3d54-7721-a275-453c088d7dd7","timestamp":"t","cwd":"/w"}}"#, "\n",
                r#"{"timestamp":"t","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}"#, "\n",
                r#"{"timestamp":"t","type":"world_state","payload":{}}"#, "\n",
                r#"{"timestamp":"t","type":"event_msg","payload":{"type":"something_new"}}"#, "\n",
                r#"{"timestamp":"t","type":"response_item","payload":{"type":"mess"#,
            ),
        )
        .unwrap();
        let file = read_rollout(&path).unwrap();
        assert!(file.meta.is_some());
        assert_eq!(file.items.len(), 1);
        assert_eq!(file.skipped_lines, 3);
        assert!(file.warnings.is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let mut bytes = br#"{"timestamp":"t","type":"session_meta","payload":{"id":"01a1fe8c-3d54-7721-a275-453c088d7dd7","timestamp":"t","cwd":"/w"}}"#.to_vec();
        bytes.extend_from_slice(b"\n");
        bytes.extend_from_slice(br#"{"timestamp":"t","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"caf"#);
        bytes.push(0xe9);
        bytes.extend_from_slice(b"\"}]}}\n");
        std::fs::write(&path, bytes).unwrap();
        let file = read_rollout(&path).unwrap();
        assert_eq!(file.items.len(), 1);
        assert_eq!(file.warnings.len(), 1);
        assert!(
            file.warnings[0]
                .ends_with(":2: the line is not valid UTF-8; invalid bytes were replaced")
        );
        let codex_protocol::rollout::RolloutItem::ResponseItem(item) = &file.items[0] else {
            panic!()
        };
        assert_eq!(
            crate::history::message_text(item, "user").unwrap(),
            "caf\u{fffd}"
        );
    }
}
