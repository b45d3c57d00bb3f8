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
        hidden_paths: vec![],
        network_proxy: None,
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

/// A `sleep` argument no other process on the machine uses.
pub fn unique_sleep() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}.{:06}{n:03}", 300 + n, std::process::id() % 1_000_000)
}

/// Host pids of live (not zombie) processes whose command line contains
/// `marker`.
pub fn live_processes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        if cmdline.contains(marker) && !stat.contains(") Z ") && pid != std::process::id() {
            found.push(pid);
        }
    }
    found
}

/// Waits (up to 5 s) for no live process to carry `marker`.
pub fn assert_none_left(marker: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let left = live_processes_with(marker);
        if left.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "processes survived: {left:?} ({marker})"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
