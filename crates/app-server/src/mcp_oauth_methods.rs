//! `mcpServer/oauth/login`: an editor signs codex in to an OAuth-protected
//! MCP server. The answer carries the authorization URL for the client to
//! open; the callback is served here in the background and its outcome
//! arrives as `mcpServer/oauthLogin/completed` (with the login's id), as in
//! the reference. The tokens land where `codex mcp login` puts them, so
//! sessions started afterwards use them.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use codex_config::mcp::McpServerTransportConfig;
use codex_config::{CliOverrides, McpOAuthCredentialsStore, load_config};
use codex_mcp::oauth;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::outgoing::Outgoing;
use crate::protocol::{McpServerOauthLoginCompletedNotification, ServerNotification};
use crate::rpc::RpcError;

/// How long a login waits for the browser when the client names no limit.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpServerOauthLoginParams {
    pub name: String,
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub timeout_secs: Option<i64>,
    #[serde(default)]
    pub thread_id: Option<String>,
    /// `auto` or `dcr` (dynamic client registration); `cimd` (a client
    /// metadata document) needs a published client URL this version does
    /// not have, and is refused.
    #[serde(default)]
    pub client_registration: Option<String>,
}

pub async fn mcp_oauth_login(
    codex_home: &Path,
    overrides: &CliOverrides,
    outgoing: &Arc<Outgoing>,
    params: Value,
) -> Result<Value, RpcError> {
    let params: McpServerOauthLoginParams = crate::params::parse("mcpServer/oauth/login", params)?;
    let config =
        load_config(codex_home, overrides).map_err(|err| RpcError::internal(err.to_string()))?;
    if config.mcp_oauth_credentials_store == McpOAuthCredentialsStore::Keyring {
        return Err(RpcError::invalid_request(
            "mcp_oauth_credentials_store = \"keyring\" is not supported by this version; set it to \"file\" or \"auto\"",
        ));
    }
    let (servers, _) = codex_plugins::effective_mcp_servers(&config);
    let server = servers.get(&params.name).ok_or_else(|| {
        RpcError::invalid_params(format!("no MCP server named `{}`", params.name))
    })?;
    let McpServerTransportConfig::StreamableHttp {
        url, http_headers, ..
    } = &server.transport
    else {
        return Err(RpcError::invalid_params(format!(
            "`{}` is a stdio server; OAuth sign-in is for streamable HTTP servers",
            params.name
        )));
    };
    match params.client_registration.as_deref() {
        None | Some("auto") | Some("dcr") => {}
        Some(other) => {
            return Err(RpcError::invalid_params(format!(
                "`clientRegistration` {other:?} is not supported; use \"auto\" or \"dcr\""
            )));
        }
    }
    let timeout = match params.timeout_secs {
        Some(secs) if secs <= 0 => {
            return Err(RpcError::invalid_params("`timeoutSecs` must be positive"));
        }
        Some(secs) => Duration::from_secs(secs as u64),
        None => DEFAULT_TIMEOUT,
    };
    let pending = oauth::start_login(oauth::LoginOptions {
        codex_home: config.codex_home.clone(),
        server: oauth::OAuthServer {
            name: params.name.clone(),
            url: url.clone(),
            headers: http_headers.clone(),
        },
        scopes: params.scopes.unwrap_or_default(),
        callback_port: config.mcp_oauth_callback_port,
        callback_url: config.mcp_oauth_callback_url.clone(),
    })
    .await
    .map_err(|err| RpcError::internal(err.to_string()))?;
    let authorization_url = pending.authorization_url.clone();
    let login_id = uuid::Uuid::new_v4().to_string();
    let outgoing = Arc::clone(outgoing);
    let (name, thread_id, id) = (params.name, params.thread_id, login_id.clone());
    tokio::spawn(async move {
        let result = pending.finish(timeout).await;
        outgoing.notify(ServerNotification::McpServerOauthLoginCompleted(
            McpServerOauthLoginCompletedNotification {
                name,
                success: result.is_ok(),
                error: result.err().map(|err| err.to_string()),
                login_id: Some(id),
                thread_id,
            },
        ));
    });
    Ok(json!({ "authorizationUrl": authorization_url, "loginId": login_id }))
}
