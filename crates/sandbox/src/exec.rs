//! Running a command to completion: output captured (bounded), streamed to
//! an optional observer, a timeout, and the command's whole process tree
//! ended when the call ends — on completion, on timeout, and when the
//! caller gives up (drops the future).
//!
//! Every command starts in a session of its own (`setsid`), so it has no
//! controlling terminal: it cannot read the user's keyboard, push keys into
//! the user's shell, or get the terminal's signals. Under a sandbox the
//! tree is the helper's PID namespace, which ends when the command exits or
//! when the helper is told to stop (SIGTERM: it also removes its mount
//! points); under full access it is the command's process group.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::command::{CommandSpec, SandboxError};
use crate::process::{Prepared, ProcessIo, SandboxedProcess};

/// Exit code reported when a command is killed for exceeding its timeout
/// (the convention of GNU `timeout`).
pub const TIMEOUT_EXIT_CODE: i32 = 124;

/// How long output is still collected after the command exits, for
/// background processes that keep its pipes open.
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(500);

/// Bytes kept at each end of a long output.
const KEEP_HEAD: usize = 512 * 1024;
const KEEP_TAIL: usize = 512 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    Stdout,
    Stderr,
}

/// A piece of output, as it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputChunk {
    pub stream: StreamKind,
    pub bytes: Vec<u8>,
}

/// Output with bounded memory: the first and last bytes, and the count of
/// what was dropped in between.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoundedOutput {
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    total: usize,
}

impl BoundedOutput {
    /// Adds output, dropping the middle beyond the kept head and tail.
    pub fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len();
        let room = KEEP_HEAD.saturating_sub(self.head.len());
        let (to_head, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(to_head);
        self.tail.extend(rest);
        let excess = self.tail.len().saturating_sub(KEEP_TAIL);
        self.tail.drain(..excess);
    }

    /// Total bytes the command wrote to this stream.
    pub fn total_bytes(&self) -> usize {
        self.total
    }

    /// Bytes not kept.
    pub fn omitted_bytes(&self) -> usize {
        self.total - self.head.len() - self.tail.len()
    }

    /// The kept output as text (invalid UTF-8 replaced), with a marker where
    /// bytes were dropped.
    pub fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if self.omitted_bytes() > 0 {
            text.push_str(&format!(
                "\n[... {} bytes omitted ...]\n",
                self.omitted_bytes()
            ));
        }
        let (a, b) = self.tail.as_slices();
        let tail: Vec<u8> = [a, b].concat();
        text.push_str(&String::from_utf8_lossy(&tail));
        text
    }
}

/// What running a command produced.
#[derive(Debug, Clone)]
pub struct ExecOutput {
    /// The exit code; 128 + N when killed by signal N; 124 on timeout.
    pub exit_code: i32,
    pub stdout: BoundedOutput,
    pub stderr: BoundedOutput,
    /// stdout and stderr interleaved in arrival order.
    pub aggregated: BoundedOutput,
    pub duration: Duration,
    pub timed_out: bool,
}

/// Runs `spec` to completion (or `timeout`). Output chunks are also sent to
/// `observer` as they arrive. Dropping the returned future ends the command
/// and everything it started.
pub async fn run_command(
    spec: &CommandSpec,
    timeout: Option<Duration>,
    observer: Option<mpsc::UnboundedSender<OutputChunk>>,
) -> Result<ExecOutput, SandboxError> {
    run_command_with_input(spec, None, timeout, observer).await
}

/// [`run_command`] with `input` written to the command's standard input
/// (then closed); without it, standard input is `/dev/null`.
pub async fn run_command_with_input(
    spec: &CommandSpec,
    input: Option<Vec<u8>>,
    timeout: Option<Duration>,
    observer: Option<mpsc::UnboundedSender<OutputChunk>>,
) -> Result<ExecOutput, SandboxError> {
    let io = if input.is_some() {
        ProcessIo::Pipes
    } else {
        ProcessIo::PipesNoInput
    };
    let started = Instant::now();
    let process = SandboxedProcess::spawn(spec, io)?;
    run_process(process, started, input, timeout, observer).await
}

