//! The `grep_files` tool: the files whose contents match a regular
//! expression, newest first, skipping what `.gitignore` (and hidden-file
//! rules) exclude. Read-only and parallel-safe.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use codex_client::{FunctionTool, ToolSpec};
use futures::FutureExt;
use futures::future::BoxFuture;
use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;
use regex_automata::meta::Regex;
use serde::Deserialize;
use serde_json::json;

use crate::tools::call_description::CallDescription;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput, ToolPayload};

pub(crate) const NAME: &str = "grep_files";
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 2000;
/// Files larger than this are not searched.
const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

pub(crate) struct GrepFilesHandler;

#[derive(Debug, Deserialize)]
struct Args {
    pattern: String,
    #[serde(default)]
    include: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

impl ToolHandler for GrepFilesHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description:
                "Finds files whose contents match the pattern and lists them by modification time."
                    .to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "pattern": {"type": "string", "description": "Regular expression pattern to search for."},
                    "include": {"type": "string", "description": "Optional glob that limits which files are searched (e.g. \"*.rs\" or \"*.{ts,tsx}\")."},
                    "path": {"type": "string", "description": "Directory or file path to search. Defaults to the session's working directory."},
                    "limit": {"type": "number", "description": "Maximum number of file paths to return (defaults to 100)."}
                },
                "required": ["pattern"],
                "additionalProperties": false
            }),
        })
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn describe(&self, payload: &ToolPayload, _cwd: &std::path::Path) -> CallDescription {
        CallDescription::with_aliases(payload, &["Grep"])
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            let root = invocation.resolve_path(args.path.as_deref());
            tokio::task::spawn_blocking(move || grep(&args, &root))
                .await
                .unwrap_or_else(|err| ToolOutput::failure(format!("grep_files failed: {err}")))
        }
        .boxed()
    }
}

fn grep(args: &Args, root: &Path) -> ToolOutput {
    if args.pattern.trim().is_empty() {
        return ToolOutput::failure("pattern must not be empty");
    }
    let regex = match Regex::new(&args.pattern) {
        Ok(regex) => regex,
        Err(err) => return ToolOutput::failure(format!("invalid pattern: {err}")),
    };
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    if !root.exists() {
        return ToolOutput::failure(format!("{} does not exist", root.display()));
    }
    let mut walker = WalkBuilder::new(root);
    // `.gitignore` applies inside any directory, git repository or not.
    walker.require_git(false);
    if let Some(include) = &args.include {
        let mut overrides = OverrideBuilder::new(root);
        if let Err(err) = overrides.add(include) {
            return ToolOutput::failure(format!("invalid include glob `{include}`: {err}"));
        }
        match overrides.build() {
            Ok(overrides) => {
                walker.overrides(overrides);
            }
            Err(err) => {
                return ToolOutput::failure(format!("invalid include glob `{include}`: {err}"));
            }
        }
    }
    let mut matches: Vec<(SystemTime, PathBuf)> = Vec::new();
    for entry in walker.build().flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if meta.len() > MAX_FILE_BYTES {
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        if regex.is_match(bytes.as_slice()) {
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            matches.push((modified, entry.path().to_path_buf()));
        }
    }
    if matches.is_empty() {
        return ToolOutput::success("No matches found.");
    }
    matches.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let lines: Vec<String> = matches
        .into_iter()
        .take(limit)
        .map(|(_, path)| path.display().to_string())
        .collect();
    ToolOutput::success(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_respect_gitignore_and_come_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
        std::fs::create_dir(root.join("ignored")).unwrap();
        std::fs::write(root.join("ignored/hit.rs"), "needle").unwrap();
        std::fs::write(root.join("old.rs"), "needle").unwrap();
        std::fs::write(root.join("new.rs"), "a needle here").unwrap();
        std::fs::write(root.join("other.txt"), "needle").unwrap();
        std::fs::write(root.join("miss.rs"), "hay").unwrap();
        let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        std::fs::File::options()
            .write(true)
            .open(root.join("old.rs"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        let args = |include: Option<&str>| Args {
            pattern: "need+le".into(),
            include: include.map(str::to_string),
            path: None,
            limit: None,
        };
        let out = grep(&args(Some("*.rs")), root);
        let expected = format!(
            "{}\n{}",
            root.join("new.rs").display(),
            root.join("old.rs").display()
        );
        assert_eq!(out.content, expected);
        let out = grep(&args(None), root);
        assert!(!out.content.contains("ignored"), "{}", out.content);
        assert!(out.content.contains("other.txt"));
        let out = grep(
            &Args {
                pattern: "(".into(),
                include: None,
                path: None,
                limit: None,
            },
            root,
        );
        assert!(!out.success && out.content.starts_with("invalid pattern"));
    }
}
