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
//! order, below a process cloned into a PID and mount namespace of its own
//! (its init, [`worker`]): its own `/proc`, `no_new_privs`, Landlock (the
//! ruleset is made once, enforced per init), every capability dropped,
//! seccomp (compiled once, installed per init), an init not dumpable; then
//! the command gets a session of its own (with the terminal as controlling
//! terminal under a PTY) and starts, and init reaps orphans until it
//! exits. An init serves one command at a time and is kept for the next
//! once everything its command started has been ended (the namespace is
//! then as empty as a fresh one): setting an init up and tearing it down
//! is most of a command's cost, so one is made ready as the server starts
//! and reused while commands come one after another. Killing an init
//! (`kill`) ends every process of its namespace; nothing a command started
//! outlives it, and the commands cannot see or signal one another or the
//! server. The server itself is PID 1 of the sandbox's outer PID
//! namespace: when it exits (codex closed the socket, or died — the
//! parent-death chain of [`super`] is unchanged), the kernel ends every
//! process of every command.

mod vfork;
mod worker;

use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::{HelperArgs, SETUP_FAILED_EXIT_CODE, exit, setup_failed, status_code};
use super::{landlock, seccomp};
use crate::roots::writable_roots;
use worker::Worker;

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
    if send(CONTROL, &json!({"ready": true})).is_err() {
        exit(0);
    }
    let mut workers = Workers::default();
    // The first command's init, ready before the command comes.
    if let Some(worker) = worker::spawn(&mut layers) {
        workers.idle.push(worker);
    }
    let mut buf = vec![0u8; MAX_REQUEST];
    loop {
        let mut fds = vec![
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
        let running: Vec<u64> = workers.running.keys().copied().collect();
        for id in &running {
            fds.push(libc::pollfd {
                fd: workers.running[id].socket.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        // SAFETY: valid pollfds, as many as we say.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
        if ready < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            end(&workers);
        }
        // Commands that ended first, then inits that died, then codex's
        // requests (which may reuse the inits just freed).
        for (id, pollfd) in running.iter().zip(&fds[2..]) {
            if pollfd.revents != 0 {
                finished(*id, &mut workers);
            }
        }
        if fds[1].revents != 0 {
            drain_signalfd(child_exits);
            reap(&mut workers);
        }
        if fds[0].revents == 0 {
            continue;
        }
        let (len, received) = match receive(CONTROL, &mut buf) {
            Ok(Some(message)) => message,
            // Codex closed the socket (or is gone): end everything.
            Ok(None) | Err(_) => end(&workers),
        };
        handle(&buf[..len], &received, &mut workers, &mut layers);
        for fd in received {
            // SAFETY: descriptors received with this message, ours to close
            // (a started command holds its own copies).
            unsafe { libc::close(fd) };
        }
    }
}

/// The commands' inits: each runs one command at a time, and is kept for
/// the next once its command has ended (see [`worker`]).
#[derive(Default)]
struct Workers {
    /// By the id of the command each runs.
    running: HashMap<u64, Worker>,
    idle: Vec<Worker>,
}

/// Inits kept beyond this many idle are let go (codex runs a few commands
/// at once at most; one after another needs one).
const MAX_IDLE: usize = 2;

/// Acts on one message from codex: a kill, or a command to start.
fn handle(message: &[u8], received: &[libc::c_int], workers: &mut Workers, layers: &mut Layers) {
    let Ok(parsed) = serde_json::from_slice::<Value>(message) else {
        return;
    };
    if let Some(id) = parsed.get("kill").and_then(Value::as_u64) {
        if let Some(worker) = workers.running.get(&id) {
            // SAFETY: kill(2) of a command's init we have not reaped, so
            // the pid is still that process. Its namespace ends with it.
            unsafe { libc::kill(worker.pid, libc::SIGKILL) };
        }
        return;
    }
    // The init reads the rest of the request (and answers one it cannot
    // run with the setup failure's code); here only its id matters.
    let Some(id) = parsed.get("id").and_then(Value::as_u64) else {
        return;
    };
    let failed = || send(CONTROL, &json!({"id": id, "exit": SETUP_FAILED_EXIT_CODE}));
    let Ok(stdio) = <&[libc::c_int; 3]>::try_from(received) else {
        let _ = failed();
        return;
    };
    // An idle init, or a new one; one that died since it was idle (or
    // cannot take the request) is let go and a new one tried.
    for _ in 0..2 {
        let Some(worker) = workers.idle.pop().or_else(|| worker::spawn(layers)) else {
            break;
        };
        if worker.start(message, stdio).is_ok() {
            workers.running.insert(id, worker);
            return;
        }
        worker.kill();
    }
    let _ = failed();
}

/// Init `id`'s command ended (or its init is gone): tells codex, and keeps
/// the init for the next command.
fn finished(id: u64, workers: &mut Workers) {
    let Some(worker) = workers.running.get(&id) else {
        return;
    };
    // An init that died without a word is reported when it is reaped.
    let Some(code) = worker.exit_code() else {
        return;
    };
    if let Some(worker) = workers.running.remove(&id) {
        let _ = send(CONTROL, &json!({"id": id, "exit": code}));
        if workers.idle.len() < MAX_IDLE {
            workers.idle.push(worker);
        } else {
            // It ends at the end of its socket.
            drop(worker);
        }
    }
}

/// Ends every command and the server (which ends the namespace).
fn end(workers: &Workers) -> ! {
    for worker in workers.running.values() {
        worker.kill();
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

/// Reaps every init that ended: a running command's (killed, or its init
/// failed) is reported to codex with the init's status.
fn reap(workers: &mut Workers) {
    loop {
        let mut status = 0;
        // SAFETY: plain waitpid on any child, without blocking.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            return;
        }
        let id = workers
            .running
            .iter()
            .find(|(_, w)| w.pid == pid)
            .map(|(id, _)| *id);
        if let Some(id) = id {
            workers.running.remove(&id);
            let _ = send(CONTROL, &json!({"id": id, "exit": status_code(status)}));
        }
        workers.idle.retain(|w| w.pid != pid);
    }
}

/// Sends one JSON message on `socket`.
fn send(socket: libc::c_int, message: &Value) -> std::io::Result<()> {
    send_with_fds(socket, message.to_string().as_bytes(), &[])
}

/// Sends one message on `socket`, with `fds` (three at most) as
/// `SCM_RIGHTS`: codex's requests to the server, the server's to an init.
pub(crate) fn send_with_fds(
    socket: libc::c_int,
    bytes: &[u8],
    fds: &[libc::c_int],
) -> std::io::Result<()> {
    if fds.len() > 3 {
        return Err(std::io::Error::other("more than three descriptors"));
    }
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr().cast_mut().cast(),
        iov_len: bytes.len(),
    };
    let mut control = [0u64; 8];
    // SAFETY: msghdr is plain data; the pointers below stay valid during
    // the call, and the control buffer holds the header and three
    // descriptors.
    let rc = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        if !fds.is_empty() {
            let size = std::mem::size_of_val(fds) as libc::c_uint;
            msg.msg_control = control.as_mut_ptr().cast();
            msg.msg_controllen = libc::CMSG_SPACE(size) as _;
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = libc::CMSG_LEN(size) as _;
            std::ptr::copy_nonoverlapping(
                fds.as_ptr(),
                libc::CMSG_DATA(cmsg).cast::<libc::c_int>(),
                fds.len(),
            );
        }
        libc::sendmsg(socket, &msg, libc::MSG_NOSIGNAL)
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// One message on `socket` and the descriptors that came with it; `None`
/// at the end.
fn receive(
    socket: libc::c_int,
    buf: &mut [u8],
) -> std::io::Result<Option<(usize, Vec<libc::c_int>)>> {
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
    let len = unsafe { libc::recvmsg(socket, &mut msg, libc::MSG_CMSG_CLOEXEC) };
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
        argv,
        env,
        cwd: PathBuf::from(message.get("cwd")?.as_str()?),
        pty: message.get("pty").and_then(Value::as_bool).unwrap_or(false),
        commit_patch,
    })
}
