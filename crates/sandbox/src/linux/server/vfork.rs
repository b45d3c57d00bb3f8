//! Starting a command's program without copying its init.
//!
//! A `fork` copies the init's page tables and the `exec` that follows
//! throws the copy away: on this kind of machine about a quarter of a
//! millisecond a command (`fork` + `exec` of `/bin/true` from a process
//! holding 3 MB: 0.85 ms, against 0.56–0.62 ms with `vfork`). So when the
//! program is named by a path (the shell, nearly always: no PATH search,
//! which reads the init's environment, not the command's) the command's
//! process is cloned with `CLONE_VM | CLONE_VFORK`: it runs on a stack of
//! its own in the init's memory, the init waiting until it has executed
//! the program or exited. It makes only system calls — stdio, the
//! session, the terminal, the directory, `execve` — on what was prepared
//! before the clone, and on failure leaves the step and `errno` in that
//! memory for the init to report on the command's stderr (the shell's exit
//! codes: 127 not found, 126 not executable).

use std::ffi::{CString, c_void};
use std::os::unix::ffi::OsStrExt;

use super::super::{HELPER_NAME, SETUP_FAILED_EXIT_CODE};
use super::Request;

/// The child's stack (it runs only the few calls below).
const STACK: usize = 64 * 1024;

/// Where the child stopped, when it did not reach the program.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Step {
    Started,
    Stdio,
    Session,
    Terminal,
    Directory,
    Exec,
}

/// What the child reads, prepared before the clone; and what it writes
/// back when it fails.
struct Prepared {
    argv: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
    cwd: CString,
    stdio: [libc::c_int; 3],
    pty: bool,
    failed_at: Step,
    errno: libc::c_int,
}

/// Starts `request`'s program as a child of this init, if it can be
/// started this way: `None` when it cannot (a program to search PATH for,
/// a patch to commit), the child's pid otherwise (`-1` when the clone
/// failed). A failure to start is reported on the command's stderr; the
/// child has then exited with the code to report.
pub(super) fn start(request: &Request, stdio: [libc::c_int; 3]) -> Option<libc::pid_t> {
    let program = request.argv.first()?;
    if request.commit_patch || !program.as_bytes().contains(&b'/') {
        return None;
    }
    let cwd = CString::new(request.cwd.as_os_str().as_bytes()).ok()?;
    let mut prepared = Prepared {
        argv: pointers(&request.argv),
        envp: pointers(&request.env),
        cwd,
        stdio,
        pty: request.pty,
        failed_at: Step::Started,
        errno: 0,
    };
    let mut stack = vec![0u8; STACK];
    // The stack grows down from its end, 16-byte aligned.
    let top = (stack.as_mut_ptr() as usize + STACK) & !15;
    // SAFETY: the child runs `child` on its own stack, in this memory,
    // while this thread is suspended (CLONE_VFORK) until it has executed
    // the program or exited; `prepared` and `stack` outlive it.
    let pid = unsafe {
        libc::clone(
            child,
            top as *mut c_void,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            (&raw mut prepared).cast(),
        )
    };
    if pid > 0 && prepared.failed_at != Step::Started {
        report(request, &prepared);
    }
    Some(pid)
}

fn pointers(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

/// The command's process until `execve`: system calls only.
extern "C" fn child(arg: *mut c_void) -> libc::c_int {
    // SAFETY: `arg` is the parent's `Prepared`, alive while the parent is
    // suspended; this child writes only its `failed_at` and `errno`.
    let prepared = unsafe { &mut *arg.cast::<Prepared>() };
    // SAFETY: plain system calls on this process's own descriptors and
    // directory, and execve on NUL-terminated arrays prepared above.
    unsafe {
        for (target, fd) in prepared.stdio.iter().enumerate() {
            if libc::dup2(*fd, target as libc::c_int) < 0 {
                fail(prepared, Step::Stdio);
            }
        }
        // The init's socket and anything else it holds are not the
        // command's (its descriptor table is its own copy).
        super::worker::close_from(3);
        if libc::setsid() < 0 {
            fail(prepared, Step::Session);
        }
        #[allow(clippy::cast_lossless)]
        if prepared.pty && libc::ioctl(0, libc::TIOCSCTTY as _, 0) == -1 {
            fail(prepared, Step::Terminal);
        }
        if libc::chdir(prepared.cwd.as_ptr()) < 0 {
            fail(prepared, Step::Directory);
        }
        libc::execve(
            prepared.argv[0],
            prepared.argv.as_ptr(),
            prepared.envp.as_ptr(),
        );
        fail(prepared, Step::Exec)
    }
}

/// Records where and why the child stopped, and exits with the code to
/// report.
fn fail(prepared: &mut Prepared, step: Step) -> ! {
    // SAFETY: reading this thread's errno.
    prepared.errno = unsafe { *libc::__errno_location() };
    prepared.failed_at = step;
    let code = match (step, prepared.errno) {
        (Step::Exec, libc::ENOENT) => 127,
        (Step::Exec, _) => 126,
        _ => SETUP_FAILED_EXIT_CODE as u8,
    };
    // SAFETY: _exit never returns, and runs nothing of the parent's.
    unsafe { libc::_exit(i32::from(code)) }
}

/// Says on the command's stderr why it did not start, as the forked path
/// does.
fn report(request: &Request, prepared: &Prepared) {
    let error = std::io::Error::from_raw_os_error(prepared.errno);
    let program = String::from_utf8_lossy(request.argv[0].as_bytes());
    let message = match prepared.failed_at {
        Step::Directory => format!(
            "{HELPER_NAME}: cannot enter {} ({error})\n",
            request.cwd.display()
        ),
        Step::Exec => format!("{HELPER_NAME}: cannot run `{program}`: {error}\n"),
        _ => format!("{HELPER_NAME}: cannot start `{program}`: {error}\n"),
    };
    // SAFETY: writing our buffer to the command's stderr, still open here.
    unsafe { libc::write(prepared.stdio[2], message.as_ptr().cast(), message.len()) };
}
