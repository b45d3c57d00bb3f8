//! Installing a plugin from a marketplace (a copy of its folder under
//! `$CODEX_HOME/plugins/cache/`, folders 0700), removing it, and turning
//! it on or off in `config.toml`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use codex_config::edit::{edit_config_file, table_mut};
use codex_config::private_file::create_private_dir_all;
use serde::Deserialize;
use toml_edit::{Item, value};

use crate::{
    MANIFEST_FILE, check_name, configured_marketplaces, plugin_id, plugins_dir, read_catalog,
};

/// `.codex-plugin/plugin.json`: what the installer needs of it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PluginManifest {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

impl PluginManifest {
    pub fn read(dir: &Path) -> Result<Self, String> {
        let file = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&file)
            .map_err(|err| format!("{}: not a plugin ({err})", dir.display()))?;
        serde_json::from_str(&text)
            .map_err(|err| format!("invalid plugin manifest {}: {err}", file.display()))
    }

    /// The version folder's name (`local` when the manifest has none).
    pub fn version_dir(&self) -> String {
        self.version.clone().unwrap_or_else(|| "local".to_string())
    }
}

/// `$CODEX_HOME/plugins/cache/MARKETPLACE/NAME`.
pub fn plugin_cache_dir(codex_home: &Path, name: &str, marketplace: &str) -> PathBuf {
    plugins_dir(codex_home)
        .join("cache")
        .join(marketplace)
        .join(name)
}

/// Installs `name` from the configured marketplace `marketplace`; returns
/// the installed folder.
pub fn install_plugin(codex_home: &Path, name: &str, marketplace: &str) -> Result<PathBuf, String> {
    check_name("plugin", name)?;
    check_name("marketplace", marketplace)?;
    let market = configured_marketplaces(codex_home)?
        .into_iter()
        .find(|m| m.name == marketplace)
        .ok_or_else(|| {
            format!("no marketplace named `{marketplace}`; add it with `codex plugin marketplace add SOURCE`")
        })?;
    let catalog = read_catalog(&market.root)?;
    let entry = catalog
        .plugins
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| format!("marketplace `{marketplace}` has no plugin `{name}`"))?;
    let manifest = PluginManifest::read(&entry.path)?;
    let version = manifest.version_dir();
    check_name("plugin version", &version)?;
    let base = plugin_cache_dir(codex_home, name, marketplace);
    let dest = base.join(&version);
    let staging = base.join(format!(".staging-{}", std::process::id()));
    create_private_dir_all(&base)
        .map_err(|err| format!("cannot create {}: {err}", base.display()))?;
    let _ = std::fs::remove_dir_all(&staging);
    if let Err(err) = copy_tree(&entry.path, &staging) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(format!("cannot copy {}: {err}", entry.path.display()));
    }
    // One version at a time: the new one replaces what was installed.
    for old in std::fs::read_dir(&base).into_iter().flatten().flatten() {
        if old.path() != staging {
            let _ = std::fs::remove_dir_all(old.path());
        }
    }
    std::fs::rename(&staging, &dest)
        .map_err(|err| format!("cannot install into {}: {err}", dest.display()))?;
    set_plugin_enabled(codex_home, name, marketplace, true)?;
    Ok(dest)
}

/// Removes the installed copy and the plugin's `config.toml` entry.
pub fn uninstall_plugin(codex_home: &Path, name: &str, marketplace: &str) -> Result<(), String> {
    check_name("plugin", name)?;
    check_name("marketplace", marketplace)?;
    let dir = plugin_cache_dir(codex_home, name, marketplace);
    let id = plugin_id(name, marketplace);
    let configured = crate::marketplace::read_config_table(codex_home)?
        .get("plugins")
        .and_then(|p| p.get(&id))
        .is_some();
    if !dir.exists() && !configured {
        return Err(format!("plugin `{id}` is not installed"));
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|err| format!("cannot remove {}: {err}", dir.display()))?;
    }
    edit_config_file(&codex_home.join("config.toml"), |doc| {
        if let Some(Item::Table(plugins)) = doc.get_mut("plugins") {
            plugins.remove(&id);
            if plugins.is_empty() {
                doc.remove("plugins");
            }
        }
    })
    .map_err(|err| err.to_string())
}

/// `[plugins."NAME@MARKETPLACE"] enabled = …`.
pub fn set_plugin_enabled(
    codex_home: &Path,
    name: &str,
    marketplace: &str,
    enabled: bool,
) -> Result<(), String> {
    let id = plugin_id(name, marketplace);
    edit_config_file(&codex_home.join("config.toml"), |doc| {
        let plugins = table_mut(doc.as_table_mut(), "plugins");
        let entry = table_mut(plugins, &id);
        entry.set_implicit(false);
        entry.insert("enabled", value(enabled));
    })
    .map_err(|err| err.to_string())
}

/// Copies a folder (without `.git`), folders 0700, files keeping their
/// mode without group and other bits.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    create_private_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let target = to.join(&name);
        let meta = std::fs::metadata(entry.path())?;
        if meta.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if meta.is_file() {
            std::fs::copy(entry.path(), &target)?;
            let mode = meta.permissions().mode() & 0o700;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode | 0o600))?;
        }
    }
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700))
}
