//! The `codex` binary plays other programs when invoked under their names.

use std::process::Command;

const PATCH: &str = "*** Begin Patch\n*** Add File: made.txt\n+made\n*** End Patch\n";

#[test]
fn invoked_as_apply_patch() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("apply_patch");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_codex"), &link).unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(&link)
        .arg(PATCH)
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Success. Updated the following files:\nA made.txt\n"
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("made.txt")).unwrap(),
        "made\n"
    );
}

#[test]
fn hidden_run_as_apply_patch_flag() {
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_codex"))
        .args(["--codex-run-as-apply-patch", PATCH])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(work.path().join("made.txt").exists());
}
