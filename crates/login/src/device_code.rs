//! `codex login --device-auth`: sign in on another device.
//!
//! The issuer gives a user code; the person enters it at
//! `{issuer}/codex/device`; codex polls at the issuer's interval (403/404
//! mean "not yet") for at most 15 minutes, then exchanges the code it gets
//! as the browser flow does.

use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::LoginError;
use crate::browser::LoginOptions;
use crate::exchange::{check_workspace, exchange_code, store};
use crate::manager::describe;
use crate::storage::AuthDotJson;

/// How long a user code is good for.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// A code for the person to enter.
#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub verification_url: String,
    pub user_code: String,
    device_auth_id: String,
    interval: Duration,
}

#[derive(Deserialize)]
struct UserCodeResponse {
    device_auth_id: String,
    #[serde(alias = "usercode")]
    user_code: String,
    #[serde(default)]
    interval: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct CodeResponse {
    authorization_code: String,
    code_verifier: String,
}

/// Asks the issuer for a user code.
pub async fn request_device_code(options: &LoginOptions) -> Result<DeviceCode, LoginError> {
    let issuer = &options.endpoints.issuer;
    let response = options
        .http
        .post(format!("{issuer}/api/accounts/deviceauth/usercode"))
        .json(&serde_json::json!({ "client_id": options.endpoints.client_id }))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|err| LoginError::Failed(format!("cannot reach the issuer: {}", describe(err))))?;
    let status = response.status();
    if status.as_u16() == 404 {
        return Err(LoginError::Failed(
            "device-code sign-in is not enabled for this issuer; use `codex login` (the browser)"
                .into(),
        ));
    }
    if !status.is_success() {
        return Err(LoginError::Failed(format!(
            "the issuer answered {status} to the device-code request"
        )));
    }
    let body: UserCodeResponse = response.json().await.map_err(|err| {
        LoginError::Failed(format!("the device-code answer is not usable: {err}"))
    })?;
    // The issuer sends the interval as a string ("5") or a number.
    let seconds = match &body.interval {
        Some(serde_json::Value::String(s)) => s.trim().parse().unwrap_or(5),
        Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(5),
        _ => 5,
    };
    Ok(DeviceCode {
        verification_url: format!("{issuer}/codex/device"),
        user_code: body.user_code,
        device_auth_id: body.device_auth_id,
        interval: Duration::from_secs(seconds),
    })
}

/// Polls until the person has entered the code, then stores the sign-in.
pub async fn complete_device_code_login(
    options: &LoginOptions,
    code: &DeviceCode,
) -> Result<AuthDotJson, LoginError> {
    let issuer = &options.endpoints.issuer;
    let started = Instant::now();
    let granted: CodeResponse = loop {
        let response = options
            .http
            .post(format!("{issuer}/api/accounts/deviceauth/token"))
            .json(&serde_json::json!({
                "device_auth_id": code.device_auth_id,
                "user_code": code.user_code,
            }))
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|err| {
                LoginError::Failed(format!("cannot reach the issuer: {}", describe(err)))
            })?;
        let status = response.status();
        if status.is_success() {
            break response.json().await.map_err(|err| {
                LoginError::Failed(format!("the device-code grant is not usable: {err}"))
            })?;
        }
        if status.as_u16() != 403 && status.as_u16() != 404 {
            return Err(LoginError::Failed(format!(
                "the issuer answered {status} while waiting for the code"
            )));
        }
        let left = MAX_WAIT.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(LoginError::Failed(
                "the code was not entered within 15 minutes; run `codex login --device-auth` again"
                    .into(),
            ));
        }
        tokio::time::sleep(code.interval.min(left)).await;
    };
    let redirect_uri = format!("{issuer}/deviceauth/callback");
    let tokens = exchange_code(
        &options.http,
        &options.endpoints,
        &redirect_uri,
        &granted.authorization_code,
        &granted.code_verifier,
    )
    .await?;
    check_workspace(&tokens, options.forced_workspace_id.as_deref())?;
    store(&options.codex_home, tokens)
}
