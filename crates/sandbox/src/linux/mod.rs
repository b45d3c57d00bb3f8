//! The Linux sandbox helper, `codex-linux-sandbox`.
//!
//! The engine never restricts itself. To run a command under a policy it
//! starts this helper (the `codex` binary under another name) with the
//! policy and the command. The helper is a chain of small processes, each
//! single-threaded:
//!
//! 1. **Supervisor**, in the host's namespaces. It prepares what must be
//!    made on the host (placeholder mount points for missing `.git` and
//!    `.codex`), waits for the rest, then removes the placeholders. A
//!    SIGTERM (from codex, or as codex's parent-death signal) is passed on
//!    to the builder; the supervisor exits only once the builder has, so
//!    when codex has reaped the supervisor the whole tree is gone.
//! 2. **Namespace builder**: enters fresh user, mount, PID and (without
//!    network) network namespaces ([`namespaces`]) and builds the command's
//!    view of the filesystem ([`filesystem`]). On SIGTERM it kills init and
//!    waits for it, which returns only when the kernel has ended every
//!    process of the namespace.
//! 3. **Init**, PID 1 of the new PID namespace: mounts the command's own
//!    `/proc`, applies Landlock ([`landlock`]), drops every capability and
//!    sets `no_new_privs` ([`capabilities`]), installs seccomp
//!    ([`seccomp`]), then starts the command and reaps orphans. When the
//!    command exits, init exits with its status, and the kernel ends every
//!    process still in the namespace: nothing the command started outlives
//!    it.
//! 4. **The command**, with all of the above inherited.
//!
//! With `--serve` (a long-lived sandbox, [`server`]) init starts no command:
//! it serves codex's requests, each command in PID and mount namespaces of
//! its own below it, with step 3 done by an init kept from one command to
//! the next and step 4 per command.
//!
//! If any layer cannot be applied, the helper says which, why, and what to
//! do, in one line, and exits with [`crate::SETUP_FAILED_EXIT_CODE`]
//! without running the command: a command never runs with more access than
//! its policy grants. `--check` reports every layer on this machine
//! ([`probe`]).

mod capabilities;
mod filesystem;
mod landlock;
mod namespaces;
pub mod probe;
mod proxy_bridge;
mod seccomp;
mod server;

use std::ffi::{CString, OsString};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use codex_protocol::protocol::SandboxPolicy;

use crate::SETUP_FAILED_EXIT_CODE;
use crate::roots::writable_roots;

/// The name the helper runs under.
pub const HELPER_NAME: &str = "codex-linux-sandbox";

const CWD_FLAG: &str = "--sandbox-policy-cwd";
const POLICY_FLAG: &str = "--sandbox-policy";
const CHECK_FLAG: &str = "--check";
/// A path to cover with an unreadable placeholder (repeatable).
const HIDE_FLAG: &str = "--hide";
/// The network allowlist proxy's socket directory: the command gets a
/// network namespace of its own whose only way out is that proxy.
const NETWORK_PROXY_FLAG: &str = "--network-proxy";
/// In place of `-- COMMAND`: commit the patch plan read from standard input
/// (a [`codex_apply_patch::CommitRequest`]) inside the sandbox.
const COMMIT_PATCH_FLAG: &str = "--commit-patch";

/// In place of `-- COMMAND`: serve commands sent on standard input (a
/// long-lived sandbox, see [`server`]).
const SERVE_FLAG: &str = "--serve";

/// Arguments for the helper to serve commands under `policy` in `cwd`
/// (requests on its standard input, a `SOCK_SEQPACKET` socket).
pub(crate) fn serve_args(
    policy_json: &str,
    cwd: &std::path::Path,
    hidden: &[PathBuf],
) -> Vec<OsString> {
    let mut args = policy_args(policy_json, cwd, hidden);
    args.push(SERVE_FLAG.into());
    args
}

/// The policy, its directory and the paths to hide, as helper arguments.
fn policy_args(policy_json: &str, cwd: &std::path::Path, hidden: &[PathBuf]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        CWD_FLAG.into(),
        cwd.as_os_str().to_owned(),
        POLICY_FLAG.into(),
        policy_json.into(),
    ];
    for path in hidden {
        args.push(HIDE_FLAG.into());
        args.push(path.as_os_str().to_owned());
    }
    args
}

/// Arguments for the helper to commit a patch (on its stdin) under
/// `policy` in `cwd`.
pub(crate) fn commit_patch_args(policy_json: &str, cwd: &std::path::Path) -> Vec<OsString> {
    vec![
        CWD_FLAG.into(),
        cwd.as_os_str().to_owned(),
        POLICY_FLAG.into(),
        policy_json.into(),
        COMMIT_PATCH_FLAG.into(),
    ]
}

