//! Hooks through `codex exec`: real bash and Python scripts at each event,
//! every payload checked against the reference's input schemas.

use std::path::{Path, PathBuf};

use codex_test_support::{Turn, peers};
use serde_json::{Value, json};

use super::exec::{ExecEnv, stderr, stdout};

/// A Python hook: logs its input to `log`, then acts by `mode`.
const PY_HOOK: &str = r#"
import json, os, sys, time
mode, log = sys.argv[1], sys.argv[2]
data = json.load(sys.stdin)
with open(log, "a") as f:
    f.write(json.dumps(data) + "\n")
event = data["hook_event_name"]
if mode == "rewrite":
    print(json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse",
        "updatedInput": {"command": "echo rewritten > rewritten.txt"}}}))
elif mode == "ask":
    print(json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse",
        "permissionDecision": "ask", "permissionDecisionReason": "check this one"}}))
elif mode == "context":
    print(json.dumps({"hookSpecificOutput": {"hookEventName": "UserPromptSubmit",
        "additionalContext": "Remember: tabs, not spaces."}}))
elif mode == "stop-until-file":
    if not os.path.exists(os.path.join(data["cwd"], "done.txt")):
        print(json.dumps({"decision": "block", "reason": "create done.txt before you stop"}))
elif mode == "always-block":
    print(json.dumps({"decision": "block", "reason": "keep going"}))
elif mode == "format":
    path = data["tool_input"]["file_path"]
    with open(path, "a") as f:
        f.write("// formatted\n")
elif mode == "sleep":
    time.sleep(30)
elif mode == "garbage":
    print("{this is not json")
"#;

/// A bash hook in Claude Code's style: exit 2 blocks with stderr.
const BASH_BLOCK_RM: &str = r#"#!/bin/bash
input=$(cat)
if printf '%s' "$input" | grep -q 'rm -rf'; then
  echo "no rm -rf in this repository" >&2
  exit 2
fi
exit 0
"#;

struct HookEnv {
    env: ExecEnv,
    log: PathBuf,
}

impl HookEnv {
    /// `hooks`: the `hooks` object of a hooks.json, where `HOOK(mode)` in a
    /// command is the Python hook in that mode.
    fn new(hooks: Value) -> Self {
        let env = ExecEnv::new();
        let log = env.home.path().join("hook-inputs.jsonl");
        let script = env.home.path().join("hook.py");
        std::fs::write(&script, PY_HOOK).unwrap();
        let bash = env.home.path().join("block_rm.sh");
        std::fs::write(&bash, BASH_BLOCK_RM).unwrap();
        let mut text = serde_json::to_string_pretty(&json!({ "hooks": hooks })).unwrap();
        for mode in [
            "rewrite",
            "ask",
            "context",
            "stop-until-file",
            "always-block",
            "format",
            "sleep",
            "garbage",
            "log",
        ] {
            text = text.replace(
                &format!("HOOK({mode})"),
                &format!(
                    "{} {} {mode} {}",
                    peers::python().display(),
                    script.display(),
                    log.display()
                ),
            );
        }
        text = text.replace("BASH_BLOCK_RM", &format!("bash {}", bash.display()));
        std::fs::write(env.home.path().join("hooks.json"), text).unwrap();
        Self { env, log }
    }

