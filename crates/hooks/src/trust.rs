//! The per-hook trust record shared with the reference Codex CLI:
//! `[hooks.state."KEY"] trusted_hash = "sha256:…"` in the user's
//! `config.toml`. A hook whose current hash is not the recorded one does
//! not run.
//!
//! The hash is the reference's (found by experiment against 0.169 and
//! checked on every event, with and without matcher, timeout, `async`,
//! `statusMessage` and `additionalContextLimit`), so a record written by
//! either program is honoured by the other:
//!
//! - a hook's identity is the sha256 of the compact JSON, keys sorted, of
//!   `{"event_name": "pre_tool_use", "matcher"?: M, "hooks": [{"type":
//!   "command", "command": C, "timeout": SECS, "async": B,
//!   "statusMessage"?: S, "additionalContextLimit"?: N}]}` — the timeout
//!   after defaulting (600), the matcher as written (`*` and `""` too) but
//!   dropped for the events that take none (`UserPromptSubmit`, `Stop`);
//! - a plugin's hook adds `/` and the plugin's fingerprint
//!   ([`plugin_fingerprint`]), so any change to the plugin's files asks for
//!   trust again.
//!
//! Keys: `PATH:EVENT:GROUP:INDEX` for a file's hook (the file's absolute
//! path), `PLUGIN@MARKET:hooks/hooks.json:EVENT:GROUP:INDEX` for a plugin's
//! (the file relative to the plugin), `…:plugin.json#hooks[I]:…` for hooks
//! written inline in its manifest.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::HookEvent;

/// What `[hooks.state."KEY"]` says of one hook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookState {
    pub trusted_hash: Option<String>,
    /// `enabled = false` turns a hook off whatever its trust.
    pub enabled: Option<bool>,
}

/// `[hooks.state]` of the user's `config.toml` (the only layer that may
/// trust a hook, as in the reference: a project cannot trust its own).
pub fn read_states(user_config: &Path) -> HashMap<String, HookState> {
    let Some(text) = std::fs::read_to_string(user_config).ok() else {
        return HashMap::new();
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return HashMap::new();
    };
    let Some(states) = table
        .get("hooks")
        .and_then(|h| h.get("state"))
        .and_then(toml::Value::as_table)
    else {
        return HashMap::new();
    };
    states
        .iter()
        .map(|(key, entry)| {
            let state = HookState {
                trusted_hash: entry
                    .get("trusted_hash")
                    .and_then(toml::Value::as_str)
                    .map(str::to_string),
                enabled: entry.get("enabled").and_then(toml::Value::as_bool),
            };
            (key.clone(), state)
        })
        .collect()
}

/// The reference's label of an event in keys and hashes.
pub fn event_label(event: HookEvent) -> &'static str {
    match event {
        HookEvent::SessionStart => "session_start",
        HookEvent::UserPromptSubmit => "user_prompt_submit",
        HookEvent::PreToolUse => "pre_tool_use",
        HookEvent::PermissionRequest => "permission_request",
        HookEvent::PostToolUse => "post_tool_use",
        HookEvent::PreCompact => "pre_compact",
        HookEvent::PostCompact => "post_compact",
        HookEvent::Stop => "stop",
        HookEvent::StopFailure => "stop_failure",
        HookEvent::SubagentStart => "subagent_start",
        HookEvent::SubagentStop => "subagent_stop",
    }
}

/// Whether the event's matcher counts (the reference ignores it for these).
pub fn event_takes_matcher(event: HookEvent) -> bool {
    !matches!(event, HookEvent::UserPromptSubmit | HookEvent::Stop)
}

/// The fields of one command hook that its identity covers.
pub struct HookIdentity<'a> {
    pub event: HookEvent,
    /// As written in the file.
    pub matcher: Option<&'a str>,
    pub command: &'a str,
    pub timeout_secs: u64,
    pub is_async: bool,
    pub status_message: Option<&'a str>,
    pub additional_context_limit: Option<u64>,
}

/// `sha256:HEX` of the hook's normalized identity.
pub fn identity_hash(hook: &HookIdentity<'_>) -> String {
    let mut handler = serde_json::Map::new();
    handler.insert("type".into(), "command".into());
    handler.insert("command".into(), hook.command.into());
    handler.insert("timeout".into(), hook.timeout_secs.into());
    handler.insert("async".into(), hook.is_async.into());
    if let Some(status) = hook.status_message {
        handler.insert("statusMessage".into(), status.into());
    }
    if let Some(limit) = hook.additional_context_limit {
        handler.insert("additionalContextLimit".into(), limit.into());
    }
    let mut identity = serde_json::Map::new();
    identity.insert("event_name".into(), event_label(hook.event).into());
    if let Some(matcher) = hook.matcher.filter(|_| event_takes_matcher(hook.event)) {
        identity.insert("matcher".into(), matcher.into());
    }
    identity.insert("hooks".into(), Value::Array(vec![Value::Object(handler)]));
    let mut text = String::new();
    canonical_json(&Value::Object(identity), &mut text);
    sha256_label(text.as_bytes())
}

