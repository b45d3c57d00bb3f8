//! The app-server's `skills/list` entry (`SkillsListEntry`): one cwd's
//! skills and broken files, in the reference's field names. Shared by
//! `skills/list` and `codex skills list --json`.

use std::path::Path;

use serde_json::{Value, json};

use crate::SkillsManager;

pub fn skills_list_entry(cwd: &Path, manager: &SkillsManager) -> Value {
    let catalog = manager.catalog();
    json!({
        "cwd": cwd.display().to_string(),
        "skills": catalog.skills.iter().map(|skill| json!({
            "name": skill.name,
            "description": skill.description,
            "shortDescription": skill.short_description,
            "path": skill.path.display().to_string(),
            "scope": skill.scope.as_str(),
            "enabled": skill.enabled,
        })).collect::<Vec<_>>(),
        "errors": catalog.errors.iter().map(|error| json!({
            "path": error.path.display().to_string(),
            "message": match error.line {
                Some(line) => format!("line {line}: {}", error.message),
                None => error.message.clone(),
            },
        })).collect::<Vec<_>>(),
    })
}
