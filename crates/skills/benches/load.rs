//! The skills walk alone: `SkillsManager::load` (roots, walk, parse,
//! render) with no skills and with 500 skills in 50 folders, and the check
//! a turn makes when nothing changed. The engine's start-up cost of skills
//! is at most the difference of the two loads (it runs beside the rest of
//! the start-up); `codex-core`'s `skills_start` bench measures that whole.
//!
//! Run with `cargo bench -p codex-skills --bench load`
//! (`SKILLS_LOAD_RUNS`, default 200 per mode).

use std::path::Path;
use std::time::{Duration, Instant};

use codex_skills::{SkillsManager, SkillsSettings};

fn settings(codex_home: &Path, cache: bool) -> SkillsSettings {
    SkillsSettings {
        codex_home: codex_home.to_path_buf(),
        home: None,
        include_instructions: true,
        max_context_tokens: codex_skills::settings::DEFAULT_MAX_CONTEXT_TOKENS,
        bundled: true,
        disabled_paths: Vec::new(),
        disabled_names: Vec::new(),
        plugins: Vec::new(),
        cache_file: cache.then(|| codex_home.join("cache/skills.bin")),
    }
}

/// The process's CPU time (every thread: a long check runs half on a
/// thread of its own): on a machine shared with other work, what the walk
/// costs apart from waiting for a core.
fn process_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a
    // constant the kernel knows.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn percentile(samples: &mut [Duration], p: usize) -> f64 {
    samples.sort();
    samples[(samples.len() - 1) * p / 100].as_secs_f64() * 1e3
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::var("SKILLS_LOAD_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let empty = tempfile::tempdir()?;
    let full = tempfile::tempdir()?;
    for folder in 0..50 {
        for skill in 0..10 {
            let dir = full.path().join(format!(
                "skills/group-{folder:02}/skill-{folder:02}-{skill}"
            ));
            std::fs::create_dir_all(&dir)?;
            std::fs::write(
                dir.join("SKILL.md"),
                format!(
                    "---\nname: skill-{folder:02}-{skill}\ndescription: Use this skill when the task touches area {folder} and step {skill}; it explains the workflow.\n---\n\n# Skill\n\nSteps and notes for the task, several lines long.\n"
                ),
            )?;
        }
    }
    let cwd = tempfile::tempdir()?;
    let mut none = Vec::new();
    let mut many = Vec::new();
    let mut cached = Vec::new();
    let mut checks = Vec::new();
    let mut none_cpu = Vec::new();
    let mut many_cpu = Vec::new();
    let mut cached_cpu = Vec::new();
    for _ in 0..runs {
        let (start, cpu) = (Instant::now(), process_cpu());
        let _ = SkillsManager::load(settings(empty.path(), true), cwd.path());
        none.push(start.elapsed());
        none_cpu.push(process_cpu() - cpu);
        let (start, cpu) = (Instant::now(), process_cpu());
        let (mut manager, _) = SkillsManager::load(settings(full.path(), false), cwd.path());
        many.push(start.elapsed());
        many_cpu.push(process_cpu() - cpu);
        assert_eq!(manager.catalog().skills.len(), 500);
        let start = Instant::now();
        let update = manager.refresh(cwd.path(), false);
        checks.push(start.elapsed());
        assert!(!update.section_changed);
        // A start that finds the cache the previous one wrote.
        let (start, cpu) = (Instant::now(), process_cpu());
        let (manager, _) = SkillsManager::load(settings(full.path(), true), cwd.path());
        cached.push(start.elapsed());
        cached_cpu.push(process_cpu() - cpu);
        assert_eq!(manager.catalog().skills.len(), 500);
    }
    // Where a cached start's time goes (CPU): reading, parsing and
    // checking the cache, the check alone, and rendering the section.
    let roots = codex_skills::roots::skill_roots(full.path(), None, cwd.path(), true, &[]);
    let file = full.path().join("cache/skills.bin");
    let (mut load_cpu, mut check_cpu, mut render_cpu) = (Vec::new(), Vec::new(), Vec::new());
    let (mut manager, _) = SkillsManager::load(settings(full.path(), true), cwd.path());
    for _ in 0..runs {
        let cpu = process_cpu();
        let loaded = codex_skills::cache::load(&file, &roots);
        load_cpu.push(process_cpu() - cpu);
        let catalog = loaded.ok_or("the cache did not hold")?.catalog;
        let cpu = process_cpu();
        let _ = manager.refresh(cwd.path(), false);
        check_cpu.push(process_cpu() - cpu);
        let cpu = process_cpu();
        let rendered = codex_skills::render::render_skills_section(
            &catalog,
            codex_skills::settings::DEFAULT_MAX_CONTEXT_TOKENS,
        );
        render_cpu.push(process_cpu() - cpu);
        assert!(rendered.text.is_some());
    }
    // The check in two halves at once against on one thread, alternating.
    let fingerprint = codex_skills::cache::load(&file, &roots)
        .ok_or("the cache did not hold")?
        .fingerprint;
    let (mut split, mut split_cpu, mut one, mut one_cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (start, cpu) = (Instant::now(), process_cpu());
        assert!(!fingerprint.changed());
        split.push(start.elapsed());
        split_cpu.push(process_cpu() - cpu);
        let (start, cpu) = (Instant::now(), process_cpu());
        assert!(!fingerprint.changed_on_one_thread());
        one.push(start.elapsed());
        one_cpu.push(process_cpu() - cpu);
    }
    println!("SkillsManager::load, {runs} runs each (wall, then the process's CPU time):");
    for (name, samples) in [
        ("no skills                ", &mut none),
        ("500 in 50 folders, walked", &mut many),
        ("500 in 50 folders, cached", &mut cached),
        ("no skills, CPU           ", &mut none_cpu),
        ("500 walked, CPU          ", &mut many_cpu),
        ("500 cached, CPU          ", &mut cached_cpu),
    ] {
        println!(
            "  {name}: p50 {:.3} ms  p90 {:.3} ms  min {:.3} ms",
            percentile(samples, 50),
            percentile(samples, 90),
            percentile(samples, 0)
        );
    }
    for (name, samples) in [
        ("cached: read+parse+check", &mut load_cpu),
        ("cached: the check alone ", &mut check_cpu),
        ("cached: render          ", &mut render_cpu),
    ] {
        println!(
            "  {name}: CPU p50 {:.3} ms  min {:.3} ms",
            percentile(samples, 50),
            percentile(samples, 0)
        );
    }
    for (name, samples) in [
        ("check in two halves, wall ", &mut split),
        ("check on one thread, wall ", &mut one),
        ("check in two halves, CPU  ", &mut split_cpu),
        ("check on one thread, CPU  ", &mut one_cpu),
    ] {
        println!(
            "  {name}: p50 {:.3} ms  min {:.3} ms",
            percentile(samples, 50),
            percentile(samples, 0)
        );
    }
    println!(
        "  unchanged check before a turn (500 skills): p50 {:.3} ms  p90 {:.3} ms  min {:.3} ms",
        percentile(&mut checks, 50),
        percentile(&mut checks, 90),
        percentile(&mut checks, 0)
    );
    Ok(())
}
