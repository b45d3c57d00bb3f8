//! Reproduces seed 000's measurement of log inserts with per-partition caps:
//! per-phase percentiles (tx_begin, insert_batch, precheck, prune,
//! tx_commit, total) for a normal run and a cap-hit-heavy run (10,000-byte
//! cap), on a real database file, in batches of the log writer's size.
//!
//! Run with `cargo bench -p codex-state --bench log_insert`.

use std::time::Duration;

use codex_state::log_layer::BATCH_SIZE;
use codex_state::logs::{
    CHECKPOINT_EVERY_BATCHES, InsertTimings, LogCaps, LogEntry, PARTITION_CAP_BYTES, checkpoint,
    disable_auto_checkpoint, insert_logs,
};
use codex_state::open_connection;

const BATCHES: usize = 2_000;
const THREADS: usize = 4;

/// A deterministic stream of log entries: four threads and thread-less
/// process rows, messages of 60..340 bytes.
fn batch(n: usize, seed: &mut u64) -> Vec<LogEntry> {
    (0..BATCH_SIZE)
        .map(|i| {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = 60 + (*seed >> 33) as usize % 280;
            let which = (*seed >> 20) as usize % (THREADS + 1);
            LogEntry {
                ts: 1_800_000_000 + n as i64,
                ts_nanos: i as i64,
                level: if which == 0 { "INFO" } else { "DEBUG" }.into(),
                target: "codex_core::turn".into(),
                message: "x".repeat(len),
                module_path: Some("codex_core::turn".into()),
                file: Some("crates/core/src/turn.rs".into()),
                line: Some(120),
                thread_id: (which > 0)
                    .then(|| format!("019a0000-0000-7000-8000-00000000000{which}")),
                process_uuid: Some("pid:1:bench".into()),
            }
        })
        .collect()
}

/// Runs the workload the way the log writer does (checkpoints between
/// batches, not inside them); returns insert timings and checkpoint times.
fn run(caps: LogCaps) -> Result<(Vec<InsertTimings>, Vec<Duration>), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut conn = open_connection(&dir.path().join("state.sqlite"))?;
    disable_auto_checkpoint(&conn)?;
    let mut seed = 7;
    let mut timings = Vec::with_capacity(BATCHES);
    let mut checkpoints = Vec::new();
    for n in 0..BATCHES {
        let rows = batch(n, &mut seed);
        timings.push(insert_logs(&mut conn, &rows, caps)?);
        if (n + 1) % CHECKPOINT_EVERY_BATCHES == 0 {
            let start = std::time::Instant::now();
            checkpoint(&conn)?;
            checkpoints.push(start.elapsed());
        }
    }
    Ok((timings, checkpoints))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn row(name: &str, mut values: Vec<Duration>) {
    if values.is_empty() {
        println!(
            "| {name:<28} | {:>5} | {:>7} | {:>7} | {:>7} | {:>7} | {:>7} |",
            0, "-", "-", "-", "-", "-"
        );
        return;
    }
    values.sort();
    let pick =
        |p: f64| values[((values.len() as f64 * p).ceil() as usize).clamp(1, values.len()) - 1];
    println!(
        "| {name:<28} | {:>5} | {:>7.3} | {:>7.3} | {:>7.3} | {:>7.3} | {:>7.3} |",
        values.len(),
        ms(pick(0.50)),
        ms(pick(0.90)),
        ms(pick(0.95)),
        ms(pick(0.99)),
        ms(values[values.len() - 1]),
    );
}

fn table(title: &str, timings: &[InsertTimings], checkpoints: &[Duration]) {
    println!("\n{title}");
    println!(
        "| phase (ms)                   | count |     p50 |     p90 |     p95 |     p99 |     max |"
    );
    println!(
        "|------------------------------|-------|---------|---------|---------|---------|---------|"
    );
    let column = |f: fn(&InsertTimings) -> Duration| timings.iter().map(f).collect::<Vec<_>>();
    row("insert_logs.tx_begin", column(|t| t.tx_begin));
    row("insert_logs.insert_batch", column(|t| t.insert_batch));
    row("insert_logs.precheck", column(|t| t.precheck));
    row(
        "insert_logs.prune",
        timings
            .iter()
            .filter(|t| t.cap_hit)
            .map(|t| t.prune)
            .collect(),
    );
    row("insert_logs.tx_commit", column(|t| t.tx_commit));
    row("insert_logs.total", column(|t| t.total));
    row(
        "insert_logs.total_cap_hit",
        timings
            .iter()
            .filter(|t| t.cap_hit)
            .map(|t| t.total)
            .collect(),
    );
    row(
        "insert_logs.total_no_cap_hit",
        timings
            .iter()
            .filter(|t| !t.cap_hit)
            .map(|t| t.total)
            .collect(),
    );
    row("checkpoint (between batches)", checkpoints.to_vec());
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "log inserts: {BATCHES} batches of {BATCH_SIZE} rows, {THREADS} threads + thread-less rows"
    );
    let (normal, checkpoints) = run(LogCaps {
        per_thread_bytes: PARTITION_CAP_BYTES,
        per_process_bytes: PARTITION_CAP_BYTES,
    })?;
    table("normal run (10 MiB caps)", &normal, &checkpoints);
    let (heavy, checkpoints) = run(LogCaps {
        per_thread_bytes: 10_000,
        per_process_bytes: 10_000,
    })?;
    let hits = heavy.iter().filter(|t| t.cap_hit).count();
    table(
        &format!(
            "cap-hit-heavy run (10,000-byte caps; {hits}/{} calls hit a cap)",
            heavy.len()
        ),
        &heavy,
        &checkpoints,
    );
    Ok(())
}
