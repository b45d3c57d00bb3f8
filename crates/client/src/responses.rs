//! The Responses API: request body and SSE events.

use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::TokenUsage;
use serde::Serialize;
use serde_json::{Value, json};

use crate::client::RequestSettings;
use crate::error::ClientError;
use crate::events::ResponseEvent;
use crate::prompt::Prompt;
use crate::request_body::StreamedBody;
use crate::retry::try_again_in;
use crate::sse::{EventSender, Next, SseReader, malformed};

/// The JSON body of `POST {base_url}/responses`, as a tree (for callers
/// that inspect it; the wire path uses [`encode_request`]).
pub(crate) fn request_body(prompt: &Prompt, settings: &RequestSettings<'_>) -> Value {
    let Ok(input) = prompt.spilled.read_back(&prompt.input) else {
        return Value::Null;
    };
    let mut body = RequestBody::new(prompt, settings);
    body.input = Input(&input);
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// The body to send, encoded from the history as it goes out (see
/// [`crate::request_body`]); a JSON tree of it first would hold the
/// history twice more.
pub(crate) fn streamed_body(
    prompt: Prompt,
    settings: &RequestSettings<'_>,
) -> serde_json::Result<StreamedBody> {
    // The body around an empty input, cut where the items go. The fields
    // before `input` are strings, whose quotes JSON escapes, so the first
    // `"input":[]` is the field itself.
    const EMPTY_INPUT: &[u8] = b"\"input\":[]";
    let mut frame = RequestBody::new(&prompt, settings);
    frame.input = Input(&[]);
    let mut head = serde_json::to_vec(&frame)?;
    let Some(at) = head
        .windows(EMPTY_INPUT.len())
        .position(|w| w == EMPTY_INPUT)
    else {
        return Err(serde::ser::Error::custom("the body has no input field"));
    };
    let tail = head.split_off(at + EMPTY_INPUT.len() - 1);
    StreamedBody::new(prompt, head, tail)
}

#[derive(Serialize)]
struct RequestBody<'a> {
    model: &'a str,
    instructions: &'a str,
    input: Input<'a>,
    tools: &'a [crate::prompt::ToolSpec],
    tool_choice: &'static str,
    parallel_tool_calls: bool,
    store: bool,
    stream: bool,
    include: &'static [&'static str],
    prompt_cache_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<Value>,
}

impl<'a> RequestBody<'a> {
    fn new(prompt: &'a Prompt, settings: &'a RequestSettings<'a>) -> Self {
        let reasoning = settings.family.supports_reasoning.then(|| {
            let mut reasoning = json!({});
            if let Some(effort) = settings.effort {
                reasoning["effort"] = json!(effort);
            }
            if settings.family.supports_reasoning_summaries
                && settings.summary != codex_protocol::config_types::ReasoningSummary::None
            {
                reasoning["summary"] = json!(settings.summary);
            }
            reasoning
        });
        let mut text = json!({});
        if let Some(schema) = &prompt.output_schema {
            text["format"] = json!({
                "type": "json_schema",
                "name": "codex_output_schema",
                "strict": true,
                "schema": schema,
            });
        }
        if settings.family.supports_verbosity
            && let Some(verbosity) = settings.verbosity.or(settings.family.default_verbosity)
        {
            text["verbosity"] = json!(verbosity);
        }
        Self {
            model: settings.model,
            instructions: &prompt.instructions,
            input: Input(&prompt.input),
            tools: &prompt.tools,
            tool_choice: "auto",
            parallel_tool_calls: prompt.parallel_tool_calls,
            store: false,
            stream: true,
            include: if reasoning.is_some() {
                &["reasoning.encrypted_content"]
            } else {
                &[]
            },
            prompt_cache_key: &settings.prompt_cache_key,
            reasoning,
            client_metadata: settings.turn_metadata.map(|metadata| {
                json!({
                    "turn_id": metadata.turn_id,
                    "x-codex-turn-metadata": metadata.json,
                })
            }),
            text: text
                .as_object()
                .is_some_and(|t| !t.is_empty())
                .then_some(text),
        }
    }
}

/// The history as sent back to the API. Raw reasoning text is not sent
/// (only the encrypted form carries reasoning across requests), and items
/// the API cannot take are dropped.
struct Input<'a>(&'a [ResponseItem]);

impl Serialize for Input<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().filter_map(input_item))
    }
}

/// How `item` is sent back to the API, if it is.
pub(crate) fn input_item(item: &ResponseItem) -> Option<InputItem<'_>> {
    match item {
        ResponseItem::Other
        | ResponseItem::Reasoning {
            encrypted_content: None,
            ..
        } => None,
        ResponseItem::Reasoning {
            summary,
            encrypted_content: Some(encrypted_content),
            ..
        } => Some(InputItem::Reasoning(ReasoningInput {
            summary,
            encrypted_content,
        })),
        other => Some(InputItem::Item(other)),
    }
}

