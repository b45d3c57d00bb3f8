//! `codex debug models`: the model catalog as this configuration sees it
//! (the built-in entries, with `model_catalog_json`'s in front).

use codex_client::{ApplyPatchToolType, ModelCatalog, ShellToolType};
use codex_config::{find_codex_home, load_config};

use crate::cli::SharedOptions;

pub fn run(shared: &SharedOptions) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    let config = load_config(&codex_home, &shared.to_overrides())?;
    let catalog = match &config.model_catalog_json {
        Some(path) => ModelCatalog::with_file(path).map_err(anyhow::Error::msg)?,
        None => ModelCatalog::builtin().clone(),
    };
    let current = catalog.family(&config.model);
    println!(
        "model: {} ({})",
        config.model,
        if current.known {
            format!("catalog entry `{}`", current.display_name)
        } else {
            "not in the catalog: conservative defaults".to_string()
        }
    );
    println!();
    println!(
        "{:<28} {:<14} {:<11} {:<10} {:<9} {:>9}  tools",
        "slug", "shell tool", "apply_patch", "reasoning", "verbosity", "window"
    );
    for entry in catalog.entries() {
        let shell = match entry.shell_type {
            ShellToolType::Shell => "shell",
            ShellToolType::ShellCommand => "shell_command",
            ShellToolType::UnifiedExec => "exec_command",
            ShellToolType::LocalShell => "local_shell",
        };
        let patch = match entry.apply_patch_tool_type {
            ApplyPatchToolType::Freeform => "freeform",
            ApplyPatchToolType::Function => "function",
        };
        let reasoning = match (entry.supports_reasoning, entry.default_reasoning_effort) {
            (false, _) => "-".to_string(),
            (true, Some(effort)) => effort.to_string(),
            (true, None) => "yes".to_string(),
        };
        let window = entry
            .context_window
            .map_or("-".to_string(), |w| w.to_string());
        let mut tools = entry.experimental_supported_tools.join(",");
        if entry.takes_images() {
            tools = if tools.is_empty() {
                "view_image".into()
            } else {
                format!("view_image,{tools}")
            };
        }
        println!(
            "{:<28} {:<14} {:<11} {:<10} {:<9} {:>9}  {}",
            format!(
                "{}{}",
                entry.slug,
                if entry.visible { "" } else { " (hidden)" }
            ),
            shell,
            patch,
            reasoning,
            if entry.supports_verbosity { "yes" } else { "-" },
            window,
            tools
        );
    }
    Ok(())
}
