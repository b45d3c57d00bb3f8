//! Review mode through the seam: the reviewer runs apart, the parent keeps
//! only the `<user_action>` note.

use codex_protocol::protocol::{EventMsg, Op, ReviewRequest};
use codex_test_support::{MockModelServer, Reply, Turn};

use super::common::{TestSession, start};

const FINDINGS: &str = r#"{"findings": [{"title": "Off-by-one in the loop bound", "body": "`i <= n` reads past the end.", "confidence_score": 0.9, "priority": 1, "code_location": {"absolute_file_path": "/repo/src/lib.rs", "line_range": {"start": 10, "end": 12}}}], "overall_correctness": "patch is incorrect", "overall_explanation": "One bug.", "overall_confidence_score": 0.8}"#;

fn request() -> ReviewRequest {
    ReviewRequest {
        prompt: "Review the uncommitted changes of this repository.".into(),
        user_facing_hint: "uncommitted changes".into(),
    }
}

async fn review(session: &TestSession) -> Vec<EventMsg> {
    session
        .codex
        .submit(Op::Review {
            review_request: request(),
        })
        .await
        .unwrap();
    session.run_to_end().await
}

fn exited(events: &[EventMsg]) -> Option<codex_protocol::protocol::ReviewOutputEvent> {
    events.iter().find_map(|e| match e {
        EventMsg::ExitedReviewMode(exited) => Some(exited.review_output.clone()),
        _ => None,
    })?
}

#[tokio::test]
async fn a_json_review_is_parsed_and_only_the_note_reaches_the_parent() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text(FINDINGS));
    server.push_turn(Turn::new().text("I will fix it."));
    let session = start(&server, "responses", "", |_| {}).await;
    let events = review(&session).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EventMsg::EnteredReviewMode(_)))
    );
    // The reviewer's text is not streamed to the parent.
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EventMsg::AgentMessageDelta(_)))
    );
    let output = exited(&events).expect("review output");
    assert_eq!(output.findings.len(), 1);
    assert_eq!(output.findings[0].priority, 1);
    assert_eq!(output.findings[0].code_location.line_range.start, 10);
    assert_eq!(output.overall_correctness, "patch is incorrect");

    // The reviewer asked with the review prompt, at low effort.
    let reviewer = &server.requests()[0];
    let body = reviewer.body_json();
    assert!(
        body["instructions"]
            .as_str()
            .unwrap()
            .contains("reviewing a code change")
    );
    assert_eq!(body["reasoning"]["effort"], "low");

    session.submit_text("thanks").await;
    session.run_to_end().await;
    let parent = server.requests()[1].user_texts();
    let joined = parent.join("\n");
    assert!(
        joined.contains("<user_action>") && joined.contains("Off-by-one in the loop bound"),
        "{joined}"
    );
    assert!(
        !joined.contains("Review the uncommitted changes"),
        "the reviewer's history leaked: {joined}"
    );
}

#[tokio::test]
async fn json_inside_prose_and_plain_text_are_understood() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text(&format!("Here is my review:\n{FINDINGS}\nThanks.")));
    server.push_turn(Turn::new().text("Looks fine to me, nothing to report."));
    let session = start(&server, "responses", "", |_| {}).await;
    let output = exited(&review(&session).await).unwrap();
    assert_eq!(output.findings[0].title, "Off-by-one in the loop bound");
    let output = exited(&review(&session).await).unwrap();
    assert!(output.findings.is_empty());
    assert_eq!(
        output.overall_explanation,
        "Looks fine to me, nothing to report."
    );
}

#[tokio::test]
async fn an_interrupted_review_leaves_a_note_and_no_output() {
    let server = MockModelServer::start();
    server.push(Reply::turn(Turn::new().text("still thinking about it")).stall_after(2));
    server.push_turn(Turn::new().text("ok"));
    let session = start(&server, "responses", "", |_| {}).await;
    session
        .codex
        .submit(Op::Review {
            review_request: request(),
        })
        .await
        .unwrap();
    session
        .events_until(|m| matches!(m, EventMsg::EnteredReviewMode(_)))
        .await;
    // The reviewer's request is in flight (and stalled) before the interrupt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while server.requests().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the reviewer never asked"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    session.codex.submit(Op::Interrupt).await.unwrap();
    let events = session.run_to_end().await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EventMsg::ExitedReviewMode(x) if x.review_output.is_none()))
    );
    assert!(matches!(events.last(), Some(EventMsg::TurnAborted(_))));
    session.submit_text("what happened?").await;
    session.run_to_end().await;
    let texts = server.requests().last().unwrap().user_texts().join("\n");
    assert!(texts.contains("did not finish"), "{texts}");
}
