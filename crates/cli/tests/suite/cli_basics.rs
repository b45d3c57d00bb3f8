//! `--version`, `--help`, completions.

use assert_cmd::Command;

pub fn codex() -> Command {
    Command::new(env!("CARGO_BIN_EXE_codex"))
}

#[test]
fn version() {
    let out = codex().arg("--version").assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(
        stdout.trim(),
        format!("codex {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_lists_only_working_subcommands() {
    let out = codex().arg("--help").assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for flag in [
        "--config",
        "--profile",
        "--model",
        "--sandbox",
        "--ask-for-approval",
        "--cd",
        "--full-auto",
        "--dangerously-bypass-approvals-and-sandbox",
        "--oss",
        "--strict-config",
    ] {
        assert!(stdout.contains(flag), "missing {flag} in\n{stdout}");
    }
    assert!(stdout.contains("completion"));
    assert!(stdout.contains("debug"));
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef codex"),
        ("fish", "complete -c codex"),
    ] {
        let out = codex().args(["completion", shell]).assert().success();
        let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(stdout.contains(marker), "{shell}: {stdout}");
        assert!(stdout.contains("debug"), "{shell} completes subcommands");
    }
}

#[test]
fn bare_codex_without_a_terminal_points_to_exec() {
    let out = codex().write_stdin("").assert().code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("needs a terminal"), "{stderr}");
    assert!(stderr.contains("codex exec"), "{stderr}");
}
