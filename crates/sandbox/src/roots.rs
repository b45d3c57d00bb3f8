//! Which paths a policy makes writable, and which paths inside them stay
//! read-only.
//!
//! `.git` (and the directory a `.git` file points to) and `.codex` directly
//! inside a writable root stay read-only, as in the reference: a command the
//! model runs must not be able to plant git hooks (which run later, outside
//! the sandbox, when a person commits) or rewrite codex's own project
//! settings.

use std::path::{Path, PathBuf};

use codex_protocol::protocol::SandboxPolicy;

/// Names kept read-only inside every writable root.
pub(crate) const PROTECTED_NAMES: &[&str] = &[".git", ".codex"];

/// A writable directory and the paths inside it that are not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritableRoot {
    pub root: PathBuf,
    pub read_only_subpaths: Vec<PathBuf>,
}

/// The writable roots of `policy` for a command in `cwd`, resolved on disk
/// (symlinks followed; roots that do not exist are left out).
pub fn writable_roots(
    policy: &SandboxPolicy,
    cwd: &Path,
    tmpdir: Option<&Path>,
) -> Vec<WritableRoot> {
    let mut roots: Vec<PathBuf> = policy
        .writable_roots(cwd, tmpdir)
        .into_iter()
        .filter_map(|root| std::fs::canonicalize(root).ok())
        .collect();
    roots.sort();
    roots.dedup();
    roots
        .into_iter()
        .map(|root| {
            let read_only_subpaths = protected_subpaths(&root);
            WritableRoot {
                root,
                read_only_subpaths,
            }
        })
        .collect()
}

fn protected_subpaths(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for name in PROTECTED_NAMES {
        let path = root.join(name);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        out.push(path.clone());
        // A worktree's `.git` is a file pointing at the real git directory.
        if *name == ".git"
            && meta.is_file()
            && let Ok(text) = std::fs::read_to_string(&path)
            && let Some(gitdir) = text.lines().find_map(|l| l.strip_prefix("gitdir:"))
            && let Ok(target) = std::fs::canonicalize(root.join(gitdir.trim()))
        {
            out.push(target);
        }
    }
    out
}

impl WritableRoot {
    /// Whether `path` (absolute, resolved) may be written.
    pub fn allows(&self, path: &Path) -> bool {
        path.starts_with(&self.root)
            && !self
                .read_only_subpaths
                .iter()
                .any(|protected| path.starts_with(protected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_and_codex_stay_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().canonicalize().unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        std::fs::create_dir(repo.join(".codex")).unwrap();
        let policy = SandboxPolicy::WorkspaceWrite {
            writable_roots: vec![],
            network_access: false,
            exclude_tmpdir_env_var: true,
            exclude_slash_tmp: true,
        };
        let roots = writable_roots(&policy, &repo, None);
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].root, repo);
        assert_eq!(
            roots[0].read_only_subpaths,
            vec![repo.join(".git"), repo.join(".codex")]
        );
        assert!(roots[0].allows(&repo.join("src/main.rs")));
        assert!(!roots[0].allows(&repo.join(".git/hooks/pre-commit")));
        assert!(!roots[0].allows(Path::new("/etc/passwd")));
    }

    #[test]
    fn a_gitdir_file_protects_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let worktree = base.join("wt");
        let gitdir = base.join("wt/.realgit");
        std::fs::create_dir_all(&gitdir).unwrap();
        std::fs::write(worktree.join(".git"), "gitdir: .realgit\n").unwrap();
        let policy = SandboxPolicy::new_workspace_write();
        let roots = writable_roots(&policy, &worktree, None);
        let root = roots.iter().find(|r| r.root == worktree).unwrap();
        assert!(root.read_only_subpaths.contains(&gitdir));
        assert!(!root.allows(&gitdir.join("hooks/x")));
    }
}
