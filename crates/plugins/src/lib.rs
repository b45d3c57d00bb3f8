//! Plugins: bundles of skills, MCP servers and hooks (and, in the
//! reference, prompts) under a manifest `.codex-plugin/plugin.json`,
//! offered by marketplaces and installed under `$CODEX_HOME/plugins/`.
//!
//! The layout and keys are the reference's, so one `$CODEX_HOME` serves
//! both:
//!
//! - a marketplace is a folder (or a git repository) holding
//!   `.agents/plugins/marketplace.json` — `{"name", "plugins": [{"name",
//!   "source": "./plugins/NAME"}]}` — recorded as `[marketplaces.NAME]
//!   source_type = "local" | "git"`, `source = PATH | URL`; a git one is
//!   cloned with the system `git` into `$CODEX_HOME/plugins/marketplaces/`;
//! - an installed plugin is a copy of its folder in
//!   `$CODEX_HOME/plugins/cache/MARKETPLACE/NAME/VERSION/` (folders 0700)
//!   and `[plugins."NAME@MARKETPLACE"] enabled = true|false`.
//!
//! Every change to `config.toml` goes through `toml_edit`, so the person's
//! comments survive. Installing copies files; nothing a plugin holds runs
//! at install or load time.

pub mod config;
pub mod hooks;
pub mod install;
pub mod instructions;
pub mod marketplace;
pub mod mcp_servers;

use std::path::{Path, PathBuf};

pub use config::{InstalledPlugin, installed_plugins};
pub use hooks::{add_effective_plugin_hooks, add_plugin_hooks};
pub use install::{PluginManifest, install_plugin, set_plugin_enabled, uninstall_plugin};
pub use instructions::plugins_section;
pub use marketplace::{
    Marketplace, MarketplaceCatalog, MarketplaceEntry, add_marketplace, configured_marketplaces,
    read_catalog, remove_marketplace,
};
pub use mcp_servers::{effective_mcp_servers, plugin_mcp_servers, with_plugin_mcp_servers};

/// Where the marketplace's catalog lives inside its folder.
pub const CATALOG_FILE: &str = ".agents/plugins/marketplace.json";
/// Where a plugin's manifest lives inside its folder.
pub const MANIFEST_FILE: &str = ".codex-plugin/plugin.json";

/// `$CODEX_HOME/plugins`.
pub fn plugins_dir(codex_home: &Path) -> PathBuf {
    codex_home.join("plugins")
}

/// A plugin's id: `NAME@MARKETPLACE`.
pub fn plugin_id(name: &str, marketplace: &str) -> String {
    format!("{name}@{marketplace}")
}

/// `NAME@MARKETPLACE`, or `NAME` with the marketplace given apart.
pub fn parse_selector(
    selector: &str,
    marketplace: Option<&str>,
) -> Result<(String, String), String> {
    match (selector.split_once('@'), marketplace) {
        (Some((name, market)), None) if !name.is_empty() && !market.is_empty() => {
            Ok((name.to_string(), market.to_string()))
        }
        (None, Some(market)) if !selector.is_empty() && !market.is_empty() => {
            Ok((selector.to_string(), market.to_string()))
        }
        _ => Err(format!(
            "`{selector}`: name the plugin as NAME@MARKETPLACE, or NAME with --marketplace MARKETPLACE"
        )),
    }
}

/// A name that is safe as one path component.
pub(crate) fn check_name(what: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} name `{name}` is not usable: letters, digits, `-`, `_` and `.` only"
        ))
    }
}

/// What the modules' tests share: an installed plugin `demo@market` in a
/// folder, and writing its files.
#[cfg(test)]
pub(crate) mod test_plugin {
    use std::path::Path;

    use crate::config::InstalledPlugin;

    pub(crate) fn plugin(dir: &Path) -> InstalledPlugin {
        InstalledPlugin {
            id: "demo@market".into(),
            name: "demo".into(),
            marketplace: "market".into(),
            version: "1".into(),
            marketplace_dir: dir.to_path_buf(),
            dir: dir.to_path_buf(),
            enabled: true,
        }
    }

    pub(crate) fn write(dir: &Path, path: &str, text: &str) {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marketplace(root: &Path, source: &str) {
        std::fs::create_dir_all(root.join(".agents/plugins")).unwrap();
        std::fs::write(
            root.join(CATALOG_FILE),
            format!(
                r#"{{"name": "local", "plugins": [{{"name": "demo", "source": "{source}"}}]}}"#
            ),
        )
        .unwrap();
        let plugin = root.join("plugins/demo");
        std::fs::create_dir_all(plugin.join(".codex-plugin")).unwrap();
        std::fs::write(plugin.join(MANIFEST_FILE), r#"{"name": "demo"}"#).unwrap();
    }

    #[test]
    fn selectors() {
        assert_eq!(
            parse_selector("demo@local", None).unwrap(),
            ("demo".to_string(), "local".to_string())
        );
        assert_eq!(
            parse_selector("demo", Some("local")).unwrap(),
            ("demo".to_string(), "local".to_string())
        );
        assert!(parse_selector("demo", None).is_err());
        assert!(parse_selector("@x", None).is_err());
        assert!(check_name("plugin", "../x").is_err());
    }

    #[test]
    fn a_local_marketplace_installs_and_comments_survive() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let market = tmp.path().join("market");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(home.join("config.toml"), "# mine\nmodel = \"o3\"\n").unwrap();
        marketplace(&market, "./plugins/demo");
        let added = add_marketplace(&home, market.to_str().unwrap()).unwrap();
        assert_eq!(added.name, "local");
        let dir = install_plugin(&home, "demo", "local").unwrap();
        assert_eq!(dir, home.join("plugins/cache/local/demo/local"));
        let config = std::fs::read_to_string(home.join("config.toml")).unwrap();
        assert!(config.starts_with("# mine\nmodel = \"o3\"\n"), "{config}");
        let table: toml::Value = config.parse::<toml::Table>().unwrap().into();
        let installed = installed_plugins(&home, table.get("plugins"));
        assert_eq!(installed.len(), 1);
        assert!(installed[0].enabled);
        set_plugin_enabled(&home, "demo", "local", false).unwrap();
        uninstall_plugin(&home, "demo", "local").unwrap();
        assert!(!home.join("plugins/cache/local/demo").exists());
        assert!(uninstall_plugin(&home, "demo", "local").is_err());
    }

    #[test]
    fn a_plugin_outside_its_marketplace_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let market = tmp.path().join("market");
        marketplace(&market, "../../etc");
        let err = read_catalog(&market).unwrap_err();
        assert!(err.contains("not a folder inside the marketplace"), "{err}");
    }
}
