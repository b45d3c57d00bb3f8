//! Committing a patch under a policy: the writes happen inside the same
//! sandbox as commands, so the policy is a second wall behind the engine's
//! own path checks. A directory swapped for a symlink after the patch was
//! checked (by a process an earlier command left behind) cannot redirect a
//! write out of the writable roots: the sandbox refuses it, and the commit
//! undoes itself.

use std::path::{Path, PathBuf};
use std::time::Duration;

use codex_apply_patch::CommitRequest;
use codex_protocol::protocol::SandboxPolicy;

/// How long a commit may take before it is stopped (and undone).
const COMMIT_TIMEOUT: Duration = Duration::from_secs(120);

/// A commit that did not happen, or not completely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PatchCommitError {
    /// What the model is told.
    pub message: String,
    /// The files are as they were before.
    pub nothing_changed: bool,
}

impl PatchCommitError {
    fn untouched(message: String) -> Self {
        Self {
            message,
            nothing_changed: true,
        }
    }
}

/// Commits `request` (whose relative paths resolve against `cwd`) under
/// `policy`.
///
/// Sandboxed, the commit runs in the session's long-lived sandbox when
/// there is one for the policy, directory and `hidden` paths (those of
/// the session's commands), as a command of its own; otherwise in a
/// one-shot sandbox.
pub async fn commit_patch(
    request: &CommitRequest,
    cwd: &Path,
    policy: &SandboxPolicy,
    helper: Option<&Path>,
    hidden: &[PathBuf],
) -> Result<(), PatchCommitError> {
    if matches!(policy, SandboxPolicy::DangerFullAccess) || !cfg!(target_os = "linux") {
        let request = request.clone();
        return tokio::task::spawn_blocking(move || {
            request.commit().map_err(|err| PatchCommitError {
                message: err.to_string(),
                nothing_changed: err.nothing_changed(),
            })
        })
        .await
        .map_err(|err| {
            PatchCommitError::untouched(format!("the patch could not be applied: {err}"))
        })?;
    }
    commit_in_helper(request, cwd, policy, helper, hidden).await
}

#[cfg(target_os = "linux")]
async fn commit_in_helper(
    request: &CommitRequest,
    cwd: &Path,
    policy: &SandboxPolicy,
    helper: Option<&Path>,
    hidden: &[PathBuf],
) -> Result<(), PatchCommitError> {
    let untouched = |err: &dyn std::fmt::Display| PatchCommitError::untouched(err.to_string());
    let helper = helper.ok_or_else(|| untouched(&crate::SandboxError::HelperMissing))?;
    let json = serde_json::to_vec(request).map_err(|err| untouched(&err))?;
    // The helper reads TMPDIR to know that writable root.
    let tmpdir = std::env::var("TMPDIR").ok();
    let in_session_sandbox = crate::CommandSpec {
        argv: Vec::new(),
        cwd: cwd.to_path_buf(),
        env: tmpdir
            .iter()
            .map(|dir| ("TMPDIR".to_string(), dir.clone()))
            .collect(),
        policy: policy.clone(),
        linux_sandbox_exe: Some(helper.to_path_buf()),
        hidden_paths: hidden.to_vec(),
        network_proxy: None,
    };
    let started = std::time::Instant::now();
    let output = match crate::process::SandboxedProcess::spawn_patch_commit(&in_session_sandbox) {
        Some(process) => {
            let process = process.map_err(|err| untouched(&err))?;
            crate::exec::run_process(process, started, Some(json), Some(COMMIT_TIMEOUT), None).await
        }
        None => {
            let policy_json = serde_json::to_string(policy).map_err(|err| untouched(&err))?;
            let mut command = std::process::Command::new(helper);
            {
                use std::os::unix::process::CommandExt;
                command.arg0(crate::linux::HELPER_NAME);
            }
            command
                .args(crate::linux::commit_patch_args(&policy_json, cwd))
                .current_dir(cwd)
                .env_clear();
            if let Some(tmpdir) = &tmpdir {
                command.env("TMPDIR", tmpdir);
            }
            crate::exec::run_prepared(
                command,
                crate::process::Prepared {
                    program: crate::linux::HELPER_NAME.to_string(),
                    sandboxed: true,
                },
                Some(json),
                Some(COMMIT_TIMEOUT),
                None,
            )
            .await
        }
    }
    .map_err(|err| untouched(&err))?;
    if output.exit_code == 0 {
        return Ok(());
    }
    let stderr = output.stderr.text();
    let message = stderr
        .trim()
        .strip_prefix(&format!("{}: ", crate::linux::HELPER_NAME))
        .unwrap_or(stderr.trim())
        .to_string();
    let message = if output.timed_out {
        format!(
            "applying the patch timed out after {} s",
            COMMIT_TIMEOUT.as_secs()
        )
    } else if message.is_empty() {
        format!(
            "applying the patch failed (exit status {})",
            output.exit_code
        )
    } else {
        message
    };
    Err(PatchCommitError {
        message,
        // 2: the helper changed files it could not restore.
        nothing_changed: output.exit_code != 2,
    })
}

#[cfg(not(target_os = "linux"))]
async fn commit_in_helper(
    _request: &CommitRequest,
    _cwd: &Path,
    _policy: &SandboxPolicy,
    _helper: Option<&Path>,
    _hidden: &[PathBuf],
) -> Result<(), PatchCommitError> {
    Err(PatchCommitError::untouched(
        "patches are committed in process on this platform".to_string(),
    ))
}

/// The writable roots a patch approved beyond the policy needs: the
/// directories of the files it writes, for that one commit.
pub fn policy_with_granted_paths(policy: &SandboxPolicy, paths: &[PathBuf]) -> SandboxPolicy {
    let mut granted: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| nearest_existing_dir(p))
        .collect();
    granted.sort();
    granted.dedup();
    match policy {
        SandboxPolicy::DangerFullAccess => SandboxPolicy::DangerFullAccess,
        SandboxPolicy::ReadOnly => SandboxPolicy::WorkspaceWrite {
            writable_roots: granted,
            network_access: false,
            exclude_tmpdir_env_var: true,
            exclude_slash_tmp: true,
        },
        SandboxPolicy::WorkspaceWrite {
            writable_roots,
            network_access,
            exclude_tmpdir_env_var,
            exclude_slash_tmp,
        } => {
            let mut roots = writable_roots.clone();
            roots.extend(granted);
            SandboxPolicy::WorkspaceWrite {
                writable_roots: roots,
                network_access: *network_access,
                exclude_tmpdir_env_var: *exclude_tmpdir_env_var,
                exclude_slash_tmp: *exclude_slash_tmp,
            }
        }
    }
}

/// The deepest existing directory that holds (or will hold) `path`.
fn nearest_existing_dir(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .find(|dir| dir.is_dir())
        .map(Path::to_path_buf)
}
