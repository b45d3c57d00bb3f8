//! Exit codes, signals, timeouts, output, and helper failures.

use std::time::{Duration, Instant};

use codex_protocol::protocol::SandboxPolicy;
use codex_sandbox::{
    CommandSpec, OutputChunk, SandboxError, StreamKind, TIMEOUT_EXIT_CODE, run_command,
    sandbox_setup_failure,
};

use super::common::{
    assert_none_left, base_env, helper, sh, spec, tempdir, unique_sleep, workspace_only,
};

#[test]
fn exit_codes_and_signals_pass_through() {
    let cwd = tempdir();
    for policy in [
        SandboxPolicy::ReadOnly,
        workspace_only(false),
        SandboxPolicy::DangerFullAccess,
    ] {
        assert_eq!(sh(policy.clone(), cwd.path(), "exit 42").exit_code, 42);
        assert_eq!(
            sh(policy.clone(), cwd.path(), "kill -TERM $$").exit_code,
            128 + 15
        );
        assert_eq!(sh(policy, cwd.path(), "kill -KILL $$").exit_code, 128 + 9);
    }
}

#[test]
fn stdout_and_stderr_are_separate_and_streamed() {
    let cwd = tempdir();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<OutputChunk>();
    let spec = spec(workspace_only(false), cwd.path(), "echo out; echo err >&2");
    let out = runtime
        .block_on(run_command(&spec, Some(Duration::from_secs(10)), Some(tx)))
        .unwrap();
    assert_eq!(out.stdout.text(), "out\n");
    assert_eq!(out.stderr.text(), "err\n");
    let mut chunks = Vec::new();
    while let Ok(chunk) = rx.try_recv() {
        chunks.push(chunk);
    }
    assert!(
        chunks
            .iter()
            .any(|c| c.stream == StreamKind::Stdout && c.bytes == b"out\n")
    );
    assert!(
        chunks
            .iter()
            .any(|c| c.stream == StreamKind::Stderr && c.bytes == b"err\n")
    );
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let cwd = tempdir();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for policy in [workspace_only(false), SandboxPolicy::DangerFullAccess] {
        let marker = unique_sleep();
        let spec = spec(
            policy,
            cwd.path(),
            &format!("sleep {marker} & sleep {marker}"),
        );
        let start = Instant::now();
        let out = runtime
            .block_on(run_command(&spec, Some(Duration::from_millis(500)), None))
            .unwrap();
        assert!(out.timed_out);
        assert_eq!(out.exit_code, TIMEOUT_EXIT_CODE);
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_none_left(&marker);
    }
}

#[test]
fn a_background_process_holding_the_pipes_does_not_hang_the_call() {
    let cwd = tempdir();
    let start = Instant::now();
    let out = sh(workspace_only(false), cwd.path(), "sleep 30 & echo started");
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.stdout.text(), "started\n");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_helper_that_cannot_apply_the_policy_refuses_to_run_the_command() {
    let out = std::process::Command::new(helper())
        .args([
            "--sandbox-policy-cwd",
            "/",
            "--sandbox-policy",
            "{\"type\":\"bogus\"}",
            "--",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(codex_sandbox::SETUP_FAILED_EXIT_CODE)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("codex-linux-sandbox: invalid --sandbox-policy value"),
        "{stderr}"
    );

    let out = std::process::Command::new(helper()).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(codex_sandbox::SETUP_FAILED_EXIT_CODE)
    );
}

#[test]
fn setup_failures_are_recognized_in_exec_output() {
    let cwd = tempdir();
    let mut spec = spec(workspace_only(false), cwd.path(), "true");
    // A cwd the helper cannot canonicalize is fine; an unknown program is a 127.
    spec.argv = vec!["definitely-not-a-program-xyz".into()];
    let out = super::common::run(&spec);
    assert_eq!(out.exit_code, 127);
    assert!(sandbox_setup_failure(&out).is_none());
    assert!(
        out.stderr
            .text()
            .contains("cannot run `definitely-not-a-program-xyz`")
    );
}

#[test]
fn a_restricted_policy_without_a_helper_is_refused() {
    let cwd = tempdir();
    let spec = CommandSpec {
        argv: vec!["true".into()],
        cwd: cwd.path().to_path_buf(),
        env: base_env(),
        policy: SandboxPolicy::ReadOnly,
        linux_sandbox_exe: None,
        hidden_paths: vec![],
        network_proxy: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = runtime
        .block_on(run_command(&spec, None, None))
        .unwrap_err();
    assert!(matches!(err, SandboxError::HelperMissing), "{err}");
}
