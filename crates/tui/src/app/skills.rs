//! `/skills`: the skills this session sees (scope, whether the model's list
//! carries them, their file), and `/skills off NAME` / `/skills on NAME`,
//! which turn one off or back on for this thread only
//! (`Op::SetSkillEnabled`; `config.toml` is not changed). Also the names
//! `$` completes.

use codex_config::Config;
use codex_protocol::protocol::Op;
use codex_skills::{SkillsManager, SkillsSettings};

use super::App;
use crate::cells::HistoryCell;

/// The enabled skills' names for `$` completion, each once, sorted.
pub(crate) fn skill_names(config: &Config) -> Vec<String> {
    let (manager, _) = SkillsManager::load(SkillsSettings::from_config(config), &config.cwd);
    let mut names: Vec<String> = manager
        .catalog()
        .skills
        .iter()
        .filter(|skill| skill.enabled)
        .map(|skill| skill.name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

impl App {
    pub(super) async fn skills_command(&mut self, args: &str) {
        let (mut manager, _) = SkillsManager::load(
            SkillsSettings::from_config(&self.config),
            &self.chat.settings.cwd,
        );
        for path in &self.chat.skills_off {
            manager.set_enabled_for_session(path, false);
        }
        let mut words = args.split_whitespace();
        let (verb, name) = (words.next(), words.next());
        let enabled = match verb {
            None => {
                self.chat.commit(HistoryCell::Info(listing(&manager)));
                return;
            }
            Some("off") => false,
            Some("on") => true,
            Some(other) => {
                self.chat.commit(HistoryCell::Info(format!(
                    "Unknown `/skills {other}`: use `/skills`, `/skills off NAME` or `/skills on NAME`."
                )));
                return;
            }
        };
        let Some(name) = name else {
            self.chat.commit(HistoryCell::Info(
                "Name the skill: `/skills off NAME`.".to_string(),
            ));
            return;
        };
        let paths: Vec<std::path::PathBuf> = manager
            .catalog()
            .skills
            .iter()
            .filter(|skill| skill.name == name)
            .map(|skill| skill.path.clone())
            .collect();
        if paths.is_empty() {
            self.chat
                .commit(HistoryCell::Info(format!("No skill named `{name}`.")));
            return;
        }
        for path in paths {
            self.chat.skills_off.retain(|p| *p != path);
            if !enabled {
                self.chat.skills_off.push(path.clone());
            }
            self.submit(Op::SetSkillEnabled { path, enabled }).await;
        }
        self.chat.commit(HistoryCell::Info(format!(
            "Skill `{name}` is {} for this session from the next turn.",
            if enabled { "on" } else { "off" }
        )));
    }
}

fn listing(manager: &SkillsManager) -> String {
    let catalog = manager.catalog();
    let mut lines = Vec::new();
    if catalog.skills.is_empty() {
        lines.push(
            "No skills. Add a folder with a SKILL.md to ~/.agents/skills/, $CODEX_HOME/skills/ or the repository's .agents/skills/."
                .to_string(),
        );
    }
    for skill in &catalog.skills {
        let status = manager.status(skill);
        lines.push(format!(
            "${} — {} [{}, {status}] {}",
            skill.name,
            skill.description,
            skill.scope.as_str(),
            skill.path.display()
        ));
    }
    lines.extend(
        catalog
            .errors
            .iter()
            .map(|error| format!("warning: skipped skill {error}")),
    );
    lines.join("\n")
}
