//! The memories pipeline's job invariants (seed 001): the idle and age
//! boundaries, selection in SQL, the 64-running cap under concurrent
//! claimers (threads and processes), stale-lease takeover, the phase-2
//! singleton, heartbeats, and owners that lost their lease; phase 2 runs
//! only on new inputs; pruning and exclusion.

use std::path::{Path, PathBuf};
use std::process::Command;

use codex_state::memories::{
    MAX_RUNNING_STAGE1, Stage1Claim, Stage1Outcome, claim_stage1_jobs, claim_stage2,
    clear_memories, exclude_thread, finish_stage1, finish_stage2, heartbeat_stage2, memory_jobs,
    prune_stage1_outputs, stage1_outputs,
};
use codex_state::threads::upsert_thread;
use codex_state::{ThreadRow, open_connection};

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;
const NOW: i64 = 1_900_000_000;
const IDLE: i64 = 12 * HOUR;
const AGE: i64 = 30 * DAY;
const LEASE: i64 = HOUR;

fn db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    (dir, path)
}

fn thread(id: &str, updated_at: i64) -> ThreadRow {
    ThreadRow {
        id: id.to_string(),
        rollout_path: PathBuf::from(format!("/sessions/{id}.jsonl")),
        created_at: updated_at - 60,
        updated_at,
        source: "exec".into(),
        model_provider: "openai".into(),
        model: None,
        cwd: PathBuf::from("/repo"),
        title: String::new(),
        sandbox_policy: String::new(),
        approval_mode: String::new(),
        tokens_used: 0,
        archived: false,
        git_branch: None,
        git_sha: None,
        git_origin_url: None,
    }
}

fn claim<'a>(owner: &'a str, now: i64, max_claims: i64) -> Stage1Claim<'a> {
    Stage1Claim {
        now,
        max_age_secs: AGE,
        min_idle_secs: IDLE,
        max_claims,
        lease_secs: LEASE,
        owner,
    }
}

fn ids(claimed: &[codex_state::memories::ClaimedThread]) -> Vec<String> {
    claimed.iter().map(|c| c.thread_id.clone()).collect()
}

fn running(path: &Path, now: i64) -> usize {
    let conn = open_connection(path).unwrap();
    memory_jobs(&conn)
        .unwrap()
        .iter()
        .filter(|j| {
            j.kind == "memory_stage1"
                && j.status == "running"
                && j.lease_until.is_some_and(|l| l >= now)
        })
        .count()
}

/// Extracts one thread (`id`, updated at `updated_at`) to an output.
fn output_for(conn: &mut rusqlite::Connection, id: &str, updated_at: i64, now: i64) {
    upsert_thread(conn, &thread(id, updated_at)).unwrap();
    let claimed = claim_stage1_jobs(conn, &claim("extractor", now, 16)).unwrap();
    assert!(ids(&claimed).contains(&id.to_string()), "{claimed:?}");
    let done = Stage1Outcome::Succeeded {
        rollout_summary: format!("summary of {id}"),
        raw_memory: format!("memory of {id}"),
    };
    for thread in claimed {
        assert!(finish_stage1(conn, &thread.thread_id, "extractor", now, &done).unwrap());
    }
}

#[test]
fn the_idle_and_age_boundaries_are_exact() {
    let (_dir, path) = db();
    let mut conn = open_connection(&path).unwrap();
    for (id, updated) in [
        ("idle-exactly", NOW - IDLE),
        ("idle-one-second-short", NOW - IDLE + 1),
        ("age-exactly", NOW - AGE),
        ("age-one-second-over", NOW - AGE - 1),
        ("in-between", NOW - 3 * DAY),
    ] {
        upsert_thread(&conn, &thread(id, updated)).unwrap();
    }
    let claimed = claim_stage1_jobs(&mut conn, &claim("a", NOW, 16)).unwrap();
    assert_eq!(ids(&claimed), ["idle-exactly", "in-between", "age-exactly"]);
}

