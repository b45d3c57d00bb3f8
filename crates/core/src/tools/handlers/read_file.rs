//! The `read_file` tool: lines of a file, numbered (`L12: text`), either a
//! slice (`offset`, `limit`) or the block around a line by indentation.
//! Read-only and parallel-safe; reading is allowed everywhere by every
//! sandbox policy, so it runs in process.

use std::path::Path;

use codex_client::{FunctionTool, ToolSpec};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use crate::tools::call_description::CallDescription;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput, ToolPayload};

pub(crate) const NAME: &str = "read_file";
const DEFAULT_LIMIT: usize = 2000;
/// Longer lines are cut (a minified file is one enormous line).
const MAX_LINE_CHARS: usize = 500;
/// Files larger than this are not read whole.
const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;

pub(crate) struct ReadFileHandler;

#[derive(Debug, Deserialize)]
struct Args {
    file_path: String,
    #[serde(default)]
    offset: Option<usize>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    indentation: Option<Indentation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Indentation {
    anchor_line: Option<usize>,
    max_levels: Option<usize>,
    include_siblings: bool,
    include_header: Option<bool>,
    max_lines: Option<usize>,
}

impl ToolHandler for ReadFileHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description: "Reads a local file with 1-indexed line numbers, supporting slice and indentation-aware block modes.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "file_path": {"type": "string", "description": "Absolute path to the file"},
                    "offset": {"type": "number", "description": "The line number to start reading from. Must be 1 or greater."},
                    "limit": {"type": "number", "description": "The maximum number of lines to return."},
                    "mode": {"type": "string", "description": "Optional mode selector: \"slice\" for simple ranges (default) or \"indentation\" to expand around an anchor line."},
                    "indentation": {
                        "type": "object",
                        "properties": {
                            "anchor_line": {"type": "number", "description": "Anchor line to center the indentation lookup on (defaults to offset)."},
                            "max_levels": {"type": "number", "description": "How many parent indentation levels (smaller indents) to include."},
                            "include_siblings": {"type": "boolean", "description": "When true, include additional blocks that share the anchor indentation."},
                            "include_header": {"type": "boolean", "description": "Include doc comments or attributes directly above the selected block."},
                            "max_lines": {"type": "number", "description": "Hard cap on the number of lines returned when using indentation mode."}
                        },
                        "additionalProperties": false
                    }
                },
                "required": ["file_path"],
                "additionalProperties": false
            }),
        })
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn describe(&self, payload: &ToolPayload, _cwd: &std::path::Path) -> CallDescription {
        CallDescription::with_aliases(payload, &["Read"])
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            tokio::task::spawn_blocking(move || read(&args))
                .await
                .unwrap_or_else(|err| ToolOutput::failure(format!("read_file failed: {err}")))
        }
        .boxed()
    }
}

fn read(args: &Args) -> ToolOutput {
    let path = Path::new(&args.file_path);
    if !path.is_absolute() {
        return ToolOutput::failure("file_path must be an absolute path");
    }
    let offset = args.offset.unwrap_or(1);
    if offset == 0 {
        return ToolOutput::failure("offset must be a 1-indexed line number");
    }
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 {
        return ToolOutput::failure("limit must be greater than zero");
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return ToolOutput::failure(format!("{} is a directory; use list_dir", path.display()));
        }
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            return ToolOutput::failure(format!(
                "{} is {} MB; read parts of it with a command instead",
                path.display(),
                meta.len() / (1024 * 1024)
            ));
        }
        Ok(_) => {}
        Err(err) => return ToolOutput::failure(format!("cannot read {}: {err}", path.display())),
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => return ToolOutput::failure(format!("cannot read {}: {err}", path.display())),
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    if offset > lines.len().max(1) {
        return ToolOutput::failure(format!(
            "offset {offset} exceeds file length ({} lines)",
            lines.len()
        ));
    }
    let selected: Vec<usize> = match args.mode.as_deref() {
        None | Some("slice") => (offset - 1..lines.len()).take(limit).collect(),
        Some("indentation") => {
            let options = args.indentation.as_ref();
            indentation_block(&lines, options, offset, limit)
        }
        Some(other) => {
            return ToolOutput::failure(format!(
                "unknown mode `{other}`; use \"slice\" or \"indentation\""
            ));
        }
    };
    let out: Vec<String> = selected
        .into_iter()
        .map(|i| format!("L{}: {}", i + 1, cut(lines[i])))
        .collect();
    ToolOutput::success(out.join("\n"))
}

fn cut(line: &str) -> &str {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((at, _)) => &line[..at],
        None => line,
    }
}

