//! The network allowlist's side of the sandbox: a command whose network is
//! limited to the proxy runs in a network namespace of its own (loopback
//! only) and reaches the world only through the session's proxy, which
//! listens outside on two Unix sockets in a private directory
//! (`codex-network-proxy`).
//!
//! * The builder opens that directory (`O_PATH`) before it builds the
//!   filesystem view, then covers it like a secret (an empty mode-000
//!   tmpfs): the command cannot see or connect to the sockets, while the
//!   open descriptor still reaches the directory beneath the cover.
//! * It brings the namespace's loopback interface up.
//! * Init, before any restriction of its own, binds `127.0.0.1:3128`
//!   (HTTP proxy) and `127.0.0.1:8081` (SOCKS5) inside the namespace and
//!   forks the **bridge**, which drops every capability, sets
//!   `no_new_privs`, becomes non-dumpable (so the command cannot trace or
//!   inspect it) and forwards each connection it accepts to the matching
//!   socket through `/proc/self/fd/N/NAME`. It decides nothing: every
//!   decision is the proxy's.
//! * The command's seccomp filter allows Unix and IP sockets (IP sockets
//!   reach only the namespace's loopback) and nothing else (no netlink, no
//!   packet sockets).
//!
//! The bridge is a child of init, so it ends with the namespace.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

use super::{Layer, SetupError};
use crate::network::{HTTP_PROXY_PORT, HTTP_SOCKET_NAME, SOCKS_PROXY_PORT, SOCKS_SOCKET_NAME};

/// Bytes moved per read in each direction (tokio's default of 8 KiB costs
/// a download through the bridge about a third of its speed).
const RELAY_BUFFER: usize = 64 * 1024;

fn fail(what: String) -> SetupError {
    SetupError::new(
        Layer::NetworkProxy,
        what,
        "the network allowlist needs network namespaces and a loopback interface; run without domain rules to get no network instead".to_string(),
    )
}

/// Opens the proxy's socket directory, to reach it after it is covered.
pub(super) fn open_socket_dir(dir: &Path) -> Result<OwnedFd, SetupError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(dir)
        .map(OwnedFd::from)
        .map_err(|err| {
            fail(format!(
                "cannot open the network proxy's sockets in {} ({err})",
                dir.display()
            ))
        })
}

/// Brings `lo` up in the new network namespace (the builder holds every
/// capability of the namespace's user namespace here).
pub(super) fn bring_up_loopback() -> Result<(), SetupError> {
    // SAFETY: plain socket(2); the descriptor is owned below.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(fail(format!(
            "cannot open a socket in the network namespace ({})",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: `raw` is a fresh descriptor nobody else owns.
    let socket = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(raw) };
    // SAFETY: ifreq is plain data; all-zero is a valid value.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in request.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    // SAFETY: a valid socket and ifreq for SIOCGIFFLAGS/SIOCSIFFLAGS.
    let rc = unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS, &mut request) };
    if rc != 0 {
        return Err(fail(format!(
            "cannot read the loopback interface ({})",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: the union's flags member is what SIOCGIFFLAGS filled.
    unsafe { request.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short };
    // SAFETY: as above.
    let rc = unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS, &request) };
    if rc != 0 {
        return Err(fail(format!(
            "cannot bring the loopback interface up ({})",
            std::io::Error::last_os_error()
        )));
    }
    Ok(())
}

/// Binds the two listeners inside the namespace and forks the bridge
/// (run by init before it restricts itself). Init keeps nothing of it.
pub(super) fn start(socket_dir: OwnedFd) -> Result<(), SetupError> {
    let bind = |port: u16| {
        TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).map_err(|err| {
            fail(format!(
                "cannot listen on 127.0.0.1:{port} in the network namespace ({err})"
            ))
        })
    };
    let http = bind(HTTP_PROXY_PORT)?;
    let socks = bind(SOCKS_PROXY_PORT)?;
    // SAFETY: init is single-threaded; the child only runs the bridge.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(fail(format!(
            "cannot start the bridge ({})",
            std::io::Error::last_os_error()
        )));
    }
    if pid == 0 {
        run_bridge(http, socks, socket_dir);
    }
    Ok(())
}

/// The bridge process (never returns).
fn run_bridge(http: TcpListener, socks: TcpListener, socket_dir: OwnedFd) -> ! {
    // SAFETY: plain prctls on this process: die with init, never gain
    // privileges, not traceable or inspectable by the command.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        libc::prctl(libc::PR_SET_DUMPABLE, 0);
    }
    if super::capabilities::set_no_new_privs()
        .and_then(|()| super::capabilities::drop_all())
        .is_err()
    {
        super::exit(1);
    }
    let dir = format!("/proc/self/fd/{}", socket_dir.as_raw_fd());
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    {
        Ok(runtime) => runtime,
        Err(_) => super::exit(1),
    };
    runtime.block_on(async move {
        let listen = |listener: TcpListener, target: String| async move {
            let _ = listener.set_nonblocking(true);
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                let target = target.clone();
                tokio::spawn(async move {
                    let _ = client.set_nodelay(true);
                    if let Ok(mut proxy) = tokio::net::UnixStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional_with_sizes(
                            &mut client,
                            &mut proxy,
                            RELAY_BUFFER,
                            RELAY_BUFFER,
                        )
                        .await;
                    }
                });
            }
        };
        tokio::join!(
            listen(http, format!("{dir}/{HTTP_SOCKET_NAME}")),
            listen(socks, format!("{dir}/{SOCKS_SOCKET_NAME}")),
        );
    });
    drop(socket_dir);
    super::exit(0)
}
