//! The `shell` tool (also called as `container.exec`, and the built-in
//! `local_shell` action): run a program with arguments.

use codex_apply_patch::{Invocation, parse_invocation};
use codex_client::{FunctionTool, ToolSpec};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::json;

use super::apply_patch::apply_patch_text;
use crate::tools::call_description::{CallDescription, set_argument};
use crate::tools::orchestrator::{DEFAULT_TIMEOUT_MS, ExecRequest, run_exec};
use crate::tools::registry::{PayloadKind, ToolHandler, ToolInvocation, ToolOutput, ToolPayload};
use crate::tools::router::ShellParams;

pub(crate) const NAME: &str = "shell";
/// Other names models call the same tool by.
pub(crate) const ALIASES: &[&str] = &["container.exec", "local_shell"];

pub(crate) struct ShellHandler {
    /// The tool takes `with_escalated_permissions` and `justification`
    /// (only under the `on-request` approval policy).
    pub(crate) escalation: bool,
    /// Offered as the Responses API's built-in `local_shell`.
    pub(crate) local_shell: bool,
}

impl ToolHandler for ShellHandler {
    fn spec(&self) -> ToolSpec {
        if self.local_shell {
            return ToolSpec::LocalShell {};
        }
        spec(self.escalation)
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn accepts(&self, kind: PayloadKind) -> bool {
        matches!(kind, PayloadKind::Function | PayloadKind::LocalShell)
    }

    fn describe(&self, payload: &ToolPayload, _cwd: &std::path::Path) -> CallDescription {
        let argv = match payload {
            ToolPayload::LocalShell { params } => params.command.clone(),
            ToolPayload::Function { arguments } => serde_json::from_str::<ShellParams>(arguments)
                .map(|params| params.command)
                .unwrap_or_default(),
            ToolPayload::Custom { .. } => Vec::new(),
        };
        CallDescription::shell(argv)
    }

    fn apply_hook_input(&self, payload: &mut ToolPayload, updated: &serde_json::Value) {
        let Some(script) = CallDescription::hook_command(updated) else {
            return;
        };
        let argv = vec!["bash".to_string(), "-lc".to_string(), script.to_string()];
        match payload {
            ToolPayload::LocalShell { params } => params.command = argv,
            _ => set_argument(payload, "command", json!(argv)),
        }
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let params = match &invocation.payload {
                ToolPayload::LocalShell { params } => params.clone(),
                _ => match invocation.parse_arguments::<ShellParams>() {
                    Ok(params) => params,
                    Err(output) => return output,
                },
            };
            handle_shell(&invocation, params).await
        }
        .boxed()
    }
}

async fn handle_shell(invocation: &ToolInvocation, params: ShellParams) -> ToolOutput {
    let escalate = params.escalates();
    run_shell_argv(
        invocation,
        params.command,
        params.workdir.as_deref(),
        params.timeout_ms,
        escalate,
        params.justification,
    )
    .await
}

/// Runs `argv` as a command of this call (a patch "run" as a command is
/// applied as a patch).
pub(crate) async fn run_shell_argv(
    invocation: &ToolInvocation,
    argv: Vec<String>,
    workdir: Option<&str>,
    timeout_ms: Option<u64>,
    escalate: bool,
    justification: Option<String>,
) -> ToolOutput {
    let cwd = invocation.resolve_path(workdir);
    match parse_invocation(&argv) {
        Invocation::Patch { patch, workdir } => {
            let dir = match workdir {
                Some(dir) => codex_apply_patch::resolve_path(&cwd, std::path::Path::new(&dir)),
                None => cwd,
            };
            return apply_patch_text(invocation, &patch, &dir).await;
        }
        Invocation::Malformed(message) => {
            return ToolOutput::failure(format!("apply_patch verification failed: {message}"));
        }
        Invocation::NotApplyPatch => {}
    }
    run_exec(
        &invocation.session,
        &invocation.ctx,
        ExecRequest {
            call_id: invocation.call_id.clone(),
            argv,
            cwd,
            timeout_ms: timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS),
            escalate,
            justification,
        },
    )
    .await
}

fn spec(escalation: bool) -> ToolSpec {
    let mut properties = json!({
        "command": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The program and its arguments (run with execvp). For shell syntax use [\"bash\", \"-lc\", \"<script>\"]."
        },
        "workdir": {
            "type": "string",
            "description": "The directory to run in; relative paths are resolved against the session's working directory. Prefer this to `cd`."
        },
        "timeout_ms": {
            "type": "number",
            "description": "Stop the command after this many milliseconds (default 10000)."
        }
    });
    if escalation {
        properties["with_escalated_permissions"] = json!({
            "type": "boolean",
            "description": "Run outside the sandbox. Needs the user's approval; use only when the sandbox blocked a command you must run."
        });
        properties["justification"] = json!({
            "type": "string",
            "description": "With `with_escalated_permissions`: one sentence telling the user why."
        });
    }
    ToolSpec::Function(FunctionTool {
        name: NAME.to_string(),
        description: "Runs a command and returns its output, exit code and duration.".to_string(),
        strict: false,
        parameters: json!({
            "type": "object",
            "properties": properties,
            "required": ["command"],
            "additionalProperties": false
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalation_parameters_only_under_on_request() {
        let ToolSpec::Function(plain) = spec(false) else {
            panic!()
        };
        assert!(
            plain.parameters["properties"]
                .get("with_escalated_permissions")
                .is_none()
        );
        let ToolSpec::Function(escalating) = spec(true) else {
            panic!()
        };
        assert!(
            escalating.parameters["properties"]
                .get("justification")
                .is_some()
        );
    }
}
