//! Applies a 1,000-chunk patch to a 100,000-line file and prints the time of
//! each phase (parse, plan = read + match + diff, commit = write + rename),
//! then the wall time of the whole `apply_patch` program doing the same, and
//! of the reference's when `REFERENCE_APPLY_PATCH` names its program (its
//! `codex` binary under the name `apply_patch`, e.g. a symlink), the two
//! taking turns so that a slower minute of a shared machine slows both, and
//! the ratio of their medians. `OUR_APPLY_PATCH` measures another program of
//! ours instead of this crate's: the release `codex` linked as `apply_patch`,
//! which is how the model's commands reach it. The patch goes on stdin: at
//! 387 KiB it is longer than one argument may be.
//!
//! Run with `cargo bench -p codex-apply-patch --bench apply_large`.

use std::path::Path;
use std::time::{Duration, Instant};

use codex_apply_patch::{parse_patch, plan_patch};

const LINES: usize = 100_000;
const CHUNKS: usize = 1_000;
const RUNS: usize = 10;
/// Whole processes are noisier than phases: more runs, odd for a median.
const PROCESS_RUNS: usize = 21;

fn original() -> String {
    let mut text = String::with_capacity(LINES * 40);
    for i in 0..LINES {
        text.push_str(&format!(
            "line {i:06}: let value_{i} = compute({});\n",
            i * 7
        ));
    }
    text
}

fn patch() -> String {
    let stride = LINES / CHUNKS;
    let mut text = String::from("*** Begin Patch\n*** Update File: big.rs\n");
    for k in 0..CHUNKS {
        let target = k * stride + stride / 2;
        text.push_str("@@\n");
        for i in target - 3..target {
            text.push_str(&format!(
                " line {i:06}: let value_{i} = compute({});\n",
                i * 7
            ));
        }
        text.push_str(&format!(
            "-line {target:06}: let value_{target} = compute({});\n",
            target * 7
        ));
        text.push_str(&format!(
            "+line {target:06}: let value_{target} = compute_fast({target});\n"
        ));
        for i in target + 1..target + 4 {
            text.push_str(&format!(
                " line {i:06}: let value_{i} = compute({});\n",
                i * 7
            ));
        }
    }
    text.push_str("*** End Patch\n");
    text
}

/// Prints the samples' spread and returns their median.
fn stats(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = samples[samples.len() / 2];
    println!(
        "{name:<8} min {:>8.2} ms   median {:>8.2} ms   max {:>8.2} ms",
        ms(samples[0]),
        ms(median),
        ms(samples[samples.len() - 1])
    );
    median
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("big.rs");
    let original = original();
    let patch_text = patch();
    println!(
        "apply_patch: {CHUNKS} chunks ({} KiB patch) on a {LINES}-line file ({} KiB), {RUNS} runs",
        patch_text.len() / 1024,
        original.len() / 1024
    );

    let (mut parse, mut plan, mut commit, mut total) = (vec![], vec![], vec![], vec![]);
    for _ in 0..RUNS {
        std::fs::write(&file, &original)?;
        let start = Instant::now();
        let parsed = parse_patch(&patch_text)?;
        let parsed_at = Instant::now();
        let planned = plan_patch(&parsed, dir.path())?;
        let planned_at = Instant::now();
        planned.commit()?;
        let done = Instant::now();
        parse.push(parsed_at - start);
        plan.push(planned_at - parsed_at);
        commit.push(done - planned_at);
        total.push(done - start);
        check(&file)?;
    }
    for (name, samples) in [
        ("parse", parse),
        ("plan", plan),
        ("commit", commit),
        ("total", total),
    ] {
        stats(name, samples);
    }

    let ours = std::env::var_os("OUR_APPLY_PATCH").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_BIN_EXE_apply_patch")),
        std::path::PathBuf::from,
    );
    let reference = std::env::var_os("REFERENCE_APPLY_PATCH").map(std::path::PathBuf::from);
    let (mut our_runs, mut reference_runs) = (vec![], vec![]);
    for _ in 0..PROCESS_RUNS {
        our_runs.push(whole_process(&ours, &file, &original, &patch_text)?);
        if let Some(reference) = &reference {
            reference_runs.push(whole_process(reference, &file, &original, &patch_text)?);
        }
    }
    let ours = stats("process", our_runs);
    if reference.is_some() {
        let theirs = stats("ref proc", reference_runs);
        println!(
            "ratio    the reference's median is {:.1}x ours",
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
    Ok(())
}

/// Wall time of one `program < patch` in the file's directory.
fn whole_process(
    program: &Path,
    file: &Path,
    original: &str,
    patch_text: &str,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let dir = file.parent().ok_or("the file has a directory")?;
    std::fs::write(file, original)?;
    let start = Instant::now();
    let mut child = std::process::Command::new(program)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("the child's stdin")?;
    std::io::Write::write_all(&mut stdin, patch_text.as_bytes())?;
    drop(stdin);
    let status = child.wait()?;
    let elapsed = start.elapsed();
    if !status.success() {
        return Err(format!("{} failed: {status}", program.display()).into());
    }
    check(file)?;
    Ok(elapsed)
}

fn check(file: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(file)?;
    let changed = text.matches("compute_fast(").count();
    if changed != CHUNKS {
        return Err(format!("expected {CHUNKS} changed lines, found {changed}").into());
    }
    Ok(())
}
