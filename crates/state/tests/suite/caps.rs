//! Per-partition caps hold exactly, and pruning removes the oldest rows.

use codex_state::logs::{
    LogCaps, LogEntry, LogQuery, delete_logs_older_than, insert_logs, partition_bytes, query_logs,
};
use codex_state::open_connection;

pub fn entry(n: usize, thread: Option<&str>, process: &str, len: usize) -> LogEntry {
    LogEntry {
        ts: 1_800_000_000 + n as i64,
        ts_nanos: 0,
        level: "INFO".into(),
        target: "t".into(),
        message: format!("{n:06}{}", "x".repeat(len.saturating_sub(6))),
        module_path: None,
        file: None,
        line: None,
        thread_id: thread.map(str::to_string),
        process_uuid: Some(process.into()),
    }
}

fn messages(conn: &rusqlite::Connection, thread: Option<&str>) -> Vec<String> {
    query_logs(
        conn,
        &LogQuery {
            thread_id: thread.map(str::to_string),
            ..Default::default()
        },
    )
    .unwrap()
    .into_iter()
    .filter(|r| r.entry.thread_id.as_deref() == thread)
    .map(|r| r.entry.message[..6].to_string())
    .collect()
}

#[test]
fn each_cap_holds_exactly_and_oldest_go_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open_connection(&dir.path().join("state.sqlite")).unwrap();
    // Each row counts its message plus level and target: 100 + 4 + 1 bytes.
    let caps = LogCaps {
        per_thread_bytes: 1_050,
        per_process_bytes: 525,
    };
    let mut n = 0;
    for _batch in 0..20 {
        let mut rows = Vec::new();
        for _ in 0..3 {
            rows.push(entry(n, Some("thread-a"), "proc-1", 100));
            rows.push(entry(n, Some("thread-b"), "proc-1", 100));
            rows.push(entry(n, None, "proc-1", 100));
            rows.push(entry(n, None, "proc-2", 100));
            n += 1;
        }
        insert_logs(&mut conn, &rows, caps).unwrap();
        for key in ["t:thread-a", "t:thread-b"] {
            assert!(partition_bytes(&conn, key).unwrap() <= 1_050, "{key}");
        }
        for key in ["p:proc-1", "p:proc-2"] {
            assert!(partition_bytes(&conn, key).unwrap() <= 525, "{key}");
        }
    }
    // Exactly the newest rows that fit remain: 10 per thread, 5 per process.
    assert_eq!(partition_bytes(&conn, "t:thread-a").unwrap(), 1_050);
    assert_eq!(partition_bytes(&conn, "p:proc-2").unwrap(), 525);
    let kept: Vec<String> = (50..60).map(|i| format!("{i:06}")).collect();
    assert_eq!(messages(&conn, Some("thread-a")), kept);
    let threadless: Vec<String> = messages(&conn, None);
    assert_eq!(threadless.len(), 10);
    assert_eq!(threadless[0], "000055");
    // The running totals agree with the rows.
    let stored: i64 = conn
        .query_row(
            "SELECT bytes FROM log_partitions WHERE key = 't:thread-b'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, partition_bytes(&conn, "t:thread-b").unwrap());
}

#[test]
fn a_thread_and_a_threadless_process_are_capped_independently() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open_connection(&dir.path().join("state.sqlite")).unwrap();
    let caps = LogCaps {
        per_thread_bytes: 10_000,
        per_process_bytes: 10_000,
    };
    // The same process writes both kinds of rows; only the thread overflows.
    for n in 0..200 {
        insert_logs(&mut conn, &[entry(n, Some("busy"), "proc", 995)], caps).unwrap();
    }
    insert_logs(&mut conn, &[entry(999, None, "proc", 995)], caps).unwrap();
    assert_eq!(partition_bytes(&conn, "t:busy").unwrap(), 10_000);
    assert_eq!(partition_bytes(&conn, "p:proc").unwrap(), 1_000);
}

#[test]
fn retention_deletes_old_rows_and_fixes_the_totals() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open_connection(&dir.path().join("state.sqlite")).unwrap();
    let rows: Vec<LogEntry> = (0..10).map(|n| entry(n, Some("t"), "p", 50)).collect();
    insert_logs(&mut conn, &rows, LogCaps::default()).unwrap();
    let deleted = delete_logs_older_than(&mut conn, 1_800_000_005).unwrap();
    assert_eq!(deleted, 5);
    assert_eq!(partition_bytes(&conn, "t:t").unwrap(), 5 * 55);
    let stored: i64 = conn
        .query_row(
            "SELECT bytes FROM log_partitions WHERE key = 't:t'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 5 * 55);
}

#[test]
fn the_database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut conn = open_connection(&path).unwrap();
    insert_logs(&mut conn, &[entry(1, None, "p", 10)], LogCaps::default()).unwrap();
    for file in ["state.sqlite", "state.sqlite-wal"] {
        let mode = std::fs::metadata(dir.path().join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
}

#[test]
fn the_write_ahead_log_stays_bounded_across_checkpoints() {
    use codex_state::logs::{checkpoint, disable_auto_checkpoint};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    let mut conn = open_connection(&path).unwrap();
    disable_auto_checkpoint(&conn).unwrap();
    let wal = dir.path().join("state.sqlite-wal");
    let mut largest = 0;
    // About 24 MiB of rows, a checkpoint every 64 batches as the log writer
    // does: without the limit the log keeps its high-water size.
    for round in 0..6 {
        for batch in 0..64 {
            let rows: Vec<_> = (0..16)
                .map(|i| entry(round * 10_000 + batch * 16 + i, None, "p", 4000))
                .collect();
            insert_logs(
                &mut conn,
                &rows,
                LogCaps {
                    per_thread_bytes: 1 << 30,
                    per_process_bytes: 1 << 30,
                },
            )
            .unwrap();
        }
        largest = largest.max(std::fs::metadata(&wal).unwrap().len());
        checkpoint(&conn).unwrap();
    }
    insert_logs(&mut conn, &[entry(1, None, "p", 10)], LogCaps::default()).unwrap();
    let after = std::fs::metadata(&wal).unwrap().len();
    assert!(
        largest > codex_state::WAL_SIZE_LIMIT as u64,
        "the test wrote too little: {largest}"
    );
    assert!(
        after <= codex_state::WAL_SIZE_LIMIT as u64,
        "the log kept {after} bytes after a checkpoint (largest {largest})"
    );
}
