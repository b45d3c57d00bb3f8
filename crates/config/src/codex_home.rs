//! Locating `$CODEX_HOME`.

use std::path::PathBuf;

use crate::error::ConfigError;

/// `$CODEX_HOME` if set (it must then be an existing directory), else `~/.codex`
/// (which need not exist yet).
pub fn find_codex_home() -> Result<PathBuf, ConfigError> {
    if let Some(value) = std::env::var_os("CODEX_HOME").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(value);
        return match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                std::fs::canonicalize(&path).map_err(|err| ConfigError::CodexHome {
                    path,
                    reason: err.to_string(),
                })
            }
            Ok(_) => Err(ConfigError::CodexHome {
                path,
                reason: "not a directory".to_string(),
            }),
            Err(err) => Err(ConfigError::CodexHome {
                path,
                reason: format!("{err}; create it or unset CODEX_HOME"),
            }),
        };
    }
    let home = std::env::home_dir().ok_or_else(|| ConfigError::CodexHome {
        path: PathBuf::from("~/.codex"),
        reason: "cannot determine the home directory; set CODEX_HOME".to_string(),
    })?;
    Ok(home.join(".codex"))
}
