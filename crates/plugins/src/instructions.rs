//! The `<plugins_instructions>` part of the developer message the
//! conversation starts with. The reference 0.169 sends it (after the skills
//! and permissions parts) whenever an enabled plugin contributes skills or
//! MCP servers — whether or not those servers start — and not otherwise;
//! its content does not list the plugins. The facts it gives the model are
//! the reference's; the wording is ours.

use crate::config::InstalledPlugin;

/// How the part starts.
pub const PLUGINS_SECTION_OPEN: &str = "<plugins_instructions>";

const PLUGINS_SECTION: &str = "<plugins_instructions>
## Plugins
Plugins are locally installed bundles of skills, MCP servers and apps.
### Using them
- Skills: a plugin's skills appear in the skills list named `plugin_name:skill_name`.
- MCP tools: a plugin's MCP tools keep their usual names (`mcp__server__tool`); which plugin provides one is part of the tool's provenance.
- When the user names a plugin, favour what that plugin provides for that turn.
- A plugin is never called as such: work through its skills, MCP tools and app tools.
- What a plugin is good for follows from the user's mention of it or from the skills, MCP tools and apps it contributes elsewhere in this turn.
- If the user asks for a plugin that offers nothing usable for the task, say so in a sentence and carry on with the best alternative.
</plugins_instructions>";

/// Whether `plugin` contributes anything the model sees: a skill or an
/// MCP server.
fn contributes(plugin: &InstalledPlugin) -> bool {
    let has_skills = std::fs::read_dir(plugin.dir.join("skills"))
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    has_skills || crate::plugin_mcp_servers(plugin).is_ok_and(|servers| !servers.is_empty())
}

/// The part, when an enabled plugin contributes skills or MCP servers.
pub fn plugins_section(plugins: &[InstalledPlugin]) -> Option<String> {
    plugins
        .iter()
        .any(|plugin| plugin.enabled && contributes(plugin))
        .then(|| PLUGINS_SECTION.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_when_an_enabled_plugin_brings_something() {
        let dir = tempfile::tempdir().unwrap();
        let mut plugin = crate::test_plugin::plugin(dir.path());
        assert!(plugins_section(std::slice::from_ref(&plugin)).is_none());
        std::fs::create_dir_all(dir.path().join("skills/hello")).unwrap();
        let section = plugins_section(std::slice::from_ref(&plugin)).unwrap();
        assert!(section.starts_with(PLUGINS_SECTION_OPEN));
        assert!(section.ends_with("</plugins_instructions>"));
        plugin.enabled = false;
        assert!(plugins_section(std::slice::from_ref(&plugin)).is_none());
        // An MCP server alone is enough.
        plugin.enabled = true;
        std::fs::remove_dir_all(dir.path().join("skills")).unwrap();
        std::fs::write(
            dir.path().join(".mcp.json"),
            r#"{"mcpServers": {"x": {"command": "/bin/false"}}}"#,
        )
        .unwrap();
        assert!(plugins_section(std::slice::from_ref(&plugin)).is_some());
    }
}
