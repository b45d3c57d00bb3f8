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

/// Like [`http_client`], for a client that only talks to plain-HTTP
/// servers (a local model server): the system's root certificates are not
/// loaded, which saves start-up time and memory; an `https` URL then fails
/// certificate verification.
pub fn http_client_plain(user_agent: &str) -> Result<reqwest::Client, ClientError> {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(Duration::from_secs(30))
        .tls_certs_only(Vec::new())
        .build()
        .map_err(|err| ClientError::Other(format!("cannot build the HTTP client: {err}")))
}

/// Installs rustls' ring provider once per process. Called by every client
/// constructor here, and by code that lets a library build its own reqwest
/// client (MCP OAuth through rmcp).
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err means another provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The reference's form: `codex_exec/0.1.0 (Debian 12.0.0; x86_64) xterm
/// (codex_exec; 0.1.0)` — who is asking, the OS and its version, the
/// architecture and the terminal.
pub fn user_agent(originator: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    format!(
        "{originator}/{version} ({}; {}) {} ({originator}; {version})",
        os_description(),
        std::env::consts::ARCH,
        terminal_description()
    )
}

/// "Debian 12.0.0": the distribution from `/etc/os-release` (its `ID`,
/// capitalized, and `VERSION_ID` as three numbers), else the OS family.
fn os_description() -> String {
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let field = |key: &str| {
        release.lines().find_map(|line| {
            line.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix('='))
                .map(|v| v.trim_matches('"').to_string())
        })
    };
    let name = field("ID")
        .map(|id| {
            let mut chars = id.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    match field("VERSION_ID") {
        Some(version) => {
            let mut parts: Vec<&str> = version.split('.').collect();
            while parts.len() < 3 {
                parts.push("0");
            }
            format!("{name} {}", parts.join("."))
        }
        None => name,
    }
}

/// The terminal program and version, else `$TERM`, else "unknown".
fn terminal_description() -> String {
    let clean = |s: String| {
        s.chars()
            .filter(|c| c.is_ascii_graphic())
            .collect::<String>()
    };
    if let Ok(program) = std::env::var("TERM_PROGRAM")
        && !program.is_empty()
    {
        return match std::env::var("TERM_PROGRAM_VERSION") {
            Ok(version) if !version.is_empty() => clean(format!("{program}/{version}")),
            _ => clean(program),
        };
    }
    std::env::var("TERM")
        .ok()
        .filter(|t| !t.is_empty())
        .map(clean)
        .unwrap_or_else(|| "unknown".to_string())
}
