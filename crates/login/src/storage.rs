//! `$CODEX_HOME/auth.json` in the reference's shape, and the lock that
//! keeps two processes from writing it at once.
//!
//! The file is read and written whole: written to a temporary file (0600)
//! and renamed over the old one, so a reader never sees half a file. Keys
//! this version does not use are kept as they were, so a file the
//! reference wrote goes back to the reference unchanged but for what we
//! refreshed.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::LoginError;

/// The file `codex login` writes.
pub fn auth_file(codex_home: &Path) -> PathBuf {
    codex_home.join("auth.json")
}

/// Held while a process reads-refreshes-writes `auth.json`.
fn lock_file(codex_home: &Path) -> PathBuf {
    codex_home.join(".auth.json.lock")
}

/// `auth.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthDotJson {
    /// `"chatgpt"` or `"apikey"`; older files have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_mode: Option<String>,
    #[serde(rename = "OPENAI_API_KEY", default)]
    pub openai_api_key: Option<String>,
    #[serde(default)]
    pub tokens: Option<TokenData>,
    /// RFC 3339.
    #[serde(default)]
    pub last_refresh: Option<String>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The ChatGPT tokens of `auth.json`, as raw JWT strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenData {
    pub id_token: String,
    pub access_token: String,
    pub refresh_token: String,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl AuthDotJson {
    /// True when the file holds ChatGPT tokens (and does not say it is an
    /// API-key login).
    pub fn has_chatgpt_tokens(&self) -> bool {
        self.tokens.is_some() && self.auth_mode.as_deref() != Some("apikey")
    }
}

/// `auth.json`, or None when there is none.
pub fn read_auth(codex_home: &Path) -> Result<Option<AuthDotJson>, LoginError> {
    let path = auth_file(codex_home);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(LoginError::Read { path, source }),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| LoginError::Parse { path, source })
}

/// Replaces `auth.json` with `auth` (0600, atomically).
pub fn write_auth(codex_home: &Path, auth: &AuthDotJson) -> Result<(), LoginError> {
    let path = auth_file(codex_home);
    let write_err = |source| LoginError::Write {
        path: path.clone(),
        source,
    };
    codex_config::private_file::create_private_dir_all(codex_home).map_err(write_err)?;
    let json = serde_json::to_vec_pretty(auth).map_err(|e| write_err(std::io::Error::other(e)))?;
    codex_config::private_file::write_atomic(&path, &json).map_err(write_err)
}

/// Removes `auth.json`. Returns whether there was one.
pub fn delete_auth(codex_home: &Path) -> Result<bool, LoginError> {
    let path = auth_file(codex_home);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(LoginError::Write { path, source }),
    }
}

/// An exclusive lock on `auth.json` for this process, released on drop.
/// Other codex processes wait for it before they refresh or write.
pub struct AuthFileLock {
    _file: File,
}

impl AuthFileLock {
    /// Waits for the lock (blocking; call it off the async runtime).
    pub fn acquire(codex_home: &Path) -> Result<Self, LoginError> {
        let path = lock_file(codex_home);
        let err = |source| LoginError::Write {
            path: path.clone(),
            source,
        };
        codex_config::private_file::create_private_dir_all(codex_home).map_err(err)?;
        let file = codex_config::private_file::open(
            &path,
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )
        .map_err(err)?;
        flock_exclusive(&file).map_err(err)?;
        Ok(Self { _file: file })
    }
}

#[cfg(unix)]
fn flock_exclusive(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: the descriptor is open for the duration of the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

#[cfg(not(unix))]
fn flock_exclusive(_file: &File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_file_round_trips_with_its_unknown_keys() {
        let home = tempfile::tempdir().unwrap();
        let text = r#"{
  "auth_mode": "chatgpt",
  "OPENAI_API_KEY": null,
  "tokens": {"id_token": "a.b.c", "access_token": "d.e.f", "refresh_token": "rt", "account_id": "acc", "extra": 1},
  "last_refresh": "2026-11-30T10:00:00Z",
  "agent_identity": {"kept": true}
}"#;
        std::fs::write(auth_file(home.path()), text).unwrap();
        let auth = read_auth(home.path()).unwrap().unwrap();
        assert!(auth.has_chatgpt_tokens());
        assert_eq!(
            auth.tokens.as_ref().unwrap().account_id.as_deref(),
            Some("acc")
        );
        write_auth(home.path(), &auth).unwrap();
        let again: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(auth_file(home.path())).unwrap())
                .unwrap();
        let before: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(again, before);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(auth_file(home.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn an_api_key_file_has_no_tokens() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(auth_file(home.path()), r#"{"OPENAI_API_KEY":"sk-x"}"#).unwrap();
        let auth = read_auth(home.path()).unwrap().unwrap();
        assert!(!auth.has_chatgpt_tokens());
        assert_eq!(auth.openai_api_key.as_deref(), Some("sk-x"));
    }
}
