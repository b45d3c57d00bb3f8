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
    codex_home: &Path,
    plugins: &[InstalledPlugin],
    states: &HashMap<String, HookState>,
    bypass_trust: bool,
) {
    for plugin in plugins.iter().filter(|p| p.enabled) {
        let found = match sources(plugin) {
            Ok(found) => found,
            Err(err) => {
                registry
                    .warnings
                    .push(format!("plugin {}: {err}", plugin.id));
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
        // As the reference: the plugin's folder, and a data folder of its
        // own (not created until a hook makes it).
        let root = plugin.dir.display().to_string();
        let data = codex_home
            .join("plugins/data")
            .join(format!("{}-{}", plugin.name, plugin.marketplace))
            .display()
            .to_string();
        let env = [
            ("PLUGIN_ROOT".to_string(), root.clone()),
            ("CLAUDE_PLUGIN_ROOT".to_string(), root),
            ("PLUGIN_DATA".to_string(), data.clone()),
            ("CLAUDE_PLUGIN_DATA".to_string(), data),
        ];
        for source in found {
            registry.read_plugin_hooks(
                &source.value,
                &Origin {
                    source: &source.path,
                    key_prefix: format!("{}:{}", plugin.id, source.key_file),
                    plugin: Some((&plugin.id, &fingerprint)),
                    env: &env,
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
    add_plugin_hooks(
        registry,
        &config.codex_home,
        &plugins,
        &states,
        config.bypass_hook_trust,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_plugin::{plugin, write};

    const STOP: &str =
        r#"{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "echo stop"}]}]}}"#;

    #[test]
    fn declarations_keys_and_trust() {
        let dir = tempfile::tempdir().unwrap();
        let p = plugin(dir.path());
        let load = |plugin: &InstalledPlugin, states: &HashMap<String, HookState>, bypass| {
            let mut registry = HookRegistry::default();
            add_plugin_hooks(
                &mut registry,
                dir.path(),
                std::slice::from_ref(plugin),
                states,
                bypass,
            );
            registry
        };
        write(dir.path(), MANIFEST_FILE, r#"{"name": "demo"}"#);
        write(dir.path(), "hooks/hooks.json", STOP);
        let registry = load(&p, &HashMap::new(), false);
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
        let registry = load(&p, &states, false);
        assert!(registry.handlers[0].trusted);
        // Any change to the plugin's files asks again.
        write(dir.path(), "scripts/new.sh", "echo\n");
        let registry = load(&p, &states, false);
        assert!(!registry.handlers[0].trusted);
        // The bypass runs it anyway; a disabled plugin brings nothing.
        let registry = load(&p, &HashMap::new(), true);
        assert!(registry.handlers[0].trusted);
        let off = InstalledPlugin {
            enabled: false,
            ..p.clone()
        };
        let registry = load(&off, &HashMap::new(), true);
        assert!(registry.handlers.is_empty());

        // Inline in the manifest, and a list of paths.
        write(
            dir.path(),
            MANIFEST_FILE,
            &format!(r#"{{"name": "demo", "hooks": [{STOP}, "./more.json"]}}"#),
        );
        write(dir.path(), "more.json", STOP);
        let registry = load(&p, &HashMap::new(), false);
        let keys: Vec<&str> = registry.handlers.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "demo@market:plugin.json#hooks[0]:stop:0:0",
                "demo@market:more.json:stop:0:0"
            ]
        );

        // `${CLAUDE_PLUGIN_ROOT}` is the plugin's folder when the hook runs
        // (and in its environment), but the trust covers it as written.
        let raw = "${CLAUDE_PLUGIN_ROOT}/check.sh";
        write(
            dir.path(),
            "more.json",
            &serde_json::json!({"Stop": [{"hooks": [{"type": "command", "command": raw}]}]})
                .to_string(),
        );
        write(
            dir.path(),
            MANIFEST_FILE,
            r#"{"name": "demo", "hooks": "./more.json"}"#,
        );
        let registry = load(&p, &HashMap::new(), false);
        let hook = &registry.handlers[0];
        assert_eq!(hook.command, format!("{}/check.sh", dir.path().display()));
        assert!(
            hook.env
                .contains(&("PLUGIN_ROOT".into(), dir.path().display().to_string()))
        );
        assert!(
            hook.env.contains(&(
                "CLAUDE_PLUGIN_DATA".into(),
                dir.path()
                    .join("plugins/data/demo-market")
                    .display()
                    .to_string()
            ))
        );
        let identity = codex_hooks::trust::identity_hash(&codex_hooks::trust::HookIdentity {
            event: codex_hooks::HookEvent::Stop,
            matcher: None,
            command: raw,
            timeout_secs: 600,
            is_async: false,
            status_message: None,
            additional_context_limit: None,
        });
        assert!(hook.current_hash.starts_with(&format!("{identity}/")));

        // Leaving the folder is refused, with the plugin named.
        write(
            dir.path(),
            MANIFEST_FILE,
            r#"{"name": "demo", "hooks": "./../x.json"}"#,
        );
        let mut registry = HookRegistry::default();
        add_plugin_hooks(&mut registry, dir.path(), &[p], &HashMap::new(), false);
        assert!(registry.handlers.is_empty());
        assert!(
            registry.warnings[0].contains("plugin demo@market")
                && registry.warnings[0].contains("leaves the plugin's folder"),
            "{:?}",
            registry.warnings
        );
    }
}
