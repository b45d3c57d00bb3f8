//! Turning a skill on or off in `config.toml` (`[[skills.config]]`), as
//! the app-server's `skills/config/write` does: by path or by name, with
//! `toml_edit` so comments and the rest of the file survive.
//!
//! Off is an entry `{ path | name, enabled = false }` (an existing entry
//! for the same selector is updated); on removes the entries for that
//! selector, since skills are on unless configured otherwise.

use std::path::Path;

use codex_config::ConfigError;
use codex_config::edit::{edit_config_file, table_mut};
use toml_edit::{ArrayOfTables, Item, Table, value};

/// Which skill an entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkillSelector {
    Path(std::path::PathBuf),
    Name(String),
}

impl SkillSelector {
    fn key(&self) -> (&'static str, String) {
        match self {
            SkillSelector::Path(path) => ("path", path.display().to_string()),
            SkillSelector::Name(name) => ("name", name.clone()),
        }
    }

    fn matches(&self, entry: &Table) -> bool {
        let (key, wanted) = self.key();
        entry.get(key).and_then(Item::as_str) == Some(wanted.as_str())
    }
}

/// Writes the choice into the `config.toml` at `config_file`.
pub fn write_skill_enabled(
    config_file: &Path,
    selector: &SkillSelector,
    enabled: bool,
) -> Result<(), ConfigError> {
    edit_config_file(config_file, |doc| {
        let skills = table_mut(doc.as_table_mut(), "skills");
        if !matches!(skills.get("config"), Some(Item::ArrayOfTables(_))) {
            skills.insert("config", Item::ArrayOfTables(ArrayOfTables::new()));
        }
        let Some(Item::ArrayOfTables(entries)) = skills.get_mut("config") else {
            return;
        };
        if enabled {
            entries.retain(|entry| !selector.matches(entry));
        } else if let Some(entry) = entries.iter_mut().find(|entry| selector.matches(entry)) {
            entry.insert("enabled", value(false));
        } else {
            let (key, text) = selector.key();
            let mut entry = Table::new();
            entry.insert(key, value(text));
            entry.insert("enabled", value(false));
            entries.push(entry);
        }
        if entries.is_empty() {
            skills.remove("config");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn off_then_on_keeps_comments() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("config.toml");
        std::fs::write(&file, "# my settings\nmodel = \"o3\" # keep\n").unwrap();
        let selector = SkillSelector::Path("/s/a/SKILL.md".into());
        write_skill_enabled(&file, &selector, false).unwrap();
        write_skill_enabled(&file, &selector, false).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            text,
            "# my settings\nmodel = \"o3\" # keep\n\n[[skills.config]]\npath = \"/s/a/SKILL.md\"\nenabled = false\n"
        );
        write_skill_enabled(&file, &SkillSelector::Name("b".into()), false).unwrap();
        write_skill_enabled(&file, &selector, true).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            text,
            "# my settings\nmodel = \"o3\" # keep\n\n[[skills.config]]\nname = \"b\"\nenabled = false\n"
        );
    }
}
