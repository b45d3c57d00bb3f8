//! Interactive commands: `exec_command` starts a process (on a PTY or on
//! pipes) in the session's sandbox and returns what it printed within
//! `yield_time_ms`; if it is still running it keeps running, under a
//! session id that `write_stdin` sends input to (or polls with nothing).
//!
//! Limits, as the reference's: yields are clamped to 250 ms–30 s (an empty
//! poll waits at least 5 s, at most 300 s, and returns early when the
//! process exits); at most [`MAX_PROCESSES`] live per session (past that
//! the least recently used is ended, with a warning); a process nobody
//! touched for `background_terminal_max_timeout` is ended; all end with the
//! session and when codex dies (the sandbox helper's parent-death signal).
//! Each process keeps at most 1 MiB of unread output (head and tail), and
//! what goes back to the model is cut to `max_output_tokens` (4 bytes a
//! token) with a marker.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use codex_protocol::protocol::{
    EventMsg, ExecCommandBeginEvent, ExecCommandEndEvent, ExecCommandOutputDeltaEvent,
    ExecOutputStream, SandboxPolicy, TerminalInteractionEvent, WarningEvent,
};
use codex_sandbox::{ProcessIo, PtySize, SandboxedProcess, StreamKind};
use tokio::sync::watch;

use crate::features::SessionFeatures as _;
use crate::parse_command::parse_command;
use crate::session::Session;
use crate::state::{ProcessOutput, ProcessTable};
use crate::tools::ToolOutput;
use crate::turn_context::TurnContext;

/// Live processes per session.
pub(crate) const MAX_PROCESSES: usize = 64;
/// From this many on, starting another one warns.
const WARN_PROCESSES: usize = 60;
const MIN_YIELD_MS: u64 = 250;
const MAX_YIELD_MS: u64 = 30_000;
const DEFAULT_EXEC_YIELD_MS: u64 = 10_000;
const DEFAULT_WRITE_YIELD_MS: u64 = 250;
const MIN_POLL_MS: u64 = 5_000;
const MAX_POLL_MS: u64 = 300_000;
pub(crate) const DEFAULT_MAX_OUTPUT_TOKENS: usize = 10_000;
/// How long the last output may trail the exit before it is collected.
const OUTPUT_AFTER_EXIT: Duration = Duration::from_millis(200);

/// The environment every interactive process gets on top of the policy's:
/// no colors, no pagers, a dumb terminal, UTF-8 (as the reference).
const EXTRA_ENV: &[(&str, &str)] = &[
    ("NO_COLOR", "1"),
    ("TERM", "dumb"),
    ("LANG", "C.UTF-8"),
    ("LC_CTYPE", "C.UTF-8"),
    ("LC_ALL", "C.UTF-8"),
    ("PAGER", "cat"),
    ("GIT_PAGER", "cat"),
    ("GH_PAGER", "cat"),
    ("CODEX_CI", "1"),
];

/// A session's interactive processes.
pub(crate) struct UnifiedExec {
    table: Arc<ProcessTable<ExecProcess>>,
    idle_timeout: Duration,
    /// The policy and directory whose sandbox was last set up ahead.
    prewarmed: std::sync::Mutex<Option<(SandboxPolicy, PathBuf)>>,
}

/// One live (or just finished) process.
pub(crate) struct ExecProcess {
    id: i32,
    /// The `exec_command` call that started it (its events carry this).
    call_id: String,
    /// The turn that started it.
    sub_id: String,
    process: SandboxedProcess,
    output: ProcessOutput,
    /// Becomes true when every output stream is closed.
    output_done: watch::Receiver<bool>,
    started: Instant,
    /// With network through the allowlist proxy: the proxy's refusal count
    /// when the last answer was made (refusals since are named in the next).
    denial_mark: std::sync::Mutex<Option<u64>>,
}

/// What to start.
pub(crate) struct StartRequest {
    pub(crate) call_id: String,
    pub(crate) argv: Vec<String>,
    pub(crate) cwd: PathBuf,
    pub(crate) tty: bool,
    pub(crate) policy: SandboxPolicy,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) yield_time_ms: Option<u64>,
    pub(crate) max_output_tokens: Option<usize>,
}

