//! `codex debug config`: effective values, their origins, and config errors.

use tempfile::TempDir;

use super::cli_basics::codex;

fn home_with(config: &str) -> TempDir {
    let home = TempDir::new().unwrap();
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    home
}

fn line_of<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no `{key}` in:\n{text}"))
}

#[test]
fn profile_override_and_flag_origins() {
    let home = home_with(
        "model = \"from-file\"\napproval_policy = \"untrusted\"\n\n[profiles.fast]\nmodel = \"from-profile\"\nmodel_reasoning_effort = \"low\"\n",
    );
    let out = codex()
        .env("CODEX_HOME", home.path())
        .current_dir(home.path())
        .args([
            "debug",
            "config",
            "-p",
            "fast",
            "-c",
            "model=\"x\"",
            "-s",
            "workspace-write",
        ])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(line_of(&stdout, "model"), "model = \"x\"  # -c model=\"x\"");
    assert!(
        line_of(&stdout, "model_reasoning_effort").contains("# profile fast (")
            && line_of(&stdout, "model_reasoning_effort").ends_with("config.toml:6:26)"),
        "{stdout}"
    );
    assert!(
        line_of(&stdout, "approval_policy").ends_with("config.toml:2:19"),
        "{stdout}"
    );
    assert_eq!(
        line_of(&stdout, "sandbox_mode"),
        "sandbox_mode = \"workspace-write\"  # flag --sandbox"
    );
    assert_eq!(
        line_of(&stdout, "model_provider"),
        "model_provider = \"openai\"  # default"
    );
    assert_eq!(
        line_of(&stdout, "profile"),
        "profile = \"fast\"  # flag --profile"
    );
    assert!(stdout.contains("# profile: fast"));
}

#[test]
fn a_type_error_exits_non_zero_and_points_at_the_value() {
    let home = home_with("model = \"a\"\n[history]\nmax_bytes = \"big\"\n");
    let out = codex()
        .env("CODEX_HOME", home.path())
        .args(["debug", "config"])
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("config.toml:3:13"), "{stderr}");
    assert!(stderr.contains("`history.max_bytes`"), "{stderr}");
    assert!(
        stderr.contains("expected a non-negative integer"),
        "{stderr}"
    );
}

#[test]
fn strict_config_rejects_unknown_keys() {
    let home = home_with("modle = \"typo\"\n");
    codex()
        .env("CODEX_HOME", home.path())
        .args(["debug", "config"])
        .assert()
        .success();
    let out = codex()
        .env("CODEX_HOME", home.path())
        .args(["debug", "config", "--strict-config"])
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("config.toml:1:9: unknown key `modle`"),
        "{stderr}"
    );
}

#[test]
fn a_missing_codex_home_is_reported() {
    let out = codex()
        .env("CODEX_HOME", "/nonexistent/codex-home")
        .args(["debug", "config"])
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("CODEX_HOME=/nonexistent/codex-home"),
        "{stderr}"
    );
}
