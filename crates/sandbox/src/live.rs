//! Every process tree codex started and has not reaped yet, so that codex
//! can end them all and wait for them before it exits: nothing a command
//! started outlives codex, whatever the load.
//!
//! A process joins the table when it is spawned and leaves it when its
//! waiting task has reaped it. For the sandbox helper, being reaped means
//! its whole tree is gone: the supervisor exits only after the namespace
//! builder, which exits only after init, which the kernel reaps only once
//! every process of the namespace has ended (see [`crate::linux`]).
//! Without a sandbox the tree is the process group.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

/// How long after SIGKILL [`end_all`] still waits, for the kernel.
const AFTER_KILL: Duration = Duration::from_millis(500);

struct Entry {
    pid: i32,
    sandboxed: bool,
    exit: watch::Receiver<Option<i32>>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static LIVE: Mutex<Option<HashMap<u64, Entry>>> = Mutex::new(None);

fn with_table<T>(f: impl FnOnce(&mut HashMap<u64, Entry>) -> T) -> T {
    // A panic while holding the lock leaves a table that is still whole
    // (each operation is one insert or remove), so a poisoned lock is used.
    let mut guard = LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    f(guard.get_or_insert_with(HashMap::new))
}

/// Adds a process; returns the id to [`forget`] it by once it is reaped.
pub(crate) fn register(pid: i32, sandboxed: bool, exit: watch::Receiver<Option<i32>>) -> u64 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    with_table(|table| {
        table.insert(
            id,
            Entry {
                pid,
                sandboxed,
                exit,
            },
        )
    });
    id
}

/// Removes a process that has been reaped.
pub(crate) fn forget(id: u64) {
    with_table(|table| table.remove(&id));
}

/// How many process trees are alive (started and not yet reaped).
pub fn live_process_count() -> usize {
    with_table(|table| table.len())
}

/// Ends every live process tree and waits until each is reaped: helpers
/// get SIGTERM (they end their namespace and remove their mount points),
/// unsandboxed processes SIGHUP and SIGTERM to their process group (a program killed
/// outright cannot release its locks: `pyenv rehash` in a profile being
/// snapshotted leaves a lock that stalls every later shell). Whatever is
/// still alive after `grace` gets SIGKILL, to its group when unsandboxed.
/// Returns how many trees were ended.
///
/// The reaping is done by each process's waiting task, so this needs the
/// runtime that spawned them to be running (it is awaited on it).
pub async fn end_all(grace: Duration) -> usize {
    let entries: Vec<(i32, bool, watch::Receiver<Option<i32>>)> = with_table(|table| {
        table
            .values()
            .map(|e| (e.pid, e.sandboxed, e.exit.clone()))
            .collect()
    });
    for (pid, sandboxed, exit) in &entries {
        if exit.borrow().is_none() && *pid > 0 {
            // SAFETY: plain kill(2) of a process (group) we started and
            // have not reaped, so the pid is still ours.
            unsafe {
                if *sandboxed {
                    libc::kill(*pid, libc::SIGTERM);
                } else {
                    // As when a terminal closes: an interactive shell (the
                    // snapshot's) ignores SIGTERM but not SIGHUP.
                    libc::kill(-*pid, libc::SIGHUP);
                    libc::kill(-*pid, libc::SIGTERM);
                }
            }
        }
    }
    let all_exited = |entries: Vec<watch::Receiver<Option<i32>>>| async move {
        for mut exit in entries {
            let _ = exit.wait_for(Option::is_some).await;
        }
    };
    let receivers = entries.iter().map(|(_, _, e)| e.clone()).collect();
    if tokio::time::timeout(grace, all_exited(receivers))
        .await
        .is_err()
    {
        for (pid, sandboxed, exit) in &entries {
            if exit.borrow().is_none() && *pid > 0 {
                let target = if *sandboxed { *pid } else { -*pid };
                // SAFETY: as above; the helper's chain ends its namespace
                // through the parent-death signals.
                unsafe { libc::kill(target, libc::SIGKILL) };
            }
        }
        let receivers = entries.iter().map(|(_, _, e)| e.clone()).collect();
        let _ = tokio::time::timeout(AFTER_KILL, all_exited(receivers)).await;
    }
    entries.len()
}
