//! The MCP client against real servers (the Python SDK's, the npm reference
//! servers `everything` and `filesystem`), driven through `codex exec` by the
//! scripted mock model.

use std::time::Duration;

use codex_test_support::peers::{npm_package, py_mcp_server, python};
use codex_test_support::{RecordedRequest, Turn};
use serde_json::{Value, json};

use super::exec::{ExecEnv, stderr, stdout};

fn toml_str(path: &std::path::Path) -> String {
    format!("{:?}", path.display().to_string())
}

fn py_server(name: &str, extra_args: &[&str], extra: &str) -> String {
    let mut args = vec![toml_str(&py_mcp_server())];
    args.extend(extra_args.iter().map(|a| format!("{a:?}")));
    format!(
        "\n[mcp_servers.{name}]\ncommand = {}\nargs = [{}]\ndefault_tools_approval_mode = \"approve\"\n{extra}\n",
        toml_str(&python()),
        args.join(", ")
    )
}

fn node_server(name: &str, package: &str, args: &[String]) -> String {
    let script = npm_package(package).join("dist/index.js");
    let mut all = vec![toml_str(&script)];
    all.extend(args.iter().map(|a| format!("{a:?}")));
    format!(
        "\n[mcp_servers.{name}]\ncommand = \"node\"\nargs = [{}]\nstartup_timeout_sec = 30\ndefault_tools_approval_mode = \"approve\"\n",
        all.join(", ")
    )
}

/// The tools offered, a namespace's tools as `namespace__name`.
fn tool_names(request: &RecordedRequest) -> Vec<String> {
    request.body_json()["tools"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| match t["tools"].as_array() {
            Some(inner) => inner
                .iter()
                .filter_map(|f| f["name"].as_str())
                .map(|name| format!("{}__{name}", t["name"].as_str().unwrap_or_default()))
                .collect(),
            None => t["name"]
                .as_str()
                .map(str::to_string)
                .into_iter()
                .collect::<Vec<_>>(),
        })
        .collect()
}

/// A tool's output without the `Wall time: …\nOutput:\n` header.
fn result_of(output: String) -> String {
    assert!(output.starts_with("Wall time: "), "{output}");
    output
        .split_once("Output:\n")
        .map_or(output.clone(), |(_, rest)| rest.to_string())
}

