//! A `tracing` layer that stores events in the log table.
//!
//! The layer never blocks the code that logs: events go into a bounded
//! queue with `try_send`; when the queue is full the event is dropped and
//! counted, and the count is itself logged once the writer catches up. A
//! background thread (with its own connection) drains the queue in batches.
//!
//! Each row carries the `thread_id` of the innermost enclosing span that has
//! one (the engine wraps each session in such a span) and a `process_uuid`
//! fixed for the life of the process.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::logs::{
    CHECKPOINT_EVERY_BATCHES, LogCaps, LogEntry, RETENTION_DAYS, checkpoint,
    delete_logs_older_than, disable_auto_checkpoint, insert_logs,
};
use crate::{StateError, open_connection};

/// Events waiting to be written before new ones are dropped.
pub const QUEUE_CAPACITY: usize = 4096;
/// Most rows per insert transaction. 64 keeps each insert's p99 under a
/// millisecond (see the `log_insert` benchmark) while still amortizing the
/// transaction over many rows.
pub const BATCH_SIZE: usize = 64;
/// Longest time an event waits in the queue.
const FLUSH_INTERVAL: Duration = Duration::from_millis(500);

enum Message {
    Entry(Box<LogEntry>),
    Flush(mpsc::Sender<()>),
}

/// The layer. Cheap to clone.
#[derive(Clone)]
pub struct LogDbLayer {
    tx: SyncSender<Message>,
    dropped: Arc<AtomicU64>,
    process_uuid: Arc<str>,
}

/// Keeps the writer running; dropping it writes what is queued.
pub struct LogWriterGuard {
    tx: SyncSender<Message>,
}

impl Drop for LogWriterGuard {
    fn drop(&mut self) {
        let (ack_tx, ack_rx) = mpsc::channel();
        if self.tx.send(Message::Flush(ack_tx)).is_ok() {
            let _ = ack_rx.recv_timeout(Duration::from_secs(2));
        }
    }
}

impl LogDbLayer {
    /// Events dropped so far because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub fn process_uuid(&self) -> &str {
        &self.process_uuid
    }
}

/// Starts the writer for the database at `path` and returns the layer.
pub fn start_log_writer(path: &Path) -> Result<(LogDbLayer, LogWriterGuard), StateError> {
    start_log_writer_with(path, LogCaps::default(), QUEUE_CAPACITY)
}

/// [`start_log_writer`] with explicit caps and queue size (for tests).
pub fn start_log_writer_with(
    path: &Path,
    caps: LogCaps,
    queue_capacity: usize,
) -> Result<(LogDbLayer, LogWriterGuard), StateError> {
    let conn = open_connection(path)?;
    let (tx, rx) = mpsc::sync_channel(queue_capacity);
    let dropped = Arc::new(AtomicU64::new(0));
    let process_uuid: Arc<str> =
        format!("pid:{}:{}", std::process::id(), uuid::Uuid::new_v4()).into();
    let writer_dropped = Arc::clone(&dropped);
    let writer_uuid = Arc::clone(&process_uuid);
    let db_path: PathBuf = path.to_path_buf();
    std::thread::Builder::new()
        .name("codex-log-writer".into())
        .spawn(move || writer(conn, rx, caps, writer_dropped, writer_uuid, db_path))
        .map_err(|source| StateError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok((
        LogDbLayer {
            tx: tx.clone(),
            dropped,
            process_uuid,
        },
        LogWriterGuard { tx },
    ))
}

/// Lowers this thread's priority by 10 nice levels: its inserts (about 0.3 ms of
/// CPU for the two rows of a tool call) are background work, and on a
/// machine with two cores they otherwise compete with the engine and the
/// model's command at the moments a call is handled. Rows wait a little
/// longer under load; the queue still drops (and counts) rather than block.
fn run_in_the_background() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on this thread alone (on Linux a thread id names
    // one thread); raising one's own nice value needs no privilege, and a
    // failure changes nothing.
    unsafe {
        let thread = libc::gettid() as libc::id_t;
        // A nice value can be -1: errno, cleared first, tells a failure.
        *libc::__errno_location() = 0;
        let nice = libc::getpriority(libc::PRIO_PROCESS, thread);
        if *libc::__errno_location() == 0 {
            libc::setpriority(libc::PRIO_PROCESS, thread, (nice + 10).min(19));
        }
    }
}

fn writer(
    mut conn: rusqlite::Connection,
    rx: Receiver<Message>,
    caps: LogCaps,
    dropped: Arc<AtomicU64>,
    process_uuid: Arc<str>,
    path: PathBuf,
) {
    run_in_the_background();
    let cutoff = now().0 - RETENTION_DAYS * 24 * 3600;
    let _ = delete_logs_older_than(&mut conn, cutoff);
    let _ = disable_auto_checkpoint(&conn);
    let mut batch: Vec<LogEntry> = Vec::with_capacity(BATCH_SIZE);
    let mut reported_drops = 0;
    let mut batches_since_checkpoint = 0;
    loop {
        let mut flush_ack = None;
        match rx.recv_timeout(FLUSH_INTERVAL) {
            Ok(Message::Entry(entry)) => batch.push(*entry),
            Ok(Message::Flush(ack)) => flush_ack = Some(ack),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                write(&mut conn, &mut batch, caps, &path);
                let _ = checkpoint(&conn);
                return;
            }
        }
        while batch.len() < BATCH_SIZE && flush_ack.is_none() {
            match rx.try_recv() {
                Ok(Message::Entry(entry)) => batch.push(*entry),
                Ok(Message::Flush(ack)) => flush_ack = Some(ack),
                Err(_) => break,
            }
        }
        let drops = dropped.load(Ordering::Relaxed);
        if drops > reported_drops {
            let (ts, ts_nanos) = now();
            batch.push(LogEntry {
                ts,
                ts_nanos,
                level: "WARN".into(),
                target: "codex_state::log_layer".into(),
                message: format!(
                    "{} log events were dropped because the log queue was full",
                    drops - reported_drops
                ),
                module_path: None,
                file: None,
                line: None,
                thread_id: None,
                process_uuid: Some(process_uuid.to_string()),
            });
            reported_drops = drops;
        }
        if !batch.is_empty() {
            write(&mut conn, &mut batch, caps, &path);
            batches_since_checkpoint += 1;
        }
        if batches_since_checkpoint >= CHECKPOINT_EVERY_BATCHES || flush_ack.is_some() {
            let _ = checkpoint(&conn);
            batches_since_checkpoint = 0;
        }
        if let Some(ack) = flush_ack {
            let _ = ack.send(());
        }
    }
}

