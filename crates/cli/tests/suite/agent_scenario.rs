//! The scripted turn the frontends' sub-agent tests drive: the model spawns
//! one `multi_agent_v1` agent to touch `from-child.txt` (a command that
//! asks for approval under `untrusted`), waits for it, and answers.

use codex_test_support::{MockModelServer, Reply, Turn};
use serde_json::{Value, json};

/// Scripts it on `server`: the child answers `child_answer` once its
/// command ran, the parent `parent_answer` once the wait returned.
pub(super) fn script(
    server: &MockModelServer,
    child_answer: &'static str,
    parent_answer: &'static str,
) {
    let ns = "multi_agent_v1";
    for _ in 0..6 {
        server.push(Reply::dynamic(move |request| {
            if request.header("x-openai-subagent").is_some() {
                return if request.call_outputs().is_empty() {
                    Turn::new().function_call(
                        "touch",
                        "shell",
                        json!({"command": ["touch", "from-child.txt"]}),
                    )
                } else {
                    Turn::new().text(child_answer)
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
                _ => Turn::new().text(parent_answer),
            }
        }));
    }
}
