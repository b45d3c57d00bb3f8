//! `codex login --with-api-key`, `login status`, `logout`.

use std::os::unix::fs::PermissionsExt;

use super::cli_basics::codex;

#[test]
fn login_status_logout() {
    let home = tempfile::tempdir().unwrap();
    let status = |expect_code: i32| {
        let out = codex()
            .env("CODEX_HOME", home.path())
            .env_remove("OPENAI_API_KEY")
            .env_remove("CODEX_API_KEY")
            .args(["login", "status"])
            .assert()
            .code(expect_code);
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    assert_eq!(status(1).trim(), "Not logged in");

    codex()
        .env("CODEX_HOME", home.path())
        .args(["login", "--with-api-key"])
        .write_stdin("sk-proj-abcdefghijklmnopqrstuvwxyz\n")
        .assert()
        .success();
    let auth = home.path().join("auth.json");
    let mode = std::fs::metadata(&auth).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&auth).unwrap()).unwrap();
    assert_eq!(
        stored["OPENAI_API_KEY"],
        "sk-proj-abcdefghijklmnopqrstuvwxyz"
    );

    let text = status(0);
    assert_eq!(text.trim(), "Logged in using an API key - sk-proj-***vwxyz");
    assert!(!text.contains("abcdefghij"), "the key is masked");

    codex()
        .env("CODEX_HOME", home.path())
        .arg("logout")
        .assert()
        .success();
    assert!(!auth.exists());
    assert_eq!(status(1).trim(), "Not logged in");
}

#[test]
fn an_empty_key_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let out = codex()
        .env("CODEX_HOME", home.path())
        .args(["login", "--with-api-key"])
        .write_stdin("\n")
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("no API key on standard input"), "{stderr}");
    assert!(!home.path().join("auth.json").exists());
}