    fn payloads(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn run(&self, prompt: &str) -> std::process::Output {
        self.env
            .exec()
            .args(["-s", "workspace-write", prompt])
            .output()
            .unwrap()
    }
}

fn group(matcher: &str, command: &str) -> Value {
    json!([{"matcher": matcher, "hooks": [{"type": "command", "command": command}]}])
}

fn shell_call(cmd: &str) -> Turn {
    Turn::new().function_call("call_1", "shell", json!({"command": ["bash", "-lc", cmd]}))
}

/// Checks hook payloads against the reference's input schemas (the
/// PreToolUse schema of that version covers shell calls only).
fn validate_payloads(payloads: &[Value]) {
    let schemas =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../hooks/tests/fixtures/reference-schemas");
    let checker = r#"
import json, sys, jsonschema
schemas, payloads = sys.argv[1], json.load(open(sys.argv[2]))
names = {"PreToolUse": "pre-tool-use", "PostToolUse": "post-tool-use",
         "UserPromptSubmit": "user-prompt-submit", "Stop": "stop"}
bad = 0
for p in payloads:
    name = names.get(p["hook_event_name"])
    if name is None or (name == "pre-tool-use" and p["tool_name"] != "Bash"):
        continue
    schema = json.load(open(f"{schemas}/{name}.command.input.schema.json"))
    for e in jsonschema.Draft7Validator(schema).iter_errors(p):
        bad += 1
        print("INVALID", p["hook_event_name"], e.message)
print("checked", len(payloads))
sys.exit(1 if bad else 0)
"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payloads.json");
    std::fs::write(&file, serde_json::to_string(payloads).unwrap()).unwrap();
    let out = std::process::Command::new(peers::python())
        .args(["-c", checker])
        .arg(&schemas)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_bash_pre_tool_use_hook_blocks_rm_rf_and_the_model_gets_the_reason() {
    let hooks = HookEnv::new(json!({
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "BASH_BLOCK_RM"}, {"type": "command", "command": "HOOK(log)"}]}
        ]
    }));
    std::fs::create_dir(hooks.env.workspace().join("victim")).unwrap();
    hooks.env.server.push_turn(shell_call("rm -rf victim"));
    hooks.env.server.push_turn(Turn::new().text("understood"));
    let out = hooks.run("clean up");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        hooks.env.workspace().join("victim").exists(),
        "the command must not run"
    );
    let requests = hooks.env.server.requests();
    let output = requests[1].tool_output("call_1").unwrap();
    assert!(output.contains("no rm -rf in this repository"), "{output}");
    assert!(stderr(&out).contains("hook PreToolUse"), "{}", stderr(&out));
    let payloads = hooks.payloads();
    assert_eq!(payloads[0]["tool_name"], "Bash");
    assert_eq!(
        payloads[0]["tool_input"]["command"],
        "bash -lc 'rm -rf victim'"
    );
    validate_payloads(&payloads);
}

#[test]
fn a_pre_tool_use_hook_rewrites_the_command() {
    let hooks = HookEnv::new(json!({"PreToolUse": group("Bash", "HOOK(rewrite)")}));
    hooks
        .env
        .server
        .push_turn(shell_call("echo original > original.txt"));
    hooks.env.server.push_turn(Turn::new().text("ok"));
    let out = hooks.run("write it");
    assert!(out.status.success(), "{}", stderr(&out));
    let ws = hooks.env.workspace();
    assert!(ws.join("rewritten.txt").exists());
    assert!(!ws.join("original.txt").exists());
}

#[test]
fn a_pre_tool_use_hook_that_asks_turns_the_call_into_an_approval() {
    let hooks = HookEnv::new(json!({"PreToolUse": group("exec_command|shell", "HOOK(ask)")}));
    hooks.env.server.push_turn(shell_call("echo ran > ran.txt"));
    hooks.env.server.push_turn(Turn::new().text("ok"));
    // Without a terminal, exec declines approvals: the call must not run.
    let out = hooks.run("try it");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!hooks.env.workspace().join("ran.txt").exists());
    let output = hooks.env.server.requests()[1]
        .tool_output("call_1")
        .unwrap();
    assert!(output.contains("declined"), "{output}");
}

#[test]
fn a_post_tool_use_formatter_edits_the_patched_file_claude_code_style() {
    // Claude Code's matcher names for edits.
    let hooks = HookEnv::new(json!({"PostToolUse": group("Edit|Write|MultiEdit", "HOOK(format)")}));
    hooks.env.server.push_turn(Turn::new().custom_tool_call(
        "call_p",
        "apply_patch",
        "*** Begin Patch\n*** Add File: src.rs\n+fn main() {}\n*** End Patch\n",
    ));
    hooks.env.server.push_turn(Turn::new().text("ok"));
    let out = hooks.run("add it");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(hooks.env.workspace().join("src.rs")).unwrap(),
        "fn main() {}\n// formatted\n"
    );
    let payloads = hooks.payloads();
    assert_eq!(payloads[0]["hook_event_name"], "PostToolUse");
    assert_eq!(payloads[0]["tool_name"], "apply_patch");
    validate_payloads(&payloads);
}

#[test]
fn user_prompt_submit_context_reaches_the_model() {
    let hooks = HookEnv::new(json!({"UserPromptSubmit": group("", "HOOK(context)")}));
    hooks.env.server.push_turn(Turn::new().text("ok"));
    let out = hooks.run("format the code");
    assert!(out.status.success(), "{}", stderr(&out));
    let texts = hooks.env.server.requests()[0].user_texts();
    assert!(texts.iter().any(|t| t == "format the code"), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Remember: tabs, not spaces.")),
        "{texts:?}"
    );
    let payloads = hooks.payloads();
    assert_eq!(payloads[0]["prompt"], "format the code");
    validate_payloads(&payloads);
}

