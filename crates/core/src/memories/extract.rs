//! Phase 1 for one thread: its session file, filtered and cut to a budget,
//! sent to the extraction model with a strict output schema; the answer's
//! secrets redacted.

use std::path::Path;
use std::sync::Arc;

use codex_client::{ModelClient, ModelClientConfig, Prompt, ResponseEvent};
use codex_protocol::config_types::{ReasoningEffort, ReasoningSummary};
use codex_protocol::models::{ContentItem, ResponseItem};
use codex_protocol::rollout::RolloutItem;
use futures::StreamExt;
use serde_json::json;

use crate::session::Session;

/// What the extraction model is told.
const INSTRUCTIONS: &str = "You read the transcript of a past coding-agent session and \
write down what a future session in any repository should remember: the user's \
preferences and conventions, facts about their projects and tools, and lessons from \
what worked or failed. Leave out secrets, credentials and anything only true for that \
moment. Answer with JSON: `rollout_summary` (a few sentences: what the session was \
about and how it ended), `raw_memory` (the memories, as short bullet points), and \
`rollout_slug` (a few words naming the session, or null). If nothing is worth \
remembering, give empty strings.";

/// Transcript bytes sent at most (about 150,000 tokens); the newest part
/// is kept.
const TRANSCRIPT_BUDGET: usize = 600_000;
/// A tool output longer than this is cut in the transcript.
const MAX_OUTPUT_CHARS: usize = 2_000;

/// `Some((rollout_summary, raw_memory))`, `None` when the model found
/// nothing to remember, or the error that failed the job.
pub(super) async fn extract(
    session: &Arc<Session>,
    rollout: &Path,
) -> Result<Option<(String, String)>, String> {
    let path = rollout.to_path_buf();
    let file = tokio::task::spawn_blocking(move || crate::rollout::read_rollout(&path))
        .await
        .map_err(|err| err.to_string())?
        .map_err(|err| format!("cannot read {}: {err}", rollout.display()))?;
    let transcript = transcript(&file.items);
    if transcript.trim().is_empty() {
        return Ok(None);
    }
    let prompt = Prompt {
        instructions: INSTRUCTIONS.to_string(),
        input: Arc::new(vec![ResponseItem::user_text(format!(
            "Session file: {}\n\n{transcript}",
            rollout.display()
        ))]),
        spilled: Default::default(),
        tools: Default::default(),
        parallel_tool_calls: false,
        output_schema: Some(output_schema()),
    };
    let answer = ask(session, &prompt).await?;
    parse_output(&answer)
}

async fn ask(session: &Arc<Session>, prompt: &Prompt) -> Result<String, String> {
    let services = &session.services;
    let configuration = session.state.configuration();
    let model = services.config.memories.extract_model().to_string();
    let client = ModelClient::new(
        ModelClientConfig {
            provider_id: configuration.provider_id.clone(),
            provider: configuration.provider.clone(),
            family: services.models.family(&model),
            model,
            reasoning_effort: Some(ReasoningEffort::Low),
            reasoning_summary: ReasoningSummary::None,
            verbosity: None,
            thread_id: session.thread_id,
            originator: services.originator.clone(),
            auth: services.auth.clone(),
            subagent_parent: None,
            turn_metadata: None,
        },
        services.http.clone(),
    );
    let mut stream = client.stream(prompt).await.map_err(|err| err.to_string())?;
    let mut text = String::new();
    while let Some(event) = stream.next().await {
        match event.map_err(|err| err.to_string())? {
            ResponseEvent::OutputItemDone(item) => {
                if let Some(part) = crate::history::message_text(&item, "assistant") {
                    text.push_str(&part);
                }
            }
            ResponseEvent::Completed { .. } => return Ok(text),
            _ => {}
        }
    }
    Err("the extraction response ended before it completed".into())
}

fn output_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "rollout_summary": {"type": "string"},
            "rollout_slug": {"type": ["string", "null"]},
            "raw_memory": {"type": "string"},
        },
        "required": ["rollout_summary", "rollout_slug", "raw_memory"],
        "additionalProperties": false,
    })
}

