//! `codex hooks list`: every hook handler codex finds, where it came from,
//! and whether it runs (project hooks run only in a trusted project, a
//! plugin's only once trusted per hook); `codex hooks trust`: records that
//! trust as the reference does (`[hooks.state."KEY"] trusted_hash`).

use codex_config::{Config, find_codex_home, load_config};

use crate::cli::{HooksCommand, SharedOptions};

pub fn run(shared: &SharedOptions, command: Option<HooksCommand>) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    let config = load_config(&codex_home, &shared.to_overrides())?;
    match command {
        None | Some(HooksCommand::List) => list(&config),
        Some(HooksCommand::Trust { keys, plugin, all }) => trust(&config, &keys, plugin, all),
    }
}

fn list(config: &Config) -> anyhow::Result<()> {
    let registry = codex_core::discover_hooks(config);
    for warning in &registry.warnings {
        eprintln!("warning: {warning}");
    }
    if registry.handlers.is_empty() {
        println!(
            "No hooks. Add them to {} or .codex/hooks.json in a trusted project.",
            config.codex_home.join("hooks.json").display()
        );
        return Ok(());
    }
    if !config.feature_enabled("hooks") {
        println!("(hooks are turned off: [features] hooks = false)");
    }
    println!(
        "{:<18} {:<16} {:<9} {:<40} SOURCE",
        "EVENT", "MATCHER", "RUNS", "COMMAND"
    );
    for handler in &registry.handlers {
        let runs = match (handler.trusted, handler.is_async) {
            (false, _) => "untrusted",
            (true, true) => "async",
            (true, false) => "yes",
        };
        let source = match &handler.plugin {
            Some(_) => format!("{} (key {})", handler.source.display(), handler.key),
            None => handler.source.display().to_string(),
        };
        println!(
            "{:<18} {:<16} {:<9} {:<40} {}",
            handler.event.name(),
            handler.matcher.as_deref().unwrap_or("*"),
            runs,
            handler.command,
            source
        );
    }
    Ok(())
}

fn trust(
    config: &Config,
    keys: &[String],
    plugin: Option<String>,
    all: bool,
) -> anyhow::Result<()> {
    if keys.is_empty() && plugin.is_none() && !all {
        anyhow::bail!("name what to trust: KEY... (see `codex hooks list`), --plugin ID, or --all");
    }
    let registry = codex_core::discover_hooks(config);
    // Only hooks that wait for per-hook trust (a plugin's) have a record.
    let candidates: Vec<_> = registry
        .handlers
        .iter()
        .filter(|h| h.plugin.is_some())
        .collect();
    let mut chosen = Vec::new();
    for key in keys {
        match candidates.iter().find(|h| &h.key == key) {
            Some(handler) => chosen.push(*handler),
            None => anyhow::bail!("no plugin hook has the key `{key}` (see `codex hooks list`)"),
        }
    }
    if let Some(id) = &plugin {
        let of_plugin: Vec<_> = candidates
            .iter()
            .filter(|h| h.plugin.as_deref() == Some(id.as_str()))
            .copied()
            .collect();
        if of_plugin.is_empty() {
            anyhow::bail!(
                "plugin `{id}` has no hooks (is it installed and enabled? see `codex plugin list`)"
            );
        }
        chosen.extend(of_plugin);
    }
    if all {
        chosen.extend(candidates.iter().copied());
    }
    let path = config.codex_home.join("config.toml");
    codex_config::edit::edit_config_file(&path, |doc| {
        let hooks = codex_config::edit::table_mut(doc.as_table_mut(), "hooks");
        let state = codex_config::edit::table_mut(hooks, "state");
        for handler in &chosen {
            let entry = codex_config::edit::table_mut(state, &handler.key);
            entry.set_implicit(false);
            entry.insert(
                "trusted_hash",
                toml_edit::value(handler.current_hash.clone()),
            );
        }
    })?;
    let mut keys: Vec<&str> = chosen.iter().map(|h| h.key.as_str()).collect();
    keys.dedup();
    for key in &keys {
        println!("Trusted {key}");
    }
    if keys.is_empty() {
        println!("No plugin hooks to trust.");
    }
    Ok(())
}
