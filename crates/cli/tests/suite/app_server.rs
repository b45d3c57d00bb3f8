//! `codex app-server` driven as an editor drives it, every message checked
//! against the reference's JSON Schema.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

// Further suites, which share this file's client and validation.
mod input;
mod mcp_methods;
mod questions;
mod resume;
mod rollback;
mod subagents;
pub(crate) mod transport;
mod workspace;

use codex_test_support::{MockModelServer, Reply, TestCodexHome, Turn, peers, responses_event};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(60);

/// The schema file a response to `method` must match.
fn response_schema(method: &str) -> Option<&'static str> {
    Some(match method {
        "initialize" => "v1/InitializeResponse.json",
        "thread/start" => "v2/ThreadStartResponse.json",
        "thread/resume" => "v2/ThreadResumeResponse.json",
        "thread/fork" => "v2/ThreadForkResponse.json",
        "thread/list" => "v2/ThreadListResponse.json",
        "thread/read" => "v2/ThreadReadResponse.json",
        "thread/archive" => "v2/ThreadArchiveResponse.json",
        "thread/unarchive" => "v2/ThreadUnarchiveResponse.json",
        "thread/revert" => "v2/ThreadRevertResponse.json",
        "turn/start" => "v2/TurnStartResponse.json",
        "turn/steer" => "v2/TurnSteerResponse.json",
        "turn/interrupt" => "v2/TurnInterruptResponse.json",
        "model/list" => "v2/ModelListResponse.json",
        "account/read" => "v2/GetAccountResponse.json",
        "thread/name/set" => "v2/ThreadSetNameResponse.json",
        "config/read" => "v2/ConfigReadResponse.json",
        "config/value/write" | "config/batchWrite" => "v2/ConfigWriteResponse.json",
        "fuzzyFileSearch" => "FuzzyFileSearchResponse.json",
        "command/exec" => "v2/CommandExecResponse.json",
        "mcpServerStatus/list" => "v2/ListMcpServerStatusResponse.json",
        "mcpServer/oauth/login" => "v2/McpServerOauthLoginResponse.json",
        "review/start" => "v2/ReviewStartResponse.json",
        "skills/list" => "v2/SkillsListResponse.json",
        "skills/config/write" => "v2/SkillsConfigWriteResponse.json",
        "thread/goal/set" => "v2/ThreadGoalSetResponse.json",
        "thread/goal/get" => "v2/ThreadGoalGetResponse.json",
        "thread/goal/clear" => "v2/ThreadGoalClearResponse.json",
        _ => return None,
    })
}

/// A running `codex app-server` and everything it said.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
    next_id: i64,
    methods: std::collections::HashMap<i64, String>,
    /// Every message received, in order.
    received: Vec<Value>,
    /// What to validate: (kind, schema file, message).
    checks: Vec<Value>,
    /// Messages received but not yet taken by a wait.
    unread: std::collections::VecDeque<Value>,
}

