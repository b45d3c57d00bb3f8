//! The end both sign-in flows share: an authorization code exchanged for
//! tokens, checked against `forced_chatgpt_workspace_id`, and stored.

use serde::Deserialize;

use crate::manager::describe;
use crate::storage::{AuthDotJson, TokenData, write_auth};
use crate::{Endpoints, LoginError, form_encode, jwt, now_rfc3339};

#[derive(Deserialize)]
struct TokenResponse {
    id_token: String,
    access_token: String,
    refresh_token: String,
}

/// POST `{issuer}/oauth/token` with the code and the PKCE verifier.
pub(crate) async fn exchange_code(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    redirect_uri: &str,
    code: &str,
    code_verifier: &str,
) -> Result<TokenData, LoginError> {
    let body = form_encode(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", &endpoints.client_id),
        ("code_verifier", code_verifier),
    ]);
    let response = http
        .post(format!("{}/oauth/token", endpoints.issuer))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .map_err(|err| LoginError::Failed(format!("cannot reach the issuer: {}", describe(err))))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !status.is_success() {
        let detail: String = text.trim().chars().take(300).collect();
        return Err(LoginError::Failed(format!(
            "the token endpoint answered {status}: {detail}"
        )));
    }
    let tokens: TokenResponse = serde_json::from_str(&text).map_err(|err| {
        LoginError::Failed(format!("the token endpoint's answer is not usable: {err}"))
    })?;
    let account_id = jwt::id_token_info(&tokens.id_token).account_id;
    Ok(TokenData {
        id_token: tokens.id_token,
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        account_id,
        other: serde_json::Map::new(),
    })
}

/// Refuses tokens for another workspace than the one the config requires.
pub(crate) fn check_workspace(
    tokens: &TokenData,
    forced_workspace_id: Option<&str>,
) -> Result<(), LoginError> {
    let Some(required) = forced_workspace_id else {
        return Ok(());
    };
    match tokens.account_id.as_deref() {
        Some(actual) if actual == required => Ok(()),
        actual => Err(LoginError::Failed(format!(
            "this sign-in is for workspace {}, but forced_chatgpt_workspace_id requires {required}; sign in with that workspace",
            actual.unwrap_or("(none)")
        ))),
    }
}

/// Writes the new sign-in over `auth.json`.
pub(crate) fn store(
    codex_home: &std::path::Path,
    tokens: TokenData,
) -> Result<AuthDotJson, LoginError> {
    let auth = AuthDotJson {
        auth_mode: Some("chatgpt".to_string()),
        openai_api_key: None,
        tokens: Some(tokens),
        last_refresh: Some(now_rfc3339()),
        other: serde_json::Map::new(),
    };
    write_auth(codex_home, &auth)?;
    Ok(auth)
}
