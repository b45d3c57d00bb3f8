//! What the model is told before the conversation: the base instructions
//! (`instructions` of each request), the config's `instructions` (a
//! developer message), and the `AGENTS.md` files, which share the first user
//! message with the environment context — the placement and wrapper the
//! reference uses, so a model trained on it finds them where it expects.

use std::path::Path;

use codex_protocol::models::{ContentItem, ResponseItem};

/// The built-in base instructions; `model_instructions_file` replaces them.
pub(crate) const BASE_INSTRUCTIONS: &str = include_str!("../templates/base_instructions.md");

/// How the `AGENTS.md` part of the first user message starts.
pub(crate) const AGENTS_MD_PREFIX: &str = "# AGENTS.md instructions for ";

/// How earlier versions (and old session files) wrapped the same text.
pub(crate) const LEGACY_USER_INSTRUCTIONS_OPEN: &str = "<user_instructions>";

/// The `AGENTS.md` part: headed for `cwd`, the text inside `<INSTRUCTIONS>`.
pub(crate) fn agents_md_text(cwd: &Path, text: &str) -> String {
    format!(
        "{AGENTS_MD_PREFIX}{}\n\n<INSTRUCTIONS>\n{text}\n</INSTRUCTIONS>",
        cwd.display()
    )
}

/// A developer message of one text part per piece: the config's
/// `instructions`, then the skills section (the reference sends the skills
/// section as a part of its second developer message).
pub(crate) fn developer_message(parts: Vec<String>) -> ResponseItem {
    ResponseItem::Message {
        id: None,
        role: "developer".to_string(),
        content: parts
            .into_iter()
            .map(|text| ContentItem::InputText { text })
            .collect(),
    }
}

/// Whether a user-role message's text is one codex wrote (instructions),
/// not one the user typed.
pub(crate) fn is_instructions_text(text: &str) -> bool {
    text.starts_with(AGENTS_MD_PREFIX) || text.starts_with(LEGACY_USER_INSTRUCTIONS_OPEN)
}
