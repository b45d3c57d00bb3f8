//! The app-server over its socket transports: WebSocket on TCP and on a
//! Unix socket, several clients at once, tokens, and a client that goes
//! away mid-turn.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::Child;

use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

use super::*;

/// A server listening on a socket, with the URL it announced.
pub(crate) struct Listening {
    child: Child,
    pub(crate) url: String,
}

impl Listening {
    pub(crate) fn start(home: &TestCodexHome, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_codex"));
        command
            .arg("app-server")
            .args(args)
            .env("CODEX_HOME", home.path())
            .env_remove("OPENAI_API_KEY")
            .current_dir(home.workspace())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let url = loop {
            line.clear();
            if stderr.read_line(&mut line).unwrap_or(0) == 0 {
                break None;
            }
            if let Some(url) = line.trim().strip_prefix("codex app-server listening on ") {
                break Some(url.to_string());
            }
        };
        let Some(url) = url else {
            let status = child.wait().unwrap();
            panic!("the server exited ({status}) without listening");
        };
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while stderr.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        Self { child, url }
    }

    fn tcp_addr(&self) -> &str {
        self.url.strip_prefix("ws://").unwrap()
    }

    fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap()
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap()
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

trait Stream: std::io::Read + std::io::Write {}
impl<T: std::io::Read + std::io::Write> Stream for T {}

/// A JSON-RPC client over a WebSocket.
struct WsClient {
    ws: WebSocket<Box<dyn Stream>>,
    next_id: i64,
    unread: std::collections::VecDeque<Value>,
}

/// Opens a WebSocket to the server (TCP or Unix), with a bearer token.
fn open(server: &Listening, token: Option<&str>) -> Result<WsClient, tungstenite::Error> {
    let (stream, url): (Box<dyn Stream>, String) =
        if let Some(path) = server.url.strip_prefix("unix://") {
            let stream = std::os::unix::net::UnixStream::connect(path).unwrap();
            stream.set_read_timeout(Some(WAIT)).unwrap();
            (Box::new(stream), "ws://localhost/".to_string())
        } else {
            let stream = std::net::TcpStream::connect(server.tcp_addr()).unwrap();
            stream.set_read_timeout(Some(WAIT)).unwrap();
            (Box::new(stream), format!("{}/", server.url))
        };
    let mut request = url.into_client_request().unwrap();
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    }
    let (ws, _) = tungstenite::client::client(request, stream).map_err(|e| match e {
        tungstenite::HandshakeError::Failure(err) => err,
        tungstenite::HandshakeError::Interrupted(_) => {
            panic!("a blocking handshake was interrupted")
        }
    })?;
    Ok(WsClient {
        ws,
        next_id: 0,
        unread: Default::default(),
    })
}

