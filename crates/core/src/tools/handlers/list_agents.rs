//! `list_agents` (`collaboration`): the live agents of the caller's tree,
//! by path, with their status: `{"agents": [{"agent_name", "agent_status"}]}`.
//! The root and the caller are working (they are the ones asking, or wait
//! on the one asking), so they show as running.

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::items::AgentStatus;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::multi_agent::answer;
use crate::agents::mailbox::ROOT_PATH;
use crate::features::SessionFeatures as _;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) struct ListAgentsHandler;

#[derive(Deserialize)]
struct Args {
    path_prefix: Option<String>,
}

impl ToolHandler for ListAgentsHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: "list_agents".to_string(),
            description: "Lists the live agents of your tree with their status, optionally only those under a task path.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "path_prefix": {"type": "string", "description": "Only agents at or under this task path (no trailing slash); omit for all."}
                },
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
            let prefix = args
                .path_prefix
                .map(|p| p.trim().trim_end_matches('/').to_string())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| ROOT_PATH.to_string());
            let members = invocation.session.features().agents.tree.members(&prefix);
            let agents: Vec<_> = members
                .iter()
                .map(|(path, member)| {
                    let status = member
                        .child
                        .as_ref()
                        .map_or(AgentStatus::Running, |c| c.status());
                    json!({"agent_name": path, "agent_status": status})
                })
                .collect();
            answer(json!({"agents": agents}))
        }
        .boxed()
    }
}
