//! A resumed (or forked) thread keeps its own settings.
//!
//! A thread's approval policy, sandbox (with its writable roots), cwd,
//! model and reasoning effort are what it was started or last run with, as
//! its session file records them (the last `turn_context` line; the
//! `session_meta` cwd before any). Whatever `config.toml` says now only
//! fills what the thread never set: otherwise a thread started read-only
//! would come back with full access as soon as the user's defaults changed,
//! which is a security hole. What the caller chose for this very resume
//! (`-a`, `-s`, `-m`, `-C`, `--add-dir`, `-c key=value`, a request's
//! fields) still wins: that is a decision about this thread, not a default.

use codex_config::Config;
use codex_config::layers::{LayerSource, LayeredConfig};
use codex_protocol::rollout::{RolloutItem, TurnContextItem};

/// Replaces the parts of `config` that the recorded thread set and the
/// caller did not choose. Returns what could not be restored, to be shown.
pub(crate) fn apply_recorded_settings(config: &mut Config, items: &[RolloutItem]) -> Vec<String> {
    let mut warnings = Vec::new();
    let meta = items.iter().find_map(|item| match item {
        RolloutItem::SessionMeta(meta) => Some(&meta.meta),
        _ => None,
    });
    let last = items.iter().rev().find_map(|item| match item {
        RolloutItem::TurnContext(ctx) => Some(ctx),
        _ => None,
    });

    let recorded_cwd = last
        .map(|ctx| ctx.cwd.clone())
        .or_else(|| meta.map(|m| m.cwd.clone()));
    if let Some(cwd) = recorded_cwd
        && !config.cwd_from_caller
        && cwd != config.cwd
    {
        if cwd.is_dir() {
            config.cwd = cwd;
        } else {
            warnings.push(format!(
                "the thread worked in {}, which no longer exists; continuing in {}",
                cwd.display(),
                config.cwd.display()
            ));
        }
    }

    let Some(TurnContextItem {
        approval_policy,
        sandbox_policy,
        model,
        effort,
        summary,
        ..
    }) = last
    else {
        return warnings;
    };
    let layers = &config.layers;
    if !chosen(layers, &["approval_policy"]) {
        config.approval_policy = *approval_policy;
    }
    // Plan mode's read-only sandbox is the mode's, not the thread's: the
    // thread's is the last one recorded outside plan mode.
    let thread_sandbox = items
        .iter()
        .rev()
        .find_map(|item| match item {
            RolloutItem::TurnContext(ctx)
                if ctx.collaboration_mode.as_ref().map(|m| m.mode)
                    != Some(codex_protocol::config_types::ModeKind::Plan) =>
            {
                Some(&ctx.sandbox_policy)
            }
            _ => None,
        })
        .unwrap_or(sandbox_policy);
    if !chosen(layers, &["sandbox_mode"]) && !chosen(layers, &["sandbox_workspace_write"]) {
        config.sandbox_policy = thread_sandbox.clone();
    }
    // A model belongs to its provider: when the provider changed since, the
    // recorded model may not exist there, and the configured one is kept.
    let same_provider = meta
        .and_then(|m| m.model_provider.as_deref())
        .is_none_or(|p| p == config.model_provider_id);
    if same_provider
        && !model.is_empty()
        && !chosen(layers, &["model"])
        && !chosen(layers, &["model_provider"])
    {
        config.model = model.clone();
        if !chosen(layers, &["model_reasoning_effort"]) && effort.is_some() {
            config.model_reasoning_effort = *effort;
        }
        if !chosen(layers, &["model_reasoning_summary"]) {
            config.model_reasoning_summary = *summary;
        }
    }
    warnings
}

/// The caller set `path` (or something under it) for this run: a flag or
/// a `-c` override, not a file or a default.
fn chosen(layers: &LayeredConfig, path: &[&str]) -> bool {
    let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    layers.origins_under(&path).any(|origin| {
        matches!(
            origin.source,
            LayerSource::Flag { .. } | LayerSource::Override { .. }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_config::CliOverrides;
    use codex_protocol::config_types::{ReasoningEffort, ReasoningSummary, SandboxMode};
    use codex_protocol::protocol::{AskForApproval, SandboxPolicy};

    fn recorded(dir: &std::path::Path) -> Vec<RolloutItem> {
        vec![RolloutItem::TurnContext(TurnContextItem {
            turn_id: Some("t".into()),
            cwd: dir.to_path_buf(),
            approval_policy: AskForApproval::UnlessTrusted,
            sandbox_policy: SandboxPolicy::ReadOnly,
            model: "recorded-model".into(),
            effort: Some(ReasoningEffort::High),
            summary: ReasoningSummary::Detailed,
            collaboration_mode: None,
        })]
    }

    fn config_with(home: &std::path::Path, text: &str, cli: &CliOverrides) -> Config {
        std::fs::write(home.join("config.toml"), text).unwrap();
        codex_config::load_config(home, cli).unwrap()
    }

    const PERMISSIVE: &str = "model = \"configured\"\napproval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"\nmodel_reasoning_effort = \"low\"\n";

    #[test]
    fn the_thread_wins_over_the_config_file() {
        let home = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let mut config = config_with(home.path(), PERMISSIVE, &CliOverrides::default());
        let warnings = apply_recorded_settings(&mut config, &recorded(work.path()));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.approval_policy, AskForApproval::UnlessTrusted);
        assert_eq!(config.sandbox_policy, SandboxPolicy::ReadOnly);
        assert_eq!(config.model, "recorded-model");
        assert_eq!(config.model_reasoning_effort, Some(ReasoningEffort::High));
        assert_eq!(config.cwd, work.path());
    }

    #[test]
    fn what_the_caller_chose_wins_over_the_thread() {
        let home = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let cli = CliOverrides {
            approval_policy: Some(AskForApproval::OnRequest),
            sandbox_mode: Some(SandboxMode::WorkspaceWrite),
            raw_overrides: vec!["model=\"chosen\"".into()],
            cwd: Some(home.path().to_path_buf()),
            ..Default::default()
        };
        let mut config = config_with(home.path(), PERMISSIVE, &cli);
        apply_recorded_settings(&mut config, &recorded(work.path()));
        assert_eq!(config.approval_policy, AskForApproval::OnRequest);
        assert!(matches!(
            config.sandbox_policy,
            SandboxPolicy::WorkspaceWrite { .. }
        ));
        assert_eq!(config.model, "chosen");
        assert_eq!(config.cwd, std::fs::canonicalize(home.path()).unwrap());
    }

    #[test]
    fn a_vanished_cwd_is_said_and_a_changed_provider_keeps_its_model() {
        let home = tempfile::tempdir().unwrap();
        let mut config = config_with(home.path(), PERMISSIVE, &CliOverrides::default());
        let before = config.cwd.clone();
        let mut items = recorded(std::path::Path::new("/nonexistent/codex-resume-test"));
        let meta: codex_protocol::rollout::SessionMetaLine = serde_json::from_value(
            serde_json::json!({"id": "019a0000-0000-7000-8000-000000000000", "timestamp": "t",
                "cwd": "/", "originator": "o", "cli_version": "0", "model_provider": "elsewhere"}),
        )
        .unwrap();
        items.insert(0, RolloutItem::SessionMeta(meta));
        let warnings = apply_recorded_settings(&mut config, &items);
        assert_eq!(config.cwd, before);
        assert!(warnings[0].contains("no longer exists"), "{warnings:?}");
        assert_eq!(config.model, "configured");
        // The policies are the thread's all the same.
        assert_eq!(config.sandbox_policy, SandboxPolicy::ReadOnly);
    }
}
