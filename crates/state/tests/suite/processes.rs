//! Two processes writing the same database at once.

use std::process::Command;

use codex_state::logs::{LogCaps, insert_logs};
use codex_state::open_connection;

use super::caps::entry;

const CHILD_ENV: &str = "CODEX_STATE_TEST_CHILD_DB";

#[test]
fn concurrent_writers_from_two_processes() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        // Child: many small transactions, as a busy log writer would make.
        let process = format!("proc-{}", std::process::id());
        let mut conn = open_connection(std::path::Path::new(&path)).unwrap();
        for n in 0..300 {
            let rows: Vec<_> = (0..5)
                .map(|i| entry(n * 5 + i, None, &process, 80))
                .collect();
            insert_logs(&mut conn, &rows, LogCaps::default()).unwrap();
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    // Created (and migrated) by both children at once, too.
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "suite::processes::concurrent_writers_from_two_processes",
                    "--nocapture",
                ])
                .env(CHILD_ENV, &path)
                .output()
                .unwrap()
        })
        .collect();
    // Spawned sequentially above; run them truly concurrently as well.
    let concurrent: Vec<_> = (0..2)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "suite::processes::concurrent_writers_from_two_processes",
                    "--nocapture",
                ])
                .env(CHILD_ENV, &path)
                .spawn()
                .unwrap()
        })
        .collect();
    let mut outputs = children;
    for child in concurrent {
        outputs.push(child.wait_with_output().unwrap());
    }
    for output in &outputs {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(!stderr.contains("database is locked"), "{stderr}");
    }
    let conn = open_connection(&path).unwrap();
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM logs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 4 * 300 * 5);
}
