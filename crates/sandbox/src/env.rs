//! The environment of a command the model runs (`[shell_environment_policy]`).
//!
//! In order: start from everything (`inherit = "all"`, the default), a core
//! set, or nothing; drop names containing KEY, SECRET, TOKEN or PASSWORD
//! (the reference drops the first three; `DB_PASSWORD` is as secret) unless
//! `ignore_default_excludes`; drop names matching `exclude`; add `set`; and
//! finally, if `include_only` is not empty, keep only names matching it.
//! Patterns are case-insensitive globs (`*` and `?`).

use std::collections::BTreeMap;

use codex_protocol::config_types::{ShellEnvironmentPolicy, ShellEnvironmentPolicyInherit};

/// Variables kept by `inherit = "core"`.
const CORE_VARS: &[&str] = &[
    "HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP", "LANG",
    "LC_ALL", "LC_CTYPE", "LANGUAGE", "TERM", "TZ",
];

/// Names matching these are removed unless `ignore_default_excludes`.
const DEFAULT_EXCLUDES: &[&str] = &["*KEY*", "*SECRET*", "*TOKEN*", "*PASSWORD*"];

/// Builds the environment from `vars` (normally `std::env::vars()`).
pub fn create_env(
    policy: &ShellEnvironmentPolicy,
    vars: impl IntoIterator<Item = (String, String)>,
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = match policy.inherit {
        ShellEnvironmentPolicyInherit::All => vars.into_iter().collect(),
        ShellEnvironmentPolicyInherit::Core => vars
            .into_iter()
            .filter(|(name, _)| CORE_VARS.iter().any(|core| core.eq_ignore_ascii_case(name)))
            .collect(),
        ShellEnvironmentPolicyInherit::None => BTreeMap::new(),
    };
    if !policy.ignore_default_excludes {
        env.retain(|name, _| !DEFAULT_EXCLUDES.iter().any(|p| glob_matches(p, name)));
    }
    env.retain(|name, _| !policy.exclude.iter().any(|p| glob_matches(p, name)));
    for (name, value) in &policy.set {
        env.insert(name.clone(), value.clone());
    }
    if !policy.include_only.is_empty() {
        env.retain(|name, _| policy.include_only.iter().any(|p| glob_matches(p, name)));
    }
    env
}

/// Case-insensitive glob match with `*` (any run) and `?` (one character).
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.to_ascii_uppercase().chars().collect();
    let name: Vec<char> = name.to_ascii_uppercase().chars().collect();
    // Iterative matcher with backtracking to the last `*`.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((sp, sn)) = star {
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn vars() -> Vec<(String, String)> {
        [
            ("PATH", "/bin"),
            ("HOME", "/home/me"),
            ("OPENAI_API_KEY", "sk-secret"),
            ("GITHUB_TOKEN", "ghp"),
            ("DB_Password", "hunter2"),
            ("my_secret_value", "x"),
            ("AWS_REGION", "eu"),
            ("EDITOR", "vi"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn keys(env: &BTreeMap<String, String>) -> Vec<&str> {
        env.keys().map(String::as_str).collect()
    }

    #[test]
    fn secrets_are_removed_by_default() {
        let env = create_env(&ShellEnvironmentPolicy::default(), vars());
        assert_eq!(keys(&env), vec!["AWS_REGION", "EDITOR", "HOME", "PATH"]);
    }

    #[test]
    fn each_rule_in_order() {
        let policy = ShellEnvironmentPolicy {
            inherit: ShellEnvironmentPolicyInherit::All,
            ignore_default_excludes: true,
            exclude: vec!["aws_*".into()],
            set: [("CI".to_string(), "1".to_string())].into(),
            include_only: vec![],
        };
        let env = create_env(&policy, vars());
        assert!(env.contains_key("OPENAI_API_KEY"));
        assert!(!env.contains_key("AWS_REGION"));
        assert_eq!(env["CI"], "1");

        let policy = ShellEnvironmentPolicy {
            inherit: ShellEnvironmentPolicyInherit::Core,
            include_only: vec!["PATH".into(), "C?".into()],
            set: [("CI".to_string(), "1".to_string())].into(),
            ..Default::default()
        };
        assert_eq!(keys(&create_env(&policy, vars())), vec!["CI", "PATH"]);

        let policy = ShellEnvironmentPolicy {
            inherit: ShellEnvironmentPolicyInherit::None,
            ..Default::default()
        };
        assert!(create_env(&policy, vars()).is_empty());
    }

    #[test]
    fn globs() {
        assert!(glob_matches("*KEY*", "openai_api_key"));
        assert!(glob_matches("AWS_*", "AWS_REGION"));
        assert!(!glob_matches("AWS_*", "MY_AWS"));
        assert!(glob_matches("a?c", "ABC"));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("?", ""));
        assert!(glob_matches("*a*b*", "xxaxxbxx"));
    }
}
