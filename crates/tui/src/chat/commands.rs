//! What a submitted line does: a slash command, a `!command` run locally,
//! or a message for the model (with any attached images); and what
//! choosing in a picker does.

use codex_protocol::protocol::Op;

use super::{ChatState, Effect};
use crate::cells::HistoryCell;
use crate::popup::{PickerValue, ReviewChoice, approval_presets, model_picker};
use crate::slash::{self, SlashCommand, SlashItem};

/// What `/init` asks the model.
const INIT_PROMPT: &str = "Write an AGENTS.md file at the root of this repository for future coding agents: a short overview of what the project is and how it is laid out, how to build it and run its tests and linters, the conventions its code follows, and anything a contributor must know before changing it. Read the repository to find this out; do not guess. Keep it concise and concrete.";

impl ChatState {
    /// Enter in the composer.
    pub(crate) fn submit(&mut self, text: String) -> Vec<Effect> {
        if text.starts_with('/')
            && let Some((item, args)) = slash::parse(text.trim_end(), &self.prompts)
        {
            return self.run_slash(item, args);
        }
        if let Some(name) = slash::not_offered(&text) {
            self.commit(HistoryCell::Info(format!(
                "/{name} is a command of the reference Codex CLI that this codex does not offer (/ lists the ones it does)."
            )));
            return Vec::new();
        }
        if let Some(command) = text.strip_prefix('!') {
            return self.run_user_command(command.trim());
        }
        let too_large = codex_protocol::user_input::input_too_large(&[
            codex_protocol::user_input::UserInput::Text { text: text.clone() },
        ]);
        if let Some(message) = too_large {
            // Give the text back rather than lose it.
            self.composer.set_text(&text);
            self.commit(HistoryCell::Error(message));
            return Vec::new();
        }
        let mut text = text;
        let mut images = Vec::new();
        for (chip, path) in std::mem::take(&mut self.attached_images) {
            if text.contains(&chip) {
                text = text.replacen(&chip, "", 1);
                images.push(path);
            }
        }
        let text = text.trim().to_string();
        if text.is_empty() && images.is_empty() {
            return Vec::new();
        }
        self.submit_text(text, images)
    }

    /// The turn ended: the first message queued with Tab starts the next.
    pub(crate) fn send_after_turn(&mut self) -> Vec<Effect> {
        match self.after_turn.pop_front() {
            Some(text) => self.submit_text(text, Vec::new()),
            None => Vec::new(),
        }
    }

    fn run_user_command(&mut self, command: &str) -> Vec<Effect> {
        if command.is_empty() {
            self.commit(HistoryCell::Info(
                "Type a command after ! to run it here, in the session's sandbox (the model does not see it).".to_string(),
            ));
            return Vec::new();
        }
        if self.task.is_some() {
            self.commit(HistoryCell::Info(
                "Wait for the turn to end (or press Esc) before running a command.".to_string(),
            ));
            return Vec::new();
        }
        vec![Effect::Op(Op::RunUserShellCommand {
            command: command.to_string(),
        })]
    }

