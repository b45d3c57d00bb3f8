//! Reaching an allowed host: the proxy resolves the name itself (the
//! command's namespace has no DNS), refuses loopback, private, link-local
//! and other non-public addresses unless the host is listed exactly, and
//! connects to the addresses it checked (so a name cannot resolve to one
//! address for the check and another for the connection).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpStream;

use crate::policy::{Decision, NetworkPolicy, Protocol, normalize_host};

/// How long resolving and connecting to one host may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a connection was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The rules refuse the host; the command is told the reason.
    Blocked(String),
    /// The host is allowed but could not be reached.
    Unreachable(String),
}

/// Where names resolve. Normally the system resolver; `overrides` maps
/// names to addresses first (the crate's own tests use it to give test
/// names such as `allowed.test` a loopback address; codex never sets it).
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    pub overrides: HashMap<String, IpAddr>,
}

impl Resolver {
    async fn resolve(&self, host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        if let Some(ip) = self.overrides.get(host) {
            return Ok(vec![SocketAddr::new(*ip, port)]);
        }
        Ok(tokio::net::lookup_host((host, port)).await?.collect())
    }
}

/// Decides `host` under `policy` and, if allowed, connects to it.
pub async fn connect(
    policy: &NetworkPolicy,
    resolver: &Resolver,
    host: &str,
    port: u16,
    protocol: Protocol,
) -> Result<TcpStream, Refusal> {
    let host = normalize_host(host);
    let exact = match policy.decide(&host, protocol) {
        Decision::Deny { reason } => return Err(Refusal::Blocked(reason)),
        Decision::Allow { exact } => exact,
    };
    let attempt = async {
        let addrs = resolver
            .resolve(&host, port)
            .await
            .map_err(|err| Refusal::Unreachable(format!("cannot resolve \"{host}\" ({err})")))?;
        if addrs.is_empty() {
            return Err(Refusal::Unreachable(format!("\"{host}\" has no address")));
        }
        if !exact && let Some(local) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(Refusal::Blocked(format!(
                "\"{host}\" resolves to a local or private address ({}); list the host itself to allow it",
                local.ip()
            )));
        }
        let mut last = None;
        for addr in &addrs {
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(err) => last = Some(err),
            }
        }
        Err(Refusal::Unreachable(format!(
            "cannot connect to \"{host}\" port {port} ({})",
            last.map_or_else(|| "no address".to_string(), |e| e.to_string())
        )))
    };
    tokio::time::timeout(CONNECT_TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| {
            Err(Refusal::Unreachable(format!(
                "connecting to \"{host}\" port {port} timed out"
            )))
        })
}

/// Whether `ip` is a public unicast address (not loopback, private,
/// link-local, shared, unspecified, multicast, documentation or an IPv4
/// address hidden in IPv6).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_recognized() {
        for local in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(local.parse().unwrap()), "{local}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
