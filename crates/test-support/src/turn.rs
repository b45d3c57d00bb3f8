//! One scripted model response, rendered in either wire format.

use serde_json::{Value, json};

/// Token usage reported at the end of a turn.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub input_tokens: i64,
    pub cached_input_tokens: i64,
    pub output_tokens: i64,
    pub reasoning_output_tokens: i64,
    pub total_tokens: i64,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Reasoning {
        summary: String,
        raw: Option<String>,
    },
    FunctionCall {
        call_id: String,
        name: String,
        arguments: String,
    },
    CustomToolCall {
        call_id: String,
        name: String,
        input: String,
    },
    /// A Responses output item given whole (Responses only).
    Item(Value),
}

/// A model response: what the model "says" and "calls", in order.
#[derive(Debug, Clone, Default)]
pub struct Turn {
    id: Option<String>,
    parts: Vec<Part>,
    usage: Option<Usage>,
}

impl Turn {
    pub fn new() -> Self {
        Self::default()
    }

    /// The response id (default `resp_<n>` by position).
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }

    /// An assistant message, streamed as deltas.
    pub fn text(mut self, text: &str) -> Self {
        self.parts.push(Part::Text(text.to_string()));
        self
    }

    /// A reasoning item with a summary and optional raw reasoning text.
    pub fn reasoning(mut self, summary: &str, raw: Option<&str>) -> Self {
        self.parts.push(Part::Reasoning {
            summary: summary.to_string(),
            raw: raw.map(str::to_string),
        });
        self
    }

    /// A function call; `arguments` is the JSON object of arguments.
    pub fn function_call(mut self, call_id: &str, name: &str, arguments: Value) -> Self {
        self.parts.push(Part::FunctionCall {
            call_id: call_id.to_string(),
            name: name.to_string(),
            arguments: arguments.to_string(),
        });
        self
    }

    /// A function call whose arguments string is given verbatim (may be invalid JSON).
    pub fn function_call_raw(mut self, call_id: &str, name: &str, arguments: &str) -> Self {
        self.parts.push(Part::FunctionCall {
            call_id: call_id.to_string(),
            name: name.to_string(),
            arguments: arguments.to_string(),
        });
        self
    }

    /// A freeform (custom) tool call, e.g. apply_patch with the patch as input.
    /// On Chat Completions it becomes a function call with `{"input": ...}`.
    pub fn custom_tool_call(mut self, call_id: &str, name: &str, input: &str) -> Self {
        self.parts.push(Part::CustomToolCall {
            call_id: call_id.to_string(),
            name: name.to_string(),
            input: input.to_string(),
        });
        self
    }

    /// A call of `name` in `namespace` (Responses: the item carries the
    /// namespace, as for MCP tools offered as namespaces).
    pub fn namespaced_call(
        self,
        call_id: &str,
        namespace: &str,
        name: &str,
        arguments: Value,
    ) -> Self {
        self.output_item(json!({"type": "function_call", "call_id": call_id,
            "namespace": namespace, "name": name, "arguments": arguments.to_string()}))
    }

    /// A `tool_search_call` with `arguments` (`{"query", "limit"}`).
    pub fn tool_search_call(self, call_id: &str, arguments: Value) -> Self {
        self.output_item(json!({"type": "tool_search_call", "call_id": call_id,
            "status": "completed", "execution": "client", "arguments": arguments}))
    }

    /// Any Responses output item, sent as it is (not on Chat Completions).
    pub fn output_item(mut self, item: Value) -> Self {
        self.parts.push(Part::Item(item));
        self
    }

    pub fn usage(mut self, input: i64, output: i64) -> Self {
        self.usage = Some(Usage {
            input_tokens: input,
            output_tokens: output,
            total_tokens: input + output,
            ..Default::default()
        });
        self
    }

    pub fn full_usage(mut self, usage: Usage) -> Self {
        self.usage = Some(usage);
        self
    }

    fn response_id(&self, index: usize) -> String {
        self.id.clone().unwrap_or_else(|| format!("resp_{index}"))
    }

    /// The SSE frames of this turn on the Responses API.
    pub fn responses_frames(&self, index: usize) -> Vec<String> {
        let id = self.response_id(index);
        let mut frames = vec![responses_event(
            "response.created",
            json!({"response": {"id": id}}),
        )];
        for (n, part) in self.parts.iter().enumerate() {
            match part {
                Part::Text(text) => {
                    let item_id = format!("msg_{index}_{n}");
                    frames.push(responses_event(
                        "response.output_item.added",
                        json!({"item": {"type": "message", "id": item_id, "role": "assistant", "content": []}}),
                    ));
                    for delta in split_in_two(text) {
                        frames.push(responses_event(
                            "response.output_text.delta",
                            json!({"item_id": item_id, "delta": delta}),
                        ));
                    }
                    frames.push(responses_event(
                        "response.output_item.done",
                        json!({"item": {"type": "message", "id": item_id, "role": "assistant",
                            "content": [{"type": "output_text", "text": text, "annotations": []}]}}),
                    ));
                }
                Part::Reasoning { summary, raw } => {
                    let item_id = format!("rs_{index}_{n}");
                    frames.push(responses_event(
                        "response.output_item.added",
                        json!({"item": {"type": "reasoning", "id": item_id, "summary": []}}),
                    ));
                    frames.push(responses_event(
                        "response.reasoning_summary_part.added",
                        json!({"item_id": item_id, "summary_index": 0}),
                    ));
                    for delta in split_in_two(summary) {
                        frames.push(responses_event(
                            "response.reasoning_summary_text.delta",
                            json!({"item_id": item_id, "delta": delta}),
                        ));
                    }
                    if let Some(raw) = raw {
                        frames.push(responses_event(
                            "response.reasoning_text.delta",
                            json!({"item_id": item_id, "delta": raw}),
                        ));
                    }
                    let mut item = json!({"type": "reasoning", "id": item_id,
                        "summary": [{"type": "summary_text", "text": summary}],
                        "encrypted_content": format!("enc-{index}-{n}")});
                    if let Some(raw) = raw {
                        item["content"] = json!([{"type": "reasoning_text", "text": raw}]);
                    }
                    frames.push(responses_event(
                        "response.output_item.done",
                        json!({"item": item}),
                    ));
                }
                Part::FunctionCall {
                    call_id,
                    name,
                    arguments,
                } => frames.push(responses_event(
                    "response.output_item.done",
                    json!({"item": {"type": "function_call", "id": format!("fc_{index}_{n}"),
                        "call_id": call_id, "name": name, "arguments": arguments}}),
                )),
                Part::CustomToolCall {
                    call_id,
                    name,
                    input,
                } => frames.push(responses_event(
                    "response.output_item.done",
                    json!({"item": {"type": "custom_tool_call", "id": format!("ctc_{index}_{n}"),
                        "status": "completed", "call_id": call_id, "name": name, "input": input}}),
                )),
                Part::Item(item) => frames.push(responses_event(
                    "response.output_item.done",
                    json!({"item": item}),
                )),
            }
        }
        let mut response = json!({"id": id});
        if let Some(u) = self.usage {
            response["usage"] = json!({
                "input_tokens": u.input_tokens,
                "input_tokens_details": {"cached_tokens": u.cached_input_tokens},
                "output_tokens": u.output_tokens,
                "output_tokens_details": {"reasoning_tokens": u.reasoning_output_tokens},
                "total_tokens": u.total_tokens,
            });
        }
        frames.push(responses_event(
            "response.completed",
            json!({"response": response}),
        ));
        frames
    }

    /// The SSE frames of this turn on Chat Completions.
    pub fn chat_frames(&self, index: usize) -> Vec<String> {
        let id = self.response_id(index);
        let chunk = |delta: Value, finish: Value| {
            sse_frame(
                None,
                &json!({"id": id, "object": "chat.completion.chunk", "model": "mock",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}),
            )
        };
        let mut frames = vec![chunk(json!({"role": "assistant"}), Value::Null)];
        let mut tool_index = 0;
        for part in &self.parts {
            match part {
                Part::Text(text) => {
                    for delta in split_in_two(text) {
                        frames.push(chunk(json!({"content": delta}), Value::Null));
                    }
                }
                Part::Reasoning { summary, raw } => {
                    let text = raw.clone().unwrap_or_else(|| summary.clone());
                    frames.push(chunk(json!({"reasoning_content": text}), Value::Null));
                }
                Part::FunctionCall {
                    call_id,
                    name,
                    arguments,
                } => {
                    push_tool_call(&mut frames, &chunk, tool_index, call_id, name, arguments);
                    tool_index += 1;
                }
                Part::CustomToolCall {
                    call_id,
                    name,
                    input,
                } => {
                    let arguments = json!({"input": input}).to_string();
                    push_tool_call(&mut frames, &chunk, tool_index, call_id, name, &arguments);
                    tool_index += 1;
                }
                // Responses items have no Chat form.
                Part::Item(_) => {}
            }
        }
        let finish = if tool_index > 0 { "tool_calls" } else { "stop" };
        frames.push(chunk(json!({}), json!(finish)));
        if let Some(u) = self.usage {
            frames.push(sse_frame(
                None,
                &json!({"id": id, "object": "chat.completion.chunk", "choices": [],
                    "usage": {"prompt_tokens": u.input_tokens,
                        "completion_tokens": u.output_tokens,
                        "total_tokens": u.total_tokens,
                        "prompt_tokens_details": {"cached_tokens": u.cached_input_tokens},
                        "completion_tokens_details": {"reasoning_tokens": u.reasoning_output_tokens}}}),
            ));
        }
        frames.push("data: [DONE]\n\n".to_string());
        frames
    }
}