/// Runs a process built by [`build_command`] (or the helper directly) to
/// completion.
pub(crate) async fn run_prepared(
    command: std::process::Command,
    prepared: Prepared,
    input: Option<Vec<u8>>,
    timeout: Option<Duration>,
    observer: Option<mpsc::UnboundedSender<OutputChunk>>,
) -> Result<ExecOutput, SandboxError> {
    let io = if input.is_some() {
        ProcessIo::Pipes
    } else {
        ProcessIo::PipesNoInput
    };
    let started = Instant::now();
    let process = SandboxedProcess::spawn_prepared(command, prepared, io)?;
    run_process(process, started, input, timeout, observer).await
}

/// Runs a started process to completion.
pub(crate) async fn run_process(
    mut process: SandboxedProcess,
    started: Instant,
    input: Option<Vec<u8>>,
    timeout: Option<Duration>,
    observer: Option<mpsc::UnboundedSender<OutputChunk>>,
) -> Result<ExecOutput, SandboxError> {
    if let Some(input) = input {
        // A command that exits without reading gives a broken pipe, which
        // is its business.
        let _ = process.write(&input).await;
        process.close_input().await;
    }

    let mut output = ExecOutput {
        exit_code: 0,
        stdout: BoundedOutput::default(),
        stderr: BoundedOutput::default(),
        aggregated: BoundedOutput::default(),
        duration: Duration::ZERO,
        timed_out: false,
    };
    let record = |chunk: OutputChunk, output: &mut ExecOutput| {
        match chunk.stream {
            StreamKind::Stdout => output.stdout.push(&chunk.bytes),
            StreamKind::Stderr => output.stderr.push(&chunk.bytes),
        }
        output.aggregated.push(&chunk.bytes);
        if let Some(observer) = &observer {
            let _ = observer.send(chunk);
        }
    };

    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let sleep_until_deadline = async {
        match deadline {
            Some(deadline) => tokio::time::sleep_until(deadline).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(sleep_until_deadline);
    let exited = process.exited();
    tokio::pin!(exited);
    let mut streams_open = true;
    let code = loop {
        tokio::select! {
            chunk = process.next_chunk(), if streams_open => match chunk {
                Some(chunk) => record(chunk, &mut output),
                None => streams_open = false,
            },
            code = &mut exited => break code,
            _ = &mut sleep_until_deadline => {
                process.kill();
                output.timed_out = true;
                break process.wait().await;
            }
        }
    };

    // Collect what is still in the pipes; a process that escaped the tree
    // (possible only without a sandbox) may hold them open, so only for a
    // moment.
    let drain_until = tokio::time::Instant::now() + DRAIN_AFTER_EXIT;
    while streams_open {
        tokio::select! {
            chunk = process.next_chunk() => match chunk {
                Some(chunk) => record(chunk, &mut output),
                None => streams_open = false,
            },
            _ = tokio::time::sleep_until(drain_until) => break,
        }
    }
    // The call is over: nothing the command started outlives it.
    process.kill();

    output.exit_code = if output.timed_out {
        TIMEOUT_EXIT_CODE
    } else {
        code
    };
    output.duration = started.elapsed();
    Ok(output)
}

/// The shell's view of an exit status: the code, or 128 + N when killed by
/// signal N.
pub fn exit_code(status: &std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    status.code().unwrap_or(-1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_output_keeps_both_ends() {
        let mut out = BoundedOutput::default();
        out.push(&vec![b'a'; KEEP_HEAD]);
        out.push(&[b'b'; 10]);
        out.push(&vec![b'c'; KEEP_TAIL]);
        assert_eq!(out.total_bytes(), KEEP_HEAD + 10 + KEEP_TAIL);
        assert_eq!(out.omitted_bytes(), 10);
        let text = out.text();
        assert!(text.starts_with("aaaa"));
        assert!(text.ends_with("cccc"));
        assert!(text.contains("[... 10 bytes omitted ...]"));
    }
}
