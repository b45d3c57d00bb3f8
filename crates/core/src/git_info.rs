//! What the session knows about the Git repository it runs in.
//!
//! Read from the repository's files (`HEAD`, the ref or `packed-refs`, the
//! `[remote "origin"]` of `config`) rather than by running `git`: these
//! facts are gathered while a session starts, before its first request,
//! where three subprocesses cost more than the rest of start-up together.

use std::path::{Path, PathBuf};

use codex_protocol::rollout::GitInfo;

/// The repository root above `cwd` (the nearest directory with a
/// repository's `.git`, which may be a file in a worktree), if `cwd` is
/// inside one.
pub fn git_root(cwd: &Path) -> Option<&Path> {
    cwd.ancestors()
        .find(|dir| codex_config::project::holds_repository(dir))
}

/// The work tree root and git directory of the repository at `cwd`, read
/// from the file system (no `git rev-parse` on the session's start path).
/// Like git, a `.git` that lacks `HEAD` or an object store (an empty
/// directory, say) is not a repository.
pub(crate) fn repository(cwd: &Path) -> Option<(PathBuf, PathBuf)> {
    let root = git_root(cwd)?;
    let git_dir = git_dir(&root.join(".git"))?;
    let common = common_dir(&git_dir);
    let is_repository = git_dir.join("HEAD").is_file() && common.join("objects").is_dir();
    is_repository.then(|| (root.to_path_buf(), git_dir))
}

/// Commit, branch and origin of the repository at `cwd`, if it is one.
pub(crate) async fn collect_git_info(cwd: &Path) -> Option<GitInfo> {
    let cwd = cwd.to_path_buf();
    tokio::task::spawn_blocking(move || read_git_info(&cwd))
        .await
        .ok()
        .flatten()
}

fn read_git_info(cwd: &Path) -> Option<GitInfo> {
    let root = git_root(cwd)?;
    let git_dir = git_dir(&root.join(".git"))?;
    let common = common_dir(&git_dir);
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    let (branch, commit_hash) = match head.strip_prefix("ref: ") {
        Some(reference) => {
            let commit = resolve_ref(&git_dir, &common, reference)?;
            let branch = reference
                .strip_prefix("refs/heads/")
                .unwrap_or(reference)
                .to_string();
            (branch, commit)
        }
        // Detached: `git rev-parse --abbrev-ref HEAD` says "HEAD".
        None => ("HEAD".to_string(), head.to_string()),
    };
    Some(GitInfo {
        commit_hash: Some(commit_hash),
        branch: Some(branch),
        repository_url: origin_url(&common),
    })
}

/// Where a worktree keeps its objects, refs and config (`commondir`); the
/// git directory itself otherwise.
fn common_dir(git_dir: &Path) -> PathBuf {
    std::fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .map(|rel| git_dir.join(rel.trim()))
        .unwrap_or_else(|| git_dir.to_path_buf())
}

/// The git directory a `.git` entry names (itself, or `gitdir: …`).
fn git_dir(dot_git: &Path) -> Option<PathBuf> {
    if dot_git.is_dir() {
        return Some(dot_git.to_path_buf());
    }
    let text = std::fs::read_to_string(dot_git).ok()?;
    let target = text.trim().strip_prefix("gitdir:")?.trim();
    let path = Path::new(target);
    Some(if path.is_absolute() {
        path.to_path_buf()
    } else {
        dot_git.parent()?.join(path)
    })
}

/// The commit a ref names: its loose file, else `packed-refs`. None for a
/// branch without commits.
fn resolve_ref(git_dir: &Path, common: &Path, reference: &str) -> Option<String> {
    for dir in [git_dir, common] {
        if let Ok(text) = std::fs::read_to_string(dir.join(reference)) {
            let sha = text.trim();
            if let Some(next) = sha.strip_prefix("ref: ") {
                return resolve_ref(git_dir, common, next);
            }
            return (!sha.is_empty()).then(|| sha.to_string());
        }
    }
    let packed = std::fs::read_to_string(common.join("packed-refs")).ok()?;
    packed.lines().find_map(|line| {
        let (sha, name) = line.split_once(' ')?;
        (name.trim() == reference && !sha.starts_with('#')).then(|| sha.to_string())
    })
}

/// `url` of `[remote "origin"]` in the repository's `config`.
fn origin_url(common: &Path) -> Option<String> {
    let config = std::fs::read_to_string(common.join("config")).ok()?;
    let mut in_origin = false;
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let section: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            in_origin = section == "[remote\"origin\"]";
            continue;
        }
        if in_origin
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "url"
        {
            return Some(value.trim().trim_matches('"').to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    #[test]
    fn the_files_say_what_git_says() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path();
        git(repo, &["init", "-q", "-b", "trunk"]);
        assert!(read_git_info(repo).is_none(), "no commit yet");
        std::fs::write(repo.join("a"), "a").unwrap();
        git(repo, &["add", "a"]);
        git(repo, &["commit", "-qm", "one"]);
        git(
            repo,
            &["remote", "add", "origin", "https://example.com/r.git"],
        );
        let sub = repo.join("sub");
        std::fs::create_dir(&sub).unwrap();
        let info = read_git_info(&sub).unwrap();
        assert_eq!(info.branch.as_deref(), Some("trunk"));
        assert_eq!(info.commit_hash, Some(git(repo, &["rev-parse", "HEAD"])));
        assert_eq!(
            info.repository_url.as_deref(),
            Some("https://example.com/r.git")
        );
        // Packed refs and a detached HEAD.
        git(repo, &["pack-refs", "--all"]);
        assert_eq!(
            read_git_info(repo).unwrap().commit_hash,
            Some(git(repo, &["rev-parse", "HEAD"]))
        );
        let sha = git(repo, &["rev-parse", "HEAD"]);
        git(repo, &["checkout", "-q", &sha]);
        let detached = read_git_info(repo).unwrap();
        assert_eq!(detached.branch.as_deref(), Some("HEAD"));
        assert_eq!(detached.commit_hash, Some(sha));
    }

    #[test]
    fn the_repository_is_where_git_says_and_an_empty_dot_git_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        assert_eq!(repository(&repo), None, "an empty .git is no repository");
        std::fs::remove_dir(repo.join(".git")).unwrap();
        git(&repo, &["init", "-q"]);
        let sub = repo.join("sub");
        std::fs::create_dir(&sub).unwrap();
        let git_says = |dir: &Path| {
            PathBuf::from(git(dir, &["rev-parse", "--absolute-git-dir"]))
                .canonicalize()
                .unwrap()
        };
        let (top, git_dir) = repository(&sub).unwrap();
        assert_eq!(top, repo);
        assert_eq!(git_dir.canonicalize().unwrap(), git_says(&sub));
        // A worktree: `.git` is a file naming its own git directory.
        std::fs::write(repo.join("a"), "a").unwrap();
        git(&repo, &["add", "a"]);
        git(&repo, &["commit", "-qm", "one"]);
        let tree = dir.path().join("tree");
        git(&repo, &["worktree", "add", "-q", tree.to_str().unwrap()]);
        let (top, git_dir) = repository(&tree).unwrap();
        assert_eq!(top, tree);
        assert_eq!(git_dir.canonicalize().unwrap(), git_says(&tree));
    }
}