impl Client {
    fn start(home: &TestCodexHome) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_codex"))
            .arg("app-server")
            .env("CODEX_HOME", home.path())
            .env_remove("OPENAI_API_KEY")
            .env_remove("CODEX_API_KEY")
            .current_dir(home.workspace())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value: Value = serde_json::from_str(&line).unwrap_or_else(|err| {
                    panic!("the server wrote a line that is not JSON ({err}): {line}")
                });
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Self {
            stdin: child.stdin.take(),
            child,
            lines,
            next_id: 100,
            methods: Default::default(),
            received: Vec::new(),
            checks: Vec::new(),
            unread: Default::default(),
        }
    }

    fn send_raw(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// Bytes without their newline (a request the client never finished).
    fn send_raw_partial(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({"id": id, "method": method, "params": params});
        self.checks.push(
            json!({"kind": "client request", "schema": "ClientRequest.json", "message": message}),
        );
        self.methods.insert(id, method.to_string());
        self.send_raw(&message.to_string());
        id
    }

    fn answer(&mut self, id: &Value, method: &str, result: Value) {
        let schema = match method {
            "item/commandExecution/requestApproval" => {
                "CommandExecutionRequestApprovalResponse.json"
            }
            "item/tool/requestUserInput" => "ToolRequestUserInputResponse.json",
            _ => "FileChangeRequestApprovalResponse.json",
        };
        self.checks
            .push(json!({"kind": "client answer", "schema": schema, "message": result}));
        self.send_raw(&json!({"id": id, "result": result}).to_string());
    }

    /// The next message, recording it for validation.
    fn next(&mut self) -> Value {
        if let Some(message) = self.unread.pop_front() {
            return message;
        }
        let message = match self.lines.recv_timeout(WAIT) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!(
                "the server said nothing for {WAIT:?}; last messages:\n{}",
                self.tail()
            ),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the server closed stdout:\n{}", self.tail())
            }
        };
        self.record(&message);
        message
    }

    fn record(&mut self, message: &Value) {
        self.received.push(message.clone());
        let (kind, schema) = match (message.get("method"), message.get("id")) {
            (Some(_), Some(_)) => ("server request", Some("ServerRequest.json".to_string())),
            (Some(_), None) => ("notification", Some("ServerNotification.json".to_string())),
            // A line that could not be read has no id to answer: JSON-RPC
            // answers it with `"id": null`, which the reference's schema
            // (where every error answers a request) does not foresee.
            (None, Some(Value::Null)) => ("parse error", None),
            (None, Some(_)) if message.get("error").is_some() => {
                ("error", Some("JSONRPCError.json".to_string()))
            }
            (None, Some(id)) => {
                let method = id
                    .as_i64()
                    .and_then(|id| self.methods.get(&id))
                    .cloned()
                    .unwrap_or_default();
                ("response", response_schema(&method).map(str::to_string))
            }
            _ => ("other", None),
        };
        if let Some(schema) = schema {
            let checked = if kind == "response" {
                message["result"].clone()
            } else {
                message.clone()
            };
            self.checks
                .push(json!({"kind": kind, "schema": schema, "message": checked}));
        }
    }

    fn tail(&self) -> String {
        self.received
            .iter()
            .rev()
            .take(15)
            .rev()
            .map(|m| m.to_string().chars().take(300).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits for the response to `id`, keeping other messages unread.
    fn response(&mut self, id: i64) -> Value {
        let deadline = Instant::now() + WAIT;
        let mut skipped = Vec::new();
        loop {
            assert!(
                Instant::now() < deadline,
                "no response to {id}:\n{}",
                self.tail()
            );
            let message = self.next();
            if message.get("method").is_none() && message["id"] == id {
                for m in skipped.into_iter().rev() {
                    self.unread.push_front(m);
                }
                return message;
            }
            skipped.push(message);
        }
    }

    fn result(&mut self, id: i64) -> Value {
        let response = self.response(id);
        assert!(
            response.get("error").is_none(),
            "request {id} failed: {response}"
        );
        response["result"].clone()
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.request(method, params);
        self.result(id)
    }

    /// Reads until a notification `method` arrives, answering approval
    /// requests with `decision` on the way. Returns it and what came before.
    fn until(&mut self, method: &str, decision: &str) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let message = self.next();
            if let (Some(m), Some(id)) = (
                message.get("method").and_then(Value::as_str),
                message.get("id"),
            ) {
                let m = m.to_string();
                let id = id.clone();
                self.answer(&id, &m, json!({"decision": decision}));
                before.push(message);
                continue;
            }
            if message.get("method").and_then(Value::as_str) == Some(method) {
                return (message, before);
            }
            before.push(message);
        }
    }

    fn initialize(&mut self) -> Value {
        self.call(
            "initialize",
            json!({"clientInfo": {"name": "codex-tests", "title": "Codex tests", "version": "1.0.0"}}),
        )
    }

    /// Closes stdin and waits for a clean exit.
    fn close(mut self) -> Vec<Value> {
        drop(self.stdin.take());
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "app-server exited with {status}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "app-server did not exit after EOF"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        while let Ok(message) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.record(&message);
        }
        self.checks
    }
}

/// Validates everything a session sent and received against the
/// reference's schema.
fn validate(checks: &[Value]) {
    validate_against(&peers::app_server_schema(), checks);
}

