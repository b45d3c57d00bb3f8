//! The Linux sandbox helper, `codex-linux-sandbox`.
//!
//! The engine never restricts itself. To run a command under a policy it
//! starts this helper (the `codex` binary under another name) with the policy
//! and the command; the helper, a fresh single-threaded process, applies the
//! restrictions to itself and then `exec`s the command, so the restrictions
//! cover the command and every process it starts, and its exit status is the
//! command's own:
//!
//! 1. `.git` and `.codex` inside writable roots are bind-mounted read-only in
//!    a private mount namespace (inside a user namespace, so no privilege is
//!    needed). See [`mounts`].
//! 2. Landlock: read everywhere, write only in the writable roots and a few
//!    device files. Landlock also forbids changing mounts, so step 1 cannot
//!    be undone. See [`landlock`].
//! 3. seccomp, unless the policy allows network: creating any socket that is
//!    not AF_UNIX fails with EPERM, and io_uring is unavailable (it could
//!    create sockets without the `socket` system call). See [`seccomp`].
//!
//! If any step cannot be enforced the helper refuses to run the command and
//! exits with [`crate::SETUP_FAILED_EXIT_CODE`]: a command never runs with
//! more access than its policy grants.

mod landlock;
mod mounts;
mod seccomp;

use std::convert::Infallible;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::ExitCode;

use codex_protocol::protocol::SandboxPolicy;

use crate::SETUP_FAILED_EXIT_CODE;
use crate::roots::writable_roots;

/// The name the helper runs under.
pub const HELPER_NAME: &str = "codex-linux-sandbox";

const CWD_FLAG: &str = "--sandbox-policy-cwd";
const POLICY_FLAG: &str = "--sandbox-policy";

/// Arguments for the helper to run `argv` under `policy` in `cwd`.
pub(crate) fn helper_args(
    policy_json: &str,
    cwd: &std::path::Path,
    argv: &[String],
) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        CWD_FLAG.into(),
        cwd.as_os_str().to_owned(),
        POLICY_FLAG.into(),
        policy_json.into(),
        "--".into(),
    ];
    args.extend(argv.iter().map(OsString::from));
    args
}

/// Entry point of the helper. Returns only if the command could not be started.
pub fn run_main() -> ExitCode {
    match run(std::env::args_os().skip(1).collect()) {
        Ok(never) => match never {},
        Err(Failure::Setup(message)) => {
            eprintln!("{HELPER_NAME}: {message}");
            ExitCode::from(SETUP_FAILED_EXIT_CODE as u8)
        }
        Err(Failure::Exec { command, error }) => {
            eprintln!("{HELPER_NAME}: cannot run `{command}`: {error}");
            // The shell's conventions: 127 not found, 126 not executable.
            if error.kind() == std::io::ErrorKind::NotFound {
                ExitCode::from(127)
            } else {
                ExitCode::from(126)
            }
        }
    }
}

enum Failure {
    Setup(String),
    Exec {
        command: String,
        error: std::io::Error,
    },
}

struct HelperArgs {
    cwd: PathBuf,
    policy: SandboxPolicy,
    command: Vec<OsString>,
}

fn parse_args(args: Vec<OsString>) -> Result<HelperArgs, Failure> {
    let usage = || {
        Failure::Setup(format!(
            "usage: {HELPER_NAME} {CWD_FLAG} DIR {POLICY_FLAG} JSON -- COMMAND [ARGS...]"
        ))
    };
    let mut iter = args.into_iter();
    let (mut cwd, mut policy) = (None, None);
    loop {
        let arg = iter.next().ok_or_else(usage)?;
        match arg.to_str() {
            Some(CWD_FLAG) => cwd = Some(PathBuf::from(iter.next().ok_or_else(usage)?)),
            Some(POLICY_FLAG) => {
                let json = iter.next().ok_or_else(usage)?;
                let json = json.to_str().ok_or_else(usage)?.to_string();
                policy = Some(serde_json::from_str::<SandboxPolicy>(&json).map_err(|err| {
                    Failure::Setup(format!("invalid {POLICY_FLAG} value: {err}"))
                })?);
            }
            Some("--") => break,
            _ => return Err(usage()),
        }
    }
    let command: Vec<OsString> = iter.collect();
    match (cwd, policy, command.is_empty()) {
        (Some(cwd), Some(policy), false) => Ok(HelperArgs {
            cwd,
            policy,
            command,
        }),
        _ => Err(usage()),
    }
}

fn run(args: Vec<OsString>) -> Result<Infallible, Failure> {
    let args = parse_args(args)?;
    if !matches!(args.policy, SandboxPolicy::DangerFullAccess) {
        let tmpdir = std::env::var_os("TMPDIR").map(PathBuf::from);
        let roots = writable_roots(&args.policy, &args.cwd, tmpdir.as_deref());
        let protected: Vec<PathBuf> = roots
            .iter()
            .flat_map(|root| root.read_only_subpaths.iter().cloned())
            .collect();
        mounts::make_read_only(&protected).map_err(Failure::Setup)?;
        landlock::restrict_filesystem(&roots).map_err(Failure::Setup)?;
    }
    if !args.policy.has_full_network_access() {
        seccomp::deny_network().map_err(Failure::Setup)?;
    }
    let error = std::process::Command::new(&args.command[0])
        .args(&args.command[1..])
        .exec();
    Err(Failure::Exec {
        command: args.command[0].to_string_lossy().into_owned(),
        error,
    })
}
