//! Where the engine fires hooks (`codex-hooks` finds and runs them) and
//! what their answers change:
//!
//! - `SessionStart`: context for the first request.
//! - `UserPromptSubmit`: refuse a prompt, or add context to it.
//! - `PreToolUse`: deny a call (the model gets the reason), ask the user
//!   first, or rewrite its input. `PostToolUse`: feedback and context
//!   appended to the output the model sees.
//! - `PermissionRequest`: answer an approval instead of the user.
//! - `Stop`: keep the turn going with a follow-up (at most
//!   [`MAX_STOP_BLOCKS`] times in a row, so a broken hook cannot loop).
//! - `PreCompact`/`PostCompact`/`StopFailure`: notified.
//!
//! Hooks are the user's programs: they run outside the model's sandbox,
//! with the environment the shell-environment policy allows (so secrets it
//! scrubs do not reach them), in the session's cwd.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use codex_config::{Config, ProjectTrust};
use codex_hooks::{HookEvent, HookRegistry, HookResult, Layer, Permission};
use codex_protocol::protocol::{
    AskForApproval, EventMsg, HookCompletedEvent, HookStartedEvent, ReviewDecision, SandboxPolicy,
    WarningEvent,
};
use codex_protocol::user_input::UserInput;
use serde_json::{Value, json};
use tracing::info;

use crate::features::SessionFeatures as _;
use crate::session::Session;
use crate::tools::call_description::{ApprovalSubject, CallDescription};
use crate::tools::{ToolHandler, ToolInvocation, ToolOutput};

/// Consecutive `Stop` blocks before the turn ends anyway.
pub(crate) const MAX_STOP_BLOCKS: usize = 3;

/// The hooks of one session.
pub(crate) struct SessionHooks {
    registry: HookRegistry,
    env: BTreeMap<String, String>,
    cwd: PathBuf,
}

impl SessionHooks {
    /// The hooks `config` finds, or None when there are none (or the
    /// `hooks` feature is off). Problems are returned as warnings.
    pub(crate) fn load(config: &Config) -> (Option<Arc<Self>>, Vec<String>) {
        if !hooks_enabled(config) {
            return (None, Vec::new());
        }
        let registry = discover_hooks(config);
        let mut warnings = registry.warnings.clone();
        let (from_plugins, untrusted): (Vec<_>, Vec<_>) =
            registry.untrusted().partition(|h| h.plugin.is_some());
        let untrusted: Vec<String> = untrusted
            .into_iter()
            .map(|h| format!("{} ({})", h.command, h.source.display()))
            .collect();
        if !from_plugins.is_empty() {
            let keys: Vec<&str> = from_plugins.iter().map(|h| h.key.as_str()).collect();
            warnings.push(format!(
                "{} plugin hook(s) are not run until trusted (`codex hooks trust --plugin ID`, or `codex hooks list` to review): {}",
                keys.len(),
                keys.join(", ")
            ));
        }
        if config.bypass_hook_trust {
            warnings.push(
                "--dangerously-bypass-hook-trust: plugin hooks run without their recorded trust"
                    .to_string(),
            );
        }
        if !untrusted.is_empty() {
            warnings.push(format!(
                "project hooks are not run because {} is not trusted: {}",
                config.project_root.display(),
                untrusted.join(", ")
            ));
        }
        if registry.handlers.iter().all(|h| !h.trusted) {
            return (None, warnings);
        }
        let mut env =
            codex_sandbox::env::create_env(&config.shell_environment_policy, std::env::vars());
        let project = config.project_root.display().to_string();
        env.insert("CODEX_PROJECT_DIR".into(), project.clone());
        // Claude Code's name, which its scripts read.
        env.insert("CLAUDE_PROJECT_DIR".into(), project);
        let hooks = Self {
            registry,
            env,
            cwd: config.cwd.clone(),
        };
        (Some(Arc::new(hooks)), warnings)
    }
}

/// Every hook handler `config` sees: the user's (`$CODEX_HOME`), then the
/// project's `.codex` folders from the repository root down to the cwd
/// (marked untrusted unless the project is trusted).
pub fn discover_hooks(config: &Config) -> HookRegistry {
    let trusted = config.project_trust == ProjectTrust::Trusted;
    let mut layers = vec![Layer {
        dir: config.codex_home.clone(),
        trusted: true,
    }];
    for dir in HookRegistry::project_dirs(&config.project_root, &config.cwd) {
        if dir != config.codex_home {
            layers.push(Layer { dir, trusted });
        }
    }
    let mut registry = HookRegistry::discover(&layers);
    codex_plugins::add_effective_plugin_hooks(&mut registry, config);
    registry
}

