//! `request_user_input`: the question reaches the frontend as an event and
//! an item, the answer reaches the model as the call's output; nobody to
//! ask (exec) answers at once; an interrupt drops the question cleanly.

use codex_protocol::items::{TurnItem, UserQuestionsStatus};
use codex_protocol::protocol::{EventMsg, Op};
use codex_protocol::rollout::SessionSource;
use codex_protocol::user_questions::{QuestionAnswer, RequestUserInputResponse};
use codex_test_support::{MockModelServer, Turn};
use serde_json::json;

use super::common::{Start, home_for, start, start_as};

fn two_questions(call_id: &str) -> Turn {
    Turn::new().function_call(
        call_id,
        "request_user_input",
        json!({"questions": [
            {"id": "color", "header": "Color", "question": "Which color?",
             "options": [{"label": "Red (Recommended)", "description": "warm"},
                         {"label": "Blue", "description": "cool"}]},
            {"id": "name", "header": "Name", "question": "What name?",
             "options": [{"label": "foo", "description": "short"},
                         {"label": "bar", "description": "shorter"}]}
        ]}),
    )
}

#[tokio::test]
async fn the_answers_reach_the_model_as_the_calls_output() {
    let server = MockModelServer::start();
    server.push_turn(two_questions("q1"));
    server.push_turn(Turn::new().text("thanks"));
    let home = home_for(&server, "responses", "");
    let session = start_as(home, |_| {}, Start::New, Vec::new(), SessionSource::Cli).await;
    session.submit_text("go").await;
    let events = session
        .events_until(|e| matches!(e, EventMsg::RequestUserInput(_)))
        .await;
    let EventMsg::RequestUserInput(request) = events.last().unwrap().clone() else {
        unreachable!()
    };
    assert_eq!(request.call_id, "q1");
    assert_eq!(request.questions.len(), 2);
    assert!(request.questions.iter().all(|q| q.is_other && !q.is_secret));
    // The item started before the request went out.
    assert!(
        events.iter().any(|e| matches!(e,
        EventMsg::ItemStarted(s) if matches!(&s.item, TurnItem::UserQuestions(q) if q.id == "q1")))
    );

    let mut response = RequestUserInputResponse::default();
    response.answers.insert(
        "color".into(),
        QuestionAnswer {
            answers: vec!["Blue".into()],
        },
    );
    response.answers.insert(
        "name".into(),
        QuestionAnswer {
            answers: vec!["my own name".into()],
        },
    );
    session
        .codex
        .submit(Op::UserInputAnswer {
            id: "q1".into(),
            response,
        })
        .await
        .unwrap();
    let events = session.run_to_end().await;
    assert!(matches!(events.last(), Some(EventMsg::TaskComplete(_))));
    let completed = events.iter().find_map(|e| match e {
        EventMsg::ItemCompleted(c) => match &c.item {
            TurnItem::UserQuestions(q) => Some(q.clone()),
            _ => None,
        },
        _ => None,
    });
    let completed = completed.expect("the questions item completed");
    assert_eq!(completed.status, UserQuestionsStatus::Answered);

    let output = server.requests()[1].tool_output("q1").unwrap();
    let output: serde_json::Value = serde_json::from_str(&output).unwrap();
    assert_eq!(
        output,
        json!({"answers": {"color": {"answers": ["Blue"]}, "name": {"answers": ["my own name"]}}})
    );
    // The item is in the session file.
    session.shutdown().await;
    let file = std::fs::read_to_string(&session.home.rollout_files()[0]).unwrap();
    assert!(file.contains(r#""type":"UserQuestions""#), "{file}");
}

#[tokio::test]
async fn without_a_user_the_model_is_told_to_go_on_at_once() {
    let server = MockModelServer::start();
    server.push_turn(two_questions("q1"));
    server.push_turn(Turn::new().text("ok"));
    // The test sessions are exec's: nobody to ask.
    let session = start(&server, "responses", "", |_| {}).await;
    session.submit_text("go").await;
    let events = session.run_to_end().await;
    assert!(matches!(events.last(), Some(EventMsg::TaskComplete(_))));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EventMsg::RequestUserInput(_))),
        "nobody was asked"
    );
    let output = server.requests()[1].tool_output("q1").unwrap();
    assert!(output.contains("no user is present"), "{output}");
    assert!(output.contains("best judgement"), "{output}");
}

#[tokio::test]
async fn an_interrupt_drops_the_question_and_the_thread_goes_on() {
    let server = MockModelServer::start();
    server.push_turn(two_questions("q1"));
    server.push_turn(Turn::new().text("after"));
    let home = home_for(&server, "responses", "");
    let session = start_as(home, |_| {}, Start::New, Vec::new(), SessionSource::Cli).await;
    session.submit_text("go").await;
    session
        .events_until(|e| matches!(e, EventMsg::RequestUserInput(_)))
        .await;
    session.codex.submit(Op::Interrupt).await.unwrap();
    let events = session.run_to_end().await;
    assert!(matches!(events.last(), Some(EventMsg::TurnAborted(_))));
    let cancelled = events.iter().any(|e| {
        matches!(e, EventMsg::ItemCompleted(c)
            if matches!(&c.item, TurnItem::UserQuestions(q) if q.status == UserQuestionsStatus::Cancelled))
    });
    assert!(cancelled, "{events:#?}");
    // A late answer finds nothing to answer and harms nothing.
    session
        .codex
        .submit(Op::UserInputAnswer {
            id: "q1".into(),
            response: RequestUserInputResponse::default(),
        })
        .await
        .unwrap();
    session.submit_text("again").await;
    let events = session.run_to_end().await;
    assert!(matches!(events.last(), Some(EventMsg::TaskComplete(_))));
    // The call was given an output, so the next request is valid.
    let requests = server.requests();
    assert!(requests[1].tool_output("q1").is_some());
}
