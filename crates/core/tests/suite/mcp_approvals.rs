//! Approvals of MCP tool calls against a real server (the Python SDK's):
//! a tool the server marks read-only runs, a tool that acts is refused under
//! `never`, asked under `on-request`, and runs when its server's
//! `default_tools_approval_mode` (or the tool's `approval_mode`) approves it.

use codex_config::CliOverrides;
use codex_protocol::protocol::{AskForApproval, EventMsg, Op, ReviewDecision};
use codex_test_support::peers::{py_mcp_server, python};
use codex_test_support::{MockModelServer, Turn};
use serde_json::json;

use super::common::{Start, TestSession, home_for, start_in};

const REFUSED: &str = "MCP tool call requires approval, but approval policy is never";

fn server_config(name: &str, extra: &str) -> String {
    format!(
        "\n[mcp_servers.{name}]\ncommand = {:?}\nargs = [{:?}]\nstartup_timeout_sec = 60\n{extra}\n",
        python().display().to_string(),
        py_mcp_server().display().to_string()
    )
}

async fn session(server: &MockModelServer, policy: AskForApproval) -> TestSession {
    let home = home_for(server, "responses", "");
    home.append_config(&server_config("demo", ""));
    home.append_config(&server_config(
        "trusted",
        "default_tools_approval_mode = \"approve\"",
    ));
    home.append_config(&server_config(
        "one",
        "tools.add.approval_mode = \"approve\"",
    ));
    start_in(
        home,
        move |cli: &mut CliOverrides| cli.approval_policy = Some(policy),
        Start::New,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn under_never_read_only_tools_run_acting_ones_are_refused_unless_approved_by_config() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call("c1", "mcp__demo__lookup", json!({"key": "k"})));
    server.push_turn(Turn::new().function_call("c2", "mcp__demo__add", json!({"a": 2, "b": 3})));
    server.push_turn(Turn::new().function_call("c3", "mcp__trusted__add", json!({"a": 1, "b": 1})));
    server.push_turn(Turn::new().function_call("c4", "mcp__one__add", json!({"a": 2, "b": 2})));
    server.push_turn(Turn::new().text("done"));
    let session = session(&server, AskForApproval::Never).await;
    session.submit_text("go").await;
    let events = session.run_to_end().await;
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EventMsg::ExecApprovalRequest(_))),
        "nobody is asked under never"
    );
    let requests = server.requests();
    let read_only = requests[1].tool_output("c1").unwrap();
    assert!(read_only.contains("value of k"), "{read_only}");
    let refused = requests[2].tool_output("c2").unwrap();
    assert!(refused.contains(REFUSED), "{refused}");
    assert!(
        requests[3]
            .tool_output("c3")
            .unwrap()
            .ends_with(r#"{"result":2}"#)
    );
    assert!(
        requests[4]
            .tool_output("c4")
            .unwrap()
            .ends_with(r#"{"result":4}"#)
    );
    // The refusal is a failed call for the frontends too.
    let refused_end = events.iter().find_map(|e| match e {
        EventMsg::McpToolCallEnd(end) if end.call_id == "c2" => Some(end.clone()),
        _ => None,
    });
    assert_eq!(refused_end.unwrap().result, Err(REFUSED.to_string()));
    session.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn under_on_request_an_acting_tool_is_asked_through_the_approval_path() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().function_call("c1", "mcp__demo__add", json!({"a": 2, "b": 3})));
    server.push_turn(Turn::new().function_call("c2", "mcp__demo__add", json!({"a": 1, "b": 1})));
    server.push_turn(Turn::new().function_call("c3", "mcp__demo__lookup", json!({"key": "k"})));
    server.push_turn(Turn::new().text("done"));
    let session = session(&server, AskForApproval::OnRequest).await;
    session.submit_text("go").await;
    for (call, decision) in [
        ("c1", ReviewDecision::Approved),
        ("c2", ReviewDecision::Denied),
    ] {
        let events = session
            .events_until(|e| matches!(e, EventMsg::ExecApprovalRequest(_)))
            .await;
        let Some(EventMsg::ExecApprovalRequest(request)) = events.last() else {
            unreachable!()
        };
        assert_eq!(request.call_id, call);
        assert_eq!(request.command[0], "mcp: demo/add");
        session
            .codex
            .submit(Op::ExecApproval {
                id: request.call_id.clone(),
                decision,
            })
            .await
            .unwrap();
    }
    let rest = session.run_to_end().await;
    // The read-only tool is not asked.
    assert!(
        !rest
            .iter()
            .any(|e| matches!(e, EventMsg::ExecApprovalRequest(_))),
        "{rest:?}"
    );
    let requests = server.requests();
    assert!(
        requests[1]
            .tool_output("c1")
            .unwrap()
            .ends_with(r#"{"result":5}"#)
    );
    let denied = requests[2].tool_output("c2").unwrap();
    assert!(denied.contains("did not approve"), "{denied}");
    assert!(
        requests[3]
            .tool_output("c3")
            .unwrap()
            .contains("value of k")
    );
    session.shutdown().await;
}
