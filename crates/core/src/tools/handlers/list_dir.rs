//! The `list_dir` tool: a directory's entries, to a depth, with type
//! labels (`/` directory, `@` symlink, `?` other), 1-indexed for paging.
//! Read-only and parallel-safe.

use std::path::{Path, PathBuf};

use codex_client::{FunctionTool, ToolSpec};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use crate::tools::call_description::CallDescription;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput, ToolPayload};

pub(crate) const NAME: &str = "list_dir";
const DEFAULT_LIMIT: usize = 25;
const DEFAULT_DEPTH: usize = 2;
/// Entries visited at most (a huge tree is cut, not walked whole).
const MAX_VISITED: usize = 10_000;

pub(crate) struct ListDirHandler;

#[derive(Debug, Deserialize)]
struct Args {
    dir_path: String,
    #[serde(default)]
    offset: Option<usize>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    depth: Option<usize>,
}

impl ToolHandler for ListDirHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description: "Lists entries in a local directory with 1-indexed entry numbers and simple type labels.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "dir_path": {"type": "string", "description": "Absolute path to the directory to list."},
                    "offset": {"type": "number", "description": "The entry number to start listing from. Must be 1 or greater."},
                    "limit": {"type": "number", "description": "The maximum number of entries to return."},
                    "depth": {"type": "number", "description": "The maximum directory depth to traverse. Must be 1 or greater."}
                },
                "required": ["dir_path"],
                "additionalProperties": false
            }),
        })
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn describe(&self, payload: &ToolPayload, _cwd: &std::path::Path) -> CallDescription {
        CallDescription::with_aliases(payload, &["LS"])
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            tokio::task::spawn_blocking(move || list(&args))
                .await
                .unwrap_or_else(|err| ToolOutput::failure(format!("list_dir failed: {err}")))
        }
        .boxed()
    }
}

fn list(args: &Args) -> ToolOutput {
    let dir = Path::new(&args.dir_path);
    if !dir.is_absolute() {
        return ToolOutput::failure("dir_path must be an absolute path");
    }
    let offset = args.offset.unwrap_or(1);
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
    let depth = args.depth.unwrap_or(DEFAULT_DEPTH);
    if offset == 0 || limit == 0 || depth == 0 {
        return ToolOutput::failure("offset, limit and depth must be 1 or greater");
    }
    if !dir.is_dir() {
        return ToolOutput::failure(format!("{} is not a directory", dir.display()));
    }
    let mut entries = Vec::new();
    walk(dir, 0, depth, &mut entries);
    let total = entries.len();
    if offset > total.max(1) {
        return ToolOutput::failure(format!("offset {offset} exceeds the {total} entries"));
    }
    let mut out = vec![format!("Absolute path: {}", dir.display())];
    out.extend(entries.into_iter().skip(offset - 1).take(limit));
    if offset - 1 + limit < total {
        out.push(format!("More than {limit} entries found"));
    }
    ToolOutput::success(out.join("\n"))
}

/// Depth-first, sorted by name, indented two spaces a level.
fn walk(dir: &Path, level: usize, depth: usize, out: &mut Vec<String>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut children: Vec<PathBuf> = read.flatten().map(|e| e.path()).collect();
    children.sort();
    for child in children {
        if out.len() >= MAX_VISITED {
            return;
        }
        let Ok(meta) = std::fs::symlink_metadata(&child) else {
            continue;
        };
        let name = child
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let label = if meta.is_symlink() {
            "@"
        } else if meta.is_dir() {
            "/"
        } else if meta.is_file() {
            ""
        } else {
            "?"
        };
        out.push(format!("{}{name}{label}", "  ".repeat(level)));
        if meta.is_dir() && level + 1 < depth {
            walk(&child, level + 1, depth, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_labelled_indented_and_paged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/deep")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "").unwrap();
        std::fs::write(dir.path().join("README.md"), "").unwrap();
        std::os::unix::fs::symlink("README.md", dir.path().join("link")).unwrap();
        let args = |offset, limit, depth| Args {
            dir_path: dir.path().display().to_string(),
            offset: Some(offset),
            limit: Some(limit),
            depth: Some(depth),
        };
        let out = list(&args(1, 25, 2));
        let expected = format!(
            "Absolute path: {}\nREADME.md\nlink@\nsrc/\n  deep/\n  lib.rs",
            dir.path().display()
        );
        assert_eq!(out.content, expected);
        let out = list(&args(2, 2, 1));
        assert!(out.content.ends_with("link@\nsrc/"), "{}", out.content);
        let out = list(&args(1, 1, 1));
        assert!(out.content.ends_with("More than 1 entries found"));
    }
}
