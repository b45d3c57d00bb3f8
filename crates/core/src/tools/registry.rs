//! The tool registry: every tool the model can call is a [`ToolHandler`].
//!
//! A handler says what the model is told about the tool ([`ToolHandler::spec`]),
//! whether its calls may run alongside other calls
//! ([`ToolHandler::parallel_safe`]), which shapes of call it accepts, what a
//! call does for hooks and approvals ([`ToolHandler::describe`]), and how
//! to run one [`ToolInvocation`]. A [`ToolRegistry`] is built for every turn
//! from the turn's settings (see [`super::builtin_registry`]) plus the tools a
//! frontend or a test adds, so a tool is one file and one registration line.
//!
//! What a handler returns always goes back to the model as the call's output:
//! unknown tools, arguments that do not parse and handler failures included.
//! Only a call whose shape no handler of that name accepts ends the turn (the
//! model sent something the API itself should have prevented).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codex_client::ToolSpec;
use codex_protocol::ThreadId;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use super::call_description::CallDescription;
use super::router::ShellParams;
use crate::session::Session;
use crate::state::TurnState;
use crate::turn_context::TurnContext;

/// What a tool returns to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub content: String,
    pub success: bool,
    /// Text and images, for outputs that are more than text (sent as
    /// `input_text`/`input_image` parts; `content` is their text).
    pub content_items: Option<Vec<codex_protocol::models::ContentItem>>,
}

impl ToolOutput {
    pub fn success(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            success: true,
            content_items: None,
        }
    }

    pub fn failure(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            success: false,
            content_items: None,
        }
    }
}

/// The input of one call, as the model sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolPayload {
    /// A function tool: the arguments as a JSON document in a string.
    Function { arguments: String },
    /// A freeform (grammar) tool: the raw text.
    Custom { input: String },
    /// The Responses API's built-in `local_shell` action.
    LocalShell { params: ShellParams },
}

impl ToolPayload {
    pub(crate) fn kind(&self) -> PayloadKind {
        match self {
            Self::Function { .. } => PayloadKind::Function,
            Self::Custom { .. } => PayloadKind::Custom,
            Self::LocalShell { .. } => PayloadKind::LocalShell,
        }
    }
}

/// The shapes a call can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadKind {
    Function,
    Custom,
    LocalShell,
}

/// One call of a tool, with what a handler needs to run it.
pub struct ToolInvocation {
    pub(crate) session: Arc<Session>,
    pub(crate) ctx: Arc<TurnContext>,
    pub(crate) turn_state: Arc<TurnState>,
    pub(crate) call_id: String,
    pub(crate) tool_name: String,
    pub(crate) payload: ToolPayload,
}

impl ToolInvocation {
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The name the model called (an alias of the handler, possibly).
    pub fn tool_name(&self) -> &str {
        &self.tool_name
    }

    pub fn payload(&self) -> &ToolPayload {
        &self.payload
    }

    /// The turn's working directory (relative paths resolve against it).
    pub fn cwd(&self) -> &Path {
        &self.ctx.cwd
    }

    pub fn thread_id(&self) -> ThreadId {
        self.session.thread_id
    }

    /// `path` resolved against the turn's cwd.
    pub fn resolve_path(&self, path: Option<&str>) -> PathBuf {
        self.ctx.resolve_path(path)
    }

    /// The function-call arguments parsed as `T`; the error is the message
    /// the model gets back.
    pub fn parse_arguments<T: DeserializeOwned>(&self) -> Result<T, ToolOutput> {
        match &self.payload {
            ToolPayload::Function { arguments } => serde_json::from_str(arguments).map_err(|err| {
                ToolOutput::failure(format!("failed to parse function arguments: {err}"))
            }),
            other => Err(ToolOutput::failure(format!(
                "{} expects function arguments, not {:?} input",
                self.tool_name,
                other.kind()
            ))),
        }
    }
}

/// A tool.
pub trait ToolHandler: Send + Sync {
    /// What the model is told (its name is the name calls come in under).
    fn spec(&self) -> ToolSpec;

    /// Whether calls may run at the same time as other calls of the same
    /// response. Tools that change the workspace must say no.
    fn parallel_safe(&self) -> bool {
        false
    }

    /// Whether this handler takes calls of this shape.
    fn accepts(&self, kind: PayloadKind) -> bool {
        kind == PayloadKind::Function
    }

    /// What a call does, for hooks and approvals (see `call_description`):
    /// by default its arguments, under the tool's own name.
    fn describe(&self, payload: &ToolPayload, _cwd: &Path) -> CallDescription {
        CallDescription::arguments(payload)
    }

    /// Takes a hook's rewritten input (`updatedInput`, in the shape
    /// `describe` gave) back into the call.
    fn apply_hook_input(&self, payload: &mut ToolPayload, updated: &serde_json::Value) {
        super::call_description::replace_arguments(payload, updated);
    }

    /// Runs one call. Whatever it returns goes back to the model.
    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput>;
}

/// Tools that are known only while the turn runs (an MCP server's, which
/// may still be starting when the turn is set up).
pub(crate) trait ToolProvider: Send + Sync {
    /// What the model is told, now.
    fn specs(&self) -> Vec<ToolSpec>;
    /// The handler for a call of `name`, if this provider has it.
    fn handler(&self, name: &str) -> Option<Arc<dyn ToolHandler>>;
}

