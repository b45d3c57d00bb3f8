//! [`ModelClient`]: one request → one [`ResponseStream`], with retries.

use codex_config::{ModelProviderInfo, WireApi};
use codex_protocol::ThreadId;
use codex_protocol::config_types::{ReasoningEffort, ReasoningSummary, Verbosity};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use serde_json::Value;
use tracing::{debug, warn};

use crate::auth::{Credentials, RequestAuth};
use crate::error::ClientError;
use crate::events::{ResponseEvent, ResponseStream};
use crate::model_family::ModelFamily;
use crate::prompt::Prompt;
use crate::rate_limits::parse_rate_limits;
use crate::request_body::RequestBody;
use crate::retry::{backoff, retry_after_header, try_again_in};
use crate::sse::SseReader;
use crate::{chat, responses};

/// Everything a client needs to know about where and how to ask.
#[derive(Debug, Clone)]
pub struct ModelClientConfig {
    pub provider_id: String,
    pub provider: ModelProviderInfo,
    pub model: String,
    pub family: ModelFamily,
    pub reasoning_effort: Option<ReasoningEffort>,
    pub reasoning_summary: ReasoningSummary,
    pub verbosity: Option<Verbosity>,
    /// Sent as `session_id` and used as the prompt cache key.
    pub thread_id: ThreadId,
    /// `codex_exec`, `codex_cli_rs`, ...: who is asking.
    pub originator: String,
    /// None for providers that take nothing.
    pub auth: Option<RequestAuth>,
    /// What the reference sends as `x-codex-turn-metadata` (and in the
    /// body's `client_metadata`).
    pub turn_metadata: Option<TurnMetadata>,
    /// A sub-agent's requests name the thread that spawned it
    /// (`x-openai-subagent: collab_spawn`, `x-codex-parent-thread-id`).
    pub subagent_parent: Option<ThreadId>,
}

/// The turn a request belongs to, as the reference describes it to the
/// server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnMetadata {
    pub turn_id: String,
    /// A JSON object: ids, trigger, sandbox mode, model, effort.
    pub json: String,
}

/// Settings of one request body, shared by the wire encoders.
pub(crate) struct RequestSettings<'a> {
    pub(crate) model: &'a str,
    pub(crate) family: &'a ModelFamily,
    pub(crate) effort: Option<ReasoningEffort>,
    pub(crate) summary: ReasoningSummary,
    pub(crate) verbosity: Option<Verbosity>,
    pub(crate) prompt_cache_key: String,
    pub(crate) turn_metadata: Option<&'a TurnMetadata>,
}

/// A retry the client is about to make, so the user can be told (the
/// reference's "Reconnecting... n/m (why)").
#[derive(Debug)]
pub struct RetryNotice<'a> {
    /// 1 for the first retry.
    pub attempt: u64,
    pub max_retries: u64,
    pub delay: std::time::Duration,
    pub error: &'a ClientError,
}

/// Sends prompts to one model of one provider.
#[derive(Debug, Clone)]
pub struct ModelClient {
    config: ModelClientConfig,
    http: reqwest::Client,
}

impl ModelClient {
    /// `http` is shared between clients so connections are reused (see
    /// [`crate::http_client`]).
    pub fn new(config: ModelClientConfig, http: reqwest::Client) -> Self {
        Self { config, http }
    }

    pub fn config(&self) -> &ModelClientConfig {
        &self.config
    }

    /// The JSON body this client would send for `prompt`.
    pub fn request_body(&self, prompt: &Prompt) -> Value {
        let settings = self.settings();
        match self.config.provider.wire_api {
            WireApi::Responses => responses::request_body(prompt, &settings),
            WireApi::Chat => chat::request_body(prompt, &settings).unwrap_or(Value::Null),
        }
    }

