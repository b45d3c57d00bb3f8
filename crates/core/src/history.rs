//! The conversation as the model sees it.
//!
//! History is append-only during a turn; compaction replaces it wholesale.
//! When it is turned into a prompt, every tool call is guaranteed an output
//! (an interrupted call gets "aborted"), because the API rejects a call
//! without one, and outputs whose call is gone are dropped.
//!
//! Large tool outputs do not stay in memory: each is written once to an
//! unnamed scratch file in `$CODEX_HOME` (opened at the first one) and the
//! item keeps an empty text; the prompt carries where the texts are, and
//! the request body copies them back as it streams
//! ([`codex_client::SpilledOutputs`]). The session file still holds every
//! output in full; the scratch file is only a cache of the prompt, and it
//! goes with the process.

use std::collections::HashSet;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codex_client::{OutputSpill, SpilledOutputs, SpilledText};
use codex_protocol::models::{ContentItem, FunctionCallOutputPayload, ResponseItem};
use tracing::warn;

/// Output recorded for a tool call that never finished.
pub(crate) const ABORTED_OUTPUT: &str = "aborted";

/// Outputs at least this long (bytes of text) are spilled; shorter ones cost
/// less in memory than their place in the scratch file's bookkeeping is
/// worth.
const SPILL_AT: usize = 1024;

/// The items are shared with the prompt built from them ([`Self::for_prompt`]
/// hands out the same `Arc` when nothing needs mending), so a request does
/// not copy the history. The engine drops the prompt once the request body
/// is encoded, before the response's items are recorded, so appending finds
/// the items unshared and copies nothing either.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConversationHistory {
    items: Arc<Vec<ResponseItem>>,
    /// The items whose text is in the spill, by index.
    spilled: Arc<Vec<(usize, SpilledText)>>,
    spill: Spill,
}

/// The scratch file of large outputs, opened when the first one comes.
#[derive(Debug, Clone, Default)]
enum Spill {
    /// Outputs stay in memory (tests, one-off requests).
    #[default]
    Off,
    NotOpened(PathBuf),
    Open(Arc<OutputSpill>),
    /// Opening or writing failed once (logged); new outputs stay in memory,
    /// the ones already spilled are still read from the file.
    Failed(Option<Arc<OutputSpill>>),
}

/// The history as a prompt's input: its items and where their spilled
/// texts are.
pub(crate) struct PromptInput {
    pub(crate) items: Arc<Vec<ResponseItem>>,
    pub(crate) spilled: SpilledOutputs,
}

impl ConversationHistory {
    /// A history that spills large outputs to an unnamed file in `dir`.
    pub(crate) fn spilling_to(dir: PathBuf) -> Self {
        Self {
            spill: Spill::NotOpened(dir),
            ..Self::default()
        }
    }

