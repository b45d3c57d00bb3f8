//! Model API clients.
//!
//! [`ModelClient::stream`] turns a [`Prompt`] into one normalized stream of
//! [`ResponseEvent`]s, whether the provider speaks the Responses API
//! (`wire_api = "responses"`) or Chat Completions (`wire_api = "chat"`).
//! Everything above this crate sees only the normalized events, so the
//! engine has one code path for every provider.
//!
//! The client retries what can be retried before any event reaches the
//! caller (connection errors, 429 and 5xx, honoring `Retry-After` and the
//! server's "try again in" hint). Failures after the stream started (a
//! disconnect, a stall longer than `stream_idle_timeout_ms`, a malformed
//! event, a transient `response.failed`) end the stream with a retryable
//! [`ClientError`]; retrying the turn is the engine's decision.
//!
//! Auth lives here too: keys from the environment or from `auth.json`
//! (written 0600 by `codex login`), see [`auth`].

pub mod auth;
mod chat;
mod client;
mod error;
mod events;
mod http;
mod model_family;
mod prompt;
mod rate_limits;
mod request_body;
mod responses;
mod retry;
mod spilled_outputs;
mod sse;

pub use client::{ModelClient, ModelClientConfig, RetryNotice, TurnMetadata};
pub use error::{ClientError, error_report};
pub use events::{ResponseEvent, ResponseStream};
pub use http::{http_client, http_client_plain, install_crypto_provider, user_agent};
pub use model_family::{
    ApplyPatchToolType, ModelCatalog, ModelFamily, ShellToolType, find_family_for_model,
};
pub use prompt::{
    FreeformTool, FreeformToolFormat, FunctionTool, NamespaceTool, NamespacedFunction, Prompt,
    ToolSpec,
};
pub use retry::backoff;
pub use spilled_outputs::{OutputSpill, SpilledOutputs, SpilledText};

/// The HTTP client type [`http_client`] returns, so callers can hold one
/// without depending on reqwest.
pub use reqwest::Client as HttpClient;
