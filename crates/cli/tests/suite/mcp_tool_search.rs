//! Tool search against real MCP servers (the Python SDK's): a model whose
//! catalog entry takes `tool_search` is offered the search instead of the
//! tools, finds one among 200 from 10 servers, calls it by namespace, and
//! gets its result; a server that joins late is announced to the model. A
//! model without tool search gets each server as a namespace.

use codex_test_support::peers::{py_mcp_server, python};
use codex_test_support::{RecordedRequest, Turn};
use serde_json::{Value, json};

use super::exec::{ExecEnv, stderr, stdout};

fn server(name: &str, extra_args: &[&str], extra: &str) -> String {
    let mut args = vec![format!("{:?}", py_mcp_server().display().to_string())];
    args.extend(extra_args.iter().map(|a| format!("{a:?}")));
    format!(
        "\n[mcp_servers.{name}]\ncommand = {:?}\nargs = [{}]\nstartup_timeout_sec = 120\n{extra}\n",
        python().display().to_string(),
        args.join(", ")
    )
}

fn tools(request: &RecordedRequest) -> Vec<Value> {
    request.body_json()["tools"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn developer_texts(request: &RecordedRequest) -> Vec<String> {
    request
        .input()
        .iter()
        .filter(|item| item["role"] == "developer")
        .flat_map(|item| item["content"].as_array().cloned().unwrap_or_default())
        .filter_map(|part| part["text"].as_str().map(str::to_string))
        .collect()
}

fn find_item<'a>(items: &'a [Value], kind: &str, call_id: &str) -> &'a Value {
    items
        .iter()
        .find(|item| item["type"] == kind && item["call_id"] == call_id)
        .unwrap_or_else(|| panic!("no {kind} {call_id} in {items:?}"))
}

