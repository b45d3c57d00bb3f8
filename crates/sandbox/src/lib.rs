//! Running the commands the model asks for, under a [`SandboxPolicy`].
//!
//! * [`build_command`] / [`run_command`]: the command itself under full
//!   access, otherwise wrapped in the platform sandbox — on Linux the
//!   `codex-linux-sandbox` helper ([`linux`]: Landlock, seccomp, read-only
//!   `.git`), on macOS `sandbox-exec` with a generated profile
//!   ([`seatbelt`]). Platforms without a sandbox refuse restricted policies.
//! * [`env::create_env`]: the environment under `[shell_environment_policy]`
//!   (secrets removed by default).
//! * [`live::end_all`]: every command tree codex started, ended and waited
//!   for (codex calls it before it exits, and on SIGTERM/SIGHUP/SIGINT).
//! * [`secrets::codex_home_secrets`]: codex's own secret files, hidden from
//!   sandboxed commands through [`CommandSpec::hidden_paths`].
//! * [`network`]: a command whose network is the session's allowlist proxy
//!   (`CommandSpec::network_proxy`) runs in a network namespace with only
//!   loopback, where a bridge forwards `127.0.0.1:3128` (HTTP) and `:8081`
//!   (SOCKS5) to the proxy's private Unix sockets (`linux/proxy_bridge.rs`).
//! * [`enable_long_lived_sandboxes`]: on Linux, a sandbox set up once per
//!   policy, directory and view of the host serves every command that fits
//!   it (`linux/server.rs` inside, `server_client.rs` in codex), each
//!   command in PID and mount namespaces of its own with every layer
//!   applied (an init kept from one command to the next); a command costs
//!   a fork instead of a new sandbox.
//! * [`is_likely_sandbox_denial`]: whether a failure looks like the sandbox
//!   at work, so that `on-failure` can offer to retry without it.
//!
//! A policy is never weakened silently: if the kernel cannot enforce it, the
//! helper exits with [`SETUP_FAILED_EXIT_CODE`] and a message instead of
//! running the command ([`sandbox_setup_failure`] extracts it).
//!
//! [`SandboxPolicy`]: codex_protocol::protocol::SandboxPolicy

mod command;
mod denial;
pub mod env;
mod exec;
#[cfg(target_os = "linux")]
pub mod linux;
pub mod live;
pub mod network;
mod patch;
mod process;
mod pty;
mod roots;
pub mod seatbelt;
pub mod secrets;
#[cfg(target_os = "linux")]
mod server_client;

pub use command::{CommandSpec, NETWORK_DISABLED_ENV_VAR, SandboxError, build_command};
pub use denial::{is_likely_sandbox_denial, sandbox_setup_failure};
pub use exec::{
    BoundedOutput, ExecOutput, OutputChunk, StreamKind, TIMEOUT_EXIT_CODE, exit_code, run_command,
    run_command_with_input,
};
pub use patch::{PatchCommitError, commit_patch, policy_with_granted_paths};
pub use process::{ProcessIo, SandboxedProcess};
pub use pty::PtySize;
pub use roots::{WritableRoot, writable_roots};

/// Lets this process run sandboxed commands in long-lived sandboxes (on
/// Linux: one per policy and directory, reused by later commands; see
/// `server_client.rs`). Only for a process that calls [`live::end_all`]
/// before it exits, which ends them.
pub fn enable_long_lived_sandboxes() {
    #[cfg(target_os = "linux")]
    server_client::enable();
}

/// Sets up, on the calling thread, the long-lived sandbox commands of
/// `spec`'s policy, directory and environment would run in (if they would
/// run in one: see [`enable_long_lived_sandboxes`]), so that the first
/// such command finds it ready. Blocks until it is set up or has failed
/// (then the first command tries again, or runs in a one-shot sandbox).
pub fn prewarm_long_lived_sandbox(spec: &CommandSpec) {
    #[cfg(target_os = "linux")]
    server_client::prewarm(spec);
    #[cfg(not(target_os = "linux"))]
    let _ = spec;
}

/// Exit code of the sandbox helper when it could not apply a policy (the
/// command did not run).
pub const SETUP_FAILED_EXIT_CODE: i32 = 125;
