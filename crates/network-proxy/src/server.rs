//! One session's proxy: two Unix sockets (`http.sock`, `socks.sock`) in a
//! fresh private directory (0700, sockets 0600), the accept loops, the
//! shared rules and the record of refusals. Dropping the [`NetworkProxy`]
//! stops accepting and removes the directory.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, UnixListener};
use tokio::task::JoinHandle;

use crate::policy::{NetworkPolicy, Protocol};
use crate::upstream::Resolver;

/// The HTTP proxy's socket, inside [`NetworkProxy::socket_dir`].
pub const HTTP_SOCKET_NAME: &str = "http.sock";
/// The SOCKS5 proxy's socket, inside [`NetworkProxy::socket_dir`].
pub const SOCKS_SOCKET_NAME: &str = "socks.sock";

/// How many refusals are kept for [`NetworkProxy::recent_denials`].
const RECENT_DENIALS: usize = 64;

/// What a proxy is started with.
#[derive(Debug, Clone, Default)]
pub struct ProxyConfig {
    pub policy: NetworkPolicy,
    pub resolver: Resolver,
    /// Where the private socket directory is made (default: the system's
    /// temporary directory).
    pub socket_parent: Option<PathBuf>,
}

/// A refused connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub host: String,
    pub protocol: Protocol,
    pub reason: String,
}

/// What the connection handlers share.
pub(crate) struct Shared {
    pub(crate) policy: NetworkPolicy,
    pub(crate) resolver: Resolver,
    denials: Mutex<Denials>,
}

#[derive(Default)]
struct Denials {
    logged: HashSet<(String, Protocol)>,
    recent: VecDeque<Denial>,
}

impl Shared {
    /// Keeps a refusal, and logs it the first time this host is refused
    /// for this protocol (a client retrying in a loop logs once). Only the
    /// host and the rule are logged: never URLs, headers or bodies.
    pub(crate) fn record_denial(&self, host: &str, protocol: Protocol, reason: &str) {
        let Ok(mut denials) = self.denials.lock() else {
            return;
        };
        if denials.logged.insert((host.to_string(), protocol)) {
            tracing::warn!(
                target: "codex_network_proxy",
                host,
                protocol = protocol.name(),
                "network access blocked: {reason}"
            );
        }
        if denials.recent.len() == RECENT_DENIALS {
            denials.recent.pop_front();
        }
        denials.recent.push_back(Denial {
            host: host.to_string(),
            protocol,
            reason: reason.to_string(),
        });
    }
}

/// A running proxy. Dropping it stops it and removes its sockets.
pub struct NetworkProxy {
    dir: PathBuf,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl NetworkProxy {
    /// Makes the private directory, binds both sockets and starts serving
    /// them on the current tokio runtime.
    pub fn start(config: ProxyConfig) -> std::io::Result<Self> {
        let parent = config
            .socket_parent
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        let dir = make_private_dir(&parent)?;
        let shared = Arc::new(Shared {
            policy: config.policy,
            resolver: config.resolver,
            denials: Mutex::new(Denials::default()),
        });
        let bound = (|| {
            let http = bind_private(&dir.join(HTTP_SOCKET_NAME))?;
            let socks = bind_private(&dir.join(SOCKS_SOCKET_NAME))?;
            Ok::<_, std::io::Error>((http, socks))
        })();
        let (http, socks) = match bound {
            Ok(pair) => pair,
            Err(err) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(err);
            }
        };
        let tasks = vec![
            tokio::spawn(accept_unix(http, Arc::clone(&shared), Kind::Http)),
            tokio::spawn(accept_unix(socks, Arc::clone(&shared), Kind::Socks)),
        ];
        Ok(Self { dir, shared, tasks })
    }

    /// The private directory holding [`HTTP_SOCKET_NAME`] and
    /// [`SOCKS_SOCKET_NAME`] (what the sandbox bridges into a command's
    /// network namespace).
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    pub fn policy(&self) -> &NetworkPolicy {
        &self.shared.policy
    }

    /// The latest refusals, oldest first (at most 64).
    pub fn recent_denials(&self) -> Vec<Denial> {
        self.shared
            .denials
            .lock()
            .map(|d| d.recent.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Also serves the HTTP proxy on a TCP listener (tests and the
    /// benchmark drive it with ordinary clients; codex itself serves only
    /// the Unix sockets).
    pub fn serve_http_on(&mut self, listener: TcpListener) {
        self.tasks.push(tokio::spawn(accept_tcp(
            listener,
            Arc::clone(&self.shared),
            Kind::Http,
        )));
    }

    /// Also serves the SOCKS5 proxy on a TCP listener (see
    /// [`Self::serve_http_on`]).
    pub fn serve_socks_on(&mut self, listener: TcpListener) {
        self.tasks.push(tokio::spawn(accept_tcp(
            listener,
            Arc::clone(&self.shared),
            Kind::Socks,
        )));
    }
}

impl Drop for NetworkProxy {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Http,
    Socks,
}

async fn accept_unix(listener: UnixListener, shared: Arc<Shared>, kind: Kind) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => spawn_connection(stream, &shared, kind),
            Err(err) => accept_failed(err).await,
        }
    }
}

async fn accept_tcp(listener: TcpListener, shared: Arc<Shared>, kind: Kind) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                spawn_connection(stream, &shared, kind);
            }
            Err(err) => accept_failed(err).await,
        }
    }
}

fn spawn_connection<S>(stream: S, shared: &Arc<Shared>, kind: Kind)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        match kind {
            Kind::Http => crate::http::serve_connection(stream, shared).await,
            Kind::Socks => crate::socks::serve_connection(stream, shared).await,
        }
    });
}

/// Out of descriptors and the like: wait a moment rather than spin.
async fn accept_failed(err: std::io::Error) {
    tracing::warn!(target: "codex_network_proxy", "accepting a connection failed: {err}");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
}

/// A new directory only this user can enter (0700), under `parent`.
fn make_private_dir(parent: &Path) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let mut last = None;
    for _ in 0..16 {
        let mut random = [0u8; 8];
        // SAFETY: getrandom fills the buffer we pass, of the length we pass.
        let filled = unsafe { libc::getrandom(random.as_mut_ptr().cast(), random.len(), 0) };
        if filled != random.len() as isize {
            return Err(std::io::Error::last_os_error());
        }
        let dir = parent.join(format!(
            "codex-netproxy-{}-{:016x}",
            std::process::id(),
            u64::from_ne_bytes(random)
        ));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => last = Some(err),
            Err(err) => {
                return Err(std::io::Error::new(
                    err.kind(),
                    format!(
                        "cannot make the network proxy's directory in {} ({err})",
                        parent.display()
                    ),
                ));
            }
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free directory name")))
}

/// Binds a Unix socket and makes it 0600 (it sits in a 0700 directory
/// from the start, so nobody else can reach it in between).
fn bind_private(path: &Path) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}
