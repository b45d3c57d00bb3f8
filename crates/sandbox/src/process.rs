//! A sandboxed process that lives as long as its owner wants: spawned with
//! every layer of its policy, on a pseudo-terminal or on pipes, written to
//! and read from while it runs, and ended — with everything it started —
//! when its owner drops it, kills it, or codex dies.
//!
//! [`crate::run_command`] is a thin use of it (run to completion); the
//! engine's interactive commands (`exec_command` / `write_stdin`) keep one
//! alive between calls.

use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Mutex, mpsc, watch};

use crate::command::{CommandSpec, SandboxError, build_command};
use crate::exec::{OutputChunk, StreamKind, exit_code};
use crate::pty::{PtyMaster, PtySize};

/// How to connect the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProcessIo {
    /// stdout and stderr on pipes; stdin from /dev/null.
    #[default]
    PipesNoInput,
    /// stdout and stderr on pipes; stdin a pipe to write to.
    Pipes,
    /// A pseudo-terminal of this size (stdout and stderr are one stream,
    /// reported as stdout).
    Pty(PtySize),
}

/// What [`SandboxedProcess::spawn_prepared`] needs to know about a process
/// built elsewhere.
pub(crate) struct Prepared {
    /// For error messages.
    pub(crate) program: String,
    /// The process is the sandbox helper (which ends its own tree).
    pub(crate) sandboxed: bool,
}

enum Input {
    None,
    Pipe(Mutex<Option<tokio::process::ChildStdin>>),
    /// The stdin pipe of a command in a long-lived sandbox.
    PipeFd(Mutex<Option<tokio::net::unix::pipe::Sender>>),
    Pty(Arc<PtyMaster>),
}

/// A running (or finished) sandboxed process.
pub struct SandboxedProcess {
    chunks: Option<mpsc::Receiver<OutputChunk>>,
    input: Input,
    exit: watch::Receiver<Option<i32>>,
    killer: TreeKiller,
}

impl SandboxedProcess {
    /// Starts `spec` under its policy.
    pub fn spawn(spec: &CommandSpec, io: ProcessIo) -> Result<Self, SandboxError> {
        #[cfg(target_os = "linux")]
        if let Some(started) = crate::server_client::spawn(spec, io) {
            return Self::from_server(started?, spec);
        }
        let prepared = Prepared {
            program: spec.argv.first().cloned().unwrap_or_default(),
            sandboxed: crate::command::uses_helper(spec),
        };
        Self::spawn_prepared(build_command(spec)?, prepared, io)
    }

    /// Starts the commit of a patch plan (to be written to its stdin) in
    /// the long-lived sandbox of `spec`; `None` where there is none to use.
    #[cfg(target_os = "linux")]
    pub(crate) fn spawn_patch_commit(spec: &CommandSpec) -> Option<Result<Self, SandboxError>> {
        let started = crate::server_client::spawn_patch_commit(spec)?;
        Some(started.and_then(|started| Self::from_server(started, spec)))
    }

