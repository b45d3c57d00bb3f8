//! `codex features list`: every known feature flag, its stage, whether it is
//! on for this configuration and why (the default, or the file, profile,
//! `-c` or `--enable`/`--disable` that set it).

use std::fmt::Write as _;

use codex_config::features::FEATURES;
use codex_config::layers::LayerSource;
use codex_config::{Config, find_codex_home, load_config};

use crate::cli::SharedOptions;

pub fn list(shared: &SharedOptions) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    let config = load_config(&codex_home, &shared.to_overrides())?;
    for warning in &config.warnings {
        eprintln!("warning: {warning}");
    }
    print!("{}", render(&config));
    Ok(())
}

/// The table: name, stage, on/off, why, effect.
fn render(config: &Config) -> String {
    let width = FEATURES.iter().map(|f| f.key.len()).max().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:<17}  {:<3}  WHY",
        "FEATURE", "STAGE", "ON"
    );
    for feature in FEATURES {
        let on = config.feature_enabled(feature.key);
        let path = ["features".to_string(), feature.key.to_string()];
        let why = match config.layers.exact_origin(&path) {
            Some(origin) if origin.source != LayerSource::Default => origin.to_string(),
            _ => "default".to_string(),
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:<17}  {:<3}  {why}: {}",
            feature.key,
            feature.stage.to_string(),
            if on { "on" } else { "off" },
            feature.effect
        );
    }
    out
}
