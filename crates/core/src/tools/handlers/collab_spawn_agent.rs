//! `spawn_agent` (`collaboration`): starts an agent at `<caller>/<task_name>`
//! on a task and answers `{"task_name": "/root/<task_name>"}` at once.
//!
//! By default (`fork_turns` `all`) the child starts from the caller's
//! conversation — the spawn call answered `aborted` for it, then a note
//! that it is a new agent — and `none` gives it a fresh conversation; a
//! number forks only that many recent user turns. Either way its own
//! developer messages (its place in the team) follow, and its task comes
//! as a `NEW_TASK` message in its mailbox, which starts its first turn.
//! Settings are inherited as for `multi_agent_v1` (see `spawn_agent`).

use std::collections::HashSet;
use std::sync::Arc;

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::items::SubAgentActivityKind;
use codex_protocol::models::{FunctionCallOutputPayload, ResponseItem};
use codex_protocol::rollout::RolloutItem;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::collaboration::{activity, message_param};
use super::multi_agent::answer;
use super::spawn_agent::{SpawnOptions, agent_type_param, fork_of, spawn};
use crate::agents::mailbox::{
    Mailbox, MessageKind, agent_message, fork_note, mode_message, resolve, team_message,
    valid_task_name,
};
use crate::agents::start_turn;
use crate::features::SessionFeatures as _;
use crate::spawn::InitialHistory;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) struct CollabSpawnAgentHandler {
    /// The custom roles: name and description.
    pub(crate) roles: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct Args {
    task_name: String,
    message: String,
    fork_turns: Option<String>,
    model: Option<String>,
    reasoning_effort: Option<String>,
    agent_type: Option<String>,
}

impl ToolHandler for CollabSpawnAgentHandler {
    fn spec(&self) -> ToolSpec {
        let mut properties = json!({
            "fork_turns": {"type": "string", "description": "How much of your conversation the agent sees: `all` (the default) or `none`."},
            "message": message_param("The agent's first task, as plain text."),
            "model": {"type": "string", "description": "Another model for the agent; omit unless one is explicitly asked for."},
            "reasoning_effort": {"type": "string", "description": "Another reasoning effort for the agent; omit to keep yours."},
            "task_name": {"type": "string", "description": "The agent's task name: lowercase letters, digits and underscores."}
        });
        if let Some(param) = agent_type_param(&self.roles) {
            properties["agent_type"] = param;
        }
        ToolSpec::Function(FunctionTool {
            name: "spawn_agent".to_string(),
            description: "Starts an agent on a task. Its canonical name is your own path plus the task name: from `/root`, task `w1` is `/root/w1`, which you can also call `w1`. It has your tools, works while you go on, can message you, and its final answer reaches you when it finishes. With fork_turns `none` it sees nothing of this conversation but its task, so write the task to stand alone.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": properties,
                "required": ["task_name", "message"],
                "additionalProperties": false
            }),
        })
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            if !valid_task_name(&args.task_name) {
                return ToolOutput::failure(format!(
                    "task_name `{}` is not allowed: use only lowercase letters, digits and underscores",
                    args.task_name
                ));
            }
            // None: a fresh conversation; Some(None): all of it.
            let fork: Option<Option<usize>> = match args.fork_turns.as_deref().map(str::trim) {
                None | Some("all") => Some(None),
                Some("none") => None,
                Some(n) => match n.parse::<usize>() {
                    Ok(0) => None,
                    Ok(n) => Some(Some(n)),
                    Err(_) => {
                        return ToolOutput::failure(format!(
                            "fork_turns `{n}` is not understood: use `all`, `none` or a number of recent turns"
                        ));
                    }
                },
            };
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            let agents = &session.features().agents;
            let path = resolve(&agents.path, &args.task_name);
            if agents.tree.member(&path).is_some() {
                return ToolOutput::failure(format!(
                    "an agent named `{path}` is already live: pick another task_name, or give it more work with followup_task"
                ));
            }
            let history = match fork {
                None => InitialHistory::New,
                Some(last_turns) => {
                    let can_spawn = agents.depth + 1 < agents.tree.max_depth;
                    let own = [
                        fork_note(),
                        team_message(&path, agents.tree.max_threads + 1, can_spawn),
                        mode_message(),
                    ];
                    with_child_start(fork_of(session, last_turns), own)
                }
            };
            let options = SpawnOptions {
                fork_context: fork.is_some(),
                model: args.model,
                reasoning_effort: args.reasoning_effort,
                agent_type: args.agent_type,
            };
            let mailbox = Arc::new(Mailbox::new());
            let spawned = match spawn(
                session,
                ctx,
                &options,
                history,
                Some((path.clone(), Arc::clone(&mailbox))),
            )
            .await
            {
                Ok(spawned) => spawned,
                Err(message) => return ToolOutput::failure(message),
            };
            let child = &spawned.child;
            let task = agent_message(MessageKind::NewTask, &agents.path, &path, &args.message);
            mailbox.deliver(MessageKind::NewTask, task);
            if let Err(err) = child.codex.submit(start_turn()).await {
                agents.close(child).await;
                return ToolOutput::failure(format!("the agent did not take its task: {err}"));
            }
            activity(
                session,
                ctx,
                &invocation.call_id,
                SubAgentActivityKind::Started,
                child,
                Some((spawned.model.clone(), spawned.reasoning_effort)),
            )
            .await;
            answer(json!({"task_name": path}))
        }
        .boxed()
    }
}

/// A forked history made a child's start: every call still open in it
/// (the spawn itself among them) answered `aborted`, then `own`.
fn with_child_start(
    history: InitialHistory,
    own: impl IntoIterator<Item = ResponseItem>,
) -> InitialHistory {
    let InitialHistory::Forked { from, mut items } = history else {
        return history;
    };
    let answered: HashSet<String> = items
        .iter()
        .filter_map(|item| match item {
            RolloutItem::ResponseItem(item) => item.output_call_id().map(str::to_string),
            _ => None,
        })
        .collect();
    let open: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            RolloutItem::ResponseItem(item) => item.call_id().map(str::to_string),
            _ => None,
        })
        .filter(|id| !answered.contains(id))
        .collect();
    items.extend(open.into_iter().map(|call_id| {
        RolloutItem::ResponseItem(ResponseItem::FunctionCallOutput {
            call_id,
            output: FunctionCallOutputPayload::success("aborted"),
        })
    }));
    items.extend(own.into_iter().map(RolloutItem::ResponseItem));
    InitialHistory::Forked { from, items }
}
