//! The slash commands an editor offers in its prompt box
//! (`available_commands_update`): the session's skills and the person's
//! custom prompts (`$CODEX_HOME/prompts/*.md`).
//!
//! `/NAME what to do` of a skill reaches the model as the skill mention
//! `$NAME what to do`, which is how the engine hands a skill its
//! instructions; `/NAME args` of a prompt is the prompt's body with its
//! placeholders filled, as the TUI sends it. A prompt named like a skill is
//! left out (the skill wins).

use std::path::Path;

use agent_client_protocol::v1::schema::{
    AvailableCommand, AvailableCommandInput, AvailableCommandsUpdate, UnstructuredCommandInput,
};
use codex_config::custom_prompts::{expand_prompt, load_prompts};
use codex_config::{CliOverrides, load_config};
use codex_skills::{SkillsManager, SkillsSettings};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    pub name: String,
    pub description: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Skill,
    /// A custom prompt, with its body.
    Prompt(String),
}

/// The commands of a session in `cwd`: its skills, then the custom prompts.
pub(crate) fn session_commands(
    codex_home: &Path,
    overrides: &CliOverrides,
    cwd: &Path,
) -> Vec<Command> {
    let mut overrides = overrides.clone();
    overrides.cwd = Some(cwd.to_path_buf());
    let Ok(config) = load_config(codex_home, &overrides) else {
        return Vec::new();
    };
    let (manager, _) = SkillsManager::load(SkillsSettings::from_config(&config), &config.cwd);
    let mut commands: Vec<Command> = manager
        .catalog()
        .skills
        .iter()
        .map(|skill| Command {
            name: skill.name.clone(),
            description: skill
                .short_description
                .clone()
                .unwrap_or_else(|| skill.description.clone()),
            kind: Kind::Skill,
        })
        .collect();
    for prompt in load_prompts(&config.codex_home.join("prompts")) {
        if commands.iter().any(|c| c.name == prompt.name) {
            continue;
        }
        commands.push(Command {
            name: prompt.name,
            description: prompt.description,
            kind: Kind::Prompt(prompt.body),
        });
    }
    commands
}

pub(crate) fn update(commands: &[Command]) -> AvailableCommandsUpdate {
    AvailableCommandsUpdate::new(
        commands
            .iter()
            .map(|command| {
                let hint = match command.kind {
                    Kind::Skill => "what the skill should do",
                    Kind::Prompt(_) => "arguments",
                };
                AvailableCommand::new(command.name.clone(), command.description.clone()).input(
                    AvailableCommandInput::Unstructured(UnstructuredCommandInput::new(hint)),
                )
            })
            .collect(),
    )
}

/// `text` as the model gets it when it starts with `/NAME` of a command.
pub(crate) fn rewrite(text: &str, commands: &[Command]) -> Option<String> {
    let rest = text.strip_prefix('/')?;
    let name = rest.split_whitespace().next()?;
    let command = commands.iter().find(|c| c.name == name)?;
    Some(match &command.kind {
        Kind::Skill => format!("${rest}"),
        Kind::Prompt(body) => expand_prompt(body, rest[name.len()..].trim_start()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn a_skill_is_mentioned_and_a_prompt_expanded() {
        let home = tempfile::tempdir().unwrap();
        codex_test_support::write_skill(&home.path().join("skills/deploy"), "deploy", "Ship it");
        let prompts = home.path().join("prompts");
        std::fs::create_dir_all(&prompts).unwrap();
        std::fs::write(
            prompts.join("fix.md"),
            "---\ndescription: Fix an issue\n---\nFix issue $1 carefully.\n",
        )
        .unwrap();
        // Named like the skill: the skill wins.
        std::fs::write(prompts.join("deploy.md"), "not this\n").unwrap();
        let cwd = tempfile::tempdir().unwrap();
        let commands = session_commands(home.path(), &CliOverrides::default(), cwd.path());
        let names: Vec<&str> = commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["deploy", "fix"]);
        assert_eq!(
            rewrite("/deploy to staging", &commands).as_deref(),
            Some("$deploy to staging")
        );
        assert_eq!(
            rewrite("/fix 42", &commands).as_deref(),
            Some("Fix issue 42 carefully.\n")
        );
        assert_eq!(rewrite("/other x", &commands), None);
        assert_eq!(rewrite("deploy", &commands), None);
        let update = serde_json::to_value(update(&commands)).unwrap();
        assert_eq!(update["availableCommands"][1]["name"], "fix");
        assert_eq!(
            update["availableCommands"][1]["description"],
            "Fix an issue"
        );
        assert_eq!(
            update["availableCommands"][0]["input"]["hint"],
            "what the skill should do"
        );
    }
}