#[test]
fn recent_threads_cannot_starve_eligible_ones() {
    // 5,000 threads still in use and a few idle ones: the filter is in the
    // selection, so a claim limit far below 5,000 still finds the idle ones.
    let (_dir, path) = db();
    let mut conn = open_connection(&path).unwrap();
    let tx = conn.transaction().unwrap();
    for i in 0..5000 {
        upsert_thread(&tx, &thread(&format!("busy-{i:04}"), NOW - 60 - i)).unwrap();
    }
    for i in 0..3 {
        upsert_thread(&tx, &thread(&format!("idle-{i}"), NOW - 2 * DAY - i)).unwrap();
    }
    tx.commit().unwrap();
    let claimed = claim_stage1_jobs(&mut conn, &claim("a", NOW, 16)).unwrap();
    assert_eq!(ids(&claimed), ["idle-0", "idle-1", "idle-2"]);
}

#[test]
fn claimed_jobs_wait_for_a_stale_lease_or_a_retry_and_lost_owners_write_nothing() {
    let (_dir, path) = db();
    let mut conn = open_connection(&path).unwrap();
    upsert_thread(&conn, &thread("t1", NOW - DAY)).unwrap();
    assert_eq!(
        claim_stage1_jobs(&mut conn, &claim("a", NOW, 16))
            .unwrap()
            .len(),
        1
    );
    // Running with a fresh lease: nobody else gets it.
    assert!(
        claim_stage1_jobs(&mut conn, &claim("b", NOW + LEASE, 16))
            .unwrap()
            .is_empty()
    );
    // Its owner died; the lease is stale one second later: taken over.
    let taken = claim_stage1_jobs(&mut conn, &claim("b", NOW + LEASE + 1, 16)).unwrap();
    assert_eq!(ids(&taken), ["t1"]);
    // The old owner comes back: its result is refused.
    let outcome = Stage1Outcome::Succeeded {
        rollout_summary: "old".into(),
        raw_memory: "old".into(),
    };
    assert!(!finish_stage1(&mut conn, "t1", "a", NOW + LEASE + 2, &outcome).unwrap());
    assert!(stage1_outputs(&conn, 10).unwrap().is_empty());
    // The new owner fails: retried only after the delay.
    let failed = Stage1Outcome::Failed {
        error: "the model timed out".into(),
        retry_after_secs: HOUR,
    };
    let t = NOW + LEASE + 3;
    assert!(finish_stage1(&mut conn, "t1", "b", t, &failed).unwrap());
    assert!(
        claim_stage1_jobs(&mut conn, &claim("c", t + HOUR - 1, 16))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        claim_stage1_jobs(&mut conn, &claim("c", t + HOUR, 16))
            .unwrap()
            .len(),
        1
    );
    let done = Stage1Outcome::Succeeded {
        rollout_summary: "fixed the parser".into(),
        raw_memory: "the user prefers small commits".into(),
    };
    assert!(finish_stage1(&mut conn, "t1", "c", t + HOUR + 5, &done).unwrap());
    let outputs = stage1_outputs(&conn, 10).unwrap();
    assert_eq!(outputs.len(), 1);
    assert_eq!(outputs[0].raw_memory, "the user prefers small commits");
    assert_eq!(outputs[0].source_updated_at, NOW - DAY);
    // Done for this version of the thread; a newer version is a new job.
    assert!(
        claim_stage1_jobs(&mut conn, &claim("d", t + DAY, 16))
            .unwrap()
            .is_empty()
    );
    upsert_thread(&conn, &thread("t1", t)).unwrap();
    assert_eq!(
        claim_stage1_jobs(&mut conn, &claim("d", t + DAY, 16))
            .unwrap()
            .len(),
        1
    );

    let jobs = memory_jobs(&conn).unwrap();
    assert_eq!(jobs[0].attempts, 4);
    clear_memories(&mut conn).unwrap();
    assert!(memory_jobs(&conn).unwrap().is_empty());
    assert!(stage1_outputs(&conn, 10).unwrap().is_empty());
}