/// Arguments for the helper to run `argv` under `policy` in `cwd`.
pub(crate) fn helper_args(
    policy_json: &str,
    cwd: &std::path::Path,
    hidden: &[PathBuf],
    network_proxy: Option<&std::path::Path>,
    argv: &[String],
) -> Vec<OsString> {
    let mut args = policy_args(policy_json, cwd, hidden);
    if let Some(dir) = network_proxy {
        args.push(NETWORK_PROXY_FLAG.into());
        args.push(dir.as_os_str().to_owned());
    }
    args.push("--".into());
    args.extend(argv.iter().map(OsString::from));
    args
}

/// Pathname Unix sockets listening now on the host, which a sandbox
/// without network covers (a long-lived sandbox is replaced when they
/// change).
pub(crate) fn listening_unix_sockets() -> Vec<PathBuf> {
    filesystem::listening_unix_sockets()
}

/// The largest request a long-lived sandbox takes.
pub(crate) const MAX_SERVER_REQUEST: usize = server::MAX_REQUEST;
pub(crate) use server::send_with_fds;

/// A part of the sandbox, as errors and the probe name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    UserNamespace,
    PidNamespace,
    NetworkNamespace,
    ReadOnlyRoot,
    ProtectedNames,
    HiddenPaths,
    Landlock,
    Seccomp,
    Capabilities,
    NetworkProxy,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Self::UserNamespace => "user namespace",
            Self::PidNamespace => "pid namespace",
            Self::NetworkNamespace => "network namespace",
            Self::ReadOnlyRoot => "read-only root",
            Self::ProtectedNames => "protected .git/.codex",
            Self::HiddenPaths => "hidden secrets",
            Self::Landlock => "landlock",
            Self::Seccomp => "seccomp",
            Self::Capabilities => "capabilities",
            Self::NetworkProxy => "network proxy",
        }
    }
}

/// A layer that could not be applied: which, why, and what to do.
#[derive(Debug, Clone)]
pub struct SetupError {
    pub layer: Layer,
    pub cause: String,
    pub fix: String,
}

impl SetupError {
    pub(crate) fn new(layer: Layer, cause: String, fix: String) -> Self {
        Self { layer, cause, fix }
    }
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sandbox layer `{}` cannot be applied: {}; {}",
            self.layer.name(),
            self.cause,
            self.fix
        )
    }
}

/// Entry point of the helper. Returns the command's exit status.
pub fn run_main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.first().and_then(|a| a.to_str()) == Some(CHECK_FLAG) {
        return probe::print_report();
    }
    let args = match parse_args(args) {
        Ok(args) => args,
        Err(usage) => {
            eprintln!("{HELPER_NAME}: {usage}");
            return ExitCode::from(SETUP_FAILED_EXIT_CODE as u8);
        }
    };
    ExitCode::from(supervise(&args))
}

struct HelperArgs {
    cwd: PathBuf,
    policy: SandboxPolicy,
    /// Paths covered by an unreadable placeholder.
    hidden: Vec<PathBuf>,
    /// The allowlist proxy's socket directory (network through it only).
    network_proxy: Option<PathBuf>,
    work: Work,
}

/// What runs inside the sandbox.
enum Work {
    Command(Vec<OsString>),
    CommitPatch,
    /// Commands sent by codex, each in a PID and mount namespace of its own
    /// inside this sandbox ([`server`]).
    Serve,
}

