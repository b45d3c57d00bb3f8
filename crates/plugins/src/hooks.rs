//! The hooks a plugin brings, as the reference reads them: the manifest's
//! `hooks` — a `./`-relative path to a file in the format of
//! `$CODEX_HOME/hooks.json`, a list of such paths, or the hooks object
//! inline — and without that key the plugin's `hooks/hooks.json`, if it has
//! one. Each hook is labelled with the plugin and runs only once trusted
//! per hook in `[hooks.state]` (the reference's record, see
//! `codex_hooks::trust`), or with `--dangerously-bypass-hook-trust`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use codex_hooks::trust::{HookState, plugin_fingerprint};
use codex_hooks::{HookRegistry, Origin};
use serde_json::Value;

use crate::MANIFEST_FILE;
use crate::config::InstalledPlugin;

/// Where the plugin's hooks are declared when its manifest says nothing.
const DEFAULT_HOOKS_FILE: &str = "hooks/hooks.json";

/// One hooks object of a plugin and the name its keys use for it.
struct HookSource {
    value: Value,
    /// `hooks/hooks.json`, or `plugin.json#hooks[0]` for the inline object.
    key_file: String,
    path: PathBuf,
}

fn sources(plugin: &InstalledPlugin) -> Result<Vec<HookSource>, String> {
    let manifest_path = plugin.dir.join(MANIFEST_FILE);
    let manifest: Value = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|err| format!("{}: {err}", manifest_path.display()))?,
        Err(_) => Value::Null,
    };
    let declared: Vec<&Value> = match manifest.get("hooks") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for (index, item) in declared.iter().enumerate() {
        match item {
            Value::Object(_) => out.push(HookSource {
                value: (*item).clone(),
                key_file: format!("plugin.json#hooks[{index}]"),
                path: manifest_path.clone(),
            }),
            Value::String(path) if path.starts_with("./") => {
                out.push(read_file(&plugin.dir, path)?);
            }
            _ => {
                return Err(format!(
                    "{}: `hooks` entries are `./` paths inside the plugin or hooks objects",
                    manifest_path.display()
                ));
            }
        }
    }
    if declared.is_empty() && plugin.dir.join(DEFAULT_HOOKS_FILE).is_file() {
        out.push(read_file(&plugin.dir, DEFAULT_HOOKS_FILE)?);
    }
    Ok(out)
}

fn read_file(dir: &Path, relative: &str) -> Result<HookSource, String> {
    let relative = relative.trim_start_matches("./");
    if relative.split('/').any(|part| part == "..") {
        return Err(format!(
            "{}: `{relative}` leaves the plugin's folder",
            dir.join(MANIFEST_FILE).display()
        ));
    }
    let path = dir.join(relative);
    let text =
        std::fs::read_to_string(&path).map_err(|err| format!("{}: {err}", path.display()))?;
    let value = serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    Ok(HookSource {
        value,
        key_file: relative.to_string(),
        path,
    })
}

/// Adds the enabled plugins' hooks to `registry`, each trusted only as
/// `states` records (or all with `bypass_trust`). Broken declarations are
/// registry warnings naming the plugin and the file.
pub fn add_plugin_hooks(
    registry: &mut HookRegistry,
    plugins: &[InstalledPlugin],
    states: &HashMap<String, HookState>,
    bypass_trust: bool,
) {
    for plugin in plugins.iter().filter(|p| p.enabled) {
        let found = match sources(plugin) {
            Ok(found) => found,
            Err(err) => {
                registry.warnings.push(format!("plugin {}: {err}", plugin.id));
                continue;
            }
        };
        if found.is_empty() {
            continue;
        }
        let fingerprint = match plugin_fingerprint(&plugin.dir) {
            Ok(fingerprint) => fingerprint,
            Err(err) => {
                registry.warnings.push(format!(
                    "plugin {}: its hooks are not loaded: {err}",
                    plugin.id
                ));
                continue;
            }
        };
        for source in found {
            registry.read_plugin_hooks(
                &source.value,
                &Origin {
                    source: &source.path,
                    key_prefix: format!("{}:{}", plugin.id, source.key_file),
                    plugin: Some((&plugin.id, &fingerprint)),
                    trusted: bypass_trust,
                },
                states,
            );
        }
    }
}