fn json_lines(output: &std::process::Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_tool_of_each_real_server_is_called_through_exec() {
    let env = ExecEnv::new();
    std::fs::write(env.workspace().join("notes.txt"), "hello").unwrap();
    let workspace = std::fs::canonicalize(env.workspace()).unwrap();
    env.home
        .append_config(&py_server("py", &[], "startup_timeout_sec = 30"));
    env.home.append_config(&node_server(
        "everything",
        "@modelcontextprotocol/server-everything",
        &["stdio".to_string()],
    ));
    env.home.append_config(&node_server(
        "files",
        "@modelcontextprotocol/server-filesystem",
        &[workspace.display().to_string()],
    ));
    env.server
        .push_turn(Turn::new().function_call("c1", "mcp__py__add", json!({"a": 2, "b": 3})));
    env.server.push_turn(Turn::new().function_call(
        "c2",
        "mcp__everything__echo",
        json!({"message": "hi there"}),
    ));
    env.server.push_turn(Turn::new().function_call(
        "c3",
        "mcp__files__list_directory",
        json!({"path": workspace.display().to_string()}),
    ));
    env.server.push_turn(Turn::new().function_call(
        "c4",
        "mcp__everything__get-tiny-image",
        json!({}),
    ));
    env.server.push_turn(Turn::new().text("all four worked"));
    let output = env
        .exec()
        .args(["--json", "--skip-git-repo-check", "use the tools"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let requests = env.server.requests();
    // Servers join as they become ready; a call to a tool of one still
    // starting waits for it, so by the last request every one has joined.
    let names = tool_names(&requests[4]);
    for name in [
        "mcp__py__add",
        "mcp__everything__echo",
        "mcp__files__list_directory",
    ] {
        assert!(names.contains(&name.to_string()), "{name} not in {names:?}");
    }
    // In its namespace a tool keeps its own name where the wire allows.
    assert!(
        names.contains(&"mcp__everything__get-tiny-image".to_string()),
        "{names:?}"
    );
    assert_eq!(
        result_of(requests[1].tool_output("c1").unwrap()),
        r#"{"result":5}"#
    );
    assert!(
        requests[2]
            .tool_output("c2")
            .unwrap()
            .contains("Echo: hi there")
    );
    assert!(requests[3].tool_output("c3").unwrap().contains("notes.txt"));
    // A flat name with the tool's own spelling is no name it was offered
    // under (flat names are `mcp__everything__get_tiny_image`).
    let unknown = requests[4].tool_output("c4").unwrap();
    assert!(unknown.contains("unsupported call"), "{unknown}");
    let lines = json_lines(&output);
    let item = lines
        .iter()
        .find(|l| l["type"] == "item.completed" && l["item"]["type"] == "mcp_tool_call")
        .unwrap();
    assert_eq!(item["item"]["server"], "py");
    assert_eq!(item["item"]["tool"], "add");
    assert_eq!(item["item"]["arguments"], json!({"a": 2, "b": 3}));
    assert_eq!(item["item"]["status"], "completed");
    assert_eq!(
        item["item"]["result"]["structured_content"],
        json!({"result": 5})
    );
}

#[test]
fn images_from_a_tool_are_forwarded_as_images() {
    let env = ExecEnv::new();
    env.home.append_config(&node_server(
        "everything",
        "@modelcontextprotocol/server-everything",
        &["stdio".to_string()],
    ));
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "mcp__everything__get_tiny_image",
        json!({}),
    ));
    env.server.push_turn(Turn::new().text("seen"));
    let output = env
        .exec()
        .args(["--skip-git-repo-check", "look"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let second = &env.server.requests()[1];
    let output_item = second
        .input()
        .into_iter()
        .find(|i| i["type"] == "function_call_output" && i["call_id"] == "c1")
        .unwrap();
    let parts = output_item["output"].as_array().unwrap();
    assert!(
        parts.iter().any(|p| p["type"] == "input_image"
            && p["image_url"]
                .as_str()
                .unwrap()
                .starts_with("data:image/png;base64,")),
        "{parts:?}"
    );
}

#[test]
fn servers_that_fail_to_start_are_named_with_the_reason_and_the_session_goes_on() {
    let env = ExecEnv::new();
    env.home.append_config(&py_server(
        "hangs",
        &["--never-initialize"],
        "startup_timeout_sec = 1",
    ));
    env.home
        .append_config(&py_server("dies", &["--exit-at-start", "4"], ""));
    env.home
        .append_config("\n[mcp_servers.missing]\ncommand = \"definitely-not-a-command-9\"\n");
    env.home
        .append_config(&py_server("good", &[], "startup_timeout_sec = 30"));
    // Calls to tools of servers still starting wait for them: by the second
    // request every server has started or failed.
    env.server.push_turn(
        Turn::new()
            .function_call("c1", "mcp__hangs__add", json!({}))
            .function_call("c2", "mcp__good__add", json!({"a": 1, "b": 1})),
    );
    env.server.push_turn(Turn::new().text("still here"));
    let output = env
        .exec()
        .args(["--json", "--skip-git-repo-check", "hi"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let requests = env.server.requests();
    let hung = requests[1].tool_output("c1").unwrap();
    assert!(
        hung.contains("unsupported call: mcp__hangs__add (MCP server `hangs` failed to start: timed out after 1 s"),
        "{hung}"
    );
    assert_eq!(
        result_of(requests[1].tool_output("c2").unwrap()),
        r#"{"result":2}"#
    );
    // Each failure is one `error` item of the JSON stream.
    let errors: Vec<String> = json_lines(&output)
        .iter()
        .filter(|l| l["type"] == "item.completed" && l["item"]["type"] == "error")
        .map(|l| l["item"]["message"].as_str().unwrap().to_string())
        .collect();
    let has = |needle: &str| errors.iter().filter(|e| e.contains(needle)).count();
    assert_eq!(
        has(
            "MCP server `hangs` failed to start: timed out after 1 s waiting for the server to start; raise `startup_timeout_sec`"
        ),
        1,
        "{errors:?}"
    );
    assert_eq!(
        has(
            "MCP server `dies` failed to start: the server exited with status 4 before it was ready; its last output:\nfatal: the database is locked"
        ),
        1,
        "{errors:?}"
    );
    assert_eq!(
        has("MCP server `missing` failed to start: command `definitely-not-a-command-9` not found"),
        1,
        "{errors:?}"
    );
    let names = tool_names(&requests[1]);
    assert!(names.contains(&"mcp__good__add".to_string()), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with("mcp__hangs")),
        "{names:?}"
    );
}

#[test]
fn the_first_request_does_not_wait_for_servers_and_a_late_one_joins_the_next() {
    let env = ExecEnv::new();
    // Would hold the first request up for five minutes if anything waited.
    env.home.append_config(&py_server(
        "hangs",
        &["--never-initialize"],
        "startup_timeout_sec = 300",
    ));
    env.home
        .append_config("\n[mcp_servers.missing]\ncommand = \"definitely-not-a-command-9\"\n");
    env.home.append_config(&py_server(
        "late",
        &["--delay-start", "5"],
        "startup_timeout_sec = 60",
    ));
    // The call waits for `late` alone; its tools are offered from the next
    // request on.
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "mcp__late__add",
        json!({"a": 2, "b": 2}),
    ));
    env.server.push_turn(Turn::new().text("done"));
    let output = env
        .exec()
        .args(["--skip-git-repo-check", "hi"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "done\n");
    let requests = env.server.requests();
    let first = tool_names(&requests[0]);
    assert!(!first.iter().any(|n| n.starts_with("mcp__")), "{first:?}");
    assert_eq!(
        result_of(requests[1].tool_output("c1").unwrap()),
        r#"{"result":4}"#
    );
    let second = tool_names(&requests[1]);
    assert!(second.contains(&"mcp__late__add".to_string()), "{second:?}");
    assert!(
        !second.iter().any(|n| n.starts_with("mcp__hangs")),
        "{second:?}"
    );
    let err = stderr(&output);
    assert_eq!(
        err.matches("MCP server `missing` failed to start").count(),
        1,
        "{err}"
    );
    assert!(!err.contains("`hangs` failed"), "{err}");
}

#[test]
fn a_required_server_that_fails_stops_the_session_with_a_clear_error() {
    let env = ExecEnv::new();
    env.home.append_config(
        "\n[mcp_servers.needed]\ncommand = \"definitely-not-a-command-9\"\nrequired = true\n",
    );
    env.server.push_turn(Turn::new().text("never sent"));
    let output = env
        .exec()
        .args(["--skip-git-repo-check", "hi"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains(
            "MCP server `needed` failed to start: command `definitely-not-a-command-9` not found"
        ),
        "{err}"
    );
    assert!(err.contains("required = true"), "{err}");
    assert_eq!(env.server.requests().len(), 0);
}

#[test]
fn a_server_that_exits_mid_call_is_reported_and_restarted_by_the_next_call() {
    let env = ExecEnv::new();
    env.home
        .append_config(&py_server("py", &[], "startup_timeout_sec = 30"));
    env.server
        .push_turn(Turn::new().function_call("c1", "mcp__py__crash", json!({})));
    env.server
        .push_turn(Turn::new().function_call("c2", "mcp__py__add", json!({"a": 1, "b": 1})));
    env.server.push_turn(Turn::new().text("recovered"));
    let output = env
        .exec()
        .args(["--skip-git-repo-check", "go"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let requests = env.server.requests();
    let crashed = requests[1].tool_output("c1").unwrap();
    assert!(
        crashed.contains(
            "the MCP server `py` exited during the call; it is restarted on the next call"
        ),
        "{crashed}"
    );
    assert!(crashed.contains("about to crash"), "{crashed}");
    assert_eq!(
        result_of(requests[2].tool_output("c2").unwrap()),
        r#"{"result":2}"#
    );
}

#[test]
fn a_slow_tool_times_out_as_a_tool_error() {
    let env = ExecEnv::new();
    env.home.append_config(&py_server(
        "py",
        &[],
        "startup_timeout_sec = 30\ntool_timeout_sec = 1",
    ));
    env.server
        .push_turn(Turn::new().function_call("c1", "mcp__py__slow", json!({"seconds": 30})));
    env.server.push_turn(Turn::new().text("gave up"));
    let started = std::time::Instant::now();
    let output = env
        .exec()
        .args(["--skip-git-repo-check", "go"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(started.elapsed() < Duration::from_secs(25));
    let out = env.server.requests()[1].tool_output("c1").unwrap();
    assert!(out.contains("timed out after 1 s"), "{out}");
}

#[test]
fn an_http_server_gets_the_bearer_token_from_the_environment() {
    let env = ExecEnv::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(python())
        .arg(py_mcp_server())
        .args(["--http", &port.to_string(), "--token", "s3cret"])
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it accepts connections.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the HTTP server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    env.home.append_config(&format!(
        "\n[mcp_servers.web]\nurl = \"http://127.0.0.1:{port}/mcp\"\nbearer_token_env_var = \"WEB_TOKEN\"\ndefault_tools_approval_mode = \"approve\"\n\n[mcp_servers.nokey]\nurl = \"http://127.0.0.1:{port}/mcp\"\n"
    ));
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "mcp__web__add",
        json!({"a": 20, "b": 22}),
    ));
    env.server.push_turn(Turn::new().text("done"));
    let output = env
        .exec()
        .env("WEB_TOKEN", "s3cret")
        .args(["--skip-git-repo-check", "go"])
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        result_of(env.server.requests()[1].tool_output("c1").unwrap()),
        r#"{"result":42}"#
    );
    let err = stderr(&output);
    assert!(
        err.contains(
            "MCP server `nokey` failed to start: the server requires authentication (HTTP 401)"
        ),
        "{err}"
    );
}

#[test]
fn elicitations_are_declined_without_a_person_to_ask() {
    let env = ExecEnv::new();
    env.home
        .append_config(&py_server("py", &[], "startup_timeout_sec = 30"));
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "mcp__py__confirm_delete",
        json!({"path": "/tmp/x"}),
    ));
    env.server.push_turn(Turn::new().text("ok"));
    let output = env
        .exec()
        .args(["--skip-git-repo-check", "-a", "on-request", "go"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let out = env.server.requests()[1].tool_output("c1").unwrap();
    assert!(out.contains("elicitation decline"), "{out}");
}