#[test]
fn a_stop_hook_keeps_the_turn_going_until_the_file_exists() {
    let hooks = HookEnv::new(json!({"Stop": group("", "HOOK(stop-until-file)")}));
    hooks.env.server.push_turn(Turn::new().text("all done"));
    hooks.env.server.push_turn(Turn::new().text("really done"));
    hooks.env.server.push_turn(shell_call("touch done.txt"));
    hooks
        .env
        .server
        .push_turn(Turn::new().text("now it exists"));
    let out = hooks.run("finish");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "now it exists");
    let requests = hooks.env.server.requests();
    assert_eq!(requests.len(), 4);
    assert!(
        requests[1]
            .user_texts()
            .iter()
            .any(|t| t == "create done.txt before you stop"),
        "{:?}",
        requests[1].user_texts()
    );
    let payloads = hooks.payloads();
    assert_eq!(payloads.len(), 3);
    assert_eq!(payloads[0]["stop_hook_active"], false);
    assert_eq!(payloads[1]["stop_hook_active"], true);
    assert_eq!(payloads[0]["last_assistant_message"], "all done");
    validate_payloads(&payloads);
}

#[test]
fn a_stop_hook_that_never_lets_go_is_bounded() {
    let hooks = HookEnv::new(json!({"Stop": group("", "HOOK(always-block)")}));
    for n in 0..4 {
        hooks
            .env
            .server
            .push_turn(Turn::new().text(&format!("answer {n}")));
    }
    let out = hooks.run("go");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        hooks.env.server.requests().len(),
        4,
        "one answer and three follow-ups"
    );
    assert!(
        stderr(&out).contains("3 times in a row"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_hook_that_times_out_or_prints_garbage_blocks_nothing() {
    let env = ExecEnv::new();
    let script = env.home.path().join("hook.py");
    std::fs::write(&script, PY_HOOK).unwrap();
    let log = env.home.path().join("log.jsonl");
    let python = peers::python();
    let hooks = json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": format!("{} {} sleep {}", python.display(), script.display(), log.display()), "timeout_sec": 1},
        {"type": "command", "command": format!("{} {} garbage {}", python.display(), script.display(), log.display())}
    ]}]}});
    std::fs::write(env.home.path().join("hooks.json"), hooks.to_string()).unwrap();
    env.server.push_turn(shell_call("echo ran > ran.txt"));
    env.server.push_turn(Turn::new().text("ok"));
    let started = std::time::Instant::now();
    let out = env
        .exec()
        .args(["-s", "workspace-write", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(25),
        "the sleeping hook was not killed"
    );
    assert!(
        env.workspace().join("ran.txt").exists(),
        "failed hooks block nothing"
    );
    let err = stderr(&out);
    assert!(err.contains("timed out after 1 s"), "{err}");
    assert!(err.contains("not valid hook JSON"), "{err}");
}

#[test]
fn hooks_list_shows_each_handler_and_untrusted_projects_do_not_run() {
    let hooks = HookEnv::new(json!({"PreToolUse": group("Bash", "HOOK(log)")}));
    let project = hooks.env.workspace().join(".codex");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("hooks.json"),
        json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "touch project-hook-ran"}]}]}}).to_string(),
    )
    .unwrap();
    let out = super::cli_basics::codex()
        .env("CODEX_HOME", hooks.env.home.path())
        .current_dir(hooks.env.workspace())
        .args(["hooks", "list"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let pre = text
        .lines()
        .find(|l| l.starts_with("PreToolUse"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        pre.contains("Bash") && pre.contains("yes") && pre.contains("hooks.json"),
        "{pre}"
    );
    let stop = text
        .lines()
        .find(|l| l.starts_with("Stop"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(stop.contains("untrusted"), "{stop}");

    hooks.env.server.push_turn(Turn::new().text("ok"));
    let run = hooks.run("hi");
    assert!(run.status.success());
    assert!(!hooks.env.workspace().join("project-hook-ran").exists());
    assert!(stderr(&run).contains("not trusted"), "{}", stderr(&run));
}
