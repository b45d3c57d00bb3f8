//! What a tool call does, told by its handler to hooks and approvals.
//!
//! A tool's identity lives in its handler: [`ToolHandler::describe`] says
//! what Claude Code-style hooks match it as (`Bash`, `Edit`, ...), the input
//! they are shown and the command line an approval shows, and
//! [`ToolHandler::apply_hook_input`] takes a hook's rewritten input back.
//! Nothing else parses a tool's arguments or matches on its name.
//!
//! [`ToolHandler::describe`]: super::registry::ToolHandler::describe
//! [`ToolHandler::apply_hook_input`]: super::registry::ToolHandler::apply_hook_input

use std::path::Path;

use serde_json::{Value, json};

use super::registry::ToolPayload;

/// A call as hooks and approvals see it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallDescription {
    /// Claude Code's names for this kind of tool, which hook matchers are
    /// tested against besides the tool's own name.
    pub hook_aliases: &'static [&'static str],
    /// The `tool_name` hook payloads carry (the reference sends `Bash` for
    /// every shell tool); None: the tool's own name.
    pub hook_tool_name: Option<&'static str>,
    /// The input as hooks see it (`tool_input`).
    pub input: Value,
    /// The command line, for a tool that runs one.
    pub command: Option<Vec<String>>,
}

impl CallDescription {
    /// A tool without a hook identity of its own: its arguments as they
    /// came (a freeform tool's text as `{input}`).
    pub fn arguments(payload: &ToolPayload) -> Self {
        Self {
            hook_aliases: &[],
            hook_tool_name: None,
            input: payload_arguments(payload),
            command: None,
        }
    }

    /// The same, matched by hooks also under Claude Code's `aliases`.
    pub fn with_aliases(payload: &ToolPayload, aliases: &'static [&'static str]) -> Self {
        Self {
            hook_aliases: aliases,
            ..Self::arguments(payload)
        }
    }

    /// A shell command: `Bash` to hooks, `{command}` as its input (the
    /// reference's shape).
    pub fn shell(argv: Vec<String>) -> Self {
        let command = crate::parse_command::shell_join(&argv);
        Self {
            hook_aliases: &["Bash"],
            hook_tool_name: Some("Bash"),
            input: json!({ "command": command }),
            command: Some(argv),
        }
    }

    /// A shell script (`bash -lc SCRIPT`): `Bash` to hooks, `{command:
    /// SCRIPT}` as its input.
    pub fn shell_script(script: &str) -> Self {
        Self {
            hook_aliases: &["Bash"],
            hook_tool_name: Some("Bash"),
            input: json!({ "command": script }),
            command: Some(vec!["bash".into(), "-lc".into(), script.to_string()]),
        }
    }

    /// A patch: `Edit`/`Write`/`MultiEdit` to hooks, with the files it
    /// touches (Claude Code's edit scripts read `file_path`).
    pub fn patch(patch: &str, cwd: &Path) -> Self {
        let files: Vec<String> = patch
            .lines()
            .filter_map(|line| {
                ["*** Update File: ", "*** Add File: ", "*** Delete File: "]
                    .iter()
                    .find_map(|prefix| line.strip_prefix(prefix))
            })
            .map(|path| codex_apply_patch::resolve_path(cwd, Path::new(path.trim())))
            .map(|path| path.display().to_string())
            .collect();
        Self {
            hook_aliases: &["Edit", "Write", "MultiEdit"],
            hook_tool_name: None,
            input: json!({"patch": patch, "file_path": files.first(), "file_paths": files}),
            command: None,
        }
    }

    /// The command a hook's rewritten input gives a shell tool.
    pub fn hook_command(updated: &Value) -> Option<&str> {
        updated.get("command").and_then(Value::as_str)
    }
}

/// The call an approval is asked for, as `PermissionRequest` hooks see it.
#[derive(Debug, Clone, Copy)]
pub struct ApprovalSubject<'a> {
    /// The tool's own name (hook matchers are tested against it first).
    pub tool: &'a str,
    pub description: &'a CallDescription,
}

/// A call's arguments as JSON: a function call's document, a freeform
/// call's text as `{input}`.
pub fn payload_arguments(payload: &ToolPayload) -> Value {
    match payload {
        ToolPayload::Function { arguments } => serde_json::from_str(arguments).unwrap_or(json!({})),
        ToolPayload::Custom { input } => json!({ "input": input }),
        ToolPayload::LocalShell { params } => json!({ "command": params.command }),
    }
}

/// Replaces a function call's arguments with `updated` (a hook's
/// rewritten input, for tools whose hook input is their arguments).
pub fn replace_arguments(payload: &mut ToolPayload, updated: &Value) {
    match payload {
        ToolPayload::Function { arguments } => *arguments = updated.to_string(),
        ToolPayload::Custom { input } => {
            if let Some(text) = updated.get("input").and_then(Value::as_str) {
                *input = text.to_string();
            }
        }
        ToolPayload::LocalShell { .. } => {}
    }
}

/// The string argument `key` of a function call (a shell tool's script).
pub fn script_argument(payload: &ToolPayload, key: &str) -> Option<String> {
    payload_arguments(payload)
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Sets `key` of a function call's arguments.
pub fn set_argument(payload: &mut ToolPayload, key: &str, value: Value) {
    if let ToolPayload::Function { arguments } = payload {
        let mut args: Value = serde_json::from_str(arguments).unwrap_or(json!({}));
        args[key] = value;
        *arguments = args.to_string();
    }
}
