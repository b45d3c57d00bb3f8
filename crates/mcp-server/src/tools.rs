//! The two tools the server offers, `codex` and `codex-reply`: their
//! schemas as clients see them and their parameters as we read them
//! (kebab-case for `codex`, camelCase for `codex-reply`, as the reference).

use std::path::PathBuf;

use codex_config::CliOverrides;
use codex_protocol::config_types::SandboxMode;
use codex_protocol::protocol::AskForApproval;
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub(crate) const CODEX: &str = "codex";
pub(crate) const CODEX_REPLY: &str = "codex-reply";

/// `tools/list`.
pub(crate) fn tool_list() -> Value {
    // Both tools answer the same way: the thread to continue and the reply.
    let output_schema = json!({
        "type": "object",
        "properties": {"threadId": {"type": "string"}, "content": {"type": "string"}},
        "required": ["threadId", "content"]
    });
    json!({"tools": [
        {
            "name": CODEX,
            "title": "Codex",
            "description": "Run a Codex session: give it a task in a directory and get its answer. The session can be continued with codex-reply and its threadId.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "prompt": {"type": "string", "description": "The task or question to start the session with."},
                    "model": {"type": "string", "description": "The model, e.g. gpt-5.5."},
                    "profile": {"type": "string", "description": "A [profiles.NAME] of config.toml to use."},
                    "cwd": {"type": "string", "description": "The working directory (relative to the server's)."},
                    "approval-policy": {"type": "string", "enum": ["untrusted", "on-failure", "on-request", "never"], "description": "When to ask before running commands (asked as elicitations)."},
                    "sandbox": {"type": "string", "enum": ["read-only", "workspace-write", "danger-full-access"], "description": "What the session's commands may touch."},
                    "config": {"type": "object", "description": "Settings as in config.toml, overriding it (dotted keys allowed).", "additionalProperties": true},
                    "base-instructions": {"type": "string", "description": "Replaces the built-in instructions."},
                    "developer-instructions": {"type": "string", "description": "Extra developer instructions."},
                    "compact-prompt": {"type": "string", "description": "The prompt used when summarizing the conversation."}
                },
                "required": ["prompt"]
            },
            "outputSchema": output_schema
        },
        {
            "name": CODEX_REPLY,
            "title": "Codex reply",
            "description": "Continue a Codex session with another prompt.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "threadId": {"type": "string", "description": "The threadId a codex call returned."},
                    "conversationId": {"type": "string", "description": "Deprecated name of threadId."},
                    "prompt": {"type": "string", "description": "The next message."}
                },
                "required": ["prompt"]
            },
            "outputSchema": output_schema
        }
    ]})
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct CodexParams {
    pub prompt: String,
    pub model: Option<String>,
    pub profile: Option<String>,
    pub cwd: Option<PathBuf>,
    pub approval_policy: Option<AskForApproval>,
    pub sandbox: Option<SandboxMode>,
    pub config: Option<Map<String, Value>>,
    pub base_instructions: Option<String>,
    pub developer_instructions: Option<String>,
    pub compact_prompt: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReplyParams {
    pub thread_id: Option<String>,
    pub conversation_id: Option<String>,
    pub prompt: String,
}

impl CodexParams {
    /// The configuration overrides these parameters stand for.
    pub(crate) fn overrides(&self, base: &CliOverrides) -> Result<CliOverrides, String> {
        let mut overrides = base.clone();
        if let Some(model) = &self.model {
            overrides.model = Some(model.clone());
        }
        if let Some(profile) = &self.profile {
            overrides.profile = Some(profile.clone());
        }
        if let Some(cwd) = &self.cwd {
            overrides.cwd = Some(cwd.clone());
        }
        if let Some(policy) = self.approval_policy {
            overrides.approval_policy = Some(policy);
        }
        if let Some(mode) = self.sandbox {
            overrides.sandbox_mode = Some(mode);
        }
        if let Some(config) = &self.config {
            let mut flat = Vec::new();
            flatten("", &Value::Object(config.clone()), &mut flat);
            for (key, value) in flat {
                let toml = json_to_toml(&value)
                    .ok_or_else(|| format!("config.{key}: null is not a TOML value"))?;
                overrides.raw_overrides.push(format!("{key}={toml}"));
            }
        }
        Ok(overrides)
    }
}

/// `{"a": {"b": 1}}` → `("a.b", 1)`.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// A JSON value as TOML text (null has no TOML form).
fn json_to_toml(value: &Value) -> Option<String> {
    if value.is_null() {
        return None;
    }
    toml::Value::try_from(value).ok().map(|v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn parameters_become_overrides() {
        let params: CodexParams = serde_json::from_value(json!({
            "prompt": "hi",
            "approval-policy": "untrusted",
            "sandbox": "workspace-write",
            "config": {"model_reasoning_effort": "high", "sandbox_workspace_write": {"network_access": true}, "notify": ["say", "done"]}
        }))
        .unwrap();
        let overrides = params.overrides(&CliOverrides::default()).unwrap();
        assert_eq!(
            overrides.approval_policy,
            Some(AskForApproval::UnlessTrusted)
        );
        assert_eq!(overrides.sandbox_mode, Some(SandboxMode::WorkspaceWrite));
        // The order of `config`'s keys depends on serde_json's features
        // in the build; the set is what matters.
        let mut raw = overrides.raw_overrides;
        raw.sort();
        assert_eq!(
            raw,
            vec![
                "model_reasoning_effort=\"high\"",
                "notify=[\"say\", \"done\"]",
                "sandbox_workspace_write.network_access=true",
            ]
        );
    }

    #[test]
    fn unknown_parameters_are_refused() {
        let err = serde_json::from_value::<CodexParams>(json!({"prompt": "x", "modle": "y"}))
            .unwrap_err();
        assert!(err.to_string().contains("modle"), "{err}");
    }
}
