//! The `shell_command` tool: a script run by the user's shell (a login
//! shell unless the model or the config says otherwise), through the same
//! approval → sandbox → retry orchestration as `shell`.

use codex_client::{FunctionTool, ToolSpec};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::shell::run_shell_argv;
use crate::tools::call_description::{CallDescription, script_argument, set_argument};
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput, ToolPayload};

pub(crate) const NAME: &str = "shell_command";

pub(crate) struct ShellCommandHandler {
    pub(crate) escalation: bool,
    pub(crate) allow_login_shell: bool,
}

#[derive(Debug, Deserialize)]
struct Args {
    command: String,
    #[serde(default)]
    workdir: Option<String>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    login: Option<bool>,
    #[serde(default)]
    sandbox_permissions: Option<String>,
    #[serde(default)]
    with_escalated_permissions: Option<bool>,
    #[serde(default)]
    justification: Option<String>,
}

impl ToolHandler for ShellCommandHandler {
    fn spec(&self) -> ToolSpec {
        let mut properties = json!({
            "command": {"type": "string", "description": "The shell script to execute in the user's default shell."},
            "workdir": {"type": "string", "description": "The working directory to execute the command in."},
            "timeout_ms": {"type": "number", "description": "The timeout for the command in milliseconds."}
        });
        if self.allow_login_shell {
            properties["login"] = json!({"type": "boolean", "description": "Whether to run the shell with login shell semantics. Defaults to true."});
        }
        if self.escalation {
            properties["sandbox_permissions"] = json!({
                "type": "string",
                "description": "Sandbox permissions for the command. Set to `require_escalated` to request running without sandbox restrictions; defaults to `use_default`.",
                "enum": ["use_default", "require_escalated"]
            });
            properties["justification"] = json!({"type": "string", "description": "Only set if sandbox_permissions is `require_escalated`: one sentence telling the user why."});
        }
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description: "Runs a shell command and returns its output.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": properties,
                "required": ["command"],
                "additionalProperties": false
            }),
        })
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn describe(&self, payload: &ToolPayload, _cwd: &std::path::Path) -> CallDescription {
        CallDescription::shell_script(script_argument(payload, "command").as_deref().unwrap_or(""))
    }

    fn apply_hook_input(&self, payload: &mut ToolPayload, updated: &serde_json::Value) {
        if let Some(script) = CallDescription::hook_command(updated) {
            set_argument(payload, "command", json!(script));
        }
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        let allow_login = self.allow_login_shell;
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            let login = args.login.unwrap_or(true) && allow_login;
            let argv = login_shell_argv(&user_shell_program(), login, &args.command);
            let escalate = args.sandbox_permissions.as_deref() == Some("require_escalated")
                || args.with_escalated_permissions.unwrap_or(false);
            run_shell_argv(
                &invocation,
                argv,
                args.workdir.as_deref(),
                args.timeout_ms,
                escalate,
                args.justification,
            )
            .await
        }
        .boxed()
    }
}

/// The user's shell: `$SHELL`, else bash.
pub(crate) fn user_shell_program() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "/bin/bash".to_string())
}

/// `[shell, -lc|-c, script]`.
pub(crate) fn login_shell_argv(shell: &str, login: bool, script: &str) -> Vec<String> {
    vec![
        shell.to_string(),
        if login { "-lc" } else { "-c" }.to_string(),
        script.to_string(),
    ]
}
