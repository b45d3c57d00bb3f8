//! `codex hooks list`: every hook handler codex finds, where it came from,
//! and whether it runs (project hooks run only in a trusted project).

use codex_config::{find_codex_home, load_config};

use crate::cli::SharedOptions;

pub fn list(shared: &SharedOptions) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    let config = load_config(&codex_home, &shared.to_overrides())?;
    let registry = codex_core::discover_hooks(&config);
    for warning in &registry.warnings {
        eprintln!("warning: {warning}");
    }
    if registry.handlers.is_empty() {
        println!(
            "No hooks. Add them to {} or .codex/hooks.json in a trusted project.",
            codex_home.join("hooks.json").display()
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
        println!(
            "{:<18} {:<16} {:<9} {:<40} {}",
            handler.event.name(),
            handler.matcher.as_deref().unwrap_or("*"),
            runs,
            handler.command,
            handler.source.display()
        );
    }
    Ok(())
}
