//! Tool outputs kept in a scratch file rather than in memory.
//!
//! In a long session the history is mostly tool outputs, and every request
//! carries all of it (requests are stateless), so the outputs cannot be
//! dropped — but they need not stay in the process's memory between
//! requests either. The history writes each large output to an
//! [`OutputSpill`] once, already encoded as the JSON string the request
//! body will carry, and keeps only where it is ([`SpilledText`]); the
//! request body copies those bytes back from the page cache as it streams
//! (see [`crate::request_body`]), so a spilled output is never escaped
//! again either. Memory then grows with the number of items, not with
//! their size (docs/benchmarks.md, "exec memory").
//!
//! Invariant: an item listed in a prompt's [`SpilledOutputs`] is a
//! `function_call_output` or `custom_tool_call_output` whose text in the
//! prompt's `input` is empty; its text is in the spill.

use std::borrow::Cow;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use codex_protocol::models::ResponseItem;

/// An append-only scratch file of encoded output texts. The engine opens it
/// unnamed (it disappears with the process); `path` only names it in
/// errors.
#[derive(Debug)]
pub struct OutputSpill {
    file: File,
    path: PathBuf,
    /// Where the next text goes.
    end: Mutex<u64>,
}

/// Where one output's encoded text lies in the spill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpilledText {
    offset: u64,
    len: u32,
}

impl SpilledText {
    /// The length of the encoded text, quotes included.
    pub fn encoded_len(self) -> u64 {
        u64::from(self.len)
    }
}

impl OutputSpill {
    pub fn new(file: File, path: PathBuf) -> Self {
        Self {
            file,
            path,
            end: Mutex::new(0),
        }
    }

    /// Appends `text`, encoded as a JSON string.
    pub fn write(&self, text: &str) -> io::Result<SpilledText> {
        let encoded = serde_json::to_vec(text).map_err(io::Error::other)?;
        let len = u32::try_from(encoded.len())
            .map_err(|_| io::Error::other("a tool output of 4 GiB or more"))?;
        // A poisoned lock only means a writer panicked between reserving and
        // writing; the offset it holds is still past every written text.
        let mut end = self.end.lock().unwrap_or_else(|poison| poison.into_inner());
        let offset = *end;
        self.file
            .write_all_at(&encoded, offset)
            .map_err(|err| self.error("writing to", err))?;
        *end += u64::from(len);
        Ok(SpilledText { offset, len })
    }

    /// Appends the encoded text at `at` to `out`.
    pub fn read_into(&self, at: SpilledText, out: &mut Vec<u8>) -> io::Result<()> {
        let start = out.len();
        out.resize(start + at.len as usize, 0);
        self.file
            .read_exact_at(&mut out[start..], at.offset)
            .map_err(|err| {
                out.truncate(start);
                self.error("reading from", err)
            })
    }

    /// The text at `at`, decoded.
    pub fn read_text(&self, at: SpilledText) -> io::Result<String> {
        let mut encoded = Vec::new();
        self.read_into(at, &mut encoded)?;
        serde_json::from_slice(&encoded).map_err(|err| self.error("decoding a text of", err.into()))
    }

    fn error(&self, doing: &str, err: io::Error) -> io::Error {
        io::Error::new(
            err.kind(),
            format!(
                "{doing} the tool output spill {} (the session's unnamed scratch file): {err}",
                self.path.display()
            ),
        )
    }
}

/// Which items of a prompt's input have their text in the spill: `(index in
/// the input, where)`, by increasing index.
#[derive(Debug, Clone, Default)]
pub struct SpilledOutputs {
    spill: Option<Arc<OutputSpill>>,
    at: Arc<Vec<(usize, SpilledText)>>,
}

impl SpilledOutputs {
    /// `at` must be sorted by index and name only spilled outputs (see the
    /// module's invariant).
    pub fn new(spill: Arc<OutputSpill>, at: Arc<Vec<(usize, SpilledText)>>) -> Self {
        Self {
            spill: Some(spill),
            at,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// Where the text of item `index` is, if it was spilled.
    pub(crate) fn find(&self, index: usize) -> Option<(&OutputSpill, SpilledText)> {
        let spill = self.spill.as_deref()?;
        let found = self.at.binary_search_by_key(&index, |(i, _)| *i).ok()?;
        Some((spill, self.at[found].1))
    }

    /// `items` with every spilled text read back: for the paths that need
    /// the items themselves (the Chat wire, the inspectable body).
    pub fn read_back<'a>(&self, items: &'a [ResponseItem]) -> io::Result<Cow<'a, [ResponseItem]>> {
        if self.is_empty() {
            return Ok(Cow::Borrowed(items));
        }
        let mut out = items.to_vec();
        for (index, item) in out.iter_mut().enumerate() {
            let Some((spill, at)) = self.find(index) else {
                continue;
            };
            if let Some(text) = item.text_output_mut() {
                *text = spill.read_text(at)?;
            }
        }
        Ok(Cow::Owned(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn texts_come_back_as_written_and_encoded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spill");
        let spill = OutputSpill::new(File::create_new(&path).unwrap(), path);
        let first = spill.write("line \"one\"\n").unwrap();
        let second = spill.write("ünïcode\t").unwrap();
        assert_eq!(spill.read_text(first).unwrap(), "line \"one\"\n");
        assert_eq!(spill.read_text(second).unwrap(), "ünïcode\t");
        let mut out = b"[".to_vec();
        spill.read_into(first, &mut out).unwrap();
        assert_eq!(out, b"[\"line \\\"one\\\"\\n\"");
        assert_eq!(first.encoded_len(), out.len() as u64 - 1);
    }
}
