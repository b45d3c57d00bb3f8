//! The Responses API end to end.

use codex_client::ResponseEvent;
use codex_config::WireApi;
use codex_protocol::models::{ContentItem, ResponseItem};
use codex_protocol::protocol::TokenUsage;
use codex_test_support::{MockModelServer, Turn, Usage};
use pretty_assertions::assert_eq;
use serde_json::json;

use super::common::{client, client_for, collect, prompt, provider};

#[tokio::test]
async fn a_turn_streams_as_normalized_events() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .reasoning("Thinking about it", Some("raw thoughts"))
            .text("Hello there")
            .function_call("call_1", "shell", json!({"command": ["ls"]}))
            .custom_tool_call("call_2", "apply_patch", "*** Begin Patch\n*** End Patch")
            .full_usage(Usage {
                input_tokens: 100,
                cached_input_tokens: 40,
                output_tokens: 20,
                reasoning_output_tokens: 5,
                total_tokens: 120,
            }),
    );
    let client = client(&server, WireApi::Responses);
    let (events, error) = collect(client.stream(&prompt()).await.unwrap()).await;
    assert!(error.is_none(), "{error:?}");

    let done: Vec<&ResponseItem> = events
        .iter()
        .filter_map(|e| match e {
            ResponseEvent::OutputItemDone(item) => Some(item),
            _ => None,
        })
        .collect();
    assert_eq!(done.len(), 4);
    assert!(matches!(
        done[0],
        ResponseItem::Reasoning {
            encrypted_content: Some(_),
            ..
        }
    ));
    assert!(matches!(done[1], ResponseItem::Message { content, .. }
        if content == &vec![ContentItem::OutputText { text: "Hello there".into() }]));
    assert!(
        matches!(done[2], ResponseItem::FunctionCall { call_id, name, .. }
        if call_id == "call_1" && name == "shell")
    );
    assert!(matches!(done[3], ResponseItem::CustomToolCall { input, .. }
        if input.starts_with("*** Begin Patch")));

    let deltas: String = events
        .iter()
        .filter_map(|e| match e {
            ResponseEvent::OutputTextDelta(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(deltas, "Hello there");
    assert!(events.contains(&ResponseEvent::ReasoningSummaryPartAdded));
    assert!(events.contains(&ResponseEvent::ReasoningContentDelta("raw thoughts".into())));
    assert_eq!(events.first(), Some(&ResponseEvent::Created));
    assert_eq!(
        events.last(),
        Some(&ResponseEvent::Completed {
            response_id: "resp_0".into(),
            token_usage: Some(TokenUsage {
                input_tokens: 100,
                cached_input_tokens: 40,
                output_tokens: 20,
                reasoning_output_tokens: 5,
                total_tokens: 120
            })
        })
    );
}

#[tokio::test]
async fn the_request_has_the_documented_shape() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let client = client(&server, WireApi::Responses);
    let mut prompt = prompt();
    prompt.output_schema =
        Some(json!({"type": "object", "properties": {"answer": {"type": "string"}}}));
    collect(client.stream(&prompt).await.unwrap()).await;

    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/responses");
    assert_eq!(request.header("authorization"), Some("Bearer sk-test-key"));
    assert_eq!(request.header("originator"), Some("codex_exec"));
    assert_eq!(request.header("accept"), Some("text/event-stream"));
    let session = request.header("session-id").unwrap().to_string();
    assert_eq!(request.header("thread-id"), Some(session.as_str()));
    assert_eq!(
        request.header("x-client-request-id"),
        Some(session.as_str())
    );
    assert_eq!(
        request.header("x-codex-window-id"),
        Some(format!("{session}:0").as_str())
    );
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("test-agent")
    );

    assert_eq!(
        request.header("x-codex-turn-metadata"),
        Some(r#"{"turn_id":"t1"}"#)
    );
    let body = request.body_json();
    assert_eq!(
        body["client_metadata"],
        json!({"turn_id": "t1", "x-codex-turn-metadata": r#"{"turn_id":"t1"}"#})
    );
    assert_eq!(body["model"], "gpt-5.1-codex");
    assert_eq!(body["instructions"], "You are a test.");
    assert_eq!(body["tool_choice"], "auto");
    assert_eq!(body["parallel_tool_calls"], true);
    assert_eq!(body["store"], false);
    assert_eq!(body["stream"], true);
    assert_eq!(
        body["reasoning"],
        json!({"effort": "high", "summary": "auto"})
    );
    assert_eq!(body["include"], json!(["reasoning.encrypted_content"]));
    assert_eq!(body["prompt_cache_key"], session);
    assert_eq!(body["text"]["format"]["type"], "json_schema");
    assert_eq!(body["text"]["format"]["name"], "codex_output_schema");
    assert_eq!(body["text"]["format"]["strict"], true);
    assert_eq!(
        body["input"],
        json!([
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix the bug"}]},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Looking."}]},
            {"type": "function_call", "name": "shell", "arguments": "{\"command\":[\"ls\"]}", "call_id": "call_a"},
            {"type": "function_call_output", "call_id": "call_a", "output": "src\n"},
        ])
    );
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["tools"][1]["type"], "custom");
    assert_eq!(body["tools"][1]["format"]["syntax"], "lark");
}

