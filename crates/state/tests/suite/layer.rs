//! The tracing layer: thread ids from spans, a fixed process id, drops counted.

use codex_state::logs::{LogCaps, LogQuery, query_logs};
use codex_state::{log_layer::start_log_writer_with, open_connection, start_log_writer};
use tracing_subscriber::layer::SubscriberExt;

#[test]
fn events_carry_the_thread_of_their_span_and_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    let (layer, guard) = start_log_writer(&path).unwrap();
    let process = layer.process_uuid().to_string();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("before any session");
        let session = tracing::info_span!("session", thread_id = "019a-thread");
        let _entered = session.enter();
        let inner = tracing::debug_span!("turn", sub_id = "1");
        let _inner = inner.enter();
        tracing::warn!(call_id = "c1", "inside a turn");
    });
    drop(guard);

    let conn = open_connection(&path).unwrap();
    let rows = query_logs(&conn, &LogQuery::default()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].entry.message, "before any session");
    assert_eq!(rows[0].entry.thread_id, None);
    assert_eq!(rows[1].entry.message, "inside a turn call_id=c1");
    assert_eq!(rows[1].entry.thread_id.as_deref(), Some("019a-thread"));
    assert_eq!(rows[1].entry.level, "WARN");
    assert!(process.starts_with(&format!("pid:{}:", std::process::id())));
    assert!(
        rows.iter()
            .all(|r| r.entry.process_uuid.as_deref() == Some(process.as_str()))
    );

    let warnings = query_logs(
        &conn,
        &LogQuery {
            min_level: Some("warn".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(warnings.len(), 1);
}

#[test]
fn a_full_queue_drops_and_counts_instead_of_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    let (layer, guard) = start_log_writer_with(&path, LogCaps::default(), 8).unwrap();
    // Let the writer finish its start-up, then hold the write lock so it
    // cannot drain the queue (it waits on the lock, within its busy timeout).
    std::thread::sleep(std::time::Duration::from_millis(200));
    let blocker = open_connection(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let counter = layer.clone();
    let subscriber = tracing_subscriber::registry().with(layer);
    let start = std::time::Instant::now();
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..1000 {
            tracing::info!("event {i}");
        }
    });
    assert!(
        start.elapsed() < std::time::Duration::from_secs(1),
        "logging never waits"
    );
    assert!(counter.dropped() > 900, "dropped {}", counter.dropped());
    blocker.execute_batch("COMMIT").unwrap();
    drop(guard);
    let conn = open_connection(&path).unwrap();
    let rows = query_logs(&conn, &LogQuery::default()).unwrap();
    assert!(
        rows.iter()
            .any(|r| r.entry.message.contains("log events were dropped")),
        "{rows:?}"
    );
}

/// The writer is background work: its thread runs 10 nice levels below the
/// rest of the process.
#[cfg(target_os = "linux")]
#[test]
fn the_writer_thread_runs_at_background_priority() {
    let dir = tempfile::tempdir().unwrap();
    let (_layer, guard) = start_log_writer(&dir.path().join("state.sqlite")).unwrap();
    // Field 19 of /proc/<pid>/task/<tid>/stat is the nice value; the
    // fields after the command name (which may hold spaces) are counted.
    let nice_of = |task: &std::path::Path| -> Option<i64> {
        let stat = std::fs::read_to_string(task.join("stat")).ok()?;
        let after_name = &stat[stat.rfind(')')? + 2..];
        after_name.split(' ').nth(16)?.parse().ok()
    };
    let own = nice_of(std::path::Path::new("/proc/thread-self")).unwrap();
    let expected = (own + 10).min(19);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let writer_nice = loop {
        let found = std::fs::read_dir("/proc/self/task")
            .unwrap()
            .flatten()
            .find(|task| {
                std::fs::read_to_string(task.path().join("comm"))
                    .is_ok_and(|comm| comm.trim() == "codex-log-write")
            })
            .and_then(|task| nice_of(&task.path()));
        match found {
            Some(nice) if nice == expected => break nice,
            _ if std::time::Instant::now() > deadline => break found.unwrap_or(i64::MIN),
            _ => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    };
    assert_eq!(writer_nice, expected);
    drop(guard);
}
