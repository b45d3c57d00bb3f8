//! From a model output item to a tool call.

use codex_protocol::models::{
    FunctionCallOutputPayload, LocalShellAction, ResponseInputItem, ResponseItem,
};
use codex_protocol::plan::UpdatePlanArgs;
use serde::Deserialize;

use super::ToolOutput;
use super::spec::{APPLY_PATCH, SHELL, UPDATE_PLAN};

/// Arguments of the shell tool.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct ShellParams {
    pub(crate) command: Vec<String>,
    #[serde(default)]
    pub(crate) workdir: Option<String>,
    #[serde(default)]
    pub(crate) timeout_ms: Option<u64>,
    #[serde(default)]
    pub(crate) with_escalated_permissions: Option<bool>,
    #[serde(default)]
    pub(crate) justification: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ToolKind {
    Shell(ShellParams),
    ApplyPatch { input: String },
    UpdatePlan(UpdatePlanArgs),
}

/// How the call arrived, which decides the shape of its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallShape {
    Function,
    Custom,
    LocalShell,
}

impl CallShape {
    /// The shape of the call `item` (which its output must match).
    pub(crate) fn of(item: &ResponseItem) -> Self {
        match item {
            ResponseItem::CustomToolCall { .. } => Self::Custom,
            ResponseItem::LocalShellCall { .. } => Self::LocalShell,
            _ => Self::Function,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolCall {
    pub(crate) call_id: String,
    pub(crate) name: String,
    pub(crate) kind: ToolKind,
    pub(crate) shape: CallShape,
}

/// Why an item could not become a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RouterError {
    /// Tell the model (as the call's output) and go on.
    RespondToModel {
        call_id: String,
        shape: CallShape,
        message: String,
    },
    /// End the turn.
    Fatal(String),
}

/// The call in `item`, if it is one.
pub(crate) fn build_tool_call(item: &ResponseItem) -> Result<Option<ToolCall>, RouterError> {
    match item {
        ResponseItem::FunctionCall {
            name,
            arguments,
            call_id,
            ..
        } => {
            let respond = |message: String| RouterError::RespondToModel {
                call_id: call_id.clone(),
                shape: CallShape::Function,
                message,
            };
            let parse_error = |err: serde_json::Error| {
                respond(format!("failed to parse function arguments: {err}"))
            };
            let kind = match name.as_str() {
                SHELL | "container.exec" => {
                    ToolKind::Shell(serde_json::from_str(arguments).map_err(parse_error)?)
                }
                APPLY_PATCH => {
                    #[derive(Deserialize)]
                    struct Args {
                        input: String,
                    }
                    let args: Args = serde_json::from_str(arguments).map_err(parse_error)?;
                    ToolKind::ApplyPatch { input: args.input }
                }
                UPDATE_PLAN => {
                    ToolKind::UpdatePlan(serde_json::from_str(arguments).map_err(parse_error)?)
                }
                other => return Err(respond(format!("unsupported call: {other}"))),
            };
            Ok(Some(ToolCall {
                call_id: call_id.clone(),
                name: name.clone(),
                kind,
                shape: CallShape::Function,
            }))
        }
        ResponseItem::CustomToolCall {
            name,
            input,
            call_id,
            ..
        } => match name.as_str() {
            APPLY_PATCH => Ok(Some(ToolCall {
                call_id: call_id.clone(),
                name: name.clone(),
                kind: ToolKind::ApplyPatch {
                    input: input.clone(),
                },
                shape: CallShape::Custom,
            })),
            SHELL => Err(RouterError::Fatal(
                "tool shell invoked with incompatible payload".to_string(),
            )),
            other => Err(RouterError::RespondToModel {
                call_id: call_id.clone(),
                shape: CallShape::Custom,
                message: format!("unsupported custom tool call: {other}"),
            }),
        },
        ResponseItem::LocalShellCall {
            id,
            call_id,
            action,
            ..
        } => {
            let Some(call_id) = call_id.clone().or_else(|| id.clone()) else {
                return Err(RouterError::RespondToModel {
                    call_id: String::new(),
                    shape: CallShape::LocalShell,
                    message: "LocalShellCall without call_id or id".to_string(),
                });
            };
            let LocalShellAction::Exec(exec) = action;
            Ok(Some(ToolCall {
                call_id,
                name: "local_shell".to_string(),
                kind: ToolKind::Shell(ShellParams {
                    command: exec.command.clone(),
                    workdir: exec.working_directory.clone(),
                    timeout_ms: exec.timeout_ms,
                    with_escalated_permissions: None,
                    justification: None,
                }),
                shape: CallShape::LocalShell,
            }))
        }
        _ => Ok(None),
    }
}

/// The item that carries `output` back to the model for a call of `shape`.
pub(crate) fn output_item(
    call_id: &str,
    shape: CallShape,
    output: ToolOutput,
) -> ResponseInputItem {
    match shape {
        CallShape::Custom => ResponseInputItem::CustomToolCallOutput {
            call_id: call_id.to_string(),
            output: output.content,
        },
        CallShape::Function | CallShape::LocalShell => ResponseInputItem::FunctionCallOutput {
            call_id: call_id.to_string(),
            output: FunctionCallOutputPayload {
                content: output.content,
                success: Some(output.success),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(name: &str, args: &str) -> ResponseItem {
        ResponseItem::FunctionCall {
            id: None,
            name: name.into(),
            arguments: args.into(),
            call_id: "c".into(),
        }
    }

    #[test]
    fn routes_each_kind() {
        let call = build_tool_call(&function("shell", r#"{"command":["ls"],"timeout_ms":5}"#))
            .unwrap()
            .unwrap();
        assert!(matches!(
            call.kind,
            ToolKind::Shell(ShellParams {
                timeout_ms: Some(5),
                ..
            })
        ));
        let call = build_tool_call(&function("apply_patch", r#"{"input":"p"}"#))
            .unwrap()
            .unwrap();
        assert_eq!(call.kind, ToolKind::ApplyPatch { input: "p".into() });
        let custom = ResponseItem::CustomToolCall {
            id: None,
            status: None,
            call_id: "c".into(),
            name: "apply_patch".into(),
            input: "p".into(),
        };
        assert_eq!(
            build_tool_call(&custom).unwrap().unwrap().shape,
            CallShape::Custom
        );
        assert!(
            build_tool_call(&ResponseItem::assistant_text("x"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn errors_go_back_to_the_model_or_end_the_turn() {
        let err = build_tool_call(&function("shell", "{not json")).unwrap_err();
        assert!(
            matches!(err, RouterError::RespondToModel { message, .. } if message.starts_with("failed to parse function arguments"))
        );
        let err = build_tool_call(&function("browse", "{}")).unwrap_err();
        assert!(
            matches!(err, RouterError::RespondToModel { message, .. } if message == "unsupported call: browse")
        );
        let custom_shell = ResponseItem::CustomToolCall {
            id: None,
            status: None,
            call_id: "c".into(),
            name: "shell".into(),
            input: "ls".into(),
        };
        assert_eq!(
            build_tool_call(&custom_shell).unwrap_err(),
            RouterError::Fatal("tool shell invoked with incompatible payload".into())
        );
    }
}