/// `[features] hooks` (stable, on), unless the older `codex_hooks` name
/// turns it off.
fn hooks_enabled(config: &Config) -> bool {
    config.feature_enabled("hooks") && config.features.get("codex_hooks") != Some(&false)
}

/// Claude Code's `permission_mode` for our policies.
fn permission_mode(approval: AskForApproval, sandbox: &SandboxPolicy) -> &'static str {
    match (approval, sandbox) {
        (AskForApproval::Never, SandboxPolicy::DangerFullAccess) => "bypassPermissions",
        (AskForApproval::Never, _) => "dontAsk",
        _ => "default",
    }
}

/// The fields every payload has.
pub(crate) fn base_payload(
    session: &Session,
    event: HookEvent,
    model: &str,
    approval: AskForApproval,
    sandbox: &SandboxPolicy,
    cwd: &std::path::Path,
) -> serde_json::Map<String, Value> {
    let transcript = session
        .services
        .rollout
        .as_ref()
        .map(|r| r.path().display().to_string());
    let mut payload = serde_json::Map::new();
    payload.insert("session_id".into(), json!(session.thread_id.to_string()));
    payload.insert("transcript_path".into(), json!(transcript));
    payload.insert("cwd".into(), json!(cwd.display().to_string()));
    payload.insert("hook_event_name".into(), json!(event.name()));
    payload.insert("model".into(), json!(model));
    payload.insert(
        "permission_mode".into(),
        json!(permission_mode(approval, sandbox)),
    );
    payload
}

/// Runs the handlers of `event` that match `targets`, announcing each, and
/// returns what they decided together. Without matching handlers: nothing.
pub(crate) async fn fire(
    session: &Session,
    sub_id: &str,
    event: HookEvent,
    targets: &[&str],
    payload: serde_json::Map<String, Value>,
) -> HookResult {
    let Some(hooks) = session.features().hooks.as_ref() else {
        return HookResult::default();
    };
    let handlers = hooks.registry.matching(event, targets);
    if handlers.is_empty() {
        return HookResult::default();
    }
    let sync: Vec<_> = handlers.iter().filter(|h| !h.is_async).collect();
    let run_ids: Vec<String> = sync
        .iter()
        .map(|_| format!("hook_{}", uuid::Uuid::new_v4().simple()))
        .collect();
    let started_at_ms = chrono::Utc::now().timestamp_millis();
    for (handler, run_id) in sync.iter().zip(&run_ids) {
        session.send_event_unrecorded(
            sub_id,
            EventMsg::HookStarted(HookStartedEvent {
                run_id: run_id.clone(),
                event_name: event.name().to_string(),
                command: handler.command.clone(),
                status_message: handler.status_message.clone(),
                source_path: handler.source.clone(),
                started_at_ms,
            }),
        );
    }
    let input = Value::Object(payload);
    let runs = codex_hooks::run_handlers(&handlers, &input, &hooks.env, &hooks.cwd).await;
    // Sync runs come back in the order of their handlers.
    for (run, run_id) in runs.iter().zip(&run_ids) {
        let outcome = describe(&run.result);
        info!(
            event = event.name(),
            command = %run.command,
            exit_code = ?run.exit_code,
            duration_ms = run.duration.as_millis() as u64,
            %outcome,
            "hook ran"
        );
        let status = if run.result.block.is_some()
            || matches!(run.result.permission, Some((Permission::Deny, _)))
        {
            "blocked"
        } else if run.result.stop.is_some() {
            "stopped"
        } else if run.result.error.is_some() {
            "failed"
        } else {
            "completed"
        };
        session.send_event_unrecorded(
            sub_id,
            EventMsg::HookCompleted(HookCompletedEvent {
                run_id: run_id.clone(),
                event_name: event.name().to_string(),
                command: run.command.clone(),
                exit_code: run.exit_code,
                duration_ms: run.duration.as_millis() as u64,
                status: status.to_string(),
                outcome,
            }),
        );
    }
    let result = codex_hooks::combine(runs.into_iter().map(|r| r.result));
    for message in [&result.error, &result.message].into_iter().flatten() {
        session.send_event_unrecorded(
            sub_id,
            EventMsg::Warning(WarningEvent {
                message: format!("{} hook: {message}", event.name()),
            }),
        );
    }
    result
}

fn describe(result: &HookResult) -> String {
    if let Some(reason) = &result.block {
        return format!("blocked: {reason}");
    }
    if let Some((permission, _)) = &result.permission {
        return format!("{permission:?}").to_lowercase();
    }
    if let Some(error) = &result.error {
        return format!("error: {error}");
    }
    "ok".to_string()
}

