//! `skills/list` and `skills/config/write`: the skills of a working
//! directory (walked fresh for each request, so `forceReload` changes
//! nothing) and turning one on or off in `config.toml`.

use std::path::{Path, PathBuf};

use codex_config::{CliOverrides, load_config};
use codex_skills::{SkillSelector, SkillsManager, SkillsSettings, write_skill_enabled};
use serde_json::{Value, json};

use crate::rpc::RpcError;

/// `skills/list {cwds?, forceReload?}`: one entry per cwd (the server's
/// cwd when none is given), each with its skills and its broken files.
pub fn skills_list(
    codex_home: &Path,
    overrides: &CliOverrides,
    params: &Value,
) -> Result<Value, RpcError> {
    let cwds: Vec<PathBuf> = match params.get("cwds") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().map(PathBuf::from).ok_or_else(|| {
                    RpcError::invalid_params("`cwds` must be a list of directory paths")
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(RpcError::invalid_params(
                "`cwds` must be a list of directory paths",
            ));
        }
    };
    let cwds: Vec<Option<PathBuf>> = if cwds.is_empty() {
        vec![None]
    } else {
        cwds.into_iter().map(Some).collect()
    };
    let mut data = Vec::new();
    for cwd in cwds {
        let mut overrides = overrides.clone();
        if let Some(cwd) = cwd {
            if !cwd.is_absolute() {
                return Err(RpcError::invalid_params(format!(
                    "`cwds` entries must be absolute paths: {}",
                    cwd.display()
                )));
            }
            overrides.cwd = Some(cwd);
        }
        let config = load_config(codex_home, &overrides)
            .map_err(|err| RpcError::invalid_params(err.to_string()))?;
        let (manager, _) = SkillsManager::load(SkillsSettings::from_config(&config), &config.cwd);
        data.push(codex_skills::skills_list_entry(&config.cwd, &manager));
    }
    Ok(json!({ "data": data }))
}

/// `skills/config/write {enabled, path? | name?}`: records the choice in
/// `config.toml`; answers whether the skill is now on.
pub fn skills_config_write(codex_home: &Path, params: &Value) -> Result<Value, RpcError> {
    let enabled = params
        .get("enabled")
        .and_then(Value::as_bool)
        .ok_or_else(|| RpcError::invalid_params("`enabled` (a boolean) is required"))?;
    let path = params.get("path").and_then(Value::as_str);
    let name = params.get("name").and_then(Value::as_str);
    let selector = match (path, name) {
        (Some(path), None) if Path::new(path).is_absolute() => SkillSelector::Path(path.into()),
        (None, Some(name)) if !name.is_empty() => SkillSelector::Name(name.to_string()),
        _ => {
            return Err(RpcError::invalid_params(
                "give exactly one of `path` (an absolute SKILL.md path) or `name`",
            ));
        }
    };
    write_skill_enabled(&codex_home.join("config.toml"), &selector, enabled)
        .map_err(|err| RpcError::invalid_params(err.to_string()))?;
    Ok(json!({ "effectiveEnabled": enabled }))
}
