//! The items every conversation starts with (and a compacted history
//! starts again with): the developer instructions with the features'
//! sections, then AGENTS.md and the environment context.

use codex_protocol::models::{ContentItem, ResponseItem};

use crate::features::SessionFeatures as _;
use crate::instructions::{agents_md_text, developer_message};
use crate::session::Session;
use crate::turn_context::TurnContext;

/// The items every conversation starts with: the config's instructions
/// and the skills section as a developer message, then one user message
/// holding the AGENTS.md text and the environment context (the
/// reference's layout).
pub(crate) fn initial_context(session: &Session, ctx: &TurnContext) -> Vec<ResponseItem> {
    let mut items = Vec::new();
    let developer: Vec<String> = session
        .services
        .developer_instructions
        .clone()
        .into_iter()
        .chain(session.features().skills.section_for_initial_context())
        .collect();
    if !developer.is_empty() {
        items.push(developer_message(developer));
    }
    let mut content = Vec::new();
    if let Some(text) = &session.services.agents_md {
        content.push(ContentItem::InputText {
            text: agents_md_text(&ctx.cwd, text),
        });
    }
    content.push(ContentItem::InputText {
        text: session.environment_context(ctx).to_xml(),
    });
    items.push(ResponseItem::Message {
        id: None,
        role: "user".to_string(),
        content,
    });
    items
}