#[tokio::test]
async fn reasoning_is_only_sent_to_models_that_take_it() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let client = client_for(provider(&server, WireApi::Responses), "gpt-4.1");
    collect(client.stream(&prompt()).await.unwrap()).await;
    let body = server.requests()[0].body_json();
    assert!(body.get("reasoning").is_none(), "{body}");
    assert_eq!(body["include"], json!([]));
}

#[tokio::test]
async fn provider_headers_and_query_params() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let var = "CODEX_CLIENT_TEST_FEATURE_HEADER";
    // SAFETY: the variable name is unique to this test and nothing else reads it.
    unsafe { std::env::set_var(var, "from-env") };
    let mut provider = provider(&server, WireApi::Responses);
    provider.query_params = Some([("api-version".to_string(), "2025-04-01".to_string())].into());
    provider.http_headers = Some([("X-Fixed".to_string(), "fixed".to_string())].into());
    provider.env_http_headers = Some(
        [
            ("X-From-Env".to_string(), var.to_string()),
            (
                "X-Unset".to_string(),
                "CODEX_CLIENT_TEST_UNSET_VAR".to_string(),
            ),
        ]
        .into(),
    );
    let client = client_for(provider, "gpt-5.1-codex");
    collect(client.stream(&prompt()).await.unwrap()).await;
    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/responses?api-version=2025-04-01");
    assert_eq!(request.header("x-fixed"), Some("fixed"));
    assert_eq!(request.header("x-from-env"), Some("from-env"));
    assert_eq!(request.header("x-unset"), None);
}

#[tokio::test]
async fn rate_limit_headers_become_a_snapshot_event() {
    let server = MockModelServer::start();
    server.push(
        codex_test_support::Reply::turn(Turn::new().text("ok"))
            .header("x-codex-primary-used-percent", "42.5")
            .header("x-codex-primary-window-minutes", "300"),
    );
    let client = client(&server, WireApi::Responses);
    let (events, _) = collect(client.stream(&prompt()).await.unwrap()).await;
    let ResponseEvent::RateLimits(snapshot) = &events[0] else {
        panic!("first event is {:?}", events[0])
    };
    assert_eq!(snapshot.primary.as_ref().unwrap().used_percent, 42.5);
}

#[tokio::test]
async fn reasoning_goes_back_encrypted_only_and_raw_text_never() {
    use codex_protocol::models::{ReasoningItemContent, ReasoningItemReasoningSummary};
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let client = client_for(provider(&server, WireApi::Responses), "gpt-5.1-codex");
    let reasoning = |encrypted: Option<&str>| ResponseItem::Reasoning {
        id: "rs_1".into(),
        summary: vec![ReasoningItemReasoningSummary::SummaryText {
            text: "thinking".into(),
        }],
        content: Some(vec![ReasoningItemContent::ReasoningText {
            text: "raw chain of thought".into(),
        }]),
        encrypted_content: encrypted.map(str::to_string),
    };
    let mut prompt = prompt();
    prompt.input = std::sync::Arc::new(vec![
        ResponseItem::user_text("hi"),
        reasoning(None),
        ResponseItem::Other,
        reasoning(Some("gAAAA-opaque")),
    ]);
    collect(client.stream(&prompt).await.unwrap()).await;
    let request = &server.requests()[0];
    assert!(!String::from_utf8_lossy(&request.body).contains("raw chain of thought"));
    assert_eq!(
        request.body_json()["input"],
        json!([
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "thinking"}], "encrypted_content": "gAAAA-opaque"},
        ])
    );
    // The tree view of the body is the body sent.
    assert_eq!(client.request_body(&prompt), request.body_json());
}

