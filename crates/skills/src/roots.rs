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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkillRoot {
    pub path: PathBuf,
    pub scope: SkillScope,
    /// For an installed plugin's skills: the plugin. The root is then its
    /// marketplace's folder under `$CODEX_HOME/plugins/cache/` (the
    /// reference's roots table), the walk starts at the plugin's `skills/`
    /// and names become `PLUGIN:NAME`.
    pub plugin: Option<PluginSkills>,
}

/// The skills of one enabled, installed plugin.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PluginSkills {
    pub name: String,
    /// `$CODEX_HOME/plugins/cache/MARKETPLACE`.
    pub marketplace_dir: PathBuf,
    /// The installed plugin's `skills/` folder.
    pub skills_dir: PathBuf,
}

impl SkillRoot {
    fn plain(path: PathBuf, scope: SkillScope) -> Self {
        SkillRoot {
            path,
            scope,
            plugin: None,
        }
    }

    /// Where the walk starts.
    pub fn walk_start(&self) -> &Path {
        self.plugin
            .as_ref()
            .map_or(self.path.as_path(), |p| p.skills_dir.as_path())
    }
}

/// The bundled skills' folder under `$CODEX_HOME/skills/`.
pub const SYSTEM_DIR: &str = ".system";

/// The roots for a session in `cwd`. `home` is `$HOME` (none when unset);
/// `bundled` is whether `$CODEX_HOME/skills/.system/` is read; `plugins`
/// are the enabled plugins' skills (after the bundled ones).
pub fn skill_roots(
    codex_home: &Path,
    home: Option<&Path>,
    cwd: &Path,
    bundled: bool,
    plugins: &[PluginSkills],
) -> Vec<SkillRoot> {
    let repo_dirs = repo_dirs(cwd);
    let mut roots = Vec::new();
    // `.codex/skills` goes with the project config layers: the cwd's first.
    for dir in &repo_dirs {
        roots.push(SkillRoot::plain(
            dir.join(".codex").join("skills"),
            SkillScope::Repo,
        ));
    }
    let user_skills = codex_home.join("skills");
    roots.push(SkillRoot::plain(user_skills.clone(), SkillScope::User));
    if let Some(home) = home {
        roots.push(SkillRoot::plain(
            home.join(".agents").join("skills"),
            SkillScope::User,
        ));
    }
    if bundled {
        roots.push(SkillRoot::plain(
            user_skills.join(SYSTEM_DIR),
            SkillScope::System,
        ));
    }
    for plugin in plugins {
        roots.push(SkillRoot {
            path: plugin.marketplace_dir.clone(),
            scope: SkillScope::User,
            plugin: Some(plugin.clone()),
        });
    }
    // `.agents/skills` from the repository's root down to the cwd.
    for dir in repo_dirs.iter().rev() {
        roots.push(SkillRoot::plain(
            dir.join(".agents").join("skills"),
            SkillScope::Repo,
        ));
    }
    let mut seen: Vec<PathBuf> = Vec::new();
    roots.retain(|root| {
        let start = root.walk_start().to_path_buf();
        let duplicate = seen.contains(&start);
        seen.push(start);
        !duplicate
    });
    roots
}

/// The cwd and its ancestors up to the Git root (the folder holding a
/// repository's `.git`, a directory or a worktree's file: see
/// [`codex_config::project::holds_repository`]); just the cwd outside a
/// repository.
fn repo_dirs(cwd: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for dir in cwd.ancestors() {
        dirs.push(dir.to_path_buf());
        if codex_config::project::holds_repository(dir) {
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
        std::fs::write(ws.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::create_dir_all(ws.join("sub")).unwrap();
        let home = tmp.path().join("home");
        let codex_home = tmp.path().join("ch");
        let roots = skill_roots(&codex_home, Some(&home), &ws.join("sub"), true, &[]);
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
        let roots = skill_roots(&tmp.path().join("ch"), None, &cwd, false, &[]);
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
