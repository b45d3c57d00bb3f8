//! Tool definitions sent with every request.

use codex_client::{FreeformTool, FreeformToolFormat, FunctionTool, ToolSpec};
use serde_json::json;

const APPLY_PATCH_GRAMMAR: &str = include_str!("../../templates/apply_patch.lark");
const APPLY_PATCH_FUNCTION_DESCRIPTION: &str =
    include_str!("../../templates/apply_patch_function.md");

/// Which variants of the tools a turn offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ToolsConfig {
    /// apply_patch as a freeform grammar tool (Responses API, models trained
    /// for it) instead of a function taking `input`.
    pub(crate) freeform_apply_patch: bool,
    /// The shell tool takes `with_escalated_permissions` and `justification`
    /// (only under the `on-request` approval policy).
    pub(crate) escalation: bool,
}

/// Names of the tools, as the model calls them.
pub(crate) const SHELL: &str = "shell";
pub(crate) const APPLY_PATCH: &str = "apply_patch";
pub(crate) const UPDATE_PLAN: &str = "update_plan";

pub(crate) fn tool_specs(config: &ToolsConfig) -> Vec<ToolSpec> {
    vec![
        shell(config.escalation),
        apply_patch(config.freeform_apply_patch),
        update_plan(),
    ]
}

/// Whether calls to `name` may run at the same time as other calls.
pub(crate) fn is_parallel_safe(name: &str) -> bool {
    name == SHELL
}

fn shell(escalation: bool) -> ToolSpec {
    let mut properties = json!({
        "command": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The program and its arguments (run with execvp). For shell syntax use [\"bash\", \"-lc\", \"<script>\"]."
        },
        "workdir": {
            "type": "string",
            "description": "The directory to run in; relative paths are resolved against the session's working directory. Prefer this to `cd`."
        },
        "timeout_ms": {
            "type": "number",
            "description": "Stop the command after this many milliseconds (default 10000)."
        }
    });
    if escalation {
        properties["with_escalated_permissions"] = json!({
            "type": "boolean",
            "description": "Run outside the sandbox. Needs the user's approval; use only when the sandbox blocked a command you must run."
        });
        properties["justification"] = json!({
            "type": "string",
            "description": "With `with_escalated_permissions`: one sentence telling the user why."
        });
    }
    ToolSpec::Function(FunctionTool {
        name: SHELL.to_string(),
        description: "Runs a command and returns its output, exit code and duration.".to_string(),
        strict: false,
        parameters: json!({
            "type": "object",
            "properties": properties,
            "required": ["command"],
            "additionalProperties": false
        }),
    })
}

fn apply_patch(freeform: bool) -> ToolSpec {
    if freeform {
        return ToolSpec::Freeform(FreeformTool {
            name: APPLY_PATCH.to_string(),
            description: "Edits files with a patch in the apply_patch format (send the patch itself, not JSON). The whole patch applies or nothing changes.".to_string(),
            format: FreeformToolFormat {
                kind: "grammar".to_string(),
                syntax: "lark".to_string(),
                definition: APPLY_PATCH_GRAMMAR.to_string(),
            },
        });
    }
    ToolSpec::Function(FunctionTool {
        name: APPLY_PATCH.to_string(),
        description: APPLY_PATCH_FUNCTION_DESCRIPTION.to_string(),
        strict: false,
        parameters: json!({
            "type": "object",
            "properties": {"input": {"type": "string", "description": "The entire patch, from *** Begin Patch to *** End Patch."}},
            "required": ["input"],
            "additionalProperties": false
        }),
    })
}

fn update_plan() -> ToolSpec {
    ToolSpec::Function(FunctionTool {
        name: UPDATE_PLAN.to_string(),
        description: "Records the plan for the task: short steps with a status each; at most one step in_progress.".to_string(),
        strict: false,
        parameters: json!({
            "type": "object",
            "properties": {
                "explanation": {"type": "string"},
                "plan": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "step": {"type": "string"},
                            "status": {"type": "string", "enum": ["pending", "in_progress", "completed"]}
                        },
                        "required": ["step", "status"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["plan"],
            "additionalProperties": false
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants() {
        let specs = tool_specs(&ToolsConfig {
            freeform_apply_patch: true,
            escalation: false,
        });
        let names: Vec<&str> = specs.iter().map(ToolSpec::name).collect();
        assert_eq!(names, vec!["shell", "apply_patch", "update_plan"]);
        assert!(matches!(specs[1], ToolSpec::Freeform(_)));
        let ToolSpec::Function(shell) = &specs[0] else {
            panic!()
        };
        assert!(
            shell.parameters["properties"]
                .get("with_escalated_permissions")
                .is_none()
        );

        let specs = tool_specs(&ToolsConfig {
            freeform_apply_patch: false,
            escalation: true,
        });
        assert!(matches!(specs[1], ToolSpec::Function(_)));
        let ToolSpec::Function(shell) = &specs[0] else {
            panic!()
        };
        assert!(
            shell.parameters["properties"]
                .get("justification")
                .is_some()
        );
    }
}
