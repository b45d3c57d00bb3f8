//! What the session knows about the Git repository it runs in.

use std::path::Path;

use codex_protocol::rollout::GitInfo;

/// The repository root above `cwd` (the nearest directory with a `.git`,
/// which may be a file in a worktree), if `cwd` is inside one.
pub fn git_root(cwd: &Path) -> Option<&Path> {
    cwd.ancestors().find(|dir| dir.join(".git").exists())
}

/// Commit, branch and origin of the repository at `cwd`, if it is one.
pub(crate) async fn collect_git_info(cwd: &Path) -> Option<GitInfo> {
    async fn git(cwd: &Path, args: &[&str]) -> Option<String> {
        let output = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            tokio::process::Command::new("git")
                .arg("-C")
                .arg(cwd)
                .args(args)
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .output(),
        )
        .await
        .ok()?
        .ok()?;
        let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
        (output.status.success() && !text.is_empty()).then_some(text)
    }
    let (commit_hash, branch, repository_url) = tokio::join!(
        git(cwd, &["rev-parse", "HEAD"]),
        git(cwd, &["rev-parse", "--abbrev-ref", "HEAD"]),
        git(cwd, &["config", "--get", "remote.origin.url"]),
    );
    if commit_hash.is_none() && branch.is_none() {
        return None;
    }
    Some(GitInfo {
        commit_hash,
        branch,
        repository_url,
    })
}