    pub(crate) fn spawn_prepared(
        mut command: std::process::Command,
        prepared: Prepared,
        io: ProcessIo,
    ) -> Result<Self, SandboxError> {
        let spawn_error = |source| SandboxError::Spawn {
            program: prepared.program.clone(),
            source,
        };
        let mut pty_master = None;
        match io {
            ProcessIo::PipesNoInput | ProcessIo::Pipes => {
                command
                    .stdin(if io == ProcessIo::Pipes {
                        Stdio::piped()
                    } else {
                        Stdio::null()
                    })
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                crate::command::detach_from_terminal(&mut command, prepared.sandboxed, false);
            }
            ProcessIo::Pty(size) => {
                let pair = crate::pty::open(size).map_err(spawn_error)?;
                let dup = |fd: &OwnedFd| fd.try_clone().map(Stdio::from);
                command
                    .stdin(dup(&pair.slave).map_err(spawn_error)?)
                    .stdout(dup(&pair.slave).map_err(spawn_error)?)
                    .stderr(Stdio::from(pair.slave));
                crate::command::detach_from_terminal(&mut command, prepared.sandboxed, true);
                pty_master = Some(pair.master);
            }
        }
        let mut command = tokio::process::Command::from(command);
        command.kill_on_drop(true);
        let mut child = command.spawn().map_err(spawn_error)?;
        // The slave descriptors were moved into `command` and closed with it,
        // so the master reads EOF when the process side closes.
        drop(command);
        let pid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .unwrap_or(0);
        let killer = TreeKiller::Process(ProcessKiller {
            pid: AtomicI32::new(pid),
            sandboxed: prepared.sandboxed,
        });

        let (tx, chunks) = mpsc::channel::<OutputChunk>(64);
        let input = match pty_master {
            Some(master) => {
                let master = Arc::new(PtyMaster::new(master).map_err(spawn_error)?);
                tokio::spawn(pump_pty(Arc::clone(&master), tx));
                Input::Pty(master)
            }
            None => {
                if let Some(stdout) = child.stdout.take() {
                    tokio::spawn(pump(stdout, StreamKind::Stdout, tx.clone()));
                }
                if let Some(stderr) = child.stderr.take() {
                    tokio::spawn(pump(stderr, StreamKind::Stderr, tx));
                }
                match child.stdin.take() {
                    Some(stdin) => Input::Pipe(Mutex::new(Some(stdin))),
                    None => Input::None,
                }
            }
        };
        let (exit_tx, exit) = watch::channel(None);
        let live_id = crate::live::register(pid, prepared.sandboxed, exit.clone());
        tokio::spawn(async move {
            let code = match child.wait().await {
                Ok(status) => exit_code(&status),
                Err(_) => -1,
            };
            let _ = exit_tx.send(Some(code));
            crate::live::forget(live_id);
        });
        Ok(Self {
            chunks: Some(chunks),
            input,
            exit,
            killer,
        })
    }

    /// A command started in a long-lived sandbox.
    #[cfg(target_os = "linux")]
    fn from_server(
        started: crate::server_client::ServerCommand,
        spec: &CommandSpec,
    ) -> Result<Self, SandboxError> {
        use crate::server_client::CommandIo;
        let spawn_error = |source| SandboxError::Spawn {
            program: spec.argv.first().cloned().unwrap_or_default(),
            source,
        };
        let killer = TreeKiller::Server(started.kill);
        let (tx, chunks) = mpsc::channel::<OutputChunk>(64);
        let input = match started.io {
            CommandIo::Pty { master } => {
                let master = Arc::new(PtyMaster::new(master).map_err(spawn_error)?);
                tokio::spawn(pump_pty(Arc::clone(&master), tx));
                Input::Pty(master)
            }
            CommandIo::Pipes {
                stdin,
                stdout,
                stderr,
            } => {
                use tokio::net::unix::pipe;
                let stdout = pipe::Receiver::from_owned_fd(stdout).map_err(spawn_error)?;
                let stderr = pipe::Receiver::from_owned_fd(stderr).map_err(spawn_error)?;
                tokio::spawn(pump(stdout, StreamKind::Stdout, tx.clone()));
                tokio::spawn(pump(stderr, StreamKind::Stderr, tx));
                match stdin {
                    Some(stdin) => Input::PipeFd(Mutex::new(Some(
                        pipe::Sender::from_owned_fd(stdin).map_err(spawn_error)?,
                    ))),
                    None => Input::None,
                }
            }
        };
        Ok(Self {
            chunks: Some(chunks),
            input,
            exit: started.exit,
            killer,
        })
    }

    /// The next piece of output; `None` once every output stream is closed
    /// (or the output was taken).
    pub async fn next_chunk(&mut self) -> Option<OutputChunk> {
        self.chunks.as_mut()?.recv().await
    }

    /// The output stream, for a consumer of its own; the process keeps
    /// running whether or not it is read (its writes block when nobody
    /// reads, as with any pipe).
    pub fn take_output(&mut self) -> Option<mpsc::Receiver<OutputChunk>> {
        self.chunks.take()
    }