fn parse_args(args: Vec<OsString>) -> Result<HelperArgs, String> {
    let usage = || {
        format!(
            "usage: {HELPER_NAME} {CWD_FLAG} DIR {POLICY_FLAG} JSON [{HIDE_FLAG} PATH]... [{NETWORK_PROXY_FLAG} DIR] -- COMMAND [ARGS...] (or {CHECK_FLAG})"
        )
    };
    let mut iter = args.into_iter();
    let (mut cwd, mut policy, mut hidden) = (None, None, Vec::new());
    let mut network_proxy = None;
    loop {
        let arg = iter.next().ok_or_else(usage)?;
        match arg.to_str() {
            Some(CWD_FLAG) => cwd = Some(PathBuf::from(iter.next().ok_or_else(usage)?)),
            Some(POLICY_FLAG) => {
                let json = iter.next().ok_or_else(usage)?;
                let json = json.to_str().ok_or_else(usage)?.to_string();
                policy = Some(
                    serde_json::from_str::<SandboxPolicy>(&json)
                        .map_err(|err| format!("invalid {POLICY_FLAG} value: {err}"))?,
                );
            }
            Some(HIDE_FLAG) => hidden.push(PathBuf::from(iter.next().ok_or_else(usage)?)),
            Some(NETWORK_PROXY_FLAG) => {
                network_proxy = Some(PathBuf::from(iter.next().ok_or_else(usage)?));
            }
            Some("--") => break,
            Some(flag @ (COMMIT_PATCH_FLAG | SERVE_FLAG)) => {
                let work = if flag == SERVE_FLAG {
                    Work::Serve
                } else {
                    Work::CommitPatch
                };
                return match (cwd, policy) {
                    (Some(cwd), Some(policy)) => Ok(HelperArgs {
                        cwd,
                        policy,
                        hidden,
                        network_proxy,
                        work,
                    }),
                    _ => Err(usage()),
                };
            }
            _ => return Err(usage()),
        }
    }
    let command: Vec<OsString> = iter.collect();
    match (cwd, policy, command.is_empty()) {
        (Some(cwd), Some(policy), false) => Ok(HelperArgs {
            cwd,
            policy,
            hidden,
            network_proxy,
            work: Work::Command(command),
        }),
        _ => Err(usage()),
    }
}

/// The process this stage (supervisor or builder) waits for; the signal
/// handler stops it.
static CHILD: AtomicI32 = AtomicI32::new(0);
/// The signal that stops [`CHILD`]: SIGTERM from the supervisor (the
/// builder then ends the namespace and waits for it), SIGKILL from the
/// builder to init.
static CHILD_STOP_SIGNAL: AtomicI32 = AtomicI32::new(libc::SIGTERM);
/// Set by the handler, for a signal that arrives before there is a child.
static STOPPING: AtomicBool = AtomicBool::new(false);

extern "C" fn stop_child(_signal: libc::c_int) {
    STOPPING.store(true, Ordering::SeqCst);
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill(2) is async-signal-safe.
        unsafe { libc::kill(pid, CHILD_STOP_SIGNAL.load(Ordering::SeqCst)) };
    }
}

/// Records `pid` as the child to stop, and stops it at once if a stop
/// signal came first.
fn watch_child(pid: libc::pid_t) {
    CHILD.store(pid, Ordering::SeqCst);
    if STOPPING.load(Ordering::SeqCst) {
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(pid, CHILD_STOP_SIGNAL.load(Ordering::SeqCst)) };
    }
}

/// Step 1: the supervisor. Returns the exit status to report.
fn supervise(args: &HelperArgs) -> u8 {
    if matches!(args.policy, SandboxPolicy::DangerFullAccess) {
        if matches!(args.work, Work::Serve) {
            eprintln!("{HELPER_NAME}: nothing to serve without a sandbox");
            return SETUP_FAILED_EXIT_CODE as u8;
        }
        // Nothing to restrict.
        return run_work(&args.work);
    }
    // SAFETY: getppid cannot fail.
    let parent = unsafe { libc::getppid() };
    // SAFETY: plain prctl; the signal arrives when codex dies.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) };
    // SAFETY: as above.
    if unsafe { libc::getppid() } != parent {
        return SETUP_FAILED_EXIT_CODE as u8;
    }
    for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        // SAFETY: installing an async-signal-safe handler (the builder
        // inherits it).
        unsafe { libc::signal(signal, stop_child as *const () as libc::sighandler_t) };
    }

    let tmpdir = std::env::var_os("TMPDIR").map(PathBuf::from);
    // The proxy's sockets are covered like secrets: only the bridge reaches
    // them, through a descriptor opened before the cover.
    let mut hidden = args.hidden.clone();
    hidden.extend(args.network_proxy.iter().cloned());
    let plan = filesystem::FsPlan::new(&args.policy, &args.cwd, tmpdir.as_deref(), &hidden);
    let guards = match filesystem::HostGuards::acquire(&plan) {
        Ok(guards) => guards,
        Err(err) => return setup_failed(&err),
    };
    if STOPPING.load(Ordering::SeqCst) {
        guards.release();
        return SETUP_FAILED_EXIT_CODE as u8;
    }
    // SAFETY: getpid cannot fail.
    let supervisor = unsafe { libc::getpid() };
    // SAFETY: the helper is single-threaded, so the child may do anything.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        guards.release();
        eprintln!(
            "{HELPER_NAME}: cannot start the sandbox: fork failed ({})",
            std::io::Error::last_os_error()
        );
        return SETUP_FAILED_EXIT_CODE as u8;
    }
    if pid == 0 {
        build_namespaces(args, &plan, supervisor);
    }
    watch_child(pid);
    let status = wait_for(pid);
    guards.release();
    status
}

