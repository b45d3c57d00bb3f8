//! A command's init in a long-lived sandbox, kept from one command to the
//! next.
//!
//! Each command runs below an init of its own: PID 1 of fresh PID and
//! mount namespaces, with its own `/proc` and every layer applied (see
//! [`super`]). Setting that up and tearing it down is most of what a
//! command costs the sandbox (the clone, the `/proc` mount, the layers,
//! and at the end the namespaces' teardown, which the command's exit waits
//! for): about a millisecond a command. So an init, once set up, serves
//! command after command, one at a time:
//!
//! 1. it waits on a socket of its own for a request from the server (the
//!    request as codex sent it, with the command's three descriptors);
//! 2. it forks the command, which takes the descriptors as its stdio, a
//!    session of its own (with the PTY as controlling terminal), the
//!    request's directory, and executes the program (or commits a patch);
//! 3. it reaps until the command exits, then kills every other process of
//!    its namespace (what the command left running) and reaps them all —
//!    the namespace is as empty as a fresh one — and only then sends the
//!    command's exit code, one byte, so that codex hears of the end once
//!    nothing the command started is left;
//! 4. back to 1, until its socket closes.
//!
//! Everything a fresh init gave a command, this one gives too, and in the
//! same order: the layers are applied before the first request is read, so
//! no request is ever read outside them; the server sets up the next init
//! as soon as it is ready, so the first command does not wait for one.
//! Killing the init (codex's `kill`) still ends every process of the
//! command at once.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use super::super::{SETUP_FAILED_EXIT_CODE, exit, setup_failed, status_code};
use super::super::{capabilities, filesystem, landlock, seccomp};
use super::{Layers, MAX_REQUEST, Request, parse_request, receive, send_with_fds};

/// The init's end of its socket, in the init.
const SOCKET: libc::c_int = 3;

/// An init, as the server holds it.
pub(super) struct Worker {
    /// Its pid in the server's namespace.
    pub(super) pid: libc::pid_t,
    /// The server's end of the init's socket; the init ends when it closes.
    pub(super) socket: OwnedFd,
}

impl Worker {
    /// Hands the init a request (as codex sent it) and its stdio.
    pub(super) fn start(&self, message: &[u8], stdio: &[libc::c_int; 3]) -> std::io::Result<()> {
        send_with_fds(self.socket.as_raw_fd(), message, stdio)
    }

    /// The exit code the init sent, once its socket is readable; `None`
    /// when the init is gone without one (it is reported when reaped).
    pub(super) fn exit_code(&self) -> Option<u8> {
        let mut code = [0u8; 1];
        // SAFETY: reading into our buffer, without blocking.
        let n = unsafe {
            libc::recv(
                self.socket.as_raw_fd(),
                code.as_mut_ptr().cast(),
                1,
                libc::MSG_DONTWAIT,
            )
        };
        (n == 1).then_some(code[0])
    }

    /// Ends the init, and with it every process of its namespace.
    pub(super) fn kill(&self) {
        // SAFETY: kill(2) of our child, not yet reaped (the server drops a
        // worker when it reaps it), so the pid is still that process.
        unsafe { libc::kill(self.pid, libc::SIGKILL) };
    }
}

/// Clones a new init into fresh PID and mount namespaces; `None` when the
/// clone failed.
pub(super) fn spawn(layers: &mut Layers) -> Option<Worker> {
    let mut pair = [0; 2];
    // SAFETY: socketpair fills the two descriptors.
    let rc = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            pair.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: fresh descriptors, owned from here on.
    let (ours, theirs) = unsafe { (OwnedFd::from_raw_fd(pair[0]), OwnedFd::from_raw_fd(pair[1])) };
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
        drop(ours);
        init(theirs, layers);
    }
    Some(Worker {
        pid: libc::pid_t::try_from(pid).ok()?,
        socket: ours,
    })
}

