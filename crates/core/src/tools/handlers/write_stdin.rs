//! The `write_stdin` tool: input to (or a poll of) a process that
//! `exec_command` left running.

use codex_client::{FunctionTool, ToolSpec};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use crate::features::SessionFeatures as _;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) const NAME: &str = "write_stdin";

pub(crate) struct WriteStdinHandler;

#[derive(Debug, Deserialize)]
struct Args {
    session_id: i32,
    #[serde(default)]
    chars: String,
    #[serde(default)]
    yield_time_ms: Option<u64>,
    #[serde(default)]
    max_output_tokens: Option<usize>,
}

impl ToolHandler for WriteStdinHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description:
                "Writes characters to an existing unified exec session and returns recent output."
                    .to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "session_id": {"type": "number", "description": "Identifier of the running unified exec session."},
                    "chars": {"type": "string", "description": "Bytes to write to stdin. Defaults to empty, which polls without writing."},
                    "yield_time_ms": {"type": "number", "description": "Wait before yielding output. Non-empty writes default to 250 ms and cap at 30000 ms; empty polls wait 5000-300000 ms by default."},
                    "max_output_tokens": {"type": "number", "description": "Output token budget. Defaults to 10000 tokens; larger requests may be capped by policy."}
                },
                "required": ["session_id"],
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
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            session
                .features()
                .unified_exec
                .write(
                    session,
                    &ctx.sub_id,
                    args.session_id,
                    &args.chars,
                    args.yield_time_ms,
                    args.max_output_tokens,
                )
                .await
        }
        .boxed()
    }
}