#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum InputItem<'a> {
    Reasoning(ReasoningInput<'a>),
    Item(&'a ResponseItem),
}

#[derive(Serialize)]
#[serde(tag = "type", rename = "reasoning")]
pub(crate) struct ReasoningInput<'a> {
    summary: &'a [codex_protocol::models::ReasoningItemReasoningSummary],
    encrypted_content: &'a str,
}

/// Reads the SSE body and forwards normalized events until `response.completed`.
pub(crate) async fn process_sse<S, E>(mut reader: SseReader<S>, tx: EventSender)
where
    S: futures::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    loop {
        let event = match reader.next(&tx).await {
            Next::Event(event) => event,
            Next::Stop => return,
            Next::End => {
                let _ = tx.send(Err(ClientError::closed_before_completed())).await;
                return;
            }
        };
        let value: Value = match serde_json::from_str(&event.data) {
            Ok(value) => value,
            Err(err) => {
                let _ = tx.send(Err(malformed(&event, &err.to_string()))).await;
                return;
            }
        };
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(&event.event)
            .to_string();
        let text = |field: &str| {
            value
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let outcome: Result<Option<ResponseEvent>, ClientError> = match kind.as_str() {
            "response.created" => Ok(Some(ResponseEvent::Created)),
            "response.output_item.added" => Ok(value
                .get("item")
                .and_then(|item| serde_json::from_value(item.clone()).ok())
                .map(ResponseEvent::OutputItemAdded)),
            "response.output_item.done" => match value
                .get("item")
                .map(|item| serde_json::from_value::<ResponseItem>(item.clone()))
            {
                Some(Ok(item)) => Ok(Some(ResponseEvent::OutputItemDone(item))),
                Some(Err(err)) => Err(malformed(&event, &err.to_string())),
                None => Err(malformed(&event, "no `item`")),
            },
            "response.output_text.delta" => Ok(Some(ResponseEvent::OutputTextDelta(text("delta")))),
            "response.reasoning_summary_text.delta" => {
                Ok(Some(ResponseEvent::ReasoningSummaryDelta(text("delta"))))
            }
            "response.reasoning_text.delta" => {
                Ok(Some(ResponseEvent::ReasoningContentDelta(text("delta"))))
            }
            "response.reasoning_summary_part.added" => {
                Ok(Some(ResponseEvent::ReasoningSummaryPartAdded))
            }
            "response.completed" => {
                let response = value.get("response").cloned().unwrap_or_default();
                let completed = ResponseEvent::Completed {
                    response_id: response
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    token_usage: response.get("usage").map(parse_usage),
                };
                let _ = tx.send(Ok(completed)).await;
                return;
            }
            "response.failed" | "error" => {
                let error = value
                    .get("response")
                    .and_then(|r| r.get("error"))
                    .or_else(|| value.get("error"))
                    .cloned()
                    .unwrap_or_else(|| value.clone());
                Err(failure_error(&error))
            }
            "response.incomplete" => {
                let reason = value
                    .get("response")
                    .and_then(|r| r.get("incomplete_details"))
                    .and_then(|d| d.get("reason"))
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_string();
                Err(ClientError::Incomplete { reason })
            }
            // Events that carry nothing we need (in_progress, content_part.*,
            // output_text.done, ...).
            _ => Ok(None),
        };
        match outcome {
            Ok(Some(event)) => {
                if tx.send(Ok(event)).await.is_err() {
                    return;
                }
            }
            Ok(None) => {}
            Err(err) => {
                let _ = tx.send(Err(err)).await;
                return;
            }
        }
    }
}

/// Maps the `error` object of `response.failed` to a typed error.
fn failure_error(error: &Value) -> ClientError {
    let field = |name: &str| error.get(name).and_then(Value::as_str).unwrap_or_default();
    let message = match field("message") {
        "" => "the model server reported a failure".to_string(),
        m => m.to_string(),
    };
    match field("code") {
        "context_length_exceeded" => ClientError::ContextWindowExceeded,
        "insufficient_quota" => ClientError::QuotaExceeded { message },
        "usage_limit_reached" | "usage_not_included" => ClientError::UsageLimitReached {
            message,
            plan_type: error
                .get("plan_type")
                .and_then(Value::as_str)
                .map(str::to_string),
            resets_at: error.get("resets_at").and_then(Value::as_i64),
            rate_limits: None,
        },
        "invalid_prompt" | "invalid_request_error" => ClientError::InvalidRequest {
            status: 400,
            message,
        },
        _ => ClientError::Stream {
            retry_after: try_again_in(&message),
            message,
        },
    }
}

/// `usage` of a Responses API response.
pub(crate) fn parse_usage(usage: &Value) -> TokenUsage {
    let int = |v: Option<&Value>| v.and_then(Value::as_i64).unwrap_or(0);
    TokenUsage {
        input_tokens: int(usage.get("input_tokens")),
        cached_input_tokens: int(usage
            .get("input_tokens_details")
            .and_then(|d| d.get("cached_tokens"))),
        output_tokens: int(usage.get("output_tokens")),
        reasoning_output_tokens: int(usage
            .get("output_tokens_details")
            .and_then(|d| d.get("reasoning_tokens"))),
        total_tokens: int(usage.get("total_tokens")),
    }
}