/// The init (never returns): the layers, then command after command.
fn init(socket: OwnedFd, layers: &mut Layers) -> ! {
    // SAFETY: plain calls on this (single-threaded) process and its own
    // descriptors.
    unsafe {
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        // Not codex's control socket (the server's stdin) even here: until
        // a command's own, stdio is /dev/null.
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
        if null < 0 {
            exit(SETUP_FAILED_EXIT_CODE as u8);
        }
        for target in 0..3 {
            if libc::dup2(null, target) < 0 {
                exit(SETUP_FAILED_EXIT_CODE as u8);
            }
        }
        libc::close(null);
    }
    if let Err(err) = filesystem::mount_proc() {
        exit(setup_failed(&err));
    }
    let ruleset = layers.ruleset.take();
    let applied = capabilities::set_no_new_privs().and_then(|()| match ruleset {
        Some(ruleset) => landlock::enforce(ruleset),
        None => Err(super::super::SetupError::new(
            super::super::Layer::Landlock,
            "the prepared ruleset is gone".to_string(),
            "report this as a bug".to_string(),
        )),
    });
    if let Err(err) = applied {
        exit(setup_failed(&err));
    }
    // The socket as descriptor 3, and nothing else of the server's (its
    // control socket, the ruleset, the signalfd) from 4 on.
    if socket.as_raw_fd() != SOCKET {
        // SAFETY: dup3 onto a descriptor number of our own; the copy is
        // close-on-exec, as the original.
        if unsafe { libc::dup3(socket.as_raw_fd(), SOCKET, libc::O_CLOEXEC) } < 0 {
            exit(SETUP_FAILED_EXIT_CODE as u8);
        }
    } else {
        std::mem::forget(socket);
    }
    close_from(SOCKET as libc::c_uint + 1);
    let applied = capabilities::drop_all().and_then(|()| seccomp::apply(&layers.seccomp));
    if let Err(err) = applied {
        exit(setup_failed(&err));
    }
    // Not traceable by the commands (same user, no capabilities needed
    // otherwise): a command that stopped its init would hang. A command
    // becomes dumpable again when it executes its program.
    // SAFETY: plain prctl on this process.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0) };
    let mut buf = vec![0u8; MAX_REQUEST];
    loop {
        let (len, stdio) = match receive(SOCKET, &mut buf) {
            Ok(Some(message)) => message,
            // The server let this init go, or is gone.
            Ok(None) | Err(_) => exit(0),
        };
        // An interrupted receive (or a message cut short) is no request:
        // an answer to it would be taken for the next command's.
        if len == 0 && stdio.is_empty() {
            continue;
        }
        let request = serde_json::from_slice(&buf[..len])
            .ok()
            .and_then(|message| parse_request(&message));
        let code = match (request, <[libc::c_int; 3]>::try_from(stdio.as_slice())) {
            (Some(request), Ok(stdio)) => run(&request, stdio),
            _ => {
                for fd in stdio {
                    // SAFETY: descriptors received with a request we
                    // cannot run, ours to close.
                    unsafe { libc::close(fd) };
                }
                SETUP_FAILED_EXIT_CODE as u8
            }
        };
        // SAFETY: sending one byte on our socket.
        let sent = unsafe { libc::send(SOCKET, [code].as_ptr().cast(), 1, libc::MSG_NOSIGNAL) };
        if sent != 1 {
            exit(0);
        }
    }
}

/// Runs one command to its end and ends everything it started; its exit
/// code. Takes (closes) `stdio`.
fn run(request: &Request, stdio: [libc::c_int; 3]) -> u8 {
    let command = match super::vfork::start(request, stdio) {
        Some(pid) => pid,
        None => {
            // SAFETY: single-threaded, so the child may do anything.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                exit(command_child(request, stdio));
            }
            pid
        }
    };
    // This init's copies go now: the command's pipes must reach their end
    // when the command and what it started have.
    for fd in stdio {
        // SAFETY: descriptors received with the request, ours to close.
        unsafe { libc::close(fd) };
    }
    if command < 0 {
        return SETUP_FAILED_EXIT_CODE as u8;
    }
    let mut code = None;
    while code.is_none() {
        let mut status = 0;
        // SAFETY: plain waitpid on any child (orphans of the command are
        // reparented to this init).
        let reaped = unsafe { libc::waitpid(-1, &mut status, 0) };
        if reaped == command {
            code = Some(status_code(status));
        } else if reaped < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR)
        {
            code = Some(SETUP_FAILED_EXIT_CODE as u8);
        }
    }
    end_the_rest();
    code.unwrap_or(SETUP_FAILED_EXIT_CODE as u8)
}

/// Kills every process left in the namespace (all but this init) and
/// reaps them; what fork they manage meanwhile is caught by the next round.
fn end_the_rest() {
    loop {
        // SAFETY: kill(2) of every process this init may signal: in a PID
        // namespace, every other process of it.
        unsafe { libc::kill(-1, libc::SIGKILL) };
        let mut status = 0;
        // SAFETY: plain waitpid on any child.
        let reaped = unsafe { libc::waitpid(-1, &mut status, 0) };
        if reaped < 0 {
            match std::io::Error::last_os_error().raw_os_error() {
                Some(libc::EINTR) => continue,
                // No child left: the namespace holds this init alone.
                _ => return,
            }
        }
    }
}

/// The command's process (in the forked child): stdio, session, directory,
/// then the program; the exit status when it cannot start.
fn command_child(request: &Request, stdio: [libc::c_int; 3]) -> u8 {
    // SAFETY: plain calls on this (single-threaded) process and its own
    // descriptors.
    unsafe {
        for (target, fd) in stdio.iter().enumerate() {
            if libc::dup2(*fd, target as libc::c_int) < 0 {
                return SETUP_FAILED_EXIT_CODE as u8;
            }
        }
        // A patch commit runs here without an exec: nothing of the init's
        // is left open for it.
        close_from(SOCKET as libc::c_uint);
        if libc::setsid() < 0 {
            return SETUP_FAILED_EXIT_CODE as u8;
        }
    }
    if request.pty && crate::pty::make_controlling_terminal().is_err() {
        return SETUP_FAILED_EXIT_CODE as u8;
    }
    if let Err(err) = std::env::set_current_dir(&request.cwd) {
        eprintln!(
            "{}: cannot enter {} ({err})",
            super::super::HELPER_NAME,
            request.cwd.display()
        );
        return SETUP_FAILED_EXIT_CODE as u8;
    }
    if request.commit_patch {
        super::super::commit_patch_from_stdin()
    } else {
        exec(request)
    }
}

/// Closes every descriptor from `first` on (system calls only: the
/// `vfork` child uses it too).
pub(super) fn close_from(first: libc::c_uint) {
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
    super::super::exec_failed(&command, error)
}
