//! The sandbox as a server: a long-lived sandbox that runs many commands.
//!
//! Starting a sandbox per command costs an exec of the helper, fresh user,
//! mount and network namespaces, the filesystem view and its placeholders,
//! and their teardown. A session runs many commands under the same policy
//! in the same directory, so the helper can do that once: with `--serve`,
//! init (PID 1 of the sandbox's namespaces, see [`super`]) does not start a
//! command but reads requests from codex on its standard input, a
//! `SOCK_SEQPACKET` socket, one request per message:
//!
//! * `{"id":N,"argv":[..],"env":[[K,V],..],"cwd":"..","pty":B}` with three
//!   descriptors (the command's stdin, stdout, stderr) as `SCM_RIGHTS`;
//! * `{"id":N,"commit_patch":true,"argv":[],"env":[],"cwd":".."}` with the
//!   same three descriptors: instead of a program, the command's init
//!   commits the patch plan read from its stdin (as the one-shot helper's
//!   `--commit-patch` does), under the same layers as a command;
//! * `{"kill":N}` ends command N and everything it started.
//!
//! It answers `{"ready":true}` once it is set up (or exits with a message,
//! as the one-shot helper does), and `{"id":N,"exit":CODE}` when command N
//! has ended (the shell's codes: 128 + N after signal N).
//!
//! Each command still gets everything a one-shot sandbox gives it, in this
//! order, in a process cloned into a PID and mount namespace of its own
//! (its init): its own `/proc`, a session of its own (with the terminal as
//! controlling terminal under a PTY), `no_new_privs`, Landlock (the ruleset
//! is made once, enforced per command), every capability dropped, seccomp
//! (compiled once, installed per command), not dumpable; then it starts the
//! command and reaps orphans until the command exits. Killing that init
//! (`kill`) ends every process of the command's namespace; nothing a
//! command started outlives it, and the commands cannot see or signal one
//! another or the server. The server itself is PID 1 of the sandbox's outer
//! PID namespace: when it exits (codex closed the socket, or died — the
//! parent-death chain of [`super`] is unchanged), the kernel ends every
//! process of every command.

use std::collections::HashMap;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::{HelperArgs, SETUP_FAILED_EXIT_CODE, exit, setup_failed, status_code};
use super::{capabilities, filesystem, landlock, seccomp};
use crate::roots::writable_roots;

/// The largest request (an environment and a long script); codex sends a
/// larger one to a one-shot sandbox instead.
pub(crate) const MAX_REQUEST: usize = 192 * 1024;

/// The control socket: the server's standard input.
const CONTROL: libc::c_int = 0;

/// What every command's init applies, prepared once.
struct Layers {
    /// Taken (in the command's init, a copy of the server's memory) when
    /// enforced.
    ruleset: Option<::landlock::RulesetCreated>,
    seccomp: seccompiler::BpfProgram,
}

/// A command to start.
struct Request {
    id: u64,
    argv: Vec<CString>,
    env: Vec<CString>,
    cwd: PathBuf,
    pty: bool,
    /// Instead of a program: commit the patch read from stdin (what the
    /// one-shot helper's `--commit-patch` does), under the same layers.
    commit_patch: bool,
}

