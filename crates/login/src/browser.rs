//! `codex login`: the browser flow.
//!
//! A callback server listens on loopback (port 1455, then 1457 when that
//! is taken and an earlier `codex login` there does not give it up), the
//! authorize URL carries a PKCE S256 challenge and a random state, and the
//! callback's state must match before its code is exchanged. The server
//! answers one sign-in and stops.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing::{info, warn};

use crate::exchange::{check_workspace, exchange_code, store};
use crate::loopback::{page, read_target, respond};
use crate::pkce::{Pkce, generate_pkce, random_token};
use crate::storage::AuthDotJson;
use crate::{DEFAULT_PORT, Endpoints, FALLBACK_PORT, LoginError};

/// What a sign-in needs.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    pub codex_home: PathBuf,
    pub endpoints: Endpoints,
    /// The callback port; 0 takes any free one (tests).
    pub port: u16,
    /// Sent to the issuer as `originator`.
    pub originator: String,
    pub forced_workspace_id: Option<String>,
    pub http: reqwest::Client,
}

/// A callback server waiting for the browser.
pub struct BrowserLogin {
    /// Open this in a browser.
    pub auth_url: String,
    pub port: u16,
    listener: TcpListener,
    redirect_uri: String,
    pkce: Pkce,
    state: String,
    options: LoginOptions,
}

/// Binds the callback server and builds the authorize URL.
pub async fn start(options: LoginOptions) -> Result<BrowserLogin, LoginError> {
    let listener = bind(options.port).await?;
    let port = listener
        .local_addr()
        .map_err(|err| LoginError::Other(format!("the callback server has no address: {err}")))?
        .port();
    let pkce = generate_pkce()?;
    let state = random_token(32)?;
    let redirect_uri = format!("http://localhost:{port}/auth/callback");
    let mut url = reqwest::Url::parse(&format!("{}/oauth/authorize", options.endpoints.issuer))
        .map_err(|err| {
            LoginError::Other(format!(
                "the issuer `{}` is not a URL: {err}",
                options.endpoints.issuer
            ))
        })?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &options.endpoints.client_id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", "openid profile email offline_access")
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("id_token_add_organizations", "true")
        .append_pair("codex_cli_simplified_flow", "true")
        .append_pair("state", &state)
        .append_pair("originator", &options.originator);
    if let Some(workspace) = &options.forced_workspace_id {
        url.query_pairs_mut()
            .append_pair("allowed_workspace_id", workspace);
    }
    Ok(BrowserLogin {
        auth_url: url.into(),
        port,
        listener,
        redirect_uri,
        pkce,
        state,
        options,
    })
}

impl BrowserLogin {
    /// Serves the callback until a sign-in completes, fails, is cancelled
    /// or `timeout` passes.
    pub async fn finish(self, timeout: Duration) -> Result<AuthDotJson, LoginError> {
        tokio::time::timeout(timeout, self.serve())
            .await
            .map_err(|_| {
                LoginError::Failed(format!(
                    "no sign-in arrived within {} minutes; run `codex login` again",
                    timeout.as_secs() / 60
                ))
            })?
    }

    async fn serve(self) -> Result<AuthDotJson, LoginError> {
        loop {
            let Ok((mut socket, _)) = self.listener.accept().await else {
                continue;
            };
            let Some(target) = read_target(&mut socket).await else {
                continue;
            };
            let Ok(url) = reqwest::Url::parse(&format!("http://localhost{target}")) else {
                respond(&mut socket, 400, "Bad request").await;
                continue;
            };
            match url.path() {
                "/auth/callback" => {
                    let param = |name: &str| {
                        url.query_pairs()
                            .find(|(k, _)| k == name)
                            .map(|(_, v)| v.into_owned())
                    };
                    if param("state").as_deref() != Some(self.state.as_str()) {
                        // Not ours (or forged): ignore it and keep waiting.
                        warn!("login callback with a wrong state");
                        respond(&mut socket, 400, "State mismatch").await;
                        continue;
                    }
                    if let Some(error) = param("error") {
                        let description = param("error_description").unwrap_or_default();
                        let message =
                            format!("the issuer refused the sign-in: {error} {description}");
                        respond(&mut socket, 200, &page("Sign-in failed", &message)).await;
                        return Err(LoginError::Failed(message.trim().to_string()));
                    }
                    let Some(code) = param("code").filter(|c| !c.is_empty()) else {
                        respond(&mut socket, 400, "Missing authorization code").await;
                        continue;
                    };
                    let result = self.complete(&code).await;
                    match &result {
                        Ok(_) => {
                            info!("signed in with ChatGPT");
                            let body = page(
                                "Signed in to Codex",
                                "You can close this tab and return to the terminal.",
                            );
                            respond(&mut socket, 200, &body).await;
                        }
                        Err(err) => {
                            respond(&mut socket, 200, &page("Sign-in failed", &err.to_string()))
                                .await;
                        }
                    }
                    return result;
                }
                "/cancel" => {
                    respond(&mut socket, 200, "Login cancelled").await;
                    return Err(LoginError::Cancelled);
                }
                _ => respond(&mut socket, 404, "Not found").await,
            }
        }
    }

    async fn complete(&self, code: &str) -> Result<AuthDotJson, LoginError> {
        let tokens = exchange_code(
            &self.options.http,
            &self.options.endpoints,
            &self.redirect_uri,
            code,
            &self.pkce.verifier,
        )
        .await?;
        check_workspace(&tokens, self.options.forced_workspace_id.as_deref())?;
        store(&self.options.codex_home, tokens)
    }
}

async fn bind(port: u16) -> Result<TcpListener, LoginError> {
    let mut port = port;
    let mut cancelled = false;
    let mut attempts = 0;
    loop {
        match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => return Ok(listener),
            Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
                // Most often an earlier `codex login` still waiting: ask it
                // to stop, once, then wait a little for the port.
                if !cancelled {
                    cancelled = true;
                    send_cancel(port).await;
                }
                attempts += 1;
                if attempts >= 10 {
                    if port == DEFAULT_PORT {
                        warn!("port {DEFAULT_PORT} is taken; using {FALLBACK_PORT}");
                        port = FALLBACK_PORT;
                        attempts = 0;
                        continue;
                    }
                    return Err(LoginError::Failed(format!(
                        "port {port} on 127.0.0.1 is in use; close what holds it and run `codex login` again, or use `codex login --device-auth`"
                    )));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(err) => {
                return Err(LoginError::Failed(format!(
                    "cannot listen on 127.0.0.1:{port}: {err}"
                )));
            }
        }
    }
}

async fn send_cancel(port: u16) {
    let attempt = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream
            .write_all(b"GET /cancel HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut buf = [0u8; 64];
        let _ = stream.read(&mut buf).await;
        Ok::<_, std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), attempt).await;
}
