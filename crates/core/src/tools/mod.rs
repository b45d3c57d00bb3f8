//! The tools the model can call.
//!
//! * [`registry`]: the [`ToolHandler`] trait every tool implements, and the
//!   per-turn [`ToolRegistry`] (name → handler, specs in order).
//! * [`router`]: a model output item → a call (or a message back to the
//!   model when the call is malformed), and outputs back into items.
//! * [`handlers`]: one file per tool.
//! * [`orchestrator`]: the approval → sandbox → run → retry policy for
//!   commands.
//! * [`format`]: what the model gets back from a command.

pub(crate) mod format;
pub(crate) mod handlers;
pub(crate) mod orchestrator;
pub mod registry;
pub(crate) mod router;

pub use registry::{
    PayloadKind, ToolHandler, ToolInvocation, ToolOutput, ToolPayload, ToolRegistry,
};

/// The turn settings that decide which variants of the built-in tools are
/// offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ToolsConfig {
    /// apply_patch as a freeform grammar tool (Responses API, models trained
    /// for it) instead of a function taking `input`.
    pub(crate) freeform_apply_patch: bool,
    /// The shell tool takes `with_escalated_permissions` and `justification`
    /// (only under the `on-request` approval policy).
    pub(crate) escalation: bool,
}