/// How the first note naming deferred namespaces begins (the reference's
/// words; later ones say they were added).
pub(crate) const DEFERRED_HEADER: &str = "Deferred tool namespaces:";

/// The tools of one turn, by the name the model calls them.
#[derive(Clone, Default)]
pub struct ToolRegistry {
    /// What the model is told, in registration order.
    offered: Vec<Offered>,
    by_name: HashMap<String, Arc<dyn ToolHandler>>,
    /// Consulted after the registered tools, for specs and calls.
    providers: Vec<Arc<dyn ToolProvider>>,
    /// Built-in namespaces not listed but found with `tool_search` (their
    /// functions are callable through aliases).
    deferred: Vec<codex_client::NamespaceTool>,
}

#[derive(Clone)]
enum Offered {
    Handler(Arc<dyn ToolHandler>),
    /// A tool the model provider runs itself (web search): offered, never
    /// called here.
    Server(ToolSpec),
}

impl Offered {
    fn spec(&self) -> ToolSpec {
        match self {
            Self::Handler(handler) => handler.spec(),
            Self::Server(spec) => spec.clone(),
        }
    }
}

impl std::fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.offered.iter().map(|o| o.spec().name().to_string()))
            .finish()
    }
}

/// Why a call cannot be dispatched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DispatchError {
    /// Tell the model and go on.
    RespondToModel(String),
    /// End the turn.
    Fatal(String),
}

impl ToolRegistry {
    /// Adds a tool under the name in its spec. A later tool with the same
    /// name replaces the earlier one.
    pub fn register(&mut self, handler: Arc<dyn ToolHandler>) {
        let name = handler.spec().name().to_string();
        self.offered
            .retain(|existing| existing.spec().name() != name.as_str());
        self.offered.push(Offered::Handler(Arc::clone(&handler)));
        self.by_name.insert(name, handler);
    }

    /// Offers a tool the model provider runs itself (nothing here handles
    /// its calls; they come back as output items of their own kind).
    pub fn register_server_tool(&mut self, spec: ToolSpec) {
        self.offered.push(Offered::Server(spec));
    }

    /// Offers `spec` (handled through aliases) right before the first
    /// offered tool named in `before`, else last: where the reference
    /// lists it.
    pub(crate) fn offer_before(&mut self, spec: ToolSpec, before: &[&str]) {
        let at = self
            .offered
            .iter()
            .position(|o| before.contains(&o.spec().name()))
            .unwrap_or(self.offered.len());
        self.offered.insert(at, Offered::Server(spec));
    }

    /// Calls under `name` also go to `handler` (its spec is not sent twice).
    pub fn register_alias(&mut self, name: &str, handler: Arc<dyn ToolHandler>) {
        self.by_name.insert(name.to_string(), handler);
    }

    /// Keeps `namespace` out of the list: `tool_search` finds it (offered
    /// once, here or by the MCP tools).
    pub(crate) fn defer(&mut self, namespace: codex_client::NamespaceTool, tool_search: ToolSpec) {
        if self.deferred.is_empty() {
            self.offered.push(Offered::Server(tool_search));
        }
        self.deferred.push(namespace);
    }

    /// The `<tools>` part of the first developer message naming the
    /// deferred built-in namespaces (the reference's form:
    /// `- name: description`); MCP namespaces are announced as they come.
    pub(crate) fn deferred_note(&self) -> Option<String> {
        if self.deferred.is_empty() {
            return None;
        }
        let lines: Vec<String> = self
            .deferred
            .iter()
            .map(|n| format!("- {}: {}", n.name, n.description))
            .collect();
        Some(format!(
            "<tools>\n{}\n{}\n</tools>",
            DEFERRED_HEADER,
            lines.join("\n")
        ))
    }

    /// The deferred built-in namespaces.
    pub(crate) fn deferred(&self) -> &[codex_client::NamespaceTool] {
        &self.deferred
    }

    /// Adds tools that are resolved when asked for.
    pub(crate) fn register_provider(&mut self, provider: Arc<dyn ToolProvider>) {
        self.providers.push(provider);
    }

    /// The specs to send, in registration order (providers' last).
    pub fn specs(&self) -> Vec<ToolSpec> {
        let mut specs: Vec<ToolSpec> = self.offered.iter().map(Offered::spec).collect();
        let searching = !self.deferred.is_empty();
        for provider in &self.providers {
            // `tool_search` is offered once for built-in and MCP tools.
            specs.extend(
                provider
                    .specs()
                    .into_iter()
                    .filter(|s| !(searching && matches!(s, ToolSpec::ToolSearch { .. }))),
            );
        }
        specs
    }

    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The handler for a call of `name` in shape `kind`.
    pub(crate) fn handler_for(
        &self,
        name: &str,
        kind: PayloadKind,
    ) -> Result<Arc<dyn ToolHandler>, DispatchError> {
        let provided = || self.providers.iter().find_map(|p| p.handler(name));
        let Some(handler) = self.by_name.get(name).cloned().or_else(provided) else {
            return Err(DispatchError::RespondToModel(match kind {
                PayloadKind::Custom => format!("unsupported custom tool call: {name}"),
                _ => format!("unsupported call: {name}"),
            }));
        };
        if !handler.accepts(kind) {
            return Err(DispatchError::Fatal(format!(
                "tool {name} invoked with incompatible payload"
            )));
        }
        Ok(handler)
    }
}
