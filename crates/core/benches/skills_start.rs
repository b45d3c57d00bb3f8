//! Session start and first turn with 500 skills in 50 folders, against the
//! same with none: the skills walk runs beside the rest of the start-up, so
//! the two must stay within 2 ms.
//!
//! Each run starts a thread in a runtime of its own (the same `$CODEX_HOME`
//! and workspace, the page cache warm, as on a person's machine) and times
//! what a frontend waits for: `start_thread` up to its `session_configured`,
//! then one turn against the mock model, whose first request carries the
//! skills section. A third mode loads the 500 skills but lists none
//! (`include_instructions = false`), which splits the cost into loading
//! and listing. The modes alternate so that a busy moment of the machine
//! hits all three. It also prints the walk alone (`SkillsManager::load`) and the
//! check a turn makes when nothing changed.
//!
//! Wall time and the process's CPU time (getrusage) are both printed: on a
//! shared machine the CPU difference is the one that says what skills cost.
//!
//! Run with `cargo bench -p codex-core --bench skills_start`
//! (`SKILLS_START_RUNS`, default 40 per mode).

use std::path::Path;
use std::time::{Duration, Instant};

use codex_config::{CliOverrides, load_config};
use codex_core::{ThreadManager, ThreadManagerOptions};
use codex_protocol::protocol::{EventMsg, Op};
use codex_protocol::rollout::SessionSource;
use codex_protocol::user_input::UserInput;
use codex_test_support::{MockModelServer, Turn};

const FOLDERS: usize = 50;
const PER_FOLDER: usize = 10;

