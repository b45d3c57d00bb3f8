//! Input as an editor (or a broken client) really sends it: requests
//! pipelined behind `initialize`, and a table of bad messages, each with
//! its JSON-RPC code, after which the server goes on.

use std::io::Read;

use super::*;

#[test]
fn requests_pipelined_behind_initialize_are_answered_in_order_100_times() {
    let home = TestCodexHome::new();
    for round in 0..100 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_codex"))
            .arg("app-server")
            .env("CODEX_HOME", home.path())
            .env_remove("OPENAI_API_KEY")
            .current_dir(home.workspace())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // All in one write, without waiting for any answer.
        let burst = concat!(
            r#"{"id":1,"method":"initialize","params":{"clientInfo":{"name":"p","version":"1"}}}"#,
            "\n",
            r#"{"method":"initialized"}"#,
            "\n",
            r#"{"id":2,"method":"thread/list","params":{}}"#,
            "\n",
            r#"{"id":3,"method":"model/list","params":{}}"#,
            "\n",
        );
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(burst.as_bytes()).unwrap();
        drop(stdin);
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert!(child.wait().unwrap().success());
        let answers: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .filter(|m: &Value| m.get("method").is_none())
            .collect();
        assert_eq!(answers.len(), 3, "round {round}: {out}");
        assert_eq!(
            answers[0]["id"], 1,
            "round {round}: initialize first: {out}"
        );
        for answer in &answers {
            assert!(
                answer.get("result").is_some(),
                "round {round}: a pipelined request was refused: {out}"
            );
        }
    }
}

#[test]
fn bad_input_gets_its_code_and_the_server_goes_on() {
    let home = TestCodexHome::new();
    let mut client = Client::start(&home);
    let init = client.initialize();
    assert!(
        init["userAgent"]
            .as_str()
            .unwrap()
            .ends_with("(codex-tests; 1.0.0)"),
        "{init}"
    );
    let ten_mib = "x".repeat(10 * 1024 * 1024);
    // (raw line, expected code, expected id, words the message must hold)
    let table: Vec<(String, i64, Value, Vec<&str>)> = vec![
        ("{not json".into(), -32700, Value::Null, vec!["not JSON"]),
        (
            r#"{"id": 41, "method": "thread/list", "params": {"#.into(),
            -32700,
            json!(41),
            vec!["not JSON"],
        ),
        (
            r#"{"id": 42, "method": "plugin/list", "params": {}}"#.into(),
            -32601,
            json!(42),
            vec!["plugin/list"],
        ),
        (
            r#"{"id": 43, "method": "turn/start", "params": {"input": []}}"#.into(),
            -32602,
            json!(43),
            vec!["threadId"],
        ),
        (
            r#"{"id": 44, "method": "thread/start", "params": {"cwd": 42}}"#.into(),
            -32602,
            json!(44),
            vec!["`cwd`", "expected a string"],
        ),
        (
            r#"{"id": 45, "method": "thread/start", "params": {"approvalPolicy": "sometimes"}}"#
                .into(),
            -32602,
            json!(45),
            vec!["`approvalPolicy`", "sometimes"],
        ),
        (
            r#"{"id": "s46", "method": "thread/list", "params": [1, 2]}"#.into(),
            -32602,
            json!("s46"),
            vec!["expected an object"],
        ),
        (
            r#"{"id": 47, "method": "thread/read", "params": {"threadId": 7}}"#.into(),
            -32602,
            json!(47),
            vec!["`threadId`", "string"],
        ),
        (
            r#"{"id": 48, "method": 5}"#.into(),
            -32600,
            json!(48),
            vec!["method"],
        ),
        (
            r#"{"id": 49, "method": "initialize", "params": {"clientInfo": {"name": "again", "version": "2"}}}"#.into(),
            -32600,
            json!(49),
            vec!["already initialized"],
        ),
        (
            format!("{{\"id\": 50, \"junk\": \"{ten_mib}"),
            -32700,
            json!(50),
            vec!["not JSON"],
        ),
    ];
    for (line, code, id, words) in &table {
        client.send_raw(line);
        let answer = loop {
            let message = client.next();
            if message.get("method").is_none() {
                break message;
            }
        };
        let shown: String = line.chars().take(80).collect();
        assert_eq!(answer["error"]["code"], *code, "{shown}: {answer}");
        assert_eq!(answer["id"], *id, "{shown}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        for word in words {
            assert!(message.contains(word), "{shown}: {message}");
        }
        // The connection stays usable after each one.
        let ok = client.call("thread/loaded/list", json!({}));
        assert!(ok["data"].is_array());
    }
    // A well-formed 10 MiB request is read and answered like any other.
    let big = client.request("thread/list", json!({"searchTerm": ten_mib}));
    assert_eq!(client.result(big)["data"], json!([]));
    // A request cut short by the client going away: a clean exit.
    client.send_raw_partial(r#"{"id": 60, "method": "thread/li"#);
    let checks = client.close();
    validate(&checks);
}
