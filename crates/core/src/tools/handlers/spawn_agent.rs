//! `spawn_agent`: starts a sub-agent on a task and answers at once with
//! `{"agent_id", "nickname"}`; the agent works beside the caller (see
//! `crate::agents`). Its settings are the caller's turn's — cwd, approval
//! policy and sandbox (a role's `sandbox_mode` applies only where it is
//! stricter), model and effort unless the call or the role names others —
//! and its history is the task alone, or the caller's history first with
//! `fork_context`.

use std::sync::Arc;

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::ThreadId;
use codex_protocol::config_types::{ReasoningEffort, SandboxMode};
use codex_protocol::items::{AgentStatus, CollabAgentTool};
use codex_protocol::protocol::{Op, SandboxPolicy};
use codex_protocol::rollout::{RolloutItem, SessionSource, SubAgentSource};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::multi_agent::{InputItem, answer, input_of, items_schema};
use crate::agents::mailbox::Mailbox;
use crate::agents::{AgentLink, ChildAgent, CollabCall};
use crate::features::SessionFeatures as _;
use crate::session::Session;
use crate::spawn::{InitialHistory, SpawnParams};
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};
use crate::turn_context::TurnContext;

/// The types every session knows (they change nothing but the name).
const BUILT_IN_TYPES: &[&str] = &["default", "explorer", "worker"];

