//! A scripted model server on loopback.
//!
//! It runs on its own thread and runtime, so synchronous tests (that drive
//! `codex` as a program) and asynchronous tests use it the same way. Each
//! POST takes the next queued [`Reply`]; when the queue is empty the server
//! answers 500 with a message that says so, which makes a missing script
//! obvious in the failing test.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::turn::Turn;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query, e.g. `/v1/responses?api-version=1`.
    pub path: String,
    /// Header names are lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the request arrived.
    pub received_at: Instant,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The `input` (Responses) or `messages` (Chat) array.
    pub fn input(&self) -> Vec<Value> {
        let body = self.body_json();
        body.get("input")
            .or_else(|| body.get("messages"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    /// Every function call output the request carries, as (call id,
    /// output text), in order.
    pub fn call_outputs(&self) -> Vec<(String, String)> {
        self.input()
            .into_iter()
            .filter(|i| i["type"] == "function_call_output")
            .map(|i| {
                (
                    i["call_id"].as_str().unwrap_or_default().to_string(),
                    i["output"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// The output the request sends back for tool call `call_id`.
    pub fn tool_output(&self, call_id: &str) -> Option<String> {
        self.input().into_iter().find_map(|item| {
            let matches = item.get("call_id").and_then(Value::as_str) == Some(call_id)
                || item.get("tool_call_id").and_then(Value::as_str) == Some(call_id);
            let is_output = matches!(
                item.get("type").and_then(Value::as_str),
                Some("function_call_output" | "custom_tool_call_output")
            ) || item.get("role").and_then(Value::as_str) == Some("tool");
            if matches && is_output {
                let output = item.get("output").or_else(|| item.get("content"))?;
                Some(match output {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            } else {
                None
            }
        })
    }

    /// Texts of user messages in the request, in order.
    pub fn user_texts(&self) -> Vec<String> {
        self.input()
            .into_iter()
            .filter(|item| item.get("role").and_then(Value::as_str) == Some("user"))
            .flat_map(|item| match item.get("content") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str).map(str::to_string))
                    .collect(),
                _ => vec![],
            })
            .collect()
    }
}

/// Makes the turn of a reply from the request it answers.
type TurnFn = Arc<dyn Fn(&RecordedRequest) -> Turn + Send + Sync>;

#[derive(Clone)]
enum Body {
    Turn(Turn),
    Dynamic(TurnFn),
    Frames(Vec<String>),
    Status { code: u16, body: String },
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Turn(turn) => f.debug_tuple("Turn").field(turn).finish(),
            Self::Dynamic(_) => f.write_str("Dynamic"),
            Self::Frames(frames) => f.debug_tuple("Frames").field(frames).finish(),
            Self::Status { code, body } => f
                .debug_struct("Status")
                .field("code", code)
                .field("body", body)
                .finish(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Cut {
    /// Close the connection after this many frames.
    Disconnect(usize),
    /// Stop sending (but keep the connection open) after this many frames.
    Stall(usize),
}

/// What the server answers one request with.
#[derive(Debug, Clone)]
pub struct Reply {
    body: Body,
    headers: Vec<(String, String)>,
    event_delay: Duration,
    cut: Option<Cut>,
}

impl Reply {
    /// A model turn, in the wire format of the request.
    pub fn turn(turn: Turn) -> Self {
        Self::new(Body::Turn(turn))
    }

    /// A turn made from the request it answers (to use what the engine sent,
    /// such as a session id in a tool output).
    pub fn dynamic(make: impl Fn(&RecordedRequest) -> Turn + Send + Sync + 'static) -> Self {
        Self::new(Body::Dynamic(Arc::new(make)))
    }

    /// Raw SSE frames, sent as they are.
    pub fn frames(frames: Vec<String>) -> Self {
        Self::new(Body::Frames(frames))
    }

    /// An HTTP error with a JSON (or any) body.
    pub fn status(code: u16, body: &str) -> Self {
        Self::new(Body::Status {
            code,
            body: body.to_string(),
        })
    }

    fn new(body: Body) -> Self {
        Self {
            body,
            headers: Vec::new(),
            event_delay: Duration::ZERO,
            cut: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Wait this long between SSE frames.
    pub fn event_delay(mut self, delay: Duration) -> Self {
        self.event_delay = delay;
        self
    }

    /// Drop the connection after `frames` frames.
    pub fn disconnect_after(mut self, frames: usize) -> Self {
        self.cut = Some(Cut::Disconnect(frames));
        self
    }

    /// Go silent (connection open) after `frames` frames.
    pub fn stall_after(mut self, frames: usize) -> Self {
        self.cut = Some(Cut::Stall(frames));
        self
    }
}

#[derive(Default)]
struct State {
    replies: VecDeque<Reply>,
    requests: Vec<RecordedRequest>,
    turns_served: usize,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

/// The mock server. Dropping it stops it.
pub struct MockModelServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockModelServer {
    /// Starts a server on 127.0.0.1 and a random port.
    pub fn start() -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("mock-model-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("mock server runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                    addr_tx.send(listener.local_addr().expect("addr")).ok();
                    let accept = async {
                        loop {
                            let Ok((socket, _)) = listener.accept().await else {
                                continue;
                            };
                            let shared = Arc::clone(&thread_shared);
                            tokio::spawn(async move {
                                let _ = serve(socket, shared).await;
                            });
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = shutdown_rx => {}
                    }
                });
            })
            .expect("spawn mock server thread");
        let addr = addr_rx.recv().expect("mock server address");
        Self {
            addr,
            shared,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/v1`, for a provider's `base_url`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.uri())
    }

    /// Queues a reply for the next request.
    pub fn push(&self, reply: Reply) -> &Self {
        self.shared.state.lock().unwrap().replies.push_back(reply);
        self
    }

    /// Queues a turn for the next request.
    pub fn push_turn(&self, turn: Turn) -> &Self {
        self.push(Reply::turn(turn))
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state.lock().unwrap().requests.clone()
    }

    /// How many requests arrived so far (without copying their bodies).
    pub fn request_count(&self) -> usize {
        self.shared.state.lock().unwrap().requests.len()
    }

    /// When request `index` (0-based) arrived, if it has.
    pub fn received_at(&self, index: usize) -> Option<Instant> {
        let state = self.shared.state.lock().unwrap();
        state.requests.get(index).map(|r| r.received_at)
    }

    /// Waits until at least `count` requests arrived, or panics after `timeout`.
    pub fn wait_for_requests(&self, count: usize, timeout: Duration) -> Vec<RecordedRequest> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.state.lock().unwrap();
        while state.requests.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {count} requests (got {})",
                state.requests.len()
            );
            state = self.shared.changed.wait_timeout(state, left).unwrap().0;
        }
        state.requests.clone()
    }

    /// Replies still queued.
    pub fn pending_replies(&self) -> usize {
        self.shared.state.lock().unwrap().replies.len()
    }
}

impl Drop for MockModelServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(mut socket: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let Some(request) = read_request(&mut socket).await? else {
        return Ok(());
    };
    let is_chat = request.path.contains("/chat/completions");
    let is_post = request.method == "POST";
    let recorded = request.clone();
    let (reply, index) = {
        let mut state = shared.state.lock().unwrap();
        state.requests.push(request);
        shared.changed.notify_all();
        if is_post {
            let index = state.turns_served;
            state.turns_served += 1;
            (state.replies.pop_front(), index)
        } else {
            (None, 0)
        }
    };
    let reply = match (reply, is_post) {
        (Some(reply), _) => reply,
        (None, true) => Reply::status(
            500,
            r#"{"error":{"message":"mock server: no scripted reply left for this request","type":"server_error"}}"#,
        ),
        (None, false) => Reply::status(200, r#"{"data":[],"models":[]}"#),
    };

    let extra: String = reply
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect();
    let frames = match reply.body {
        Body::Status { code, body } => {
            let head = format!(
                "HTTP/1.1 {code} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
                reason(code),
                body.len()
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(body.as_bytes()).await?;
            return socket.shutdown().await;
        }
        Body::Frames(frames) => frames,
        Body::Dynamic(make) if is_chat => make(&recorded).chat_frames(index),
        Body::Dynamic(make) => make(&recorded).responses_frames(index),
        Body::Turn(turn) if is_chat => turn.chat_frames(index),
        Body::Turn(turn) => turn.responses_frames(index),
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n{extra}\r\n"
    );
    socket.write_all(head.as_bytes()).await?;
    for (n, frame) in frames.iter().enumerate() {
        match reply.cut {
            Some(Cut::Disconnect(after)) if n == after => {
                return socket.shutdown().await;
            }
            Some(Cut::Stall(after)) if n == after => {
                socket.flush().await?;
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return Ok(());
            }
            _ => {}
        }
        if !reply.event_delay.is_zero() && n > 0 {
            tokio::time::sleep(reply.event_delay).await;
        }
        socket.write_all(frame.as_bytes()).await?;
        socket.flush().await?;
    }
    socket.shutdown().await
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one HTTP/1.1 request (head and a Content-Length body).
pub(crate) async fn read_request(
    socket: &mut TcpStream,
) -> std::io::Result<Option<RecordedRequest>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(RecordedRequest {
        method,
        path,
        headers,
        body,
        received_at: Instant::now(),
    }))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
