//! Network through the allowlist proxy: a real `codex-network-proxy` in the
//! test process, the command in its own network namespace reaching it only
//! through the bridge on 127.0.0.1:3128 / :8081. The origin is a loopback
//! HTTP server on the host; "localhost" is allowed (listed exactly, so its
//! loopback address may be reached), everything else is not.

use std::path::Path;
use std::time::Duration;

use codex_network_proxy::{Action, HostRule, NetworkPolicy, NetworkProxy, ProxyConfig};
use codex_protocol::protocol::SandboxPolicy;
use codex_sandbox::{ExecOutput, run_command};

use super::common::{spec, tempdir, workspace_only};

/// A host server answering `hello <path>` to every request.
fn origin() -> u16 {
    codex_test_support::HelloOrigin::start().port()
}

fn rule(pattern: &str, action: Action) -> HostRule {
    HostRule::new(
        pattern,
        action,
        format!("permissions.test.network.domains.\"{pattern}\""),
    )
    .unwrap()
}

/// Runs `script` under workspace-write with network through a proxy that
/// allows "localhost" and denies "denied.test"; returns the output, the
/// origin's port and the proxy's socket directory (removed by then).
fn run_proxied(script: impl Fn(u16, &Path) -> String) -> (ExecOutput, Vec<String>) {
    run_proxied_under(workspace_only(false), script)
}

fn run_proxied_under(
    policy: SandboxPolicy,
    script: impl Fn(u16, &Path) -> String,
) -> (ExecOutput, Vec<String>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let port = origin();
    let cwd = tempdir();
    runtime.block_on(async {
        let proxy = NetworkProxy::start(ProxyConfig {
            policy: NetworkPolicy::new(vec![
                rule("localhost", Action::Allow),
                rule("denied.test", Action::Deny),
            ]),
            ..ProxyConfig::default()
        })
        .unwrap();
        let mut spec = spec(policy, cwd.path(), &script(port, proxy.socket_dir()));
        spec.network_proxy = Some(proxy.socket_dir().to_path_buf());
        let out = run_command(&spec, Some(Duration::from_secs(30)), None)
            .await
            .unwrap();
        let denials = proxy.recent_denials().into_iter().map(|d| d.host).collect();
        (out, denials)
    })
}

#[test]
fn an_allowed_host_is_reached_through_the_proxy_variables() {
    let (out, _) = run_proxied(|port, _| {
        format!(
            "echo \"$HTTP_PROXY $http_proxy $ALL_PROXY NO_PROXY=[$NO_PROXY]\"; \
             curl -sS --max-time 20 http://localhost:{port}/plain; echo; \
             curl -sS --max-time 20 -p http://localhost:{port}/tunnel; echo; \
             curl -sS --max-time 20 --socks5-hostname 127.0.0.1:8081 http://localhost:{port}/socks; echo; \
             python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://localhost:{port}/py\", timeout=20).read().decode())'"
        )
    });
    let text = out.aggregated.text();
    assert_eq!(out.exit_code, 0, "{text}");
    assert!(
        text.contains(
            "http://127.0.0.1:3128 http://127.0.0.1:3128 socks5h://127.0.0.1:8081 NO_PROXY=[]"
        ),
        "{text}"
    );
    for path in ["/plain", "/tunnel", "/socks", "/py"] {
        assert!(text.contains(&format!("hello {path}")), "{path}: {text}");
    }
}

#[test]
fn other_hosts_get_a_clear_refusal_from_the_proxy() {
    let (out, denials) = run_proxied(|port, _| {
        format!(
            "curl -sS --max-time 20 -w ' status=%{{http_code}}\\n' http://127.0.0.1:{port}/; \
             curl -sS --max-time 20 -w ' status=%{{http_code}}\\n' http://denied.test:{port}/; \
             curl -sS --max-time 20 -p http://denied.test:{port}/ 2>&1; echo connect-exit=$?; \
             curl -sS --max-time 20 --socks5-hostname 127.0.0.1:8081 http://example.com/ 2>&1; echo socks-exit=$?"
        )
    });
    let text = out.aggregated.text();
    assert!(
        text.contains("\"127.0.0.1\" is not in the allowlist (for http)\n status=403"),
        "{text}"
    );
    assert!(
        text.contains(
            "\"denied.test\" is denied by permissions.test.network.domains.\"denied.test\"\n status=403"
        ),
        "{text}"
    );
    assert!(text.contains("connect-exit=56"), "{text}");
    assert!(!text.contains("socks-exit=0"), "{text}");
    assert!(denials.contains(&"127.0.0.1".to_string()), "{denials:?}");
    assert!(denials.contains(&"example.com".to_string()), "{denials:?}");
}

