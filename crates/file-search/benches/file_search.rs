//! `@` file search on a generated tree of 100,000 files: the time from the
//! first query to the first results (the walk streams them) and to the
//! complete ones, and each keystroke's update once the list is built.
//!
//! `cargo bench -p codex-file-search --bench file_search`

// A measuring program, not product code.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::mpsc;
use std::time::{Duration, Instant};

use codex_file_search::{SearchResults, SearchWorker};

fn main() {
    let dir = tempfile::tempdir().unwrap();
    for d in 0..1000 {
        let sub = dir.path().join(format!("pkg{d:03}/src/module{}", d % 7));
        std::fs::create_dir_all(&sub).unwrap();
        for f in 0..100 {
            std::fs::write(sub.join(format!("file_{f:02}_handler.rs")), "").unwrap();
        }
    }
    let (tx, rx) = mpsc::channel::<(Instant, SearchResults)>();
    let mut worker = SearchWorker::start(dir.path().to_path_buf(), 20, move |r| {
        let _ = tx.send((Instant::now(), r));
    });
    let started = Instant::now();
    let generation = worker.query("pkg5");
    let mut first = None;
    let complete = loop {
        let (at, result) = rx.recv_timeout(Duration::from_secs(60)).unwrap();
        if result.generation == generation && !result.matches.is_empty() && first.is_none() {
            first = Some(at - started);
        }
        if !result.partial {
            break at - started;
        }
    };
    let mut updates = Vec::new();
    for query in [
        "p",
        "pk",
        "pkg",
        "pkg4",
        "pkg42",
        "pkg42/",
        "pkg42/s",
        "pkg42/src",
        "hand",
        "handl",
        "handler",
        "f_07",
        "file_07_h",
    ] {
        let sent = Instant::now();
        let generation = worker.query(query);
        loop {
            let (at, result) = rx.recv_timeout(Duration::from_secs(60)).unwrap();
            if result.generation == generation {
                updates.push((at - sent).as_secs_f64() * 1000.0);
                if std::env::var_os("FS_DEBUG").is_some() {
                    eprintln!("{query}: {:.1} ms", (at - sent).as_secs_f64() * 1000.0);
                }
                break;
            }
        }
    }
    updates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("file search on 100,000 files (release build)");
    println!(
        "  first results:   {:.1} ms",
        first.unwrap().as_secs_f64() * 1000.0
    );
    println!(
        "  complete walk:   {:.1} ms",
        complete.as_secs_f64() * 1000.0
    );
    println!(
        "  keystroke update: median {:.1} ms, max {:.1} ms ({} queries)",
        updates[updates.len() / 2],
        updates[updates.len() - 1],
        updates.len()
    );
}
