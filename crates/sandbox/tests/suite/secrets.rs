//! codex's own secrets (`auth.json`, the state database, credential
//! stores) are hidden from sandboxed commands, even inside a writable root.

use codex_sandbox::secrets::codex_home_secrets;

use super::common::{run, spec, tempdir, workspace_only};
use codex_protocol::protocol::SandboxPolicy;

const SECRET: &str = "sk-hidden-secret-7c21";

/// A CODEX_HOME inside the workspace (so writable roots do not protect it)
/// holding each kind of secret and one ordinary file.
fn codex_home_in(workspace: &std::path::Path) -> std::path::PathBuf {
    let home = workspace.join("codex-home");
    std::fs::create_dir(&home).unwrap();
    for name in ["auth.json", "state.sqlite", "state.sqlite-wal"] {
        std::fs::write(home.join(name), SECRET).unwrap();
    }
    std::fs::create_dir(home.join(".credentials.d")).unwrap();
    std::fs::write(home.join(".credentials.d/token"), SECRET).unwrap();
    std::fs::write(home.join("config.toml"), "model = \"m\"\n").unwrap();
    home
}

#[test]
fn secrets_cannot_be_read_changed_or_uncovered() {
    for policy in [SandboxPolicy::ReadOnly, workspace_only(false)] {
        let cwd = tempdir();
        let home = codex_home_in(cwd.path());
        let script = "cat codex-home/auth.json codex-home/state.sqlite codex-home/state.sqlite-wal \
                      codex-home/.credentials.d/token; ls codex-home/.credentials.d; \
                      echo pwned > codex-home/auth.json; chmod 644 codex-home/auth.json; \
                      umount codex-home/auth.json; rm -f codex-home/auth.json; \
                      mv codex-home/state.sqlite codex-home/moved; \
                      cat codex-home/auth.json; cat codex-home/config.toml";
        let mut spec = spec(policy.clone(), cwd.path(), script);
        spec.hidden_paths = codex_home_secrets(&home);
        assert_eq!(spec.hidden_paths.len(), 4, "{:?}", spec.hidden_paths);
        let out = run(&spec);
        let text = out.aggregated.text();
        assert!(
            !text.contains(SECRET),
            "{policy:?}: a secret was read:\n{text}"
        );
        assert!(text.contains("model = \"m\""), "{policy:?}: {text}");
        assert_eq!(
            std::fs::read_to_string(home.join("auth.json")).unwrap(),
            SECRET
        );
        assert_eq!(
            std::fs::read_to_string(home.join("state.sqlite")).unwrap(),
            SECRET
        );
        assert!(!home.join("moved").exists());
    }
}

#[test]
fn without_hidden_paths_the_same_files_are_readable() {
    // Control: the check above can fail.
    let cwd = tempdir();
    codex_home_in(cwd.path());
    let out = run(&spec(
        workspace_only(false),
        cwd.path(),
        "cat codex-home/auth.json",
    ));
    assert!(out.aggregated.text().contains(SECRET));
}
