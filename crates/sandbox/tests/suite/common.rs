use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use codex_protocol::protocol::SandboxPolicy;
use codex_sandbox::{CommandSpec, ExecOutput, run_command};

pub fn helper() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_codex-linux-sandbox"))
}

/// workspace-write with /tmp and $TMPDIR excluded, so that "outside" temp
/// directories really are outside.
pub fn workspace_only(network: bool) -> SandboxPolicy {
    SandboxPolicy::WorkspaceWrite {
        writable_roots: vec![],
        network_access: network,
        exclude_tmpdir_env_var: true,
        exclude_slash_tmp: true,
    }
}

pub fn base_env() -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_default(),
    );
    env
}

pub fn spec(policy: SandboxPolicy, cwd: &Path, script: &str) -> CommandSpec {
    CommandSpec {
        argv: vec!["sh".into(), "-c".into(), script.into()],
        cwd: cwd.to_path_buf(),
        env: base_env(),
        policy,
        linux_sandbox_exe: Some(helper()),
    }
}

/// Runs `sh -c script` under `policy` in `cwd`.
pub fn sh(policy: SandboxPolicy, cwd: &Path, script: &str) -> ExecOutput {
    run(&spec(policy, cwd, script))
}

pub fn run(spec: &CommandSpec) -> ExecOutput {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(run_command(spec, Some(Duration::from_secs(20)), None))
        .unwrap()
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}