/// Validates `checks` against the schema files in `schema_dir`.
fn validate_against(schema_dir: &std::path::Path, checks: &[Value]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("messages.jsonl");
    let text: String = checks.iter().map(|c| format!("{c}\n")).collect();
    std::fs::write(&file, text).unwrap();
    let out = Command::new(peers::python())
        .arg(peers::app_server_validator())
        .arg(schema_dir)
        .arg(&file)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "messages that break the reference schema:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains(&format!("checked {} messages", checks.len())),
        "{report}"
    );
}

fn methods(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|m| m.get("method").and_then(Value::as_str).map(str::to_string))
        .collect()
}

#[test]
fn an_editor_session_end_to_end() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    std::fs::create_dir(home.workspace().join(".git")).unwrap();
    std::fs::write(home.workspace().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let workspace = home.workspace().display().to_string();

    // Turn 1: a command that needs approval, a patch, an answer.
    server.push_turn(Turn::new().function_call(
        "call_cmd",
        "shell",
        json!({"command": ["bash", "-c", "echo approved > out.txt"]}),
    ));
    server.push_turn(Turn::new().custom_tool_call(
        "call_patch",
        "apply_patch",
        "*** Begin Patch\n*** Add File: notes.md\n+written by the model\n*** End Patch\n",
    ));
    server.push_turn(Turn::new().text("All done.").usage(120, 30));
    // Turn 2: a stream that stalls, to be interrupted.
    server.push(Reply::turn(Turn::new().text("this will not finish")).stall_after(3));

    let mut client = Client::start(&home);
    // Before initialize, requests are refused.
    let early = client.request("thread/list", json!({}));
    assert!(client.response(early).get("error").is_some());
    let init = client.initialize();
    assert_eq!(init["platformOs"], std::env::consts::OS);

    let started = client.call(
        "thread/start",
        json!({"cwd": workspace, "approvalPolicy": "untrusted", "sandbox": "workspace-write"}),
    );
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    assert_eq!(started["approvalPolicy"], "untrusted");
    assert_eq!(started["sandbox"]["type"], "workspaceWrite");
    let (note, _) = client.until("thread/started", "accept");
    assert_eq!(note["params"]["thread"]["id"], thread_id.as_str());

    let turn = client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "make the files"}]}),
    );
    let turn_id = turn["turn"]["id"].as_str().unwrap().to_string();
    let (completed, during) = client.until("turn/completed", "accept");
    assert_eq!(
        completed["params"]["turn"]["status"], "completed",
        "{completed}"
    );
    assert_eq!(completed["params"]["turn"]["id"], turn_id.as_str());
    let seen = methods(&during);
    for expected in [
        "turn/started",
        "item/commandExecution/requestApproval",
        "serverRequest/resolved",
        "item/started",
        "item/completed",
        "item/agentMessage/delta",
        "turn/diff/updated",
        "thread/tokenUsage/updated",
    ] {
        assert!(
            seen.iter().any(|m| m == expected),
            "no {expected} in {seen:?}"
        );
    }
    let command_done = during
        .iter()
        .find(|m| {
            m["method"] == "item/completed" && m["params"]["item"]["type"] == "commandExecution"
        })
        .expect("a completed command item");
    assert_eq!(command_done["params"]["item"]["exitCode"], 0);
    assert_eq!(command_done["params"]["item"]["status"], "completed");
    let diff = during
        .iter()
        .find(|m| m["method"] == "turn/diff/updated")
        .unwrap();
    assert!(
        diff["params"]["diff"]
            .as_str()
            .unwrap()
            .contains("notes.md"),
        "{diff}"
    );
    let message = completed["params"]["turn"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "agentMessage")
        .unwrap()
        .clone();
    assert_eq!(message["text"], "All done.");
    assert_eq!(
        std::fs::read_to_string(home.workspace().join("out.txt")).unwrap(),
        "approved\n"
    );
    assert!(home.workspace().join("notes.md").exists());

    // A turn while one runs is refused; this one is interrupted.
    let second = client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "go on"}]}),
    );
    let second_id = second["turn"]["id"].as_str().unwrap().to_string();
    client.until("item/agentMessage/delta", "accept");
    let again = client.request(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "too soon"}]}),
    );
    let refused = client.response(again);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("turn/steer"),
        "{refused}"
    );
    client.call(
        "turn/interrupt",
        json!({"threadId": thread_id, "turnId": second_id}),
    );
    let (interrupted, _) = client.until("turn/completed", "accept");
    assert_eq!(interrupted["params"]["turn"]["status"], "interrupted");

    // Errors: unknown method, unknown thread, a malformed line.
    let unknown = client.request("plugin/list", json!({}));
    assert_eq!(client.response(unknown)["error"]["code"], -32601);
    let missing = client.request(
        "turn/start",
        json!({"threadId": "00000000-0000-0000-0000-000000000000", "input": []}),
    );
    let missing = client.response(missing);
    assert!(
        missing["error"]["message"]
            .as_str()
            .unwrap()
            .contains("00000000-0000-0000-0000-000000000000")
    );
    client.send_raw("{not json");
    let parse_error = loop {
        let message = client.next();
        if message.get("error").is_some() && message["id"].is_null() {
            break message;
        }
    };
    assert_eq!(parse_error["error"]["code"], -32700);
    let models = client.call("model/list", json!({}));
    assert!(!models["data"].as_array().unwrap().is_empty());
    client.call("account/read", json!({}));
    let mut checks = client.close();

    // A new server process resumes the thread from its file.
    let mut client = Client::start(&home);
    client.initialize();
    let listed = client.call("thread/list", json!({}));
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert!(ids.contains(&thread_id.as_str()), "{listed}");
    let resumed = client.call("thread/resume", json!({"threadId": thread_id}));
    let turns = resumed["thread"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 2, "{resumed}");
    assert_eq!(turns[0]["items"][0]["content"][0]["text"], "make the files");
    assert_eq!(turns[1]["status"], "interrupted");
    let read = client.call(
        "thread/read",
        json!({"threadId": thread_id, "includeTurns": true}),
    );
    assert_eq!(read["thread"]["turns"].as_array().unwrap().len(), 2);
    checks.extend(client.close());
    validate(&checks);

    // Our own schema, generated from our types, accepts the same messages
    // (the ones whose schema we publish), and its TypeScript compiles.
    let ours = tempfile::tempdir().unwrap();
    for sub in ["generate-json-schema", "generate-ts"] {
        let out = Command::new(env!("CARGO_BIN_EXE_codex"))
            .args(["app-server", sub, "--out"])
            .arg(ours.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{sub}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let published: Vec<Value> = checks
        .iter()
        .filter(|c| ours.path().join(c["schema"].as_str().unwrap()).exists())
        .cloned()
        .collect();
    assert!(
        published.len() > 40,
        "{} of {} messages have our schema",
        published.len(),
        checks.len()
    );
    validate_against(ours.path(), &published);
    let tsc = Command::new(peers::npm_bin("tsc"))
        .args(["--noEmit", "--strict"])
        .arg(ours.path().join("codex_app_server_protocol.ts"))
        .output()
        .unwrap();
    assert!(
        tsc.status.success(),
        "the generated TypeScript does not compile:\n{}",
        String::from_utf8_lossy(&tsc.stdout)
    );
}

#[test]
fn a_slow_reader_gets_a_flood_without_a_deadlock() {
    const DELTAS: usize = 10_000;
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let mut frames = vec![
        responses_event(
            "response.created",
            json!({"response": {"id": "resp_flood"}}),
        ),
        responses_event(
            "response.output_item.added",
            json!({"item": {"type": "message", "id": "msg_f", "role": "assistant", "content": []}}),
        ),
    ];
    for _ in 0..DELTAS {
        frames.push(responses_event(
            "response.output_text.delta",
            json!({"item_id": "msg_f", "delta": "x"}),
        ));
    }
    frames.push(responses_event(
        "response.output_item.done",
        json!({"item": {"type": "message", "id": "msg_f", "role": "assistant",
            "content": [{"type": "output_text", "text": "x".repeat(DELTAS), "annotations": []}]}}),
    ));
    frames.push(responses_event(
        "response.completed",
        json!({"response": {"id": "resp_flood"}}),
    ));
    server.push(Reply::frames(frames));

    let mut client = Client::start(&home);
    client.initialize();
    let started = client.call(
        "thread/start",
        json!({"cwd": home.workspace().display().to_string(), "ephemeral": true}),
    );
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "flood me"}]}),
    );
    // Wait until the whole answer is queued: the server must keep taking
    // requests while the client has not read it.
    std::thread::sleep(Duration::from_millis(500));
    let listed = client.request("model/list", json!({}));
    let begin = Instant::now();
    let mut deltas = 0;
    let mut answered = false;
    loop {
        let message = client.next();
        if message["method"] == "item/agentMessage/delta" {
            deltas += 1;
        }
        if message.get("method").is_none() && message["id"] == listed {
            answered = true;
        }
        if message["method"] == "turn/completed" {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let peak_kib = std::fs::read_to_string(format!("/proc/{}/status", client.child.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .unwrap_or_default();
    eprintln!(
        "flood: {deltas} deltas read in {:?} at one per ms; server peak RSS {peak_kib} KiB",
        begin.elapsed()
    );
    assert_eq!(deltas, DELTAS);
    if !answered {
        let rest = client.response(listed);
        assert!(rest.get("result").is_some());
    }
    let checks = client.close();
    // The shapes are the editor test's; a sample keeps the (slow, Python)
    // validation of 10,000 alike deltas short.
    let sample: Vec<Value> = checks
        .iter()
        .take(100)
        .chain(checks.iter().rev().take(20))
        .cloned()
        .collect();
    validate(&sample);
}

#[test]
fn workspace_methods_answer_in_the_reference_shapes() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    // A comment the edits must keep, and a server that is configured off.
    home.write_config(&format!(
        "# my settings\n{}\n[mcp_servers.docs]\ncommand = \"true\"\nenabled = false\n",
        TestCodexHome::mock_provider_config(&server.base_url(), "responses")
    ));
    std::fs::create_dir_all(home.workspace().join("src/deep")).unwrap();
    std::fs::write(
        home.workspace().join("src/deep/needle_finder.rs"),
        "fn main() {}\n",
    )
    .unwrap();
    std::fs::write(home.workspace().join("README.md"), "hi\n").unwrap();
    let workspace = home.workspace().display().to_string();
    let mut client = Client::start(&home);
    client.initialize();

    let read = client.call("config/read", json!({"includeLayers": true}));
    assert_eq!(read["config"]["model"], "gpt-5.1-codex");
    let version = read["origins"]["model"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    let written = client.call(
        "config/value/write",
        json!({"keyPath": "model", "value": "gpt-5.5", "mergeStrategy": "replace", "expectedVersion": version}),
    );
    assert_eq!(written["status"], "ok");
    let text = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    assert!(
        text.contains("# my settings") && text.contains("model = \"gpt-5.5\""),
        "{text}"
    );
    // A stale version is refused; a batch with one bad edit changes nothing.
    let stale = client.request(
        "config/value/write",
        json!({"keyPath": "model", "value": "x", "mergeStrategy": "replace", "expectedVersion": version}),
    );
    assert!(client.response(stale).get("error").is_some());
    let bad = client.request(
        "config/batchWrite",
        json!({"edits": [
            {"keyPath": "tui.alternate_screen", "value": "always", "mergeStrategy": "replace"},
            {"keyPath": "approval_policy", "value": "sometimes", "mergeStrategy": "replace"}
        ]}),
    );
    let bad = client.response(bad);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("approval_policy"),
        "{bad}"
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join("config.toml")).unwrap(),
        text
    );
    client.call(
        "config/batchWrite",
        json!({"edits": [{"keyPath": "tui.alternate_screen", "value": "always", "mergeStrategy": "upsert"}]}),
    );

    let found = client.call(
        "fuzzyFileSearch",
        json!({"query": "needle", "roots": [workspace]}),
    );
    assert_eq!(
        found["files"][0]["path"], "src/deep/needle_finder.rs",
        "{found}"
    );

    let ran = client.call(
        "command/exec",
        json!({"command": ["bash", "-c", "echo out; echo err >&2; exit 3"], "cwd": workspace}),
    );
    assert_eq!(ran["exitCode"], 3);
    assert_eq!(ran["stdout"], "out\n");
    assert_eq!(ran["stderr"], "err\n");
    // The sandbox applies: a read-only command cannot write.
    let denied = client.call(
        "command/exec",
        json!({"command": ["bash", "-c", "echo x > written.txt"], "cwd": workspace, "sandboxPolicy": {"type": "readOnly"}}),
    );
    assert_ne!(denied["exitCode"], 0, "{denied}");
    assert!(!home.workspace().join("written.txt").exists());

    let mcp = client.call("mcpServerStatus/list", json!({}));
    assert_eq!(mcp["data"][0]["name"], "docs");
    assert_eq!(mcp["data"][0]["runtimeStatus"], "disabled");

    let started = client.call("thread/start", json!({"cwd": workspace}));
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    server.push_turn(Turn::new().text(
        r#"{"findings": [], "overall_correctness": "patch is correct", "overall_explanation": "Fine.", "overall_confidence_score": 0.9}"#,
    ));
    let review = client.call(
        "review/start",
        json!({"threadId": thread_id, "target": {"type": "uncommittedChanges"}}),
    );
    assert_eq!(review["reviewThreadId"], thread_id.as_str());
    let (done, _) = client.until("turn/completed", "decline");
    let kinds: Vec<&str> = done["params"]["turn"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        vec!["enteredReviewMode", "exitedReviewMode"],
        "{done}"
    );
    client.call(
        "thread/name/set",
        json!({"threadId": thread_id, "name": "My task"}),
    );
    let (renamed, _) = client.until("thread/name/updated", "decline");
    assert_eq!(renamed["params"]["threadName"], "My task");
    let checks = client.close();
    validate(&checks);
}

/// One scripted turn (a command that is approved, one that is declined, a
/// patch, a message): every command item starts before its approval is
/// asked, the declined one completes as declined, and `thread/read` in a
/// new server process returns the items that were streamed live.
#[test]
fn items_live_and_read_after_a_restart_are_the_same() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    std::fs::create_dir(home.workspace().join(".git")).unwrap();
    std::fs::write(home.workspace().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let workspace = home.workspace().display().to_string();
    super::item_scenario::script(&server, &home, super::item_scenario::Declined::ByPolicy);

    let mut client = Client::start(&home);
    client.initialize();
    let started = client.call(
        "thread/start",
        json!({"cwd": workspace, "approvalPolicy": "untrusted", "sandbox": "workspace-write"}),
    );
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "go"}]}),
    );
    let mut live = Vec::new();
    let mut started_items = std::collections::HashSet::new();
    loop {
        let message = client.next();
        let method = message["method"].as_str().unwrap_or_default().to_string();
        if let Some(id) = message.get("id").filter(|_| !method.is_empty()) {
            // Every approval names an item that has started.
            let item_id = message["params"]["itemId"].as_str().unwrap().to_string();
            assert!(
                started_items.contains(&item_id),
                "{method} for {item_id} before its item started"
            );
            let command = message["params"]["command"].as_str().unwrap_or_default();
            let decision = if command.contains("declined") {
                "decline"
            } else {
                "accept"
            };
            let id = id.clone();
            client.answer(&id, &method, json!({"decision": decision}));
            continue;
        }
        match method.as_str() {
            "item/started" => {
                started_items.insert(
                    message["params"]["item"]["id"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                );
            }
            "item/completed" => live.push(message["params"]["item"].clone()),
            "turn/completed" => break,
            _ => {}
        }
    }
    let declined = live
        .iter()
        .find(|i| i["id"] == "call_no")
        .expect("the declined command completes its item");
    assert_eq!(declined["type"], "commandExecution");
    assert_eq!(declined["status"], "declined");
    assert!(!home.workspace().join("no.txt").exists());
    let approved = live.iter().find(|i| i["id"] == "call_yes").unwrap();
    assert_eq!(approved["status"], "completed");
    assert_eq!(approved["exitCode"], 0);
    let patch = live.iter().find(|i| i["id"] == "call_patch").unwrap();
    assert_eq!(patch["type"], "fileChange");
    assert_eq!(patch["status"], "completed");
    let mcp = live.iter().find(|i| i["id"] == "call_mcp").unwrap();
    assert_eq!(mcp["type"], "mcpToolCall", "{mcp}");
    assert_eq!(mcp["server"], "py");
    assert_eq!(mcp["status"], "completed", "{mcp}");
    let mut checks = client.close();

    let mut client = Client::start(&home);
    client.initialize();
    let read = client.call(
        "thread/read",
        json!({"threadId": thread_id, "includeTurns": true}),
    );
    let recorded = read["thread"]["turns"][0]["items"]
        .as_array()
        .unwrap()
        .clone();
    let shape = |items: &[Value]| -> Vec<(String, String, String)> {
        items
            .iter()
            .map(|i| {
                (
                    i["type"].as_str().unwrap().to_string(),
                    i["id"].as_str().unwrap().to_string(),
                    i["status"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(shape(&recorded), shape(&live), "{read}");
    assert_eq!(recorded, live);
    checks.extend(client.close());
    validate(&checks);
}

/// `skills/list` per cwd (the server's by default) with broken files, and
/// `skills/config/write` turning one off in `config.toml`, comments kept.
#[test]
fn skills_are_listed_and_turned_off() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    home.append_config("# keep me\n");
    let skill = home.path().join("skills/alpha/SKILL.md");
    std::fs::create_dir_all(skill.parent().unwrap()).unwrap();
    std::fs::write(&skill, "---\nname: alpha\ndescription: A\n---\nbody\n").unwrap();
    let other = tempfile::tempdir().unwrap();
    let bad = other.path().join(".agents/skills/bad/SKILL.md");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, "no front matter\n").unwrap();
    let mut client = Client::start(&home);
    client.initialize();
    let listed = client.call("skills/list", json!({}));
    let entry = &listed["data"][0];
    assert_eq!(entry["cwd"], home.workspace().display().to_string());
    assert_eq!(entry["skills"][0]["name"], "alpha");
    assert_eq!(entry["skills"][0]["scope"], "user");
    assert_eq!(entry["skills"][0]["enabled"], true);
    let listed = client.call(
        "skills/list",
        json!({"cwds": [other.path().display().to_string()], "forceReload": true}),
    );
    let errors = &listed["data"][0]["errors"];
    assert_eq!(errors[0]["path"], bad.display().to_string());
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 1:")
    );

    let written = client.call(
        "skills/config/write",
        json!({"path": skill.display().to_string(), "enabled": false}),
    );
    assert_eq!(written["effectiveEnabled"], false);
    let text = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    assert!(
        text.contains("# keep me") && text.contains("[[skills.config]]"),
        "{text}"
    );
    let listed = client.call("skills/list", json!({}));
    assert_eq!(listed["data"][0]["skills"][0]["enabled"], false);
    validate(&client.close());
}

/// The execpolicy amendment round trip: the approval request proposes a
/// rule (`proposedExecpolicyAmendment`), `acceptWithExecpolicyAmendment`
/// writes it to `default.rules`, and the same command then runs without
/// another request.
#[test]
fn accepting_with_the_amendment_writes_a_rule_the_next_command_obeys() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let workspace = home.workspace().display().to_string();
    for id in ["call_1", "call_2"] {
        server.push_turn(Turn::new().function_call(
            id,
            "shell",
            json!({"command": ["touch", "ruled.txt"]}),
        ));
    }
    server.push_turn(Turn::new().text("All done."));
    let mut client = Client::start(&home);
    client.initialize();
    let started = client.call(
        "thread/start",
        json!({"cwd": workspace, "approvalPolicy": "untrusted", "sandbox": "workspace-write"}),
    );
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "touch it twice"}]}),
    );
    let mut approvals = 0;
    loop {
        let message = client.next();
        let method = message.get("method").and_then(Value::as_str).unwrap_or("");
        if method == "item/commandExecution/requestApproval" {
            approvals += 1;
            let proposed = &message["params"]["proposedExecpolicyAmendment"];
            assert_eq!(proposed, &json!(["touch", "ruled.txt"]), "{message}");
            client.answer(
                &message["id"],
                method,
                json!({"decision": {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": proposed}}}),
            );
        } else if method == "turn/completed" {
            break;
        }
    }
    assert_eq!(approvals, 1, "the second call ran under the new rule");
    assert_eq!(
        std::fs::read_to_string(home.path().join("rules/default.rules")).unwrap(),
        "prefix_rule(pattern=[\"touch\", \"ruled.txt\"], decision=\"allow\")\n"
    );
    validate(&client.close());
}
