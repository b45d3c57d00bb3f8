//! From a model output item to a tool call, and from a tool's output back
//! to the item that answers the call.

use codex_protocol::models::{
    FunctionCallOutputPayload, LocalShellAction, ResponseInputItem, ResponseItem,
};
use serde::Deserialize;

use super::registry::{ToolOutput, ToolPayload};

/// Arguments of the shell tool (and of a `local_shell` action).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ShellParams {
    pub command: Vec<String>,
    #[serde(default)]
    pub workdir: Option<String>,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    #[serde(default)]
    pub with_escalated_permissions: Option<bool>,
    /// The reference 0.169's spelling of the same request
    /// (`require_escalated`), which models trained on it send.
    #[serde(default)]
    pub sandbox_permissions: Option<String>,
    #[serde(default)]
    pub justification: Option<String>,
}

impl ShellParams {
    /// The call asks to run outside the sandbox, in either spelling.
    pub fn escalates(&self) -> bool {
        self.with_escalated_permissions.unwrap_or(false)
            || self.sandbox_permissions.as_deref() == Some("require_escalated")
    }
}

/// How the call arrived, which decides the shape of its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallShape {
    Function,
    Custom,
    LocalShell,
    /// A `tool_search_call`: answered by a `tool_search_output` whose tools
    /// are the handler's output, a JSON array.
    ToolSearch,
}

/// The name `tool_search_call` items are dispatched under.
pub(crate) const TOOL_SEARCH: &str = "tool_search";

/// A call the model made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolCall {
    pub(crate) call_id: String,
    pub(crate) name: String,
    pub(crate) payload: ToolPayload,
    pub(crate) shape: CallShape,
}

/// An item that is a call but cannot be answered as one: the message goes
/// back to the model as the call's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MalformedCall {
    pub(crate) call_id: String,
    pub(crate) shape: CallShape,
    pub(crate) message: String,
}

/// The call in `item`, if it is one.
pub(crate) fn build_tool_call(item: &ResponseItem) -> Result<Option<ToolCall>, MalformedCall> {
    match item {
        // A tool in a namespace is known by the namespace and its name
        // joined (`mcp__demo` + `add`), as the reference keys it (so its
        // "unsupported call" names the two joined too).
        ResponseItem::FunctionCall {
            name,
            namespace,
            arguments,
            call_id,
            ..
        } => Ok(Some(ToolCall {
            call_id: call_id.clone(),
            name: match namespace {
                Some(namespace) => format!("{namespace}{name}"),
                None => name.clone(),
            },
            payload: ToolPayload::Function {
                arguments: arguments.clone(),
            },
            shape: CallShape::Function,
        })),
        ResponseItem::ToolSearchCall {
            call_id, arguments, ..
        } => Ok(Some(ToolCall {
            call_id: call_id.clone(),
            name: TOOL_SEARCH.to_string(),
            payload: ToolPayload::Function {
                arguments: arguments.to_string(),
            },
            shape: CallShape::ToolSearch,
        })),
        ResponseItem::CustomToolCall {
            name,
            input,
            call_id,
            ..
        } => Ok(Some(ToolCall {
            call_id: call_id.clone(),
            name: name.clone(),
            payload: ToolPayload::Custom {
                input: input.clone(),
            },
            shape: CallShape::Custom,
        })),
        ResponseItem::LocalShellCall {
            id,
            call_id,
            action,
            ..
        } => {
            let Some(call_id) = call_id.clone().or_else(|| id.clone()) else {
                return Err(MalformedCall {
                    call_id: String::new(),
                    shape: CallShape::LocalShell,
                    message: "LocalShellCall without call_id or id".to_string(),
                });
            };
            let LocalShellAction::Exec(exec) = action;
            Ok(Some(ToolCall {
                call_id,
                name: "local_shell".to_string(),
                payload: ToolPayload::LocalShell {
                    params: ShellParams {
                        command: exec.command.clone(),
                        workdir: exec.working_directory.clone(),
                        timeout_ms: exec.timeout_ms,
                        with_escalated_permissions: None,
                        sandbox_permissions: None,
                        justification: None,
                    },
                },
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
        CallShape::ToolSearch => ResponseInputItem::ToolSearchOutput {
            call_id: call_id.to_string(),
            // Anything else (a failure, an aborted search) found nothing.
            tools: serde_json::from_str(&output.content).unwrap_or_default(),
        },
        CallShape::Function | CallShape::LocalShell => ResponseInputItem::FunctionCallOutput {
            call_id: call_id.to_string(),
            output: FunctionCallOutputPayload {
                content: output.content,
                success: Some(output.success),
                content_items: output.content_items,
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
            namespace: None,
            arguments: args.into(),
            call_id: "c".into(),
        }
    }

    #[test]
    fn each_item_kind_becomes_its_payload() {
        let call = build_tool_call(&function("shell", r#"{"command":["ls"]}"#))
            .unwrap()
            .unwrap();
        assert_eq!(call.name, "shell");
        assert_eq!(
            call.payload,
            ToolPayload::Function {
                arguments: r#"{"command":["ls"]}"#.into()
            }
        );
        let custom = ResponseItem::CustomToolCall {
            id: None,
            status: None,
            call_id: "c".into(),
            name: "apply_patch".into(),
            input: "p".into(),
        };
        let call = build_tool_call(&custom).unwrap().unwrap();
        assert_eq!(call.shape, CallShape::Custom);
        assert_eq!(call.payload, ToolPayload::Custom { input: "p".into() });
        assert!(
            build_tool_call(&ResponseItem::assistant_text("x"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn outputs_match_the_shape_of_their_call() {
        let item = output_item("c", CallShape::Custom, ToolOutput::success("ok"));
        assert_eq!(
            item,
            ResponseInputItem::CustomToolCallOutput {
                call_id: "c".into(),
                output: "ok".into()
            }
        );
        let item = output_item("c", CallShape::Function, ToolOutput::failure("no"));
        assert!(matches!(
            item,
            ResponseInputItem::FunctionCallOutput {
                output: FunctionCallOutputPayload {
                    success: Some(false),
                    ..
                },
                ..
            }
        ));
    }
}
