//! OAuth for streamable-HTTP MCP servers: `codex mcp login` / `logout`,
//! and the signed-in HTTP client a session's connection uses.
//!
//! The protocol work — discovery of the authorization server from the MCP
//! server's protected-resource metadata, dynamic client registration, the
//! authorization-code flow with PKCE (S256) and the `resource` indicator,
//! token exchange and refresh — is `rmcp`'s (`transport::auth`). What lives
//! here is codex's side of it: where tokens are kept ([`store`], the
//! reference's `.credentials.json`), the loopback callback the browser
//! returns to, and the decisions around them:
//!
//! - A login prints the authorization URL (and tries to open a browser);
//!   the callback listens on 127.0.0.1 at `mcp_oauth_callback_port` or any
//!   free port, under a random path, and only a request carrying the
//!   flow's `state` completes it. `mcp_oauth_callback_url` replaces the
//!   redirect URL registered with the server (a callback forwarded from
//!   another machine) while the listener stays local.
//! - A session uses stored tokens only for a server without its own
//!   `Authorization` (a bearer variable or header wins); a token close to
//!   expiry is refreshed before a request, under the refresh lock shared
//!   with other codex processes.
//! - Discovered endpoints may be loopback or private addresses only when
//!   the server's own URL is (rmcp's address filter), so a server cannot
//!   point codex at the user's local network.

pub mod store;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rmcp::transport::auth::{
    AuthClient, AuthError, AuthorizationManager, AuthorizationRequest, AuthorizationSession,
};
use tokio::net::TcpListener;

use store::FileCredentialStore;

/// The client name registered with an authorization server.
const CLIENT_NAME: &str = "Codex";

/// Why a sign-in or sign-out did not work, said so the person can act.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error(
        "`{server}` does not offer OAuth sign-in ({reason}); if it takes a token, set `bearer_token_env_var` for it in config.toml"
    )]
    NotSupported { server: String, reason: String },

    #[error("signing in to `{server}` failed: {reason}")]
    Failed { server: String, reason: String },

    #[error("no sign-in arrived for `{server}` within {} s; run `codex mcp login {server}` again", .after.as_secs())]
    TimedOut { server: String, after: Duration },

    #[error(
        "cannot listen for the sign-in callback on 127.0.0.1:{port}: {reason}; free the port or change `mcp_oauth_callback_port`"
    )]
    Callback { port: u16, reason: String },

    #[error("{0}")]
    Store(String),
}

/// An HTTP server, as far as its tokens are concerned.
#[derive(Debug, Clone)]
pub struct OAuthServer {
    pub name: String,
    pub url: String,
    /// Its `http_headers`, part of the key its tokens are stored under.
    pub headers: BTreeMap<String, String>,
}

impl OAuthServer {
    fn key(&self) -> String {
        store::entry_key(&self.name, &self.url, &self.headers)
    }

    fn store(&self, codex_home: &Path) -> FileCredentialStore {
        FileCredentialStore::new(codex_home, self.key(), &self.name, &self.url)
    }

    fn failed(&self, err: impl std::fmt::Display) -> OAuthError {
        OAuthError::Failed {
            server: self.name.clone(),
            reason: err.to_string(),
        }
    }
}

/// True when tokens are stored for `server`.
pub fn is_logged_in(codex_home: &Path, server: &OAuthServer) -> Result<bool, OAuthError> {
    store::read_entry(codex_home, &server.key())
        .map(|entry| entry.is_some())
        .map_err(OAuthError::Store)
}

/// True when `url` answers like an OAuth-protected MCP server (it names an
/// authorization server that has metadata), within `timeout`.
pub async fn offers_oauth(url: &str, timeout: Duration) -> bool {
    let probe = async {
        let manager = new_manager(url).await.ok()?;
        manager.resolve_metadata().await.ok()
    };
    matches!(tokio::time::timeout(timeout, probe).await, Ok(Some(_)))
}

/// What `codex mcp login` needs.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    pub codex_home: PathBuf,
    pub server: OAuthServer,
    /// Scopes to ask for; empty lets the server's metadata decide.
    pub scopes: Vec<String>,
    /// `mcp_oauth_callback_port`; 0 or none takes any free port.
    pub callback_port: Option<u16>,
    /// `mcp_oauth_callback_url`.
    pub callback_url: Option<String>,
}

/// A sign-in waiting for the browser to come back.
pub struct PendingLogin {
    /// Open this in a browser.
    pub authorization_url: String,
    listener: TcpListener,
    callback_path: String,
    session: AuthorizationSession,
    server: OAuthServer,
}

/// Discovers the server's authorization server, registers codex with it
/// (when it has no client yet) and binds the callback: the returned login
/// holds the URL the person must open.
pub async fn start_login(options: LoginOptions) -> Result<PendingLogin, OAuthError> {
    let server = options.server.clone();
    let port = options.callback_port.unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|err| OAuthError::Callback {
            port,
            reason: err.to_string(),
        })?;
    let bound = listener
        .local_addr()
        .map_err(|err| OAuthError::Callback {
            port,
            reason: err.to_string(),
        })?
        .port();
    // The path the browser comes back to: a random one on our listener,
    // or the one a forwarded callback URL names.
    let (callback_path, redirect_uri) = match &options.callback_url {
        Some(url) => {
            let parsed = reqwest::Url::parse(url).map_err(|err| OAuthError::Failed {
                server: server.name.clone(),
                reason: format!("`mcp_oauth_callback_url` is not a URL: {err}"),
            })?;
            (parsed.path().to_string(), url.clone())
        }
        None => {
            let path = format!("/callback/{}", random_segment()?);
            let uri = format!("http://127.0.0.1:{bound}{path}");
            (path, uri)
        }
    };
    discover_and_register(options, server, listener, callback_path, redirect_uri).await
}

