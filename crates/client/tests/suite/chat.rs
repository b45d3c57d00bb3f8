//! Chat Completions end to end.

use codex_client::ResponseEvent;
use codex_config::WireApi;
use codex_protocol::models::{ContentItem, ResponseItem};
use codex_test_support::{MockModelServer, Reply, Turn, sse_frame};
use pretty_assertions::assert_eq;
use serde_json::json;

use super::common::{client, collect, prompt};

#[tokio::test]
async fn a_turn_streams_as_normalized_events() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .reasoning("summary", Some("thinking"))
            .text("Hi!")
            .function_call("call_1", "shell", json!({"command": ["ls", "-la"]}))
            .custom_tool_call("call_2", "apply_patch", "*** Begin Patch\n*** End Patch")
            .usage(30, 10),
    );
    let client = client(&server, WireApi::Chat);
    let (events, error) = collect(client.stream(&prompt()).await.unwrap()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events.first(), Some(&ResponseEvent::Created));

    let done: Vec<ResponseItem> = events
        .iter()
        .filter_map(|e| match e {
            ResponseEvent::OutputItemDone(item) => Some(item.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(done.len(), 4, "{done:?}");
    assert!(matches!(&done[0], ResponseItem::Reasoning { content: Some(c), .. } if c.len() == 1));
    assert!(
        matches!(&done[1], ResponseItem::Message { content, role, .. }
        if role == "assistant" && content == &vec![ContentItem::OutputText { text: "Hi!".into() }])
    );
    // Tool call arguments arrive in pieces and are reassembled.
    assert_eq!(
        done[2],
        ResponseItem::FunctionCall {
            id: None,
            name: "shell".into(),
            namespace: None,
            arguments: json!({"command": ["ls", "-la"]}).to_string(),
            call_id: "call_1".into()
        }
    );
    assert!(
        matches!(&done[3], ResponseItem::FunctionCall { name, arguments, .. }
        if name == "apply_patch" && arguments.contains("Begin Patch"))
    );
    let ResponseEvent::Completed { token_usage, .. } = events.last().unwrap() else {
        panic!("no completion")
    };
    assert_eq!(token_usage.unwrap().total_tokens, 40);
}

#[tokio::test]
async fn the_history_maps_to_messages() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let client = client(&server, WireApi::Chat);
    collect(client.stream(&prompt()).await.unwrap()).await;
    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    let body = request.body_json();
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    assert_eq!(body["tool_choice"], "auto");
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "You are a test."},
            {"role": "user", "content": "fix the bug"},
            {"role": "assistant", "content": "Looking.", "tool_calls": [
                {"id": "call_a", "type": "function", "function": {"name": "shell", "arguments": "{\"command\":[\"ls\"]}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_a", "content": "src\n"},
        ])
    );
    assert_eq!(body["tools"][0]["function"]["name"], "shell");
    // The freeform tool is offered as a function taking its text as `input`.
    assert_eq!(body["tools"][1]["function"]["name"], "apply_patch");
    assert_eq!(
        body["tools"][1]["function"]["parameters"]["required"],
        json!(["input"])
    );
    assert!(body.get("reasoning").is_none());
}

#[tokio::test]
async fn a_stream_without_a_finish_is_a_retryable_error() {
    let server = MockModelServer::start();
    server.push(Reply::turn(Turn::new().text("partial answer")).disconnect_after(2));
    let client = client(&server, WireApi::Chat);
    let (_, error) = collect(client.stream(&prompt()).await.unwrap()).await;
    let error = error.unwrap();
    assert!(error.is_retryable(), "{error}");
}

#[tokio::test]
async fn an_error_chunk_and_a_length_finish_are_reported() {
    let server = MockModelServer::start();
    server.push(Reply::frames(vec![sse_frame(
        None,
        &json!({"error": {"message": "overloaded, try again in 2s"}}),
    )]));
    server.push(Reply::frames(vec![
        sse_frame(None, &json!({"id": "x", "choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": "length"}]})),
        "data: [DONE]\n\n".to_string(),
    ]));
    let client = client(&server, WireApi::Chat);
    let (_, error) = collect(client.stream(&prompt()).await.unwrap()).await;
    let error = error.unwrap();
    assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(2)));
    let (_, error) = collect(client.stream(&prompt()).await.unwrap()).await;
    assert_eq!(
        error.unwrap().to_string(),
        "the response is incomplete: max_output_tokens"
    );
}
