//! Where hooks come from: for each layer (the user's `$CODEX_HOME`, then
//! each `.codex/` folder from the repository root down to the working
//! directory), a `hooks.json` and a `[hooks]` table of that layer's
//! `config.toml`, in one shape — event name → matcher groups
//! `{matcher, hooks: [{type: "command", command, timeout_sec, async,
//! status_message}]}` (Claude Code's `settings.json` `hooks` object, whose
//! `timeout` is also read). A plugin's hooks objects come in through
//! [`HookRegistry::read_plugin_hooks`] (`codex-plugins` finds them), each
//! handler keyed and hashed for the per-hook trust of [`crate::trust`].
//! Problems are warnings that name the file; they never stop a session.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex_automata::meta::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::HookEvent;
use crate::trust::{self, HookState};

/// Default `timeout_sec` of a command handler.
pub const DEFAULT_TIMEOUT_SECS: u64 = 600;

/// One command to run for an event.
#[derive(Debug, Clone)]
pub struct Handler {
    pub event: HookEvent,
    /// As written; `None` (or empty, or `*`) matches everything.
    pub matcher: Option<String>,
    regex: Option<Regex>,
    pub command: String,
    pub timeout_secs: u64,
    pub is_async: bool,
    pub status_message: Option<String>,
    /// The file it was read from.
    pub source: PathBuf,
    /// Project hooks run only in a trusted project; a plugin's only once
    /// trusted in `[hooks.state]` (see [`crate::trust`]).
    pub trusted: bool,
    /// Its `[hooks.state]` key, as the reference names it.
    pub key: String,
    /// Its hash as the reference computes it (what `trusted_hash` must be).
    pub current_hash: String,
    /// `NAME@MARKETPLACE` of the plugin it came with.
    pub plugin: Option<String>,
    /// Variables its process gets besides the session's (a plugin's
    /// `PLUGIN_ROOT`, `PLUGIN_DATA` and Claude Code's names for them).
    pub env: Vec<(String, String)>,
}

impl Handler {
    /// Whether this handler applies to `targets` (the names of a tool, or
    /// the source of a session start). No target: every handler applies.
    pub fn matches(&self, targets: &[&str]) -> bool {
        match (&self.regex, targets.is_empty()) {
            (None, _) | (_, true) => true,
            (Some(regex), false) => targets.iter().any(|t| regex.is_match(t)),
        }
    }
}

/// Every handler found, and what was wrong with the files.
#[derive(Debug, Clone, Default)]
pub struct HookRegistry {
    pub handlers: Vec<Handler>,
    pub warnings: Vec<String>,
}

/// Where a hooks object came from, for keys and trust.
pub struct Origin<'a> {
    /// The file named in messages.
    pub source: &'a Path,
    /// The key's first part: the file's path, or `PLUGIN:hooks/hooks.json`.
    pub key_prefix: String,
    /// For a plugin's hooks: its id and fingerprint.
    pub plugin: Option<(&'a str, &'a str)>,
    /// Variables for its hooks' processes; `${NAME}` of each is also
    /// replaced in their commands (after hashing: the trust record covers
    /// the command as written, as in the reference).
    pub env: &'a [(String, String)],
    /// Whether its hooks may run (for a plugin, decided per hook).
    pub trusted: bool,
}

/// One place hooks are read from.
pub struct Layer {
    /// `$CODEX_HOME` or a project's `.codex` folder.
    pub dir: PathBuf,
    pub trusted: bool,
}

impl HookRegistry {
    /// Reads the layers in order (user first).
    pub fn discover(layers: &[Layer]) -> Self {
        let mut registry = Self::default();
        for layer in layers {
            registry.read_layer(layer);
        }
        registry
    }

