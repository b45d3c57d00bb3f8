//! The `codex` binary.
//!
//! One executable plays several programs, chosen by the name it is invoked
//! under (see [`arg0`]): `codex` itself, and names that later parts of the
//! product install as links to it. Everything else is argument parsing and
//! dispatch to the crates that do the work.

mod arg0;
mod cli;
mod debug_config;
mod debug_logs;
mod debug_mcp;
mod debug_models;
mod doctor;
mod features_cmd;
mod hooks_cmd;
mod login;
mod mcp_cmd;
mod sandbox_cmd;
mod sessions_cmd;

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = arg0::dispatch_by_program_name() {
        return code;
    }
    harden_process();
    cli::run()
}

/// Keeps other processes of the same user — the model's commands among
/// them — out of codex's memory and environment (API keys, tokens): a
/// non-dumpable process's `/proc/<pid>/environ` and `mem` are readable only
/// with CAP_SYS_PTRACE, and it cannot be traced. Children get the normal
/// setting back when they exec.
fn harden_process() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain prctl.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}
