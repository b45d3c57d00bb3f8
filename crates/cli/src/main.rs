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
mod login;
mod sandbox_cmd;

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = arg0::dispatch_by_program_name() {
        return code;
    }
    cli::run()
}
