//! The conversation as the model sees it.
//!
//! History is append-only during a turn; compaction replaces it wholesale.
//! When it is turned into a prompt, every tool call is guaranteed an output
//! (an interrupted call gets "aborted"), because the API rejects a call
//! without one, and outputs whose call is gone are dropped.

use std::collections::HashSet;

use codex_protocol::models::{ContentItem, FunctionCallOutputPayload, ResponseItem};

/// Output recorded for a tool call that never finished.
pub(crate) const ABORTED_OUTPUT: &str = "aborted";

#[derive(Debug, Clone, Default)]
pub(crate) struct ConversationHistory {
    items: Vec<ResponseItem>,
}

impl ConversationHistory {
    pub(crate) fn record_items<'a>(&mut self, items: impl IntoIterator<Item = &'a ResponseItem>) {
        for item in items {
            if is_api_item(item) {
                self.items.push(item.clone());
            }
        }
    }

    pub(crate) fn replace(&mut self, items: Vec<ResponseItem>) {
        self.items = items;
    }

    pub(crate) fn items(&self) -> &[ResponseItem] {
        &self.items
    }

    /// The history to send: calls paired with outputs.
    pub(crate) fn for_prompt(&self) -> Vec<ResponseItem> {
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

        let mut out = Vec::with_capacity(self.items.len());
        for item in &self.items {
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
        out
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
            prompt,
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
