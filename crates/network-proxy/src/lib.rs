//! The network allowlist: a per-session proxy that lets sandboxed commands
//! reach only the hosts the rules allow.
//!
//! # Design
//!
//! A command whose permission profile lists domains runs in a network
//! namespace of its own with nothing but loopback (see `codex-sandbox`), so
//! it has no route anywhere. The one way out is this proxy, which runs in
//! codex's process and listens on two Unix sockets in a private directory
//! (0700, sockets 0600; [`NetworkProxy`]): `http.sock` speaks HTTP proxy
//! (`CONNECT` tunnels for `https://` and any TCP, absolute-form requests
//! for `http://`, on hyper) and `socks.sock` speaks SOCKS5 (TCP `CONNECT`).
//! Inside the namespace, the sandbox's bridge listens on `127.0.0.1` and
//! forwards each connection to these sockets, and the command gets
//! `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` (and the rest of the reference's
//! variables) pointing there. A command that ignores them reaches nothing.
//!
//! Every connection names its host, which is decided by a
//! [`NetworkPolicy`] ([`policy`]): exact hosts, `*.domain` (subdomains),
//! `**.domain` (the domain and its subdomains), `*`; a matching deny wins,
//! an unmatched host is "not in the allowlist". The proxy resolves names
//! itself ([`upstream`]) and refuses loopback, private and other
//! non-public addresses unless the host is listed exactly, so a wildcard
//! cannot be used to reach the machine's own services (DNS rebinding). A
//! refusal is answered `403` (HTTP, body naming the rule) or SOCKS reply
//! 2, logged once per host and protocol (host and reason only — never a
//! URL, header or body, which may carry secrets), and kept for
//! [`NetworkProxy::recent_denials`].
//!
//! Only tokio and hyper (already in the build through reqwest) are used.

pub mod http;
pub mod policy;
mod server;
mod socks;
pub mod upstream;

pub use policy::{Action, Decision, HostPattern, HostRule, NetworkPolicy, Protocol};
pub use server::{Denial, HTTP_SOCKET_NAME, NetworkProxy, ProxyConfig, SOCKS_SOCKET_NAME};
pub use upstream::Resolver;

/// Moves bytes both ways until both sides are done, 64 KiB per read
/// (tokio's default of 8 KiB made a 10 MB download through a tunnel about
/// twice as slow; `docs/benchmarks.md`).
pub(crate) async fn relay<A, B>(a: &mut A, b: &mut B) -> std::io::Result<(u64, u64)>
where
    A: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + ?Sized,
    B: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + ?Sized,
{
    const BUFFER: usize = 64 * 1024;
    tokio::io::copy_bidirectional_with_sizes(a, b, BUFFER, BUFFER).await
}