    pub(crate) fn record_items<'a>(&mut self, items: impl IntoIterator<Item = &'a ResponseItem>) {
        let mut items = items
            .into_iter()
            .filter(|item| is_api_item(item))
            .peekable();
        if items.peek().is_none() {
            return;
        }
        for item in items {
            let mut kept = item.clone();
            self.spill_text(&mut kept);
            Arc::make_mut(&mut self.items).push(kept);
        }
    }

    pub(crate) fn replace(&mut self, items: Vec<ResponseItem>) {
        self.items = Arc::new(Vec::with_capacity(items.len()));
        self.spilled = Arc::new(Vec::new());
        self.record_items(&items);
    }

    /// Drops the items from `len` on (a rewind); their spilled texts stay
    /// in the scratch file, unread.
    pub(crate) fn truncate(&mut self, len: usize) {
        if len < self.items.len() {
            Arc::make_mut(&mut self.items).truncate(len);
            Arc::make_mut(&mut self.spilled).retain(|(index, _)| *index < len);
        }
    }

    /// The items; spilled outputs have an empty text here (use
    /// [`Self::for_prompt`] to send them).
    pub(crate) fn items(&self) -> &[ResponseItem] {
        &self.items
    }

    /// Moves a large output's text to the spill, leaving `item` with an
    /// empty text and `spilled` with where it went (at the index `item`
    /// will take).
    fn spill_text(&mut self, item: &mut ResponseItem) {
        let Some(text) = item.text_output_mut().filter(|text| text.len() >= SPILL_AT) else {
            return;
        };
        let Some(spill) = self.open_spill() else {
            return;
        };
        match spill.write(text) {
            Ok(at) => {
                Arc::make_mut(&mut self.spilled).push((self.items.len(), at));
                *text = String::new();
            }
            Err(err) => {
                warn!(%err, "keeping tool outputs in memory from now on");
                self.spill = Spill::Failed(Some(spill));
            }
        }
    }

    fn open_spill(&mut self) -> Option<Arc<OutputSpill>> {
        match &self.spill {
            Spill::Off | Spill::Failed(_) => None,
            Spill::Open(spill) => Some(Arc::clone(spill)),
            Spill::NotOpened(dir) => match open_unnamed(dir) {
                Ok((file, path)) => {
                    let spill = Arc::new(OutputSpill::new(file, path));
                    self.spill = Spill::Open(Arc::clone(&spill));
                    Some(spill)
                }
                Err(err) => {
                    warn!(
                        %err,
                        dir = %dir.display(),
                        "cannot open a scratch file for tool outputs; keeping them in memory"
                    );
                    self.spill = Spill::Failed(None);
                    None
                }
            },
        }
    }

    fn spilled_outputs(&self, spilled: Arc<Vec<(usize, SpilledText)>>) -> SpilledOutputs {
        match &self.spill {
            Spill::Open(spill) | Spill::Failed(Some(spill)) => {
                SpilledOutputs::new(Arc::clone(spill), spilled)
            }
            _ => SpilledOutputs::default(),
        }
    }

    /// The history to send: calls paired with outputs. Shared with the
    /// history unless a call lacks its output or an output its call.
    pub(crate) fn for_prompt(&self) -> PromptInput {
        let outputs: HashSet<&str> = self
            .items
            .iter()
            .filter_map(ResponseItem::output_call_id)
            .collect();
        let calls: HashSet<&str> = self
            .items
            .iter()
            .filter_map(ResponseItem::call_id)
            .collect();

        let orphan_output = self
            .items
            .iter()
            .filter_map(ResponseItem::output_call_id)
            .any(|call_id| !calls.contains(call_id));
        let unanswered_call = calls.iter().any(|call_id| !outputs.contains(call_id));
        if !orphan_output && !unanswered_call {
            return PromptInput {
                items: Arc::clone(&self.items),
                spilled: self.spilled_outputs(Arc::clone(&self.spilled)),
            };
        }

        let mut out = Vec::with_capacity(self.items.len());
        let mut spilled = Vec::with_capacity(self.spilled.len());
        let mut next_spilled = self.spilled.iter().peekable();
        for (index, item) in self.items.iter().enumerate() {
            let at = next_spilled
                .next_if(|(spilled_index, _)| *spilled_index == index)
                .map(|(_, at)| *at);
            match item.output_call_id() {
                Some(call_id) if !calls.contains(call_id) => {}
                _ => {
                    if let Some(at) = at {
                        spilled.push((out.len(), at));
                    }
                    out.push(item.clone());
                }
            }
            if let Some(call_id) = item.call_id()
                && !outputs.contains(call_id)
            {
                out.push(aborted_output(item, call_id));
            }
        }
        PromptInput {
            items: Arc::new(out),
            spilled: self.spilled_outputs(Arc::new(spilled)),
        }
    }
}

