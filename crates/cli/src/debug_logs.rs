//! `codex debug logs`: reading the engine's logs from the state database.

use std::time::Duration;

use codex_config::find_codex_home;
use codex_state::logs::{LogQuery, LogRow, levels_at_least, query_logs};
use codex_state::{STATE_DB_FILENAME, open_connection};

/// Prints stored log lines, oldest first; with `follow`, keeps printing new ones.
pub fn run_logs(
    thread: Option<String>,
    level: Option<String>,
    limit: usize,
    follow: bool,
) -> anyhow::Result<()> {
    if let Some(level) = &level
        && levels_at_least(level).is_none()
    {
        anyhow::bail!("--level {level}: expected one of trace, debug, info, warn, error");
    }
    let codex_home = find_codex_home()?;
    let conn = open_connection(&codex_home.join(STATE_DB_FILENAME))?;
    let mut query = LogQuery {
        thread_id: thread,
        min_level: level,
        after_id: None,
        limit: Some(limit),
    };
    loop {
        let rows = query_logs(&conn, &query)?;
        for row in &rows {
            println!("{}", format_row(row));
        }
        if !follow {
            return Ok(());
        }
        if let Some(last) = rows.last() {
            query.after_id = Some(last.id);
        }
        // Everything new from now on, not just the newest `limit`.
        query.limit = None;
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn format_row(row: &LogRow) -> String {
    let e = &row.entry;
    let ts = chrono::DateTime::from_timestamp(e.ts, e.ts_nanos as u32)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| e.ts.to_string());
    format!(
        "{ts} {:<5} {} {}: {}",
        e.level,
        e.thread_id.as_deref().unwrap_or("-"),
        e.target,
        e.message
    )
}
