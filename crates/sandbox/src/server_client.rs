//! Codex's side of the long-lived sandboxes ([`crate::linux`]'s server):
//! one per policy, directory and view of the host, started on the first
//! command that needs it and reused by the next ones, so a command costs a
//! fork (or a `vfork`) below an init kept inside the sandbox instead of a
//! whole new one.
//!
//! A sandbox is reused only while it gives exactly the view a fresh one
//! would: the key is the helper, the policy, the directory, `TMPDIR` and
//! the hidden paths, and before each command the covered paths on the host
//! (writable roots, their `.git`/`.codex`, the hidden paths, the listening
//! Unix sockets) are compared, by device and inode, with what they were
//! when the sandbox was set up. Anything replaced, added or removed on the
//! host (a secret rewritten by rename, a new socket) starts a new sandbox
//! and retires the old one once its commands are done.
//!
//! Only processes that end their sandboxes before they exit use them
//! ([`enable`]; codex's runtime does, through [`crate::live::end_all`]).
//! Commands on the network allowlist proxy, and requests too large for one
//! message, use a one-shot sandbox. Whatever goes wrong with a long-lived
//! sandbox (it cannot start, it died) falls back to a one-shot one.

use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use codex_protocol::protocol::SandboxPolicy;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::command::{CommandSpec, SandboxError};
use crate::process::ProcessIo;

/// Set by processes that end every sandbox before they exit.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turning it off, for measuring the difference: `CODEX_SANDBOX_SERVER=0`.
const DISABLE_ENV: &str = "CODEX_SANDBOX_SERVER";

/// At most this many sandboxes stay alive; the least recently used idle
/// ones are ended first.
const MAX_SERVERS: usize = 4;

/// How long a new sandbox waits for the idle one it replaces to end.
const ENDING_WAIT: Duration = Duration::from_secs(2);

/// How long a sandbox may take to set itself up.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// Lets this process run commands in long-lived sandboxes. Only for a
/// process that calls [`crate::live::end_all`] before it exits (which ends
/// them and removes their mount points).
pub fn enable() {
    ENABLED.store(true, Ordering::SeqCst);
}

/// What a sandbox is set up for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    exe: PathBuf,
    policy_json: String,
    cwd: PathBuf,
    tmpdir: Option<String>,
    hidden: Vec<PathBuf>,
}

/// Each covered path and its identity on the host (`None`: absent).
type HostView = Vec<(PathBuf, Option<(u64, u64)>)>;

struct Server {
    key: Key,
    view: HostView,
    control: OwnedFd,
    pending: Mutex<HashMap<u64, Pending>>,
    next_id: AtomicU64,
    /// Not to be given new commands (dead, or replaced).
    retired: AtomicBool,
    last_used: Mutex<std::time::Instant>,
    /// The helper's exit code, once it has exited (and removed its
    /// placeholders).
    exited: watch::Receiver<Option<i32>>,
}

struct Pending {
    exit: watch::Sender<Option<i32>>,
    live_id: u64,
}

static SERVERS: Mutex<Vec<Arc<Server>>> = Mutex::new(Vec::new());

fn servers() -> std::sync::MutexGuard<'static, Vec<Arc<Server>>> {
    // Each operation on the list is one push, remove or retain: a panic
    // cannot leave it half-changed.
    SERVERS.lock().unwrap_or_else(|p| p.into_inner())
}

/// A command started in a long-lived sandbox.
pub(crate) struct ServerCommand {
    pub(crate) exit: watch::Receiver<Option<i32>>,
    pub(crate) kill: CommandKiller,
    pub(crate) io: CommandIo,
}

/// Codex's ends of the command's input and output.
pub(crate) enum CommandIo {
    Pipes {
        stdin: Option<OwnedFd>,
        stdout: OwnedFd,
        stderr: OwnedFd,
    },
    Pty {
        master: OwnedFd,
    },
}

/// Ends one command (and everything it started), once.
pub(crate) struct CommandKiller {
    server: Arc<Server>,
    id: u64,
    armed: AtomicBool,
}

impl CommandKiller {
    pub(crate) fn kill(&self) {
        if self.armed.swap(false, Ordering::SeqCst) {
            let _ = self.server.send(&json!({"kill": self.id}), &[]);
        }
    }

    pub(crate) fn disarm(&self) {
        self.armed.store(false, Ordering::SeqCst);
    }
}

