//! The MCP servers a plugin brings, as the reference reads them: the
//! manifest's `mcpServers` — a `./`-relative path to a JSON file (either
//! `{"mcpServers": {NAME: {...}}}` or the map alone) or the map inline —
//! and without that key the plugin's `.mcp.json`, if it has one. Each
//! server keeps its own name (no plugin prefix, as in the reference); its
//! entry has the keys of `[mcp_servers.NAME]` (other keys, such as a
//! `"type"`, are ignored).
//!
//! A stdio server's relative `command` or `cwd` is not resolved against the
//! plugin: the reference starts it in the session's directory too.

use std::collections::BTreeMap;
use std::path::Path;

use codex_config::mcp::McpServerConfig;
use serde_json::Value;

use crate::MANIFEST_FILE;
use crate::config::InstalledPlugin;

/// The plugin's servers by name; a broken declaration is an error naming
/// the file and the server.
pub fn plugin_mcp_servers(
    plugin: &InstalledPlugin,
) -> Result<BTreeMap<String, McpServerConfig>, String> {
    let manifest_path = plugin.dir.join(MANIFEST_FILE);
    let manifest: Value = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|err| format!("{}: {err}", manifest_path.display()))?,
        Err(_) => Value::Null,
    };
    let (map, source) = match manifest.get("mcpServers") {
        Some(Value::Object(inline)) => (Value::Object(inline.clone()), manifest_path),
        Some(Value::String(path)) if path.starts_with("./") => read_file(&plugin.dir, path)?,
        // The reference ignores a path not written `./…`, and any other
        // value, and falls back to the default file.
        _ => match read_file(&plugin.dir, "./.mcp.json") {
            Ok(found) => found,
            Err(_) if !plugin.dir.join(".mcp.json").exists() => return Ok(BTreeMap::new()),
            Err(err) => return Err(err),
        },
    };
    let map = match map.get("mcpServers") {
        Some(inner) => inner.clone(),
        None => map,
    };
    let Value::Object(entries) = map else {
        return Err(format!(
            "{}: the MCP servers must be an object of NAME: {{...}}",
            source.display()
        ));
    };
    entries
        .into_iter()
        .map(|(name, entry)| {
            serde_json::from_value::<McpServerConfig>(entry)
                .map(|server| (name.clone(), server))
                .map_err(|err| format!("{}: MCP server `{name}`: {err}", source.display()))
        })
        .collect()
}

fn read_file(dir: &Path, relative: &str) -> Result<(Value, std::path::PathBuf), String> {
    let path = dir.join(relative.trim_start_matches("./"));
    // A plugin's files stay inside it.
    if relative.split('/').any(|part| part == "..") {
        return Err(format!(
            "{}: `{relative}` leaves the plugin's folder",
            dir.join(MANIFEST_FILE).display()
        ));
    }
    let text =
        std::fs::read_to_string(&path).map_err(|err| format!("{}: {err}", path.display()))?;
    let value = serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    Ok((value, path))
}

/// `servers` with the enabled plugins' servers added: a server configured
/// by hand wins over a plugin's of the same name, and the first plugin (by
/// id) wins among plugins. Broken declarations are returned as warnings.
pub fn with_plugin_mcp_servers(
    servers: &BTreeMap<String, McpServerConfig>,
    plugins: &[InstalledPlugin],
) -> (BTreeMap<String, McpServerConfig>, Vec<String>) {
    let mut all = servers.clone();
    let mut warnings = Vec::new();
    for plugin in plugins.iter().filter(|p| p.enabled) {
        match plugin_mcp_servers(plugin) {
            Ok(found) => {
                for (name, server) in found {
                    all.entry(name).or_insert(server);
                }
            }
            Err(err) => warnings.push(format!("plugin {}: {err}", plugin.id)),
        }
    }
    (all, warnings)
}

/// The MCP servers a session of `config` has: `[mcp_servers]` and those of
/// the enabled plugins, with the warnings of broken plugin declarations.
pub fn effective_mcp_servers(
    config: &codex_config::Config,
) -> (BTreeMap<String, McpServerConfig>, Vec<String>) {
    let plugins = crate::installed_plugins(&config.codex_home, config.layers.get(&["plugins"]));
    with_plugin_mcp_servers(&config.mcp_servers, &plugins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_plugin::{plugin, write};

    #[test]
    fn every_declaration_the_reference_reads() {
        let dir = tempfile::tempdir().unwrap();
        let p = plugin(dir.path());
        // None at all.
        assert!(plugin_mcp_servers(&p).unwrap().is_empty());
        // The default file, wrapped.
        write(
            dir.path(),
            ".mcp.json",
            r#"{"mcpServers": {"a": {"command": "x", "type": "stdio"}}}"#,
        );
        assert_eq!(
            plugin_mcp_servers(&p).unwrap().keys().collect::<Vec<_>>(),
            ["a"]
        );
        // A path in the manifest, bare map; it replaces the default.
        write(
            dir.path(),
            MANIFEST_FILE,
            r#"{"name": "demo", "mcpServers": "./servers.json"}"#,
        );
        write(
            dir.path(),
            "servers.json",
            r#"{"b": {"url": "http://127.0.0.1:1/mcp"}}"#,
        );
        assert_eq!(
            plugin_mcp_servers(&p).unwrap().keys().collect::<Vec<_>>(),
            ["b"]
        );
        // Inline.
        write(
            dir.path(),
            MANIFEST_FILE,
            r#"{"name": "demo", "mcpServers": {"c": {"command": "y"}}}"#,
        );
        assert_eq!(
            plugin_mcp_servers(&p).unwrap().keys().collect::<Vec<_>>(),
            ["c"]
        );
        // A path without `./` falls back to the default file.
        write(
            dir.path(),
            MANIFEST_FILE,
            r#"{"name": "demo", "mcpServers": "servers.json"}"#,
        );
        assert_eq!(
            plugin_mcp_servers(&p).unwrap().keys().collect::<Vec<_>>(),
            ["a"]
        );
        // Outside the plugin: refused.
        write(
            dir.path(),
            MANIFEST_FILE,
            r#"{"name": "demo", "mcpServers": "./../x.json"}"#,
        );
        assert!(
            plugin_mcp_servers(&p)
                .unwrap_err()
                .contains("leaves the plugin")
        );
        // Broken entry: named.
        write(
            dir.path(),
            MANIFEST_FILE,
            r#"{"name": "demo", "mcpServers": {"d": {"args": 3}}}"#,
        );
        let err = plugin_mcp_servers(&p).unwrap_err();
        assert!(err.contains("MCP server `d`"), "{err}");
    }

    #[test]
    fn configured_servers_win_and_disabled_plugins_bring_none() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            ".mcp.json",
            r#"{"a": {"command": "plugin"}, "b": {"command": "plugin"}}"#,
        );
        let mut configured = BTreeMap::new();
        configured.insert(
            "a".to_string(),
            serde_json::from_value::<McpServerConfig>(serde_json::json!({"command": "mine"}))
                .unwrap(),
        );
        let mut p = plugin(dir.path());
        let (all, warnings) = with_plugin_mcp_servers(&configured, std::slice::from_ref(&p));
        assert!(warnings.is_empty());
        assert_eq!(all.len(), 2);
        assert_eq!(all["a"], configured["a"]);
        p.enabled = false;
        let (all, _) = with_plugin_mcp_servers(&configured, &[p]);
        assert_eq!(all.len(), 1);
    }
}
