//! Taking the terminal over and giving it back.
//!
//! [`TerminalGuard::enter`] switches to raw mode and turns on bracketed
//! paste, focus reports and keyboard disambiguation (so Shift+Enter and
//! Ctrl+J can be told from Enter), turns autowrap off, and takes the
//! alternate screen when asked.
//! [`restore`] undoes all of it and is safe to call any number of times and
//! from anywhere: the guard's `Drop` (normal exit and errors), the panic
//! hook, and the signal handlers for SIGTERM and SIGHUP all call it, so the
//! shell is never left in raw mode with a hidden cursor. It writes with
//! `write(2)` on the terminal's file descriptor, taking no lock a
//! panicking thread might hold.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

const ENABLE: &str = concat!(
    "\x1b[?2004h", // bracketed paste
    "\x1b[?1004h", // focus in/out reports
    "\x1b[>1u",    // kitty keyboard protocol: disambiguate escape codes
    "\x1b[?25l",   // hidden until a frame puts it in the composer
    // No autowrap: a row never takes more than one screen row, even one
    // drawn for the old width just after the terminal got narrower, so the
    // live area is always exactly as tall as drawn (see screen.rs).
    "\x1b[?7l",
);

const DISABLE: &str = concat!(
    "\x1b[?2026l", // end a synchronized update that was cut short
    "\x1b[<1u",    // pop the keyboard flags
    "\x1b[?1004l",
    "\x1b[?2004l",
    "\x1b[0m",
    "\x1b[?7h",  // autowrap back on
    "\x1b[?25h", // cursor shown
);

const ENTER_ALT: &str = "\x1b[?1049h";
const LEAVE_ALT: &str = "\x1b[?1049l";

/// Whether the terminal is ours right now (and in which way).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static ALT_SCREEN: AtomicBool = AtomicBool::new(false);

fn write_all_fd(bytes: &[u8]) {
    let mut rest = bytes;
    while !rest.is_empty() {
        // SAFETY: writing a valid buffer to stdout's descriptor.
        let n = unsafe { libc::write(libc::STDOUT_FILENO, rest.as_ptr().cast(), rest.len()) };
        if n <= 0 {
            if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        rest = &rest[n as usize..];
    }
}

/// Owns the terminal's modes while it lives.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    pub fn enter(alt_screen: bool) -> io::Result<Self> {
        crossterm::terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        ALT_SCREEN.store(alt_screen, Ordering::SeqCst);
        let mut bytes = String::new();
        if alt_screen {
            bytes.push_str(ENTER_ALT);
        }
        bytes.push_str(ENABLE);
        write_all_fd(bytes.as_bytes());
        Ok(Self { _private: () })
    }

    /// Gives the terminal back for a while (Ctrl-Z); [`Self::resume`] takes
    /// it again.
    pub fn suspend(&self) {
        restore();
    }

    pub fn resume(&self) -> io::Result<()> {
        let alt = ALT_SCREEN.load(Ordering::SeqCst);
        crossterm::terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut bytes = String::new();
        if alt {
            bytes.push_str(ENTER_ALT);
        }
        bytes.push_str(ENABLE);
        write_all_fd(bytes.as_bytes());
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back as it was. Idempotent.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut bytes = String::from(DISABLE);
    if ALT_SCREEN.load(Ordering::SeqCst) {
        bytes.push_str(LEAVE_ALT);
    }
    write_all_fd(bytes.as_bytes());
    let _ = crossterm::terminal::disable_raw_mode();
}

/// Restores the terminal before a panic message is printed, so the message
/// is readable and the shell usable.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// SIGTERM, SIGHUP and SIGINT, listened for from the moment the terminal
/// is taken, so that any of them ends codex the orderly way (session
/// flushed, terminal restored) rather than by the default action.
pub struct Signals {
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn new() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        // Ours to handle; the engine ends the commands' trees at exit.
        codex_core::frontend_handles_signals(&[
            codex_core::ExitSignal::Terminate,
            codex_core::ExitSignal::Hangup,
            codex_core::ExitSignal::Interrupt,
        ]);
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for any of them.
    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}

/// Stops the process as Ctrl-Z would in a shell, the terminal given back
/// first; returns when the shell continues it.
pub fn suspend_process(guard: &TerminalGuard) -> io::Result<()> {
    guard.suspend();
    // SAFETY: sending SIGTSTP to ourselves; the default action stops the
    // process until SIGCONT.
    unsafe {
        libc::kill(0, libc::SIGTSTP);
    }
    guard.resume()
}
