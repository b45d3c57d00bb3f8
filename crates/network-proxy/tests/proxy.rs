//! The proxy with real clients (curl, raw sockets) against a loopback HTTP
//! server. Test names resolve through the proxy's resolver overrides, never
//! DNS: `allowed.test`, `denied.test` and `other.test` all point at
//! 127.0.0.1, so only the rules make the difference.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;

use codex_network_proxy::{
    Action, HTTP_SOCKET_NAME, HostRule, NetworkPolicy, NetworkProxy, Protocol, ProxyConfig,
    Resolver, SOCKS_SOCKET_NAME,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UnixStream};

fn rule(pattern: &str, action: Action) -> HostRule {
    HostRule::new(pattern, action, format!("test rule `{pattern}`")).unwrap()
}

/// A server answering every request with `hello <path>` and closing.
async fn origin() -> u16 {
    codex_test_support::HelloOrigin::start().port()
}

struct Setup {
    proxy: NetworkProxy,
    http_port: u16,
    socks_port: u16,
    origin: u16,
    _parent: tempfile::TempDir,
}

async fn setup(rules: Vec<HostRule>) -> Setup {
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let overrides: HashMap<String, IpAddr> =
        ["allowed.test", "denied.test", "other.test", "a.wild.test"]
            .into_iter()
            .map(|h| (h.to_string(), loopback))
            .collect();
    let parent = tempfile::tempdir().unwrap();
    let mut proxy = NetworkProxy::start(ProxyConfig {
        policy: NetworkPolicy::new(rules),
        resolver: Resolver { overrides },
        socket_parent: Some(parent.path().to_path_buf()),
    })
    .unwrap();
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let socks = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http_port = http.local_addr().unwrap().port();
    let socks_port = socks.local_addr().unwrap().port();
    proxy.serve_http_on(http);
    proxy.serve_socks_on(socks);
    Setup {
        proxy,
        http_port,
        socks_port,
        origin: origin().await,
        _parent: parent,
    }
}

fn default_rules() -> Vec<HostRule> {
    vec![
        rule("allowed.test", Action::Allow),
        rule("**.test", Action::Allow),
        rule("denied.test", Action::Deny),
    ]
}

