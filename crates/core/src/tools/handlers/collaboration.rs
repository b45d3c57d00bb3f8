//! The `collaboration` namespace (`[features] multi_agent_v2`): agents
//! addressed by path (`/root/w1`) that talk through mailboxes (see
//! `crate::agents::mailbox`). One handler per file: `collab_spawn_agent`,
//! `followup_task`, `send_message`, `collab_wait_agent`,
//! `interrupt_agent`, `list_agents`; this file holds what they share —
//! reading a target, the message parameter, the activity items.

use std::sync::Arc;

use codex_protocol::config_types::ReasoningEffort;
use codex_protocol::items::{SubAgentActivityItem, SubAgentActivityKind};
use codex_protocol::protocol::EventMsg;
use serde_json::{Value, json};

use crate::agents::mailbox::{ROOT_PATH, resolve};
use crate::agents::{AgentControl, ChildAgent, Member};
use crate::session::Session;
use crate::tools::registry::{ToolHandler, ToolOutput};
use crate::turn_context::TurnContext;

pub(crate) const NAMESPACE: &str = "collaboration";

/// The namespace's tools, in the order the reference lists them.
pub(crate) fn handlers(roles: Vec<(String, String)>) -> Vec<Arc<dyn ToolHandler>> {
    vec![
        Arc::new(super::followup_task::FollowupTaskHandler),
        Arc::new(super::interrupt_agent::InterruptAgentHandler),
        Arc::new(super::list_agents::ListAgentsHandler),
        Arc::new(super::send_message::SendMessageHandler),
        Arc::new(super::collab_spawn_agent::CollabSpawnAgentHandler { roles }),
        Arc::new(super::collab_wait_agent::CollabWaitAgentHandler),
    ]
}

/// A message parameter: the model's text, passed on as it is (the
/// reference marks these `encrypted`).
pub(super) fn message_param(description: &str) -> Value {
    json!({"type": "string", "description": description, "encrypted": true})
}

/// The parameters of a message to an agent: `target` and `message`.
pub(super) fn target_and_message(target: &str, message: &str) -> Value {
    json!({
        "type": "object",
        "properties": {
            "message": message_param(message),
            "target": {"type": "string", "description": target}
        },
        "required": ["target", "message"],
        "additionalProperties": false
    })
}

/// The live agent `target` names, seen from the caller: a path, a name
/// below the caller, or a thread id.
pub(super) fn find_target(
    agents: &AgentControl,
    target: &str,
) -> Result<(String, Member), ToolOutput> {
    if let Ok(id) = target.trim().parse::<codex_protocol::ThreadId>() {
        let found = agents
            .tree
            .members(ROOT_PATH)
            .into_iter()
            .find(|(_, m)| m.child.as_ref().is_some_and(|c| c.thread_id == id));
        return found.ok_or_else(|| {
            ToolOutput::failure(format!(
                "no live agent has the id {id}; list_agents shows the live agents"
            ))
        });
    }
    let path = resolve(&agents.path, target);
    match agents.tree.member(&path) {
        Some(member) => Ok((path, member)),
        None => Err(ToolOutput::failure(format!(
            "no live agent at `{path}`; list_agents shows the live agents"
        ))),
    }
}

/// Tells the frontends what happened to `child` (a completed
/// `SubAgentActivity` item of the caller's turn).
pub(super) async fn activity(
    session: &Session,
    ctx: &TurnContext,
    id: &str,
    kind: SubAgentActivityKind,
    child: &ChildAgent,
    started_with: Option<(String, Option<ReasoningEffort>)>,
) {
    let (model, reasoning_effort) = match started_with {
        Some((model, effort)) => (Some(model), effort),
        None => (None, None),
    };
    let item = SubAgentActivityItem {
        id: id.to_string(),
        kind,
        agent_thread_id: child.thread_id.to_string(),
        agent_path: child.path.clone().unwrap_or_default(),
        model,
        reasoning_effort,
    };
    session
        .send_event(&ctx.sub_id, EventMsg::SubAgentActivity(item))
        .await;
}
