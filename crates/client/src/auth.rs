//! API keys: from the environment, or stored by `codex login` in
//! `$CODEX_HOME/auth.json` (mode 0600, written atomically).

use std::path::{Path, PathBuf};

use codex_config::ModelProviderInfo;
use serde::{Deserialize, Serialize};

use crate::error::ClientError;

/// The file `codex login` writes.
pub fn auth_file(codex_home: &Path) -> PathBuf {
    codex_home.join("auth.json")
}

/// `auth.json`, in the reference's shape. Fields we do not use are kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct AuthDotJson {
    #[serde(
        rename = "OPENAI_API_KEY",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    openai_api_key: Option<String>,
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not valid JSON ({source}); remove it or run `codex login` again", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the API key is empty")]
    EmptyKey,
}

/// The key stored by `codex login`, if any.
pub fn load_stored_api_key(codex_home: &Path) -> Result<Option<String>, AuthError> {
    Ok(read_auth(codex_home)?.and_then(|auth| auth.openai_api_key))
}

fn read_auth(codex_home: &Path) -> Result<Option<AuthDotJson>, AuthError> {
    let path = auth_file(codex_home);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(AuthError::Read { path, source }),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| AuthError::Parse { path, source })
}

/// Stores `key` in `auth.json` (0600, replaced atomically).
pub fn save_api_key(codex_home: &Path, key: &str) -> Result<(), AuthError> {
    let key = key.trim();
    if key.is_empty() {
        return Err(AuthError::EmptyKey);
    }
    let auth = AuthDotJson {
        openai_api_key: Some(key.to_string()),
        other: serde_json::Map::new(),
    };
    let path = auth_file(codex_home);
    let write_err = |source| AuthError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(codex_home).map_err(write_err)?;
    let json = serde_json::to_vec_pretty(&auth).map_err(|e| write_err(std::io::Error::other(e)))?;
    codex_config::private_file::write_atomic(&path, &json).map_err(write_err)
}

/// Removes `auth.json`. Returns whether there was one.
pub fn delete_auth(codex_home: &Path) -> Result<bool, AuthError> {
    let path = auth_file(codex_home);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(AuthError::Write { path, source }),
    }
}

/// `sk-proj-abc…xyz12` → `sk-proj-***xyz12`: enough to recognize, not to use.
pub fn mask_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 13 {
        return "***".to_string();
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 5..].iter().collect();
    format!("{head}***{tail}")
}

/// Where a key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env(String),
    AuthFile,
    Config,
}

/// The key for requests to `provider`, or None for providers without auth.
///
/// Order: for the built-in `openai` provider `CODEX_API_KEY`, then the
/// provider's `env_key`, then (for providers that take OpenAI auth) the key
/// stored by `codex login`, then `experimental_bearer_token`.
pub fn resolve_api_key(
    provider_id: &str,
    provider: &ModelProviderInfo,
    codex_home: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(String, KeySource)>, ClientError> {
    let from_env = |var: &str| env(var).filter(|v| !v.trim().is_empty());
    if provider_id == "openai"
        && let Some(key) = from_env("CODEX_API_KEY")
    {
        return Ok(Some((key, KeySource::Env("CODEX_API_KEY".into()))));
    }
    if let Some(var) = &provider.env_key
        && let Some(key) = from_env(var)
    {
        return Ok(Some((key, KeySource::Env(var.clone()))));
    }
    if provider.requires_openai_auth {
        match load_stored_api_key(codex_home) {
            Ok(Some(key)) => return Ok(Some((key, KeySource::AuthFile))),
            Ok(None) => {}
            Err(err) => return Err(ClientError::Other(err.to_string())),
        }
    }
    if let Some(token) = &provider.experimental_bearer_token {
        return Ok(Some((token.clone(), KeySource::Config)));
    }
    match &provider.env_key {
        Some(var) => Err(ClientError::MissingApiKey {
            var: var.clone(),
            instructions: provider.env_key_instructions.clone().or_else(|| {
                provider
                    .requires_openai_auth
                    .then(|| "Or store a key with `codex login --with-api-key`.".to_string())
            }),
        }),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_config::built_in_model_providers;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn save_load_delete_with_private_mode() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(load_stored_api_key(home.path()).unwrap(), None);
        save_api_key(home.path(), "  sk-test-1234567890abcdef\n").unwrap();
        assert_eq!(
            load_stored_api_key(home.path()).unwrap().as_deref(),
            Some("sk-test-1234567890abcdef")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(auth_file(home.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(delete_auth(home.path()).unwrap());
        assert!(!delete_auth(home.path()).unwrap());
        assert!(matches!(
            save_api_key(home.path(), " "),
            Err(AuthError::EmptyKey)
        ));
    }

    #[test]
    fn corrupt_file_is_reported() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(auth_file(home.path()), "{nope").unwrap();
        let err = load_stored_api_key(home.path()).unwrap_err();
        assert!(
            err.to_string().contains("auth.json is not valid JSON"),
            "{err}"
        );
    }

    #[test]
    fn masking() {
        assert_eq!(
            mask_key("sk-proj-abcdefghijklmnop12345"),
            "sk-proj-***12345"
        );
        assert_eq!(mask_key("short"), "***");
    }

    #[test]
    fn resolution_order() {
        let home = tempfile::tempdir().unwrap();
        let openai = built_in_model_providers().remove("openai").unwrap();
        let err = resolve_api_key("openai", &openai, home.path(), &no_env).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`OPENAI_API_KEY`") && text.contains("codex login"),
            "{text}"
        );

        save_api_key(home.path(), "sk-stored-key-000000").unwrap();
        let (key, source) = resolve_api_key("openai", &openai, home.path(), &no_env)
            .unwrap()
            .unwrap();
        assert_eq!(
            (key.as_str(), source),
            ("sk-stored-key-000000", KeySource::AuthFile)
        );

        let env = |var: &str| (var == "OPENAI_API_KEY").then(|| "sk-env".to_string());
        let (key, _) = resolve_api_key("openai", &openai, home.path(), &env)
            .unwrap()
            .unwrap();
        assert_eq!(key, "sk-env");

        let env = |var: &str| match var {
            "CODEX_API_KEY" => Some("sk-codex".to_string()),
            "OPENAI_API_KEY" => Some("sk-env".to_string()),
            _ => None,
        };
        let (key, _) = resolve_api_key("openai", &openai, home.path(), &env)
            .unwrap()
            .unwrap();
        assert_eq!(key, "sk-codex");

        let local = built_in_model_providers().remove("ollama").unwrap();
        assert_eq!(
            resolve_api_key("ollama", &local, home.path(), &no_env).unwrap(),
            None
        );
    }
}
