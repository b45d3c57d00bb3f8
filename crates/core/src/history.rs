//! The conversation as the model sees it.
//!
//! History is append-only during a turn; compaction replaces it wholesale.
//! When it is turned into a prompt, every tool call is guaranteed an output
//! (an interrupted call gets "aborted"), because the API rejects a call
//! without one, and outputs whose call is gone are dropped.

use std::collections::HashSet;
use std::sync::Arc;

use codex_protocol::models::{ContentItem, FunctionCallOutputPayload, ResponseItem};

/// Output recorded for a tool call that never finished.
pub(crate) const ABORTED_OUTPUT: &str = "aborted";

/// The items are shared with the prompt built from them ([`Self::for_prompt`]
/// hands out the same `Arc` when nothing needs mending), so a request does
/// not copy the history. The engine drops the prompt once the request body
/// is encoded, before the response's items are recorded, so appending finds
/// the items unshared and copies nothing either.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConversationHistory {
    items: Arc<Vec<ResponseItem>>,
}

impl ConversationHistory {
    pub(crate) fn record_items<'a>(&mut self, items: impl IntoIterator<Item = &'a ResponseItem>) {
        let mut items = items
            .into_iter()
            .filter(|item| is_api_item(item))
            .peekable();
        if items.peek().is_none() {
            return;
        }
        Arc::make_mut(&mut self.items).extend(items.cloned());
    }

    pub(crate) fn replace(&mut self, items: Vec<ResponseItem>) {
        self.items = Arc::new(items);
    }

    pub(crate) fn items(&self) -> &[ResponseItem] {
        &self.items
    }

    /// The history to send: calls paired with outputs. Shared with the
    /// history unless a call lacks its output or an output its call.
    pub(crate) fn for_prompt(&self) -> Arc<Vec<ResponseItem>> {
        let outputs: HashSet<&str> = self
            .items
            .iter()
            .filter_map(|item| match item {
                ResponseItem::FunctionCallOutput { call_id, .. }
                | ResponseItem::CustomToolCallOutput { call_id, .. } => Some(call_id.as_str()),
                _ => None,
            })
            .collect();
        let calls: HashSet<&str> = self
            .items
            .iter()
            .filter_map(ResponseItem::call_id)
            .collect();

        let orphan_output = self.items.iter().any(|item| match item {
            ResponseItem::FunctionCallOutput { call_id, .. }
            | ResponseItem::CustomToolCallOutput { call_id, .. } => {
                !calls.contains(call_id.as_str())
            }
            _ => false,
        });
        let unanswered_call = calls.iter().any(|call_id| !outputs.contains(call_id));
        if !orphan_output && !unanswered_call {
            return Arc::clone(&self.items);
        }

        let mut out = Vec::with_capacity(self.items.len());
        for item in self.items.iter() {
            match item {
                ResponseItem::FunctionCallOutput { call_id, .. }
                | ResponseItem::CustomToolCallOutput { call_id, .. }
                    if !calls.contains(call_id.as_str()) => {}
                _ => out.push(item.clone()),
            }
            if let Some(call_id) = item.call_id()
                && !outputs.contains(call_id)
            {
                out.push(aborted_output(item, call_id));
            }
        }
        Arc::new(out)
    }
}

/// The output that closes a call that never completed.
pub(crate) fn aborted_output(call: &ResponseItem, call_id: &str) -> ResponseItem {
    match call {
        ResponseItem::CustomToolCall { .. } => ResponseItem::CustomToolCallOutput {
            call_id: call_id.to_string(),
            output: ABORTED_OUTPUT.to_string(),
        },
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
        let prompt = history.for_prompt();
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
        let prompt = history.for_prompt();
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
        let mended = history.for_prompt();
        assert!(!Arc::ptr_eq(&mended, &history.items));
        assert_eq!(mended.len(), history.items().len() + 1);
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
