//! Signing in, as the reference Codex CLI does, so a `~/.codex/auth.json`
//! written by either works with both.
//!
//! - [`storage`]: `auth.json` (an API key and/or ChatGPT tokens), written
//!   atomically with mode 0600, under a lock file for read-refresh-write.
//! - [`ChatgptAuth`]: the ChatGPT tokens of one process. Requests ask it
//!   for [`Credentials`]; it refreshes an access token close to expiry, or
//!   once after a 401, with one refresh in flight per process and the file
//!   lock across processes (a process that finds the file already
//!   refreshed by another takes those tokens instead of refreshing again).
//! - [`browser`]: `codex login`: a callback server on loopback, PKCE (S256)
//!   and state checked, the code exchanged for tokens.
//! - [`device_code`]: `codex login --device-auth` for machines without a
//!   browser.
//!
//! Every endpoint can be pointed elsewhere (tests, proxies): the issuer
//! with `CODEX_ISSUER_URL_OVERRIDE` (or `codex login --experimental_issuer`),
//! the refresh and revoke endpoints with the reference's
//! `CODEX_REFRESH_TOKEN_URL_OVERRIDE` and `CODEX_REVOKE_TOKEN_URL_OVERRIDE`.
//! Tokens are never logged.

pub mod browser;
pub mod device_code;
mod exchange;
pub mod jwt;
pub mod loopback;
mod manager;
pub mod pkce;
mod revoke;
pub mod storage;

use std::path::PathBuf;

pub use manager::{ChatgptAuth, Credentials};
pub use revoke::revoke_refresh_token;
pub use storage::{AuthDotJson, TokenData, auth_file, delete_auth, read_auth, write_auth};

/// The OAuth client id of the Codex CLI.
pub const CLIENT_ID: &str = "app_EMoamEEZ73f0CkXaXp7hrann";
/// Where ChatGPT sign-in happens.
pub const DEFAULT_ISSUER: &str = "https://auth.openai.com";
/// The callback port registered for the client, and its fallback.
pub const DEFAULT_PORT: u16 = 1455;
pub const FALLBACK_PORT: u16 = 1457;

pub const ISSUER_OVERRIDE_ENV_VAR: &str = "CODEX_ISSUER_URL_OVERRIDE";
pub const REFRESH_TOKEN_URL_OVERRIDE_ENV_VAR: &str = "CODEX_REFRESH_TOKEN_URL_OVERRIDE";
pub const REVOKE_TOKEN_URL_OVERRIDE_ENV_VAR: &str = "CODEX_REVOKE_TOKEN_URL_OVERRIDE";

/// The endpoints of the issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub issuer: String,
    pub client_id: String,
    pub refresh_url: String,
    pub revoke_url: String,
}

impl Endpoints {
    /// The reference's endpoints, with the environment's overrides.
    pub fn from_env() -> Self {
        Self::with_issuer(None)
    }

    /// As [`Self::from_env`], with `issuer` (a flag) first.
    pub fn with_issuer(issuer: Option<&str>) -> Self {
        let env = |var: &str| {
            std::env::var(var)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let issuer = issuer
            .map(str::to_string)
            .or_else(|| env(ISSUER_OVERRIDE_ENV_VAR))
            .unwrap_or_else(|| DEFAULT_ISSUER.to_string())
            .trim_end_matches('/')
            .to_string();
        Self {
            refresh_url: env(REFRESH_TOKEN_URL_OVERRIDE_ENV_VAR)
                .unwrap_or_else(|| format!("{issuer}/oauth/token")),
            revoke_url: env(REVOKE_TOKEN_URL_OVERRIDE_ENV_VAR)
                .unwrap_or_else(|| format!("{issuer}/oauth/revoke")),
            client_id: CLIENT_ID.to_string(),
            issuer,
        }
    }
}

/// What went wrong while signing in or refreshing.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
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
    /// The refresh token was refused: only signing in again helps.
    #[error(
        "your ChatGPT sign-in has expired or was revoked ({code}); run `codex login` to sign in again"
    )]
    RefreshRefused { code: String },
    /// The refresh could not be done (network, server error).
    #[error(
        "cannot refresh the ChatGPT access token: {0}; try again, or run `codex login` if it persists"
    )]
    RefreshFailed(String),
    #[error("sign-in failed: {0}")]
    Failed(String),
    #[error("sign-in was cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

/// Form encoding (`application/x-www-form-urlencoded`) of `pairs`.
pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    // A constant, valid URL: parsing it cannot fail.
    let mut url = reqwest::Url::parse("http://localhost/").unwrap_or_else(|_| unreachable!());
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or_default().to_string()
}

/// The current time as the reference writes `last_refresh`.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