impl UnifiedExec {
    pub(crate) fn new(idle_timeout: Duration) -> Self {
        Self {
            table: Arc::new(ProcessTable::default()),
            idle_timeout,
            prewarmed: std::sync::Mutex::new(None),
        }
    }

    /// Sets up, in the background, the long-lived sandbox the commands of
    /// `ctx` will run in (its policy, directory and environment), so that
    /// the model's first command does not wait for it. Called once a turn's
    /// request is out: never delaying the request (on two cores the
    /// helper's start costs the request about 3 ms), and the model takes
    /// longer to answer than the sandbox to start. Again only when the
    /// policy or the directory changed.
    pub(crate) fn prewarm_sandbox(&self, session: &Session, ctx: &TurnContext) {
        let key = (ctx.sandbox_policy.clone(), ctx.cwd.clone());
        {
            // One assignment under the lock: never half-changed.
            let mut last = self.prewarmed.lock().unwrap_or_else(|p| p.into_inner());
            if last.as_ref() == Some(&key) {
                return;
            }
            *last = Some(key);
        }
        let mut env = session.command_env(&ctx.shell_environment_policy);
        for (key, value) in EXTRA_ENV {
            env.insert((*key).to_string(), (*value).to_string());
        }
        let spec = session.command_spec(
            vec!["true".to_string()],
            ctx.cwd.clone(),
            env,
            ctx.sandbox_policy.clone(),
        );
        tokio::task::spawn_blocking(move || codex_sandbox::prewarm_long_lived_sandbox(&spec));
    }

    /// `exec_command`: starts the process and waits for it (up to the
    /// yield time); the model's answer.
    pub(crate) async fn start(
        &self,
        session: &Arc<Session>,
        sub_id: &str,
        request: StartRequest,
    ) -> ToolOutput {
        let call_started = Instant::now();
        let mut env = request.env;
        for (key, value) in EXTRA_ENV {
            env.insert((*key).to_string(), (*value).to_string());
        }
        // `bash -lc` reads the shell snapshot instead of the profile.
        let argv = session
            .features()
            .shell_snapshot
            .apply(request.argv.clone(), &mut env)
            .await;
        let spec = session.command_spec(argv, request.cwd.clone(), env, request.policy);
        let denial_mark = spec
            .network_proxy
            .as_ref()
            .and(session.services.network_proxy.as_ref())
            .map(|proxy| proxy.denial_mark());
        let io = if request.tty {
            ProcessIo::Pty(PtySize::default())
        } else {
            ProcessIo::PipesNoInput
        };
        let id = self.new_id();
        let mut process = match SandboxedProcess::spawn(&spec, io) {
            Ok(process) => process,
            Err(err) => return ToolOutput::failure(format!("exec_command failed: {err}")),
        };
        let chunks = process.take_output();
        let (done_tx, output_done) = watch::channel(false);
        let exec = Arc::new(ExecProcess {
            id,
            call_id: request.call_id.clone(),
            sub_id: sub_id.to_string(),
            process,
            output: ProcessOutput::default(),
            output_done,
            started: Instant::now(),
            denial_mark: std::sync::Mutex::new(denial_mark),
        });
        self.admit(session, sub_id, Arc::clone(&exec)).await;
        session
            .send_event(
                sub_id,
                EventMsg::ExecCommandBegin(ExecCommandBeginEvent {
                    call_id: request.call_id,
                    command: request.argv.clone(),
                    cwd: request.cwd,
                    parsed_cmd: parse_command(&request.argv),
                    process_id: Some(id.to_string()),
                }),
            )
            .await;
        tokio::spawn(pump(
            Arc::downgrade(session),
            Arc::clone(&exec),
            chunks,
            done_tx,
        ));
        tokio::spawn(watch_idle(Arc::clone(&self.table), id, self.idle_timeout));
        let yield_ms = request
            .yield_time_ms
            .unwrap_or(DEFAULT_EXEC_YIELD_MS)
            .clamp(MIN_YIELD_MS, MAX_YIELD_MS);
        self.collect(
            session,
            &exec,
            call_started,
            yield_ms,
            request.max_output_tokens,
        )
        .await
    }

