//! `wait_agent` (`collaboration`): waits until something reaches the
//! caller's mailbox (a final answer, a message), or the timeout. It does
//! not return the content — the messages join the next request, after
//! this output — only `{"message", "timed_out"}`. Shown as a `wait` agent
//! tool call, as the reference shows it.

use std::time::Duration;

use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::items::CollabAgentTool;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::multi_agent::{MAX_WAIT_MS, MIN_WAIT_MS, answer, wait_timeout};
use crate::agents::CollabCall;
use crate::features::SessionFeatures as _;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) struct CollabWaitAgentHandler;

#[derive(Deserialize)]
struct Args {
    timeout_ms: Option<f64>,
}

impl ToolHandler for CollabWaitAgentHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: "wait_agent".to_string(),
            description: "Waits until a message or a final answer from any agent reaches your mailbox, or the time runs out. The messages themselves arrive with your next request; this says only whether the wait ended on news or on the timeout.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "timeout_ms": {"type": "number", "description": "How long to wait, in milliseconds: default 30000, at least 10000, at most 3600000."}
                },
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
            let (timeout_ms, asked) = wait_timeout(args.timeout_ms);
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            let call = CollabCall::begin(
                session,
                ctx,
                &invocation.call_id,
                CollabAgentTool::Wait,
                Vec::new(),
                None,
            )
            .await;
            let mailbox = &session.features().agents.mailbox;
            let mut delivered = mailbox.subscribe();
            let timed_out = !mailbox.has_mail()
                && tokio::time::timeout(Duration::from_millis(timeout_ms), delivered.changed())
                    .await
                    .is_err();
            call.end(session, ctx, Vec::new(), true).await;
            let mut message = if timed_out {
                "Wait timed out.".to_string()
            } else {
                "Wait completed.".to_string()
            };
            if let Some(asked) = asked.filter(|a| *a != timeout_ms) {
                message.push_str(&format!(
                    "\n\nThe timeout of {asked} ms was changed to {timeout_ms} ms: waits last from {MIN_WAIT_MS} to {MAX_WAIT_MS} ms."
                ));
            }
            answer(json!({"message": message, "timed_out": timed_out}))
        }
        .boxed()
    }
}