/// Starts `spec` in a long-lived sandbox; `None` when it should run in a
/// one-shot sandbox instead.
pub(crate) fn spawn(
    spec: &CommandSpec,
    io: ProcessIo,
) -> Option<Result<ServerCommand, SandboxError>> {
    if spec.argv.is_empty() {
        return None;
    }
    let key = key_for(spec)?;
    let server = find_or_start(&key, spec)?;
    let request = json!({
        "argv": spec.argv,
        "env": crate::command::command_env(spec).collect::<Vec<_>>(),
        "cwd": spec.cwd,
        "pty": matches!(io, ProcessIo::Pty(_)),
    });
    Some(start_command(&server, request, io))
}

/// Starts the commit of a patch plan (written to its stdin) in the
/// long-lived sandbox of `spec`'s policy, directory and view, under the
/// same layers as a command; `None` when it should run in a one-shot
/// sandbox instead. Only `spec`'s program is ignored.
pub(crate) fn spawn_patch_commit(
    spec: &CommandSpec,
) -> Option<Result<ServerCommand, SandboxError>> {
    let key = key_for(spec)?;
    let server = find_or_start(&key, spec)?;
    let request = json!({
        "commit_patch": true,
        "argv": [],
        "env": [],
        "cwd": spec.cwd,
    });
    Some(start_command(&server, request, ProcessIo::Pipes))
}

/// Sets up the long-lived sandbox a command of `spec` would run in, so
/// that the first command does not wait for it: a session calls this as
/// it starts (off its path), with the session's policy and directory.
/// Does nothing where `spec` would run in a one-shot sandbox.
pub(crate) fn prewarm(spec: &CommandSpec) {
    if let Some(key) = key_for(spec) {
        find_or_start(&key, spec);
    }
}

/// What a sandbox for `spec` is set up for; `None` when `spec` runs in a
/// one-shot sandbox (or none).
fn key_for(spec: &CommandSpec) -> Option<Key> {
    if !ENABLED.load(Ordering::SeqCst)
        || std::env::var_os(DISABLE_ENV).is_some_and(|v| v == "0")
        || matches!(spec.policy, SandboxPolicy::DangerFullAccess)
        || spec.network_proxy.is_some()
    {
        return None;
    }
    Some(Key {
        exe: spec.linux_sandbox_exe.clone()?,
        policy_json: serde_json::to_string(&spec.policy).ok()?,
        cwd: spec.cwd.clone(),
        // The sandbox reads TMPDIR only for the writable root it names.
        tmpdir: match &spec.policy {
            SandboxPolicy::WorkspaceWrite {
                exclude_tmpdir_env_var: false,
                ..
            } => spec.env.get("TMPDIR").cloned(),
            _ => None,
        },
        hidden: spec.hidden_paths.clone(),
    })
}

fn start_command(
    server: &Arc<Server>,
    mut request: Value,
    io: ProcessIo,
) -> Result<ServerCommand, SandboxError> {
    let program = request["argv"][0]
        .as_str()
        .unwrap_or(crate::linux::HELPER_NAME)
        .to_string();
    let spawn_error = |source| SandboxError::Spawn {
        program: program.clone(),
        source,
    };
    let (ours, theirs): (CommandIo, [OwnedFd; 3]) = match io {
        ProcessIo::Pipes | ProcessIo::PipesNoInput => {
            let (stdout, stdout_w) = pipe().map_err(spawn_error)?;
            let (stderr, stderr_w) = pipe().map_err(spawn_error)?;
            let (stdin, stdin_r) = if io == ProcessIo::Pipes {
                let (r, w) = pipe().map_err(spawn_error)?;
                (Some(w), r)
            } else {
                let null = std::fs::File::open("/dev/null").map_err(spawn_error)?;
                (None, OwnedFd::from(null))
            };
            (
                CommandIo::Pipes {
                    stdin,
                    stdout,
                    stderr,
                },
                [stdin_r, stdout_w, stderr_w],
            )
        }
        ProcessIo::Pty(size) => {
            let pair = crate::pty::open(size).map_err(spawn_error)?;
            let dup = |fd: &OwnedFd| fd.try_clone();
            let slaves = [
                dup(&pair.slave).map_err(spawn_error)?,
                dup(&pair.slave).map_err(spawn_error)?,
                pair.slave,
            ];
            (
                CommandIo::Pty {
                    master: pair.master,
                },
                slaves,
            )
        }
    };
    let id = server.next_id.fetch_add(1, Ordering::SeqCst);
    request["id"] = json!(id);
    let (exit_tx, exit) = watch::channel(None);
    let live_id = crate::live::register(0, true, exit.clone());
    server.lock_pending().insert(
        id,
        Pending {
            exit: exit_tx,
            live_id,
        },
    );
    let fds = [
        theirs[0].as_raw_fd(),
        theirs[1].as_raw_fd(),
        theirs[2].as_raw_fd(),
    ];
    if let Err(err) = server.send(&request, &fds) {
        if let Some(pending) = server.lock_pending().remove(&id) {
            crate::live::forget(pending.live_id);
        }
        server.retire();
        return Err(spawn_error(err));
    }
    // The command holds its ends now; ours close, so that its output ends
    // when it (and all it started) is gone.
    drop(theirs);
    Ok(ServerCommand {
        exit,
        kill: CommandKiller {
            server: Arc::clone(server),
            id,
            armed: AtomicBool::new(true),
        },
        io: ours,
    })
}