    /// `write_stdin`: sends `chars` (or nothing, to poll) and waits.
    pub(crate) async fn write(
        &self,
        session: &Session,
        sub_id: &str,
        id: i32,
        chars: &str,
        yield_time_ms: Option<u64>,
        max_output_tokens: Option<usize>,
    ) -> ToolOutput {
        let call_started = Instant::now();
        let Some(exec) = self.table.get(id) else {
            return ToolOutput::failure(format!("write_stdin failed: Unknown process id {id}"));
        };
        let yield_ms = if chars.is_empty() {
            yield_time_ms
                .unwrap_or(MIN_POLL_MS)
                .clamp(MIN_POLL_MS, MAX_POLL_MS)
        } else {
            if exec.process.exit_code().is_none()
                && let Err(err) = exec.process.write(chars.as_bytes()).await
            {
                return ToolOutput::failure(format!("write_stdin failed: {err}"));
            }
            session
                .send_event(
                    sub_id,
                    EventMsg::TerminalInteraction(TerminalInteractionEvent {
                        call_id: exec.call_id.clone(),
                        process_id: id.to_string(),
                        stdin: chars.to_string(),
                    }),
                )
                .await;
            yield_time_ms
                .unwrap_or(DEFAULT_WRITE_YIELD_MS)
                .clamp(MIN_YIELD_MS, MAX_YIELD_MS)
        };
        self.collect(session, &exec, call_started, yield_ms, max_output_tokens)
            .await
    }

    /// Ends process `id` (`/stop ID`); false when there is none. Its end
    /// event follows from the output pump, as for any exit.
    pub(crate) fn end(&self, id: i32) -> bool {
        match self.table.remove(id) {
            Some(exec) => {
                exec.process.kill();
                true
            }
            None => false,
        }
    }

    /// Ends every process (the session is ending, or `/stop`).
    pub(crate) fn end_all(&self) {
        for exec in self.table.drain() {
            exec.process.kill();
        }
    }

