//! `codex execpolicy check --rules FILE [--rules FILE2] [--pretty]
//! [--resolve-host-executables] -- COMMAND...`: what the command rules
//! decide for a command, as the reference prints it (JSON; exit 0 whatever
//! the decision). A file that does not load is an error naming it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

pub fn check(
    rules: &[PathBuf],
    pretty: bool,
    resolve_host_executables: bool,
    command: &[String],
) -> anyhow::Result<ExitCode> {
    let policy = codex_execpolicy::loader::load_files(rules)?;
    let evaluation = policy.check(command, resolve_host_executables);
    let json = if pretty {
        serde_json::to_string_pretty(&evaluation)
    } else {
        serde_json::to_string(&evaluation)
    }
    .context("cannot print the evaluation")?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}
