//! [`ChatgptAuth`]: the ChatGPT tokens one process sends, kept fresh.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;
use tracing::{info, warn};

use crate::storage::{AuthFileLock, TokenData, read_auth, write_auth};
use crate::{Endpoints, LoginError, jwt, now_rfc3339};

/// Refresh when the access token expires within this many seconds.
const REFRESH_WINDOW_SECS: i64 = 5 * 60;
/// Without a readable expiry, refresh tokens this old (the reference's rule).
const MAX_TOKEN_AGE_DAYS: i64 = 8;

/// What a request to the ChatGPT backend carries.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_token: String,
    /// Sent as `ChatGPT-Account-ID`.
    pub account_id: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_token", &"<redacted>")
            .field("account_id", &self.account_id)
            .finish()
    }
}

struct Current {
    tokens: TokenData,
    last_refresh: Option<String>,
}

/// The ChatGPT sign-in of `auth.json`, shared by every request of a process.
pub struct ChatgptAuth {
    codex_home: PathBuf,
    endpoints: Endpoints,
    http: reqwest::Client,
    /// Held across a refresh, so concurrent requests wait for one refresh
    /// instead of starting their own.
    current: tokio::sync::Mutex<Current>,
}

impl std::fmt::Debug for ChatgptAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatgptAuth")
            .field("codex_home", &self.codex_home)
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl ChatgptAuth {
    /// The ChatGPT sign-in stored under `codex_home`, if there is one.
    pub fn load(
        codex_home: PathBuf,
        endpoints: Endpoints,
        http: reqwest::Client,
    ) -> Result<Option<Arc<Self>>, LoginError> {
        let Some(auth) = read_auth(&codex_home)? else {
            return Ok(None);
        };
        let Some(tokens) = auth
            .tokens
            .filter(|_| auth.auth_mode.as_deref() != Some("apikey"))
        else {
            return Ok(None);
        };
        Ok(Some(Arc::new(Self {
            codex_home,
            endpoints,
            http,
            current: tokio::sync::Mutex::new(Current {
                tokens,
                last_refresh: auth.last_refresh,
            }),
        })))
    }

    /// Credentials for the next request: the stored ones, refreshed first
    /// when the access token is about to expire. A failed refresh of a
    /// token that is still valid is only a warning.
    pub async fn credentials(&self) -> Result<Credentials, LoginError> {
        let (stale, still_valid) = {
            let current = self.current.lock().await;
            if !needs_refresh(&current) {
                return Ok(credentials_of(&current.tokens));
            }
            let token = current.tokens.access_token.clone();
            let valid = jwt::expires_at(&token).is_some_and(|exp| exp > now_secs());
            (token, valid)
        };
        match self.refresh_after(&stale).await {
            Ok(credentials) => Ok(credentials),
            Err(err) if still_valid => {
                warn!("proactive token refresh failed; using the current token: {err}");
                Ok(credentials_of(&self.current.lock().await.tokens))
            }
            Err(err) => Err(err),
        }
    }

    /// Refreshes because `stale` (an access token) was refused or is about
    /// to expire. If another request or process has refreshed since, its
    /// tokens are taken and no second refresh is made.
    pub async fn refresh_after(&self, stale: &str) -> Result<Credentials, LoginError> {
        let mut current = self.current.lock().await;
        if current.tokens.access_token != stale {
            return Ok(credentials_of(&current.tokens));
        }
        let home = self.codex_home.clone();
        let lock = tokio::task::spawn_blocking(move || AuthFileLock::acquire(&home))
            .await
            .map_err(|err| LoginError::Other(format!("the auth lock task failed: {err}")))??;
        // Another process may have refreshed while we waited for the lock.
        let mut on_disk = read_auth(&self.codex_home)?.unwrap_or_default();
        if let Some(tokens) = &on_disk.tokens
            && tokens.access_token != stale
            && on_disk.has_chatgpt_tokens()
        {
            info!("auth.json was refreshed by another process; using its tokens");
            current.tokens = tokens.clone();
            current.last_refresh = on_disk.last_refresh.clone();
            return Ok(credentials_of(&current.tokens));
        }

        let refreshed = self.request_refresh(&current.tokens.refresh_token).await?;
        let mut tokens = current.tokens.clone();
        if let Some(id_token) = refreshed.id_token {
            tokens.id_token = id_token;
        }
        if let Some(access_token) = refreshed.access_token {
            tokens.access_token = access_token;
        }
        if let Some(refresh_token) = refreshed.refresh_token {
            tokens.refresh_token = refresh_token;
        }
        let last_refresh = now_rfc3339();
        on_disk.tokens = Some(tokens.clone());
        on_disk.last_refresh = Some(last_refresh.clone());
        write_auth(&self.codex_home, &on_disk)?;
        drop(lock);
        info!("refreshed the ChatGPT access token");
        current.tokens = tokens;
        current.last_refresh = Some(last_refresh);
        Ok(credentials_of(&current.tokens))
    }

    async fn request_refresh(&self, refresh_token: &str) -> Result<RefreshResponse, LoginError> {
        let body = serde_json::json!({
            "client_id": self.endpoints.client_id,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        });
        let response = self
            .http
            .post(&self.endpoints.refresh_url)
            .json(&body)
            .timeout(std::time::Duration::from_secs(30))
            .send()
            .await
            .map_err(|err| LoginError::RefreshFailed(describe(err)))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|err| {
                LoginError::RefreshFailed(format!("the token endpoint's answer is not JSON: {err}"))
            });
        }
        if status.as_u16() == 400 || status.as_u16() == 401 {
            return Err(LoginError::RefreshRefused {
                code: error_code(&text).unwrap_or_else(|| format!("HTTP {status}")),
            });
        }
        Err(LoginError::RefreshFailed(format!(
            "the token endpoint answered {status}"
        )))
    }
}

#[derive(Deserialize)]
struct RefreshResponse {
    id_token: Option<String>,
    access_token: Option<String>,
    refresh_token: Option<String>,
}

fn credentials_of(tokens: &TokenData) -> Credentials {
    Credentials {
        access_token: tokens.access_token.clone(),
        account_id: tokens
            .account_id
            .clone()
            .or_else(|| jwt::id_token_info(&tokens.id_token).account_id),
    }
}

fn needs_refresh(current: &Current) -> bool {
    let now = now_secs();
    match jwt::expires_at(&current.tokens.access_token) {
        Some(exp) => exp <= now + REFRESH_WINDOW_SECS,
        None => current
            .last_refresh
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_none_or(|t| now - t.timestamp() > MAX_TOKEN_AGE_DAYS * 86_400),
    }
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `{"error": "x"}`, `{"error": {"code": "x"}}` or `{"error": {"type": "x"}}`.
fn error_code(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let error = value.get("error")?;
    error
        .as_str()
        .or_else(|| error.get("code").and_then(|c| c.as_str()))
        .or_else(|| error.get("type").and_then(|c| c.as_str()))
        .map(str::to_string)
}

/// A transport error and its causes, without the URL.
pub(crate) fn describe(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