/// A new file in `dir` that no other process can open and that goes when it
/// is closed: `O_TMPFILE` where the file system has it, else a private name
/// removed at once. Returns the file and a path to name it in errors.
fn open_unnamed(dir: &Path) -> io::Result<(File, PathBuf)> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).mode(0o600);
    let unnamed = dir.join("(unnamed tool output spill)");
    match options.clone().custom_flags(libc::O_TMPFILE).open(dir) {
        Ok(file) => return Ok((file, unnamed)),
        // Not supported here (EOPNOTSUPP/EISDIR/EINVAL): fall back.
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Err(err),
        Err(_) => {}
    }
    let path = dir.join(format!(".tool-output-spill-{}", uuid::Uuid::new_v4()));
    let file = options.create_new(true).open(&path)?;
    std::fs::remove_file(&path)?;
    Ok((file, unnamed))
}

/// The output that closes a call that never completed.
pub(crate) fn aborted_output(call: &ResponseItem, call_id: &str) -> ResponseItem {
    match call {
        ResponseItem::CustomToolCall { .. } => ResponseItem::CustomToolCallOutput {
            call_id: call_id.to_string(),
            output: ABORTED_OUTPUT.to_string(),
        },
        // A search that never finished found nothing.
        ResponseItem::ToolSearchCall { .. } => {
            codex_protocol::models::ResponseInputItem::ToolSearchOutput {
                call_id: call_id.to_string(),
                tools: Vec::new(),
            }
            .into()
        }
        _ => ResponseItem::FunctionCallOutput {
            call_id: call_id.to_string(),
            output: FunctionCallOutputPayload::failure(ABORTED_OUTPUT),
        },
    }
}

fn is_api_item(item: &ResponseItem) -> bool {
    !matches!(item, ResponseItem::Other)
}

/// The text of a message item, if it is one with the given role.
pub(crate) fn message_text(item: &ResponseItem, wanted_role: &str) -> Option<String> {
    match item {
        ResponseItem::Message { role, content, .. } if role == wanted_role => Some(
            content
                .iter()
                .filter_map(ContentItem::text)
                .collect::<Vec<_>>()
                .join(""),
        ),
        _ => None,
    }
}

