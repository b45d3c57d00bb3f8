//! Where the server listens: `--listen stdio://` (the default: one client,
//! the process's stdin and stdout), `ws://IP:PORT` (WebSocket over TCP) or
//! `unix://PATH` (WebSocket over a Unix socket, as the reference serves it).
//!
//! The socket listeners take any number of clients, each a connection of
//! its own (`connection.rs`). A TCP listener on anything but loopback
//! refuses to start without a token, and then every connection must
//! present it; a Unix socket is guarded by the filesystem instead: it is
//! created 0600 in a directory only its owner can enter.

use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::connection::Server;
use crate::websocket;

/// A parsed `--listen` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    Stdio,
    WebSocket(SocketAddr),
    Unix(PathBuf),
}

impl Listen {
    /// `stdio://`, `ws://IP:PORT`, `unix://PATH` (`unix://` alone: the
    /// default socket under `codex_home`).
    pub fn parse(text: &str, codex_home: &Path) -> anyhow::Result<Self> {
        if text == "stdio://" || text == "stdio" {
            return Ok(Self::Stdio);
        }
        if let Some(addr) = text.strip_prefix("ws://") {
            let addr = addr.trim_end_matches('/');
            let addr: SocketAddr = addr.parse().with_context(|| {
                format!("--listen {text}: expected ws://IP:PORT, e.g. ws://127.0.0.1:8765")
            })?;
            return Ok(Self::WebSocket(addr));
        }
        if let Some(path) = text.strip_prefix("unix://") {
            if path.is_empty() {
                return Ok(Self::Unix(default_socket(codex_home)));
            }
            let path = PathBuf::from(path);
            if !path.is_absolute() {
                bail!(
                    "--listen {text}: the socket path must be absolute (unix:///run/me/codex.sock)"
                );
            }
            return Ok(Self::Unix(path));
        }
        bail!("--listen {text}: expected stdio://, ws://IP:PORT or unix://PATH")
    }
}

/// `unix://` without a path.
pub fn default_socket(codex_home: &Path) -> PathBuf {
    codex_home.join("app-server").join("app-server.sock")
}

/// Who may connect to a socket listener.
#[derive(Clone, Default)]
pub struct Auth {
    /// Every WebSocket connection must send `Authorization: Bearer TOKEN`.
    pub token: Option<Arc<str>>,
}

/// Serves WebSocket clients on `addr` until the process is stopped.
pub async fn serve_tcp(server: Arc<Server>, addr: SocketAddr, auth: Auth) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() && auth.token.is_none() {
        bail!(
            "--listen ws://{addr}: a listener other machines can reach needs a token; \
             pass --auth-token-env VAR or --ws-token-file PATH (or listen on 127.0.0.1)"
        );
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    announce(&format!("ws://{local}"));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of descriptors and the like: wait, do not spin.
                tracing::warn!("accepting a connection failed: {err}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tracing::debug!(%peer, "client connected");
        tokio::spawn(websocket::serve_client(
            Arc::clone(&server),
            stream,
            auth.clone(),
        ));
    }
}

/// Serves WebSocket clients on the Unix socket `path` until the process is
/// stopped. Local clients need no token: only the socket's owner can
/// reach it.
pub async fn serve_unix(server: Arc<Server>, path: PathBuf) -> anyhow::Result<()> {
    let listener = bind_private_socket(&path)?;
    announce(&format!("unix://{}", path.display()));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                tracing::warn!("accepting a connection failed: {err}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        tokio::spawn(websocket::serve_client(
            Arc::clone(&server),
            stream,
            Auth::default(),
        ));
    }
}

/// Says where the server listens (on stderr: the port of `:0` is known only
/// now, and a script or test reads it from there).
fn announce(url: &str) {
    eprintln!("codex app-server listening on {url}");
}

/// Binds `path` as a socket only its owner can use: its directory is
/// created 0700 (an existing one must not be open to others) and the
/// socket is made 0600 before anyone could connect (the directory already
/// keeps others out). A stale socket left by a dead server is replaced; a
/// live one is not.
fn bind_private_socket(path: &Path) -> anyhow::Result<tokio::net::UnixListener> {
    let dir = path
        .parent()
        .with_context(|| format!("{} has no directory", path.display()))?;
    match std::fs::metadata(dir) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                bail!(
                    "{} is open to other users (mode {mode:o}); put the socket in a directory \
                     only you can enter (chmod 700), e.g. unix://{}",
                    dir.display(),
                    default_socket(Path::new("~/.codex")).display()
                );
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", dir.display())),
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            bail!(
                "{} exists and is not a socket; remove it or choose another path",
                path.display()
            );
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            bail!("another server already listens on {}", path.display());
        }
        std::fs::remove_file(path)
            .with_context(|| format!("cannot remove the stale socket {}", path.display()))?;
    }
    let listener = tokio::net::UnixListener::bind(path)
        .with_context(|| format!("cannot listen on {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot make {} private", path.display()))?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_values_are_parsed_or_explained() {
        let home = Path::new("/home/me/.codex");
        assert_eq!(Listen::parse("stdio://", home).unwrap(), Listen::Stdio);
        assert_eq!(
            Listen::parse("ws://127.0.0.1:8765", home).unwrap(),
            Listen::WebSocket("127.0.0.1:8765".parse().unwrap())
        );
        assert_eq!(
            Listen::parse("unix:///run/x.sock", home).unwrap(),
            Listen::Unix(PathBuf::from("/run/x.sock"))
        );
        assert_eq!(
            Listen::parse("unix://", home).unwrap(),
            Listen::Unix(PathBuf::from("/home/me/.codex/app-server/app-server.sock"))
        );
        for bad in ["ws://localhost", "http://x", "unix://relative.sock"] {
            let err = Listen::parse(bad, home).unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[tokio::test]
    async fn a_socket_is_private_and_a_public_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("private").join("s.sock");
        let _listener = bind_private_socket(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        // A second server on the same socket is refused.
        let err = bind_private_socket(&path).unwrap_err().to_string();
        assert!(err.contains("already listens"), "{err}");
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = bind_private_socket(&open.join("s.sock"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("open to other users"), "{err}");
    }
}
