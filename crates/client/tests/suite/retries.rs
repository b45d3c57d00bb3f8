//! Retries: 429 with Retry-After, 5xx, exhausted budgets, connection errors,
//! and the stream faults the engine retries (disconnect, stall).

use std::time::Duration;

use codex_client::ClientError;
use codex_config::WireApi;
use codex_test_support::{MockModelServer, Reply, Turn};

use super::common::{client, client_for, collect, prompt, provider};

const RATE_LIMITED: &str =
    r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#;

/// Streams `prompt` with `client`, returning the stream (or error) and the
/// retries announced on the way: (attempt, max, delay, reason).
async fn stream_noting_retries(
    client: &codex_client::ModelClient,
) -> (
    Result<codex_client::ResponseStream, ClientError>,
    Vec<(u64, u64, Duration, String)>,
) {
    let notices = std::sync::Mutex::new(Vec::new());
    let result = client
        .stream_reporting_retries(&prompt(), &|n| {
            notices.lock().unwrap().push((
                n.attempt,
                n.max_retries,
                n.delay,
                n.error.retry_reason(),
            ))
        })
        .await;
    (result, notices.into_inner().unwrap())
}

#[tokio::test]
async fn a_429_waits_as_long_as_retry_after_says() {
    let server = MockModelServer::start();
    server.push(Reply::status(429, RATE_LIMITED).header("Retry-After", "1"));
    server.push_turn(Turn::new().text("ok"));
    let client = client(&server, WireApi::Responses);
    let (stream, notices) = stream_noting_retries(&client).await;
    let (_, error) = collect(stream.unwrap()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        notices,
        vec![(
            1,
            2,
            Duration::from_secs(1),
            "rate limited: Rate limit reached".to_string()
        )]
    );
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
    let (stream, notices) = stream_noting_retries(&client).await;
    collect(stream.unwrap()).await;
    assert_eq!(server.requests().len(), 2);
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].2, Duration::from_millis(700));
}

#[tokio::test]
async fn a_500_is_retried_with_backoff() {
    let server = MockModelServer::start();
    server.push(Reply::status(500, r#"{"error":{"message":"boom"}}"#));
    server.push_turn(Turn::new().text("ok"));
    let client = client(&server, WireApi::Responses);
    let (stream, notices) = stream_noting_retries(&client).await;
    let (_, error) = collect(stream.unwrap()).await;
    assert!(error.is_none());
    assert_eq!(server.requests().len(), 2);
    // First backoff: 200 ms ± 10%.
    let delay = notices[0].2;
    assert!(
        delay >= Duration::from_millis(180) && delay <= Duration::from_millis(220),
        "{delay:?}"
    );
    assert_eq!(notices[0].3, "server error (500): boom");
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

/// Nothing listens on the port: one attempt, no retries, and a message that
/// names the host and says what to do (the reference retries for ~24 s).
#[tokio::test]
async fn a_refused_connection_fails_at_once() {
    let server = MockModelServer::start();
    let mut provider = provider(&server, WireApi::Responses);
    provider.base_url = Some("http://127.0.0.1:9/v1".into());
    provider.request_max_retries = Some(3);
    let client = client_for(provider, "gpt-5.1-codex");
    let (result, notices) = stream_noting_retries(&client).await;
    let Err(error) = result else {
        panic!("expected an error")
    };
    assert!(matches!(error, ClientError::Unreachable { .. }), "{error}");
    assert!(!error.is_retryable());
    let text = error.to_string();
    assert!(
        text.starts_with("cannot reach 127.0.0.1:9: ") && text.ends_with("run `codex doctor`"),
        "{text}"
    );
    assert_eq!(notices, Vec::new());
}

/// A name that does not resolve fails the same way.
#[tokio::test]
async fn an_unresolvable_host_fails_at_once() {
    let server = MockModelServer::start();
    let mut provider = provider(&server, WireApi::Responses);
    provider.base_url = Some("http://no-such-host.invalid/v1".into());
    let client = client_for(provider, "gpt-5.1-codex");
    let (result, notices) = stream_noting_retries(&client).await;
    let Err(error) = result else {
        panic!("expected an error")
    };
    assert!(matches!(error, ClientError::Unreachable { .. }), "{error}");
    assert!(
        error.to_string().contains("no-such-host.invalid"),
        "{error}"
    );
    assert_eq!(notices, Vec::new());
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
    let (_, error) = collect(client.stream(&prompt()).await.unwrap()).await;
    let error = error.unwrap();
    assert!(error.to_string().contains("stalled"), "{error}");
    assert!(error.is_retryable());
}
