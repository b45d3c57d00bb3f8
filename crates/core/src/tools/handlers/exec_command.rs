//! The `exec_command` tool (unified exec): a script run by a shell, on a
//! PTY or on pipes, that may keep running after the call returns (see
//! [`crate::unified_exec`]). Approval is asked once, at the start, as for
//! `shell`.

use codex_apply_patch::{Invocation, parse_invocation};
use codex_client::{FunctionTool, ToolSpec};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::apply_patch::apply_patch_text;
use super::shell_command::{login_shell_argv, user_shell_program};
use crate::features::SessionFeatures as _;
use crate::tools::call_description::{CallDescription, script_argument, set_argument};
use crate::tools::orchestrator::{ExecRequest, approve};
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput, ToolPayload};
use crate::unified_exec::StartRequest;

pub(crate) const NAME: &str = "exec_command";

pub(crate) struct ExecCommandHandler {
    pub(crate) escalation: bool,
    pub(crate) allow_login_shell: bool,
}

#[derive(Debug, Deserialize)]
struct Args {
    cmd: String,
    #[serde(default)]
    workdir: Option<String>,
    #[serde(default)]
    shell: Option<String>,
    #[serde(default)]
    tty: bool,
    #[serde(default)]
    yield_time_ms: Option<u64>,
    #[serde(default)]
    max_output_tokens: Option<usize>,
    #[serde(default)]
    login: Option<bool>,
    #[serde(default)]
    sandbox_permissions: Option<String>,
    #[serde(default)]
    justification: Option<String>,
}

impl ToolHandler for ExecCommandHandler {
    fn spec(&self) -> ToolSpec {
        let mut properties = json!({
            "cmd": {"type": "string", "description": "Shell command to execute."},
            "workdir": {"type": "string", "description": "Working directory for the command. Defaults to the turn cwd."},
            "shell": {"type": "string", "description": "Shell binary to launch. Defaults to the user's default shell."},
            "tty": {"type": "boolean", "description": "True allocates a PTY for the command; false or omitted uses plain pipes."},
            "yield_time_ms": {"type": "number", "description": "Wait before yielding output. Defaults to 10000 ms; effective range is 250-30000 ms."},
            "max_output_tokens": {"type": "number", "description": "Output token budget. Defaults to 10000 tokens; larger requests may be capped by policy."}
        });
        if self.allow_login_shell {
            properties["login"] = json!({"type": "boolean", "description": "True runs the shell with -l/-i semantics; false disables them. Defaults to true."});
        }
        if self.escalation {
            properties["sandbox_permissions"] = json!({
                "type": "string",
                "description": "Per-command sandbox override. Defaults to `use_default`; use `require_escalated` for unsandboxed execution.",
                "enum": ["use_default", "require_escalated"]
            });
            properties["justification"] = json!({"type": "string", "description": "User-facing approval question for `require_escalated`; omit otherwise."});
        }
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description:
                "Runs a command in a PTY, returning output or a session ID for ongoing interaction."
                    .to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": properties,
                "required": ["cmd"],
                "additionalProperties": false
            }),
        })
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn describe(&self, payload: &ToolPayload, _cwd: &std::path::Path) -> CallDescription {
        CallDescription::shell_script(script_argument(payload, "cmd").as_deref().unwrap_or(""))
    }

    fn apply_hook_input(&self, payload: &mut ToolPayload, updated: &serde_json::Value) {
        if let Some(script) = CallDescription::hook_command(updated) {
            set_argument(payload, "cmd", json!(script));
        }
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        let allow_login = self.allow_login_shell;
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            let cwd = invocation.resolve_path(args.workdir.as_deref());
            let program = args.shell.clone().unwrap_or_else(user_shell_program);
            let login = args.login.unwrap_or(true) && allow_login;
            let argv = login_shell_argv(&program, login, &args.cmd);
            // A patch "run" as a command is applied as a patch.
            match parse_invocation(&argv) {
                Invocation::Patch { patch, workdir } => {
                    let dir = match workdir {
                        Some(dir) => {
                            codex_apply_patch::resolve_path(&cwd, std::path::Path::new(&dir))
                        }
                        None => cwd,
                    };
                    return apply_patch_text(&invocation, &patch, &dir).await;
                }
                Invocation::Malformed(message) => {
                    return ToolOutput::failure(format!(
                        "apply_patch verification failed: {message}"
                    ));
                }
                Invocation::NotApplyPatch => {}
            }
            let request = ExecRequest {
                call_id: invocation.call_id.clone(),
                argv: argv.clone(),
                cwd: cwd.clone(),
                timeout_ms: 0,
                escalate: args.sandbox_permissions.as_deref() == Some("require_escalated"),
                justification: args.justification,
            };
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            let policy = match approve(session, ctx, &request).await {
                Ok(policy) => policy,
                Err(refusal) => return refusal,
            };
            let env = session.command_env(&ctx.shell_environment_policy);
            session
                .features()
                .unified_exec
                .start(
                    session,
                    &ctx.sub_id,
                    StartRequest {
                        call_id: invocation.call_id.clone(),
                        argv,
                        cwd,
                        tty: args.tty,
                        policy,
                        env,
                        yield_time_ms: args.yield_time_ms,
                        max_output_tokens: args.max_output_tokens,
                    },
                )
                .await
        }
        .boxed()
    }
}