    /// Writes to the process's input (the terminal, or its stdin pipe).
    pub async fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        match &self.input {
            Input::None => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "the process has no input",
            )),
            Input::Pty(master) => master.write_all(bytes).await,
            Input::Pipe(stdin) => match stdin.lock().await.as_mut() {
                Some(stdin) => {
                    stdin.write_all(bytes).await?;
                    stdin.flush().await
                }
                None => Err(input_closed()),
            },
            Input::PipeFd(stdin) => match stdin.lock().await.as_mut() {
                Some(stdin) => {
                    stdin.write_all(bytes).await?;
                    stdin.flush().await
                }
                None => Err(input_closed()),
            },
        }
    }

    /// Closes the stdin pipe (end of input); a terminal stays open.
    pub async fn close_input(&self) {
        match &self.input {
            Input::Pipe(stdin) => drop(stdin.lock().await.take()),
            Input::PipeFd(stdin) => drop(stdin.lock().await.take()),
            Input::None | Input::Pty(_) => {}
        }
    }

    /// Resizes the terminal (no-op on pipes).
    pub fn resize(&self, size: PtySize) -> std::io::Result<()> {
        match &self.input {
            Input::Pty(master) => master.resize(size),
            _ => Ok(()),
        }
    }

    /// The exit code (128 + N after signal N), once it exited.
    pub fn exit_code(&self) -> Option<i32> {
        *self.exit.borrow()
    }

    /// Waits for the process to exit.
    pub async fn wait(&self) -> i32 {
        self.exited().await
    }

    /// A future of the exit code that does not borrow the process (so it
    /// can be awaited alongside [`Self::next_chunk`]).
    pub fn exited(&self) -> impl Future<Output = i32> + Send + 'static {
        let mut exit = self.exit.clone();
        async move {
            match exit.wait_for(Option::is_some).await {
                Ok(code) => code.unwrap_or(-1),
                Err(_) => -1,
            }
        }
    }

    /// Ends the process and everything it started.
    pub fn kill(&self) {
        if self.exit_code().is_none() || !self.killer.sandboxed() {
            self.killer.kill();
        } else {
            // It exited, and with it its PID namespace: nothing to end (and
            // its pid may belong to someone else by now).
            self.killer.disarm();
        }
    }
}

impl Drop for SandboxedProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn input_closed() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::BrokenPipe,
        "the process's input is closed",
    )
}

/// Ends a process tree, once.
enum TreeKiller {
    Process(ProcessKiller),
    /// A command in a long-lived sandbox: the sandbox ends it.
    #[cfg(target_os = "linux")]
    Server(crate::server_client::CommandKiller),
}

impl TreeKiller {
    fn sandboxed(&self) -> bool {
        match self {
            Self::Process(killer) => killer.sandboxed,
            #[cfg(target_os = "linux")]
            Self::Server(_) => true,
        }
    }

    fn disarm(&self) {
        match self {
            Self::Process(killer) => killer.pid.store(0, Ordering::SeqCst),
            #[cfg(target_os = "linux")]
            Self::Server(killer) => killer.disarm(),
        }
    }

    fn kill(&self) {
        match self {
            Self::Process(killer) => killer.kill(),
            #[cfg(target_os = "linux")]
            Self::Server(killer) => killer.kill(),
        }
    }
}

/// Ends a process tree started directly, once.
struct ProcessKiller {
    /// 0 once used (or disarmed).
    pid: AtomicI32,
    /// The process is the sandbox helper, which ends the tree itself.
    sandboxed: bool,
}

impl ProcessKiller {
    fn kill(&self) {
        let pid = self.pid.swap(0, Ordering::SeqCst);
        if pid > 0 {
            // SAFETY: plain kill(2) on the process (group) we started.
            unsafe {
                if self.sandboxed {
                    // The supervisor ends the namespace and removes its
                    // mount points.
                    libc::kill(pid, libc::SIGTERM);
                } else {
                    libc::kill(-pid, libc::SIGKILL);
                }
            }
        }
    }
}

async fn pump(
    mut reader: impl tokio::io::AsyncRead + Unpin,
    stream: StreamKind,
    tx: mpsc::Sender<OutputChunk>,
) {
    let mut buf = vec![0u8; 8192];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let chunk = OutputChunk {
                    stream,
                    bytes: buf[..n].to_vec(),
                };
                if tx.send(chunk).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn pump_pty(master: Arc<PtyMaster>, tx: mpsc::Sender<OutputChunk>) {
    let mut buf = vec![0u8; 8192];
    loop {
        match master.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let chunk = OutputChunk {
                    stream: StreamKind::Stdout,
                    bytes: buf[..n].to_vec(),
                };
                if tx.send(chunk).await.is_err() {
                    return;
                }
            }
        }
    }
}