#[test]
fn a_tool_is_found_among_200_from_10_servers_and_called_by_namespace() {
    let env = ExecEnv::new();
    for k in 0..10 {
        let offset = (k * 20).to_string();
        // Required: the session starts once all ten are ready, so the
        // search sees all 200 tools.
        env.home.append_config(&server(
            &format!("s{k}"),
            &["--many-tools", "20", "--topic-offset", &offset],
            "required = true",
        ));
    }
    env.server.push_turn(
        Turn::new().tool_search_call("ts1", json!({"query": "email records item 57", "limit": 3})),
    );
    env.server.push_turn(Turn::new().namespaced_call(
        "c1",
        "mcp__s2",
        "tool_17",
        json!({"query": "q"}),
    ));
    env.server.push_turn(Turn::new().text("found it"));
    let output = env
        .exec()
        .args([
            "--skip-git-repo-check",
            "-m",
            "gpt-5.5",
            "find the email tool",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "found it\n");
    let requests = env.server.requests();
    assert_eq!(requests.len(), 3);

    // The tool list is small, holds the search and no MCP tool, and never
    // changes.
    let offered = tools(&requests[0]);
    assert!(
        offered
            .iter()
            .any(|t| t["type"] == "tool_search" && t["execution"] == "client"),
        "{offered:?}"
    );
    // No MCP namespace is listed (the agent tools' namespace is: ours
    // does not defer it yet, see docs/architecture.md "Sub-agents").
    assert!(
        !offered
            .iter()
            .any(|t| t["name"].as_str().is_some_and(|n| n.starts_with("mcp__"))),
        "{offered:?}"
    );
    assert!(offered.len() < 20, "{} tools offered", offered.len());
    // The built-in tools (13 KB with the agent, goal and question tools),
    // not the 200 MCP tools, which listed whole would add tens of KB.
    let listed_bytes = requests[0].body_json()["tools"].to_string().len();
    assert!(
        listed_bytes < 20_000,
        "the tool list takes {listed_bytes} bytes"
    );
    for later in &requests[1..] {
        assert_eq!(tools(later), offered);
    }
    // The namespaces the model can search were announced once: the
    // built-in agent tools from the start, the servers' as they joined.
    let notes: Vec<String> = developer_texts(&requests[0])
        .into_iter()
        .filter(|t| t.starts_with("<tools>\n"))
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(
        notes[0],
        "<tools>\nDeferred tool namespaces:\n- multi_agent_v1: Tools for spawning and managing sub-agents.\n</tools>"
    );
    assert!(
        notes[1].starts_with("<tools>\nAdded deferred tool namespaces:\n- mcp__"),
        "{}",
        notes[1]
    );
    assert_eq!(notes[1].matches("\n- mcp__s").count(), 10, "{}", notes[1]);

    // The search's answer, on the reference's wire.
    let input = requests[1].input();
    let call = find_item(&input, "tool_search_call", "ts1");
    assert_eq!(call["arguments"]["query"], "email records item 57");
    let found = find_item(&input, "tool_search_output", "ts1");
    assert_eq!(found["status"], "completed");
    assert_eq!(found["execution"], "client");
    let namespaces = found["tools"].as_array().unwrap();
    assert_eq!(namespaces[0]["type"], "namespace");
    assert_eq!(namespaces[0]["name"], "mcp__s2");
    let best = &namespaces[0]["tools"][0];
    assert_eq!(best["type"], "function");
    assert_eq!(best["name"], "tool_17");
    assert_eq!(best["defer_loading"], true);
    assert_eq!(best["description"], "Works with email records (item 57).");
    assert!(
        best["parameters"]["properties"]["query"].is_object(),
        "{best}"
    );
    let count: usize = namespaces
        .iter()
        .map(|n| n["tools"].as_array().unwrap().len())
        .sum();
    assert!(count <= 3, "limit 3, found {count}");

    // The found tool, called by namespace, answers.
    let result = requests[2].tool_output("c1").unwrap();
    assert!(
        result.ends_with(r#"{"result":"email result 57 for q"}"#),
        "{result}"
    );

    // The search is in the session file, so a resumed session sends it again.
    let rollout = std::fs::read_to_string(&env.home.rollout_files()[0]).unwrap();
    assert!(
        rollout.contains(r#""type":"tool_search_call""#),
        "{rollout}"
    );
    assert!(rollout.contains(r#""type":"tool_search_output""#));
    assert!(rollout.contains(r#""namespace":"mcp__s2""#));
}

#[test]
fn a_server_that_joins_late_is_announced_at_the_next_request() {
    let env = ExecEnv::new();
    env.home
        .append_config(&server("quick", &[], "required = true"));
    env.home
        .append_config(&server("late", &["--delay-start", "5"], ""));
    // The call waits for `late` alone; it joins before the next request.
    env.server.push_turn(Turn::new().namespaced_call(
        "c1",
        "mcp__late",
        "lookup",
        json!({"key": "k"}),
    ));
    env.server.push_turn(Turn::new().text("done"));
    let output = env
        .exec()
        .args(["--skip-git-repo-check", "-m", "gpt-5.5", "go"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let requests = env.server.requests();
    let first: Vec<String> = developer_texts(&requests[0])
        .into_iter()
        .filter(|t| t.starts_with("<tools>"))
        .collect();
    assert_eq!(
        first,
        vec![
            "<tools>\nDeferred tool namespaces:\n- multi_agent_v1: Tools for spawning and managing sub-agents.\n</tools>",
            "<tools>\nAdded deferred tool namespaces:\n- mcp__quick\n</tools>"
        ]
    );
    let looked_up = requests[1].tool_output("c1").unwrap();
    assert!(
        looked_up.ends_with(r#"{"result":"value of k"}"#),
        "{looked_up}"
    );
    let second: Vec<String> = developer_texts(&requests[1])
        .into_iter()
        .filter(|t| t.starts_with("<tools>"))
        .collect();
    assert_eq!(
        second,
        vec![
            "<tools>\nDeferred tool namespaces:\n- multi_agent_v1: Tools for spawning and managing sub-agents.\n</tools>",
            "<tools>\nAdded deferred tool namespaces:\n- mcp__quick\n</tools>",
            "<tools>\nAdded deferred tool namespaces:\n- mcp__late\n</tools>"
        ]
    );

    // Resumed, the session sends what it recorded (the namespaced call
    // too) and does not announce the namespaces again.
    env.server.push_turn(Turn::new().text("again"));
    let resumed = env
        .exec()
        .args([
            "--skip-git-repo-check",
            "-m",
            "gpt-5.5",
            "resume",
            "--last",
            "more",
        ])
        .output()
        .unwrap();
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let request = env.server.requests().pop().unwrap();
    let notes: Vec<String> = developer_texts(&request)
        .into_iter()
        .filter(|t| t.starts_with("<tools>"))
        .collect();
    assert_eq!(notes, second);
    let input = request.input();
    let call = find_item(&input, "function_call", "c1");
    assert_eq!(call["namespace"], "mcp__late");
    assert_eq!(call["name"], "lookup");
}

#[test]
fn without_tool_search_each_server_is_a_namespace_of_its_tools() {
    let env = ExecEnv::new();
    env.home.append_config(&server(
        "demo",
        &[],
        "required = true\ndefault_tools_approval_mode = \"approve\"",
    ));
    env.server.push_turn(Turn::new().namespaced_call(
        "c1",
        "mcp__demo",
        "add",
        json!({"a": 2, "b": 3}),
    ));
    env.server
        .push_turn(Turn::new().namespaced_call("c2", "mcp__demo", "nope", json!({})));
    env.server.push_turn(Turn::new().text("done"));
    let output = env
        .exec()
        .args(["--skip-git-repo-check", "-m", "gpt-4.1", "go"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let requests = env.server.requests();
    let offered = tools(&requests[0]);
    let namespace = offered
        .iter()
        .find(|t| t["type"] == "namespace" && t["name"] == "mcp__demo")
        .unwrap_or_else(|| panic!("{offered:?}"));
    let names: Vec<&str> = namespace["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"add") && names.contains(&"lookup"),
        "{names:?}"
    );
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert!(!offered.iter().any(|t| t["type"] == "tool_search"));
    assert!(
        !developer_texts(&requests[0])
            .iter()
            .any(|t| t.starts_with("<tools>"))
    );
    assert!(
        requests[1]
            .tool_output("c1")
            .unwrap()
            .ends_with(r#"{"result":5}"#)
    );
    // The reference's answer to a tool it does not have: namespace and
    // name joined.
    assert_eq!(
        requests[2].tool_output("c2").unwrap(),
        "unsupported call: mcp__demonope"
    );
}
