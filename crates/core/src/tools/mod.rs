//! The tools the model can call.
//!
//! * [`spec`]: what the model is told about each tool.
//! * [`router`]: a model output item → a [`router::ToolCall`] (or a message
//!   back to the model when the call is malformed).
//! * [`handlers`]: one file per tool.
//! * [`orchestrator`]: the approval → sandbox → run → retry policy for
//!   commands.
//! * [`format`]: what the model gets back from a command.

pub(crate) mod format;
pub(crate) mod handlers;
pub(crate) mod orchestrator;
pub(crate) mod router;
pub(crate) mod spec;

/// What a tool returns to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolOutput {
    pub(crate) content: String,
    pub(crate) success: bool,
}

impl ToolOutput {
    pub(crate) fn success(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            success: true,
        }
    }

    pub(crate) fn failure(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            success: false,
        }
    }
}
