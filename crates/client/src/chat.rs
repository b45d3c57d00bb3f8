//! Chat Completions: the same history as `messages`, and the streamed
//! `choices[0].delta`s turned into the events of the Responses API.

use std::collections::BTreeMap;

use codex_protocol::models::{
    AgentMessageContent, ContentItem, FunctionCallOutputPayload, LocalShellAction,
    ReasoningItemContent, ResponseItem,
};
use codex_protocol::protocol::TokenUsage;
use serde_json::{Value, json};

use crate::client::RequestSettings;
use crate::error::ClientError;
use crate::events::ResponseEvent;
use crate::prompt::{Prompt, ToolSpec};
use crate::retry::try_again_in;
use crate::sse::{EventSender, Next, SseReader, malformed};

/// The JSON body of `POST {base_url}/chat/completions`.
/// Spilled tool outputs are read back: the body is a converted copy of the
/// history anyway.
pub(crate) fn request_body(
    prompt: &Prompt,
    settings: &RequestSettings<'_>,
) -> std::io::Result<Value> {
    let input = prompt.spilled.read_back(&prompt.input)?;
    let mut body = json!({
        "model": settings.model,
        "messages": messages(&prompt.instructions, &input),
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    // Built-in Responses tools have no Chat form; the engine warns once.
    let tools: Vec<Value> = prompt.tools.iter().filter_map(chat_tool).collect();
    if !tools.is_empty() {
        body["tools"] = Value::Array(tools);
        body["tool_choice"] = json!("auto");
        body["parallel_tool_calls"] = json!(prompt.parallel_tool_calls);
    }
    if let Some(schema) = &prompt.output_schema {
        body["response_format"] = json!({
            "type": "json_schema",
            "json_schema": {"name": "codex_output_schema", "strict": true, "schema": schema},
        });
    }
    Ok(body)
}

/// A tool as a Chat Completions function. A freeform tool takes its text as
/// the `input` argument; built-in Responses tools have none.
fn chat_tool(tool: &ToolSpec) -> Option<Value> {
    Some(match tool {
        // Chat has no namespaces or tool search: MCP tools are offered there
        // as flat functions instead.
        ToolSpec::LocalShell {}
        | ToolSpec::WebSearch { .. }
        | ToolSpec::Namespace(_)
        | ToolSpec::ToolSearch { .. } => return None,
        ToolSpec::Function(f) => json!({
            "type": "function",
            "function": {"name": f.name, "description": f.description, "parameters": f.parameters},
        }),
        ToolSpec::Freeform(f) => json!({
            "type": "function",
            "function": {
                "name": f.name,
                "description": f.description,
                "parameters": {
                    "type": "object",
                    "properties": {"input": {"type": "string", "description": "The entire input of the tool."}},
                    "required": ["input"],
                    "additionalProperties": false,
                },
            },
        }),
    })
}

/// The conversation as chat messages: instructions as the system message,
/// tool calls attached to the assistant message that made them, tool
/// outputs as `tool` messages. Reasoning is not sent back.
fn messages(instructions: &str, input: &[ResponseItem]) -> Vec<Value> {
    let mut out = vec![json!({"role": "system", "content": instructions})];
    let push_tool_call = |out: &mut Vec<Value>, id: &str, name: &str, arguments: String| {
        let call = json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}});
        match out.last_mut() {
            Some(last) if last["role"] == "assistant" => {
                if !last["tool_calls"].is_array() {
                    last["tool_calls"] = json!([]);
                }
                if let Some(calls) = last["tool_calls"].as_array_mut() {
                    calls.push(call);
                }
            }
            _ => out.push(json!({"role": "assistant", "content": null, "tool_calls": [call]})),
        }
    };
    for item in input {
        match item {
            ResponseItem::Message { role, content, .. } => {
                let role = if role == "developer" {
                    "system"
                } else {
                    role.as_str()
                };
                out.push(json!({"role": role, "content": message_content(content)}));
            }
            ResponseItem::FunctionCall {
                name,
                arguments,
                call_id,
                ..
            } => push_tool_call(&mut out, call_id, name, arguments.clone()),
            ResponseItem::CustomToolCall {
                call_id,
                name,
                input,
                ..
            } => push_tool_call(&mut out, call_id, name, json!({"input": input}).to_string()),
            ResponseItem::LocalShellCall {
                call_id,
                id,
                action,
                ..
            } => {
                let LocalShellAction::Exec(exec) = action;
                let call_id = call_id.clone().or_else(|| id.clone()).unwrap_or_default();
                let args = json!({"command": exec.command, "workdir": exec.working_directory,
                    "timeout_ms": exec.timeout_ms});
                push_tool_call(&mut out, &call_id, "shell", args.to_string());
            }
            ResponseItem::FunctionCallOutput {
                call_id,
                output: FunctionCallOutputPayload { content, .. },
            }
            | ResponseItem::CustomToolCallOutput {
                call_id,
                output: content,
            } => out.push(json!({"role": "tool", "tool_call_id": call_id, "content": content})),
            // Chat Completions has no agent messages: the same text as a
            // user message.
            ResponseItem::AgentMessage { content, .. } => {
                let text: String = content
                    .iter()
                    .map(|part| match part {
                        AgentMessageContent::InputText { text } => text.as_str(),
                        AgentMessageContent::EncryptedContent { encrypted_content } => {
                            encrypted_content.as_str()
                        }
                    })
                    .collect();
                out.push(json!({"role": "user", "content": text}));
            }
            // Searches exist only on the Responses wire.
            ResponseItem::Reasoning { .. }
            | ResponseItem::WebSearchCall { .. }
            | ResponseItem::ToolSearchCall { .. }
            | ResponseItem::ToolSearchOutput { .. }
            | ResponseItem::Other => {}
        }
    }
    out
}

