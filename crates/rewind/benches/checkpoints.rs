//! What a rewind checkpoint costs per turn, and what a rewind takes, in a
//! git repository of 10,000 files where each turn changes 5 (and, outside
//! git, the content checkpoints of 5 patched files).
//!
//! `cargo bench -p codex-rewind --bench checkpoints` prints percentiles.
//! Per turn the engine takes a "before" snapshot (beside the turn's first
//! model request; tool calls wait for it), an "after" snapshot, moves the
//! thread's private ref and writes the checkpoint log three times; the
//! figures time exactly those calls. The rewind figure is one turn back:
//! a snapshot of now, the plan (with its diff) and restoring the 5 files.
// A benchmark: a failed setup step is a bug to see at once.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use codex_rewind::Checkpoints;
use codex_rewind::ghost::Repo;

const FILES: usize = 10_000;
const CHANGED: usize = 5;
const TURNS: usize = 30;

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "b")
        .env("GIT_AUTHOR_EMAIL", "b@b")
        .env("GIT_COMMITTER_NAME", "b")
        .env("GIT_COMMITTER_EMAIL", "b@b")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn file(i: usize) -> String {
    format!("dir{:03}/file{i:05}.txt", i / 100)
}

fn populate(dir: &Path) {
    for i in 0..FILES {
        let path = dir.join(file(i));
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, format!("line one of {i}\nline two\nline three\n")).expect("write");
    }
}

/// Changes the 5 files of `turn`.
fn change(dir: &Path, turn: usize) {
    for k in 0..CHANGED {
        let path = dir.join(file((turn * 97 + k * 1_009) % FILES));
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str(&format!("turn {turn}\n"));
        std::fs::write(&path, text).expect("write");
    }
}

/// CPU time (user + system) used so far by this process and the git
/// processes it started: what a checkpoint costs the machine, whatever
/// the load of other work makes of the wall-clock time. The git processes
/// a snapshot keeps running count through the kernel's scheduler figures
/// (`getrusage` counts a child only once it has been waited for).
fn cpu() -> Duration {
    let used = |who| {
        // SAFETY: getrusage only writes the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(who, &mut usage) };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        tv(usage.ru_utime) + tv(usage.ru_stime)
    };
    used(libc::RUSAGE_SELF) + used(libc::RUSAGE_CHILDREN) + running_children()
}

/// The CPU time of the children still running (`/proc/<pid>/schedstat`'s
/// first field is nanoseconds on a CPU).
fn running_children() -> Duration {
    let mut total = Duration::ZERO;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return total;
    };
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for pid in children.split_whitespace() {
            let stat =
                std::fs::read_to_string(format!("/proc/{pid}/schedstat")).unwrap_or_default();
            if let Some(ns) = stat.split_whitespace().next().and_then(|n| n.parse().ok()) {
                total += Duration::from_nanos(ns);
            }
        }
    }
    total
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<44} p50 {:7.2} ms  p90 {:7.2} ms  max {:7.2} ms  (n={})",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(1.0)),
        samples.len()
    );
}

