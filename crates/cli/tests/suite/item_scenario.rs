//! The scripted turn every frontend's item test drives (exec `--json`, the
//! app-server, the mcp-server, the TUI): a command the person approves
//! (`call_yes`), one they decline (`call_no`), a patch adding `notes.md`
//! (`call_patch`), a call to a real MCP server (`call_mcp`, the Python
//! SDK's `add`) and the answer "All done.".

use codex_test_support::peers::{py_mcp_server, python};
use codex_test_support::{MockModelServer, TestCodexHome, Turn};
use serde_json::json;

/// How the declined command comes to be asked about.
pub(super) enum Declined {
    /// The policy asks about it (`untrusted`).
    ByPolicy,
    /// It asks to leave the sandbox (`on-request`), which a frontend with
    /// nobody to ask declines.
    Escalating,
}

/// Scripts the turn on `server` and adds the MCP server to `home`'s config
/// (`required`, so the session waits for it).
pub(super) fn script(server: &MockModelServer, home: &TestCodexHome, declined: Declined) {
    home.append_config(&format!(
        "\n[mcp_servers.py]\ncommand = {:?}\nargs = [{:?}]\nrequired = true\ndefault_tools_approval_mode = \"approve\"\n",
        python().display().to_string(),
        py_mcp_server().display().to_string(),
    ));
    server.push_turn(Turn::new().function_call(
        "call_yes",
        "shell",
        json!({"command": ["bash", "-c", "echo approved > out.txt"]}),
    ));
    let mut no = json!({"command": ["bash", "-c", "echo declined > no.txt"]});
    if let Declined::Escalating = declined {
        no["sandbox_permissions"] = json!("require_escalated");
        no["justification"] = json!("to test");
    }
    server.push_turn(Turn::new().function_call("call_no", "shell", no));
    server.push_turn(Turn::new().custom_tool_call(
        "call_patch",
        "apply_patch",
        "*** Begin Patch\n*** Add File: notes.md\n+hello\n*** End Patch\n",
    ));
    server.push_turn(Turn::new().function_call(
        "call_mcp",
        "mcp__py__add",
        json!({"a": 2, "b": 3}),
    ));
    server.push_turn(Turn::new().text("All done."));
}
