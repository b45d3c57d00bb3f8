//! `$CODEX_HOME/.credentials.json`: the OAuth tokens `codex mcp login`
//! obtained, in the reference's file format so that either CLI reads what
//! the other wrote.
//!
//! The file is one JSON object; each entry is keyed by
//! `NAME|HASH`, HASH being the first 16 hex digits of the SHA-256 of
//! `{"type":"http","url":URL,"headers":{…}}` (so a server whose URL or
//! headers change is signed in anew). An entry holds the server's name and
//! URL, the issuer, the registered client id, the tokens, the access
//! token's expiry (milliseconds since the epoch) and the granted scopes.
//! Entries and fields this version does not know are kept as they are.
//!
//! Writers take `mcp-oauth-locks/file-store.lock`; a refresh holds
//! `mcp-oauth-locks/<SHA-256 of the key>.lock` from reading the old tokens
//! to saving the new ones — the reference's lock files, so a refresh by
//! either CLI is seen by the other instead of racing it (a refresh token is
//! often good for one use only). The file is 0600 and written atomically;
//! the sandbox hides it from the model's commands (`.credentials*`).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use codex_config::private_file;
use rmcp::transport::auth::{
    AuthError, CredentialRefreshGuard, CredentialStore, OAuthTokenResponse, StoredCredentials,
    VendorExtraTokenFields,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The file, beside `auth.json`.
pub fn credentials_file(codex_home: &Path) -> PathBuf {
    codex_home.join(".credentials.json")
}

fn locks_dir(codex_home: &Path) -> PathBuf {
    codex_home.join("mcp-oauth-locks")
}

/// One server's entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEntry {
    pub server_name: String,
    pub server_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    pub client_id: String,
    pub access_token: String,
    /// Milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The key of a server's entry (see the module comment).
pub fn entry_key(name: &str, url: &str, headers: &BTreeMap<String, String>) -> String {
    // Written out by hand: the field order is part of the hashed bytes, and
    // a `json!` object's order depends on serde_json features other crates
    // may turn on. Headers are in name order.
    let quoted = |text: &str| Value::String(text.to_string()).to_string();
    let headers = headers
        .iter()
        .map(|(name, value)| format!("{}:{}", quoted(name), quoted(value)))
        .collect::<Vec<_>>()
        .join(",");
    let identity = format!(
        r#"{{"type":"http","url":{},"headers":{{{headers}}}}}"#,
        quoted(url)
    );
    let digest = sha256_hex(identity.as_bytes());
    format!("{name}|{}", &digest[..16])
}

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The whole file; a missing file is an empty one.
pub fn read_all(codex_home: &Path) -> Result<Map<String, Value>, String> {
    let path = credentials_file(codex_home);
    match std::fs::read(&path) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Map::new()),
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|err| {
            format!(
                "{} is not valid JSON ({err}); fix or delete it and sign in again with `codex mcp login`",
                path.display()
            )
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
        Err(err) => Err(format!("cannot read {}: {err}", path.display())),
    }
}

/// The entry under `key`, if there is a readable one.
pub fn read_entry(codex_home: &Path, key: &str) -> Result<Option<StoredEntry>, String> {
    let all = read_all(codex_home)?;
    match all.get(key) {
        None => Ok(None),
        Some(value) => serde_json::from_value(value.clone()).map(Some).map_err(|err| {
            format!(
                "the entry `{key}` of {} is not valid ({err}); run `codex mcp logout` and sign in again",
                credentials_file(codex_home).display()
            )
        }),
    }
}