/// The hooks a session of `config` has from its enabled plugins, added to
/// `registry`.
pub fn add_effective_plugin_hooks(registry: &mut HookRegistry, config: &codex_config::Config) {
    let plugins = crate::installed_plugins(&config.codex_home, config.layers.get(&["plugins"]));
    if plugins.iter().all(|p| !p.enabled) {
        return;
    }
    let states = codex_hooks::trust::read_states(&config.codex_home.join("config.toml"));
    add_plugin_hooks(registry, &plugins, &states, config.bypass_hook_trust);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(dir: &Path) -> InstalledPlugin {
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

    fn write(dir: &Path, path: &str, text: &str) {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    const STOP: &str =
        r#"{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "echo stop"}]}]}}"#;

    #[test]
    fn declarations_keys_and_trust() {
        let dir = tempfile::tempdir().unwrap();
        let p = plugin(dir.path());
        write(dir.path(), MANIFEST_FILE, r#"{"name": "demo"}"#);
        write(dir.path(), "hooks/hooks.json", STOP);
        let mut registry = HookRegistry::default();
        add_plugin_hooks(&mut registry, &[p.clone()], &HashMap::new(), false);
        assert_eq!(registry.handlers.len(), 1, "{:?}", registry.warnings);
        let hook = &registry.handlers[0];
        assert_eq!(hook.key, "demo@market:hooks/hooks.json:stop:0:0");
        assert_eq!(hook.plugin.as_deref(), Some("demo@market"));
        assert!(!hook.trusted, "a plugin's hook waits for trust");
        let (identity, fingerprint) = hook.current_hash.split_once('/').unwrap();
        assert!(identity.starts_with("sha256:") && fingerprint.starts_with("sha256:"));

        // Trusted by its current hash: it runs.
        let states = HashMap::from([(
            hook.key.clone(),
            HookState {
                trusted_hash: Some(hook.current_hash.clone()),
                enabled: None,
            },
        )]);
        let mut registry = HookRegistry::default();
        add_plugin_hooks(&mut registry, &[p.clone()], &states, false);
        assert!(registry.handlers[0].trusted);
        // Any change to the plugin's files asks again.
        write(dir.path(), "scripts/new.sh", "echo\n");
        let mut registry = HookRegistry::default();
        add_plugin_hooks(&mut registry, &[p.clone()], &states, false);
        assert!(!registry.handlers[0].trusted);
        // The bypass runs it anyway; a disabled plugin brings nothing.
        let mut registry = HookRegistry::default();
        add_plugin_hooks(&mut registry, &[p.clone()], &HashMap::new(), true);
        assert!(registry.handlers[0].trusted);
        let mut registry = HookRegistry::default();
        let off = InstalledPlugin {
            enabled: false,
            ..p.clone()
        };
        add_plugin_hooks(&mut registry, &[off], &HashMap::new(), true);
        assert!(registry.handlers.is_empty());

        // Inline in the manifest, and a list of paths.
        write(
            dir.path(),
            MANIFEST_FILE,
            &format!(r#"{{"name": "demo", "hooks": [{STOP}, "./more.json"]}}"#),
        );
        write(dir.path(), "more.json", STOP);
        let mut registry = HookRegistry::default();
        add_plugin_hooks(&mut registry, &[p.clone()], &HashMap::new(), false);
        let keys: Vec<&str> = registry.handlers.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "demo@market:plugin.json#hooks[0]:stop:0:0",
                "demo@market:more.json:stop:0:0"
            ]
        );

        // Leaving the folder is refused, with the plugin named.
        write(dir.path(), MANIFEST_FILE, r#"{"name": "demo", "hooks": "./../x.json"}"#);
        let mut registry = HookRegistry::default();
        add_plugin_hooks(&mut registry, &[p], &HashMap::new(), false);
        assert!(registry.handlers.is_empty());
        assert!(
            registry.warnings[0].contains("plugin demo@market")
                && registry.warnings[0].contains("leaves the plugin's folder"),
            "{:?}",
            registry.warnings
        );
    }
}
