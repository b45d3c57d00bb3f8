//! How requests are authenticated: an API key (from the environment, or
//! stored by `codex login --with-api-key`), or the ChatGPT sign-in of
//! `$CODEX_HOME/auth.json` (see `codex-login`), chosen as the reference
//! chooses.

use std::path::Path;
use std::sync::Arc;

use codex_config::{Config, LoginMethod, ModelProviderInfo, PreferredAuthMethod};
pub use codex_login::{
    ChatgptAuth, Credentials, LoginError as AuthError, auth_file, delete_auth, read_auth,
};

use crate::error::ClientError;

/// The key stored by `codex login --with-api-key`, if any.
pub fn load_stored_api_key(codex_home: &Path) -> Result<Option<String>, AuthError> {
    Ok(read_auth(codex_home)?.and_then(|auth| auth.openai_api_key))
}

/// Stores `key` in `auth.json` (0600, replaced atomically), as an API-key
/// sign-in.
pub fn save_api_key(codex_home: &Path, key: &str) -> Result<(), AuthError> {
    let key = key.trim();
    if key.is_empty() {
        return Err(AuthError::Other("the API key is empty".into()));
    }
    let auth = codex_login::AuthDotJson {
        auth_mode: Some("apikey".into()),
        openai_api_key: Some(key.to_string()),
        ..Default::default()
    };
    codex_login::write_auth(codex_home, &auth)
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

/// How requests to the model authenticate.
#[derive(Clone)]
pub enum RequestAuth {
    ApiKey { key: String, source: KeySource },
    Chatgpt(Arc<ChatgptAuth>),
}

impl std::fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ApiKey { key, source } => f
                .debug_struct("ApiKey")
                .field("key", &mask_key(key))
                .field("source", source)
                .finish(),
            Self::Chatgpt(_) => f.write_str("Chatgpt"),
        }
    }
}

impl RequestAuth {
    /// The provider as requests with this auth see it: with a ChatGPT
    /// sign-in, the built-in `openai` provider goes to the ChatGPT backend
    /// (`{chatgpt_base_url}/codex`) unless `openai_base_url` says otherwise.
    pub fn effective_provider(&self, config: &Config) -> ModelProviderInfo {
        let mut provider = config.model_provider.clone();
        if matches!(self, Self::Chatgpt(_))
            && config.model_provider_id == codex_config::provider::OPENAI_PROVIDER_ID
            && config.openai_base_url.is_none()
        {
            provider.base_url = Some(format!(
                "{}/codex",
                config.chatgpt_base_url.trim_end_matches('/')
            ));
        }
        provider
    }
}

/// How requests to the configured provider authenticate, or None for
/// providers that take nothing.
///
/// For providers that take OpenAI auth: `CODEX_API_KEY`, then a ChatGPT
/// sign-in in `auth.json` (unless `preferred_auth_method = "apikey"` and a
/// key is at hand), then the provider's `env_key`, then the key in
/// `auth.json`; `forced_login_method` removes the other kind. Other
/// providers: their `env_key`, then `experimental_bearer_token`.
///
/// A ChatGPT sign-in gets an HTTP client of its own (user agent of
/// `originator`) for its refreshes.
pub fn resolve_auth(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
    originator: &str,
) -> Result<Option<RequestAuth>, ClientError> {
    let provider = &config.model_provider;
    let forced = config.forced_login_method;
    if config.model_provider_id == codex_config::provider::OPENAI_PROVIDER_ID
        && forced != Some(LoginMethod::Chatgpt)
        && let Some(key) = env("CODEX_API_KEY").filter(|k| !k.trim().is_empty())
    {
        let source = KeySource::Env("CODEX_API_KEY".into());
        return Ok(Some(RequestAuth::ApiKey { key, source }));
    }
    if provider.requires_openai_auth && forced != Some(LoginMethod::Api) {
        let stored =
            read_auth(&config.codex_home).map_err(|e| ClientError::Other(e.to_string()))?;
        let has_tokens = stored.as_ref().is_some_and(|a| a.has_chatgpt_tokens());
        let key_at_hand = stored.as_ref().is_some_and(|a| a.openai_api_key.is_some())
            || provider.env_key.as_deref().and_then(env).is_some();
        let prefer_key = config.preferred_auth_method == PreferredAuthMethod::Apikey && key_at_hand;
        if has_tokens && (!prefer_key || forced == Some(LoginMethod::Chatgpt)) {
            let http = crate::http_client(&crate::user_agent(originator))?;
            let auth = ChatgptAuth::load(
                config.codex_home.clone(),
                codex_login::Endpoints::from_env(),
                http,
            )
            .map_err(|e| ClientError::Other(e.to_string()))?;
            if let Some(auth) = auth {
                return Ok(Some(RequestAuth::Chatgpt(auth)));
            }
        }
        if forced == Some(LoginMethod::Chatgpt) {
            return Err(ClientError::SignIn {
                message: "forced_login_method = \"chatgpt\" and there is no ChatGPT sign-in; run `codex login`".into(),
            });
        }
    }
    Ok(
        resolve_api_key(&config.model_provider_id, provider, &config.codex_home, env)?
            .map(|(key, source)| RequestAuth::ApiKey { key, source }),
    )
}

/// The API key for requests to `provider`, or None for providers without
/// auth: for the built-in `openai` provider `CODEX_API_KEY`, then the
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
                provider.requires_openai_auth.then(|| {
                    "Or sign in with `codex login`, or store a key with `codex login --with-api-key`."
                        .to_string()
                })
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
        assert!(save_api_key(home.path(), " ").is_err());
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
