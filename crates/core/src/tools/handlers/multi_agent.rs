//! The `multi_agent_v1` namespace: the agent tools (one handler per file:
//! `spawn_agent`, `send_input`, `wait_agent`, `close_agent`,
//! `resume_agent`) and what they share — the input items a message can be
//! given as, reading an agent id, the answers' JSON.
//!
//! On Responses the tools are one namespace, as the reference offers them,
//! and a call must name it (a bare `spawn_agent` is an unsupported call);
//! Chat Completions, which has no namespaces, gets them as plain
//! functions. A session at the depth limit is offered none of them.

use std::sync::Arc;

use codex_client::{NamespaceTool, NamespacedFunction, ToolSpec};
use codex_protocol::ThreadId;
use codex_protocol::user_input::UserInput;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::agents::{AgentControl, AgentsVersion, ChildAgent};
use crate::tools::registry::{ToolHandler, ToolOutput, ToolRegistry};

pub(crate) const NAMESPACE: &str = "multi_agent_v1";

/// Offers the agent tools of a session that may spawn: `multi_agent_v1`,
/// or `collaboration` with `[features] multi_agent_v2`.
///
/// `searchable` (a Responses model that takes `tool_search`): v1 is not
/// listed but found by search, as the reference defers it; v2 is always
/// listed.
pub(crate) fn register(
    registry: &mut ToolRegistry,
    agents: &AgentControl,
    responses: bool,
    searchable: bool,
) {
    if !agents.can_spawn() {
        return;
    }
    let roles: Vec<(String, String)> = agents
        .roles
        .values()
        .map(|r| (r.name.clone(), r.description.clone()))
        .collect();
    let (namespace, handlers): (&str, Vec<Arc<dyn ToolHandler>>) = match agents.version {
        AgentsVersion::V2 => (
            super::collaboration::NAMESPACE,
            super::collaboration::handlers(roles),
        ),
        _ => (
            NAMESPACE,
            vec![
                Arc::new(super::close_agent::CloseAgentHandler),
                Arc::new(super::resume_agent::ResumeAgentHandler),
                Arc::new(super::send_input::SendInputHandler),
                Arc::new(super::spawn_agent::SpawnAgentHandler { roles }),
                Arc::new(super::wait_agent::WaitAgentHandler),
            ],
        ),
    };
    if !responses {
        for handler in handlers {
            registry.register(handler);
        }
        return;
    }
    let mut tools = Vec::new();
    for handler in handlers {
        let ToolSpec::Function(function) = handler.spec() else {
            continue;
        };
        registry.register_alias(&format!("{namespace}{}", function.name), handler);
        tools.push(NamespacedFunction {
            name: function.name,
            description: function.description,
            strict: function.strict,
            defer_loading: None,
            parameters: function.parameters,
        });
    }
    let spec = NamespaceTool {
        name: namespace.to_string(),
        description: "Tools for spawning and managing sub-agents.".to_string(),
        tools,
    };
    if searchable && agents.version == AgentsVersion::V1 {
        registry.defer(spec, super::tool_search::spec());
        return;
    }
    // The reference lists it after the other built-in tools, before the
    // goal tools.
    registry.offer_before(ToolSpec::Namespace(spec), &["get_goal"]);
}

/// The schema of `items`, shared by `spawn_agent` and `send_input`.
pub(super) fn items_schema() -> Value {
    let text = |d: &str| json!({"type": "string", "description": d});
    json!({
        "type": "array",
        "description": "The input as structured items, for images and explicit mentions.",
        "items": {
            "type": "object",
            "properties": {
                "audio_url": text("The audio as a data URL (type audio)."),
                "image_url": text("The image URL (type image)."),
                "name": text("What to call the skill or mention (type skill or mention)."),
                "path": text("A local file (local_image, local_audio, skill) or a mention's target such as app://<connector-id>."),
                "text": text("The text (type text)."),
                "type": text("One of text, image, local_image, audio, local_audio, skill, mention.")
            },
            "additionalProperties": false
        }
    })
}

/// One entry of `items`.
#[derive(Debug, Deserialize)]
pub(super) struct InputItem {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    image_url: Option<String>,
    path: Option<String>,
    name: Option<String>,
}

/// A message as the child's input: `message`, else `items`.
pub(super) fn input_of(
    message: Option<String>,
    items: Option<Vec<InputItem>>,
) -> Result<(Vec<UserInput>, Option<String>), ToolOutput> {
    let mut input = Vec::new();
    if let Some(message) = message.filter(|m| !m.trim().is_empty()) {
        input.push(UserInput::Text { text: message });
    }
    for item in items.into_iter().flatten() {
        let kind = item.kind.clone();
        input.push(match (kind.as_str(), item) {
            (
                "text",
                InputItem {
                    text: Some(text), ..
                },
            ) => UserInput::Text { text },
            (
                "image",
                InputItem {
                    image_url: Some(image_url),
                    ..
                },
            ) => UserInput::Image { image_url },
            (
                "local_image",
                InputItem {
                    path: Some(path), ..
                },
            ) => UserInput::LocalImage { path: path.into() },
            ("skill" | "mention", InputItem { name, path, .. }) => UserInput::Text {
                text: format!("${}", name.or(path).unwrap_or_default()),
            },
            (kind, _) => {
                return Err(ToolOutput::failure(format!(
                    "input item of type `{kind}` lacks its field, or is not supported here"
                )));
            }
        });
    }
    if input.is_empty() {
        return Err(ToolOutput::failure(
            "Provide one of: message or items (the agent needs a task)",
        ));
    }
    let prompt = input
        .iter()
        .filter_map(|i| match i {
            UserInput::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    Ok((input, Some(prompt)))
}

/// An agent id as the model sent it.
pub(super) fn parse_id(id: &str) -> Result<ThreadId, ToolOutput> {
    id.trim()
        .parse::<ThreadId>()
        .map_err(|err| ToolOutput::failure(format!("invalid agent id `{id}`: {err}")))
}

/// The open or closed child with this id, or the error for the model.
pub(super) fn find_child(
    agents: &AgentControl,
    id: ThreadId,
) -> Result<Arc<ChildAgent>, ToolOutput> {
    agents
        .child(id)
        .ok_or_else(|| ToolOutput::failure(format!("agent with id {id} not found")))
}

/// The shortest, default and longest waits of `wait_agent` (both sets).
pub(super) const MIN_WAIT_MS: u64 = 10_000;
pub(super) const MAX_WAIT_MS: u64 = 3_600_000;
const DEFAULT_WAIT_MS: u64 = 30_000;

/// The wait a `timeout_ms` asks for, within the bounds; and what was
/// asked, if anything usable was.
pub(super) fn wait_timeout(asked: Option<f64>) -> (u64, Option<u64>) {
    let asked = asked
        .filter(|t| t.is_finite() && *t > 0.0)
        .map(|t| t as u64);
    let timeout = asked
        .unwrap_or(DEFAULT_WAIT_MS)
        .clamp(MIN_WAIT_MS, MAX_WAIT_MS);
    (timeout, asked)
}

/// A JSON answer.
pub(super) fn answer(value: Value) -> ToolOutput {
    ToolOutput::success(value.to_string())
}
