//! `codex sandbox linux [--full-auto] -- COMMAND...` (also `codex debug landlock`):
//! runs any command under the configured sandbox policy, so a person can see
//! exactly what the model's commands may do.

use std::process::ExitCode;

use anyhow::Context;
use codex_config::{find_codex_home, load_config};
use codex_sandbox::{CommandSpec, build_command, env::create_env, exit_code};

use crate::cli::SharedOptions;

pub fn run(shared: &SharedOptions, command: Vec<String>) -> anyhow::Result<ExitCode> {
    let codex_home = find_codex_home()?;
    let config = load_config(&codex_home, &shared.to_overrides())?;
    for warning in &config.warnings {
        eprintln!("warning: {warning}");
    }
    let spec = CommandSpec {
        argv: command,
        cwd: config.cwd.clone(),
        env: create_env(&config.shell_environment_policy, std::env::vars()),
        policy: config.sandbox_policy.clone(),
        linux_sandbox_exe: std::env::current_exe().ok(),
    };
    let status = build_command(&spec)?
        .status()
        .with_context(|| format!("cannot run `{}`", spec.argv[0]))?;
    // Always 0–255 on Unix; anything else is passed on as a failure.
    Ok(ExitCode::from(
        u8::try_from(exit_code(&status)).unwrap_or(1),
    ))
}