/// Step 2 (never returns): namespaces and the filesystem view, then init.
fn build_namespaces(args: &HelperArgs, plan: &filesystem::FsPlan, supervisor: libc::pid_t) -> ! {
    // The handler inherited from the supervisor now stops init, at once.
    CHILD.store(0, Ordering::SeqCst);
    CHILD_STOP_SIGNAL.store(libc::SIGKILL, Ordering::SeqCst);
    // SAFETY: plain prctl/getppid; die with the supervisor. If it died
    // before the prctl, the signal will never come: stop now.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    // SAFETY: as above.
    if unsafe { libc::getppid() } != supervisor {
        exit(SETUP_FAILED_EXIT_CODE as u8);
    }
    let network = args.policy.has_full_network_access() && args.network_proxy.is_none();
    let proxy_dir = match args
        .network_proxy
        .as_deref()
        .map(proxy_bridge::open_socket_dir)
    {
        None => None,
        Some(Ok(dir)) => Some(dir),
        Some(Err(err)) => exit(setup_failed(&err)),
    };
    let entered = namespaces::enter(network).and_then(|()| {
        if proxy_dir.is_some() {
            proxy_bridge::bring_up_loopback()?;
        }
        filesystem::build_view(plan)
    });
    if let Err(err) = entered {
        exit(setup_failed(&err));
    }
    // Resolve the cwd again through the new mounts (the old one points
    // into the read-only copy under them).
    if let Err(err) = std::env::set_current_dir(&args.cwd) {
        eprintln!("{HELPER_NAME}: cannot enter {} ({err})", args.cwd.display());
        exit(SETUP_FAILED_EXIT_CODE as u8);
    }
    // Init cannot ask whether the builder is still alive with getppid (its
    // parent is outside its PID namespace): it holds the read end of a pipe
    // whose only write end is the builder's, which closes when it dies.
    let mut builder_alive = [0; 2];
    // SAFETY: pipe2 fills the two descriptors.
    if unsafe { libc::pipe2(builder_alive.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        exit(SETUP_FAILED_EXIT_CODE as u8);
    }
    if STOPPING.load(Ordering::SeqCst) {
        exit(SETUP_FAILED_EXIT_CODE as u8);
    }
    // SAFETY: single-threaded, see above.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        exit(SETUP_FAILED_EXIT_CODE as u8);
    }
    if pid == 0 {
        // SAFETY: closing our copy of the write end.
        unsafe { libc::close(builder_alive[1]) };
        init(args, builder_alive[0], proxy_dir);
    }
    drop(proxy_dir);
    watch_child(pid);
    // Returns once init is reaped, which the kernel allows only after every
    // other process of its namespace has ended.
    exit(wait_for(pid))
}

/// Step 3 (never returns): PID 1 of the new namespace. `builder_alive` is
/// the read end of a pipe only the builder writes to.
fn init(args: &HelperArgs, builder_alive: libc::c_int, proxy_dir: Option<OwnedFd>) -> ! {
    // Signals no longer stop a child: init's own end comes from the builder.
    for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        // SAFETY: restoring the default disposition.
        unsafe { libc::signal(signal, libc::SIG_DFL) };
    }
    // SAFETY: plain prctl; if the namespace builder dies, so does init, and
    // with it every process of the namespace.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    // If the builder died before the prctl, the signal will never come.
    let mut poll = libc::pollfd {
        fd: builder_alive,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no wait.
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    if ready != 0 {
        exit(SETUP_FAILED_EXIT_CODE as u8);
    }
    // SAFETY: our descriptor, no longer needed.
    unsafe { libc::close(builder_alive) };
    let tmpdir = std::env::var_os("TMPDIR").map(PathBuf::from);
    let roots = writable_roots(&args.policy, &args.cwd, tmpdir.as_deref());
    if matches!(args.work, Work::Serve) && proxy_dir.is_none() {
        server::serve(args);
    }
    let sockets = if proxy_dir.is_some() {
        seccomp::Sockets::UnixAndIp
    } else if args.policy.has_full_network_access() {
        seccomp::Sockets::Any
    } else {
        seccomp::Sockets::UnixOnly
    };
    let layers = filesystem::mount_proc()
        .and_then(|()| proxy_dir.map_or(Ok(()), proxy_bridge::start))
        .and_then(|()| capabilities::set_no_new_privs())
        .and_then(|()| landlock::restrict(&roots))
        .and_then(|()| capabilities::drop_all())
        .and_then(|()| seccomp::install(sockets));
    if let Err(err) = layers {
        exit(setup_failed(&err));
    }
    start_and_reap(|| run_work(&args.work))
}