/// Changes the file under the writers' lock: `change` gets every entry and
/// returns whether it changed anything. An empty file is removed.
pub fn update(
    codex_home: &Path,
    change: impl FnOnce(&mut Map<String, Value>) -> bool,
) -> Result<(), String> {
    let _lock = lock(&locks_dir(codex_home).join("file-store.lock"))?;
    let mut all = read_all(codex_home)?;
    if !change(&mut all) {
        return Ok(());
    }
    let path = credentials_file(codex_home);
    if all.is_empty() {
        return match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(format!("cannot remove {}: {err}", path.display())),
        };
    }
    let mut bytes = serde_json::to_vec(&Value::Object(all))
        .map_err(|err| format!("cannot encode the credentials: {err}"))?;
    bytes.push(b'\n');
    private_file::write_atomic(&path, &bytes)
        .map_err(|err| format!("cannot write {}: {err}", path.display()))
}

/// An exclusive lock on `path` (created 0600 in a 0700 directory), held
/// until the file is dropped. Blocks: call it off the async runtime's
/// worker threads when it may wait long.
fn lock(path: &Path) -> Result<File, String> {
    if let Some(dir) = path.parent() {
        private_file::create_private_dir_all(dir)
            .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    }
    let file = private_file::open(
        path,
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    )
    .map_err(|err| format!("cannot open {}: {err}", path.display()))?;
    file.lock()
        .map_err(|err| format!("cannot lock {}: {err}", path.display()))?;
    Ok(file)
}

/// One server's tokens, as `rmcp`'s authorization manager reads and saves
/// them.
pub struct FileCredentialStore {
    codex_home: PathBuf,
    key: String,
    server_name: String,
    server_url: String,
}

impl FileCredentialStore {
    pub fn new(codex_home: &Path, key: String, server_name: &str, server_url: &str) -> Self {
        Self {
            codex_home: codex_home.to_path_buf(),
            key,
            server_name: server_name.to_string(),
            server_url: server_url.to_string(),
        }
    }
}

fn store_error(message: String) -> AuthError {
    AuthError::CredentialStoreError(message)
}

/// An entry as `rmcp` holds credentials. The expiry is turned into a
/// lifetime counted from now, which is what `rmcp` compares against.
pub fn to_stored(entry: &StoredEntry) -> Result<StoredCredentials, AuthError> {
    use oauth2::{AccessToken, RefreshToken, Scope};
    let mut token = OAuthTokenResponse::new(
        AccessToken::new(entry.access_token.clone()),
        oauth2::basic::BasicTokenType::Bearer,
        VendorExtraTokenFields::default(),
    );
    token.set_refresh_token(entry.refresh_token.clone().map(RefreshToken::new));
    if !entry.scopes.is_empty() {
        token.set_scopes(Some(entry.scopes.iter().cloned().map(Scope::new).collect()));
    }
    let now = now_ms();
    if let Some(expires_at) = entry.expires_at {
        token.set_expires_in(Some(&Duration::from_millis(expires_at.saturating_sub(now))));
    }
    Ok(StoredCredentials::new(
        entry.client_id.clone(),
        Some(token),
        entry.scopes.clone(),
        Some(now / 1000),
    )
    .with_issuer(entry.issuer.clone()))
}

#[async_trait::async_trait]
impl CredentialStore for FileCredentialStore {
    async fn load(&self) -> Result<Option<StoredCredentials>, AuthError> {
        match read_entry(&self.codex_home, &self.key).map_err(store_error)? {
            Some(entry) => to_stored(&entry).map(Some),
            None => Ok(None),
        }
    }