pub(crate) struct SpawnAgentHandler {
    /// The custom roles: name and description.
    pub(crate) roles: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct Args {
    message: Option<String>,
    items: Option<Vec<InputItem>>,
    #[serde(default)]
    fork_context: bool,
    model: Option<String>,
    reasoning_effort: Option<String>,
    agent_type: Option<String>,
}

impl ToolHandler for SpawnAgentHandler {
    fn spec(&self) -> ToolSpec {
        let mut properties = json!({
            "fork_context": {"type": "boolean", "description": "true: the new agent starts with a copy of this conversation; false or omitted: with the task alone."},
            "items": items_schema(),
            "message": {"type": "string", "description": "The task as plain text (or give items)."},
            "model": {"type": "string", "description": "Another model for the agent; omit to use yours (preferred)."},
            "reasoning_effort": {"type": "string", "description": "Another reasoning effort for the agent; omit to use yours."}
        });
        if let Some(param) = agent_type_param(&self.roles) {
            properties["agent_type"] = param;
        }
        ToolSpec::Function(FunctionTool {
            name: "spawn_agent".to_string(),
            description: "Starts a sub-agent on a well-scoped task and returns its id and nickname at once; it works while you go on. Spawn only when the user or the project's instructions ask for sub-agents, delegation or parallel work. Give each agent a concrete, self-contained task with its own files to change; do not redo its work; call wait_agent only when you need its result for your next step.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": properties,
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
            let options = args_rest(&args);
            let (input, prompt) = match input_of(args.message, args.items) {
                Ok(input) => input,
                Err(output) => return output,
            };
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            let call = CollabCall::begin(
                session,
                ctx,
                &invocation.call_id,
                CollabAgentTool::SpawnAgent,
                Vec::new(),
                prompt,
            )
            .await;
            let history = match options.fork_context {
                true => fork_of(session, None),
                false => InitialHistory::New,
            };
            match spawn_v1(session, ctx, input, &options, history).await {
                Ok(spawned) => {
                    let (id, nickname) = (spawned.child.thread_id, spawned.child.nickname.clone());
                    call.with_model(spawned.model, spawned.reasoning_effort)
                        .end(
                            session,
                            ctx,
                            vec![(id, Some(nickname.clone()), AgentStatus::PendingInit)],
                            true,
                        )
                        .await;
                    answer(json!({"agent_id": id.to_string(), "nickname": nickname}))
                }
                Err(message) => {
                    call.end(session, ctx, Vec::new(), false).await;
                    ToolOutput::failure(message)
                }
            }
        }
        .boxed()
    }
}

/// The `agent_type` parameter, offered when custom roles exist.
pub(super) fn agent_type_param(roles: &[(String, String)]) -> Option<serde_json::Value> {
    if roles.is_empty() {
        return None;
    }
    let mut lines: Vec<String> = roles
        .iter()
        .map(|(name, description)| {
            format!("{name}: {{{description} (its model and effort are set by the role)}}")
        })
        .collect();
    lines.extend(
        BUILT_IN_TYPES
            .iter()
            .map(|t| format!("{t}: {{a general agent}}")),
    );
    Some(json!({
        "type": "string",
        "description": format!("The kind of agent to spawn:\n{}", lines.join("\n")),
    }))
}

/// The settings of a spawn besides its input.
pub(super) struct SpawnOptions {
    pub(super) fork_context: bool,
    pub(super) model: Option<String>,
    pub(super) reasoning_effort: Option<String>,
    pub(super) agent_type: Option<String>,
}

/// A started child and what it runs with.
pub(super) struct Spawned {
    pub(super) child: Arc<ChildAgent>,
    pub(super) model: String,
    pub(super) reasoning_effort: Option<ReasoningEffort>,
}

/// Starts a v1 child and gives it its task.
async fn spawn_v1(
    session: &Arc<Session>,
    ctx: &TurnContext,
    input: Vec<codex_protocol::user_input::UserInput>,
    options: &SpawnOptions,
    history: InitialHistory,
) -> Result<Spawned, String> {
    let spawned = spawn(session, ctx, options, history, None).await?;
    let child = &spawned.child;
    if let Err(err) = child
        .codex
        .submit(Op::UserInput {
            items: input,
            final_output_json_schema: None,
        })
        .await
    {
        session.features().agents.close(child).await;
        return Err(format!("the agent did not take its task: {err}"));
    }
    Ok(spawned)
}

/// The caller's history as a child's start: all of it, or from the
/// `last_turns`-th last user message on.
pub(super) fn fork_of(session: &Session, last_turns: Option<usize>) -> InitialHistory {
    let history = session.state.history_for_prompt();
    let items = &history.items;
    let starts = crate::compact::user_turn_starts(items);
    // What comes before the first user message is the conversation's
    // start (instructions, environment): a child always gets it.
    let head = starts.first().copied().unwrap_or(items.len());
    let from = match last_turns {
        Some(n) if n < starts.len() => starts[starts.len() - n.max(1)],
        _ => head,
    };
    InitialHistory::Forked {
        from: session.thread_id,
        items: items[..head]
            .iter()
            .chain(&items[from..])
            .cloned()
            .map(RolloutItem::ResponseItem)
            .collect(),
    }
}

fn args_rest(args: &Args) -> SpawnOptions {
    SpawnOptions {
        fork_context: args.fork_context,
        model: args.model.clone(),
        reasoning_effort: args.reasoning_effort.clone(),
        agent_type: args.agent_type.clone(),
    }
}

/// Starts a child with `history`; `v2` gives it a path and a mailbox.
pub(super) async fn spawn(
    session: &Arc<Session>,
    ctx: &TurnContext,
    options: &SpawnOptions,
    history: InitialHistory,
    v2: Option<(String, Arc<Mailbox>)>,
) -> Result<Spawned, String> {
    let agents = &session.features().agents;
    let role = match options.agent_type.as_deref() {
        None => None,
        Some(name) if BUILT_IN_TYPES.contains(&name) => None,
        Some(name) => match agents.roles.get(name) {
            Some(role) => Some(role.clone()),
            None => return Err(format!("unknown agent_type '{name}'")),
        },
    };
    let effort = match &options.reasoning_effort {
        Some(effort) => Some(
            serde_json::from_value::<ReasoningEffort>(json!(effort))
                .map_err(|_| format!("unknown reasoning_effort '{effort}'"))?,
        ),
        None => None,
    };
    // The slot is held under a placeholder id until the thread has its own.
    let placeholder = ThreadId::new();
    let candidates = role
        .as_ref()
        .map(|r| r.nickname_candidates.clone())
        .unwrap_or_default();
    let nickname = agents.reserve(placeholder, &candidates)?;

    let mut config = (*session.services.config).clone();
    config.cwd = ctx.cwd.clone();
    config.approval_policy = ctx.approval_policy;
    config.sandbox_policy = stricter(
        &ctx.sandbox_policy,
        role.as_ref().and_then(|r| r.sandbox_mode),
    );
    config.model = options
        .model
        .clone()
        .or_else(|| role.as_ref().and_then(|r| r.model.clone()))
        .unwrap_or_else(|| ctx.model.clone());
    config.model_reasoning_effort = effort
        .or_else(|| role.as_ref().and_then(|r| r.model_reasoning_effort))
        .or(ctx.reasoning_effort);
    if let Some(instructions) = role.as_ref().and_then(|r| r.developer_instructions.clone()) {
        config.developer_instructions = Some(match config.developer_instructions.take() {
            Some(own) => format!("{own}\n\n{instructions}"),
            None => instructions,
        });
    }
    let role_name = role.as_ref().map(|r| r.name.clone());
    let source = SessionSource::SubAgent(Box::new(SubAgentSource {
        parent_thread_id: session.thread_id,
        depth: agents.depth + 1,
        agent_path: v2.as_ref().map(|(path, _)| path.clone()),
        agent_nickname: Some(nickname.clone()),
        agent_role: role_name,
    }));
    let services = &session.services;
    let mut params = SpawnParams::new(source, services.originator.clone());
    params.state_db = services.state_db.clone();
    params.linux_sandbox_exe = services.linux_sandbox_exe.clone();
    params.thread_source = "subagent".to_string();
    params.turn_trigger = services.turn_trigger.clone();
    params.extra_tools = services.extra_tools.clone();
    params.subagent = Some(AgentLink {
        tree: Arc::clone(&agents.tree),
        depth: agents.depth + 1,
        parent: session.thread_id,
        nickname: nickname.clone(),
        path: v2.as_ref().map(|(path, _)| path.clone()),
        mailbox: v2.as_ref().map(|(_, mailbox)| Arc::clone(mailbox)),
    });
    params.initial_history = history;
    let (model, reasoning_effort) = (config.model.clone(), config.model_reasoning_effort);
    let start = (config.clone(), params.clone());
    let codex = match crate::spawn::spawn_child(session, config, params).await {
        Ok(codex) => codex,
        Err(err) => {
            agents.release(placeholder);
            return Err(format!("the agent could not start: {err}"));
        }
    };
    let id = codex.thread_id();
    agents.tree.rekey(placeholder, id);
    let child = agents.adopt(session, codex, nickname, v2);
    child.remember_start(start.0, start.1);
    Ok(Spawned {
        child,
        model,
        reasoning_effort,
    })
}

/// The parent's sandbox, or the role's mode where that is stricter (never
/// looser).
fn stricter(parent: &SandboxPolicy, mode: Option<SandboxMode>) -> SandboxPolicy {
    let rank = |p: &SandboxPolicy| match p {
        SandboxPolicy::ReadOnly => 0,
        SandboxPolicy::WorkspaceWrite { .. } => 1,
        SandboxPolicy::DangerFullAccess => 2,
    };
    let wanted = match mode {
        Some(SandboxMode::ReadOnly) => SandboxPolicy::ReadOnly,
        Some(SandboxMode::WorkspaceWrite) if rank(parent) > 1 => {
            SandboxPolicy::new_workspace_write()
        }
        _ => return parent.clone(),
    };
    if rank(&wanted) < rank(parent) {
        wanted
    } else {
        parent.clone()
    }
}
