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
        let entry = codex_skills::skills_list_entry(&config.cwd, &manager);
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
    println!("{:<28} {:<7} {:<11} PATH", "NAME", "SCOPE", "STATUS");
    for skill in &catalog.skills {
        let status = manager.status(skill);
        println!(
            "{:<28} {:<7} {:<11} {}",
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
