//! What a handler's exit code and output mean, by Claude Code's rules
//! (which the reference follows): exit 0 with optional JSON on stdout;
//! exit 2 blocks, with stderr as the reason; any other exit is an error
//! shown to the user that blocks nothing.

use serde::Deserialize;
use serde_json::Value;

use crate::HookEvent;

/// A PreToolUse / PermissionRequest verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Allow,
    Deny,
    Ask,
}

/// What one handler asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HookResult {
    /// Block the action (deny the tool call, refuse the prompt, keep the
    /// turn going for Stop), with the reason the model or user is given.
    pub block: Option<String>,
    pub permission: Option<(Permission, Option<String>)>,
    pub updated_input: Option<Value>,
    pub additional_context: Option<String>,
    /// `continue: false`: stop, with this reason.
    pub stop: Option<String>,
    /// For the user (a `systemMessage`, or a failed hook's message).
    pub message: Option<String>,
    /// The handler failed (bad exit, bad JSON, timeout); it blocks nothing.
    pub error: Option<String>,
}

impl HookResult {
    pub fn error(message: String) -> Self {
        Self {
            error: Some(message),
            ..Self::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(rename = "continue")]
    keep_going: Option<bool>,
    stop_reason: Option<String>,
    system_message: Option<String>,
    decision: Option<String>,
    reason: Option<String>,
    hook_specific_output: Option<Specific>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Specific {
    permission_decision: Option<String>,
    permission_decision_reason: Option<String>,
    updated_input: Option<Value>,
    additional_context: Option<String>,
    /// PermissionRequest: `{behavior: allow|deny, message}`.
    decision: Option<Value>,
}

/// Reads one finished handler.
pub fn parse_result(
    event: HookEvent,
    command: &str,
    exit_code: Option<i32>,
    stdout: &str,
    stderr: &str,
) -> HookResult {
    match exit_code {
        Some(0) => {}
        Some(2) => {
            let reason = stderr.trim();
            return HookResult {
                block: Some(if reason.is_empty() {
                    format!("blocked by hook `{command}`")
                } else {
                    reason.to_string()
                }),
                ..HookResult::default()
            };
        }
        Some(code) => {
            return HookResult::error(format!(
                "hook `{command}` exited with {code}: {}",
                stderr.trim()
            ));
        }
        None => return HookResult::error(format!("hook `{command}` was killed by a signal")),
    }
    let text = stdout.trim();
    if text.is_empty() {
        return HookResult::default();
    }
    if !text.starts_with('{') {
        // Plain text adds context where context is taken.
        return match event {
            HookEvent::UserPromptSubmit | HookEvent::SessionStart => HookResult {
                additional_context: Some(text.to_string()),
                ..HookResult::default()
            },
            _ => HookResult::default(),
        };
    }
    let wire: Wire = match serde_json::from_str(text) {
        Ok(wire) => wire,
        Err(err) => {
            return HookResult::error(format!(
                "hook `{command}` printed output that is not valid hook JSON ({err}); ignored"
            ));
        }
    };
    let specific = wire.hook_specific_output.unwrap_or_default();
    let mut result = HookResult {
        message: wire.system_message,
        updated_input: specific.updated_input,
        additional_context: specific.additional_context,
        ..HookResult::default()
    };
    if wire.keep_going == Some(false) {
        result.stop = Some(
            wire.stop_reason
                .unwrap_or_else(|| format!("stopped by hook `{command}`")),
        );
    }
    let reason = wire.reason.clone();
    match wire.decision.as_deref() {
        Some("block") => {
            result.block = Some(reason.unwrap_or_else(|| format!("blocked by hook `{command}`")));
        }
        // The older PreToolUse words.
        Some("approve") => result.permission = Some((Permission::Allow, reason)),
        _ => {}
    }
    let permission = match specific.permission_decision.as_deref() {
        Some("allow") => Some(Permission::Allow),
        Some("deny") => Some(Permission::Deny),
        Some("ask") => Some(Permission::Ask),
        _ => None,
    };
    if let Some(permission) = permission {
        result.permission = Some((permission, specific.permission_decision_reason));
    }
    if let Some(decision) = specific.decision {
        let behavior = decision.get("behavior").and_then(Value::as_str);
        let message = decision
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string);
        match behavior {
            Some("allow") => result.permission = Some((Permission::Allow, message)),
            Some("deny") => result.permission = Some((Permission::Deny, message)),
            _ => {}
        }
    }
    result
}

/// The outcome of all the handlers of one event: any block or deny wins
/// (deny over ask over allow), contexts are joined in order.
pub fn combine(results: impl IntoIterator<Item = HookResult>) -> HookResult {
    let mut all = HookResult::default();
    let mut contexts = Vec::new();
    let mut messages = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        if all.block.is_none() {
            all.block = result.block;
        }
        all.permission = match (all.permission.take(), result.permission) {
            (Some(a), Some(b)) => Some(if rank(b.0) > rank(a.0) { b } else { a }),
            (a, b) => a.or(b),
        };
        if all.updated_input.is_none() {
            all.updated_input = result.updated_input;
        }
        if all.stop.is_none() {
            all.stop = result.stop;
        }
        contexts.extend(result.additional_context);
        messages.extend(result.message);
        errors.extend(result.error);
    }
    all.additional_context = (!contexts.is_empty()).then(|| contexts.join("\n\n"));
    all.message = (!messages.is_empty()).then(|| messages.join("\n"));
    all.error = (!errors.is_empty()).then(|| errors.join("\n"));
    all
}

fn rank(permission: Permission) -> u8 {
    match permission {
        Permission::Allow => 0,
        Permission::Ask => 1,
        Permission::Deny => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_json_follow_claude_codes_rules() {
        let blocked = parse_result(HookEvent::PreToolUse, "x", Some(2), "", "no rm -rf\n");
        assert_eq!(blocked.block.as_deref(), Some("no rm -rf"));
        let failed = parse_result(HookEvent::PreToolUse, "x", Some(1), "", "oops");
        assert!(failed.block.is_none() && failed.error.unwrap().contains("exited with 1"));
        let deny = parse_result(
            HookEvent::PreToolUse,
            "x",
            Some(0),
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"nope"}}"#,
            "",
        );
        assert_eq!(
            deny.permission,
            Some((Permission::Deny, Some("nope".into())))
        );
        let garbage = parse_result(HookEvent::PreToolUse, "x", Some(0), "{not json", "");
        assert!(garbage.error.unwrap().contains("not valid hook JSON"));
        let context = parse_result(HookEvent::UserPromptSubmit, "x", Some(0), "use tabs", "");
        assert_eq!(context.additional_context.as_deref(), Some("use tabs"));
        let all = combine([
            HookResult {
                permission: Some((Permission::Ask, None)),
                ..Default::default()
            },
            deny,
            HookResult {
                additional_context: Some("a".into()),
                ..Default::default()
            },
        ]);
        assert_eq!(all.permission.map(|p| p.0), Some(Permission::Deny));
        assert_eq!(all.additional_context.as_deref(), Some("a"));
    }
}
