//! `codex sandbox linux` and `codex debug landlock`, with the codex binary
//! playing the sandbox helper.

use super::cli_basics::codex;

#[test]
fn read_only_by_default_and_workspace_write_with_full_auto() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = codex()
        .env("CODEX_HOME", home.path())
        .current_dir(work.path())
        .args(["sandbox", "linux", "--", "sh", "-c", "echo x > f.txt"])
        .assert()
        .failure();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("Read-only file system"), "{stderr}");
    assert!(!work.path().join("f.txt").exists());

    codex()
        .env("CODEX_HOME", home.path())
        .current_dir(work.path())
        .args([
            "sandbox",
            "linux",
            "--full-auto",
            "--",
            "sh",
            "-c",
            "echo x > f.txt",
        ])
        .assert()
        .success();
    assert!(work.path().join("f.txt").exists());
}

#[test]
fn exit_codes_pass_through_and_secrets_are_scrubbed() {
    let home = tempfile::tempdir().unwrap();
    codex()
        .env("CODEX_HOME", home.path())
        .args(["debug", "landlock", "sh", "-c", "exit 7"])
        .assert()
        .code(7);
    let out = codex()
        .env("CODEX_HOME", home.path())
        .env("OPENAI_API_KEY", "sk-should-not-leak")
        .args(["sandbox", "linux", "--", "env"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!stdout.contains("sk-should-not-leak"));
    assert!(stdout.contains("CODEX_SANDBOX_NETWORK_DISABLED=1"));
}
