//! The `apply_patch` format: how the model edits files.
//!
//! A patch (see [`parser`] for the grammar) adds, deletes, updates and moves
//! files. Applying one is split in two so that it is all-or-nothing:
//!
//! * [`plan_patch`] reads the files the patch touches and computes every new
//!   content in memory, locating each chunk with the fallbacks of
//!   [`seek_sequence`]. Any problem (missing file, lines not found, a
//!   directory where a file should be, non-UTF-8 text) is reported here,
//!   before anything is written.
//! * [`PatchPlan::commit`] writes the plan through temporary files and
//!   renames, and undoes its own work if a write fails.
//!
//! A plan from [`plan_patch`] may wait (for an approval, say) and travel to
//! another process, so it holds copies of the files and a unified diff of
//! each update. [`apply_patch`], which the `apply_patch` program uses,
//! commits at once: it maps the files instead (see `file_text`) and renders
//! no diffs.
//!
//! Paths are resolved against the working directory the caller passes (never
//! the process's current directory), and the plan lists every path it will
//! write after following symlinks ([`PatchPlan::paths_to_write`]) so the
//! engine can check them against the sandbox policy before committing.
//!
//! Files keep their line endings (a CRLF file stays CRLF) and permissions.
//!
//! Differences from the reference implementation: it writes files one hunk at
//! a time and leaves earlier files changed when a later hunk fails; this one
//! changes nothing. A pure addition chunk with an `@@ line` anchor is inserted
//! after the anchor (the reference appends it to the end of the file).

mod chunks;
mod commit;
mod error;
mod file_text;
mod file_write;
pub mod invocation;
pub mod lines;
pub mod parser;
mod plan;
pub mod seek_sequence;
mod udiff;

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;

pub use commit::{AppliedPatch, CommitRequest};
pub use error::ApplyPatchError;
pub use invocation::{Invocation, parse_invocation};
pub use parser::{Hunk, ParseError, Patch, UpdateFileChunk, parse_patch};
pub use plan::{PatchPlan, PlannedChange, PlannedChangeKind, plan_patch, resolve_path};

/// Parses, plans and commits `patch_text` in `cwd`. The plan returned has
/// no unified diffs, and writers of the files it read wait until it is
/// dropped (they are mapped where they can be: see `file_text`): drop it
/// soon.
pub fn apply_patch(
    patch_text: &str,
    cwd: &Path,
) -> Result<(PatchPlan, AppliedPatch), ApplyPatchError> {
    let patch = parse_patch(patch_text)?;
    let plan = plan::plan(&patch, cwd, plan::Purpose::CommitNow)?;
    let applied = plan.commit()?;
    Ok((plan, applied))
}

/// The `apply_patch` program: the patch is the single argument, or stdin
/// when there is none. Prints the summary on success; errors go to stderr
/// with exit code 1 (2 for a usage error).
pub fn run_main() -> ExitCode {
    run_with_args(&std::env::args().skip(1).collect::<Vec<_>>())
}

/// [`run_main`] with the arguments (after the program name) given.
pub fn run_with_args(args: &[String]) -> ExitCode {
    let patch = match args {
        [patch] => patch.clone(),
        [] => {
            let mut stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!("usage: apply_patch 'PATCH' (or the patch on standard input)");
                return ExitCode::from(2);
            }
            widen_pipe(&stdin);
            let mut text = String::new();
            if let Err(err) = stdin.read_to_string(&mut text) {
                eprintln!("apply_patch: cannot read the patch from standard input: {err}");
                return ExitCode::from(1);
            }
            text
        }
        _ => {
            eprintln!(
                "usage: apply_patch 'PATCH' (exactly one argument, or the patch on standard input)"
            );
            return ExitCode::from(2);
        }
    };
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(err) => {
            eprintln!("apply_patch: cannot determine the current directory: {err}");
            return ExitCode::from(1);
        }
    };
    match apply_patch(&patch, &cwd) {
        Ok((_, applied)) => {
            print!("{}", applied.summary());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{err}");
            if err.nothing_changed() {
                eprintln!("No files were changed.");
            }
            ExitCode::from(1)
        }
    }
}

/// Lets a writer put a large patch into our standard input at once, if it
/// is a pipe: with the default 64 KiB, a 400 KiB patch takes turns of
/// writing and reading, each a wake-up of the other side. Only a speed-up:
/// where the pipe cannot grow (or is not a pipe), nothing changes.
fn widen_pipe(stdin: &std::io::Stdin) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: `fcntl` with integer arguments on an open descriptor.
        unsafe {
            libc::fcntl(stdin.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = stdin;
}