#[test]
fn a_command_that_ignores_the_proxy_reaches_nothing() {
    let (out, _) = run_proxied(|port, _| {
        format!(
            "curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:{port}/ 2>&1; echo direct-exit=$?; \
             python3 - <<'PY'
import socket
for target in [('127.0.0.1', {port}), ('10.0.0.1', 80), ('1.1.1.1', 53)]:
    try:
        socket.create_connection(target, 3); print('CONNECTED', target)
    except OSError as e:
        print('refused', target, e.errno)
try:
    socket.getaddrinfo('example.com', 80); print('RESOLVED')
except OSError as e:
    print('no-dns', e)
PY"
        )
    });
    let text = out.aggregated.text();
    assert!(text.contains("direct-exit=7"), "{text}");
    assert!(!text.contains("CONNECTED"), "{text}");
    assert!(!text.contains("RESOLVED"), "{text}");
    assert_eq!(text.matches("refused").count(), 3, "{text}");
}

#[test]
fn the_command_cannot_reach_the_proxy_sockets_or_the_bridge_itself() {
    let (out, _) = run_proxied(|port, dir| {
        format!(
            "ls {dir} 2>&1; echo ls-exit=$?; \
             python3 - <<'PY'
import os, socket
for name in ['http.sock', 'socks.sock']:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(os.path.join('{dir}', name)); print('UNIX-CONNECTED', name)
    except OSError as e:
        print('unix-refused', name, e.errno)
for family, kind in [(socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW)]:
    try:
        socket.socket(family, kind); print('SOCKET-MADE', family)
    except OSError as e:
        print('family-refused', family, e.errno)
for pid in os.listdir('/proc'):
    if not pid.isdigit() or int(pid) == os.getpid():
        continue
    try:
        for fd in os.listdir(f'/proc/{{pid}}/fd'):
            link = os.readlink(f'/proc/{{pid}}/fd/{{fd}}')
            if 'codex-netproxy' in link:
                print('LEAK', pid, link)
    except OSError:
        pass
PY
             curl -sS --max-time 20 http://localhost:{port}/still-works",
            dir = dir.display()
        )
    });
    let text = out.aggregated.text();
    assert!(text.contains("ls-exit=2"), "{text}");
    assert_eq!(text.matches("unix-refused").count(), 2, "{text}");
    assert_eq!(text.matches("family-refused").count(), 2, "{text}");
    assert!(!text.contains("UNIX-CONNECTED"), "{text}");
    assert!(!text.contains("SOCKET-MADE"), "{text}");
    assert!(!text.contains("LEAK"), "{text}");
    assert!(text.contains("hello /still-works"), "{text}");
}

#[test]
fn a_read_only_command_gets_the_proxy_too() {
    let (out, _) = run_proxied_under(SandboxPolicy::ReadOnly, |port, _| {
        format!("curl -sS --max-time 20 http://localhost:{port}/read-only")
    });
    assert_eq!(out.aggregated.text(), "hello /read-only");
}

/// A port the host is listening on is free inside the namespace: what the
/// command binds and connects to stays in its own namespace, and the host's
/// listener never sees it.
#[test]
fn listening_and_connecting_stay_inside_the_namespace() {
    let host = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    host.set_nonblocking(true).unwrap();
    let taken = host.local_addr().unwrap().port();
    let (out, _) = run_proxied(|_, _| {
        format!(
            "python3 - <<'PY'
import socket
inside = socket.socket(); inside.bind(('127.0.0.1', {taken})); inside.listen(1)
print('bound-inside')
c = socket.create_connection(('127.0.0.1', {taken}), 3)
peer, _ = inside.accept(); print('met-itself')
PY"
        )
    });
    let text = out.aggregated.text();
    assert!(text.contains("bound-inside"), "{text}");
    assert!(text.contains("met-itself"), "{text}");
    assert!(host.accept().is_err(), "the host's listener was reached");
}