/// A pipe (read end, write end), both close-on-exec.
fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fresh descriptors, owned from here on.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// What a sandbox for `spec` would cover, with each path's identity.
fn host_view(spec: &CommandSpec) -> HostView {
    let tmpdir = spec.env.get("TMPDIR").map(PathBuf::from);
    let roots = crate::roots::writable_roots(&spec.policy, &spec.cwd, tmpdir.as_deref());
    let mut paths: Vec<PathBuf> = Vec::new();
    for root in roots {
        for name in crate::roots::PROTECTED_NAMES {
            paths.push(root.root.join(name));
        }
        paths.extend(root.read_only_subpaths);
        paths.push(root.root);
    }
    paths.extend(spec.hidden_paths.iter().cloned());
    if !spec.policy.has_full_network_access() {
        paths.extend(crate::linux::listening_unix_sockets());
    }
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .map(|path| {
            let id = std::fs::symlink_metadata(&path)
                .ok()
                .map(|m| (m.dev(), m.ino()));
            (path, id)
        })
        .collect()
}

fn find_or_start(key: &Key, spec: &CommandSpec) -> Option<Arc<Server>> {
    if let Some(server) = find(key, &host_view(spec)) {
        return Some(server);
    }
    // One start at a time: a command that comes while its sandbox is being
    // set up (by `prewarm`, or by a command run alongside) waits for that
    // one instead of starting a second.
    static STARTING: Mutex<()> = Mutex::new(());
    let _starting = STARTING.lock().unwrap_or_else(|p| p.into_inner());
    // Seen again: the sandbox started meanwhile made its placeholders.
    let view = host_view(spec);
    if let Some(server) = find(key, &view) {
        return Some(server);
    }
    let ending: Vec<watch::Receiver<Option<i32>>> = {
        let mut list = servers();
        // The host changed under the old sandbox for this key: it takes no
        // more commands, and ends once its commands are done.
        for server in list.iter().filter(|s| s.key == *key) {
            server.retire();
        }
        let ending = list
            .iter()
            .filter(|s| s.key == *key && s.running() == 0)
            .map(|s| s.exited.clone())
            .collect();
        list.retain(|s| !s.retired.load(Ordering::SeqCst) || s.running() > 0);
        ending
    };
    // An old sandbox for the same directory removes its placeholders as it
    // ends: the new one is set up once they are gone, not while they go.
    let deadline = std::time::Instant::now() + ENDING_WAIT;
    for exited in &ending {
        while exited.borrow().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    // Without their placeholders now: what the new sandbox will cover.
    let view = if ending.is_empty() {
        view
    } else {
        host_view(spec)
    };
    let server = start_server(key)?;
    // The view once the sandbox has made its placeholders (which are part
    // of what it covers). Anything else that changed while it was being set
    // up leaves it unclear which of the two it covers: a one-shot sandbox
    // runs this command instead.
    let after = with_current_identities(view.clone());
    let placeholders_only = view.iter().zip(&after).all(|((path, before), (_, now))| {
        before == now || (before.is_none() && is_protected_name(path))
    });
    let server = Arc::new(Server {
        view: after,
        ..server
    });
    if !placeholders_only {
        server.retire();
        return None;
    }
    let mut list = servers();
    list.push(Arc::clone(&server));
    while list
        .iter()
        .filter(|s| !s.retired.load(Ordering::SeqCst))
        .count()
        > MAX_SERVERS
    {
        let idle = list
            .iter()
            .filter(|s| s.running() == 0 && !Arc::ptr_eq(s, &server))
            .min_by_key(|s| *s.last_used.lock().unwrap_or_else(|p| p.into_inner()))
            .cloned();
        match idle {
            Some(idle) => {
                idle.retire();
                list.retain(|s| !Arc::ptr_eq(s, &idle));
            }
            None => break,
        }
    }
    spawn_reader(Arc::clone(&server));
    Some(server)
}

/// A live sandbox for `key` that covers `view`, marked as just used.
fn find(key: &Key, view: &HostView) -> Option<Arc<Server>> {
    let list = servers();
    let server = list
        .iter()
        .find(|s| s.key == *key && s.view == *view && !s.retired.load(Ordering::SeqCst))?;
    *server.last_used.lock().unwrap_or_else(|p| p.into_inner()) = std::time::Instant::now();
    Some(Arc::clone(server))
}

/// Whether `path` is a `.git` or `.codex` (which a sandbox may cover with
/// a placeholder it makes).
fn is_protected_name(path: &std::path::Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| crate::roots::PROTECTED_NAMES.contains(&name))
}