/// The rest of an init (never returns): made non-dumpable, it starts the
/// command (`run`, in a child) and reaps everything (orphans are re-parented
/// to it) until the command exits; then it exits with the command's status,
/// which ends the namespace.
fn start_and_reap(run: impl FnOnce() -> u8) -> ! {
    // Not traceable by the command (same user, no capabilities needed
    // otherwise): a command that stopped its init would hang. The command
    // itself becomes dumpable again when it executes its program.
    // SAFETY: plain prctl on this process.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0) };
    // SAFETY: single-threaded, see above.
    let command = unsafe { libc::fork() };
    if command < 0 {
        exit(SETUP_FAILED_EXIT_CODE as u8);
    }
    if command == 0 {
        exit(run());
    }
    loop {
        let mut status = 0;
        // SAFETY: plain waitpid on any child.
        let reaped = unsafe { libc::waitpid(-1, &mut status, 0) };
        if reaped == command {
            exit(status_code(status));
        }
        if reaped < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            exit(SETUP_FAILED_EXIT_CODE as u8);
        }
    }
}

/// Does the work (an exec returns only on failure); the exit status.
fn run_work(work: &Work) -> u8 {
    match work {
        Work::Command(command) => {
            let error = exec(command);
            exec_failed(command, error)
        }
        Work::CommitPatch => commit_patch_from_stdin(),
        // The helper never serves with the network proxy (its bridge lives
        // in init), so init does not get here with it.
        Work::Serve => SETUP_FAILED_EXIT_CODE as u8,
    }
}

/// Reads a commit request on stdin and commits it: 0 done, 1 nothing
/// changed, 2 changed in part (the message says what could not be undone).
fn commit_patch_from_stdin() -> u8 {
    use std::io::Read;
    let mut text = String::new();
    if let Err(err) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("cannot read the patch to apply: {err}");
        return 1;
    }
    let request: codex_apply_patch::CommitRequest = match serde_json::from_str(&text) {
        Ok(request) => request,
        Err(err) => {
            eprintln!("the patch to apply is malformed: {err}");
            return 1;
        }
    };
    match request.commit() {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("{err}");
            if err.nothing_changed() { 1 } else { 2 }
        }
    }
}

/// Waits for `pid`, through interruptions; its status as an exit code.
fn wait_for(pid: libc::pid_t) -> u8 {
    loop {
        let mut status = 0;
        // SAFETY: plain waitpid on our child.
        let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
        if rc == pid {
            return status_code(status);
        }
        if rc < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return SETUP_FAILED_EXIT_CODE as u8;
        }
    }
}

/// The shell's view of a wait status: the code, or 128 + N after signal N.
fn status_code(status: libc::c_int) -> u8 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status) as u8
    } else if libc::WIFSIGNALED(status) {
        (128 + libc::WTERMSIG(status)) as u8
    } else {
        SETUP_FAILED_EXIT_CODE as u8
    }
}

fn setup_failed(err: &SetupError) -> u8 {
    eprintln!("{HELPER_NAME}: {err}");
    SETUP_FAILED_EXIT_CODE as u8
}

/// Replaces this process with `command` (PATH searched); returns only on
/// failure.
fn exec(command: &[OsString]) -> std::io::Error {
    let args: Vec<CString> = command
        .iter()
        .filter_map(|a| CString::new(a.as_bytes()).ok())
        .collect();
    if args.len() != command.len() {
        return std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "an argument contains a NUL byte",
        );
    }
    let mut pointers: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    pointers.push(std::ptr::null());
    // SAFETY: NUL-terminated strings and a null-terminated pointer array,
    // all alive across the call.
    unsafe { libc::execvp(pointers[0], pointers.as_ptr()) };
    std::io::Error::last_os_error()
}

fn exec_failed(command: &[OsString], error: std::io::Error) -> u8 {
    eprintln!(
        "{HELPER_NAME}: cannot run `{}`: {error}",
        command[0].to_string_lossy()
    );
    // The shell's conventions: 127 not found, 126 not executable.
    if error.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    }
}

/// Ends this process at once (a forked child must not run destructors or
/// flush buffers it shares with its parent).
fn exit(code: u8) -> ! {
    // SAFETY: _exit never returns.
    unsafe { libc::_exit(i32::from(code)) }
}
