//! Sub-agents in the interactive interface: a child's approval request is
//! asked in the parent's window, named after the agent; the agent calls
//! show compactly; `/agents` lists the children and `/agents NAME`
//! follows one.

use codex_test_support::{Reply, Turn};
use serde_json::{Value, json};

use super::tui::{TuiEnv, WAIT, quit};

#[test]
fn a_childs_approval_is_answered_in_the_window_and_agents_lists_it() {
    let env = TuiEnv::new();
    let ns = "multi_agent_v1";
    for _ in 0..6 {
        env.server.push(Reply::dynamic(move |request| {
            if request.header("x-openai-subagent").is_some() {
                return if request.call_outputs().is_empty() {
                    Turn::new().function_call(
                        "touch",
                        "shell",
                        json!({"command": ["touch", "from-child.txt"]}),
                    )
                } else {
                    Turn::new().text("touched it")
                };
            }
            let outs = request.call_outputs();
            match outs.len() {
                0 => Turn::new().namespaced_call(
                    "s1",
                    ns,
                    "spawn_agent",
                    json!({"message": "touch the file"}),
                ),
                1 => {
                    let id = serde_json::from_str::<Value>(&outs[0].1).unwrap()["agent_id"].clone();
                    Turn::new().namespaced_call(
                        "w",
                        ns,
                        "wait_agent",
                        json!({"targets": [id], "timeout_ms": 60000}),
                    )
                }
                _ => Turn::new().text("The agent is done."),
            }
        }));
    }
    let mut term = env.spawn(&["-a", "untrusted", "-s", "danger-full-access"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("delegate the file");
    let screen = term.wait_for("Run this command?", WAIT);
    assert!(screen.contains("$ touch from-child.txt"), "{screen}");
    assert!(screen.contains("[agent "), "{screen}");
    term.send(b"y");
    term.wait_for("The agent is done.", WAIT);
    assert!(env.workspace().join("from-child.txt").exists());
    let all = term.all_text();
    assert!(all.contains("• spawn_agent: touch the file"), "{all}");
    assert!(all.contains("completed — touched it"), "{all}");
    term.submit("/agents");
    let screen = term.wait_for("Sub-agents (1)", WAIT);
    assert!(screen.contains("completed — touched it"), "{screen}");
    // Following the child: what it did so far, then `back`.
    term.submit("/agents Euler");
    let screen = term.wait_for("Following agent Euler", WAIT);
    let screen = if screen.contains("said: touched it") {
        screen
    } else {
        term.wait_for("said: touched it", WAIT)
    };
    assert!(
        screen.contains("Euler: ran `touch from-child.txt` → exit 0"),
        "{screen}"
    );
    term.submit("/agents back");
    term.wait_for("Back to the main thread.", WAIT);
    quit(&mut term);
}
