//! Retries: 429 with Retry-After, 5xx, exhausted budgets, connection errors,
//! and the stream faults the engine retries (disconnect, stall).

use std::time::{Duration, Instant};

use codex_client::ClientError;
use codex_config::WireApi;
use codex_test_support::{MockModelServer, Reply, Turn};

use super::common::{client, client_for, collect, prompt, provider};

const RATE_LIMITED: &str =
    r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#;

#[tokio::test]
async fn a_429_waits_as_long_as_retry_after_says() {
    let server = MockModelServer::start();
    server.push(Reply::status(429, RATE_LIMITED).header("Retry-After", "1"));
    server.push_turn(Turn::new().text("ok"));
    let client = client(&server, WireApi::Responses);
    let (_, error) = collect(client.stream(&prompt()).await.unwrap()).await;
    assert!(error.is_none(), "{error:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let gap = requests[1].received_at - requests[0].received_at;
    assert!(gap >= Duration::from_millis(1000), "retried after {gap:?}");
    assert!(gap < Duration::from_millis(2500), "retried after {gap:?}");
}

#[tokio::test]
async fn a_429_with_a_try_again_hint_waits_for_it() {
    let server = MockModelServer::start();
    server.push(Reply::status(
        429,
        r#"{"error":{"message":"Rate limit reached. Please try again in 700ms.","type":"tokens"}}"#,
    ));
    server.push_turn(Turn::new().text("ok"));
    let client = client(&server, WireApi::Chat);
    collect(client.stream(&prompt()).await.unwrap()).await;
    let requests = server.requests();
    let gap = requests[1].received_at - requests[0].received_at;
    assert!(
        gap >= Duration::from_millis(700) && gap < Duration::from_millis(2000),
        "{gap:?}"
    );
}

#[tokio::test]
async fn a_500_is_retried_with_backoff() {
    let server = MockModelServer::start();
    server.push(Reply::status(500, r#"{"error":{"message":"boom"}}"#));
    server.push_turn(Turn::new().text("ok"));
    let client = client(&server, WireApi::Responses);
    let (_, error) = collect(client.stream(&prompt()).await.unwrap()).await;
    assert!(error.is_none());
    let requests = server.requests();
    let gap = requests[1].received_at - requests[0].received_at;
    // First backoff: 200 ms ± 10%.
    assert!(gap >= Duration::from_millis(170), "{gap:?}");
}

#[tokio::test]
async fn the_retry_budget_is_request_max_retries() {
    let server = MockModelServer::start();
    for _ in 0..3 {
        server.push(Reply::status(503, r#"{"error":{"message":"overloaded"}}"#));
    }
    let mut provider = provider(&server, WireApi::Responses);
    provider.request_max_retries = Some(1);
    let client = client_for(provider, "gpt-5.1-codex");
    let Err(error) = client.stream(&prompt()).await else {
        panic!("expected an error")
    };
    assert!(
        matches!(&error, ClientError::ServerError { status: 503, message, .. } if message == "overloaded"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 2, "one attempt plus one retry");
}

#[tokio::test]
async fn an_unreachable_server_is_a_connection_error() {
    let server = MockModelServer::start();
    let mut provider = provider(&server, WireApi::Responses);
    provider.base_url = Some("http://127.0.0.1:9/v1".into());
    provider.request_max_retries = Some(1);
    let client = client_for(provider, "gpt-5.1-codex");
    let start = Instant::now();
    let Err(error) = client.stream(&prompt()).await else {
        panic!("expected an error")
    };
    assert!(matches!(error, ClientError::Connection { .. }), "{error}");
    assert!(error.to_string().contains("127.0.0.1:9"), "{error}");
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "it retried once"
    );
}

#[tokio::test]
async fn a_dropped_stream_is_a_retryable_error() {
    let server = MockModelServer::start();
    server.push(Reply::turn(Turn::new().text("hello world")).disconnect_after(3));
    let client = client(&server, WireApi::Responses);
    let (events, error) = collect(client.stream(&prompt()).await.unwrap()).await;
    assert!(!events.is_empty(), "the events before the cut arrive");
    let error = error.unwrap();
    assert_eq!(error.to_string(), "stream closed before response.completed");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_stalled_stream_times_out() {
    let server = MockModelServer::start();
    server.push(Reply::turn(Turn::new().text("hello")).stall_after(2));
    let client = client(&server, WireApi::Responses);
    let start = Instant::now();
    let (_, error) = collect(client.stream(&prompt()).await.unwrap()).await;
    let error = error.unwrap();
    assert!(error.to_string().contains("stalled"), "{error}");
    assert!(error.is_retryable());
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(500) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}