/// Serves commands until codex closes the socket (never returns).
pub(super) fn serve(args: &HelperArgs) -> ! {
    let tmpdir = std::env::var_os("TMPDIR").map(PathBuf::from);
    let roots = writable_roots(&args.policy, &args.cwd, tmpdir.as_deref());
    let sockets = if args.policy.has_full_network_access() {
        seccomp::Sockets::Any
    } else {
        seccomp::Sockets::UnixOnly
    };
    let layers = landlock::prepare(&roots).and_then(|ruleset| {
        Ok(Layers {
            ruleset: Some(ruleset),
            seccomp: seccomp::compile(sockets)?,
        })
    });
    let mut layers = match layers {
        Ok(layers) => layers,
        Err(err) => exit(setup_failed(&err)),
    };
    let child_exits = match watch_children() {
        Ok(fd) => fd,
        Err(err) => {
            eprintln!("{}: cannot watch commands ({err})", super::HELPER_NAME);
            exit(SETUP_FAILED_EXIT_CODE as u8);
        }
    };
    if send(&json!({"ready": true})).is_err() {
        exit(0);
    }
    // Running commands: their init's pid (in this namespace) and id.
    let mut running: HashMap<libc::pid_t, u64> = HashMap::new();
    let mut buf = vec![0u8; MAX_REQUEST];
    loop {
        let mut fds = [
            libc::pollfd {
                fd: CONTROL,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: child_exits,
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: two valid pollfds.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if ready < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            end(&running);
        }
        if fds[1].revents != 0 {
            drain_signalfd(child_exits);
            reap(&mut running);
        }
        if fds[0].revents == 0 {
            continue;
        }
        let (len, received) = match receive(&mut buf) {
            Ok(Some(message)) => message,
            // Codex closed the socket (or is gone): end everything.
            Ok(None) | Err(_) => end(&running),
        };
        handle(&buf[..len], &received, &mut running, &mut layers);
        for fd in received {
            // SAFETY: descriptors received with this message, ours to close
            // (a started command holds its own copies).
            unsafe { libc::close(fd) };
        }
    }
}

/// Acts on one message from codex: a kill, or a command to start.
fn handle(
    message: &[u8],
    received: &[libc::c_int],
    running: &mut HashMap<libc::pid_t, u64>,
    layers: &mut Layers,
) {
    let Ok(message) = serde_json::from_slice::<Value>(message) else {
        return;
    };
    if let Some(id) = message.get("kill").and_then(Value::as_u64) {
        if let Some((&pid, _)) = running.iter().find(|(_, v)| **v == id) {
            // SAFETY: kill(2) of a command's init we have not reaped, so
            // the pid is still that process.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        return;
    }
    let Some(request) = parse_request(&message) else {
        return;
    };
    let started = match received {
        [stdin, stdout, stderr] => start(&request, [*stdin, *stdout, *stderr], layers),
        _ => None,
    };
    match started {
        Some(pid) => {
            running.insert(pid, request.id);
        }
        None => {
            let _ = send(&json!({"id": request.id, "exit": SETUP_FAILED_EXIT_CODE}));
        }
    }
}

/// Ends every command and the server (which ends the namespace).
fn end(running: &HashMap<libc::pid_t, u64>) -> ! {
    for pid in running.keys() {
        // SAFETY: kill(2) of our own unreaped children.
        unsafe { libc::kill(*pid, libc::SIGKILL) };
    }
    exit(0)
}

/// Blocks SIGCHLD and returns a signalfd that reads it.
fn watch_children() -> std::io::Result<libc::c_int> {
    // SAFETY: plain signal-set calls on a local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        if libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let fd = libc::signalfd(-1, &set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(fd)
    }
}

fn drain_signalfd(fd: libc::c_int) {
    let mut info = [0u8; std::mem::size_of::<libc::signalfd_siginfo>()];
    // SAFETY: reading into a buffer of the right size; non-blocking.
    while unsafe { libc::read(fd, info.as_mut_ptr().cast(), info.len()) } > 0 {}
}

/// Reaps every command that ended and tells codex.
fn reap(running: &mut HashMap<libc::pid_t, u64>) {
    loop {
        let mut status = 0;
        // SAFETY: plain waitpid on any child, without blocking.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            return;
        }
        if let Some(id) = running.remove(&pid) {
            let _ = send(&json!({"id": id, "exit": status_code(status)}));
        }
    }
}

