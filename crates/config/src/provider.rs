//! Model providers: where requests go and how they are authenticated.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Default for `request_max_retries`.
pub const DEFAULT_REQUEST_MAX_RETRIES: u64 = 4;
/// Default for `stream_max_retries`.
pub const DEFAULT_STREAM_MAX_RETRIES: u64 = 5;
/// Default for `stream_idle_timeout_ms`.
pub const DEFAULT_STREAM_IDLE_TIMEOUT_MS: u64 = 300_000;
/// Retry counts above this are clamped, so a typo cannot make codex retry forever.
const MAX_RETRIES_CAP: u64 = 100;

/// Which wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WireApi {
    /// `POST {base_url}/responses` (OpenAI Responses API).
    #[default]
    Responses,
    /// `POST {base_url}/chat/completions` (any OpenAI-compatible server).
    Chat,
}

/// One `[model_providers.ID]` entry.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ModelProviderInfo {
    /// Display name. Defaults to the id.
    pub name: String,
    /// E.g. `https://api.openai.com/v1`.
    pub base_url: Option<String>,
    /// Environment variable holding the API key.
    pub env_key: Option<String>,
    /// Shown when `env_key` is missing: how to get a key.
    pub env_key_instructions: Option<String>,
    /// A key written directly in the config (discouraged; prefer `env_key`).
    pub experimental_bearer_token: Option<String>,
    pub wire_api: WireApi,
    /// Added to the request URL, e.g. Azure's `api-version`.
    pub query_params: Option<BTreeMap<String, String>>,
    /// Extra headers with fixed values.
    pub http_headers: Option<BTreeMap<String, String>>,
    /// Extra headers whose values come from environment variables (header → var).
    pub env_http_headers: Option<BTreeMap<String, String>>,
    pub request_max_retries: Option<u64>,
    pub stream_max_retries: Option<u64>,
    pub stream_idle_timeout_ms: Option<u64>,
    /// The provider takes the stored OpenAI key (`codex login`) when `env_key` is unset.
    pub requires_openai_auth: bool,
}

impl ModelProviderInfo {
    pub fn request_max_retries(&self) -> u64 {
        self.request_max_retries
            .unwrap_or(DEFAULT_REQUEST_MAX_RETRIES)
            .min(MAX_RETRIES_CAP)
    }

    pub fn stream_max_retries(&self) -> u64 {
        self.stream_max_retries
            .unwrap_or(DEFAULT_STREAM_MAX_RETRIES)
            .min(MAX_RETRIES_CAP)
    }

    pub fn stream_idle_timeout(&self) -> Duration {
        Duration::from_millis(
            self.stream_idle_timeout_ms
                .unwrap_or(DEFAULT_STREAM_IDLE_TIMEOUT_MS),
        )
    }

    /// The base URL, without a trailing slash.
    pub fn base_url_or_default(&self) -> String {
        self.base_url
            .as_deref()
            .unwrap_or("https://api.openai.com/v1")
            .trim_end_matches('/')
            .to_string()
    }

    /// True for local servers that need no key.
    pub fn is_local(&self) -> bool {
        self.base_url.as_deref().is_some_and(|url| {
            url.starts_with("http://localhost")
                || url.starts_with("http://127.0.0.1")
                || url.starts_with("http://[::1]")
        })
    }
}

/// The id of the built-in OpenAI provider.
pub const OPENAI_PROVIDER_ID: &str = "openai";
/// The ids of the built-in local providers `--oss` can select.
pub const OLLAMA_PROVIDER_ID: &str = "ollama";
pub const LMSTUDIO_PROVIDER_ID: &str = "lmstudio";

/// The providers every installation has. A config file cannot redefine them
/// (use `openai_base_url` to point `openai` elsewhere).
pub fn built_in_model_providers() -> BTreeMap<String, ModelProviderInfo> {
    let mut providers = BTreeMap::new();
    providers.insert(
        OPENAI_PROVIDER_ID.to_string(),
        ModelProviderInfo {
            name: "OpenAI".to_string(),
            base_url: Some("https://api.openai.com/v1".to_string()),
            env_key: Some("OPENAI_API_KEY".to_string()),
            env_key_instructions: Some(
                "Create an API key at https://platform.openai.com/api-keys and export it as OPENAI_API_KEY, or run `codex login --with-api-key`.".to_string(),
            ),
            wire_api: WireApi::Responses,
            requires_openai_auth: true,
            ..Default::default()
        },
    );
    providers.insert(
        OLLAMA_PROVIDER_ID.to_string(),
        ModelProviderInfo {
            name: "Ollama".to_string(),
            base_url: Some("http://localhost:11434/v1".to_string()),
            wire_api: WireApi::Chat,
            ..Default::default()
        },
    );
    providers.insert(
        LMSTUDIO_PROVIDER_ID.to_string(),
        ModelProviderInfo {
            name: "LM Studio".to_string(),
            base_url: Some("http://localhost:1234/v1".to_string()),
            wire_api: WireApi::Chat,
            ..Default::default()
        },
    );
    providers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_caps() {
        let p = ModelProviderInfo::default();
        assert_eq!(p.request_max_retries(), 4);
        assert_eq!(p.stream_max_retries(), 5);
        assert_eq!(p.stream_idle_timeout(), Duration::from_secs(300));
        let p = ModelProviderInfo {
            request_max_retries: Some(10_000),
            base_url: Some("http://localhost:8080/v1/".into()),
            ..Default::default()
        };
        assert_eq!(p.request_max_retries(), 100);
        assert_eq!(p.base_url_or_default(), "http://localhost:8080/v1");
        assert!(p.is_local());
    }

    #[test]
    fn built_ins() {
        let b = built_in_model_providers();
        assert_eq!(b["openai"].env_key.as_deref(), Some("OPENAI_API_KEY"));
        assert_eq!(
            b["ollama"].base_url.as_deref(),
            Some("http://localhost:11434/v1")
        );
        assert_eq!(
            b["lmstudio"].base_url.as_deref(),
            Some("http://localhost:1234/v1")
        );
    }
}
