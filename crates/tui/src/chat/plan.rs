//! `/plan`: plan mode in the chat. `/plan [PROMPT]` switches the thread to
//! plan mode (read-only; the model proposes a plan) and sends PROMPT if
//! given; `/plan off` switches back. A proposed plan is shown and asked
//! about with the questions picker: accept (back to the default mode, and
//! the model implements it), keep planning, or say what to change (sent
//! to the model, still in plan mode).

use codex_protocol::config_types::ModeKind;
use codex_protocol::protocol::Op;
use codex_protocol::user_questions::{
    Question, QuestionOption, RequestUserInputEvent, RequestUserInputResponse,
};

use super::{ChatState, Effect};
use crate::cells::HistoryCell;

/// The picker's requests for a plan carry this call id prefix.
pub(crate) const PLAN_CALL_PREFIX: &str = "plan-accept:";
const ACCEPT: &str = "Yes, implement this plan";
const KEEP: &str = "No, keep planning";
/// What the accepted plan's turn says.
const IMPLEMENT: &str = "Implement the plan.";

impl ChatState {
    pub(super) fn plan_command(&mut self, args: &str) -> Vec<Effect> {
        match args {
            "off" => vec![Effect::Op(Op::SetCollaborationMode {
                mode: ModeKind::Default,
            })],
            prompt => {
                let mut effects = vec![Effect::Op(Op::SetCollaborationMode {
                    mode: ModeKind::Plan,
                })];
                if !prompt.is_empty() {
                    effects.extend(self.submit_text(prompt.to_string(), Vec::new()));
                }
                effects
            }
        }
    }

    pub(super) fn mode_changed(&mut self, mode: ModeKind) {
        if self.plan_mode == (mode == ModeKind::Plan) {
            return;
        }
        self.plan_mode = mode == ModeKind::Plan;
        self.commit(HistoryCell::Info(if self.plan_mode {
            "Plan mode: Codex reads but changes nothing, then proposes a plan (/plan off to leave)."
                .to_string()
        } else {
            "Plan mode off: back to the thread's usual permissions.".to_string()
        }));
    }

    /// A plan was proposed: shown now, asked about when the turn ends.
    pub(super) fn plan_proposed(&mut self, id: String, text: String) {
        self.finish_stream();
        self.commit(HistoryCell::Agent {
            markdown: format!("**Proposed plan**\n\n{text}"),
        });
        if self.plan_mode {
            self.plan_to_accept = Some(id);
        }
    }

    /// The turn that proposed a plan ended: asks whether to implement it.
    pub(super) fn offer_plan(&mut self) {
        let Some(id) = self.plan_to_accept.take() else {
            return;
        };
        let option = |label: &str, description: &str| QuestionOption {
            label: label.to_string(),
            description: description.to_string(),
        };
        self.questions.push(RequestUserInputEvent {
            call_id: format!("{PLAN_CALL_PREFIX}{id}"),
            turn_id: String::new(),
            questions: vec![Question {
                id: "plan".to_string(),
                header: "Plan".to_string(),
                question: "Implement this plan?".to_string(),
                options: vec![
                    option(ACCEPT, "leave plan mode and make the changes"),
                    option(KEEP, "stay in plan mode"),
                ],
                is_other: true,
                is_secret: false,
            }],
        });
    }

    /// The answer to the plan picker.
    pub(super) fn plan_answered(&mut self, response: RequestUserInputResponse) -> Vec<Effect> {
        let answer = response
            .answers
            .get("plan")
            .and_then(|a| a.answers.first())
            .cloned()
            .unwrap_or_default();
        match answer.as_str() {
            ACCEPT => {
                let mut effects = vec![Effect::Op(Op::SetCollaborationMode {
                    mode: ModeKind::Default,
                })];
                effects.extend(self.submit_text(IMPLEMENT.to_string(), Vec::new()));
                effects
            }
            KEEP | "" => {
                self.commit(HistoryCell::Info(
                    "Still planning: tell Codex what to change.".to_string(),
                ));
                Vec::new()
            }
            refinement => self.submit_text(refinement.to_string(), Vec::new()),
        }
    }
}