    fn run_slash(&mut self, item: SlashItem, args: String) -> Vec<Effect> {
        let command = match item {
            SlashItem::Prompt(index) => {
                let Some(prompt) = self.prompts.get(index) else {
                    return Vec::new();
                };
                let text = slash::expand_prompt(&prompt.body, &args);
                return self.submit_text(text.trim().to_string(), Vec::new());
            }
            SlashItem::BuiltIn(command) => command,
        };
        match command {
            SlashCommand::New => vec![Effect::NewThread],
            SlashCommand::Resume => vec![Effect::OpenResume],
            SlashCommand::Model => {
                self.picker = Some(model_picker(&self.settings.model, self.settings.effort));
                Vec::new()
            }
            SlashCommand::Approvals | SlashCommand::Permissions => {
                self.picker = Some(approval_presets(
                    self.settings.approval,
                    &self.settings.sandbox,
                ));
                Vec::new()
            }
            SlashCommand::Status => vec![Effect::ShowStatus],
            SlashCommand::Diff => vec![Effect::ShowDiff],
            SlashCommand::Compact => {
                if self.task.is_some() {
                    self.commit(HistoryCell::Info(
                        "Wait for the turn to end before compacting.".to_string(),
                    ));
                    return Vec::new();
                }
                self.commit(HistoryCell::Info(
                    "Summarizing the conversation…".to_string(),
                ));
                vec![Effect::Op(Op::Compact)]
            }
            SlashCommand::Mention => {
                self.composer.insert_text("@");
                self.refresh_popup()
            }
            SlashCommand::Init => self.submit_text(INIT_PROMPT.to_string(), Vec::new()),
            SlashCommand::Mcp => vec![Effect::Op(Op::ListMcpTools)],
            SlashCommand::Hooks => vec![Effect::ShowHooks],
            SlashCommand::Skills => vec![Effect::Skills(args.trim().to_string())],
            SlashCommand::Review if args.trim().is_empty() => {
                self.picker = Some(crate::popup::review_picker());
                Vec::new()
            }
            SlashCommand::Review => vec![Effect::StartReview(args.trim().to_string())],
            SlashCommand::Undo => vec![Effect::OpenRewind { undo: true }],
            SlashCommand::Rewind => vec![Effect::OpenRewind { undo: false }],
            SlashCommand::Logout => vec![Effect::Logout],
            SlashCommand::Side => vec![Effect::OpenSide(args.trim().to_string())],
            SlashCommand::Raw => self.raw_mode(args.trim()),
            SlashCommand::Clear
            | SlashCommand::Copy
            | SlashCommand::Fork
            | SlashCommand::Rename
            | SlashCommand::Statusline
            | SlashCommand::Config
            | SlashCommand::Export
            | SlashCommand::Feedback
            | SlashCommand::Theme
            | SlashCommand::Cd
            | SlashCommand::Pwd
            | SlashCommand::Title
            | SlashCommand::Keymap
            | SlashCommand::Experimental
            | SlashCommand::Warnings => self.run_session_command(command, args.trim()),
            SlashCommand::Vim => {
                let on = self.composer.toggle_vim();
                let said = if on {
                    "Vi editing on: Esc for normal mode, i/a/o to type (/vim again: off)."
                } else {
                    "Vi editing off."
                };
                self.commit(HistoryCell::Info(said.to_string()));
                Vec::new()
            }
            SlashCommand::Goal => self.goal_command(args.trim()),
            SlashCommand::Plan => self.plan_command(args.trim()),
            SlashCommand::Ps => self.list_background(),
            SlashCommand::Agents => {
                if self.agents.is_empty() {
                    self.commit(HistoryCell::Info(
                        "No sub-agents in this session.".to_string(),
                    ));
                } else {
                    let rows = self.agents.values().cloned().collect();
                    self.commit(HistoryCell::Table {
                        title: format!("Sub-agents ({})", self.agents.len()),
                        rows,
                    });
                }
                Vec::new()
            }
            SlashCommand::Stop => self.stop_background(&args),
            SlashCommand::Quit | SlashCommand::Exit => vec![Effect::Quit],
        }
    }

    /// A choice in `/model` or `/approvals`: applies from the next turn.
    pub(crate) fn apply_picker(&mut self, value: PickerValue) -> Vec<Effect> {
        match value {
            PickerValue::Model { model, effort } => {
                self.settings.model = model.clone();
                self.settings.effort = effort;
                let shown = match effort {
                    Some(effort) => format!("{model} {effort}"),
                    None => model.clone(),
                };
                self.commit(HistoryCell::Info(format!(
                    "Model: {shown} (from the next turn)"
                )));
                vec![Effect::Op(Op::OverrideTurnContext {
                    cwd: None,
                    approval_policy: None,
                    sandbox_policy: None,
                    model: Some(model),
                    effort: Some(effort),
                    summary: None,
                })]
            }
            PickerValue::Review(choice) => match choice {
                ReviewChoice::Uncommitted => vec![Effect::StartReview(String::new())],
                ReviewChoice::Branch(branch) => vec![Effect::StartReview(format!("base {branch}"))],
                ReviewChoice::Commit { sha, .. } => {
                    vec![Effect::StartReview(format!("commit {sha}"))]
                }
                ReviewChoice::PickBranch | ReviewChoice::PickCommit => {
                    vec![Effect::ReviewPicker(choice)]
                }
                ReviewChoice::Custom => {
                    self.composer.set_text("/review ");
                    Vec::new()
                }
            },
            PickerValue::Preset {
                approval,
                sandbox,
                name,
            } => {
                self.settings.approval = approval;
                self.settings.sandbox = sandbox.clone();
                self.commit(HistoryCell::Info(format!(
                    "Permissions: {name} (approval {approval}, sandbox {sandbox})"
                )));
                vec![Effect::Op(Op::OverrideTurnContext {
                    cwd: None,
                    approval_policy: Some(approval),
                    sandbox_policy: Some(sandbox),
                    model: None,
                    effort: None,
                    summary: None,
                })]
            }
        }
    }
}
