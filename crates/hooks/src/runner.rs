//! Running the handlers of one event: each as `sh -c COMMAND` in its own
//! process group, the event's JSON on stdin, all at once; a handler past
//! its timeout is killed with its whole group. `async` handlers are
//! started and left to finish on their own (still bounded by their
//! timeout), and never change the outcome.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::discovery::Handler;
use crate::output::{HookResult, parse_result};

/// The most of a handler's stdout or stderr that is kept.
const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

/// What one handler did.
#[derive(Debug, Clone)]
pub struct HookRun {
    pub command: String,
    pub status_message: Option<String>,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub duration: Duration,
    pub result: HookResult,
}

/// Runs `handlers` with `input` on stdin and `env` as their whole
/// environment, in `cwd`. Async handlers are spawned and not in the result.
pub async fn run_handlers(
    handlers: &[&Handler],
    input: &Value,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Vec<HookRun> {
    let input = input.to_string();
    let mut waiting = Vec::new();
    for handler in handlers {
        let future = run_one(
            (*handler).clone(),
            input.clone(),
            env.clone(),
            cwd.to_path_buf(),
        );
        if handler.is_async {
            tokio::spawn(future);
        } else {
            waiting.push(tokio::spawn(future));
        }
    }
    let mut runs = Vec::new();
    for task in waiting {
        if let Ok(run) = task.await {
            runs.push(run);
        }
    }
    runs
}

async fn run_one(
    handler: Handler,
    input: String,
    env: BTreeMap<String, String>,
    cwd: std::path::PathBuf,
) -> HookRun {
    let started = Instant::now();
    let finish = |exit_code, timed_out, stdout: &[u8], stderr: &[u8]| {
        let stdout = String::from_utf8_lossy(stdout).into_owned();
        let stderr = String::from_utf8_lossy(stderr).into_owned();
        let result = if timed_out {
            HookResult::error(format!(
                "hook `{}` timed out after {} s and was killed",
                handler.command, handler.timeout_secs
            ))
        } else {
            parse_result(handler.event, &handler.command, exit_code, &stdout, &stderr)
        };
        HookRun {
            command: handler.command.clone(),
            status_message: handler.status_message.clone(),
            exit_code,
            timed_out,
            duration: started.elapsed(),
            result,
        }
    };
    let mut command = tokio::process::Command::new("sh");
    command
        .arg("-c")
        .arg(&handler.command)
        .current_dir(&cwd)
        .env_clear()
        .envs(&env)
        .envs(handler.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            let mut run = finish(None, false, b"", b"");
            run.result =
                HookResult::error(format!("cannot start hook `{}`: {err}", handler.command));
            return run;
        }
    };
    let pid = child.id();
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let io = async {
        if let Some(mut stdin) = stdin.take() {
            // A hook that does not read its input is fine.
            let _ = stdin.write_all(input.as_bytes()).await;
            let _ = stdin.shutdown().await;
        }
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let read_out = async {
            if let Some(pipe) = stdout.as_mut() {
                let _ = pipe
                    .take(MAX_OUTPUT_BYTES as u64)
                    .read_to_end(&mut out)
                    .await;
            }
        };
        let read_err = async {
            if let Some(pipe) = stderr.as_mut() {
                let _ = pipe
                    .take(MAX_OUTPUT_BYTES as u64)
                    .read_to_end(&mut err)
                    .await;
            }
        };
        tokio::join!(read_out, read_err);
        let status = child.wait().await.ok();
        (status.and_then(|s| s.code()), out, err)
    };
    match tokio::time::timeout(Duration::from_secs(handler.timeout_secs), io).await {
        Ok((code, out, err)) => finish(code, false, &out, &err),
        Err(_) => {
            kill_group(pid);
            finish(None, true, b"", b"")
        }
    }
}

#[cfg(unix)]
fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: killpg only sends a signal; the group is the hook's own
        // (it was started as a group leader).
        unsafe {
            libc::killpg(pid, libc::SIGKILL);
        }
    }
}

#[cfg(not(unix))]
fn kill_group(_pid: Option<u32>) {}
