//! Telling a sandbox denial from an ordinary failure.
//!
//! The kernel reports a denial to the command only as an errno (EACCES,
//! EPERM, EROFS), so the decision is a heuristic on the output of a failed
//! command, as in the reference. It matters for `on-failure`, which offers to
//! run a denied command again without the sandbox.

use codex_protocol::protocol::SandboxPolicy;

use crate::SETUP_FAILED_EXIT_CODE;
use crate::exec::ExecOutput;

const DENIAL_MARKERS: &[&str] = &[
    "operation not permitted",
    "permission denied",
    "read-only file system",
    "seccomp",
    "sandbox",
    "landlock",
    "failed to write file",
];

/// Whether `output` looks like the sandbox stopped the command.
pub fn is_likely_sandbox_denial(policy: &SandboxPolicy, output: &ExecOutput) -> bool {
    if matches!(policy, SandboxPolicy::DangerFullAccess)
        || output.exit_code == 0
        || output.timed_out
    {
        return false;
    }
    let text = output.aggregated.text().to_lowercase();
    DENIAL_MARKERS.iter().any(|marker| text.contains(marker))
}

/// The helper's message if the sandbox could not be set up at all (the
/// command never ran).
pub fn sandbox_setup_failure(output: &ExecOutput) -> Option<String> {
    if output.exit_code != SETUP_FAILED_EXIT_CODE {
        return None;
    }
    let stderr = output.stderr.text();
    stderr
        .lines()
        .find(|line| line.starts_with("codex-linux-sandbox: "))
        .map(str::to_string)
}