    /// The body for `prompt`, encoded as it is sent (Responses) or now
    /// (Chat).
    fn encode_request(&self, prompt: Prompt) -> Result<RequestBody, ClientError> {
        let settings = self.settings();
        match self.config.provider.wire_api {
            WireApi::Responses => responses::streamed_body(prompt, &settings)
                .map(|body| RequestBody::Streamed(std::sync::Arc::new(body))),
            WireApi::Chat => chat::request_body(&prompt, &settings)
                .and_then(|body| serde_json::to_vec(&body).map_err(std::io::Error::from))
                .map(|bytes| RequestBody::Whole(bytes.into()))
                .map_err(serde_json::Error::io),
        }
        .map_err(|err| ClientError::Other(format!("cannot encode the request: {err}")))
    }

    fn settings(&self) -> RequestSettings<'_> {
        RequestSettings {
            model: &self.config.model,
            family: &self.config.family,
            effort: self.config.reasoning_effort,
            summary: self.config.reasoning_summary,
            verbosity: self.config.verbosity,
            prompt_cache_key: self.config.thread_id.to_string(),
            turn_metadata: self.config.turn_metadata.as_ref(),
        }
    }

    /// The endpoint, with the provider's `query_params` (e.g. Azure's `api-version`).
    fn url(&self) -> Result<String, ClientError> {
        let base = self.config.provider.base_url_or_default();
        let url = match self.config.provider.wire_api {
            WireApi::Responses => format!("{base}/responses"),
            WireApi::Chat => format!("{base}/chat/completions"),
        };
        let mut parsed = reqwest::Url::parse(&url).map_err(|err| {
            ClientError::Other(format!(
                "base_url `{base}` of provider `{}` is not a valid URL: {err}",
                self.config.provider_id
            ))
        })?;
        if let Some(params) = &self.config.provider.query_params {
            parsed.query_pairs_mut().extend_pairs(params);
        }
        Ok(parsed.into())
    }

    /// Sends `prompt` and returns the stream of the response. Dropped
    /// connections, 429 and 5xx are retried up to `request_max_retries`
    /// times, honoring `Retry-After` and "try again in" hints; a host that
    /// does not resolve or refuses connections fails at once.
    pub async fn stream(&self, prompt: &Prompt) -> Result<ResponseStream, ClientError> {
        self.stream_reporting_retries(prompt, &|_| {}).await
    }

    /// [`Self::stream`], calling `on_retry` before each retry.
    pub async fn stream_reporting_retries(
        &self,
        prompt: &Prompt,
        on_retry: &(dyn Fn(RetryNotice<'_>) + Send + Sync),
    ) -> Result<ResponseStream, ClientError> {
        self.stream_prompt(prompt.clone(), on_retry).await
    }

    /// [`Self::stream_reporting_retries`], consuming the prompt: it is
    /// dropped once the request is sent, so that in a long session the
    /// history it shares is not copied when the response adds to it.
    pub async fn stream_prompt(
        &self,
        prompt: Prompt,
        on_retry: &(dyn Fn(RetryNotice<'_>) + Send + Sync),
    ) -> Result<ResponseStream, ClientError> {
        let body = self.encode_request(prompt)?;
        let response = self.send_with_retries(&body, on_retry).await?;
        drop(body);

        let (tx, stream) = ResponseStream::channel();
        if let Some(snapshot) = parse_rate_limits(response.headers()) {
            let _ = tx.try_send(Ok(ResponseEvent::RateLimits(snapshot)));
        }
        let reader = SseReader::new(
            Box::pin(response.bytes_stream()),
            self.config.provider.stream_idle_timeout(),
        );
        match self.config.provider.wire_api {
            WireApi::Responses => tokio::spawn(responses::process_sse(reader, tx)),
            WireApi::Chat => tokio::spawn(chat::process_sse(reader, tx)),
        };
        Ok(stream)
    }

    async fn send_with_retries(
        &self,
        body: &RequestBody,
        on_retry: &(dyn Fn(RetryNotice<'_>) + Send + Sync),
    ) -> Result<reqwest::Response, ClientError> {
        let url = self.url()?;
        let max_retries = self.config.provider.request_max_retries();
        let mut attempt: u64 = 0;
        let mut refreshed = false;
        loop {
            attempt += 1;
            debug!(%url, attempt, "model request");
            let chatgpt = self.chatgpt_credentials().await?;
            match self.request(&url, body, chatgpt.as_ref()).send().await {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let text = response.text().await.unwrap_or_default();
                    // A refused ChatGPT token is refreshed once and the
                    // request sent again; a second refusal is final.
                    if status == StatusCode::UNAUTHORIZED
                        && let (Some(RequestAuth::Chatgpt(auth)), Some(used)) =
                            (&self.config.auth, &chatgpt)
                    {
                        if refreshed {
                            return Err(ClientError::SignIn {
                                message: format!(
                                    "the ChatGPT backend refused the refreshed sign-in ({status}); run `codex login` to sign in again"
                                ),
                            });
                        }
                        refreshed = true;
                        auth.refresh_after(&used.access_token)
                            .await
                            .map_err(|err| ClientError::SignIn {
                                message: err.to_string(),
                            })?;
                        attempt -= 1;
                        continue;
                    }
                    let error = http_error(status, &headers, &text);
                    if error.is_retryable() && attempt <= max_retries {
                        let delay = error.retry_after().unwrap_or_else(|| backoff(attempt));
                        warn!(%status, ?delay, attempt, max_retries, "model request failed; retrying");
                        on_retry(RetryNotice {
                            attempt,
                            max_retries,
                            delay,
                            error: &error,
                        });
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    return Err(error);
                }
                Err(err) => {
                    // Nothing listens there (or the name does not resolve):
                    // five retries over half a minute would only hide that.
                    if err.is_connect() && !err.is_timeout() {
                        return Err(ClientError::Unreachable {
                            host: host_of(&url),
                            message: crate::error::error_report(&err),
                        });
                    }
                    let error = ClientError::Connection {
                        url: url.clone(),
                        message: crate::error::error_report(&err),
                    };
                    if attempt <= max_retries {
                        let delay = backoff(attempt);
                        warn!(error = %err, ?delay, attempt, max_retries, "cannot reach the model server; retrying");
                        on_retry(RetryNotice {
                            attempt,
                            max_retries,
                            delay,
                            error: &error,
                        });
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    return Err(error);
                }
            }
        }
    }

    /// The ChatGPT sign-in's current credentials (refreshed when close to
    /// expiry), or None with an API key.
    async fn chatgpt_credentials(&self) -> Result<Option<Credentials>, ClientError> {
        match &self.config.auth {
            Some(RequestAuth::Chatgpt(auth)) => {
                auth.credentials()
                    .await
                    .map(Some)
                    .map_err(|err| ClientError::SignIn {
                        message: err.to_string(),
                    })
            }
            _ => Ok(None),
        }
    }

    fn request(
        &self,
        url: &str,
        body: &RequestBody,
        chatgpt: Option<&Credentials>,
    ) -> reqwest::RequestBuilder {
        let provider = &self.config.provider;
        let mut request = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "text/event-stream")
            .header("originator", &self.config.originator)
            .header("session-id", self.config.thread_id.to_string())
            .header("thread-id", self.config.thread_id.to_string())
            .header("x-client-request-id", self.config.thread_id.to_string())
            .header("x-codex-window-id", format!("{}:0", self.config.thread_id))
            // Set here: a streamed body's length is not known to reqwest.
            .header(CONTENT_LENGTH, body.len())
            .body(body.attempt());
        if let Some(metadata) = &self.config.turn_metadata {
            request = request.header("x-codex-turn-metadata", &metadata.json);
        }
        if let Some(parent) = self.config.subagent_parent {
            request = request
                .header("x-openai-subagent", "collab_spawn")
                .header("x-codex-parent-thread-id", parent.to_string());
        }
        match (&self.config.auth, chatgpt) {
            (_, Some(credentials)) => {
                request = request.bearer_auth(&credentials.access_token);
                if let Some(account) = &credentials.account_id {
                    request = request.header("chatgpt-account-id", account);
                }
            }
            (Some(RequestAuth::ApiKey { key, .. }), None) => request = request.bearer_auth(key),
            _ => {}
        }
        for (name, value) in provider.http_headers.iter().flatten() {
            request = request.header(name, value);
        }
        for (name, var) in provider.env_http_headers.iter().flatten() {
            if let Ok(value) = std::env::var(var)
                && !value.trim().is_empty()
            {
                request = request.header(name, value);
            }
        }
        request
    }
}

/// `host[:port]` of `url`, for messages.
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| url.to_string())
}

/// When a usage limit resets: the error's `resets_at`, else now plus its
/// `resets_in_seconds`, else the soonest window reset of the headers.
fn usage_limit_reset(
    error: Option<&Value>,
    rate_limits: Option<&codex_protocol::protocol::RateLimitSnapshot>,
) -> Option<i64> {
    let now = chrono::Utc::now().timestamp();
    let field = |name: &str| error.and_then(|e| e.get(name)).and_then(Value::as_i64);
    field("resets_at")
        .or_else(|| field("resets_in_seconds").map(|s| now + s))
        .or_else(|| {
            let snapshot = rate_limits?;
            [&snapshot.primary, &snapshot.secondary]
                .into_iter()
                .flatten()
                .filter(|w| w.used_percent >= 100.0)
                .filter_map(|w| w.resets_in_seconds)
                .min()
                .map(|s| now + s)
        })
}

/// Maps an unsuccessful HTTP response to a typed error.
fn http_error(status: StatusCode, headers: &HeaderMap, body: &str) -> ClientError {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (code, kind) = (field("code"), field("type"));
    let message = match field("message") {
        m if !m.is_empty() => m,
        _ if !body.trim().is_empty() => body.trim().chars().take(500).collect(),
        _ => status
            .canonical_reason()
            .unwrap_or("no details")
            .to_string(),
    };
    let status_code = status.as_u16();
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ClientError::Unauthorized {
            status: status_code,
            message,
        },
        StatusCode::TOO_MANY_REQUESTS => match (code.as_str(), kind.as_str()) {
            ("insufficient_quota", _) | (_, "insufficient_quota") => {
                ClientError::QuotaExceeded { message }
            }
            ("usage_limit_reached" | "usage_not_included", _)
            | (_, "usage_limit_reached" | "usage_not_included") => {
                let rate_limits = parse_rate_limits(headers);
                ClientError::UsageLimitReached {
                    message,
                    plan_type: error
                        .and_then(|e| e.get("plan_type"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    resets_at: usage_limit_reset(error, rate_limits.as_ref()),
                    rate_limits: rate_limits.map(Box::new),
                }
            }
            _ => ClientError::RateLimited {
                retry_after: retry_after_header(headers).or_else(|| try_again_in(&message)),
                message,
            },
        },
        s if s.is_server_error() => ClientError::ServerError {
            status: status_code,
            message,
            retry_after: retry_after_header(headers),
        },
        _ if code == "context_length_exceeded"
            || message.contains("maximum context length")
            || message.contains("context window") =>
        {
            ClientError::ContextWindowExceeded
        }
        _ => ClientError::InvalidRequest {
            status: status_code,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn http_errors_are_typed() {
        let e = http_error(
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            r#"{"error":{"message":"bad key"}}"#,
        );
        assert!(
            matches!(e, ClientError::Unauthorized { status: 401, ref message } if message == "bad key")
        );
        let e = http_error(
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "2")]),
            r#"{"error":{"message":"slow down","type":"requests"}}"#,
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        assert!(e.is_retryable());
        let e = http_error(
            StatusCode::TOO_MANY_REQUESTS,
            &HeaderMap::new(),
            r#"{"error":{"message":"Please try again in 1.5s","type":"tokens"}}"#,
        );
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1500)));
        let e = http_error(
            StatusCode::TOO_MANY_REQUESTS,
            &HeaderMap::new(),
            r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
        );
        assert!(matches!(e, ClientError::QuotaExceeded { .. }) && !e.is_retryable());
        let e = http_error(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            r#"{"error":{"message":"too long","code":"context_length_exceeded"}}"#,
        );
        assert!(matches!(e, ClientError::ContextWindowExceeded));
        let e = http_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), "plain text");
        assert!(
            matches!(e, ClientError::InvalidRequest { status: 400, ref message } if message == "plain text")
        );
        let e = http_error(StatusCode::BAD_GATEWAY, &HeaderMap::new(), "");
        assert!(matches!(e, ClientError::ServerError { status: 502, .. }) && e.is_retryable());
    }
}