fn push_tool_call(
    frames: &mut Vec<String>,
    chunk: &dyn Fn(Value, Value) -> String,
    index: usize,
    call_id: &str,
    name: &str,
    arguments: &str,
) {
    // Like real servers: the first delta names the call, the arguments follow in pieces.
    frames.push(chunk(
        json!({"tool_calls": [{"index": index, "id": call_id, "type": "function",
            "function": {"name": name, "arguments": ""}}]}),
        Value::Null,
    ));
    for piece in split_in_two(arguments) {
        frames.push(chunk(
            json!({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}),
            Value::Null,
        ));
    }
}

/// Splits text in two at a character boundary (one piece if too short).
fn split_in_two(text: &str) -> Vec<String> {
    let middle = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map(|(i, _)| i);
    match middle {
        Some(i) if i > 0 => vec![text[..i].to_string(), text[i..].to_string()],
        _ => vec![text.to_string()],
    }
}

/// A Responses API SSE frame: `event: TYPE` and the payload with its `type`.
pub fn responses_event(kind: &str, mut payload: Value) -> String {
    payload["type"] = json!(kind);
    sse_frame(Some(kind), &payload)
}

/// One SSE frame with optional event name.
pub fn sse_frame(event: Option<&str>, data: &Value) -> String {
    match event {
        Some(event) => format!("event: {event}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}
