//! `codex debug config`: the effective configuration as TOML, each value
//! annotated with where it came from.

use std::fmt::Write as _;

use toml::{Table, Value};

use crate::config::Config;

/// Renders `config` as TOML with an origin comment after every value.
///
/// `[profiles.*]` is left out: the selected profile's values appear in place,
/// marked `profile NAME (...)`.
pub fn render_effective_config(config: &Config) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Effective configuration. Each value is followed by its origin."
    );
    let _ = writeln!(out, "# codex_home: {}", config.codex_home.display());
    let _ = writeln!(
        out,
        "# config file: {}{}",
        config.config_file.display(),
        if config.config_file.exists() {
            ""
        } else {
            " (not present)"
        }
    );
    let _ = writeln!(out, "# cwd: {}", config.cwd.display());
    match (&config.active_profile, &config.active_profile_file) {
        (Some(name), Some(file)) if *file == config.config_file => {
            let _ = writeln!(
                out,
                "# profile: {name} ([profiles.{name}] of {})",
                file.display()
            );
        }
        (Some(name), Some(file)) => {
            let _ = writeln!(out, "# profile: {name} ({})", file.display());
        }
        (Some(name), None) => {
            let _ = writeln!(out, "# profile: {name}");
        }
        (None, _) => {
            let _ = writeln!(out, "# profile: (none)");
        }
    }
    let _ = writeln!(out, "# sandbox policy: {}", config.sandbox_policy);
    for warning in &config.warnings {
        let _ = writeln!(out, "# warning: {warning}");
    }
    let mut path = Vec::new();
    render_table(config, config.layers.merged(), &mut path, &mut out);
    out
}

fn render_table(config: &Config, table: &Table, path: &mut Vec<String>, out: &mut String) {
    let is_section = |v: &Value| matches!(v, Value::Table(_));
    // Leaves first, as TOML requires, then sub-tables.
    let mut wrote_header = path.is_empty();
    for (key, value) in table.iter().filter(|(_, v)| !is_section(v)) {
        if !wrote_header {
            let _ = writeln!(out, "\n[{}]", dotted(path));
            wrote_header = true;
        }
        path.push(key.clone());
        let origin = config
            .layers
            .exact_origin(path)
            .or_else(|| config.layers.origin_of(path))
            .map(ToString::to_string)
            .unwrap_or_default();
        let _ = writeln!(out, "{} = {value}  # {origin}", quote_key(key));
        path.pop();
    }
    for (key, value) in table.iter() {
        let Value::Table(child) = value else { continue };
        if path.is_empty() && key == "profiles" {
            continue;
        }
        path.push(key.clone());
        if child.is_empty() {
            let origin = config
                .layers
                .origin_of(path)
                .map(ToString::to_string)
                .unwrap_or_default();
            let _ = writeln!(out, "\n[{}]  # {origin}", dotted(path));
        } else {
            render_table(config, child, path, out);
        }
        path.pop();
    }
}

fn dotted(path: &[String]) -> String {
    path.iter()
        .map(|segment| quote_key(segment))
        .collect::<Vec<_>>()
        .join(".")
}

fn quote_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        Value::String(key.to_string()).to_string()
    }
}
