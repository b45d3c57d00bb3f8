//! Revoking a refresh token at logout, so a copy of `auth.json` left
//! elsewhere stops working too.

use crate::manager::describe;
use crate::{Endpoints, LoginError};

/// Asks the issuer to revoke `refresh_token`.
pub async fn revoke_refresh_token(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    refresh_token: &str,
) -> Result<(), LoginError> {
    let body = serde_json::json!({
        "token": refresh_token,
        "token_type_hint": "refresh_token",
        "client_id": endpoints.client_id,
    });
    let response = http
        .post(&endpoints.revoke_url)
        .json(&body)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(|err| LoginError::Failed(format!("cannot revoke the token: {}", describe(err))))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(LoginError::Failed(format!(
            "the issuer did not revoke the token ({})",
            response.status()
        )))
    }
}
