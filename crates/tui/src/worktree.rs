//! `codex --worktree`: the session works in a new git worktree of the
//! repository it starts in, so its edits never touch the checkout the
//! person is working in. The worktree is detached at `HEAD`, lives under
//! `$CODEX_HOME/worktrees/<repository>-<time>` (a private directory), and
//! is left in place when codex exits (`git worktree remove` drops it).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// Creates the worktree for the repository that contains `dir`; returns
/// the directory to work in (the same place relative to the root).
pub(crate) fn create(dir: &Path, codex_home: &Path) -> anyhow::Result<PathBuf> {
    let root = git(dir, &["rev-parse", "--show-toplevel"]).with_context(|| {
        format!(
            "--worktree needs a git repository, and {} is not in one",
            dir.display()
        )
    })?;
    let root = PathBuf::from(root.trim());
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repository".to_string());
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let parent = codex_home.join("worktrees");
    codex_config::private_file::create_private_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let target = parent.join(format!("{name}-{stamp}"));
    let target_text = target.to_string_lossy().into_owned();
    git(
        &root,
        &["worktree", "add", "--detach", &target_text, "HEAD"],
    )
    .with_context(|| format!("cannot create a worktree at {}", target.display()))?;
    let relative = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.strip_prefix(&root).ok().map(Path::to_path_buf))
        .unwrap_or_default();
    Ok(target.join(relative))
}

/// Runs git in `dir`; its standard output, or an error with its message.
fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .context("cannot run git")?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .status()
            .unwrap();
        assert!(status.success());
    }

    #[test]
    fn a_worktree_is_made_at_head_and_outside_the_checkout() {
        let repo = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        run(repo.path(), &["init", "-q"]);
        std::fs::create_dir(repo.path().join("src")).unwrap();
        std::fs::write(repo.path().join("src/a.txt"), "a").unwrap();
        run(repo.path(), &["add", "."]);
        run(repo.path(), &["commit", "-qm", "one"]);
        let dir = create(&repo.path().join("src"), home.path()).unwrap();
        assert!(dir.starts_with(home.path().join("worktrees")));
        assert!(dir.ends_with("src"));
        assert_eq!(std::fs::read_to_string(dir.join("a.txt")).unwrap(), "a");
        let plain = tempfile::tempdir().unwrap();
        let err = create(plain.path(), home.path()).unwrap_err();
        assert!(
            format!("{err:#}").contains("needs a git repository"),
            "{err:#}"
        );
    }
}
