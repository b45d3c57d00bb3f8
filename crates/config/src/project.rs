//! Project trust: `[projects."<path>"] trust_level = "trusted" | "untrusted"`.
//!
//! A project is the Git repository around the working directory (or the
//! directory itself outside a repository). The interactive UI asks once per
//! project whether to trust it and records the answer here; a trusted project
//! gets the workspace-write sandbox unless a sandbox mode is set explicitly.

use std::path::{Path, PathBuf};

use toml::Value;

/// What `config.toml` says about the project of the working directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectTrust {
    Trusted,
    Untrusted,
    /// No entry: the interactive UI asks.
    Unknown,
}

impl ProjectTrust {
    /// The `trust_level` value written for this answer.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trusted => "trusted",
            Self::Untrusted => "untrusted",
            Self::Unknown => "unknown",
        }
    }
}

/// The directory a trust decision is recorded for: the nearest ancestor of
/// `cwd` that holds a repository's `.git` (see [`holds_repository`]), else
/// `cwd`.
pub fn project_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|dir| holds_repository(dir))
        .unwrap_or(cwd)
        .to_path_buf()
}

/// Whether `dir` holds a repository's `.git`: a file (a worktree's or a
/// submodule's link to its git directory) or a directory with a `HEAD`.
/// Like git, an empty `.git` directory is not one — such as the read-only
/// placeholder a sandbox keeps in a writable root that has none (`/tmp`
/// too), which must not make every directory below it one repository.
pub fn holds_repository(dir: &Path) -> bool {
    let dot_git = dir.join(".git");
    match std::fs::metadata(&dot_git) {
        Ok(meta) if meta.is_file() => true,
        Ok(meta) if meta.is_dir() => dot_git.join("HEAD").exists(),
        _ => false,
    }
}

/// Looks `cwd` and then its project root up in the merged `projects` table.
/// Returns the trust and, for a `trust_level` that is neither value, the key
/// that holds it (reported as a warning; the entry counts as untrusted).
pub(crate) fn lookup(projects: Option<&Value>, cwd: &Path) -> (ProjectTrust, Option<String>) {
    let Some(projects) = projects.and_then(Value::as_table) else {
        return (ProjectTrust::Unknown, None);
    };
    let root = project_root(cwd);
    for dir in [cwd, root.as_path()] {
        let key = dir.display().to_string();
        let Some(level) = projects
            .get(&key)
            .and_then(|entry| entry.get("trust_level"))
        else {
            continue;
        };
        return match level.as_str() {
            Some("trusted") => (ProjectTrust::Trusted, None),
            Some("untrusted") => (ProjectTrust::Untrusted, None),
            _ => (ProjectTrust::Untrusted, Some(key)),
        };
    }
    (ProjectTrust::Unknown, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_root_is_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(project_root(&sub), sub);
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        assert_eq!(project_root(&sub), dir.path());
    }

    #[test]
    fn an_empty_dot_git_such_as_a_sandbox_placeholder_is_no_repository() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        std::fs::create_dir_all(&ws).unwrap();
        // What a sandbox keeps in `/tmp` while it lives.
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        assert_eq!(project_root(&ws), ws);
        assert!(!holds_repository(dir.path()));
        // A worktree's `.git` file is one.
        std::fs::write(ws.join(".git"), "gitdir: /elsewhere\n").unwrap();
        assert!(holds_repository(&ws));
        assert_eq!(project_root(&ws.join("sub")), ws);
    }

    #[test]
    fn an_entry_for_the_directory_wins_over_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let text = format!(
            "[projects.\"{}\"]\ntrust_level = \"trusted\"\n[projects.\"{}\"]\ntrust_level = \"untrusted\"\n",
            dir.path().display(),
            sub.display()
        );
        let table: toml::Table = toml::from_str(&text).unwrap();
        let projects = table.get("projects");
        assert_eq!(lookup(projects, &sub).0, ProjectTrust::Untrusted);
        assert_eq!(lookup(projects, dir.path()).0, ProjectTrust::Trusted);
        assert_eq!(lookup(None, dir.path()).0, ProjectTrust::Unknown);
    }
}