/// Text-only content as a string; with images, an array of parts.
fn message_content(content: &[ContentItem]) -> Value {
    if content
        .iter()
        .all(|c| !matches!(c, ContentItem::InputImage { .. }))
    {
        let text: Vec<&str> = content.iter().filter_map(ContentItem::text).collect();
        return json!(text.join("\n"));
    }
    Value::Array(
        content
            .iter()
            .map(|c| match c {
                ContentItem::InputText { text } | ContentItem::OutputText { text } => {
                    json!({"type": "text", "text": text})
                }
                ContentItem::InputImage { image_url } => {
                    json!({"type": "image_url", "image_url": {"url": image_url}})
                }
            })
            .collect(),
    )
}

/// A tool call being assembled from deltas.
#[derive(Default)]
struct PendingCall {
    id: String,
    name: String,
    arguments: String,
}

/// Reads the SSE body, accumulating text, reasoning and tool calls, and emits
/// them as complete items when the response finishes.
pub(crate) async fn process_sse<S, E>(mut reader: SseReader<S>, tx: EventSender)
where
    S: futures::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut created = false;
    let mut response_id = String::new();
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut calls: BTreeMap<u64, PendingCall> = BTreeMap::new();
    let mut finish_reason: Option<String> = None;
    let mut usage: Option<TokenUsage> = None;

    loop {
        let event = match reader.next(&tx).await {
            Next::Event(event) => event,
            Next::Stop => return,
            Next::End if finish_reason.is_some() => break,
            Next::End => {
                let _ = tx
                    .send(Err(ClientError::Stream {
                        message: "stream closed before the response finished".to_string(),
                        retry_after: None,
                    }))
                    .await;
                return;
            }
        };
        if event.data.trim() == "[DONE]" {
            break;
        }
        let chunk: Value = match serde_json::from_str(&event.data) {
            Ok(value) => value,
            Err(err) => {
                let _ = tx.send(Err(malformed(&event, &err.to_string()))).await;
                return;
            }
        };
        if let Some(error) = chunk.get("error") {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("the model server reported an error")
                .to_string();
            let _ = tx
                .send(Err(ClientError::Stream {
                    retry_after: try_again_in(&message),
                    message,
                }))
                .await;
            return;
        }
        if !created {
            created = true;
            if tx.send(Ok(ResponseEvent::Created)).await.is_err() {
                return;
            }
        }
        if let Some(id) = chunk.get("id").and_then(Value::as_str) {
            response_id = id.to_string();
        }
        if let Some(u) = chunk.get("usage").filter(|u| u.is_object()) {
            usage = Some(parse_usage(u));
        }
        let Some(choice) = chunk
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
        else {
            continue;
        };
        let delta = choice.get("delta").cloned().unwrap_or_default();
        if let Some(piece) = delta.get("content").and_then(Value::as_str)
            && !piece.is_empty()
        {
            text.push_str(piece);
            if tx
                .send(Ok(ResponseEvent::OutputTextDelta(piece.to_string())))
                .await
                .is_err()
            {
                return;
            }
        }
        let thinking = delta
            .get("reasoning_content")
            .or_else(|| delta.get("reasoning"))
            .and_then(Value::as_str);
        if let Some(piece) = thinking
            && !piece.is_empty()
        {
            reasoning.push_str(piece);
            if tx
                .send(Ok(ResponseEvent::ReasoningContentDelta(piece.to_string())))
                .await
                .is_err()
            {
                return;
            }
        }
        if let Some(tool_calls) = delta.get("tool_calls").and_then(Value::as_array) {
            for (position, call) in tool_calls.iter().enumerate() {
                let index = call
                    .get("index")
                    .and_then(Value::as_u64)
                    .unwrap_or(position as u64);
                let pending = calls.entry(index).or_default();
                if let Some(id) = call.get("id").and_then(Value::as_str) {
                    pending.id = id.to_string();
                }
                if let Some(function) = call.get("function") {
                    if let Some(name) = function.get("name").and_then(Value::as_str) {
                        pending.name.push_str(name);
                    }
                    if let Some(args) = function.get("arguments").and_then(Value::as_str) {
                        pending.arguments.push_str(args);
                    }
                }
            }
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            finish_reason = Some(reason.to_string());
        }
    }

    match finish_reason.as_deref() {
        Some("length") => {
            let _ = tx
                .send(Err(ClientError::Incomplete {
                    reason: "max_output_tokens".to_string(),
                }))
                .await;
            return;
        }
        Some("content_filter") => {
            let _ = tx
                .send(Err(ClientError::Incomplete {
                    reason: "content_filter".to_string(),
                }))
                .await;
            return;
        }
        _ => {}
    }

    let mut items = Vec::new();
    if !reasoning.is_empty() {
        items.push(ResponseItem::Reasoning {
            id: String::new(),
            summary: Vec::new(),
            content: Some(vec![ReasoningItemContent::ReasoningText {
                text: reasoning,
            }]),
            encrypted_content: None,
        });
    }
    if !text.is_empty() {
        items.push(ResponseItem::assistant_text(text));
    }
    for (index, call) in calls {
        if call.name.is_empty() {
            let _ = tx
                .send(Err(ClientError::Stream {
                    message: format!("the model server sent tool call #{index} without a name"),
                    retry_after: None,
                }))
                .await;
            return;
        }
        items.push(ResponseItem::FunctionCall {
            id: None,
            name: call.name,
            namespace: None,
            arguments: if call.arguments.is_empty() {
                "{}".to_string()
            } else {
                call.arguments
            },
            call_id: if call.id.is_empty() {
                format!("call_{index}")
            } else {
                call.id
            },
        });
    }
    for item in items {
        if tx
            .send(Ok(ResponseEvent::OutputItemDone(item)))
            .await
            .is_err()
        {
            return;
        }
    }
    let _ = tx
        .send(Ok(ResponseEvent::Completed {
            response_id,
            token_usage: usage,
        }))
        .await;
}

fn parse_usage(usage: &Value) -> TokenUsage {
    let int = |v: Option<&Value>| v.and_then(Value::as_i64).unwrap_or(0);
    TokenUsage {
        input_tokens: int(usage.get("prompt_tokens")),
        cached_input_tokens: int(usage
            .get("prompt_tokens_details")
            .and_then(|d| d.get("cached_tokens"))),
        output_tokens: int(usage.get("completion_tokens")),
        reasoning_output_tokens: int(usage
            .get("completion_tokens_details")
            .and_then(|d| d.get("reasoning_tokens"))),
        total_tokens: int(usage.get("total_tokens")),
    }
}