/// The payload fields every event of a turn has.
fn turn_payload(
    session: &Session,
    ctx: &crate::turn_context::TurnContext,
    event: HookEvent,
) -> serde_json::Map<String, Value> {
    base_payload(
        session,
        event,
        &ctx.model,
        ctx.approval_policy,
        &ctx.sandbox_policy,
        &ctx.cwd,
    )
}

/// `UserPromptSubmit` (and the context `SessionStart` left for the first
/// request). None: a hook refused the prompt (the user was told why).
pub(crate) async fn prompt_hooks(
    session: &Session,
    ctx: &crate::turn_context::TurnContext,
    mut input: Vec<UserInput>,
) -> Option<Vec<UserInput>> {
    if session.features().hooks.is_none() {
        return Some(input);
    }
    let start_context = crate::state::lock(&session.services.session_start_context).take();
    let prompt: Vec<&str> = input
        .iter()
        .filter_map(|i| match i {
            UserInput::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let mut payload = turn_payload(session, ctx, HookEvent::UserPromptSubmit);
    payload.insert("prompt".into(), json!(prompt.join("\n")));
    payload.insert("turn_id".into(), json!(ctx.sub_id));
    let result = fire(
        session,
        &ctx.sub_id,
        HookEvent::UserPromptSubmit,
        &[],
        payload,
    )
    .await;
    if let Some(reason) = result.block.or(result.stop) {
        session
            .send_error(
                &ctx.sub_id,
                format!("The prompt was blocked by a UserPromptSubmit hook: {reason}"),
            )
            .await;
        return None;
    }
    for context in [start_context, result.additional_context]
        .into_iter()
        .flatten()
    {
        input.push(UserInput::Text { text: context });
    }
    Some(input)
}

/// `Stop`: the follow-up a hook asks for before the turn may end, if any.
/// After [`MAX_STOP_BLOCKS`] in a row the turn ends anyway.
pub(crate) async fn stop_hooks(
    session: &Session,
    ctx: &crate::turn_context::TurnContext,
    last_assistant_message: &Option<String>,
    blocks: &mut usize,
) -> Option<String> {
    session.features().hooks.as_ref()?;
    let mut payload = turn_payload(session, ctx, HookEvent::Stop);
    payload.insert("turn_id".into(), json!(ctx.sub_id));
    payload.insert("stop_hook_active".into(), json!(*blocks > 0));
    payload.insert(
        "last_assistant_message".into(),
        json!(last_assistant_message),
    );
    let result = fire(session, &ctx.sub_id, HookEvent::Stop, &[], payload).await;
    let reason = result.block?;
    if *blocks >= MAX_STOP_BLOCKS {
        session.send_event_unrecorded(
            &ctx.sub_id,
            EventMsg::Warning(WarningEvent {
                message: format!(
                    "a Stop hook blocked the end of the turn {MAX_STOP_BLOCKS} times in a row; ending it anyway (last reason: {reason})"
                ),
            }),
        );
        return None;
    }
    *blocks += 1;
    Some(reason)
}

/// `StopFailure`: the turn ended with an error.
pub(crate) async fn stop_failure_hooks(
    session: &Session,
    ctx: &crate::turn_context::TurnContext,
    error: &str,
) {
    if session.features().hooks.is_none() {
        return;
    }
    let mut payload = turn_payload(session, ctx, HookEvent::StopFailure);
    payload.insert("turn_id".into(), json!(ctx.sub_id));
    payload.insert("error".into(), json!(error));
    fire(session, &ctx.sub_id, HookEvent::StopFailure, &[], payload).await;
}

/// `PreCompact` / `PostCompact` (`trigger`: `manual` or `auto`).
pub(crate) async fn compact_hooks(
    session: &Session,
    ctx: &crate::turn_context::TurnContext,
    event: HookEvent,
    trigger: &str,
) {
    if session.features().hooks.is_none() {
        return;
    }
    let mut payload = turn_payload(session, ctx, event);
    payload.insert("turn_id".into(), json!(ctx.sub_id));
    payload.insert("trigger".into(), json!(trigger));
    fire(session, &ctx.sub_id, event, &[trigger], payload).await;
}

/// `PermissionRequest`: a hook's answer to an approval, instead of the
/// user's. None: ask the user.
pub(crate) async fn permission_hooks(
    session: &Session,
    ctx: &crate::turn_context::TurnContext,
    subject: ApprovalSubject<'_>,
    call_id: &str,
) -> Option<ReviewDecision> {
    session.features().hooks.as_ref()?;
    let description = subject.description;
    let mut payload = turn_payload(session, ctx, HookEvent::PermissionRequest);
    payload.insert("turn_id".into(), json!(ctx.sub_id));
    payload.insert(
        "tool_name".into(),
        json!(description.hook_tool_name.unwrap_or(subject.tool)),
    );
    payload.insert("tool_input".into(), description.input.clone());
    payload.insert("tool_use_id".into(), json!(call_id));
    let targets = match_targets(subject.tool, description);
    let result = fire(
        session,
        &ctx.sub_id,
        HookEvent::PermissionRequest,
        &targets,
        payload,
    )
    .await;
    if result.block.is_some() {
        return Some(ReviewDecision::Denied);
    }
    match result.permission {
        Some((Permission::Allow, _)) => Some(ReviewDecision::Approved),
        Some((Permission::Deny, _)) => Some(ReviewDecision::Denied),
        _ => None,
    }
}

/// The names a call's hooks match: the tool's own, then what its handler
/// says Claude Code calls this kind of tool.
fn match_targets<'a>(tool: &'a str, description: &'a CallDescription) -> Vec<&'a str> {
    std::iter::once(tool)
        .chain(description.hook_aliases.iter().copied())
        .collect()
}

/// Runs one tool call between its `PreToolUse` and `PostToolUse` hooks.
pub(crate) async fn run_tool_with_hooks(
    handler: Arc<dyn ToolHandler>,
    mut invocation: ToolInvocation,
) -> ToolOutput {
    if invocation.session.features().hooks.is_none() {
        return handler.handle(invocation).await;
    }
    let session = Arc::clone(&invocation.session);
    let ctx = Arc::clone(&invocation.ctx);
    let tool = invocation.tool_name.clone();
    let call_id = invocation.call_id.clone();
    let described = handler.describe(&invocation.payload, &ctx.cwd);
    let hook_tool_name = described.hook_tool_name.unwrap_or(&tool).to_string();
    let targets = match_targets(&tool, &described);
    let mut payload = turn_payload(&session, &ctx, HookEvent::PreToolUse);
    payload.insert("tool_name".into(), json!(hook_tool_name));
    payload.insert("tool_input".into(), described.input.clone());
    payload.insert("tool_use_id".into(), json!(call_id));
    let pre = fire(
        &session,
        &ctx.sub_id,
        HookEvent::PreToolUse,
        &targets,
        payload,
    )
    .await;
    let denied = match &pre.permission {
        Some((Permission::Deny, reason)) => {
            Some(reason.clone().unwrap_or_else(|| "denied by a hook".into()))
        }
        _ => None,
    };
    if let Some(reason) = pre.block.clone().or(denied) {
        return ToolOutput::failure(format!("A PreToolUse hook blocked this call: {reason}"));
    }
    if let Some(updated) = &pre.updated_input {
        handler.apply_hook_input(&mut invocation.payload, updated);
    }
    let described = handler.describe(&invocation.payload, &ctx.cwd);
    if let Some((Permission::Ask, reason)) = &pre.permission {
        let argv = described
            .command
            .clone()
            .unwrap_or_else(|| vec![tool.clone(), described.input.to_string()]);
        let reason = reason
            .clone()
            .unwrap_or_else(|| "a PreToolUse hook asks for your approval".into());
        let subject = ApprovalSubject {
            tool: &tool,
            description: &described,
        };
        let decision = crate::approvals::request_command(
            &session,
            &ctx,
            &call_id,
            &argv,
            ctx.cwd.clone(),
            Some(reason),
            subject,
        )
        .await;
        if !matches!(
            decision,
            ReviewDecision::Approved
                | ReviewDecision::ApprovedForSession
                | ReviewDecision::ApprovedExecpolicyAmendment
        ) {
            return ToolOutput::failure(
                "The user declined this call (a PreToolUse hook asked them).",
            );
        }
    }
    let input = described.input;
    let targets: Vec<String> = targets.into_iter().map(str::to_string).collect();
    let mut output = handler.handle(invocation).await;

    let mut payload = turn_payload(&session, &ctx, HookEvent::PostToolUse);
    payload.insert("tool_name".into(), json!(hook_tool_name));
    payload.insert("tool_input".into(), input);
    payload.insert(
        "tool_response".into(),
        json!({"output": output.content, "success": output.success}),
    );
    payload.insert("tool_use_id".into(), json!(call_id));
    payload.insert("turn_id".into(), json!(ctx.sub_id));
    let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    let post = fire(
        &session,
        &ctx.sub_id,
        HookEvent::PostToolUse,
        &targets,
        payload,
    )
    .await;
    let mut notes = Vec::new();
    if let Some(reason) = post.block {
        notes.push(format!("PostToolUse hook feedback: {reason}"));
    }
    if let Some(context) = post.additional_context {
        notes.push(context);
    }
    if !notes.is_empty() {
        let note = notes.join("\n\n");
        output.content = format!("{}\n\n{note}", output.content);
        if let Some(items) = &mut output.content_items {
            items.push(codex_protocol::models::ContentItem::InputText { text: note });
        }
    }
    output
}