fn write(conn: &mut rusqlite::Connection, batch: &mut Vec<LogEntry>, caps: LogCaps, path: &Path) {
    if batch.is_empty() {
        return;
    }
    if let Err(err) = insert_logs(conn, batch, caps) {
        // Logging about logging would recurse; stderr is the last resort.
        eprintln!("codex: cannot write logs to {}: {err}", path.display());
    }
    batch.clear();
}

fn now() -> (i64, i64) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, i64::from(d.subsec_nanos()))
}

/// The `thread_id` recorded on a span.
struct SpanThreadId(String);

struct ThreadIdVisitor(Option<String>);

impl Visit for ThreadIdVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "thread_id" {
            self.0 = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "thread_id" {
            self.0 = Some(format!("{value:?}").trim_matches('"').to_string());
        }
    }
}

struct MessageVisitor {
    message: String,
    fields: String,
}

impl Visit for MessageVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

impl<S> Layer<S> for LogDbLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut visitor = ThreadIdVisitor(None);
        attrs.record(&mut visitor);
        if let (Some(thread), Some(span)) = (visitor.0, ctx.span(id)) {
            span.extensions_mut().insert(SpanThreadId(thread));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let mut visitor = ThreadIdVisitor(None);
        values.record(&mut visitor);
        if let (Some(thread), Some(span)) = (visitor.0, ctx.span(id)) {
            span.extensions_mut().replace(SpanThreadId(thread));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // The innermost span that names a thread (the scope runs leaf first).
        let thread_id = ctx.event_scope(event).and_then(|mut scope| {
            scope.find_map(|span| span.extensions().get::<SpanThreadId>().map(|t| t.0.clone()))
        });
        let mut visitor = MessageVisitor {
            message: String::new(),
            fields: String::new(),
        };
        event.record(&mut visitor);
        let metadata = event.metadata();
        let (ts, ts_nanos) = now();
        let entry = LogEntry {
            ts,
            ts_nanos,
            level: metadata.level().to_string(),
            target: metadata.target().to_string(),
            message: visitor.message + &visitor.fields,
            module_path: metadata.module_path().map(str::to_string),
            file: metadata.file().map(str::to_string),
            line: metadata.line().map(i64::from),
            thread_id,
            process_uuid: Some(self.process_uuid.to_string()),
        };
        if let Err(TrySendError::Full(_)) = self.tx.try_send(Message::Entry(Box::new(entry))) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}
