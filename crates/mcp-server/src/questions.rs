//! The model's questions (`request_user_input`) as an MCP elicitation: one
//! `elicitation/create` with a form of one string field per question (its
//! header as the title, the question and the choices in the description,
//! the recommended choice as the default; any text is accepted, as the
//! reference's "other"). Accepted: the fields are the answers. Declined: no
//! answers (the model goes on without). Cancelled or unanswered: the turn
//! is interrupted.

use codex_protocol::user_questions::{
    QuestionAnswer, RequestUserInputEvent, RequestUserInputResponse,
};
use rmcp::service::{Peer, RoleServer};
use serde_json::{Map, Value, json};

/// What the client said.
pub(crate) enum Answered {
    Answers(RequestUserInputResponse),
    Cancelled,
}

/// The form for `request`'s questions.
fn form(request: &RequestUserInputEvent) -> Value {
    let mut properties = Map::new();
    for question in &request.questions {
        let choices: Vec<String> = question
            .options
            .iter()
            .map(|o| format!("{} ({})", o.label, o.description))
            .collect();
        let mut field = json!({
            "type": "string",
            "title": question.header,
            "description": format!("{} Choices: {}; or answer in your own words.", question.question, choices.join("; ")),
        });
        if let Some(first) = question.options.first() {
            field["default"] = json!(first.label);
        }
        properties.insert(question.id.clone(), field);
    }
    json!({"type": "object", "properties": properties})
}

/// Asks the client; `meta` are the correlation fields (as for approvals).
pub(crate) async fn ask(
    peer: &Peer<RoleServer>,
    request: &RequestUserInputEvent,
    meta: Value,
) -> Answered {
    let message = match request.questions.as_slice() {
        [one] => one.question.clone(),
        many => format!("Codex asks {} questions.", many.len()),
    };
    let mut params = json!({
        "mode": "form",
        "message": message,
        "requestedSchema": form(request),
    });
    if let (Some(params), Some(fields)) = (params.as_object_mut(), meta.as_object()) {
        for (key, value) in fields {
            params.insert(key.clone(), value.clone());
        }
        params.insert("_meta".to_string(), meta.clone());
    }
    let sent = rmcp::model::ServerRequest::CustomRequest(rmcp::model::CustomRequest::new(
        "elicitation/create",
        Some(params),
    ));
    let value = match peer.send_request(sent).await {
        Ok(rmcp::model::ClientResult::ElicitResult(result)) => {
            serde_json::to_value(result).unwrap_or_default()
        }
        Ok(rmcp::model::ClientResult::CustomResult(custom)) => custom.0,
        Ok(_) => Value::Null,
        Err(err) => {
            tracing::warn!(%err, "the client did not answer the model's questions");
            return Answered::Cancelled;
        }
    };
    answers_from(request, &value)
}

fn answers_from(request: &RequestUserInputEvent, value: &Value) -> Answered {
    let mut response = RequestUserInputResponse::default();
    match value.get("action").and_then(Value::as_str) {
        Some("accept") => {
            for question in &request.questions {
                let given = value
                    .get("content")
                    .and_then(|c| c.get(&question.id))
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty());
                if let Some(given) = given {
                    response.answers.insert(
                        question.id.clone(),
                        QuestionAnswer {
                            answers: vec![given.to_string()],
                        },
                    );
                }
            }
            Answered::Answers(response)
        }
        Some("decline") => Answered::Answers(response),
        _ => Answered::Cancelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_protocol::user_questions::{Question, QuestionOption};

    fn request() -> RequestUserInputEvent {
        RequestUserInputEvent {
            call_id: "q".into(),
            turn_id: "t".into(),
            questions: vec![Question {
                id: "color".into(),
                header: "Color".into(),
                question: "Which color?".into(),
                options: vec![QuestionOption {
                    label: "Red".into(),
                    description: "warm".into(),
                }],
                is_other: true,
                is_secret: false,
            }],
        }
    }

    #[test]
    fn the_form_and_the_answers() {
        let form = form(&request());
        assert_eq!(form["properties"]["color"]["default"], "Red");
        assert_eq!(form["properties"]["color"]["title"], "Color");
        let Answered::Answers(answers) = answers_from(
            &request(),
            &json!({"action": "accept", "content": {"color": "Teal"}}),
        ) else {
            panic!("cancelled");
        };
        assert_eq!(answers.answers["color"].answers, vec!["Teal".to_string()]);
        let Answered::Answers(none) = answers_from(&request(), &json!({"action": "decline"}))
        else {
            panic!("cancelled");
        };
        assert!(none.answers.is_empty());
        assert!(matches!(
            answers_from(&request(), &json!({"action": "cancel"})),
            Answered::Cancelled
        ));
    }
}
