//! The start every binary entry point shares: one multi-thread runtime, and
//! an error printed once, as its whole cause chain, before a failing exit.
//!
//! `codex exec`, `exec review`, `app-server`, `mcp-server` and the TUI each
//! used to build their runtime and report errors by hand; they call this.

use std::error::Error;
use std::future::Future;
use std::process::ExitCode;

/// How long exit waits for telemetry to be flushed: a collector that is
/// down or hangs costs at most this.
const TELEMETRY_FLUSH: std::time::Duration = std::time::Duration::from_millis(1500);

/// Runs `fut` to completion on a fresh multi-thread runtime, then flushes
/// telemetry (bounded; nothing when none is exported). If the runtime
/// cannot start, says so on stderr and gives the exit code to return.
pub fn block_on_runtime<F: Future>(fut: F) -> Result<F::Output, ExitCode> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Ok(runtime.block_on(async {
            let output = fut.await;
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