/// The view computed before the start, with the identities of the
/// placeholders the sandbox made since.
fn with_current_identities(view: HostView) -> HostView {
    view.into_iter()
        .map(|(path, _)| {
            let id = std::fs::symlink_metadata(&path)
                .ok()
                .map(|m| (m.dev(), m.ino()));
            (path, id)
        })
        .collect()
}

impl Server {
    fn lock_pending(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Pending>> {
        // One insert or remove at a time: never half-changed.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn running(&self) -> usize {
        self.lock_pending().len()
    }

    /// Takes no more commands; ends once the running ones are done.
    fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
        if self.running() == 0 {
            self.shut_down();
        }
    }

    fn shut_down(&self) {
        // SAFETY: shutdown(2) on our socket; the server sees the end and
        // exits, which ends its namespaces.
        unsafe { libc::shutdown(self.control.as_raw_fd(), libc::SHUT_RDWR) };
    }

    fn send(&self, message: &Value, fds: &[libc::c_int]) -> std::io::Result<()> {
        let bytes = message.to_string();
        if bytes.len() > crate::linux::MAX_SERVER_REQUEST {
            return Err(std::io::Error::other("the request is too large"));
        }
        crate::linux::send_with_fds(self.control.as_raw_fd(), bytes.as_bytes(), fds)
    }
}

