//! `history.jsonl` through the engine's ops.

use codex_protocol::protocol::{EventMsg, Op};
use codex_test_support::MockModelServer;

use super::common::{home_for, start_in};

#[tokio::test]
async fn add_and_look_up_entries() {
    let server = MockModelServer::start();
    let home = home_for(&server, "responses", "");
    let session = start_in(home, |_| {}, codex_core::InitialHistory::New).await;
    assert_eq!(session.configured.history_entry_count, 0);
    for text in ["first prompt", "second prompt"] {
        session
            .codex
            .submit(Op::AddToHistory { text: text.into() })
            .await
            .unwrap();
    }
    // Appends run in the background; wait for both lines.
    let path = session.home.path().join("history.jsonl");
    for _ in 0..200 {
        if std::fs::read_to_string(&path)
            .map(|t| t.lines().count())
            .unwrap_or(0)
            == 2
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    session.shutdown().await;

    // A new session sees the count and can read entries back.
    let again = start_in(session.home, |_| {}, codex_core::InitialHistory::New).await;
    assert_eq!(again.configured.history_entry_count, 2);
    let log_id = again.configured.history_log_id;
    assert_ne!(log_id, 0);
    again
        .codex
        .submit(Op::GetHistoryEntryRequest { offset: 1, log_id })
        .await
        .unwrap();
    let events = again
        .events_until(|e| matches!(e, EventMsg::GetHistoryEntryResponse(_)))
        .await;
    let EventMsg::GetHistoryEntryResponse(response) = events.last().unwrap() else {
        panic!()
    };
    let entry = response.entry.clone().unwrap();
    assert_eq!(entry.text, "second prompt");
    assert_eq!(entry.session_id, session.configured.session_id.to_string());

    again
        .codex
        .submit(Op::GetHistoryEntryRequest {
            offset: 0,
            log_id: log_id + 1,
        })
        .await
        .unwrap();
    let events = again
        .events_until(|e| matches!(e, EventMsg::GetHistoryEntryResponse(_)))
        .await;
    let EventMsg::GetHistoryEntryResponse(response) = events.last().unwrap() else {
        panic!()
    };
    assert!(response.entry.is_none(), "a different log id finds nothing");
}
