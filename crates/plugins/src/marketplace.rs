//! Marketplaces: adding one (a local folder, or a git repository cloned
//! with the system `git`), listing and removing them, and reading the
//! catalog of plugins each offers.

use std::path::{Path, PathBuf};
use std::process::Command;

use codex_config::edit::{edit_config_file, table_mut};
use serde::Deserialize;
use toml_edit::{Item, value};

use crate::{CATALOG_FILE, check_name, plugins_dir};

/// A configured marketplace and the folder its catalog is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marketplace {
    pub name: String,
    /// `local` or `git`.
    pub source_type: String,
    /// The folder or the URL it was added from.
    pub source: String,
    /// The folder holding `.agents/plugins/marketplace.json`.
    pub root: PathBuf,
}

/// What a catalog offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketplaceCatalog {
    pub name: String,
    pub plugins: Vec<MarketplaceEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketplaceEntry {
    pub name: String,
    /// The plugin's folder (absolute).
    pub path: PathBuf,
    pub description: Option<String>,
}

#[derive(Deserialize)]
struct CatalogFile {
    name: String,
    #[serde(default)]
    plugins: Vec<CatalogPlugin>,
}

#[derive(Deserialize)]
struct CatalogPlugin {
    name: String,
    source: CatalogSource,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CatalogSource {
    Path(String),
    Local { path: String },
}

/// Reads the catalog of the marketplace folder `root`.
pub fn read_catalog(root: &Path) -> Result<MarketplaceCatalog, String> {
    let file = root.join(CATALOG_FILE);
    let text = std::fs::read_to_string(&file).map_err(|err| {
        format!(
            "{}: not a marketplace ({err}); it needs {CATALOG_FILE}",
            root.display()
        )
    })?;
    let catalog: CatalogFile = serde_json::from_str(&text)
        .map_err(|err| format!("invalid marketplace file {}: {err}", file.display()))?;
    check_name("marketplace", &catalog.name)?;
    let mut plugins = Vec::new();
    for plugin in catalog.plugins {
        let relative = match plugin.source {
            CatalogSource::Path(path) | CatalogSource::Local { path } => path,
        };
        let path = root.join(&relative);
        // A plugin's folder must stay inside its marketplace.
        let inside = path
            .canonicalize()
            .ok()
            .zip(root.canonicalize().ok())
            .is_some_and(|(path, root)| path.starts_with(root));
        if !inside {
            return Err(format!(
                "invalid marketplace file {}: plugin `{}` has source `{relative}`, which is not a folder inside the marketplace",
                file.display(),
                plugin.name
            ));
        }
        plugins.push(MarketplaceEntry {
            name: plugin.name,
            path,
            description: plugin.description,
        });
    }
    Ok(MarketplaceCatalog {
        name: catalog.name,
        plugins,
    })
}

/// The marketplaces `config.toml` names.
pub fn configured_marketplaces(codex_home: &Path) -> Result<Vec<Marketplace>, String> {
    let table = read_config_table(codex_home)?;
    let Some(markets) = table.get("marketplaces").and_then(toml::Value::as_table) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, entry) in markets {
        let field = |key: &str| {
            entry
                .get(key)
                .and_then(toml::Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (source_type, source) = (field("source_type"), field("source"));
        let root = if source_type == "git" {
            git_checkout(codex_home, name)
        } else {
            PathBuf::from(&source)
        };
        out.push(Marketplace {
            name: name.clone(),
            source_type,
            source,
            root,
        });
    }
    Ok(out)
}

pub(crate) fn read_config_table(codex_home: &Path) -> Result<toml::Table, String> {
    let file = codex_home.join("config.toml");
    match std::fs::read_to_string(&file) {
        Ok(text) => text
            .parse::<toml::Table>()
            .map_err(|err| format!("{}: {err}", file.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(toml::Table::new()),
        Err(err) => Err(format!("cannot read {}: {err}", file.display())),
    }
}

fn git_checkout(codex_home: &Path, name: &str) -> PathBuf {
    plugins_dir(codex_home).join("marketplaces").join(name)
}

/// A git URL (https, ssh, `git@host:path`, `file://`) rather than a path.
fn is_git_url(source: &str) -> bool {
    ["https://", "http://", "ssh://", "git://", "file://"]
        .iter()
        .any(|scheme| source.starts_with(scheme))
        || (source.starts_with("git@") && source.contains(':'))
}

/// Adds the marketplace at `source` (a folder, or a git URL cloned now)
/// and records it in `config.toml`.
pub fn add_marketplace(codex_home: &Path, source: &str) -> Result<Marketplace, String> {
    let (source_type, source_text, root) = if is_git_url(source) {
        let staging = plugins_dir(codex_home)
            .join("marketplaces")
            .join(format!(".staging-{}", std::process::id()));
        if let Some(parent) = staging.parent() {
            codex_config::private_file::create_private_dir_all(parent)
                .map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
        }
        let _ = std::fs::remove_dir_all(&staging);
        let output = Command::new("git")
            .args(["clone", "--quiet", "--depth", "1", "--", source])
            .arg(&staging)
            .output()
            .map_err(|err| format!("cannot run git: {err}"))?;
        if !output.status.success() {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(format!(
                "git clone {source} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let catalog = match read_catalog(&staging) {
            Ok(catalog) => catalog,
            Err(err) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(err);
            }
        };
        let dest = git_checkout(codex_home, &catalog.name);
        let _ = std::fs::remove_dir_all(&dest);
        std::fs::rename(&staging, &dest)
            .map_err(|err| format!("cannot move the clone to {}: {err}", dest.display()))?;
        {
            use std::os::unix::fs::PermissionsExt;
            // git made the clone's folder with the umask's mode.
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o700))
                .map_err(|err| format!("cannot make {} private: {err}", dest.display()))?;
        }
        ("git", source.to_string(), dest)
    } else {
        let root = std::path::absolute(source)
            .map_err(|err| format!("`{source}` is not a usable path: {err}"))?;
        ("local", root.display().to_string(), root)
    };
    let catalog = read_catalog(&root)?;
    edit_config_file(&codex_home.join("config.toml"), |doc| {
        let markets = table_mut(doc.as_table_mut(), "marketplaces");
        let entry = table_mut(markets, &catalog.name);
        entry.set_implicit(false);
        entry.insert("source_type", value(source_type));
        entry.insert("source", value(source_text.clone()));
    })
    .map_err(|err| err.to_string())?;
    Ok(Marketplace {
        name: catalog.name,
        source_type: source_type.to_string(),
        source: source_text,
        root,
    })
}

/// Removes the marketplace `name` from `config.toml` (and its clone).
pub fn remove_marketplace(codex_home: &Path, name: &str) -> Result<(), String> {
    check_name("marketplace", name)?;
    let known = configured_marketplaces(codex_home)?
        .into_iter()
        .any(|m| m.name == name);
    if !known {
        return Err(format!("no marketplace named `{name}`"));
    }
    edit_config_file(&codex_home.join("config.toml"), |doc| {
        if let Some(Item::Table(markets)) = doc.get_mut("marketplaces") {
            markets.remove(name);
            if markets.is_empty() {
                doc.remove("marketplaces");
            }
        }
    })
    .map_err(|err| err.to_string())?;
    let checkout = git_checkout(codex_home, name);
    if checkout.exists() {
        std::fs::remove_dir_all(&checkout)
            .map_err(|err| format!("cannot remove {}: {err}", checkout.display()))?;
    }
    Ok(())
}
