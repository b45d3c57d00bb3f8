//! What codex reads from the ChatGPT tokens: the access token's expiry and
//! the ID token's account, email and plan. The tokens are not verified
//! here (the backend does that); they are only read.

use base64::Engine;
use serde_json::Value;

/// The claims of a JWT, or None when it is not one.
pub fn claims(jwt: &str) -> Option<Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Expiry (`exp`, seconds since the epoch).
pub fn expires_at(jwt: &str) -> Option<i64> {
    claims(jwt)?.get("exp")?.as_i64()
}

/// What the ID token says about the account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdTokenInfo {
    pub email: Option<String>,
    pub plan: Option<String>,
    pub account_id: Option<String>,
}

/// Reads `email` and the `https://api.openai.com/auth` claims.
pub fn id_token_info(id_token: &str) -> IdTokenInfo {
    let Some(claims) = claims(id_token) else {
        return IdTokenInfo::default();
    };
    let auth = claims.get("https://api.openai.com/auth");
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    IdTokenInfo {
        email: text(claims.get("email")),
        plan: text(auth.and_then(|a| a.get("chatgpt_plan_type"))),
        account_id: text(auth.and_then(|a| a.get("chatgpt_account_id"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &Value) -> String {
        let enc = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.sig",
            enc(br#"{"alg":"HS256"}"#),
            enc(claims.to_string().as_bytes())
        )
    }

    #[test]
    fn reads_expiry_and_account() {
        let token = jwt(&serde_json::json!({
            "exp": 1_900_000_000,
            "email": "a@example.com",
            "https://api.openai.com/auth": {"chatgpt_plan_type": "plus", "chatgpt_account_id": "acc-1"}
        }));
        assert_eq!(expires_at(&token), Some(1_900_000_000));
        assert_eq!(
            id_token_info(&token),
            IdTokenInfo {
                email: Some("a@example.com".into()),
                plan: Some("plus".into()),
                account_id: Some("acc-1".into()),
            }
        );
        assert_eq!(expires_at("not a jwt"), None);
        assert_eq!(id_token_info("x"), IdTokenInfo::default());
    }
}