/// Finds the authorization server, registers (or reuses) the client and
/// builds the authorization URL for `redirect_uri`.
async fn discover_and_register(
    options: LoginOptions,
    server: OAuthServer,
    listener: TcpListener,
    callback_path: String,
    redirect_uri: String,
) -> Result<PendingLogin, OAuthError> {
    let mut manager = new_manager(&server.url)
        .await
        .map_err(|err| server.failed(err))?;
    manager.set_credential_store(server.store(&options.codex_home));
    let resolution = manager
        .resolve_metadata()
        .await
        .map_err(|err| OAuthError::NotSupported {
            server: server.name.clone(),
            reason: err.to_string(),
        })?;
    manager.set_metadata(resolution.metadata);
    let mut request = AuthorizationRequest::new(redirect_uri).with_client_name(CLIENT_NAME);
    if !options.scopes.is_empty() {
        request = request.with_scopes(options.scopes.iter().cloned());
    }
    let session = AuthorizationSession::new(manager, request)
        .await
        .map_err(|(_, err)| server.failed(err))?;
    Ok(PendingLogin {
        authorization_url: session.get_authorization_url().to_string(),
        listener,
        callback_path,
        session,
        server,
    })
}

impl PendingLogin {
    /// Serves the callback until the sign-in completes or fails, or
    /// `timeout` passes; the tokens are then stored.
    pub async fn finish(self, timeout: Duration) -> Result<(), OAuthError> {
        let server = self.server.name.clone();
        tokio::time::timeout(timeout, self.serve())
            .await
            .map_err(|_| OAuthError::TimedOut {
                server,
                after: timeout,
            })?
    }

    async fn serve(self) -> Result<(), OAuthError> {
        use codex_login::loopback::{page, read_target, respond};
        loop {
            let Ok((mut socket, _)) = self.listener.accept().await else {
                continue;
            };
            let Some(target) = read_target(&mut socket).await else {
                continue;
            };
            let Ok(url) = reqwest::Url::parse(&format!("http://127.0.0.1{target}")) else {
                respond(&mut socket, 400, "Bad request").await;
                continue;
            };
            if url.path() != self.callback_path {
                respond(&mut socket, 404, "Not found").await;
                continue;
            }
            let param = |name: &str| {
                url.query_pairs()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
            };
            if let Some(error) = param("error") {
                let description = param("error_description").unwrap_or_default();
                let reason = format!("the server refused the sign-in: {error} {description}");
                respond(&mut socket, 200, &page("Sign-in failed", &reason)).await;
                return Err(self.server.failed(reason.trim()));
            }
            let (Some(code), Some(state)) = (param("code"), param("state")) else {
                respond(&mut socket, 400, "Missing code or state").await;
                continue;
            };
            let result = self
                .session
                .handle_callback_with_issuer(&code, &state, param("iss").as_deref())
                .await;
            match result {
                Ok(_) => {
                    let body = page(
                        "Signed in",
                        &format!(
                            "Codex is signed in to the MCP server `{}`. You can close this tab.",
                            self.server.name
                        ),
                    );
                    respond(&mut socket, 200, &body).await;
                    return Ok(());
                }
                // A forged or stale callback (wrong state): keep waiting
                // for the real one.
                Err(AuthError::InternalError(reason)) if reason.contains("state not found") => {
                    respond(&mut socket, 400, "State mismatch").await;
                }
                Err(err) => {
                    respond(&mut socket, 200, &page("Sign-in failed", &err.to_string())).await;
                    return Err(self.server.failed(err));
                }
            }
        }
    }
}

/// Forgets `server`'s tokens; true when there were any. The server is not
/// asked to revoke them (the reference does not either): a refresh token
/// that must die at once is revoked on the server's own account page.
pub fn logout(codex_home: &Path, server: &OAuthServer) -> Result<bool, OAuthError> {
    let key = server.key();
    let mut removed = false;
    store::update(codex_home, |all| {
        removed = all.remove(&key).is_some();
        removed
    })
    .map_err(OAuthError::Store)?;
    Ok(removed)
}

/// The signed-in HTTP client for `server`, when tokens are stored for it:
/// requests carry its access token, refreshed before it expires.
pub(crate) async fn authorized_client(
    codex_home: &Path,
    server: &OAuthServer,
    http: reqwest::Client,
) -> Result<Option<AuthClient<reqwest::Client>>, OAuthError> {
    if !is_logged_in(codex_home, server)? {
        return Ok(None);
    }
    let mut manager = new_manager(&server.url)
        .await
        .map_err(|err| server.failed(err))?;
    manager.set_credential_store(server.store(codex_home));
    let usable = manager
        .initialize_from_store()
        .await
        .map_err(|err| server.failed(err))?;
    if !usable {
        return Ok(None);
    }
    Ok(Some(AuthClient::new(http, manager)))
}

/// rmcp's authorization manager, with its own HTTP client (which filters
/// the addresses discovered metadata may point at); that client is built
/// by reqwest and needs the process's TLS provider.
async fn new_manager(url: &str) -> Result<AuthorizationManager, AuthError> {
    codex_client::install_crypto_provider();
    AuthorizationManager::new(url).await
}

/// 128 random bits, URL-safe: the callback's path, so that another local
/// program cannot guess where to send a forged callback.
fn random_segment() -> Result<String, OAuthError> {
    codex_login::pkce::random_token(16).map_err(|err| OAuthError::Store(err.to_string()))
}