/// A `$CODEX_HOME` with the mock provider, and 500 skills if `skills`;
/// `section` off sets `include_instructions = false` (skills loaded, none
/// listed in the request).
fn make_home(
    server: &MockModelServer,
    skills: bool,
    section: bool,
) -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
    let home = tempfile::tempdir()?;
    let mut config =
        codex_test_support::TestCodexHome::mock_provider_config(&server.base_url(), "responses");
    // The shell snapshot runs the machine's login shell in the background
    // of every start (this VM's profile takes about half a second): the
    // same in every mode, but noise that drowns the skills' cost.
    config.push_str("\n[features]\nshell_snapshot = false\n");
    if !section {
        config.push_str("\n[skills]\ninclude_instructions = false\n");
    }
    std::fs::write(home.path().join("config.toml"), config)?;
    if skills {
        for folder in 0..FOLDERS {
            for skill in 0..PER_FOLDER {
                let dir = home.path().join(format!(
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
    }
    Ok(home)
}

/// CPU time of the whole process so far (every thread: the runtime's, the
/// blocking pool's and the mock's, which is the same work in both modes),
/// so that a busy machine's waits do not count.
fn process_cpu() -> Duration {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct,
    // which `getrusage` overwrites.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage`.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

fn start_once(
    home: &Path,
    workspace: &Path,
) -> Result<(Duration, Duration), Box<dyn std::error::Error>> {
    let cpu = process_cpu();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let cli = CliOverrides {
        cwd: Some(workspace.to_path_buf()),
        ..Default::default()
    };
    let config = load_config(home, &cli)?;
    let manager = ThreadManager::new(
        home,
        ThreadManagerOptions::new(SessionSource::Exec, "codex_bench"),
    );
    let elapsed = runtime.block_on(async {
        let start = Instant::now();
        let thread = manager.start_thread(config, true).await?.thread;
        thread
            .submit(Op::UserInput {
                items: vec![UserInput::Text {
                    text: "hello".into(),
                }],
                final_output_json_schema: None,
            })
            .await?;
        loop {
            if let EventMsg::TaskComplete(_) = thread.next_event().await?.msg {
                break;
            }
        }
        let elapsed = start.elapsed();
        drop(thread);
        Ok::<_, Box<dyn std::error::Error>>(elapsed)
    })?;
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok((elapsed, process_cpu() - cpu))
}

fn percentile(samples: &mut [Duration], p: usize) -> f64 {
    samples.sort();
    samples[(samples.len() - 1) * p / 100].as_secs_f64() * 1e3
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::var("SKILLS_START_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let server = MockModelServer::start();
    for _ in 0..runs * 3 + 2 {
        server.push_turn(Turn::new().text("hi"));
    }
    let none = make_home(&server, false, true)?;
    let many = make_home(&server, true, true)?;
    let unlisted = make_home(&server, true, false)?;
    let workspace = tempfile::tempdir()?;
    // One untimed run of each with skills, so that all start from a warm
    // page cache (and a cache of the walk).
    start_once(unlisted.path(), workspace.path())?;
    start_once(many.path(), workspace.path())?;
    let (mut without, mut with) = (Vec::new(), Vec::new());
    let (mut without_cpu, mut with_cpu) = (Vec::new(), Vec::new());
    let (mut off, mut off_cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (wall, cpu) = start_once(none.path(), workspace.path())?;
        without.push(wall);
        without_cpu.push(cpu);
        let (wall, cpu) = start_once(unlisted.path(), workspace.path())?;
        off.push(wall);
        off_cpu.push(cpu);
        let (wall, cpu) = start_once(many.path(), workspace.path())?;
        with.push(wall);
        with_cpu.push(cpu);
    }
    let skills = FOLDERS * PER_FOLDER;
    let listed = server
        .requests()
        .last()
        .map(|r| r.body_json().to_string().matches("(file: r0/").count())
        .unwrap_or(0);
    println!(
        "session start and first turn (start_thread, one turn to task_complete), {runs} runs each:"
    );
    for (name, samples) in [
        ("no skills        ", &mut without),
        ("500 in 50 folders", &mut with),
        ("500, none listed ", &mut off),
        ("no skills, CPU   ", &mut without_cpu),
        ("500, CPU         ", &mut with_cpu),
        ("500 unlisted, CPU", &mut off_cpu),
    ] {
        println!(
            "  {name}: p50 {:.2} ms  p90 {:.2} ms  min {:.2} ms",
            percentile(samples, 50),
            percentile(samples, 90),
            percentile(samples, 0),
        );
    }
    println!(
        "  difference of medians: {:+.2} ms wall, {:+.2} ms CPU ({listed} of {skills} skills in the last request's list)",
        percentile(&mut with, 50) - percentile(&mut without, 50),
        percentile(&mut with_cpu, 50) - percentile(&mut without_cpu, 50)
    );
    println!(
        "  of which loading (500 loaded, none listed): {:+.2} ms wall, {:+.2} ms CPU; listing them in the request: {:+.2} ms wall, {:+.2} ms CPU",
        percentile(&mut off, 50) - percentile(&mut without, 50),
        percentile(&mut off_cpu, 50) - percentile(&mut without_cpu, 50),
        percentile(&mut with, 50) - percentile(&mut off, 50),
        percentile(&mut with_cpu, 50) - percentile(&mut off_cpu, 50)
    );

    // The walk alone, and a turn's check when nothing changed.
    let config = load_config(
        many.path(),
        &CliOverrides {
            cwd: Some(workspace.path().to_path_buf()),
            ..Default::default()
        },
    )?;
    let settings = codex_skills::SkillsSettings::from_config(&config);
    let mut loads = Vec::new();
    let mut checks = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let (mut manager, _) =
            codex_skills::SkillsManager::load(settings.clone(), workspace.path());
        loads.push(start.elapsed());
        let start = Instant::now();
        let update = manager.refresh(workspace.path(), false);
        checks.push(start.elapsed());
        assert!(!update.section_changed);
    }
    println!(
        "  SkillsManager::load (walk, parse, render): p50 {:.2} ms  p90 {:.2} ms",
        percentile(&mut loads, 50),
        percentile(&mut loads, 90)
    );
    println!(
        "  unchanged check before a turn: p50 {:.3} ms  p90 {:.3} ms",
        percentile(&mut checks, 50),
        percentile(&mut checks, 90)
    );
    Ok(())
}
