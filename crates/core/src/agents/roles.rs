//! Custom agent roles: TOML files in `$CODEX_HOME/agents/` and, for a
//! trusted project, `<project root>/.codex/agents/` (the project's file wins
//! on a name clash: it is nearer), plus `[agents.<role>]` tables of
//! `config.toml`. The fields are the reference's: `name` and `description`
//! (required), `developer_instructions`, `model`, `model_reasoning_effort`,
//! `sandbox_mode` (applied only when stricter than the parent's),
//! `nickname_candidates`. A file that does not parse or lacks a required
//! field is reported once, with its path and line, and skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codex_config::Config;
use codex_config::project::ProjectTrust;
use codex_protocol::config_types::{ReasoningEffort, SandboxMode};
use serde::Deserialize;

/// One role the model can spawn by `agent_type`.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct AgentRole {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) developer_instructions: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) model_reasoning_effort: Option<ReasoningEffort>,
    pub(crate) sandbox_mode: Option<SandboxMode>,
    pub(crate) nickname_candidates: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    name: Option<String>,
    description: Option<String>,
    developer_instructions: Option<String>,
    model: Option<String>,
    model_reasoning_effort: Option<ReasoningEffort>,
    sandbox_mode: Option<SandboxMode>,
    nickname_candidates: Option<Vec<String>>,
}

/// The roles of `config`'s user and project, and a warning per file that
/// was skipped.
pub(crate) fn load(config: &Config) -> (BTreeMap<String, AgentRole>, Vec<String>) {
    let mut roles = BTreeMap::new();
    let mut warnings = Vec::new();
    for (name, table) in &config.agents.roles {
        let from_file = table.config_file.as_ref().map(|file| {
            let path = config.codex_home.join(file);
            read_role(&path, Some(name))
        });
        let mut role = match from_file {
            Some(Ok(role)) => role,
            Some(Err(warning)) => {
                warnings.push(warning);
                continue;
            }
            None => AgentRole {
                name: name.clone(),
                ..AgentRole::default()
            },
        };
        if let Some(description) = &table.description {
            role.description = description.clone();
        }
        if let Some(names) = &table.nickname_candidates {
            role.nickname_candidates = names.clone();
        }
        roles.insert(name.clone(), role);
    }
    let mut dirs = vec![config.codex_home.join("agents")];
    if config.project_trust == ProjectTrust::Trusted {
        dirs.push(config.project_root.join(".codex").join("agents"));
    }
    // Later directories are nearer: their roles replace the user's.
    for dir in dirs {
        for path in toml_files(&dir) {
            match read_role(&path, None) {
                Ok(role) => {
                    roles.insert(role.name.clone(), role);
                }
                Err(warning) => warnings.push(warning),
            }
        }
    }
    (roles, warnings)
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    files.sort();
    files
}

/// One role file; `name` is the table's name for a `config_file`.
fn read_role(path: &Path, name: Option<&str>) -> Result<AgentRole, String> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        format!(
            "agent role {}: cannot read it: {err}; skipped",
            path.display()
        )
    })?;
    let file: RoleFile = toml::from_str(&text).map_err(|err| {
        let line = err
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let at = line.map_or(String::new(), |l| format!(":{l}"));
        format!(
            "agent role {}{at}: {}; the role is skipped",
            path.display(),
            err.message()
        )
    })?;
    let name = file.name.or_else(|| name.map(str::to_string));
    let (Some(name), Some(description)) = (name, file.description) else {
        return Err(format!(
            "agent role {}:1: `name` and `description` are required; the role is skipped",
            path.display()
        ));
    };
    if name.trim().is_empty() {
        return Err(format!(
            "agent role {}:1: `name` is empty; the role is skipped",
            path.display()
        ));
    }
    Ok(AgentRole {
        name,
        description,
        developer_instructions: file.developer_instructions,
        model: file.model,
        model_reasoning_effort: file.model_reasoning_effort,
        sandbox_mode: file.sandbox_mode,
        nickname_candidates: file.nickname_candidates.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_file_names_its_path_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "name = \"x\"\ndescription = \"d\"\nmodel = [\n").unwrap();
        let err = read_role(&path, None).unwrap_err();
        assert!(err.contains("bad.toml:"), "{err}");
        assert!(err.contains("skipped"), "{err}");
        let path = dir.path().join("noname.toml");
        std::fs::write(&path, "description = \"d\"\n").unwrap();
        assert!(read_role(&path, None).unwrap_err().contains("`name`"));
        let path = dir.path().join("ok.toml");
        std::fs::write(
            &path,
            "name = \"reviewer\"\ndescription = \"reviews\"\ndeveloper_instructions = \"be strict\"\nmodel_reasoning_effort = \"high\"\n",
        )
        .unwrap();
        let role = read_role(&path, None).unwrap();
        assert_eq!(role.name, "reviewer");
        assert_eq!(role.developer_instructions.as_deref(), Some("be strict"));
        assert_eq!(role.model_reasoning_effort, Some(ReasoningEffort::High));
    }
}