/// A long history goes out as a stream of encoded items: the server must
/// receive exactly the body the tree encoding gives (items the API cannot
/// take left out, commas in place), with a `Content-Length` that matches.
#[tokio::test]
async fn a_long_history_is_streamed_whole_with_its_length() {
    use codex_protocol::models::FunctionCallOutputPayload;
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let client = client(&server, WireApi::Responses);
    let mut prompt = prompt();
    let input = std::sync::Arc::make_mut(&mut prompt.input);
    for i in 0..40 {
        input.push(ResponseItem::Other);
        input.push(ResponseItem::FunctionCallOutput {
            call_id: format!("call_{i}"),
            output: FunctionCallOutputPayload::success(format!("{i}\"\n").repeat(2_000)),
        });
    }
    input.push(ResponseItem::Reasoning {
        id: String::new(),
        summary: Vec::new(),
        content: None,
        encrypted_content: None,
    });
    collect(client.stream(&prompt).await.unwrap()).await;

    let request = &server.requests()[0];
    let length = request.body.len().to_string();
    assert_eq!(request.header("content-length"), Some(length.as_str()));
    assert!(request.body.len() > 200_000, "{}", request.body.len());
    let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(sent, client.request_body(&prompt));
    assert_eq!(sent["input"].as_array().map(Vec::len), Some(4 + 40));
}

/// Outputs kept in the spill file go out byte for byte as they would from
/// memory, on both wires, with a `Content-Length` that matches.
#[tokio::test]
async fn spilled_outputs_are_sent_as_if_they_were_in_memory() {
    use codex_client::{OutputSpill, SpilledOutputs};
    use codex_protocol::models::FunctionCallOutputPayload;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spill");
    let spill = Arc::new(OutputSpill::new(
        std::fs::File::create_new(&path).unwrap(),
        path,
    ));
    let mut in_memory = prompt();
    let mut spilled = prompt();
    let mut at = Vec::new();
    for i in 0..30 {
        let text = format!("{i} \"quoted\" ünï\tcode\n").repeat(100 + i);
        let (output, emptied) = if i % 3 == 0 {
            (
                ResponseItem::CustomToolCallOutput {
                    call_id: format!("call_{i}"),
                    output: text.clone(),
                },
                ResponseItem::CustomToolCallOutput {
                    call_id: format!("call_{i}"),
                    output: String::new(),
                },
            )
        } else {
            (
                ResponseItem::FunctionCallOutput {
                    call_id: format!("call_{i}"),
                    output: FunctionCallOutputPayload::success(text.clone()),
                },
                ResponseItem::FunctionCallOutput {
                    call_id: format!("call_{i}"),
                    output: FunctionCallOutputPayload::success(""),
                },
            )
        };
        Arc::make_mut(&mut in_memory.input).push(output);
        let items = Arc::make_mut(&mut spilled.input);
        at.push((items.len(), spill.write(&text).unwrap()));
        items.push(emptied);
        // Items between spilled ones keep their own texts.
        let message = ResponseItem::user_text(format!("next {i}"));
        Arc::make_mut(&mut in_memory.input).push(message.clone());
        Arc::make_mut(&mut spilled.input).push(message);
    }
    spilled.spilled = SpilledOutputs::new(Arc::clone(&spill), Arc::new(at));

    for wire in [WireApi::Responses, WireApi::Chat] {
        let server = MockModelServer::start();
        server.push_turn(Turn::new().text("ok"));
        server.push_turn(Turn::new().text("ok"));
        let client = client(&server, wire);
        collect(client.stream(&in_memory).await.unwrap()).await;
        collect(client.stream(&spilled).await.unwrap()).await;
        let requests = server.requests();
        assert_eq!(
            String::from_utf8_lossy(&requests[1].body),
            String::from_utf8_lossy(&requests[0].body),
            "{wire:?}"
        );
        let length = requests[1].body.len().to_string();
        assert_eq!(requests[1].header("content-length"), Some(length.as_str()));
        assert_eq!(
            client.request_body(&spilled),
            client.request_body(&in_memory)
        );
    }
}