    /// The `.codex` folders from `root` down to `cwd` (both included).
    pub fn project_dirs(root: &Path, cwd: &Path) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = cwd
            .ancestors()
            .take_while(|dir| dir.starts_with(root))
            .map(|dir| dir.join(".codex"))
            .collect();
        dirs.reverse();
        dirs
    }

    fn read_layer(&mut self, layer: &Layer) {
        let json_path = layer.dir.join("hooks.json");
        let toml_path = layer.dir.join("config.toml");
        let from_json = match std::fs::read_to_string(&json_path) {
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Ok(value) => Some(value),
                Err(err) => {
                    self.warn(
                        &json_path,
                        &format!("not valid JSON ({err}); its hooks are ignored"),
                    );
                    None
                }
            },
            Err(_) => None,
        };
        let from_toml = std::fs::read_to_string(&toml_path)
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .and_then(|mut table| table.remove("hooks"))
            .map(|mut hooks| {
                // The trust record lives beside the events (see `trust`).
                if let Some(table) = hooks.as_table_mut() {
                    table.remove("state");
                }
                hooks
            })
            .and_then(|hooks| serde_json::to_value(hooks).ok())
            .filter(|events| events.as_object().is_some_and(|e| !e.is_empty()));
        if from_json.is_some() && from_toml.is_some() {
            self.warn(
                &layer.dir,
                "has both hooks.json and a [hooks] table in config.toml; both are used, keep one",
            );
        }
        if let Some(value) = from_json {
            // Claude Code's settings.json keeps them under "hooks".
            let events = value.get("hooks").cloned().unwrap_or(value);
            self.read_events(
                &events,
                &Origin {
                    source: &json_path,
                    key_prefix: json_path.display().to_string(),
                    plugin: None,
                    env: &[],
                    trusted: layer.trusted,
                },
                &HashMap::new(),
            );
        }
        if let Some(events) = from_toml {
            self.read_events(
                &events,
                &Origin {
                    source: &toml_path,
                    key_prefix: toml_path.display().to_string(),
                    plugin: None,
                    env: &[],
                    trusted: layer.trusted,
                },
                &HashMap::new(),
            );
        }
    }

    /// Adds the hooks of one of a plugin's hook files (or its manifest's
    /// inline object): each runs only if `states` records its current hash
    /// (or `bypass_trust`, the `--dangerously-bypass-hook-trust` flag).
    pub fn read_plugin_hooks(
        &mut self,
        value: &Value,
        origin: &Origin<'_>,
        states: &HashMap<String, HookState>,
    ) {
        let events = value.get("hooks").cloned().unwrap_or_else(|| value.clone());
        self.read_events(&events, origin, states);
    }

    fn read_events(
        &mut self,
        events: &Value,
        origin: &Origin<'_>,
        states: &HashMap<String, HookState>,
    ) {
        let source = origin.source;
        let Some(events) = events.as_object() else {
            self.warn(source, "hooks must be an object of event names");
            return;
        };
        for (name, groups) in events {
            let Some(event) = HookEvent::from_name(name) else {
                self.warn(
                    source,
                    &format!(
                        "unknown hook event `{name}` (known: {})",
                        HookEvent::names()
                    ),
                );
                continue;
            };
            let groups: Vec<MatcherGroup> = match serde_json::from_value(groups.clone()) {
                Ok(groups) => groups,
                Err(err) => {
                    self.warn(source, &format!("`{name}`: {err}"));
                    continue;
                }
            };
            for (group_index, group) in groups.into_iter().enumerate() {
                let written_matcher = group.matcher.clone();
                let matcher = group.matcher.filter(|m| !m.is_empty() && m != "*");
                let regex = match &matcher {
                    Some(pattern) => match Regex::new(&format!("^(?:{pattern})$")) {
                        Ok(regex) => Some(regex),
                        Err(err) => {
                            self.warn(
                                source,
                                &format!("`{name}`: matcher `{pattern}` is not a valid regular expression ({err}); its hooks are ignored"),
                            );
                            continue;
                        }
                    },
                    None => None,
                };
                for (hook_index, hook) in group.hooks.into_iter().enumerate() {
                    if hook.kind != "command" {
                        self.warn(
                            source,
                            &format!(
                                "`{name}`: hook type `{}` is not supported (only `command`)",
                                hook.kind
                            ),
                        );
                        continue;
                    }
                    let Some(command) = hook.command.filter(|c| !c.trim().is_empty()) else {
                        self.warn(
                            source,
                            &format!("`{name}`: a command hook without a command"),
                        );
                        continue;
                    };
                    let timeout_secs = hook
                        .timeout_sec
                        .or(hook.timeout)
                        .unwrap_or(DEFAULT_TIMEOUT_SECS)
                        .max(1);
                    let key = format!(
                        "{}:{}:{group_index}:{hook_index}",
                        origin.key_prefix,
                        trust::event_label(event)
                    );
                    let mut current_hash = trust::identity_hash(&trust::HookIdentity {
                        event,
                        matcher: written_matcher.as_deref(),
                        command: &command,
                        timeout_secs,
                        is_async: hook.is_async,
                        status_message: hook.status_message.as_deref(),
                        additional_context_limit: hook.additional_context_limit,
                    });
                    let trusted = match origin.plugin {
                        None => origin.trusted,
                        Some((_, fingerprint)) => {
                            current_hash = format!("{current_hash}/{fingerprint}");
                            let state = states.get(&key);
                            origin.trusted
                                || (state.and_then(|s| s.trusted_hash.as_deref())
                                    == Some(current_hash.as_str())
                                    && state.and_then(|s| s.enabled) != Some(false))
                        }
                    };
                    let command = origin.env.iter().fold(command, |command, (name, value)| {
                        command.replace(&format!("${{{name}}}"), value)
                    });
                    self.handlers.push(Handler {
                        event,
                        matcher: matcher.clone(),
                        regex: regex.clone(),
                        command,
                        timeout_secs,
                        is_async: hook.is_async,
                        status_message: hook.status_message,
                        source: source.to_path_buf(),
                        trusted,
                        key,
                        current_hash,
                        plugin: origin.plugin.map(|(id, _)| id.to_string()),
                        env: origin.env.to_vec(),
                    });
                }
            }
        }
    }

    fn warn(&mut self, source: &Path, message: &str) {
        self.warnings
            .push(format!("{}: {message}", source.display()));
    }

    /// The handlers of `event` for `targets` that may run (trusted), each
    /// command once.
    pub fn matching(&self, event: HookEvent, targets: &[&str]) -> Vec<&Handler> {
        let mut seen = std::collections::HashSet::new();
        self.handlers
            .iter()
            .filter(|h| h.event == event && h.trusted && h.matches(targets))
            .filter(|h| seen.insert(h.command.clone()))
            .collect()
    }

    /// Handlers that will not run: their project, or (for a plugin's)
    /// the hook itself, is not trusted.
    pub fn untrusted(&self) -> impl Iterator<Item = &Handler> {
        self.handlers.iter().filter(|h| !h.trusted)
    }
}

