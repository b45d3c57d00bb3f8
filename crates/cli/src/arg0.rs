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
const PROGRAMS: &[(&str, Program)] = &[
    ("apply_patch", codex_apply_patch::run_main),
    ("applypatch", codex_apply_patch::run_main),
    #[cfg(target_os = "linux")]
    (
        codex_sandbox::linux::HELPER_NAME,
        codex_sandbox::linux::run_main,
    ),
];

/// `codex --codex-run-as-apply-patch PATCH` runs apply_patch without needing
/// a link named `apply_patch`. This engine applies patches in process; the
/// flag is accepted because the reference's engine invokes its binary this
/// way, so scripts and wrappers written for it keep working.
pub const RUN_AS_APPLY_PATCH_FLAG: &str = "--codex-run-as-apply-patch";

/// Runs the helper program named by `argv[0]` (or by the hidden flag), if any.
pub fn dispatch_by_program_name() -> Option<ExitCode> {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args.get(1).map(String::as_str) == Some(RUN_AS_APPLY_PATCH_FLAG) {
        return Some(codex_apply_patch::run_with_args(&args[2..]));
    }
    let argv0 = std::env::args_os().next()?;
    let name = Path::new(&argv0).file_name().and_then(OsStr::to_str)?;
    PROGRAMS
        .iter()
        .find(|(program, _)| *program == name)
        .map(|(_, run)| run())
}
