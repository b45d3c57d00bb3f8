//! A program in a pseudo-terminal, its output parsed by a terminal
//! emulator (`vt100`), for end-to-end tests of the interactive interface.
//!
//! Tests wait for screen content, never for a fixed time: a reader thread
//! feeds the emulator and wakes waiters on every chunk, and
//! [`PtyTerminal::wait_for`] returns as soon as the text is on the screen
//! (or fails with the screen's contents after the timeout).

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

struct Shared {
    parser: vt100::Parser,
    /// Everything the program wrote.
    raw: Vec<u8>,
    closed: bool,
}

pub struct PtyTerminal {
    master: File,
    child: Child,
    shared: Arc<(Mutex<Shared>, Condvar)>,
    reader: Option<std::thread::JoinHandle<()>>,
}

fn set_size(fd: i32, rows: u16, cols: u16) {
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ with a valid winsize on a pty descriptor.
    unsafe {
        libc::ioctl(fd, libc::TIOCSWINSZ, &size);
    }
}

impl PtyTerminal {
    /// Starts `command` on a new `rows`×`cols` terminal, as the session
    /// leader with the terminal as its controlling terminal.
    pub fn spawn(mut command: Command, rows: u16, cols: u16) -> Self {
        let (mut master_fd, mut slave_fd) = (-1, -1);
        // SAFETY: openpty fills two descriptors.
        let rc = unsafe {
            libc::openpty(
                &mut master_fd,
                &mut slave_fd,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty failed: {}", std::io::Error::last_os_error());
        set_size(master_fd, rows, cols);
        // SAFETY: fresh descriptors we own.
        let master = unsafe { File::from_raw_fd(master_fd) };
        let slave = unsafe { File::from_raw_fd(slave_fd) };
        command
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .env("TERM", "xterm-256color")
            .env_remove("TMUX");
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("spawn the program on the pty");
        let shared = Arc::new((
            Mutex::new(Shared {
                parser: vt100::Parser::new(rows, cols, 10_000),
                raw: Vec::new(),
                closed: false,
            }),
            Condvar::new(),
        ));
        let mut reading = master.try_clone().unwrap();
        let feed = Arc::clone(&shared);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            loop {
                match reading.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let (lock, wake) = &*feed;
                        let mut shared = lock.lock().unwrap_or_else(|p| p.into_inner());
                        shared.parser.process(&buf[..n]);
                        shared.raw.extend_from_slice(&buf[..n]);
                        wake.notify_all();
                    }
                }
            }
            let (lock, wake) = &*feed;
            lock.lock().unwrap_or_else(|p| p.into_inner()).closed = true;
            wake.notify_all();
        });
        Self {
            master,
            child,
            shared,
            reader: Some(reader),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes bytes as if typed.
    pub fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
        self.master.flush().unwrap();
    }

    /// Types `text` and presses Enter.
    pub fn submit(&mut self, text: &str) {
        self.send(text.as_bytes());
        self.send(b"\r");
    }

    /// Pastes `text` the way a terminal with bracketed paste does.
    pub fn paste(&mut self, text: &str) {
        let mut bytes = b"\x1b[200~".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        bytes.extend_from_slice(b"\x1b[201~");
        self.send(&bytes);
    }

    /// Changes the terminal's size (the program gets SIGWINCH).
    pub fn resize(&mut self, rows: u16, cols: u16) {
        let (lock, _) = &*self.shared;
        lock.lock()
            .unwrap()
            .parser
            .screen_mut()
            .set_size(rows, cols);
        set_size(self.master.as_raw_fd(), rows, cols);
    }

    /// The cursor's (row, column) and whether it is shown.
    pub fn cursor(&self) -> (u16, u16, bool) {
        let (lock, _) = &*self.shared;
        let shared = lock.lock().unwrap();
        let screen = shared.parser.screen();
        let (row, col) = screen.cursor_position();
        (row, col, !screen.hide_cursor())
    }

    /// The visible screen as text.
    pub fn screen(&self) -> String {
        let (lock, _) = &*self.shared;
        lock.lock().unwrap().parser.screen().contents()
    }

    /// The scrollback and the screen, oldest first.
    pub fn all_text(&self) -> String {
        let (lock, _) = &*self.shared;
        let mut shared = lock.lock().unwrap();
        let screen = shared.parser.screen_mut();
        let cols = screen.size().1;
        screen.set_scrollback(usize::MAX);
        let mut offset = screen.scrollback();
        let mut lines: Vec<String> = Vec::new();
        // The top row at each offset is one scrollback line.
        while offset > 0 {
            screen.set_scrollback(offset);
            lines.extend(screen.rows(0, cols).take(1));
            offset -= 1;
        }
        screen.set_scrollback(0);
        lines.extend(screen.rows(0, cols));
        lines.join("\n")
    }

    /// How many bytes the program has written so far.
    pub fn output_len(&self) -> usize {
        let (lock, _) = &*self.shared;
        lock.lock().unwrap().raw.len()
    }

    /// Waits until the output after byte `from` contains `needle`; returns
    /// the offset just past it. Panics after `timeout`.
    pub fn wait_output(&self, from: usize, needle: &[u8], timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let (lock, wake) = &*self.shared;
        let mut shared = lock.lock().unwrap();
        loop {
            let start = from.min(shared.raw.len());
            if let Some(at) = shared.raw[start..]
                .windows(needle.len())
                .position(|w| w == needle)
            {
                return start + at + needle.len();
            }
            let now = Instant::now();
            if now >= deadline || shared.closed {
                drop(shared);
                panic!("timed out waiting for {needle:?} in the output");
            }
            shared = wake.wait_timeout(shared, deadline - now).unwrap().0;
        }
    }

    /// Everything the program wrote, as bytes.
    pub fn raw_output(&self) -> Vec<u8> {
        let (lock, _) = &*self.shared;
        lock.lock().unwrap().raw.clone()
    }

    /// Waits until `predicate` holds for the screen text; panics with the
    /// screen after `timeout`.
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        predicate: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        let (lock, wake) = &*self.shared;
        let mut shared = lock.lock().unwrap();
        loop {
            let text = shared.parser.screen().contents();
            if predicate(&text) {
                return text;
            }
            let now = Instant::now();
            if now >= deadline || shared.closed {
                let closed = shared.closed;
                // Unlocked first, so the reader thread is not poisoned.
                drop(shared);
                panic!(
                    "timed out waiting for {what}{}; the screen shows:\n{text}",
                    if closed {
                        " (the program closed the terminal)"
                    } else {
                        ""
                    }
                );
            }
            shared = wake.wait_timeout(shared, deadline - now).unwrap().0;
        }
    }

    /// Whether `needle` is on the screen within `timeout` (no panic).
    pub fn appears_within(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (lock, wake) = &*self.shared;
        let mut shared = lock.lock().unwrap();
        loop {
            if shared.parser.screen().contents().contains(needle) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline || shared.closed {
                return false;
            }
            shared = wake.wait_timeout(shared, deadline - now).unwrap().0;
        }
    }

    /// Waits until `needle` is on the screen.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        self.wait_until(&format!("{needle:?}"), timeout, |text| {
            text.contains(needle)
        })
    }

    /// Waits for the program to exit (it is killed after `timeout`).
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                if let Some(reader) = self.reader.take() {
                    // The reader ends when the last writer closes.
                    let _ = reader.join();
                }
                return status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!(
                    "the program did not exit; the screen shows:\n{}",
                    self.screen()
                );
            }
            // Exit is not a screen change; check again shortly.
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PtyTerminal {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
