//! `history.jsonl` with 1,000,000 entries: how long counting (done at every
//! session start, in full or from the previous count) and looking up entries
//! (a forward scan, or through the sparse index of a known count) take.
//!
//! Run with `cargo bench -p codex-core --bench history_file`.

use std::io::Write;
use std::time::{Duration, Instant};

use codex_core::message_history::{append_entry, count_entries, history_path, lookup};

const ENTRIES: usize = 1_000_000;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let home = tempfile::tempdir()?;
    let path = history_path(home.path());
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for i in 0..ENTRIES {
        writeln!(
            out,
            r#"{{"session_id":"019a0000-0000-7000-8000-{:012}","ts":{},"text":"prompt number {i} asking to fix something in the code"}}"#,
            i % 1000,
            1_800_000_000 + i
        )?;
    }
    out.flush()?;
    drop(out);
    let size = std::fs::metadata(&path)?.len();
    println!(
        "history.jsonl: {ENTRIES} entries, {} MiB (median of 5 runs, warm cache)",
        size >> 20
    );

    let count = count_entries(home.path(), None);
    assert_eq!(count.entries, ENTRIES);
    let log_id = count.log_id;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "count, full                         {:>8.3} ms",
        ms(time(5, || count_entries(home.path(), None)))
    );
    let id = codex_protocol::ThreadId::new();
    append_entry(
        home.path(),
        codex_config::HistoryPersistence::SaveAll,
        None,
        &id,
        "one more",
    )?;
    let d = time(5, || count_entries(home.path(), Some(count.clone())));
    assert_eq!(
        count_entries(home.path(), Some(count.clone())).entries,
        ENTRIES + 1
    );
    println!("count, from previous (1 appended)   {:>8.3} ms", ms(d));
    for (label, offset) in [
        ("first entry", 0),
        ("middle entry", ENTRIES / 2),
        ("newest entry", ENTRIES - 1),
        ("appended since", ENTRIES),
    ] {
        for (how, known) in [("forwards", None), ("indexed", Some(&count))] {
            let d = time(5, || lookup(home.path(), log_id, offset, known));
            let entry = lookup(home.path(), log_id, offset, known).ok_or("missing entry")?;
            let expected = match offset {
                ENTRIES => "one more".to_string(),
                _ => format!("number {offset} "),
            };
            assert!(entry.text.contains(&expected));
            println!("lookup {label:<13} {how:<17} {:>8.3} ms", ms(d));
        }
    }
    Ok(())
}