/// Starts a sandbox server for `key` and waits until it is ready.
fn start_server(key: &Key) -> Option<Server> {
    let mut pair = [0; 2];
    // SAFETY: socketpair fills the two descriptors.
    if unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            pair.as_mut_ptr(),
        )
    } != 0
    {
        return None;
    }
    // SAFETY: fresh descriptors, owned from here on.
    let (ours, theirs) = unsafe { (OwnedFd::from_raw_fd(pair[0]), OwnedFd::from_raw_fd(pair[1])) };
    let mut command = std::process::Command::new(&key.exe);
    command
        .arg0(crate::linux::HELPER_NAME)
        .args(crate::linux::serve_args(
            &key.policy_json,
            &key.cwd,
            &key.hidden,
        ))
        .current_dir(&key.cwd)
        .env_clear()
        .stdin(Stdio::from(theirs))
        .stdout(Stdio::null())
        // A server that cannot start says why on its stderr; the one-shot
        // sandbox used instead says it again, in the command's output.
        .stderr(Stdio::null());
    if let Some(tmpdir) = &key.tmpdir {
        command.env("TMPDIR", tmpdir);
    }
    // A process group of its own keeps the terminal's signals (Ctrl-C) from
    // it; each command starts a session of its own, without the terminal. No code runs between fork and exec, so std spawns it with
    // posix_spawn (a vfork): no copy of codex's page tables, about 2 ms
    // less before the sandbox is ready than a fork running a `setsid`.
    command.process_group(0);
    let mut child = spawn_on_lasting_thread(command).ok()?;
    // Dropping `command` closed our copy of the server's end.
    set_receive_timeout(&ours, READY_TIMEOUT);
    let mut buf = [0u8; 256];
    // SAFETY: reading into our buffer.
    let n = unsafe { libc::recv(ours.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    let ready = n > 0
        && serde_json::from_slice::<Value>(&buf[..n as usize])
            .ok()
            .and_then(|v| v.get("ready").and_then(Value::as_bool))
            == Some(true);
    if !ready {
        // SIGTERM, so that the helper removes its placeholders.
        // SAFETY: kill(2) of our unreaped child.
        unsafe { libc::kill(i32::try_from(child.id()).unwrap_or(0), libc::SIGTERM) };
        let _ = child.wait();
        return None;
    }
    // From now on the reader waits as long as the sandbox lives.
    set_receive_timeout(&ours, Duration::ZERO);
    let (exit_tx, exit) = watch::channel(None);
    let pid = i32::try_from(child.id()).unwrap_or(0);
    let live_id = crate::live::register(pid, true, exit.clone());
    // Reaped by its own thread, which also records its end.
    std::thread::Builder::new()
        .name("sandbox-reaper".into())
        .spawn(move || {
            let code = child
                .wait()
                .map(|status| crate::exec::exit_code(&status))
                .unwrap_or(-1);
            let _ = exit_tx.send(Some(code));
            crate::live::forget(live_id);
        })
        .ok()?;
    Some(Server {
        key: key.clone(),
        view: Vec::new(),
        control: ours,
        pending: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(1),
        retired: AtomicBool::new(false),
        last_used: Mutex::new(std::time::Instant::now()),
        exited: exit,
    })
}

/// Bounds how long a receive on `socket` waits (zero: no bound).
fn set_receive_timeout(socket: &OwnedFd, timeout: Duration) {
    let timeval = libc::timeval {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_usec: 0,
    };
    // SAFETY: setting an option of our own socket from a live timeval.
    unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&timeval as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
}

/// Reads the server's answers: each command's exit. When the server is
/// gone, every command still pending ended with it (SIGKILL).
fn spawn_reader(server: Arc<Server>) {
    let spawned = std::thread::Builder::new()
        .name("sandbox-server".into())
        .spawn({
            let server = Arc::clone(&server);
            move || read_answers(&server)
        });
    if spawned.is_err() {
        server.retired.store(true, Ordering::SeqCst);
        server.shut_down();
    }
}

fn read_answers(server: &Arc<Server>) {
    let mut buf = [0u8; 512];
    loop {
        // SAFETY: reading into our buffer from our socket.
        let n = unsafe {
            libc::recv(
                server.control.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                0,
            )
        };
        if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        if n <= 0 {
            break;
        }
        let Ok(answer) = serde_json::from_slice::<Value>(&buf[..n as usize]) else {
            continue;
        };
        let (Some(id), Some(code)) = (
            answer.get("id").and_then(Value::as_u64),
            answer.get("exit").and_then(Value::as_i64),
        ) else {
            continue;
        };
        let pending = server.lock_pending().remove(&id);
        if let Some(pending) = pending {
            let _ = pending.exit.send(Some(i32::try_from(code).unwrap_or(-1)));
            crate::live::forget(pending.live_id);
        }
        if server.retired.load(Ordering::SeqCst) && server.running() == 0 {
            server.shut_down();
        }
    }
    server.retired.store(true, Ordering::SeqCst);
    let pending: Vec<Pending> = server.lock_pending().drain().map(|(_, p)| p).collect();
    for pending in pending {
        let _ = pending.exit.send(Some(128 + libc::SIGKILL));
        crate::live::forget(pending.live_id);
    }
    servers().retain(|s| !Arc::ptr_eq(s, server));
}

type SpawnJob = (
    std::process::Command,
    mpsc::Sender<std::io::Result<std::process::Child>>,
);

/// Spawns `command` from a thread that lives as long as the process: the
/// helper's parent-death signal fires when the thread that started it
/// ends, and a sandbox outlives the task that needed it first.
fn spawn_on_lasting_thread(command: std::process::Command) -> std::io::Result<std::process::Child> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnJob>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnJob>();
        // If the thread cannot start, the receiver is gone with it: every
        // spawn fails below, and commands use one-shot sandboxes.
        let _ = std::thread::Builder::new()
            .name("sandbox-spawner".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    let _ = reply.send(command.spawn());
                }
            });
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    spawner
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send((command, reply_tx))
        .map_err(|_| std::io::Error::other("the sandbox spawner is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| std::io::Error::other("the sandbox spawner is gone"))?
}