    /// Waits until the process exits or `yield_ms` pass, then answers with
    /// the output it printed since the last answer.
    async fn collect(
        &self,
        session: &Session,
        exec: &ExecProcess,
        call_started: Instant,
        yield_ms: u64,
        max_output_tokens: Option<usize>,
    ) -> ToolOutput {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(yield_ms);
        tokio::select! {
            _ = exec.process.exited() => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
        let exit_code = exec.process.exit_code();
        if exit_code.is_some() {
            let mut done = exec.output_done.clone();
            let _ = tokio::time::timeout(OUTPUT_AFTER_EXIT, done.wait_for(|d| *d)).await;
            self.table.remove(exec.id);
        }
        let unread = exec.output.take_unread();
        let original_tokens = unread.total_bytes().div_ceil(4);
        let budget = max_output_tokens.unwrap_or(DEFAULT_MAX_OUTPUT_TOKENS) * 4;
        let mut text = truncate_to(&unread.text(), budget);
        if let Some(note) = blocked_since_last_answer(session, exec) {
            text.push('\n');
            text.push_str(&note);
        }
        let status = match exit_code {
            Some(code) => format!("Process exited with code {code}"),
            None => format!("Process running with session ID {}", exec.id),
        };
        let content = format!(
            "Chunk ID: {}\nWall time: {:.4} seconds\n{status}\nOriginal token count: {original_tokens}\nOutput:\n{text}",
            chunk_id(),
            call_started.elapsed().as_secs_f64()
        );
        ToolOutput {
            content,
            success: exit_code.is_none_or(|code| code == 0),
            content_items: None,
        }
    }

    /// Adds the process; past the limit, ends the least recently used one.
    async fn admit(&self, session: &Session, sub_id: &str, exec: Arc<ExecProcess>) {
        let (evicted, live) = self.table.insert_within(exec.id, exec, MAX_PROCESSES);
        let message = match evicted {
            Some(old) => {
                old.process.kill();
                format!(
                    "ended interactive command {} (session id), the least recently used, to stay within {MAX_PROCESSES}",
                    old.id
                )
            }
            None if live >= WARN_PROCESSES => format!(
                "{live} interactive commands are running; past {MAX_PROCESSES} the least recently used one is ended"
            ),
            None => return,
        };
        session
            .send_event(sub_id, EventMsg::Warning(WarningEvent { message }))
            .await;
    }

    /// A session id not in use (random, like the reference's).
    fn new_id(&self) -> i32 {
        loop {
            let id = 1000 + (random_u64() % 64_000) as i32;
            if !self.table.contains(id) {
                return id;
            }
        }
    }
}

/// The allowlist proxy's refusals since `exec`'s last answer, for the model.
fn blocked_since_last_answer(session: &Session, exec: &ExecProcess) -> Option<String> {
    let proxy = session.services.network_proxy.as_ref()?;
    let mut mark = exec.denial_mark.lock().ok()?;
    let since = (*mark)?;
    *mark = Some(proxy.denial_mark());
    crate::network_allowlist::blocked_note(proxy, since)
}

/// Moves output into the buffer, tells the frontend, and sends the end
/// event when the process has exited and its output is complete.
async fn pump(
    session: Weak<Session>,
    exec: Arc<ExecProcess>,
    chunks: Option<tokio::sync::mpsc::Receiver<codex_sandbox::OutputChunk>>,
    done: watch::Sender<bool>,
) {
    if let Some(mut chunks) = chunks {
        while let Some(chunk) = chunks.recv().await {
            exec.output.push(&chunk.bytes);
            if let Some(session) = session.upgrade() {
                session.send_event_unrecorded(
                    &exec.sub_id,
                    EventMsg::ExecCommandOutputDelta(ExecCommandOutputDeltaEvent {
                        call_id: exec.call_id.clone(),
                        stream: match chunk.stream {
                            StreamKind::Stdout => ExecOutputStream::Stdout,
                            StreamKind::Stderr => ExecOutputStream::Stderr,
                        },
                        chunk: String::from_utf8_lossy(&chunk.bytes).into_owned(),
                    }),
                );
            }
        }
    }
    let _ = done.send(true);
    let exit_code = exec.process.wait().await;
    let Some(session) = session.upgrade() else {
        return;
    };
    session
        .send_event(
            &exec.sub_id,
            EventMsg::ExecCommandEnd(ExecCommandEndEvent {
                call_id: exec.call_id.clone(),
                stdout: String::new(),
                stderr: String::new(),
                aggregated_output: exec.output.all_text(),
                exit_code,
                duration: exec.started.elapsed(),
                formatted_output: String::new(),
                process_id: Some(exec.id.to_string()),
            }),
        )
        .await;
}

/// Ends the process once it has gone unused for `timeout`.
async fn watch_idle(table: Arc<ProcessTable<ExecProcess>>, id: i32, timeout: Duration) {
    loop {
        let Some(used) = table.last_used(id) else {
            return;
        };
        tokio::time::sleep_until(tokio::time::Instant::from_std(used + timeout)).await;
        if table.last_used(id) == Some(used) {
            if let Some(exec) = table.remove(id) {
                exec.process.kill();
            }
            return;
        }
    }
}

/// Keeps the start and end of `text` within `budget` bytes.
fn truncate_to(text: &str, budget: usize) -> String {
    if text.len() <= budget {
        return text.to_string();
    }
    let half = budget / 2;
    let mut head = half;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - half;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}\n[... omitted {} bytes ...]\n{}",
        &text[..head],
        tail - head,
        &text[tail..]
    )
}

/// Six hex digits that name one answer.
fn chunk_id() -> String {
    format!("{:06x}", random_u64() & 0xff_ffff)
}

fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_output_keeps_both_ends_within_the_budget() {
        let text = "a".repeat(100) + &"b".repeat(100);
        let cut = truncate_to(&text, 40);
        assert!(cut.starts_with("aaaaaaaaaaaaaaaaaaaa\n[... omitted 160 bytes ...]\n"));
        assert!(cut.ends_with(&"b".repeat(20)));
        assert_eq!(truncate_to("short", 40), "short");
        assert_eq!(chunk_id().len(), 6);
    }
}
