//! What a command whose network goes through the allowlist proxy sees: the
//! proxy's addresses inside its network namespace and the environment
//! variables that point clients at them, as the reference sets them.

/// The HTTP proxy inside the command's network namespace
/// (`http://127.0.0.1:3128`).
pub const HTTP_PROXY_PORT: u16 = 3128;
/// The SOCKS5 proxy inside the command's network namespace
/// (`socks5h://127.0.0.1:8081`).
pub const SOCKS_PROXY_PORT: u16 = 8081;

/// The names of the proxy's sockets in its directory (the same names as
/// `codex_network_proxy::{HTTP_SOCKET_NAME, SOCKS_SOCKET_NAME}`; the
/// sandbox does not depend on the proxy crate).
pub const HTTP_SOCKET_NAME: &str = "http.sock";
pub const SOCKS_SOCKET_NAME: &str = "socks.sock";

/// Variables that take the HTTP proxy's URL.
const HTTP_PROXY_VARS: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "WS_PROXY",
    "WSS_PROXY",
    "ws_proxy",
    "wss_proxy",
    "NPM_CONFIG_PROXY",
    "NPM_CONFIG_HTTPS_PROXY",
    "npm_config_proxy",
    "npm_config_https_proxy",
    "YARN_HTTP_PROXY",
    "YARN_HTTPS_PROXY",
    "BUNDLE_HTTP_PROXY",
    "BUNDLE_HTTPS_PROXY",
    "DOCKER_HTTP_PROXY",
    "DOCKER_HTTPS_PROXY",
    "PIP_PROXY",
];

/// Variables that take the SOCKS proxy's URL (names resolved by the proxy).
const SOCKS_PROXY_VARS: &[&str] = &["ALL_PROXY", "all_proxy", "FTP_PROXY", "ftp_proxy"];

/// The environment of a command whose network is the proxy. `NO_PROXY` is
/// emptied so that no host (not even `localhost`) is tried directly.
pub fn proxy_env() -> Vec<(String, String)> {
    let http = format!("http://127.0.0.1:{HTTP_PROXY_PORT}");
    let socks = format!("socks5h://127.0.0.1:{SOCKS_PROXY_PORT}");
    let mut env: Vec<(String, String)> = HTTP_PROXY_VARS
        .iter()
        .map(|name| (name.to_string(), http.clone()))
        .chain(
            SOCKS_PROXY_VARS
                .iter()
                .map(|name| (name.to_string(), socks.clone())),
        )
        .collect();
    for (name, value) in [
        ("NO_PROXY", ""),
        ("no_proxy", ""),
        ("NODE_USE_ENV_PROXY", "1"),
        ("CODEX_NETWORK_PROXY_ACTIVE", "1"),
        ("CODEX_NETWORK_ALLOW_LOCAL_BINDING", "0"),
    ] {
        env.push((name.to_string(), value.to_string()));
    }
    env
}
