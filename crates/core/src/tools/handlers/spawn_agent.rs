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
use crate::agents::{AgentLink, CollabCall};
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
        if !self.roles.is_empty() {
            let mut lines: Vec<String> = self
                .roles
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
            properties["agent_type"] = json!({
                "type": "string",
                "description": format!("The kind of agent to spawn:\n{}", lines.join("\n")),
            });
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
            match spawn(session, ctx, input, &options).await {
                Ok((id, nickname)) => {
                    call.end(
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

/// The settings of a spawn besides its input.
struct SpawnOptions {
    fork_context: bool,
    model: Option<String>,
    reasoning_effort: Option<String>,
    agent_type: Option<String>,
}

fn args_rest(args: &Args) -> SpawnOptions {
    SpawnOptions {
        fork_context: args.fork_context,
        model: args.model.clone(),
        reasoning_effort: args.reasoning_effort.clone(),
        agent_type: args.agent_type.clone(),
    }
}

async fn spawn(
    session: &Arc<Session>,
    ctx: &TurnContext,
    input: Vec<codex_protocol::user_input::UserInput>,
    options: &SpawnOptions,
) -> Result<(ThreadId, String), String> {
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
        agent_path: None,
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
    });
    if options.fork_context {
        let history = session.state.history_for_prompt();
        params.initial_history = InitialHistory::Forked {
            from: session.thread_id,
            items: history
                .items
                .iter()
                .cloned()
                .map(RolloutItem::ResponseItem)
                .collect(),
        };
    }
    let codex = match crate::spawn::spawn_child(session, config, params).await {
        Ok(codex) => codex,
        Err(err) => {
            agents.release(placeholder);
            return Err(format!("the agent could not start: {err}"));
        }
    };
    let id = codex.thread_id();
    agents.tree.rekey(placeholder, id);
    let child = agents.adopt(session, codex, nickname.clone());
    if let Err(err) = child
        .codex
        .submit(Op::UserInput {
            items: input,
            final_output_json_schema: None,
        })
        .await
    {
        agents.close(&child).await;
        return Err(format!("the agent did not take its task: {err}"));
    }
    Ok((id, nickname))
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
