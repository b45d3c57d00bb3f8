//! The hook outputs codex understands, as fixtures: each parses to what it
//! means, and each is valid under the reference's output schema for its
//! event (`fixtures/reference-schemas`, see its README).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use codex_hooks::HookEvent;
use codex_hooks::output::{Permission, parse_result};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join("outputs").join(name)).unwrap()
}

#[test]
fn each_fixture_means_what_it_says() {
    let parse = |event, name| parse_result(event, "hook", Some(0), &fixture(name), "");
    let deny = parse(HookEvent::PreToolUse, "pre-tool-use.deny.json");
    assert_eq!(
        deny.permission,
        Some((Permission::Deny, Some("no network tools".into())))
    );
    let ask = parse(HookEvent::PreToolUse, "pre-tool-use.ask.json");
    assert_eq!(ask.permission.map(|p| p.0), Some(Permission::Ask));
    let rewrite = parse(HookEvent::PreToolUse, "pre-tool-use.rewrite.json");
    assert_eq!(
        rewrite.updated_input.unwrap()["command"],
        "echo rewritten > rewritten.txt"
    );
    let context = parse(
        HookEvent::UserPromptSubmit,
        "user-prompt-submit.context.json",
    );
    assert_eq!(
        context.additional_context.as_deref(),
        Some("Remember: tabs, not spaces.")
    );
    let blocked = parse(HookEvent::UserPromptSubmit, "user-prompt-submit.block.json");
    assert_eq!(blocked.block.as_deref(), Some("no secrets in prompts"));
    let stop = parse(HookEvent::Stop, "stop.block.json");
    assert_eq!(
        stop.block.as_deref(),
        Some("create done.txt before you stop")
    );
    let post = parse(HookEvent::PostToolUse, "post-tool-use.feedback.json");
    assert_eq!(
        post.block.as_deref(),
        Some("the formatter changed the file")
    );
    assert_eq!(
        post.additional_context.as_deref(),
        Some("run the tests next")
    );
}

#[test]
fn each_fixture_is_valid_under_the_reference_output_schema() {
    let checker = r#"
import json, os, sys, jsonschema
root = sys.argv[1]
bad = 0
for name in sorted(os.listdir(f"{root}/outputs")):
    event = name.split(".")[0]
    schema = json.load(open(f"{root}/reference-schemas/{event}.command.output.schema.json"))
    value = json.load(open(f"{root}/outputs/{name}"))
    for e in jsonschema.Draft7Validator(schema).iter_errors(value):
        bad += 1
        print("INVALID", name, e.message)
print("checked", len(os.listdir(f"{root}/outputs")))
sys.exit(1 if bad else 0)
"#;
    let out = std::process::Command::new(codex_test_support::peers::python())
        .args(["-c", checker])
        .arg(fixtures())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("checked 7"), "{report}");
}
