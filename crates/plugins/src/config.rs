//! Which plugins are installed and enabled: `[plugins."NAME@MARKETPLACE"]`
//! entries of the configuration with a copy under
//! `$CODEX_HOME/plugins/cache/`.

use std::path::{Path, PathBuf};

use crate::install::plugin_cache_dir;

/// An installed plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPlugin {
    /// `NAME@MARKETPLACE`.
    pub id: String,
    pub name: String,
    pub marketplace: String,
    /// The version folder's name.
    pub version: String,
    /// `$CODEX_HOME/plugins/cache/MARKETPLACE` (the skills root).
    pub marketplace_dir: PathBuf,
    /// The installed folder.
    pub dir: PathBuf,
    pub enabled: bool,
}

/// The installed plugins named by `plugins` (the configuration's
/// `[plugins]` table, merged from every layer), by id.
pub fn installed_plugins(codex_home: &Path, plugins: Option<&toml::Value>) -> Vec<InstalledPlugin> {
    let Some(table) = plugins.and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (id, entry) in table {
        let Some((name, marketplace)) = id.split_once('@') else {
            continue;
        };
        if crate::check_name("plugin", name).is_err()
            || crate::check_name("marketplace", marketplace).is_err()
        {
            continue;
        }
        let base = plugin_cache_dir(codex_home, name, marketplace);
        let Some(version) = std::fs::read_dir(&base)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|v| !v.starts_with('.'))
            .max()
        else {
            continue;
        };
        out.push(InstalledPlugin {
            id: id.clone(),
            name: name.to_string(),
            marketplace: marketplace.to_string(),
            dir: base.join(&version),
            version,
            marketplace_dir: base.parent().map(Path::to_path_buf).unwrap_or_default(),
            enabled: entry
                .get("enabled")
                .and_then(toml::Value::as_bool)
                .unwrap_or(true),
        });
    }
    out
}
