//! The folders skills are read from, in the reference's order.
//!
//! The order matters twice: it numbers the roots table the model sees
//! (`r0`, `r1`, …, only roots with a listed skill get a number), and a
//! `SKILL.md` reachable through two roots counts once, for the first.
//! Repository roots are found from the cwd up to the Git root (only the cwd
//! outside a repository); they are read without a trust decision, as the
//! reference does, because a skill is text the model may read, never code
//! that runs by itself.

use std::path::{Path, PathBuf};

use crate::SkillScope;

/// One folder searched for `SKILL.md` files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillRoot {
    pub path: PathBuf,
    pub scope: SkillScope,
}

/// The bundled skills' folder under `$CODEX_HOME/skills/`.
pub const SYSTEM_DIR: &str = ".system";

/// The roots for a session in `cwd`. `home` is `$HOME` (none when unset);
/// `bundled` is whether `$CODEX_HOME/skills/.system/` is read.
pub fn skill_roots(
    codex_home: &Path,
    home: Option<&Path>,
    cwd: &Path,
    bundled: bool,
) -> Vec<SkillRoot> {
    let repo_dirs = repo_dirs(cwd);
    let mut roots = Vec::new();
    // `.codex/skills` goes with the project config layers: the cwd's first.
    for dir in &repo_dirs {
        roots.push(SkillRoot {
            path: dir.join(".codex").join("skills"),
            scope: SkillScope::Repo,
        });
    }
    let user_skills = codex_home.join("skills");
    roots.push(SkillRoot {
        path: user_skills.clone(),
        scope: SkillScope::User,
    });
    if let Some(home) = home {
        roots.push(SkillRoot {
            path: home.join(".agents").join("skills"),
            scope: SkillScope::User,
        });
    }
    if bundled {
        roots.push(SkillRoot {
            path: user_skills.join(SYSTEM_DIR),
            scope: SkillScope::System,
        });
    }
    // `.agents/skills` from the repository's root down to the cwd.
    for dir in repo_dirs.iter().rev() {
        roots.push(SkillRoot {
            path: dir.join(".agents").join("skills"),
            scope: SkillScope::Repo,
        });
    }
    let mut seen = Vec::new();
    roots.retain(|root| {
        let duplicate = seen.contains(&root.path);
        seen.push(root.path.clone());
        !duplicate
    });
    roots
}

/// The cwd and its ancestors up to the Git root (the folder holding `.git`,
/// a directory or a worktree's file); just the cwd outside a repository.
fn repo_dirs(cwd: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for dir in cwd.ancestors() {
        dirs.push(dir.to_path_buf());
        if dir.join(".git").exists() {
            return dirs;
        }
    }
    vec![cwd.to_path_buf()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn order_follows_the_reference() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        std::fs::create_dir_all(ws.join(".git")).unwrap();
        std::fs::create_dir_all(ws.join("sub")).unwrap();
        let home = tmp.path().join("home");
        let codex_home = tmp.path().join("ch");
        let roots = skill_roots(&codex_home, Some(&home), &ws.join("sub"), true);
        let paths: Vec<(PathBuf, SkillScope)> =
            roots.into_iter().map(|r| (r.path, r.scope)).collect();
        assert_eq!(
            paths,
            vec![
                (ws.join("sub/.codex/skills"), SkillScope::Repo),
                (ws.join(".codex/skills"), SkillScope::Repo),
                (codex_home.join("skills"), SkillScope::User),
                (home.join(".agents/skills"), SkillScope::User),
                (codex_home.join("skills/.system"), SkillScope::System),
                (ws.join(".agents/skills"), SkillScope::Repo),
                (ws.join("sub/.agents/skills"), SkillScope::Repo),
            ]
        );
    }

    #[test]
    fn outside_a_repository_only_the_cwd_counts() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path().join("a/b");
        std::fs::create_dir_all(&cwd).unwrap();
        let roots = skill_roots(&tmp.path().join("ch"), None, &cwd, false);
        let paths: Vec<PathBuf> = roots.into_iter().map(|r| r.path).collect();
        assert_eq!(
            paths,
            vec![
                cwd.join(".codex/skills"),
                tmp.path().join("ch/skills"),
                cwd.join(".agents/skills"),
            ]
        );
    }
}