fn main() {
    let work = tempfile::tempdir().expect("tempdir");
    let repo_dir = work.path().join("repo");
    let home = work.path().join("home");
    std::fs::create_dir_all(&repo_dir).expect("mkdir");
    populate(&repo_dir);
    git(&repo_dir, &["init", "-q", "-b", "main"]);
    git(&repo_dir, &["add", "-A"]);
    git(&repo_dir, &["-c", "gc.auto=0", "commit", "-qm", "base"]);
    // Packed, as a repository that has lived a while (and no automatic
    // gc running in the background of the measurements).
    git(&repo_dir, &["repack", "-adq"]);
    let thread_ref = codex_rewind::thread_ref("bench");
    let mut checkpoints = Checkpoints::open(Some(&home), "bench");

    // A session's first snapshot: its private index made from the user's,
    // the tree watched, the whole tree walked (beside the first request).
    let (mut first_wall, mut first_cpu) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let fresh = Repo::at(repo_dir.clone(), repo_dir.join(".git"));
        let cpu_started = cpu();
        let started = Instant::now();
        fresh.snapshot().expect("snapshot");
        first_wall.push(started.elapsed());
        first_cpu.push(cpu() - cpu_started);
    }
    let repo = Repo::at(repo_dir.clone(), repo_dir.join(".git"));
    repo.snapshot().expect("snapshot");

    let (mut before_only, mut per_turn, mut rewinds) = (Vec::new(), Vec::new(), Vec::new());
    let (mut per_turn_cpu, mut rewind_cpu) = (Vec::new(), Vec::new());
    let (mut after_cpu, mut keep_cpu, mut after_wall) = (Vec::new(), Vec::new(), Vec::new());
    for turn in 0..TURNS {
        let cpu_started = cpu();
        let started = Instant::now();
        checkpoints.begin_unsaved(turn, "2026-01-01T00:00:00Z".into());
        let parent = checkpoints.last_git_commit().map(str::to_string);
        let before = repo.snapshot_after(parent.as_deref()).expect("before");
        checkpoints.set_git_before(&before).expect("log");
        before_only.push(started.elapsed());
        let mut spent = started.elapsed();

        let mut cpu_spent = cpu() - cpu_started;
        change(&repo_dir, turn);

        let cpu_started = cpu();
        let started = Instant::now();
        let after = repo.snapshot_after(Some(&before.commit)).expect("after");
        after_wall.push(started.elapsed());
        after_cpu.push(cpu() - cpu_started);
        let keep_started = cpu();
        repo.keep(&thread_ref, &after.commit).expect("ref");
        keep_cpu.push(cpu() - keep_started);
        checkpoints.set_git_after(&after).expect("log");
        spent += started.elapsed();
        cpu_spent += cpu() - cpu_started;
        per_turn.push(spent);
        per_turn_cpu.push(cpu_spent);

        // Every third turn: rewind it (one turn back), then redo it.
        if turn % 3 == 2 {
            let cpu_started = cpu();
            let started = Instant::now();
            let now = repo.snapshot().expect("now");
            let plan =
                codex_rewind::restore::git_plan(&repo, checkpoints.from(turn), &now.commit, &[])
                    .expect("plan");
            let (restored, _) =
                codex_rewind::restore::apply(&plan, Some(&repo), &checkpoints).expect("apply");
            rewinds.push(started.elapsed());
            rewind_cpu.push(cpu() - cpu_started);
            assert_eq!(restored, CHANGED);
            checkpoints.forget_from(turn);
            change(&repo_dir, turn);
            checkpoints
                .begin(turn, "2026-01-01T00:00:00Z".into())
                .expect("begin");
            let redo_before = repo.snapshot_after(Some(&after.commit)).expect("snapshot");
            checkpoints.set_git_before(&redo_before).expect("log");
            checkpoints.set_git_after(&redo_before).expect("log");
        }
    }
    // What any git process costs here (start-up, no work): the unit the
    // figures above are made of.
    let mut spawn_cpu = Vec::new();
    for _ in 0..TURNS {
        let cpu_started = cpu();
        let out = Command::new("git")
            .arg("version")
            .output()
            .expect("git runs");
        assert!(out.status.success());
        spawn_cpu.push(cpu() - cpu_started);
    }
    // Turns that change no file (questions, reviews).
    let mut idle_cpu = Vec::new();
    for turn in TURNS..TURNS + 10 {
        let cpu_started = cpu();
        checkpoints.begin_unsaved(turn, "2026-01-01T00:00:00Z".into());
        let parent = checkpoints.last_git_commit().map(str::to_string);
        let before = repo.snapshot_after(parent.as_deref()).expect("before");
        checkpoints.set_git_before(&before).expect("log");
        let after = repo.snapshot_after(Some(&before.commit)).expect("after");
        repo.keep(&thread_ref, &after.commit).expect("ref");
        checkpoints.set_git_after(&after).expect("log");
        idle_cpu.push(cpu() - cpu_started);
    }
    // Turns that edit the same 5 files as an earlier one (an agent going
    // back to the files it works on): git is not asked about ignore rules.
    let mut again_cpu = Vec::new();
    for turn in TURNS + 10..TURNS + 20 {
        let cpu_started = cpu();
        checkpoints.begin_unsaved(turn, "2026-01-01T00:00:00Z".into());
        let parent = checkpoints.last_git_commit().map(str::to_string);
        let before = repo.snapshot_after(parent.as_deref()).expect("before");
        checkpoints.set_git_before(&before).expect("log");
        let mut cpu_spent = cpu() - cpu_started;
        change(&repo_dir, 0);
        let cpu_started = cpu();
        let after = repo.snapshot_after(Some(&before.commit)).expect("after");
        repo.keep(&thread_ref, &after.commit).expect("ref");
        checkpoints.set_git_after(&after).expect("log");
        cpu_spent += cpu() - cpu_started;
        again_cpu.push(cpu_spent);
    }
    println!("git repository of {FILES} files, {CHANGED} changed per turn:");
    report("a session's first snapshot", first_wall);
    report("  the same, CPU time (codex + git)", first_cpu);
    report("checkpoint per turn (before + after + ref)", per_turn);
    report("  the same, CPU time (codex + git)", per_turn_cpu);
    report("  of which the before snapshot (wall)", before_only);
    report("  of which the after snapshot (wall)", after_wall);
    report("  of which the after snapshot (CPU)", after_cpu);
    report("  of which moving the ref (CPU)", keep_cpu);
    report("  (one `git version`, CPU)", spawn_cpu);
    report("a turn that changes no file, CPU time", idle_cpu);
    report("a turn that edits 5 files edited before, CPU", again_cpu);
    report("rewind one turn back (5 files)", rewinds);
    report("  the same, CPU time (codex + git)", rewind_cpu);

    // Outside git: the content checkpoints of 5 patched files.
    let plain = work.path().join("plain");
    std::fs::create_dir_all(&plain).expect("mkdir");
    let paths: Vec<_> = (0..CHANGED)
        .map(|k| plain.join(format!("f{k}.txt")))
        .collect();
    for path in &paths {
        std::fs::write(path, "x\n".repeat(2_000)).expect("write");
    }
    let mut files = Checkpoints::open(Some(&home), "bench-plain");
    let mut samples = Vec::new();
    for turn in 0..TURNS {
        let started = Instant::now();
        files.begin(turn, String::new()).expect("begin");
        // As one patch of 5 files: recorded before, written, recorded after.
        files.record_before(&paths).expect("before");
        for path in &paths {
            std::fs::write(path, format!("turn {turn}\n").repeat(2_000)).expect("write");
        }
        files.record_after(&paths).expect("after");
        samples.push(started.elapsed());
    }
    println!("outside git, 5 patched files of 16 KB:");
    report("checkpoint per turn (incl. the writes)", samples);
}