/// The last assistant message's text among `items`.
pub(crate) fn last_assistant_message(items: &[ResponseItem]) -> Option<String> {
    items
        .iter()
        .rev()
        .find_map(|item| message_text(item, "assistant"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn call(id: &str) -> ResponseItem {
        ResponseItem::FunctionCall {
            id: None,
            name: "shell".into(),
            namespace: None,
            arguments: "{}".into(),
            call_id: id.into(),
        }
    }

    #[test]
    fn dangling_calls_get_an_aborted_output_and_orphans_are_dropped() {
        let mut history = ConversationHistory::default();
        let items = vec![
            ResponseItem::user_text("hi"),
            call("a"),
            ResponseItem::FunctionCallOutput {
                call_id: "a".into(),
                output: FunctionCallOutputPayload::success("ok"),
            },
            call("b"),
            ResponseItem::CustomToolCallOutput {
                call_id: "ghost".into(),
                output: "x".into(),
            },
            ResponseItem::Other,
        ];
        history.record_items(&items);
        assert_eq!(history.items().len(), 5, "Other is not kept");
        let prompt = history.for_prompt().items;
        assert_eq!(
            *prompt,
            vec![
                ResponseItem::user_text("hi"),
                call("a"),
                ResponseItem::FunctionCallOutput {
                    call_id: "a".into(),
                    output: FunctionCallOutputPayload::success("ok"),
                },
                call("b"),
                ResponseItem::FunctionCallOutput {
                    call_id: "b".into(),
                    output: FunctionCallOutputPayload::failure(ABORTED_OUTPUT),
                },
            ]
        );
    }

    #[test]
    fn a_whole_history_is_shared_with_its_prompt_not_copied() {
        let mut history = ConversationHistory::default();
        history.record_items(&[
            ResponseItem::user_text("hi"),
            call("a"),
            ResponseItem::FunctionCallOutput {
                call_id: "a".into(),
                output: FunctionCallOutputPayload::success("ok"),
            },
        ]);
        let prompt = history.for_prompt().items;
        assert!(Arc::ptr_eq(&prompt, &history.items));
        // Recording while a prompt is alive leaves the prompt as it was.
        history.record_items(&[ResponseItem::assistant_text("done")]);
        assert_eq!(prompt.len(), 3);
        assert_eq!(history.items().len(), 4);
        drop(prompt);
        // Unshared again: appending writes in place.
        let before = Arc::as_ptr(&history.items);
        history.record_items(&[ResponseItem::user_text("more")]);
        assert_eq!(Arc::as_ptr(&history.items), before);
        // A call still waiting for its output gets a mended copy.
        history.record_items(&[call("b")]);
        let mended = history.for_prompt().items;
        assert!(!Arc::ptr_eq(&mended, &history.items));
        assert_eq!(mended.len(), history.items().len() + 1);
    }

    fn output(id: &str, text: &str) -> ResponseItem {
        ResponseItem::FunctionCallOutput {
            call_id: id.into(),
            output: FunctionCallOutputPayload::success(text),
        }
    }

    /// Large outputs leave memory for the scratch file and come back whole
    /// in the prompt, also when the prompt is a mended copy; small ones and
    /// everything else stay.
    #[test]
    fn large_outputs_are_spilled_and_read_back_in_the_prompt() {
        let dir = tempfile::tempdir().unwrap();
        let mut history = ConversationHistory::spilling_to(dir.path().to_path_buf());
        let large = "x\"y\n".repeat(SPILL_AT);
        let items = vec![
            ResponseItem::user_text(&large),
            call("a"),
            output("a", &large),
            call("b"),
            output("b", "small"),
            ResponseItem::CustomToolCall {
                id: None,
                status: None,
                call_id: "c".into(),
                name: "apply_patch".into(),
                input: "patch".into(),
            },
            ResponseItem::CustomToolCallOutput {
                call_id: "c".into(),
                output: format!("{large}custom"),
            },
        ];
        history.record_items(&items);
        assert_eq!(history.items()[2], output("a", ""));
        assert_eq!(history.items()[0], items[0], "messages are not spilled");
        assert_eq!(
            history.items()[4],
            items[4],
            "small outputs are not spilled"
        );
        assert!(matches!(
            &history.items()[6],
            ResponseItem::CustomToolCallOutput { output, .. } if output.is_empty()
        ));
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "the scratch file has no name"
        );

        let prompt = history.for_prompt();
        assert!(Arc::ptr_eq(&prompt.items, &history.items));
        assert_eq!(*prompt.spilled.read_back(&prompt.items).unwrap(), items[..]);

        // A dangling call makes the prompt a copy with an extra item; the
        // spilled texts still land on their own items.
        history.record_items(&[call("d"), output("e", "orphan"), output("f", &large)]);
        let mended = history.for_prompt();
        let mut expected = items.clone();
        expected.push(call("d"));
        expected.push(aborted_output(&call("d"), "d"));
        assert_eq!(*mended.spilled.read_back(&mended.items).unwrap(), expected);

        // A replaced history spills what it is given.
        history.replace(items.clone());
        assert_eq!(history.items()[2], output("a", ""));
        let prompt = history.for_prompt();
        assert_eq!(*prompt.spilled.read_back(&prompt.items).unwrap(), items[..]);
    }

    /// Without a usable directory the outputs simply stay in memory.
    #[test]
    fn outputs_stay_in_memory_when_the_scratch_file_cannot_be_opened() {
        let dir = tempfile::tempdir().unwrap();
        let mut history = ConversationHistory::spilling_to(dir.path().join("missing"));
        let large = "z".repeat(SPILL_AT);
        let items = vec![call("a"), output("a", &large)];
        history.record_items(&items);
        assert_eq!(history.items(), &items[..]);
        assert!(history.for_prompt().spilled.is_empty());
    }

    #[test]
    fn last_assistant_message_is_found() {
        let items = vec![
            ResponseItem::assistant_text("first"),
            call("x"),
            ResponseItem::assistant_text("second"),
        ];
        assert_eq!(last_assistant_message(&items).as_deref(), Some("second"));
        assert_eq!(last_assistant_message(&[]), None);
    }
}
