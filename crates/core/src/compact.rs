//! Compaction: replacing a long history with a summary.
//!
//! The model is asked (with the whole history and [`SUMMARIZATION_PROMPT`])
//! for a summary. The new history is the initial context, the user's own
//! earlier messages (the newest that fit a budget), and a bridge message
//! holding the summary. The exact new history is recorded as a `compacted`
//! line, so resuming rebuilds it without asking the model again.

use std::sync::Arc;

use codex_client::Prompt;
use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{AgentMessageEvent, ContextCompactedEvent, EventMsg};
use codex_protocol::rollout::{CompactedItem, RolloutItem};
use tokio_util::sync::CancellationToken;

use crate::environment_context::ENVIRONMENT_CONTEXT_OPEN;
use crate::error::{CodexErr, CodexResult};
use crate::history::{last_assistant_message, message_text};
use crate::instructions::is_instructions_text;
use crate::sampling::{sample_items, with_stream_retries};
use crate::session::Session;
use crate::turn_context::TurnContext;
use crate::util::truncate_at_char_boundary;

pub(crate) const SUMMARIZATION_PROMPT: &str = include_str!("../templates/compact_prompt.md");

/// How the bridge message starts (also how it is recognized later).
pub(crate) const SUMMARY_PREFIX: &str =
    "The earlier part of this conversation was replaced by a summary to fit the context window.";

/// How the message that replaces rewound turns with their summary starts
/// (`rewind.rs`; also how it is told from a message the user typed).
pub(crate) const REWIND_SUMMARY_PREFIX: &str = "The turns from here on were replaced by a summary of them at the user's request; the files are as those turns left them.";

/// Earlier user messages kept after compaction, newest first, up to this many bytes.
const USER_MESSAGES_BUDGET: usize = 64 * 1024;

/// `Op::Compact`: a task of its own.
pub(crate) async fn run_compact_task(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    cancel: &CancellationToken,
) -> Option<String> {
    session.send_task_started(ctx).await;
    crate::hooks::compact_hooks(session, ctx, codex_hooks::HookEvent::PreCompact, "manual").await;
    let result = compact_history(session, ctx, cancel).await;
    if result.is_ok() {
        crate::hooks::compact_hooks(session, ctx, codex_hooks::HookEvent::PostCompact, "manual")
            .await;
    }
    match result {
        Ok(()) => {
            let message = "Compacted the conversation into a summary.".to_string();
            session
                .send_event(
                    &ctx.sub_id,
                    EventMsg::AgentMessage(AgentMessageEvent { message }),
                )
                .await;
        }
        Err(CodexErr::TurnAborted) => {}
        Err(err) => {
            session.send_error(&ctx.sub_id, err.to_string()).await;
        }
    }
    None
}

/// Summarizes the history and replaces it.
pub(crate) async fn compact_history(
    session: &Arc<Session>,
    ctx: &Arc<TurnContext>,
    cancel: &CancellationToken,
) -> CodexResult<()> {
    let crate::history::PromptInput {
        items: mut input,
        spilled,
    } = session.state.history_for_prompt();
    let prompt_text = session
        .services
        .config
        .compact_prompt
        .as_deref()
        .unwrap_or(SUMMARIZATION_PROMPT);
    // A copy: the history keeps its own items (compaction is rare).
    std::sync::Arc::make_mut(&mut input).push(ResponseItem::user_text(prompt_text));
    let prompt = Prompt {
        instructions: ctx.base_instructions.clone(),
        input,
        spilled,
        tools: Default::default(),
        parallel_tool_calls: false,
        output_schema: None,
    };
    // Every attempt sends the same prompt (its input is shared, not copied).
    let (items, usage) = with_stream_retries(session, ctx, cancel, || {
        sample_items(session, ctx, prompt.clone(), cancel)
    })
    .await?;
    if let Some(usage) = usage {
        session.update_token_usage(ctx, &usage).await;
    }
    let summary = last_assistant_message(&items).unwrap_or_default();

    let user_messages = session
        .state
        .with_history(|history| collect_user_messages(history.items()));
    let new_history = build_compacted_history(
        crate::initial_context::initial_context(session, ctx),
        &user_messages,
        &summary,
    );
    session.state.replace_history(new_history.clone());
    session
        .persist_rollout_items(&[RolloutItem::Compacted(CompactedItem {
            message: summary,
            replacement_history: Some(new_history),
        })])
        .await;
    session
        .send_event(
            &ctx.sub_id,
            EventMsg::ContextCompacted(ContextCompactedEvent {}),
        )
        .await;
    Ok(())
}

