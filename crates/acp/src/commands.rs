//! The slash commands an editor offers in its prompt box
//! (`available_commands_update`): the session's skills. `/NAME what to do`
//! reaches the model as the skill mention `$NAME what to do`, which is how
//! the engine hands a skill its instructions.

use std::path::Path;

use agent_client_protocol::v1::schema::{
    AvailableCommand, AvailableCommandInput, AvailableCommandsUpdate, UnstructuredCommandInput,
};
use codex_config::{CliOverrides, load_config};
use codex_skills::{SkillsManager, SkillsSettings};

/// The skills of a session in `cwd`, as (name, description).
pub(crate) fn skill_commands(
    codex_home: &Path,
    overrides: &CliOverrides,
    cwd: &Path,
) -> Vec<(String, String)> {
    let mut overrides = overrides.clone();
    overrides.cwd = Some(cwd.to_path_buf());
    let Ok(config) = load_config(codex_home, &overrides) else {
        return Vec::new();
    };
    let (manager, _) = SkillsManager::load(SkillsSettings::from_config(&config), &config.cwd);
    manager
        .catalog()
        .skills
        .iter()
        .map(|skill| {
            let description = skill
                .short_description
                .clone()
                .unwrap_or_else(|| skill.description.clone());
            (skill.name.clone(), description)
        })
        .collect()
}

pub(crate) fn update(commands: &[(String, String)]) -> AvailableCommandsUpdate {
    AvailableCommandsUpdate::new(
        commands
            .iter()
            .map(|(name, description)| {
                AvailableCommand::new(name.clone(), description.clone()).input(
                    AvailableCommandInput::Unstructured(UnstructuredCommandInput::new(
                        "what the skill should do",
                    )),
                )
            })
            .collect(),
    )
}

/// `text` with a leading `/NAME` of one of `commands` turned into `$NAME`.
pub(crate) fn rewrite(text: &str, commands: &[(String, String)]) -> Option<String> {
    let rest = text.strip_prefix('/')?;
    let name = rest.split_whitespace().next()?;
    commands
        .iter()
        .any(|(n, _)| n == name)
        .then(|| format!("${rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skill_command_becomes_its_mention() {
        let commands = vec![("deploy".to_string(), "Ship it".to_string())];
        assert_eq!(
            rewrite("/deploy to staging", &commands).as_deref(),
            Some("$deploy to staging")
        );
        assert_eq!(rewrite("/other x", &commands), None);
        assert_eq!(rewrite("deploy", &commands), None);
        let update = serde_json::to_value(update(&commands)).unwrap();
        assert_eq!(update["availableCommands"][0]["name"], "deploy");
        assert_eq!(
            update["availableCommands"][0]["input"]["hint"],
            "what the skill should do"
        );
    }
}
