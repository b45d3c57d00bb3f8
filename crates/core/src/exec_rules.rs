//! The command rules (`codex-execpolicy`) in the approval path: where a
//! session's rules live, and the amendment an "always allow" answer writes.
//! The decisions themselves are `codex_execpolicy::assess`; the
//! orchestrator acts on them.

use std::path::PathBuf;

use codex_config::Config;
use codex_config::project::ProjectTrust;
use codex_execpolicy::{Decision, RuleSource, RulesCache};

use crate::session::Session;

/// `$CODEX_HOME/rules`, and the project's `.codex/rules` when the project
/// is trusted (an untrusted checkout must not be able to allow commands).
pub(crate) fn rules_cache(config: &Config) -> RulesCache {
    let mut dirs = vec![user_rules_dir(config)];
    if config.project_trust == ProjectTrust::Trusted {
        dirs.push(config.project_root.join(".codex").join("rules"));
    }
    RulesCache::new(dirs)
}

fn user_rules_dir(config: &Config) -> PathBuf {
    config.codex_home.join("rules")
}

/// Appends "allow commands starting with `prefix`" to
/// `$CODEX_HOME/rules/default.rules`; the cache reads it again before the
/// next command.
pub(crate) fn apply_amendment(session: &Session, prefix: &[String]) -> std::io::Result<PathBuf> {
    let path = codex_execpolicy::amend::append_allow_rule(
        &user_rules_dir(&session.services.config),
        prefix,
    )?;
    tracing::info!(rule = ?prefix, file = %path.display(), "command rule added");
    Ok(path)
}

/// Whether an amendment for `prefix` would change anything (a rule that
/// already allows it needs no second line).
pub(crate) fn already_allowed(session: &Session, prefix: &[String]) -> bool {
    session
        .services
        .exec_rules
        .policy()
        .is_ok_and(|p| p.check(prefix, true).decision == Some(Decision::Allow))
}

/// "path:line" of a rule, for messages.
pub(crate) fn describe(source: Option<&RuleSource>) -> String {
    source.map_or_else(
        || "a command rule".to_string(),
        |s| format!("the rule at {s}"),
    )
}
