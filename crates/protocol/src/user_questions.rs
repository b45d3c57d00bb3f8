//! `request_user_input`: the model asks the person one to three short
//! questions, each with a few options (plus a free-text "other"), and waits.
//!
//! The shapes are the reference's: the tool's arguments
//! ([`RequestUserInputArgs`]), the `request_user_input` event a frontend
//! shows, and the answer (`Op::UserInputAnswer`'s [`RequestUserInputResponse`],
//! `{"answers": {"<question id>": {"answers": ["..."]}}}`), which goes back to
//! the model as the call's output, as JSON, unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One choice of a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionOption {
    pub label: String,
    pub description: String,
}

/// One question, as the model asked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable id the answer is keyed by.
    pub id: String,
    /// A short label (the reference asks for at most 12 characters).
    pub header: String,
    pub question: String,
    #[serde(default)]
    pub options: Vec<QuestionOption>,
    /// The person may answer in their own words (always, for the model's
    /// questions: the client adds "other").
    #[serde(default = "yes", rename = "isOther")]
    pub is_other: bool,
    /// The answer should not be echoed.
    #[serde(default, rename = "isSecret")]
    pub is_secret: bool,
}

fn yes() -> bool {
    true
}

/// The arguments of a `request_user_input` call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestUserInputArgs {
    pub questions: Vec<ModelQuestion>,
}

/// A question as the model writes it (no `isOther`/`isSecret`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelQuestion {
    pub id: String,
    pub header: String,
    pub question: String,
    pub options: Vec<QuestionOption>,
}

impl From<ModelQuestion> for Question {
    fn from(q: ModelQuestion) -> Self {
        Self {
            id: q.id,
            header: q.header,
            question: q.question,
            options: q.options,
            is_other: true,
            is_secret: false,
        }
    }
}

/// The `request_user_input` event: the engine waits for
/// `Op::UserInputAnswer { id: call_id, .. }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestUserInputEvent {
    /// The tool call's id (also the item's id).
    pub call_id: String,
    /// The turn that asked.
    #[serde(default)]
    pub turn_id: String,
    pub questions: Vec<Question>,
}

/// The answers to one question (a chosen option's label, or free text).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QuestionAnswer {
    pub answers: Vec<String>,
}

/// The person's answers, by question id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RequestUserInputResponse {
    pub answers: BTreeMap<String, QuestionAnswer>,
}

/// The end of a question: answered, or not (the turn was interrupted, or
/// nobody could answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestUserInputEndEvent {
    pub call_id: String,
    /// `None`: nobody answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<RequestUserInputResponse>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_models_arguments_are_strict() {
        let args: RequestUserInputArgs = serde_json::from_value(json!({"questions": [
            {"id": "a", "header": "H", "question": "Q?", "options": [{"label": "x", "description": "d"}]}
        ]}))
        .unwrap();
        assert_eq!(args.questions[0].options[0].label, "x");
        let extra = serde_json::from_value::<RequestUserInputArgs>(json!({"questions": [
            {"id": "a", "header": "H", "question": "Q?", "options": [], "isOther": true}
        ]}));
        assert!(extra.is_err());
    }

    #[test]
    fn answers_have_the_references_shape() {
        let mut response = RequestUserInputResponse::default();
        response.answers.insert(
            "color".into(),
            QuestionAnswer {
                answers: vec!["Red".into()],
            },
        );
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({"answers": {"color": {"answers": ["Red"]}}})
        );
    }
}
