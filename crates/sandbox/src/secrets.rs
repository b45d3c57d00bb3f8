//! Files in `$CODEX_HOME` that a command the model runs must never read:
//! the sign-in (`auth.json`, `.credentials*`), the MCP OAuth token store
//! (`.mcp-credentials*`) and the state database (`state.sqlite*`, which
//! holds every thread's history and the logs).
//!
//! The Linux helper covers each with an empty, unreadable placeholder in the
//! command's mount namespace ([`crate::CommandSpec::hidden_paths`]); Landlock
//! cannot express "everything except this file", so the mount is the layer
//! that hides them. Under `danger-full-access` no sandbox runs and nothing
//! is hidden: that mode is the person's explicit choice to give commands
//! everything their user can reach.

use std::path::{Path, PathBuf};

/// Name prefixes of the secret files directly inside `$CODEX_HOME` (a
/// prefix, so that copies such as `auth.json.bak` and SQLite's `-wal` and
/// `-shm` files are covered too).
const SECRET_PREFIXES: &[&str] = &[
    "auth.json",
    ".credentials",
    ".mcp-credentials",
    "state.sqlite",
];

/// The secret files that exist now in `codex_home` (symlinks included: the
/// placeholder covers what they point to).
pub fn codex_home_secrets(codex_home: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(codex_home) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            SECRET_PREFIXES
                .iter()
                .any(|prefix| name.starts_with(prefix))
        })
        .map(|entry| entry.path())
        .collect();
    found.sort();
    found
}

/// Everything a command must not touch: codex's secrets in `codex_home`
/// and the paths a permission profile denies.
pub fn hidden_paths(codex_home: &Path, denied: &[PathBuf]) -> Vec<PathBuf> {
    let mut all = codex_home_secrets(codex_home);
    all.extend(denied.iter().cloned());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_secret_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "auth.json",
            "auth.json.bak",
            ".credentials.json",
            ".mcp-credentials.json",
            "state.sqlite",
            "state.sqlite-wal",
            "config.toml",
            "history.jsonl",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let names: Vec<String> = codex_home_secrets(dir.path())
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            vec![
                ".credentials.json",
                ".mcp-credentials.json",
                "auth.json",
                "auth.json.bak",
                "state.sqlite",
                "state.sqlite-wal"
            ]
        );
        assert!(codex_home_secrets(&dir.path().join("missing")).is_empty());
    }
}
