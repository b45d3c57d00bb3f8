//! `wait_agent`: waits until one of the given agents reaches a final
//! status (completed, errored, interrupted, shut down), or the timeout;
//! answers `{"status": {id: status}, "timed_out": bool}` with every target
//! that is final by then — a completed agent's status carries its final
//! message.

use std::time::Duration;

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::ThreadId;
use codex_protocol::items::{AgentStatus, CollabAgentTool};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::multi_agent::{answer, parse_id};
use crate::agents::CollabCall;
use crate::features::SessionFeatures as _;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) struct WaitAgentHandler;

const DEFAULT_TIMEOUT_MS: u64 = 30_000;
const MIN_TIMEOUT_MS: u64 = 10_000;
const MAX_TIMEOUT_MS: u64 = 3_600_000;

#[derive(Deserialize)]
struct Args {
    targets: Vec<String>,
    timeout_ms: Option<f64>,
}

impl ToolHandler for WaitAgentHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: "wait_agent".to_string(),
            description: "Waits until agents reach a final status; a completed agent's status carries its final message. Returns an empty status when the time runs out. A notification with the same status also arrives once an agent is done.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "targets": {
                        "type": "array",
                        "description": "The ids of the agents to wait for; the wait ends when the first of them is done.",
                        "items": {"type": "string"}
                    },
                    "timeout_ms": {
                        "type": "number",
                        "description": "How long to wait, in milliseconds: default 30000, at least 10000, at most 3600000. Long waits beat polling."
                    }
                },
                "required": ["targets"],
                "additionalProperties": false
            }),
        })
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            if args.targets.is_empty() {
                return ToolOutput::failure("targets is empty: name at least one agent id");
            }
            let mut ids = Vec::new();
            for target in &args.targets {
                match parse_id(target) {
                    Ok(id) => ids.push(id),
                    Err(output) => return output,
                }
            }
            let timeout_ms = args
                .timeout_ms
                .filter(|t| t.is_finite() && *t > 0.0)
                .map_or(DEFAULT_TIMEOUT_MS, |t| t as u64)
                .clamp(MIN_TIMEOUT_MS, MAX_TIMEOUT_MS);
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            let call = CollabCall::begin(
                session,
                ctx,
                &invocation.call_id,
                CollabAgentTool::Wait,
                ids.clone(),
                None,
            )
            .await;
            let agents = &session.features().agents;
            let children: Vec<_> = ids.iter().map(|id| (*id, agents.child(*id))).collect();
            let any_final = children
                .iter()
                .any(|(_, child)| child.as_ref().is_none_or(|c| c.status().is_final()));
            let mut timed_out = false;
            if !any_final {
                let waits = children.iter().filter_map(|(_, child)| {
                    let mut rx = child.as_ref()?.subscribe();
                    Some(
                        async move {
                            let _ = rx.wait_for(AgentStatus::is_final).await;
                        }
                        .boxed(),
                    )
                });
                let any = futures::future::select_all(waits);
                timed_out = tokio::time::timeout(Duration::from_millis(timeout_ms), any)
                    .await
                    .is_err();
            }
            let mut states: Vec<(ThreadId, Option<String>, AgentStatus)> = Vec::new();
            for (id, child) in &children {
                let (nickname, status) = match child {
                    Some(child) => (Some(child.nickname.clone()), child.status()),
                    None => (None, AgentStatus::NotFound),
                };
                if status.is_final() {
                    states.push((*id, nickname, status));
                }
            }
            let status: serde_json::Map<String, serde_json::Value> = states
                .iter()
                .map(|(id, _, status)| (id.to_string(), json!(status)))
                .collect();
            call.end(session, ctx, states, true).await;
            answer(json!({"status": status, "timed_out": timed_out}))
        }
        .boxed()
    }
}