fn indent_of(line: &str) -> Option<usize> {
    if line.trim().is_empty() {
        return None;
    }
    Some(line.len() - line.trim_start().len())
}

/// The lines of the block around the anchor. With no levels: the run of
/// lines at the anchor's indentation or deeper around it. With levels: the
/// block of the enclosing line that many levels up (its deeper lines and
/// its closing bracket), and with siblings the blocks after it at the same
/// indentation. The header (comments, attributes) directly above is kept
/// unless asked not to.
fn indentation_block(
    lines: &[&str],
    options: Option<&Indentation>,
    offset: usize,
    limit: usize,
) -> Vec<usize> {
    if lines.is_empty() {
        return Vec::new();
    }
    let anchor = options
        .and_then(|o| o.anchor_line)
        .unwrap_or(offset)
        .clamp(1, lines.len())
        - 1;
    let max_lines = options
        .and_then(|o| o.max_lines)
        .unwrap_or(limit)
        .min(limit);
    let levels = options.and_then(|o| o.max_levels).unwrap_or(0);
    let siblings = options.is_some_and(|o| o.include_siblings);
    let header = options.and_then(|o| o.include_header).unwrap_or(true);
    let deeper_or_blank =
        |i: usize, indent: usize| indent_of(lines[i]).is_none_or(|ind| ind >= indent);
    let anchor_indent = (anchor..lines.len())
        .find_map(|i| indent_of(lines[i]))
        .unwrap_or(0);

    let (mut start, mut end, block_indent) = if levels == 0 {
        let mut start = anchor;
        while start > 0 && deeper_or_blank(start - 1, anchor_indent) {
            start -= 1;
        }
        let mut end = anchor + 1;
        while end < lines.len() && deeper_or_blank(end, anchor_indent) {
            end += 1;
        }
        (start, end, anchor_indent)
    } else {
        let (mut start, mut indent) = (anchor, anchor_indent);
        for _ in 0..levels {
            let parent = (0..start)
                .rev()
                .find(|&i| indent_of(lines[i]).is_some_and(|ind| ind < indent));
            match parent {
                Some(parent) => {
                    start = parent;
                    indent = indent_of(lines[parent]).unwrap_or(0);
                }
                None => break,
            }
        }
        let mut end = start + 1;
        while end < lines.len() {
            match indent_of(lines[end]) {
                None => end += 1,
                Some(ind) if ind > indent => end += 1,
                Some(ind) if ind == indent => {
                    let closes = lines[end].trim_start().starts_with(['}', ')', ']']);
                    if closes || siblings {
                        end += 1;
                    }
                    if !siblings {
                        break;
                    }
                }
                _ => break,
            }
        }
        (start, end, indent)
    };
    while start < end && lines[start].trim().is_empty() {
        start += 1;
    }
    while end > start + 1 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    if header {
        while start > 0 {
            let above = lines[start - 1].trim_start();
            let is_header = ["//", "#", "/*", "*", "@"]
                .iter()
                .any(|p| above.starts_with(p));
            if !is_header || indent_of(lines[start - 1]) != Some(block_indent) {
                break;
            }
            start -= 1;
        }
    }
    (start..end).take(max_lines).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(path: &Path, json: serde_json::Value) -> Args {
        let mut value = json;
        value["file_path"] = serde_json::json!(path.display().to_string());
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn slices_are_numbered_from_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, "a\nb\nc\nd\n").unwrap();
        let out = read(&args(&path, serde_json::json!({"offset": 2, "limit": 2})));
        assert_eq!(out, ToolOutput::success("L2: b\nL3: c"));
        let out = read(&args(&path, serde_json::json!({"offset": 9})));
        assert!(!out.success && out.content.contains("exceeds file length (4 lines)"));
        let out = read(&Args {
            file_path: "relative.txt".into(),
            offset: None,
            limit: None,
            mode: None,
            indentation: None,
        });
        assert!(!out.success);
    }

    #[test]
    fn indentation_mode_returns_the_enclosing_block() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.rs");
        std::fs::write(
            &path,
            "fn outer() {\n    // explains\n    fn inner() {\n        let x = 1;\n        x\n    }\n    other();\n}\n",
        )
        .unwrap();
        let out = read(&args(
            &path,
            serde_json::json!({"mode": "indentation", "indentation": {"anchor_line": 4}}),
        ));
        assert_eq!(out.content, "L4:         let x = 1;\nL5:         x");
        let out = read(&args(
            &path,
            serde_json::json!({"mode": "indentation", "indentation": {"anchor_line": 4, "max_levels": 1}}),
        ));
        assert_eq!(
            out.content,
            "L2:     // explains\nL3:     fn inner() {\nL4:         let x = 1;\nL5:         x\nL6:     }"
        );
    }
}
