//! The one HTTP client constructor.

use std::sync::Once;
use std::time::Duration;

use crate::error::ClientError;

/// Builds the HTTP client every request uses. It installs rustls' ring crypto
/// provider first: reqwest is built without a provider of its own (to keep
/// aws-lc out of the build) and would panic without one.
pub fn http_client(user_agent: &str) -> Result<reqwest::Client, ClientError> {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(Duration::from_secs(30))
        .build()
        .map_err(|err| ClientError::Other(format!("cannot build the HTTP client: {err}")))
}

fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err means another provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// `codex/0.1.0 (linux; x86_64) codex_exec`
pub fn user_agent(originator: &str) -> String {
    format!(
        "codex/{} ({}; {}) {originator}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}
