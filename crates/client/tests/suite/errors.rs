//! Typed errors, and malformed streams.

use std::time::Duration;

use codex_client::ClientError;
use codex_config::WireApi;
use codex_test_support::{MockModelServer, Reply, responses_event};
use serde_json::json;

use super::common::{client, collect, prompt};

fn failed(code: &str, message: &str) -> Reply {
    Reply::frames(vec![
        responses_event("response.created", json!({"response": {"id": "r"}})),
        responses_event(
            "response.failed",
            json!({"response": {"id": "r", "error": {"code": code, "message": message}}}),
        ),
    ])
}

async fn stream_error(reply: Reply) -> ClientError {
    let server = MockModelServer::start();
    server.push(reply);
    let client = client(&server, WireApi::Responses);
    match client.stream(&prompt()).await {
        Err(err) => err,
        Ok(stream) => collect(stream).await.1.expect("an error"),
    }
}

#[tokio::test]
async fn failures_in_the_stream_are_typed() {
    let err = stream_error(failed(
        "context_length_exceeded",
        "Your input exceeds the context window",
    ))
    .await;
    assert!(matches!(err, ClientError::ContextWindowExceeded), "{err}");
    assert!(!err.is_retryable());

    let err = stream_error(failed(
        "insufficient_quota",
        "You exceeded your current quota",
    ))
    .await;
    assert!(matches!(err, ClientError::QuotaExceeded { .. }), "{err}");

    let err = stream_error(failed(
        "rate_limit_exceeded",
        "Rate limit reached. Please try again in 2.5s.",
    ))
    .await;
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_millis(2500)));

    let err = stream_error(failed("server_error", "An error occurred")).await;
    assert!(err.is_retryable());
    assert_eq!(err.to_string(), "An error occurred");

    let err = stream_error(Reply::frames(vec![responses_event(
        "response.incomplete",
        json!({"response": {"id": "r", "incomplete_details": {"reason": "max_output_tokens"}}}),
    )]))
    .await;
    assert_eq!(
        err.to_string(),
        "the response is incomplete: max_output_tokens"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn http_errors_are_typed() {
    let err = stream_error(Reply::status(
        401,
        r#"{"error":{"message":"Incorrect API key provided"}}"#,
    ))
    .await;
    assert!(
        matches!(err, ClientError::Unauthorized { status: 401, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("codex login"));

    let err = stream_error(Reply::status(
        400,
        r#"{"error":{"message":"Unsupported parameter: 'reasoning.effort'"}}"#,
    ))
    .await;
    assert_eq!(
        err.to_string(),
        "the request was rejected (400): Unsupported parameter: 'reasoning.effort'"
    );

    let err = stream_error(Reply::status(
        429,
        r#"{"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
    ))
    .await;
    assert!(matches!(err, ClientError::QuotaExceeded { .. }), "{err}");
}

#[tokio::test]
async fn malformed_events_are_clear_errors_not_panics() {
    let err = stream_error(Reply::frames(vec![
        responses_event("response.created", json!({"response": {"id": "r"}})),
        "event: response.output_item.done\ndata: {\"type\": \"response.output_item.done\", \"item\": \n\n".to_string(),
    ]))
    .await;
    let text = err.to_string();
    assert!(
        text.contains("malformed `response.output_item.done` event"),
        "{text}"
    );
    assert!(err.is_retryable());

    let err = stream_error(Reply::frames(vec![responses_event(
        "response.output_item.done",
        json!({"item": {"type": "function_call", "name": 42}}),
    )]))
    .await;
    assert!(err.to_string().contains("malformed"), "{err}");

    // Garbage that is not SSE at all.
    let err = stream_error(Reply::frames(vec![
        "\u{0}\u{1}not sse at all\n\n".to_string(),
    ]))
    .await;
    assert!(err.is_retryable(), "{err}");
}
