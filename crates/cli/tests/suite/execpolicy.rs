//! `codex execpolicy check` prints what the reference prints: the 15 cases
//! in `fixtures/execpolicy/reference-0.169-check.jsonl` were run through the
//! reference 0.169 binary with the rule files beside them; ours must print
//! the same bytes. Rule files that do not load fail with the file and line.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/execpolicy")
}

fn check(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_codex"))
        .current_dir(dir)
        .env("CODEX_HOME", dir)
        .args(["execpolicy", "check"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn output_equals_the_reference_case_for_case() {
    let cases = std::fs::read_to_string(fixtures().join("reference-0.169-check.jsonl")).unwrap();
    let mut compared = 0;
    for line in cases.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let args: Vec<&str> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let output = check(&fixtures(), &args);
        assert!(output.status.success(), "{args:?}: {output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            case["stdout"].as_str().unwrap(),
            "{args:?}"
        );
        compared += 1;
    }
    assert_eq!(compared, 15);
}

#[test]
fn a_rule_its_examples_contradict_fails_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, expected) in [
        (
            "match.rules",
            "# header\nprefix_rule(pattern=[\"ls\"])\n\nprefix_rule(\n  pattern=[\"git\", \"push\"],\n  match=[\"git pull\"],\n)\n",
            "match.rules:4: the `match` example `git pull` does not match this rule",
        ),
        (
            "not_match.rules",
            "prefix_rule(pattern=[\"ls\"], not_match=[\"ls -l\"])\n",
            "not_match.rules:1: the `not_match` example `ls -l` matches this rule",
        ),
        (
            "decision.rules",
            "\n\nprefix_rule(pattern=[\"ls\"], decision=\"maybe\")\n",
            "decision.rules:3",
        ),
        (
            "kwarg.rules",
            "prefix_rule(pattern=[\"ls\"], foo=1)\n",
            "kwarg.rules:1",
        ),
        ("syntax.rules", "prefix_rule(\n", "syntax.rules:"),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let output = check(dir.path(), &["--rules", name, "--", "ls"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(output.stdout.is_empty(), "{name}");
    }
    let output = check(dir.path(), &["--rules", "missing.rules", "--", "ls"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.rules"));
}
