//! A command that belongs to no thread (the app-server's `command/exec`):
//! run once under a sandbox policy with the configured environment
//! policy, the way the model's commands run, its output bounded.

use std::path::PathBuf;
use std::time::Duration;

use codex_config::Config;
use codex_protocol::protocol::SandboxPolicy;

use crate::error::{CodexErr, CodexResult};

/// What a one-off command printed and how it ended.
#[derive(Debug, Clone)]
pub struct OneOffOutput {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

/// A command to run once.
pub struct OneOffCommand {
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    pub policy: SandboxPolicy,
    pub timeout: Option<Duration>,
}

pub(crate) async fn run(
    config: &Config,
    command: OneOffCommand,
    linux_sandbox_exe: Option<PathBuf>,
) -> CodexResult<OneOffOutput> {
    if command.argv.is_empty() {
        return Err(CodexErr::Fatal("the command is empty".into()));
    }
    let spec = codex_sandbox::CommandSpec {
        argv: command.argv,
        cwd: command.cwd,
        env: codex_sandbox::env::create_env(&config.shell_environment_policy, std::env::vars()),
        policy: command.policy,
        linux_sandbox_exe,
        network_proxy: None,
        hidden_paths: codex_sandbox::secrets::hidden_paths(
            &config.codex_home,
            &config.denied_paths,
        ),
    };
    let output = codex_sandbox::run_command(&spec, command.timeout, None)
        .await
        .map_err(|err| CodexErr::Fatal(err.to_string()))?;
    Ok(OneOffOutput {
        exit_code: output.exit_code,
        stdout: output.stdout.text(),
        stderr: output.stderr.text(),
        timed_out: output.timed_out,
    })
}
