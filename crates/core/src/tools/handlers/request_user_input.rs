//! The `request_user_input` tool: the model asks the person one to three
//! short multiple-choice questions and waits for the answers.
//!
//! The frontend shows a `request_user_input` event (a picker in the TUI, a
//! server request in the app-server) and answers with
//! `Op::UserInputAnswer`; the answers go back to the model as the
//! reference's JSON (`{"answers": {"<id>": {"answers": [...]}}}`). Where
//! nobody can answer (`codex exec`, the engine's own child sessions) the
//! call is answered at once, so the model carries on by itself.

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::user_questions::{Question, RequestUserInputArgs};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::json;

use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) const NAME: &str = "request_user_input";

/// What the model is told when nobody can answer.
pub(crate) const NO_USER: &str = "request_user_input is unavailable here: no user is present to answer (non-interactive run). Do not ask again; proceed with your best judgement and state the assumptions you made.";

pub(crate) struct RequestUserInputHandler;

impl ToolHandler for RequestUserInputHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description: "Ask the user one to three short questions and wait for the answers. Use it only when a decision really needs the user."
                .to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "questions": {
                        "type": "array",
                        "description": "The questions to ask: usually one, never more than 3.",
                        "items": {
                            "type": "object",
                            "properties": {
                                "header": {"type": "string", "description": "A short label for the question (at most 12 characters)."},
                                "id": {"type": "string", "description": "A stable snake_case id; the answer is keyed by it."},
                                "options": {
                                    "type": "array",
                                    "description": "2 or 3 mutually exclusive choices, the recommended one first with \"(Recommended)\" after its label. Do not add an \"Other\" choice: the user can always answer in their own words.",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "description": {"type": "string", "description": "One short sentence on what choosing it means."},
                                            "label": {"type": "string", "description": "The choice, in 1 to 5 words."}
                                        },
                                        "required": ["label", "description"],
                                        "additionalProperties": false
                                    }
                                },
                                "question": {"type": "string", "description": "The question, in one sentence."}
                            },
                            "required": ["id", "header", "question", "options"],
                            "additionalProperties": false
                        }
                    }
                },
                "required": ["questions"],
                "additionalProperties": false
            }),
        })
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let args: RequestUserInputArgs = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            if args.questions.is_empty() {
                return ToolOutput::failure("request_user_input needs at least one question");
            }
            if !invocation.session.services.user_present {
                return ToolOutput::failure(NO_USER);
            }
            let questions: Vec<Question> = args.questions.into_iter().map(Question::from).collect();
            let answered = invocation
                .session
                .request_user_input(&invocation.ctx, &invocation.call_id, questions)
                .await;
            match answered {
                Some(response) => match serde_json::to_string(&response) {
                    Ok(text) => ToolOutput::success(text),
                    Err(err) => ToolOutput::failure(format!("cannot encode the answers: {err}")),
                },
                None => ToolOutput::failure("the user did not answer the questions"),
            }
        }
        .boxed()
    }
}
