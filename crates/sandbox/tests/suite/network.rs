//! Network: off unless the policy allows it; AF_UNIX always works.

use std::net::TcpListener;
use std::time::Duration;

use codex_protocol::protocol::SandboxPolicy;

use super::common::{sh, tempdir, workspace_only};

/// Connects to a listener on 127.0.0.1 from inside the sandbox; returns
/// whether the listener saw the connection.
fn can_connect(policy: SandboxPolicy) -> (bool, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let cwd = tempdir();
    let out = sh(
        policy,
        cwd.path(),
        &format!("exec bash -c 'echo hello > /dev/tcp/127.0.0.1/{port}'"),
    );
    std::thread::sleep(Duration::from_millis(50));
    let accepted = listener.accept().is_ok();
    (accepted && out.exit_code == 0, out.aggregated.text())
}

#[test]
fn connecting_to_localhost_needs_network_access() {
    let (ok, output) = can_connect(SandboxPolicy::ReadOnly);
    assert!(!ok);
    assert!(output.contains("Operation not permitted"), "{output}");
    let (ok, _) = can_connect(workspace_only(false));
    assert!(!ok);
    let (ok, output) = can_connect(workspace_only(true));
    assert!(ok, "{output}");
    let (ok, output) = can_connect(SandboxPolicy::DangerFullAccess);
    assert!(ok, "{output}");
}

#[test]
fn unix_sockets_work_but_other_families_do_not() {
    let cwd = tempdir();
    let script = r#"
import socket, os
a, b = socket.socketpair()
a.send(b"unix-ok"); print(b.recv(16).decode())
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind("sock"); s.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect("sock"); print("unix-path-ok")
for family, kind in [(socket.AF_INET, socket.SOCK_DGRAM), (socket.AF_INET6, socket.SOCK_STREAM),
                     (socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW)]:
    try:
        socket.socket(family, kind); print("ALLOWED", family)
    except OSError as e:
        print("denied", e.errno)
"#;
    let out = sh(
        workspace_only(false),
        cwd.path(),
        &format!("python3 -c '{script}'"),
    );
    assert_eq!(out.exit_code, 0, "{}", out.aggregated.text());
    let text = out.stdout.text();
    assert!(text.contains("unix-ok\nunix-path-ok\n"), "{text}");
    assert_eq!(text.matches("denied 1").count(), 4, "{text}");
    assert!(!text.contains("ALLOWED"), "{text}");
}
