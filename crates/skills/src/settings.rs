//! `[skills]` of `config.toml`, resolved: whether the section is sent, its
//! budget, the bundled skills, and which skills are turned off.

use std::path::{Path, PathBuf};

use codex_config::Config;

use crate::Skill;

/// The list's default budget in tokens: the reference's (2% of a 272k
/// window; it does not follow the model's window).
pub const DEFAULT_MAX_CONTEXT_TOKENS: usize = 5_440;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillsSettings {
    pub codex_home: PathBuf,
    /// `$HOME`, for `~/.agents/skills/`.
    pub home: Option<PathBuf>,
    /// `include_instructions`: the skills section is sent (mentions work
    /// either way).
    pub include_instructions: bool,
    pub max_context_tokens: usize,
    /// `bundled.enabled`: `$CODEX_HOME/skills/.system/` is read.
    pub bundled: bool,
    /// `[[skills.config]]` entries with `enabled = false`.
    pub disabled_paths: Vec<PathBuf>,
    pub disabled_names: Vec<String>,
    /// The enabled, installed plugins' skills.
    pub plugins: Vec<crate::roots::PluginSkills>,
    /// Where the last walk is kept (none: always walk).
    pub cache_file: Option<PathBuf>,
}

impl SkillsSettings {
    pub fn from_config(config: &Config) -> Self {
        let plugins =
            codex_plugins::installed_plugins(&config.codex_home, config.layers.get(&["plugins"]));
        Self::with_plugins(config, &plugins)
    }

    /// As [`Self::from_config`], with the installed plugins already read
    /// (a caller that needs them too reads them once).
    pub fn with_plugins(config: &Config, plugins: &[codex_plugins::InstalledPlugin]) -> Self {
        let toml = &config.skills;
        let mut disabled_paths = Vec::new();
        let mut disabled_names = Vec::new();
        for entry in &toml.config {
            if entry.enabled != Some(false) {
                continue;
            }
            if let Some(path) = &entry.path {
                disabled_paths.push(if path.is_absolute() {
                    path.clone()
                } else {
                    config.codex_home.join(path)
                });
            }
            if let Some(name) = &entry.name {
                disabled_names.push(name.clone());
            }
        }
        SkillsSettings {
            codex_home: config.codex_home.clone(),
            home: std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .map(PathBuf::from),
            include_instructions: toml.include_instructions.unwrap_or(true),
            max_context_tokens: toml
                .max_context_tokens
                .unwrap_or(DEFAULT_MAX_CONTEXT_TOKENS),
            bundled: toml
                .bundled
                .as_ref()
                .and_then(|b| b.enabled)
                .unwrap_or(true),
            disabled_paths,
            disabled_names,
            cache_file: Some(crate::cache::cache_path(&config.codex_home)),
            plugins: plugins
                .iter()
                .filter(|plugin| plugin.enabled)
                .map(|plugin| crate::roots::PluginSkills {
                    name: plugin.name.clone(),
                    marketplace_dir: plugin.marketplace_dir.clone(),
                    skills_dir: plugin.dir.join("skills"),
                })
                .collect(),
        }
    }

    /// Whether the configuration turns `skill` off.
    pub fn disables(&self, skill: &Skill) -> bool {
        self.disabled_names.contains(&skill.name)
            || self
                .disabled_paths
                .iter()
                .any(|path| same_file(path, &skill.path))
    }
}

/// Equal paths, or two names of the same file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
