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
mod execpolicy_cmd;
mod features_cmd;
mod hooks_cmd;
mod login;
mod mcp_cmd;
mod memories_cmd;
mod plugin_cmd;
mod sandbox_cmd;
mod sessions_cmd;
mod skills_cmd;

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = arg0::dispatch_by_program_name() {
        return code;
    }
    harden_process();
    bound_allocator_retention();
    cli::run()
}

/// glibc's malloc raises its mmap threshold to the largest block freed so
/// far (up to 32 MiB): after the first large request body, every later one
/// comes from the heap, and freed heap memory mostly stays in the process.
/// A long session's request bodies grow with its history, so its RSS would
/// keep the high-water mark of all of them. A fixed threshold serves each
/// large buffer from its own mapping, returned to the system when freed
/// (measured in docs/benchmarks.md, "exec memory").
fn bound_allocator_retention() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
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