/// curl's exit code, its stdout and the HTTP status it saw.
async fn curl(args: &[String]) -> (i32, String) {
    let output = tokio::process::Command::new("curl")
        .args(["-sS", "--max-time", "20", "--noproxy", ""])
        .args(args)
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .await
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_forward_allows_listed_hosts_and_refuses_others_with_the_reason() {
    let s = setup(default_rules()).await;
    let proxy = format!("http://127.0.0.1:{}", s.http_port);
    let (code, body) = curl(&[
        "-x".into(),
        proxy.clone(),
        format!("http://allowed.test:{}/ok?q=1", s.origin),
    ])
    .await;
    assert_eq!((code, body.as_str()), (0, "hello /ok?q=1"));

    let (code, body) = curl(&[
        "-x".into(),
        proxy.clone(),
        "-w".into(),
        "\n%{http_code}".into(),
        format!("http://denied.test:{}/", s.origin),
    ])
    .await;
    assert_eq!(code, 0);
    assert!(body.ends_with("\n403"), "{body}");
    assert!(body.contains("denied by test rule `denied.test`"), "{body}");

    let s2 = setup(vec![rule("allowed.test", Action::Allow)]).await;
    let (_, body) = curl(&[
        "-x".into(),
        format!("http://127.0.0.1:{}", s2.http_port),
        "-w".into(),
        "\n%{http_code}".into(),
        format!("http://other.test:{}/", s2.origin),
    ])
    .await;
    assert!(body.ends_with("\n403"), "{body}");
    assert!(
        body.contains("\"other.test\" is not in the allowlist"),
        "{body}"
    );
    // A raw IP is a host like any other: not listed, not reachable.
    let (_, body) = curl(&[
        "-x".into(),
        format!("http://127.0.0.1:{}", s2.http_port),
        "-w".into(),
        "\n%{http_code}".into(),
        format!("http://127.0.0.1:{}/", s2.origin),
    ])
    .await;
    assert!(
        body.contains("\"127.0.0.1\" is not in the allowlist"),
        "{body}"
    );

    let denials = s.proxy.recent_denials();
    assert_eq!(denials.len(), 1, "{denials:?}");
    assert_eq!(denials[0].host, "denied.test");
    assert_eq!(denials[0].protocol, Protocol::Http);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_tunnels_only_to_allowed_hosts() {
    let s = setup(default_rules()).await;
    let proxy = format!("http://127.0.0.1:{}", s.http_port);
    let (code, body) = curl(&[
        "-p".into(),
        "-x".into(),
        proxy.clone(),
        format!("http://allowed.test:{}/tunnel", s.origin),
    ])
    .await;
    assert_eq!((code, body.as_str()), (0, "hello /tunnel"));
    let (code, _) = curl(&[
        "-p".into(),
        "-x".into(),
        proxy,
        format!("http://denied.test:{}/tunnel", s.origin),
    ])
    .await;
    // 56: "CONNECT tunnel failed, response 403".
    assert_eq!(code, 56);
    assert_eq!(s.proxy.recent_denials()[0].protocol, Protocol::Https);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socks5_resolves_and_decides_like_the_http_proxy() {
    let s = setup(default_rules()).await;
    let socks = format!("127.0.0.1:{}", s.socks_port);
    let (code, body) = curl(&[
        "--socks5-hostname".into(),
        socks.clone(),
        format!("http://allowed.test:{}/s", s.origin),
    ])
    .await;
    assert_eq!((code, body.as_str()), (0, "hello /s"));
    let (code, _) = curl(&[
        "--socks5-hostname".into(),
        socks,
        format!("http://denied.test:{}/s", s.origin),
    ])
    .await;
    assert_ne!(code, 0);
    let denials = s.proxy.recent_denials();
    assert_eq!(denials[0].protocol, Protocol::Socks5Tcp);
    assert!(denials[0].reason.contains("denied by"), "{denials:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wildcard_does_not_reach_local_addresses_but_an_exact_host_does() {
    let s = setup(vec![rule("*.wild.test", Action::Allow)]).await;
    let (_, body) = curl(&[
        "-x".into(),
        format!("http://127.0.0.1:{}", s.http_port),
        format!("http://a.wild.test:{}/", s.origin),
    ])
    .await;
    assert!(
        body.contains("resolves to a local or private address (127.0.0.1)"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_sockets_are_private_and_serve_both_protocols() {
    let s = setup(default_rules()).await;
    let dir = s.proxy.socket_dir();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700);
    assert_eq!(mode(&dir.join(HTTP_SOCKET_NAME)), 0o600);
    assert_eq!(mode(&dir.join(SOCKS_SOCKET_NAME)), 0o600);

    let mut http = UnixStream::connect(dir.join(HTTP_SOCKET_NAME))
        .await
        .unwrap();
    let request = format!(
        "GET http://allowed.test:{}/unix HTTP/1.1\r\nHost: allowed.test\r\nProxy-Authorization: Basic c2VjcmV0\r\nConnection: close\r\n\r\n",
        s.origin
    );
    http.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    http.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("hello /unix"), "{response}");

    let mut socks = UnixStream::connect(dir.join(SOCKS_SOCKET_NAME))
        .await
        .unwrap();
    socks.write_all(&[5, 1, 0]).await.unwrap();
    let mut greeting = [0u8; 2];
    socks.read_exact(&mut greeting).await.unwrap();
    assert_eq!(greeting, [5, 0]);
    let name = b"denied.test";
    let mut request = vec![5, 1, 0, 3, name.len() as u8];
    request.extend_from_slice(name);
    request.extend_from_slice(&s.origin.to_be_bytes());
    socks.write_all(&request).await.unwrap();
    let mut reply = [0u8; 10];
    socks.read_exact(&mut reply).await.unwrap();
    assert_eq!(reply[1], 2, "connection not allowed by ruleset");

    let dir = dir.to_path_buf();
    drop(s);
    assert!(
        !dir.exists(),
        "the socket directory is removed with the proxy"
    );
}