fn eligible_threads(path: &Path, count: usize) {
    let mut conn = open_connection(path).unwrap();
    let tx = conn.transaction().unwrap();
    for i in 0..count {
        upsert_thread(&tx, &thread(&format!("t{i:04}"), NOW - DAY - i as i64)).unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn at_most_64_run_at_once_under_8_concurrent_claimers() {
    let (_dir, path) = db();
    eligible_threads(&path, 300);
    let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|n| {
                let path = path.clone();
                scope.spawn(move || {
                    let mut conn = open_connection(&path).unwrap();
                    let owner = format!("claimer-{n}");
                    let mut mine = Vec::new();
                    // Each asks three times for up to 16.
                    for _ in 0..3 {
                        mine.extend(ids(
                            &claim_stage1_jobs(&mut conn, &claim(&owner, NOW, 16)).unwrap()
                        ));
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all: Vec<String> = claimed.into_iter().flatten().collect();
    assert_eq!(all.len(), MAX_RUNNING_STAGE1 as usize);
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        MAX_RUNNING_STAGE1 as usize,
        "a thread was claimed twice"
    );
    assert_eq!(running(&path, NOW), 64);
    // A finished job frees a slot.
    let mut conn = open_connection(&path).unwrap();
    let owner = memory_jobs(&conn).unwrap()[0].owner.clone().unwrap();
    let job = memory_jobs(&conn).unwrap()[0].job_key.clone();
    assert!(
        finish_stage1(
            &mut conn,
            &job,
            &owner,
            NOW,
            &Stage1Outcome::SucceededNoOutput
        )
        .unwrap()
    );
    assert_eq!(
        claim_stage1_jobs(&mut conn, &claim("late", NOW, 16))
            .unwrap()
            .len(),
        1
    );
}

const CHILD_DB: &str = "CODEX_STATE_MEMORIES_CHILD_DB";
const CHILD_ROLE: &str = "CODEX_STATE_MEMORIES_CHILD_ROLE";

/// Runs this test binary's `test` as 8 child processes at once, each with
/// `role`; returns their stdouts.
fn children(test: &str, path: &Path, role: &str) -> Vec<String> {
    let spawned: Vec<_> = (0..8)
        .map(|n| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", test, "--nocapture", "--test-threads=1"])
                .env(CHILD_DB, path)
                .env(CHILD_ROLE, format!("{role}-{n}"))
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    spawned
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success());
            String::from_utf8_lossy(&output.stdout).into_owned()
        })
        .collect()
}

/// The lines a child printed as `CLAIMED <id>`.
fn claimed_lines(stdouts: &[String]) -> Vec<String> {
    stdouts
        .iter()
        .flat_map(|out| out.lines())
        // libtest's "test … ... " may precede the first line on its line.
        .filter_map(|line| line.split_once("CLAIMED ").map(|(_, id)| id.to_string()))
        .collect()
}

#[test]
fn at_most_64_run_at_once_across_8_processes() {
    const TEST: &str = "suite::memories::at_most_64_run_at_once_across_8_processes";
    if let (Ok(path), Ok(owner)) = (std::env::var(CHILD_DB), std::env::var(CHILD_ROLE)) {
        let mut conn = open_connection(Path::new(&path)).unwrap();
        for _ in 0..3 {
            for id in ids(&claim_stage1_jobs(&mut conn, &claim(&owner, NOW, 16)).unwrap()) {
                println!("CLAIMED {id}");
            }
        }
        return;
    }
    let (_dir, path) = db();
    eligible_threads(&path, 300);
    let mut all = claimed_lines(&children(TEST, &path, "process"));
    assert_eq!(all.len(), 64);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 64, "a thread was claimed twice");
    assert_eq!(running(&path, NOW), 64);
}

#[test]
fn one_consolidation_at_a_time_across_processes() {
    const TEST: &str = "suite::memories::one_consolidation_at_a_time_across_processes";
    if let (Ok(path), Ok(owner)) = (std::env::var(CHILD_DB), std::env::var(CHILD_ROLE)) {
        let mut conn = open_connection(Path::new(&path)).unwrap();
        if claim_stage2(&mut conn, &owner, NOW, LEASE)
            .unwrap()
            .is_some()
        {
            println!("CLAIMED {owner}");
        }
        return;
    }
    let (_dir, path) = db();
    output_for(&mut open_connection(&path).unwrap(), "t1", NOW - DAY, NOW);
    let winners = claimed_lines(&children(TEST, &path, "consolidator"));
    assert_eq!(winners.len(), 1, "{winners:?}");
    let winner = &winners[0];
    let mut conn = open_connection(&path).unwrap();
    // Nobody else while the lease is fresh; the winner's finish frees it.
    assert_eq!(
        claim_stage2(&mut conn, "other", NOW + LEASE, LEASE).unwrap(),
        None
    );
    assert!(!finish_stage2(&mut conn, "other", NOW + 10, Ok(1)).unwrap());
    assert!(finish_stage2(&mut conn, winner, NOW + 10, Ok(1)).unwrap());
    // Consolidated: nothing to do until the outputs change.
    assert_eq!(
        claim_stage2(&mut conn, "next", NOW + 11, LEASE).unwrap(),
        None
    );
    output_for(&mut conn, "t2", NOW - DAY, NOW + 12);
    assert_eq!(
        claim_stage2(&mut conn, "next", NOW + 13, LEASE).unwrap(),
        Some(2)
    );
}

#[test]
fn phase_two_waits_for_new_outputs_and_a_change_during_a_run_is_not_lost() {
    let (_dir, path) = db();
    let mut conn = open_connection(&path).unwrap();
    // Nothing extracted yet: nothing to consolidate.
    assert_eq!(claim_stage2(&mut conn, "a", NOW, LEASE).unwrap(), None);
    output_for(&mut conn, "t1", NOW - DAY, NOW);
    let version = claim_stage2(&mut conn, "a", NOW + 1, LEASE)
        .unwrap()
        .unwrap();
    // A thread is extracted while "a" consolidates.
    output_for(&mut conn, "t2", NOW - DAY, NOW + 2);
    assert!(finish_stage2(&mut conn, "a", NOW + 3, Ok(version)).unwrap());
    // "a" consumed the older version, so the newer output gets its run.
    let next = claim_stage2(&mut conn, "b", NOW + 4, LEASE).unwrap();
    assert_eq!(next, Some(version + 1));
    assert!(finish_stage2(&mut conn, "b", NOW + 5, Ok(version + 1)).unwrap());
    assert_eq!(claim_stage2(&mut conn, "c", NOW + 6, LEASE).unwrap(), None);
    // An extraction that finds nothing changes the inputs only if it
    // removed an output.
    upsert_thread(&conn, &thread("t1", NOW)).unwrap();
    let claimed = claim_stage1_jobs(&mut conn, &claim("x", NOW + DAY, 16)).unwrap();
    assert_eq!(ids(&claimed), ["t1"]);
    let nothing = Stage1Outcome::SucceededNoOutput;
    assert!(finish_stage1(&mut conn, "t1", "x", NOW + DAY, &nothing).unwrap());
    assert_eq!(stage1_outputs(&conn, 10).unwrap().len(), 1);
    assert!(
        claim_stage2(&mut conn, "c", NOW + DAY, LEASE)
            .unwrap()
            .is_some()
    );
}

#[test]
fn pruning_drops_outputs_not_refreshed_in_time_and_exclusion_is_for_good() {
    let (_dir, path) = db();
    let mut conn = open_connection(&path).unwrap();
    output_for(&mut conn, "old", NOW - 20 * DAY, NOW);
    output_for(&mut conn, "new", NOW - DAY, NOW);
    let version = claim_stage2(&mut conn, "a", NOW, LEASE).unwrap().unwrap();
    assert!(finish_stage2(&mut conn, "a", NOW, Ok(version)).unwrap());
    // Batches: one at a time, oldest first; the second finds nothing more.
    assert_eq!(
        prune_stage1_outputs(&mut conn, NOW - 10 * DAY, 1).unwrap(),
        1
    );
    assert_eq!(
        prune_stage1_outputs(&mut conn, NOW - 10 * DAY, 1).unwrap(),
        0
    );
    let left: Vec<String> = stage1_outputs(&conn, 10)
        .unwrap()
        .into_iter()
        .map(|o| o.thread_id)
        .collect();
    assert_eq!(left, ["new"]);
    // Pruning changed the inputs: phase 2 runs again.
    let version = claim_stage2(&mut conn, "a", NOW + 1, LEASE)
        .unwrap()
        .unwrap();
    assert!(finish_stage2(&mut conn, "a", NOW + 1, Ok(version)).unwrap());

    // An excluded thread loses its output and is never claimed, even when
    // it is used again, and even after the memories are cleared.
    exclude_thread(&mut conn, "new", "used MCP tools").unwrap();
    assert!(stage1_outputs(&conn, 10).unwrap().is_empty());
    assert!(
        claim_stage2(&mut conn, "a", NOW + 2, LEASE)
            .unwrap()
            .is_some()
    );
    upsert_thread(&conn, &thread("new", NOW)).unwrap();
    let later = NOW + 2 * DAY;
    assert!(
        claim_stage1_jobs(&mut conn, &claim("x", later, 16))
            .unwrap()
            .is_empty()
    );
    // Cleared, everything else is forgotten and extracted again.
    clear_memories(&mut conn).unwrap();
    let claimed = claim_stage1_jobs(&mut conn, &claim("x", later, 16)).unwrap();
    assert_eq!(ids(&claimed), ["old"]);
    let excluded: Vec<_> = memory_jobs(&conn)
        .unwrap()
        .into_iter()
        .filter(|j| j.status == "excluded")
        .map(|j| j.job_key)
        .collect();
    assert_eq!(excluded, ["new"]);
}

#[test]
fn heartbeats_keep_the_consolidation_lease_and_a_stale_one_is_taken_over() {
    let (_dir, path) = db();
    let mut conn = open_connection(&path).unwrap();
    output_for(&mut conn, "t1", NOW - DAY, NOW);
    assert_eq!(claim_stage2(&mut conn, "a", NOW, LEASE).unwrap(), Some(1));
    // Heartbeats every 90 s for two hours keep it.
    let mut t = NOW;
    while t < NOW + 2 * HOUR {
        t += 90;
        assert!(heartbeat_stage2(&conn, "a", t, LEASE).unwrap());
        assert_eq!(claim_stage2(&mut conn, "b", t + 1, LEASE).unwrap(), None);
    }
    // Then "a" dies: one lease later its lock is stale and "b" recovers it.
    assert_eq!(
        claim_stage2(&mut conn, "b", t + LEASE, LEASE).unwrap(),
        None
    );
    assert_eq!(
        claim_stage2(&mut conn, "b", t + LEASE + 1, LEASE).unwrap(),
        Some(1)
    );
    // The old owner's heartbeat and finish no longer count.
    assert!(!heartbeat_stage2(&conn, "a", t + LEASE + 2, LEASE).unwrap());
    assert!(!finish_stage2(&mut conn, "a", t + LEASE + 3, Ok(1)).unwrap());
    // A failure waits for its retry time.
    let failed_at = t + LEASE + 4;
    assert!(finish_stage2(&mut conn, "b", failed_at, Err(("agent failed", HOUR))).unwrap());
    assert_eq!(
        claim_stage2(&mut conn, "c", failed_at + HOUR - 1, LEASE).unwrap(),
        None
    );
    assert_eq!(
        claim_stage2(&mut conn, "c", failed_at + HOUR, LEASE).unwrap(),
        Some(1)
    );
}
