//! Building the process that runs a command under a policy.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use codex_protocol::protocol::SandboxPolicy;

/// A command to run and the policy to run it under.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    /// The program and its arguments (`execvp` semantics: PATH is searched).
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    /// The complete environment (see [`crate::env::create_env`]).
    pub env: BTreeMap<String, String>,
    pub policy: SandboxPolicy,
    /// The executable that plays `codex-linux-sandbox` (normally the running
    /// `codex` binary). Required on Linux unless the policy is full access.
    pub linux_sandbox_exe: Option<PathBuf>,
    /// Files and directories the command must not read or write (normally
    /// [`crate::secrets::codex_home_secrets`]): covered by an empty,
    /// unreadable placeholder inside the sandbox. Not applied under
    /// danger-full-access, where no sandbox runs.
    pub hidden_paths: Vec<PathBuf>,
    /// The session's network allowlist proxy (its socket directory, see
    /// `codex-network-proxy`): the command's network is then that proxy
    /// and nothing else, with the proxy variables set
    /// ([`crate::network::proxy_env`]). Only with a restricted policy on
    /// Linux; elsewhere the command has no network at all.
    pub network_proxy: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the command is empty")]
    EmptyCommand,

    #[error(
        "cannot run the command in a sandbox: the sandbox helper was not found; \
         run codex from its installed binary, or use --sandbox danger-full-access \
         only if the environment is sandboxed externally"
    )]
    HelperMissing,

    #[error(
        "cannot run the command in a sandbox: no sandbox is available on {os}; \
         use --sandbox danger-full-access only if the environment is sandboxed externally"
    )]
    Unsupported { os: &'static str },

    #[error("cannot run `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
}

/// Environment variable set for sandboxed commands without network, so that
/// tools (and tests) can tell why connections fail.
pub const NETWORK_DISABLED_ENV_VAR: &str = "CODEX_SANDBOX_NETWORK_DISABLED";

/// The process for `spec`: the command itself under full access, else the
/// platform's sandbox wrapping it.
pub fn build_command(spec: &CommandSpec) -> Result<Command, SandboxError> {
    let (program, rest) = spec.argv.split_first().ok_or(SandboxError::EmptyCommand)?;
    let mut command = match &spec.policy {
        SandboxPolicy::DangerFullAccess => {
            let mut command = Command::new(program);
            command.args(rest);
            command
        }
        policy => platform_command(spec, policy)?,
    };
    command.current_dir(&spec.cwd);
    command.env_clear();
    command.envs(command_env(spec));
    Ok(command)
}

/// The command's complete environment: `spec.env` and what its network
/// needs said.
pub(crate) fn command_env(spec: &CommandSpec) -> impl Iterator<Item = (String, String)> + '_ {
    let extra: Vec<(String, String)> = if proxied(spec) {
        crate::network::proxy_env()
    } else if !spec.policy.has_full_network_access() {
        vec![(NETWORK_DISABLED_ENV_VAR.to_string(), "1".to_string())]
    } else {
        Vec::new()
    };
    let overridden: Vec<String> = extra.iter().map(|(k, _)| k.clone()).collect();
    spec.env
        .iter()
        .filter(move |(k, _)| !overridden.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .chain(extra)
}

/// Whether `spec`'s network is the allowlist proxy.
fn proxied(spec: &CommandSpec) -> bool {
    spec.network_proxy.is_some() && uses_helper(spec)
}

/// Whether `spec` runs under the platform's sandbox helper.
pub(crate) fn uses_helper(spec: &CommandSpec) -> bool {
    cfg!(target_os = "linux") && !matches!(spec.policy, SandboxPolicy::DangerFullAccess)
}

/// Starts the process in a session of its own: without a controlling
/// terminal, or (`pty`) with the PTY on its stdin as one. An unsandboxed
/// command also dies with codex (a sandboxed one does through the helper).
pub(crate) fn detach_from_terminal(command: &mut Command, sandboxed: bool, pty: bool) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let die_with_parent = !sandboxed && cfg!(target_os = "linux");
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if pty {
                    crate::pty::make_controlling_terminal()?;
                }
                #[cfg(target_os = "linux")]
                if die_with_parent {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                }
                Ok(())
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (command, sandboxed, pty);
}

#[cfg(target_os = "linux")]
fn platform_command(spec: &CommandSpec, policy: &SandboxPolicy) -> Result<Command, SandboxError> {
    use std::os::unix::process::CommandExt;

    let exe = spec
        .linux_sandbox_exe
        .as_ref()
        .ok_or(SandboxError::HelperMissing)?;
    let policy_json = serde_json::to_string(policy).map_err(|err| SandboxError::Spawn {
        program: crate::linux::HELPER_NAME.to_string(),
        source: std::io::Error::other(err),
    })?;
    let mut command = Command::new(exe);
    command.arg0(crate::linux::HELPER_NAME);
    command.args(crate::linux::helper_args(
        &policy_json,
        &spec.cwd,
        &spec.hidden_paths,
        spec.network_proxy.as_deref(),
        &spec.argv,
    ));
    Ok(command)
}

#[cfg(target_os = "macos")]
fn platform_command(spec: &CommandSpec, policy: &SandboxPolicy) -> Result<Command, SandboxError> {
    let tmpdir = spec.env.get("TMPDIR").map(PathBuf::from);
    let mut command = Command::new(crate::seatbelt::SANDBOX_EXEC);
    command.args(crate::seatbelt::seatbelt_args(
        policy,
        &spec.cwd,
        tmpdir.as_deref(),
        &spec.hidden_paths,
        &spec.argv,
    ));
    Ok(command)
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn platform_command(_spec: &CommandSpec, _policy: &SandboxPolicy) -> Result<Command, SandboxError> {
    Err(SandboxError::Unsupported {
        os: std::env::consts::OS,
    })
}