/// The user's own messages in `items` (not instructions, environment
/// context or earlier summaries).
pub(crate) fn collect_user_messages(items: &[ResponseItem]) -> Vec<String> {
    items.iter().filter_map(user_turn_message).collect()
}

/// The text of `item` if it is a message the user typed (not instructions,
/// environment context or a summary, which are user-role messages too).
pub(crate) fn user_turn_message(item: &ResponseItem) -> Option<String> {
    message_text(item, "user").filter(|text| {
        !is_instructions_text(text)
            && !text.starts_with(ENVIRONMENT_CONTEXT_OPEN)
            && !text.starts_with(SUMMARY_PREFIX)
            && !text.starts_with(REWIND_SUMMARY_PREFIX)
    })
}

/// Where each message the user typed starts, in `items`.
pub(crate) fn user_turn_starts(items: &[ResponseItem]) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| user_turn_message(item).is_some())
        .map(|(index, _)| index)
        .collect()
}

/// Drops the last `num_turns` user turns of `history`: everything from the
/// user message that started the first of them. Returns how many were
/// dropped (fewer when the history has fewer).
pub(crate) fn drop_last_user_turns(
    history: &mut crate::history::ConversationHistory,
    num_turns: usize,
) -> usize {
    let starts = user_turn_starts(history.items());
    let dropped = num_turns.min(starts.len());
    if dropped > 0 {
        history.truncate(starts[starts.len() - dropped]);
    }
    dropped
}

/// Initial context + the newest user messages that fit + the summary.
pub(crate) fn build_compacted_history(
    initial_context: Vec<ResponseItem>,
    user_messages: &[String],
    summary: &str,
) -> Vec<ResponseItem> {
    let mut kept: Vec<&str> = Vec::new();
    let mut budget = USER_MESSAGES_BUDGET;
    for message in user_messages.iter().rev() {
        if budget == 0 {
            break;
        }
        let text = truncate_at_char_boundary(message, budget);
        budget -= text.len();
        kept.push(text);
    }
    kept.reverse();
    let mut history = initial_context;
    history.extend(kept.into_iter().map(ResponseItem::user_text));
    let summary = if summary.trim().is_empty() {
        "(no summary was produced)"
    } else {
        summary.trim()
    };
    history.push(ResponseItem::user_text(format!(
        "{SUMMARY_PREFIX} The user's messages above are their own. Continue the task from the summary below; do not redo work it reports as done.\n\n<summary>\n{summary}\n</summary>"
    )));
    history
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacted_history_keeps_context_user_messages_and_summary() {
        let initial = vec![ResponseItem::user_text(
            "<environment_context>\n</environment_context>",
        )];
        let history = vec![
            initial[0].clone(),
            ResponseItem::user_text("first request"),
            ResponseItem::assistant_text("working"),
            ResponseItem::user_text("second request"),
            ResponseItem::user_text(format!("{SUMMARY_PREFIX} old")),
        ];
        let users = collect_user_messages(&history);
        assert_eq!(users, vec!["first request", "second request"]);
        let compacted = build_compacted_history(initial, &users, "did things");
        assert_eq!(compacted.len(), 4);
        let last = message_text(&compacted[3], "user").unwrap();
        assert!(last.starts_with(SUMMARY_PREFIX));
        assert!(last.contains("<summary>\ndid things\n</summary>"));
    }

    #[test]
    fn the_budget_keeps_the_newest_messages() {
        let big = "x".repeat(USER_MESSAGES_BUDGET);
        let users = vec!["old".to_string(), big, "new".to_string()];
        let compacted = build_compacted_history(vec![], &users, "s");
        let texts: Vec<String> = compacted
            .iter()
            .filter_map(|i| message_text(i, "user"))
            .collect();
        assert_eq!(texts[texts.len() - 2], "new");
        assert_eq!(texts[texts.len() - 3], "x".repeat(USER_MESSAGES_BUDGET - 3));
        assert!(!texts.iter().any(|t| t == "old"));
    }
}
