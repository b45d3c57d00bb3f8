//! What the model is told before the conversation: the base instructions
//! (`instructions` of each request) and the user instructions (config
//! `instructions`, `AGENTS.md` files), recorded as the first user message.

use codex_protocol::models::ResponseItem;

/// The built-in base instructions; `model_instructions_file` replaces them.
pub(crate) const BASE_INSTRUCTIONS: &str = include_str!("../templates/base_instructions.md");

pub(crate) const USER_INSTRUCTIONS_OPEN: &str = "<user_instructions>";
const USER_INSTRUCTIONS_CLOSE: &str = "</user_instructions>";

/// The user instructions as a message.
pub(crate) fn user_instructions_item(text: &str) -> ResponseItem {
    ResponseItem::user_text(format!(
        "{USER_INSTRUCTIONS_OPEN}\n\n{text}\n\n{USER_INSTRUCTIONS_CLOSE}"
    ))
}
