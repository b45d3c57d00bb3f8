//! The `apply_patch` program: arguments, stdin, output and exit codes.

use std::io::Write;
use std::process::{Command, Stdio};

const PATCH: &str = "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n";

fn program() -> Command {
    Command::new(env!("CARGO_BIN_EXE_apply_patch"))
}

#[test]
fn patch_as_argument() {
    let dir = tempfile::tempdir().unwrap();
    let out = program()
        .arg(PATCH)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Success. Updated the following files:\nA hello.txt\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("hello.txt")).unwrap(),
        "hi\n"
    );
}

#[test]
fn patch_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = program()
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(PATCH.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("hello.txt").exists());
}

#[test]
fn errors_go_to_stderr_with_exit_code_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = program()
        .arg("*** Begin Patch\n*** Frobnicate File: x\n*** End Patch")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid patch at line 2"), "{stderr}");
}

#[test]
fn two_arguments_are_a_usage_error() {
    let out = program().args(["a", "b"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
}