fn send(message: &Value) -> std::io::Result<()> {
    let bytes = message.to_string();
    // SAFETY: sending a buffer we own on our control socket.
    let rc = unsafe {
        libc::send(
            CONTROL,
            bytes.as_ptr().cast(),
            bytes.len(),
            libc::MSG_NOSIGNAL,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// One message and the descriptors that came with it; `None` at the end.
fn receive(buf: &mut [u8]) -> std::io::Result<Option<(usize, Vec<libc::c_int>)>> {
    // Room for a few descriptors (more than three is a malformed request).
    let mut control = [0u64; 8];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain data; the pointers below stay valid during
    // the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: see above.
    let len = unsafe { libc::recvmsg(CONTROL, &mut msg, libc::MSG_CMSG_CLOEXEC) };
    if len < 0 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EINTR) {
            return Ok(Some((0, Vec::new())));
        }
        return Err(err);
    }
    let mut fds = Vec::new();
    // SAFETY: walking the control messages the kernel filled in.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg).cast::<libc::c_int>();
                let header = libc::CMSG_LEN(0) as usize;
                let count =
                    ((*cmsg).cmsg_len as usize - header) / std::mem::size_of::<libc::c_int>();
                for i in 0..count {
                    fds.push(std::ptr::read_unaligned(data.add(i)));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    if len == 0 && fds.is_empty() {
        return Ok(None);
    }
    if msg.msg_flags & (libc::MSG_TRUNC | libc::MSG_CTRUNC) != 0 {
        for fd in fds {
            // SAFETY: descriptors just received, ours.
            unsafe { libc::close(fd) };
        }
        return Ok(Some((0, Vec::new())));
    }
    Ok(Some((len as usize, fds)))
}

fn parse_request(message: &Value) -> Option<Request> {
    let id = message.get("id")?.as_u64()?;
    let strings = |value: &Value| -> Option<Vec<CString>> {
        value
            .as_array()?
            .iter()
            .map(|v| CString::new(v.as_str()?).ok())
            .collect()
    };
    let argv = strings(message.get("argv")?)?;
    let commit_patch = message
        .get("commit_patch")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if argv.is_empty() && !commit_patch {
        return None;
    }
    let env = message
        .get("env")?
        .as_array()?
        .iter()
        .map(|pair| {
            let pair = pair.as_array()?;
            let (key, value) = (pair.first()?.as_str()?, pair.get(1)?.as_str()?);
            if key.is_empty() || key.contains('=') {
                return None;
            }
            CString::new(format!("{key}={value}")).ok()
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Request {
        id,
        argv,
        env,
        cwd: PathBuf::from(message.get("cwd")?.as_str()?),
        pty: message.get("pty").and_then(Value::as_bool).unwrap_or(false),
        commit_patch,
    })
}

/// Clones the command's init into fresh PID and mount namespaces; its pid,
/// or `None` when the clone failed.
fn start(request: &Request, stdio: [libc::c_int; 3], layers: &mut Layers) -> Option<libc::pid_t> {
    let flags =
        (libc::CLONE_NEWPID | libc::CLONE_NEWNS) as libc::c_ulong | libc::SIGCHLD as libc::c_ulong;
    // SAFETY: clone without CLONE_VM and without a new stack behaves as
    // fork (the child runs on a copy of this stack); the server is
    // single-threaded, so the child may do anything.
    let pid = unsafe { libc::syscall(libc::SYS_clone, flags, 0usize, 0usize, 0usize, 0usize) };
    if pid < 0 {
        return None;
    }
    if pid == 0 {
        command_init(request, stdio, layers);
    }
    libc::pid_t::try_from(pid).ok()
}

/// The command's init (never returns): the layers, then the command, then
/// reaping until it exits. Failures go to the command's stderr, as the
/// one-shot helper's do.
fn command_init(request: &Request, stdio: [libc::c_int; 3], layers: &mut Layers) -> ! {
    // SAFETY: plain calls on this (single-threaded) process and its own
    // descriptors.
    unsafe {
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        for (target, fd) in stdio.iter().enumerate() {
            if libc::dup2(*fd, target as libc::c_int) < 0 {
                exit(SETUP_FAILED_EXIT_CODE as u8);
            }
        }
        if libc::setsid() < 0 {
            exit(SETUP_FAILED_EXIT_CODE as u8);
        }
    }
    if request.pty && crate::pty::make_controlling_terminal().is_err() {
        exit(SETUP_FAILED_EXIT_CODE as u8);
    }
    if let Err(err) = filesystem::mount_proc() {
        exit(setup_failed(&err));
    }
    if let Err(err) = std::env::set_current_dir(&request.cwd) {
        eprintln!(
            "{}: cannot enter {} ({err})",
            super::HELPER_NAME,
            request.cwd.display()
        );
        exit(SETUP_FAILED_EXIT_CODE as u8);
    }
    let ruleset = layers.ruleset.take();
    let applied = capabilities::set_no_new_privs().and_then(|()| match ruleset {
        Some(ruleset) => landlock::enforce(ruleset),
        None => Err(super::SetupError::new(
            super::Layer::Landlock,
            "the prepared ruleset is gone".to_string(),
            "report this as a bug".to_string(),
        )),
    });
    if let Err(err) = applied {
        exit(setup_failed(&err));
    }
    // Nothing of the server's (its socket, the ruleset, the signalfd)
    // reaches the command.
    close_from(3);
    let applied = capabilities::drop_all().and_then(|()| seccomp::apply(&layers.seccomp));
    if let Err(err) = applied {
        exit(setup_failed(&err));
    }
    super::start_and_reap(|| {
        if request.commit_patch {
            super::commit_patch_from_stdin()
        } else {
            exec(request)
        }
    })
}

/// Closes every descriptor from `first` on.
fn close_from(first: libc::c_uint) {
    // SAFETY: close_range on our own descriptor table.
    let rc = unsafe { libc::syscall(libc::SYS_close_range, first, libc::c_uint::MAX, 0) };
    if rc != 0 {
        // Before Linux 5.9: one by one.
        // SAFETY: as above.
        let max = unsafe { libc::sysconf(libc::_SC_OPEN_MAX) }.clamp(1024, 1 << 20);
        for fd in first as libc::c_long..max {
            // SAFETY: closing descriptors of this process.
            unsafe { libc::close(fd as libc::c_int) };
        }
    }
}

unsafe extern "C" {
    static mut environ: *mut *mut libc::c_char;
}

/// Replaces this process with the command, under its own environment
/// (PATH searched there); returns the exit status when that fails.
fn exec(request: &Request) -> u8 {
    let mut env: Vec<*mut libc::c_char> = request
        .env
        .iter()
        .map(|entry| entry.as_ptr().cast_mut())
        .collect();
    env.push(std::ptr::null_mut());
    let mut argv: Vec<*const libc::c_char> = request.argv.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    // SAFETY: this process is single-threaded and about to exec; `environ`
    // then points at NUL-terminated strings alive across the call, which
    // execvp searches PATH in and passes on.
    unsafe {
        environ = env.as_mut_ptr();
        libc::execvp(argv[0], argv.as_ptr());
    }
    let error = std::io::Error::last_os_error();
    let command: Vec<std::ffi::OsString> = request
        .argv
        .iter()
        .map(|a| std::ffi::OsStr::from_bytes(a.as_bytes()).to_owned())
        .collect();
    super::exec_failed(&command, error)
}
