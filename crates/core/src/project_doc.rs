//! `AGENTS.md` discovery.
//!
//! The instructions are, in order: `$CODEX_HOME/AGENTS.md`, then — after the
//! reference's `--- project-doc ---` separator — one file per directory from
//! the root of the repository down to the working directory, so that deeper
//! files come later and can refine earlier ones. In each directory
//! `AGENTS.override.md` wins over `AGENTS.md`, which wins over the
//! `project_doc_fallback_filenames`. Project files are used as written (the
//! reference does not trim them) and together are limited to
//! `project_doc_max_bytes` (a file that does not fit is cut, later files are
//! dropped, and a note says so).

use std::path::{Path, PathBuf};

use codex_config::Config;
use tracing::warn;

use crate::git_info::git_root;
use crate::util::truncate_at_char_boundary;

const DEFAULT_NAME: &str = "AGENTS.md";
const OVERRIDE_NAME: &str = "AGENTS.override.md";
const PROJECT_DOC_SEPARATOR: &str = "\n\n--- project-doc ---\n\n";

/// The text inside the `<INSTRUCTIONS>` wrapper, or None if there is none.
pub(crate) fn agents_md_instructions(config: &Config) -> Option<String> {
    let global = global_doc_path(config).and_then(|path| read_doc(&path));
    let global = global.map(|text| text.trim().to_string());
    match (global, project_docs(config)) {
        (Some(global), Some(project)) => Some(format!("{global}{PROJECT_DOC_SEPARATOR}{project}")),
        (global, project) => global.or(project),
    }
}

/// The config's `instructions` and `developer_instructions`, if any (the
/// reference sends both as a developer message).
pub(crate) fn developer_instructions(config: &Config) -> Option<String> {
    let parts: Vec<&str> = [&config.user_instructions, &config.developer_instructions]
        .into_iter()
        .flatten()
        .map(|text| text.trim())
        .filter(|text| !text.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// The instruction files a session reads: the global one, then the
/// project's, root first.
pub(crate) fn instruction_files(config: &Config) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = global_doc_path(config).into_iter().collect();
    if config.project_doc_max_bytes > 0 {
        files.extend(doc_paths(&config.cwd, &project_doc_names(config)));
    }
    files
}

/// `$CODEX_HOME/AGENTS.override.md`, else `$CODEX_HOME/AGENTS.md`.
fn global_doc_path(config: &Config) -> Option<PathBuf> {
    [OVERRIDE_NAME, DEFAULT_NAME]
        .iter()
        .map(|name| config.codex_home.join(name))
        .find(|path| path.is_file())
}

/// The names tried in each directory, in order of precedence.
fn project_doc_names(config: &Config) -> Vec<String> {
    let mut names = vec![OVERRIDE_NAME.to_string(), DEFAULT_NAME.to_string()];
    for name in &config.project_doc_fallback_filenames {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// The project's docs within the byte budget.
fn project_docs(config: &Config) -> Option<String> {
    let budget = config.project_doc_max_bytes;
    if budget == 0 {
        return None;
    }
    let mut left = budget;
    let mut out: Vec<String> = Vec::new();
    for path in doc_paths(&config.cwd, &project_doc_names(config)) {
        let Some(text) = read_doc(&path) else {
            continue;
        };
        if left == 0 {
            out.push(format!(
                "(further instructions in {} were left out: project_doc_max_bytes is {budget})",
                path.display()
            ));
            break;
        }
        if text.len() > left {
            let cut = truncate_at_char_boundary(&text, left);
            out.push(format!(
                "{cut}\n(truncated: project_doc_max_bytes is {budget})"
            ));
            left = 0;
        } else {
            left -= text.len();
            out.push(text);
        }
    }
    (!out.is_empty()).then(|| out.join("\n\n"))
}

/// Candidate files from the repository root (the nearest ancestor with a
/// `.git`, else the cwd alone) down to `cwd`; one per directory, the first
/// name that exists.
fn doc_paths(cwd: &Path, names: &[String]) -> Vec<PathBuf> {
    let root = git_root(cwd).unwrap_or(cwd);
    let mut dirs: Vec<&Path> = cwd.ancestors().take_while(|dir| *dir != root).collect();
    dirs.push(root);
    dirs.reverse();
    dirs.into_iter()
        .filter_map(|dir| {
            names
                .iter()
                .map(|name| dir.join(name))
                .find(|p| p.is_file())
        })
        .collect()
}

/// The file's text as written, or None if it is missing, unreadable or
/// blank.
fn read_doc(path: &Path) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text).filter(|t| !t.trim().is_empty()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => {
            warn!(path = %path.display(), %err, "cannot read instructions file");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_to_cwd_order_and_budget() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let sub = repo.join("crates/a");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(repo.join("AGENTS.md"), "root rules").unwrap();
        std::fs::write(sub.join("CLAUDE.md"), "sub rules").unwrap();
        std::fs::write(dir.path().join("AGENTS.md"), "outside the repo").unwrap();

        let names = vec!["AGENTS.md".to_string(), "CLAUDE.md".to_string()];
        let paths = doc_paths(&sub, &names);
        assert_eq!(paths, vec![repo.join("AGENTS.md"), sub.join("CLAUDE.md")]);

        // Outside a repository only the cwd counts.
        let plain = dir.path().join("plain/sub");
        std::fs::create_dir_all(&plain).unwrap();
        std::fs::write(dir.path().join("plain/AGENTS.md"), "parent").unwrap();
        assert_eq!(doc_paths(&plain, &names), Vec::<PathBuf>::new());
        std::fs::write(plain.join("AGENTS.md"), "here").unwrap();
        assert_eq!(doc_paths(&plain, &names), vec![plain.join("AGENTS.md")]);
    }
}
