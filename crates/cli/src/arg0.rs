//! Dispatch by program name.
//!
//! Helper programs are the same binary under another name (a hard link or
//! symlink, or `argv[0]` set by the parent), so there is exactly one
//! executable to install and to keep in sync. Programs are registered in
//! [`PROGRAMS`] as their crates land.

use std::ffi::OsStr;
use std::path::Path;
use std::process::ExitCode;

/// Names under which this binary runs something other than `codex`.
type Program = fn() -> ExitCode;
const PROGRAMS: &[(&str, Program)] = &[];

/// Runs the helper program named by `argv[0]`, if it names one.
pub fn dispatch_by_program_name() -> Option<ExitCode> {
    let argv0 = std::env::args_os().next()?;
    let name = Path::new(&argv0).file_name().and_then(OsStr::to_str)?;
    PROGRAMS
        .iter()
        .find(|(program, _)| *program == name)
        .map(|(_, run)| run())
}