/// The user's and the assistant's messages, tool calls and (cut) outputs;
/// developer messages and reasoning are left out. Over the budget, the
/// oldest part goes.
pub(super) fn transcript(items: &[RolloutItem]) -> String {
    let mut out = String::new();
    for item in items {
        let RolloutItem::ResponseItem(item) = item else {
            continue;
        };
        let line = match item {
            ResponseItem::Message { role, content, .. }
                if role == "user" || role == "assistant" =>
            {
                let text: String = content.iter().filter_map(ContentItem::text).collect();
                format!("[{role}] {text}")
            }
            ResponseItem::FunctionCall {
                name, arguments, ..
            } => format!("[tool call] {name} {arguments}"),
            ResponseItem::CustomToolCall { name, input, .. } => {
                format!("[tool call] {name} {input}")
            }
            ResponseItem::FunctionCallOutput { output, .. } => {
                format!("[tool output] {}", cut(&output.content, MAX_OUTPUT_CHARS))
            }
            ResponseItem::CustomToolCallOutput { output, .. } => {
                format!("[tool output] {}", cut(output, MAX_OUTPUT_CHARS))
            }
            _ => continue,
        };
        out.push_str(&line);
        out.push('\n');
    }
    if out.len() > TRANSCRIPT_BUDGET {
        let mut start = out.len() - TRANSCRIPT_BUDGET;
        while !out.is_char_boundary(start) {
            start += 1;
        }
        out = format!("[… earlier part left out]\n{}", &out[start..]);
    }
    out
}

fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}… [cut]", &text[..at]),
        None => text.to_string(),
    }
}

/// The model's JSON: `rollout_summary` and `raw_memory`, or the legacy
/// `summary` and `rawMemory`; `rollout_slug` is accepted and ignored.
/// Secrets are redacted from both.
pub(super) fn parse_output(answer: &str) -> Result<Option<(String, String)>, String> {
    let value: serde_json::Value = serde_json::from_str(answer.trim())
        .map_err(|err| format!("the extraction model's answer is not JSON: {err}"))?;
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| value.get(*name).and_then(|v| v.as_str()))
            .map(|text| codex_otel::redact_secrets(text.trim()))
    };
    let summary = field(&["rollout_summary", "summary"]).unwrap_or_default();
    let raw = field(&["raw_memory", "rawMemory"]).unwrap_or_default();
    if summary.is_empty() && raw.is_empty() {
        return Ok(None);
    }
    Ok(Some((summary, raw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_and_legacy_keys_and_no_output() {
        assert_eq!(
            parse_output(r#"{"rollout_summary":"s","rollout_slug":"x","raw_memory":"m"}"#).unwrap(),
            Some(("s".into(), "m".into()))
        );
        assert_eq!(
            parse_output(r#"{"summary":"old s","rawMemory":"old m"}"#).unwrap(),
            Some(("old s".into(), "old m".into()))
        );
        assert_eq!(
            parse_output(r#"{"rollout_summary":"","raw_memory":" "}"#).unwrap(),
            None
        );
        assert!(parse_output("not json").unwrap_err().contains("not JSON"));
    }

    #[test]
    fn secrets_are_redacted() {
        use codex_otel::redact_secrets;
        let text = "key sk-proj-abcdefghijklmnopqrstu, gh ghp_abcdefghijklmnopqrstuvwx, \
                    aws AKIAABCDEFGHIJKLMNOP, auth Bearer abcdefghijklmnopqrstuvwxyz, \
                    short sk-abc, -----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY----- end";
        assert_eq!(
            redact_secrets(text),
            "key [REDACTED], gh [REDACTED], aws [REDACTED], auth [REDACTED], short sk-abc, [REDACTED] end"
        );
    }

    #[test]
    fn the_transcript_leaves_out_developer_messages_and_reasoning() {
        let items = vec![
            RolloutItem::ResponseItem(ResponseItem::Message {
                id: None,
                role: "developer".into(),
                content: vec![ContentItem::InputText {
                    text: "sandbox rules".into(),
                }],
            }),
            RolloutItem::ResponseItem(ResponseItem::user_text("fix the parser")),
            RolloutItem::ResponseItem(ResponseItem::Reasoning {
                id: String::new(),
                summary: Vec::new(),
                content: None,
                encrypted_content: Some("opaque".into()),
            }),
            RolloutItem::ResponseItem(ResponseItem::assistant_text("done")),
        ];
        assert_eq!(
            transcript(&items),
            "[user] fix the parser\n[assistant] done\n"
        );
    }
}