impl WsClient {
    fn request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let message = json!({"id": self.next_id, "method": method, "params": params});
        self.ws.send(Message::text(message.to_string())).unwrap();
        self.next_id
    }

    fn next(&mut self) -> Value {
        if let Some(message) = self.unread.pop_front() {
            return message;
        }
        loop {
            match self.ws.read().unwrap() {
                Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
                Message::Close(_) => panic!("the server closed the connection"),
                _ => continue,
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.request(method, params);
        let mut skipped = Vec::new();
        loop {
            let message = self.next();
            if message.get("method").is_none() && message["id"] == id {
                self.unread.extend(skipped);
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
            skipped.push(message);
        }
    }

    /// Reads until the notification `method`, accepting approvals.
    fn until(&mut self, method: &str) -> Value {
        loop {
            let message = self.next();
            if let (Some(_), Some(id)) = (message.get("method"), message.get("id")) {
                let answer = json!({"id": id, "result": {"decision": "accept"}});
                self.ws.send(Message::text(answer.to_string())).unwrap();
                continue;
            }
            if message["method"] == method {
                return message;
            }
        }
    }

    fn initialize(&mut self, name: &str) -> Value {
        self.call(
            "initialize",
            json!({"clientInfo": {"name": name, "version": "1.0.0"}}),
        )
    }
}

/// A plain HTTP GET on the listener.
fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn two_websocket_clients_at_once_each_with_its_own_threads() {
    let model = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&model.base_url(), "responses");
    let server = Listening::start(&home, &["--listen", "ws://127.0.0.1:0"], &[]);
    assert!(http_get(server.tcp_addr(), "/readyz").starts_with("HTTP/1.1 200"));
    let alone_kib = server.rss_kib();
    assert!(http_get(server.tcp_addr(), "/healthz").ends_with("ok\n"));

    let mut a = open(&server, None).unwrap();
    let mut b = open(&server, None).unwrap();
    assert!(
        a.initialize("client-a")["userAgent"]
            .as_str()
            .unwrap()
            .contains("(client-a; 1.0.0)")
    );
    b.initialize("client-b");
    let workspace = home.workspace().display().to_string();
    let thread_a = a.call("thread/start", json!({"cwd": workspace}))["thread"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let thread_b = b.call("thread/start", json!({"cwd": workspace}))["thread"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Each client sees only its own threads.
    assert_eq!(
        a.call("thread/loaded/list", json!({}))["data"],
        json!([thread_a])
    );
    assert_eq!(
        b.call("thread/loaded/list", json!({}))["data"],
        json!([thread_b])
    );
    // Both turns run at once.
    model.push_turn(Turn::new().text("one"));
    model.push_turn(Turn::new().text("two"));
    a.call(
        "turn/start",
        json!({"threadId": thread_a, "input": [{"type": "text", "text": "hi a"}]}),
    );
    b.call(
        "turn/start",
        json!({"threadId": thread_b, "input": [{"type": "text", "text": "hi b"}]}),
    );
    let done_a = a.until("turn/completed");
    let done_b = b.until("turn/completed");
    assert_eq!(done_a["params"]["threadId"], thread_a.as_str());
    assert_eq!(done_b["params"]["threadId"], thread_b.as_str());
    // A thread another client holds cannot be taken over.
    let id = a.request("thread/resume", json!({"threadId": thread_b}));
    let refused = loop {
        let m = a.next();
        if m["id"] == id {
            break m;
        }
    };
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("another client"),
        "{refused}"
    );

    // The memory of an idle server with 10 connected clients.
    let two_kib = server.rss_kib();
    let mut idle: Vec<WsClient> = (0..8).map(|_| open(&server, None).unwrap()).collect();
    for (n, client) in idle.iter_mut().enumerate() {
        client.initialize(&format!("idle-{n}"));
    }
    std::thread::sleep(Duration::from_millis(300));
    // Printed for docs/benchmarks.md, never asserted.
    eprintln!(
        "app-server RSS: {alone_kib} KiB with no client; {two_kib} KiB with 2 clients that ran a thread each; {} KiB with 8 more idle clients",
        server.rss_kib()
    );
}

#[test]
fn tokens_are_required_beyond_loopback_and_checked_on_every_connection() {
    let home = TestCodexHome::new();
    // Beyond loopback without a token: refused at start, with the way out.
    let out = Command::new(env!("CARGO_BIN_EXE_codex"))
        .args(["app-server", "--listen", "ws://0.0.0.0:0"])
        .env("CODEX_HOME", home.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--auth-token-env"), "{stderr}");

    let server = Listening::start(
        &home,
        &[
            "--listen",
            "ws://127.0.0.1:0",
            "--auth-token-env",
            "CODEX_TEST_WS_TOKEN",
        ],
        &[("CODEX_TEST_WS_TOKEN", "correct-horse")],
    );
    for token in [None, Some("wrong-horse")] {
        match open(&server, token) {
            Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
            Err(other) => panic!("{token:?}: {other}"),
            Ok(_) => panic!("{token:?} was let in"),
        }
    }
    let mut client = open(&server, Some("correct-horse")).unwrap();
    client.initialize("with-token");
    assert!(client.call("thread/list", json!({}))["data"].is_array());
    // Health checks need no token.
    assert!(http_get(server.tcp_addr(), "/readyz").starts_with("HTTP/1.1 200"));
}

#[test]
fn a_client_gone_mid_turn_loses_nothing_over_a_unix_socket() {
    let model = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&model.base_url(), "responses");
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run").join("codex.sock");
    let server = Listening::start(
        &home,
        &["--listen", &format!("unix://{}", socket.display())],
        &[],
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&socket), 0o600);
    assert_eq!(mode(socket.parent().unwrap()), 0o700);

    // A slow answer: the client is gone long before it ends.
    model.push(
        Reply::turn(Turn::new().text("finished without you"))
            .event_delay(Duration::from_millis(150)),
    );
    let mut first = open(&server, None).unwrap();
    first.initialize("leaver");
    let thread = first.call(
        "thread/start",
        json!({"cwd": home.workspace().display().to_string()}),
    )["thread"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    first.call(
        "turn/start",
        json!({"threadId": thread, "input": [{"type": "text", "text": "work"}]}),
    );
    first.until("turn/started");
    drop(first); // No close frame: the socket just goes.

    let mut second = open(&server, None).unwrap();
    second.initialize("comer");
    // The resume waits for the turn to finish; then the file has it all.
    let resumed = second.call("thread/resume", json!({"threadId": thread}));
    let turns = resumed["thread"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 1, "{resumed}");
    assert_eq!(turns[0]["status"], "completed", "{resumed}");
    let text: Vec<&str> = turns[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "agentMessage")
        .filter_map(|i| i["text"].as_str())
        .collect();
    assert_eq!(text, vec!["finished without you"], "{resumed}");
}
