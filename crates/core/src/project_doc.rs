//! `AGENTS.md` discovery.
//!
//! The user instructions are, in order: `$CODEX_HOME/AGENTS.md`, the config's
//! `instructions`, then every `AGENTS.md` (or fallback name) from the root of
//! the repository down to the working directory, so that deeper files come
//! later and can refine earlier ones. Project files together are limited to
//! `project_doc_max_bytes` (a file that does not fit is cut, later files are
//! dropped, and a note says so).

use std::path::{Path, PathBuf};

use codex_config::Config;
use tracing::warn;

use crate::git_info::git_root;
use crate::util::truncate_at_char_boundary;

const DEFAULT_NAME: &str = "AGENTS.md";

/// The combined user instructions, or None if there are none.
pub(crate) fn user_instructions(config: &Config) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(global) = read_doc(&config.codex_home.join(DEFAULT_NAME)) {
        parts.push(global);
    }
    if let Some(extra) = config
        .user_instructions
        .as_ref()
        .filter(|s| !s.trim().is_empty())
    {
        parts.push(extra.trim().to_string());
    }
    if let Some(project) = project_docs(config) {
        parts.push(project);
    }
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// The instruction files a session reads: `$CODEX_HOME/AGENTS.md`, then
/// the project's, root first.
pub(crate) fn instruction_files(config: &Config) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let global = config.codex_home.join(DEFAULT_NAME);
    if global.is_file() {
        files.push(global);
    }
    if config.project_doc_max_bytes > 0 {
        let mut names = vec![DEFAULT_NAME.to_string()];
        names.extend(config.project_doc_fallback_filenames.iter().cloned());
        files.extend(doc_paths(&config.cwd, &names));
    }
    files
}

/// The project's docs within the byte budget.
fn project_docs(config: &Config) -> Option<String> {
    let budget = config.project_doc_max_bytes;
    if budget == 0 {
        return None;
    }
    let mut names = vec![DEFAULT_NAME.to_string()];
    names.extend(config.project_doc_fallback_filenames.iter().cloned());
    let mut left = budget;
    let mut out: Vec<String> = Vec::new();
    for path in doc_paths(&config.cwd, &names) {
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

fn read_doc(path: &Path) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text.trim().to_string()).filter(|t| !t.is_empty()),
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