#[derive(Deserialize)]
struct MatcherGroup {
    #[serde(default)]
    matcher: Option<String>,
    #[serde(default)]
    hooks: Vec<HookEntry>,
}

#[derive(Deserialize)]
struct HookEntry {
    #[serde(rename = "type", default = "command_kind")]
    kind: String,
    command: Option<String>,
    timeout_sec: Option<u64>,
    /// Claude Code's name for it.
    timeout: Option<u64>,
    #[serde(rename = "async", default)]
    is_async: bool,
    #[serde(alias = "statusMessage")]
    status_message: Option<String>,
    #[serde(rename = "additionalContextLimit", alias = "additional_context_limit")]
    additional_context_limit: Option<u64>,
}

fn command_kind() -> String {
    "command".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_are_read_and_mistakes_are_warnings() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join("hooks.json"),
            r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "a.sh", "timeout": 5}]}],
                          "Nonsense": [], "Stop": [{"matcher": "(", "hooks": [{"command": "b"}]}]}}"#,
        )
        .unwrap();
        std::fs::write(
            home.path().join("config.toml"),
            "model = \"x\"\n[[hooks.PostToolUse]]\nmatcher = \"Edit|Write\"\n[[hooks.PostToolUse.hooks]]\ntype = \"command\"\ncommand = \"fmt.sh\"\n",
        )
        .unwrap();
        let registry = HookRegistry::discover(&[Layer {
            dir: home.path().to_path_buf(),
            trusted: true,
        }]);
        assert_eq!(registry.handlers.len(), 2, "{:?}", registry.warnings);
        let pre = registry.matching(HookEvent::PreToolUse, &["exec_command", "Bash"]);
        assert_eq!(pre.len(), 1);
        assert_eq!(pre[0].timeout_secs, 5);
        assert!(
            registry
                .matching(HookEvent::PreToolUse, &["apply_patch", "Edit"])
                .is_empty()
        );
        assert_eq!(
            registry
                .matching(HookEvent::PostToolUse, &["apply_patch", "Edit"])
                .len(),
            1
        );
        let warnings = registry.warnings.join("\n");
        assert!(
            warnings.contains("unknown hook event `Nonsense`"),
            "{warnings}"
        );
        assert!(warnings.contains("matcher `(`"), "{warnings}");
        assert!(
            warnings.contains("both hooks.json and a [hooks] table"),
            "{warnings}"
        );
    }

    #[test]
    fn project_dirs_go_from_the_root_down() {
        let dirs = HookRegistry::project_dirs(Path::new("/r"), Path::new("/r/a/b"));
        assert_eq!(
            dirs,
            vec![
                PathBuf::from("/r/.codex"),
                PathBuf::from("/r/a/.codex"),
                PathBuf::from("/r/a/b/.codex")
            ]
        );
    }
}
