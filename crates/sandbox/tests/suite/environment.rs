//! The command's environment.

use codex_protocol::config_types::ShellEnvironmentPolicy;
use codex_sandbox::env::create_env;

use super::common::{run, spec, tempdir, workspace_only};

#[test]
fn secret_named_variables_are_absent() {
    let cwd = tempdir();
    let parent_env = vec![
        ("PATH".to_string(), std::env::var("PATH").unwrap()),
        ("OPENAI_API_KEY".to_string(), "sk-live-123".to_string()),
        ("GITHUB_TOKEN".to_string(), "ghp_456".to_string()),
        ("DB_SECRET".to_string(), "hunter2".to_string()),
        ("DB_PASSWORD".to_string(), "pw-789".to_string()),
        ("EDITOR".to_string(), "vi".to_string()),
    ];
    let mut spec = spec(workspace_only(false), cwd.path(), "env");
    spec.env = create_env(&ShellEnvironmentPolicy::default(), parent_env);
    let out = run(&spec);
    assert_eq!(out.exit_code, 0);
    let env = out.stdout.text();
    for secret in [
        "OPENAI_API_KEY",
        "GITHUB_TOKEN",
        "DB_SECRET",
        "DB_PASSWORD",
        "pw-789",
        "sk-live",
        "ghp_",
        "hunter2",
    ] {
        assert!(!env.contains(secret), "{secret} leaked:\n{env}");
    }
    assert!(env.contains("EDITOR=vi"));
    assert!(env.contains("CODEX_SANDBOX_NETWORK_DISABLED=1"));
}