/// Compact JSON with every object's keys sorted (whatever order the map
/// keeps).
fn canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical_json(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn sha256_label(bytes: &[u8]) -> String {
    hex_label(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

fn hex_label(digest: &[u8]) -> String {
    let mut out = String::with_capacity(7 + digest.len() * 2);
    out.push_str("sha256:");
    for byte in digest {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Names the fingerprint skips, as the reference does: Python's caches
/// and virtual environments, which change without the plugin changing.
fn skipped(name: &[u8]) -> bool {
    name == b"__pycache__"
        || name == b".venv"
        || name.ends_with(b".pyc")
        || name.ends_with(b".egg-info")
}

/// `sha256:HEX` of a plugin's folder, the reference's way: a hasher seeded
/// with `codex-plugin-bundle-v1`, then each entry depth-first (the folder
/// itself first, as the empty path; a folder's entries by name, bytewise):
/// the relative path's length (u64, little-endian) and bytes, then
/// `directory`, or `file`, the size (u64 LE) and the contents. A symbolic
/// link or other special file is an error, as in the reference (whose
/// plugin hooks then do not load).
pub fn plugin_fingerprint(root: &Path) -> Result<String, String> {
    use std::os::unix::ffi::OsStrExt;

    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"codex-plugin-bundle-v1");
    let mut stack: Vec<std::path::PathBuf> = vec![std::path::PathBuf::new()];
    let mut buf = vec![0u8; 64 * 1024];
    while let Some(rel) = stack.pop() {
        let full = if rel.as_os_str().is_empty() {
            root.to_path_buf()
        } else {
            root.join(&rel)
        };
        let meta =
            std::fs::symlink_metadata(&full).map_err(|err| format!("{}: {err}", full.display()))?;
        let path = rel.as_os_str().as_bytes();
        ctx.update(&(path.len() as u64).to_le_bytes());
        ctx.update(path);
        if meta.is_dir() {
            ctx.update(b"directory");
            let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(&full)
                .map_err(|err| format!("{}: {err}", full.display()))?
                .filter_map(|e| e.ok().map(|e| e.file_name()))
                .filter(|name| !skipped(name.as_bytes()))
                .collect();
            names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            // Popped in order: push the last name first.
            for name in names.into_iter().rev() {
                stack.push(rel.join(name));
            }
        } else if meta.is_file() {
            ctx.update(b"file");
            ctx.update(&meta.len().to_le_bytes());
            let mut file =
                std::fs::File::open(&full).map_err(|err| format!("{}: {err}", full.display()))?;
            let mut read = 0u64;
            loop {
                let n = file
                    .read(&mut buf)
                    .map_err(|err| format!("{}: {err}", full.display()))?;
                if n == 0 {
                    break;
                }
                read += n as u64;
                ctx.update(&buf[..n]);
            }
            if read != meta.len() {
                return Err(format!("{}: changed while it was read", full.display()));
            }
        } else {
            return Err(format!(
                "{}: a plugin may hold only files and folders (not a link or special file)",
                full.display()
            ));
        }
    }
    Ok(hex_label(ctx.finish().as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook<'a>(event: HookEvent, matcher: Option<&'a str>, command: &'a str) -> HookIdentity<'a> {
        HookIdentity {
            event,
            matcher,
            command,
            timeout_secs: 600,
            is_async: false,
            status_message: None,
            additional_context_limit: None,
        }
    }

    /// Hashes the reference 0.169 reported for the same hooks
    /// (`hooks/list`'s `currentHash`).
    #[test]
    fn identity_hashes_are_the_references() {
        let cases: Vec<(HookIdentity<'_>, &str)> = vec![
            (
                hook(HookEvent::UserPromptSubmit, None, "x"),
                "9f83d2c9d1b48d3700283cd1d70b9fc7ad739f3245049d933978e90187ee8a84",
            ),
            (
                // The matcher of UserPromptSubmit does not count.
                hook(
                    HookEvent::UserPromptSubmit,
                    Some("*"),
                    "echo hi > /tmp/hx/ran",
                ),
                "0965b5dd583768594dfc7e37bb9e423a73bcc1490e610903ca4897725e0d0aea",
            ),
            (
                hook(HookEvent::PreToolUse, Some("Bash"), "x"),
                "8b3de0db500a24df6d2c8ddb5e04090edd5f3066951d7e252357fb79bb6bbd16",
            ),
            (
                hook(HookEvent::PreToolUse, Some("*"), "x"),
                "d45cad3a97f5da232114b0dc9ca05a3f9e009c837ab5cce24784763e811e223d",
            ),
            (
                hook(HookEvent::PreToolUse, Some(""), "x"),
                "b22089b130d882c1c73d1ff80b8d260c544274033f130ad1e1c72d6c40cacc38",
            ),
            (
                hook(HookEvent::Stop, Some("m"), "x"),
                "6f14477468be127a92604ce05b51030268ccd6077fa7a807515589cfcfc7fd17",
            ),
            (
                hook(HookEvent::SessionStart, Some("m"), "x"),
                "ca5dfabb47ad857d282a6643e78e2142c3bba69e253b7207eb9f403f3687b9c6",
            ),
            (
                HookIdentity {
                    timeout_secs: 5,
                    ..hook(HookEvent::UserPromptSubmit, None, "echo hi > /tmp/hx/ran")
                },
                "1b69ab0a6e60d64dafdff97b15ac089c6292c3892419ab0d5b4da46fa8568e17",
            ),
            (
                HookIdentity {
                    status_message: Some("s"),
                    ..hook(HookEvent::UserPromptSubmit, None, "x")
                },
                "745efb63e5be569c9eead693c0a39fc263755884716dc56692afe6f629e0c812",
            ),
            (
                HookIdentity {
                    is_async: true,
                    ..hook(HookEvent::UserPromptSubmit, None, "x")
                },
                "520407eef625d091ba6cd58205758d9232f49324907acb7875902b20deb740a5",
            ),
            (
                HookIdentity {
                    additional_context_limit: Some(5),
                    ..hook(HookEvent::PostToolUse, Some("m"), "x")
                },
                "9661b998a047e2bbde980d9876f7e4ee4adeb092ee0e3b13a68e5c3ef0bab8fe",
            ),
        ];
        for (identity, want) in cases {
            assert_eq!(identity_hash(&identity), format!("sha256:{want}"));
        }
    }

    /// Folders the reference 0.169 fingerprinted (the second half of a
    /// plugin hook's `currentHash`).
    #[test]
    fn plugin_fingerprints_are_the_references() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".codex-plugin")).unwrap();
        std::fs::create_dir_all(root.join("hooks")).unwrap();
        std::fs::write(
            root.join(".codex-plugin/plugin.json"),
            "{\"name\": \"demo\", \"version\": \"1.0.0\", \"description\": \"Demo\"}\n",
        )
        .unwrap();
        std::fs::write(
            root.join("hooks/hooks.json"),
            "{\"hooks\": {\"UserPromptSubmit\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"echo hi > /tmp/hx/ran\"}]}]}}\n",
        )
        .unwrap();
        assert_eq!(
            plugin_fingerprint(root).unwrap(),
            "sha256:79eef3aff6a1a25f5f388487c6c8587a44bdaeba2b1877699a5ccb5ac2dc0b33"
        );
        // Python caches do not count; an empty folder does.
        std::fs::create_dir_all(root.join("x/__pycache__")).unwrap();
        std::fs::write(root.join("x/__pycache__/m.pyc"), "1\n").unwrap();
        std::fs::write(root.join("x/z.pyc"), "1\n").unwrap();
        std::fs::create_dir_all(root.join(".venv")).unwrap();
        let with_x = plugin_fingerprint(root).unwrap();
        assert_ne!(
            with_x,
            "sha256:79eef3aff6a1a25f5f388487c6c8587a44bdaeba2b1877699a5ccb5ac2dc0b33"
        );
        std::fs::remove_dir_all(root.join("x/__pycache__")).unwrap();
        std::fs::remove_file(root.join("x/z.pyc")).unwrap();
        std::fs::remove_dir_all(root.join(".venv")).unwrap();
        assert_eq!(plugin_fingerprint(root).unwrap(), with_x);
        std::os::unix::fs::symlink("hooks", root.join("link")).unwrap();
        assert!(plugin_fingerprint(root).unwrap_err().contains("link"));
    }

    #[test]
    fn depth_first_by_bytes() {
        // `B` < `a` < `a-c`, and `a/b` comes right after `a`: the order the
        // reference hashed (sorted paths would put `a-c` before `a/b`).
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".codex-plugin")).unwrap();
        std::fs::write(
            root.join(".codex-plugin/plugin.json"),
            r#"{"name":"demo","hooks":{"hooks":{"UserPromptSubmit":[{"hooks":[{"type":"command","command":"x"}]}]}}}"#,
        )
        .unwrap();
        assert_eq!(
            plugin_fingerprint(root).unwrap(),
            "sha256:0a25a97c85e4a78827bc1b807dab195df644a1a598d0018c0021c6e6d3708e85"
        );
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/b"), "1\n").unwrap();
        std::fs::write(root.join("a-c"), "2\n").unwrap();
        std::fs::write(root.join("B"), "3\n").unwrap();
        assert_eq!(
            plugin_fingerprint(root).unwrap(),
            "sha256:f725a39ec460bd60513245653c11e9336ed2304230d343bd444c141a8ecd4c1d"
        );
    }

    #[test]
    fn states_are_read_from_the_user_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[hooks.state.\"demo@m:hooks/hooks.json:stop:0:0\"]\ntrusted_hash = \"sha256:a/sha256:b\"\nenabled = false\n",
        )
        .unwrap();
        let states = read_states(&path);
        let state = &states["demo@m:hooks/hooks.json:stop:0:0"];
        assert_eq!(state.trusted_hash.as_deref(), Some("sha256:a/sha256:b"));
        assert_eq!(state.enabled, Some(false));
    }
}
