//! `codex skills list`: every skill a session in this directory would see,
//! with its scope, whether it is on and listed for the model, and its file;
//! broken `SKILL.md` files are reported with their line. `--json` prints the
//! app-server's `skills/list` entry shape.

use codex_config::{find_codex_home, load_config};
use codex_skills::{SkillsManager, SkillsSettings};
use serde_json::json;

use crate::cli::SharedOptions;

pub fn list(shared: &SharedOptions, as_json: bool) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    let config = load_config(&codex_home, &shared.to_overrides())?;
    let settings = SkillsSettings::from_config(&config);
    let (manager, _) = SkillsManager::load(settings, &config.cwd);
    let catalog = manager.catalog();
    if as_json {
        let entry = json!({
            "cwd": config.cwd,
            "skills": catalog.skills.iter().map(|skill| json!({
                "name": skill.name,
                "description": skill.description,
                "shortDescription": skill.short_description,
                "path": skill.path,
                "scope": skill.scope.as_str(),
                "enabled": skill.enabled,
            })).collect::<Vec<_>>(),
            "errors": catalog.errors.iter().map(|error| json!({
                "path": error.path,
                "message": match error.line {
                    Some(line) => format!("line {line}: {}", error.message),
                    None => error.message.clone(),
                },
            })).collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "data": [entry] }))?
        );
        return Ok(());
    }
    for error in &catalog.errors {
        eprintln!("warning: skipped skill {error}");
    }
    if catalog.skills.is_empty() {
        println!(
            "No skills. Put one in {} (a folder with a SKILL.md), or in .agents/skills/ of a repository.",
            codex_home.join("skills").display()
        );
        return Ok(());
    }
    let listed = manager
        .section()
        .map(|section| section.to_string())
        .unwrap_or_default();
    println!("{:<28} {:<7} {:<9} PATH", "NAME", "SCOPE", "STATUS");
    for skill in &catalog.skills {
        let status = if !skill.enabled {
            "off"
        } else if !skill.allow_implicit_invocation {
            "$name"
        } else if listed.contains(&format!("- {}:", skill.name)) {
            "listed"
        } else {
            "unlisted"
        };
        println!(
            "{:<28} {:<7} {:<9} {}",
            skill.name,
            skill.scope.as_str(),
            status,
            skill.path.display()
        );
    }
    if let Some(warning) = &manager.rendered().warning {
        eprintln!("warning: {warning}");
    }
    Ok(())
}