    async fn save(&self, credentials: StoredCredentials) -> Result<(), AuthError> {
        use oauth2::TokenResponse as _;
        let Some(token) = credentials.token_response else {
            // Only a client id (an issuer change keeps a portable one):
            // nothing usable to keep.
            return self.clear().await;
        };
        let received_ms = credentials
            .token_received_at
            .map(|s| s * 1000)
            .unwrap_or_else(now_ms);
        let entry = StoredEntry {
            server_name: self.server_name.clone(),
            server_url: self.server_url.clone(),
            issuer: credentials.issuer,
            client_id: credentials.client_id,
            access_token: token.access_token().secret().clone(),
            expires_at: token
                .expires_in()
                .map(|d| received_ms + d.as_millis() as u64),
            refresh_token: token.refresh_token().map(|r| r.secret().clone()),
            scopes: if credentials.granted_scopes.is_empty() {
                token
                    .scopes()
                    .map(|s| s.iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default()
            } else {
                credentials.granted_scopes
            },
            other: Map::new(),
        };
        let key = self.key.clone();
        let home = self.codex_home.clone();
        let mut value = serde_json::to_value(&entry)
            .map_err(|err| store_error(format!("cannot encode the credentials: {err}")))?;
        tokio::task::spawn_blocking(move || {
            update(&home, |all| {
                // Fields another version added to the entry are kept.
                if let (Some(Value::Object(old)), Value::Object(new)) = (all.get(&key), &mut value)
                {
                    for (field, old_value) in old {
                        new.entry(field.clone())
                            .or_insert_with(|| old_value.clone());
                    }
                }
                all.insert(key, value);
                true
            })
        })
        .await
        .map_err(|err| store_error(err.to_string()))?
        .map_err(store_error)
    }

    async fn clear(&self) -> Result<(), AuthError> {
        let key = self.key.clone();
        let home = self.codex_home.clone();
        tokio::task::spawn_blocking(move || update(&home, |all| all.remove(&key).is_some()))
            .await
            .map_err(|err| store_error(err.to_string()))?
            .map_err(store_error)
    }

    async fn acquire_refresh_guard(&self) -> Result<Option<CredentialRefreshGuard>, AuthError> {
        let path =
            locks_dir(&self.codex_home).join(format!("{}.lock", sha256_hex(self.key.as_bytes())));
        let file = tokio::task::spawn_blocking(move || lock(&path))
            .await
            .map_err(|err| store_error(err.to_string()))?
            .map_err(store_error)?;
        Ok(Some(CredentialRefreshGuard::new(file)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_references() {
        // Observed from the reference 0.169's `mcp login` against a local
        // server: `secure|6f5f3f828981f9af`, and its refresh lock file
        // `1135f961…`.
        let key = entry_key("secure", "http://127.0.0.1:18731/mcp", &BTreeMap::new());
        assert_eq!(key, "secure|6f5f3f828981f9af");
        assert_eq!(
            entry_key("secure", "http://127.0.0.1:18733/mcp", &BTreeMap::new()),
            "secure|22b9e35099370311"
        );
        assert!(sha256_hex(key.as_bytes()).starts_with("1135f9614c3e9e69"));
    }

    #[test]
    fn entries_round_trip_and_unknown_ones_are_kept() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            credentials_file(home.path()),
            r#"{"other|0000000000000000":{"server_name":"other","x":1}}"#,
        )
        .unwrap();
        let entry = StoredEntry {
            server_name: "secure".into(),
            server_url: "http://127.0.0.1:1/mcp".into(),
            issuer: Some("http://127.0.0.1:1/".into()),
            client_id: "client".into(),
            access_token: "access".into(),
            expires_at: Some(now_ms() + 60_000),
            refresh_token: Some("refresh".into()),
            scopes: vec!["mcp".into()],
            other: Map::new(),
        };
        update(home.path(), |all| {
            all.insert("k".into(), serde_json::to_value(&entry).unwrap());
            true
        })
        .unwrap();
        assert_eq!(read_entry(home.path(), "k").unwrap(), Some(entry.clone()));
        let all = read_all(home.path()).unwrap();
        assert_eq!(all["other|0000000000000000"]["x"], 1);
        let stored = to_stored(&entry).unwrap();
        assert_eq!(stored.client_id, "client");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(credentials_file(home.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_broken_file_is_named() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(credentials_file(home.path()), "{not json").unwrap();
        let err = read_entry(home.path(), "k").unwrap_err();
        assert!(err.contains(".credentials.json is not valid JSON"), "{err}");
    }
}
