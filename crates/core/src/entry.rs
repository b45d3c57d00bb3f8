//! The start every binary entry point shares: one multi-thread runtime, and
//! an error printed once, as its whole cause chain, before a failing exit.
//!
//! `codex exec`, `exec review`, `app-server`, `mcp-server` and the TUI each
//! used to build their runtime and report errors by hand; they call this.
//!
//! Nothing a command started outlives codex: before the runtime ends, every
//! live command tree is ended and waited for ([`codex_sandbox::live`]), and
//! SIGTERM, SIGHUP and SIGINT do the same before the process dies of the
//! signal — unless the frontend handles that signal itself
//! ([`frontend_handles_signals`]: the TUI's orderly exit, `exec`'s Ctrl-C
//! interrupting the turn), in which case the frontend stops its work and
//! returns in its own time, through the end-of-runtime wait.

use std::error::Error;
use std::future::Future;
use std::process::ExitCode;

/// How long exit waits for telemetry to be flushed: a collector that is
/// down or hangs costs at most this.
const TELEMETRY_FLUSH: std::time::Duration = std::time::Duration::from_millis(1500);

/// How long command trees get to end after SIGTERM before SIGKILL.
const COMMANDS_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// A signal that ends codex unless the frontend handles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitSignal {
    Terminate,
    Hangup,
    Interrupt,
}

impl ExitSignal {
    fn bit(self) -> u8 {
        match self {
            Self::Terminate => 1,
            Self::Hangup => 2,
            Self::Interrupt => 4,
        }
    }
}

/// The exit signals the frontend handles itself.
static FRONTEND_SIGNALS: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Declares that the frontend ends codex its own way on these signals: on
/// one of them the process is left to the frontend instead of dying of the
/// signal (the command trees are ended when the frontend returns).
pub fn frontend_handles_signals(signals: &[ExitSignal]) {
    for signal in signals {
        FRONTEND_SIGNALS.fetch_or(signal.bit(), std::sync::atomic::Ordering::SeqCst);
    }
}

fn frontend_handles(signal: ExitSignal) -> bool {
    FRONTEND_SIGNALS.load(std::sync::atomic::Ordering::SeqCst) & signal.bit() != 0
}

/// Listens for SIGTERM, SIGHUP and SIGINT for as long as the runtime runs:
/// unless the frontend handles the signal, ends every command tree, waits
/// for them, then dies of it as the default action would have.
#[cfg(unix)]
fn spawn_exit_signal_listener() {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [
        (
            SignalKind::terminate(),
            libc::SIGTERM,
            ExitSignal::Terminate,
        ),
        (SignalKind::hangup(), libc::SIGHUP, ExitSignal::Hangup),
        (SignalKind::interrupt(), libc::SIGINT, ExitSignal::Interrupt),
    ];
    for (kind, number, exit_signal) in kinds {
        let Ok(mut stream) = signal(kind) else {
            // Then the default action stays, and the parent-death signals
            // still end the commands.
            continue;
        };
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if frontend_handles(exit_signal) {
                    // The frontend stops its work (an interrupted turn
                    // records its commands as aborted) and returns; the
                    // wait at the end of the runtime ends what is left.
                    continue;
                }
                codex_sandbox::live::end_all(COMMANDS_GRACE).await;
                // SAFETY: restoring the default action and raising the
                // signal again ends the process as if it had never been
                // caught.
                unsafe {
                    libc::signal(number, libc::SIG_DFL);
                    libc::raise(number);
                }
            }
        });
    }
}

/// Runs `fut` to completion on a fresh multi-thread runtime, then flushes
/// telemetry (bounded; nothing when none is exported). If the runtime
/// cannot start, says so on stderr and gives the exit code to return.
pub fn block_on_runtime<F: Future>(fut: F) -> Result<F::Output, ExitCode> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Ok(runtime.block_on(async {
            #[cfg(unix)]
            spawn_exit_signal_listener();
            // Ended below (and on the exit signals) by `end_all`.
            codex_sandbox::enable_long_lived_sandboxes();
            let output = fut.await;
            codex_sandbox::live::end_all(COMMANDS_GRACE).await;
            codex_otel::shutdown(TELEMETRY_FLUSH).await;
            output
        })),
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// Prints a failed entry point's error chain on stderr and fails the exit.
pub fn report_exit<E>(result: Result<ExitCode, E>) -> ExitCode
where
    E: AsRef<dyn Error + Send + Sync + 'static>,
{
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", crate::error_report(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}

/// [`block_on_runtime`] then [`report_exit`]: the whole of most `run_main`s.
pub fn run_async_main<F, E>(fut: F) -> ExitCode
where
    F: Future<Output = Result<ExitCode, E>>,
    E: AsRef<dyn Error + Send + Sync + 'static>,
{
    match block_on_runtime(fut) {
        Ok(result) => report_exit(result),
        Err(code) => code,
    }
}
