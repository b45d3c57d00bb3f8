//! One JSON-RPC connection to an app-server: WebSocket over TCP
//! (`ws://HOST:PORT`) or over a Unix socket (`unix:///PATH`), the bearer
//! token in the handshake.
//!
//! A reader task sorts what arrives: answers go to the request waiting for
//! them, notifications and the server's own requests go to the thread's
//! pump in order. A writer task owns the socket's sending half, so any task
//! may send without a lock.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::RemoteError;

/// What the server sent that is not an answer.
#[derive(Debug)]
pub(crate) enum Incoming {
    Notification {
        method: String,
        params: Value,
    },
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    /// The connection ended (with why).
    Closed(String),
}

type Answer = Result<Value, RemoteError>;

pub(crate) struct Rpc {
    out: mpsc::UnboundedSender<String>,
    pending: Arc<Mutex<HashMap<i64, oneshot::Sender<Answer>>>>,
    next_id: AtomicI64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Rpc {
    /// Connects to `endpoint` and starts the reader and writer tasks.
    pub(crate) async fn open(
        endpoint: &str,
        token: Option<&str>,
    ) -> Result<(Arc<Rpc>, mpsc::UnboundedReceiver<Incoming>), RemoteError> {
        let unreachable = |reason: String| RemoteError::Connect {
            endpoint: endpoint.to_string(),
            reason,
        };
        // The handshake's URL: a Unix socket has no host, any will do.
        let url = match endpoint.strip_prefix("unix://") {
            Some(_) => "ws://localhost/".to_string(),
            None if endpoint.starts_with("ws://") => endpoint.to_string(),
            None => {
                return Err(RemoteError::Endpoint(endpoint.to_string()));
            }
        };
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|err| unreachable(err.to_string()))?;
        if let Some(token) = token {
            let value = format!("Bearer {token}")
                .parse()
                .map_err(|_| unreachable("the token is not a valid header value".into()))?;
            request.headers_mut().insert("Authorization", value);
        }
        let (out_tx, out_rx) = mpsc::unbounded_channel::<String>();
        let (in_tx, in_rx) = mpsc::unbounded_channel();
        let rpc = Arc::new(Rpc {
            out: out_tx,
            pending: Arc::new(Mutex::new(HashMap::new())),
            next_id: AtomicI64::new(1),
        });
        let pending = Arc::clone(&rpc.pending);
        match endpoint.strip_prefix("unix://") {
            Some(path) => {
                let stream = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(|err| unreachable(err.to_string()))?;
                start(stream, request, out_rx, in_tx, pending)
                    .await
                    .map_err(unreachable)?;
            }
            None => {
                let authority = url
                    .trim_start_matches("ws://")
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let stream = tokio::net::TcpStream::connect(&authority)
                    .await
                    .map_err(|err| unreachable(err.to_string()))?;
                start(stream, request, out_rx, in_tx, pending)
                    .await
                    .map_err(unreachable)?;
            }
        }
        Ok((rpc, in_rx))
    }

    /// Sends a request and waits for its answer.
    pub(crate) async fn call(&self, method: &str, params: Value) -> Result<Value, RemoteError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        self.send(json!({"id": id, "method": method, "params": params}));
        rx.await
            .unwrap_or_else(|_| Err(RemoteError::Closed("the connection ended".to_string())))
    }

    /// Answers a request of the server.
    pub(crate) fn respond(&self, id: Value, result: Value) {
        self.send(json!({"id": id, "result": result}));
    }

    /// Answers a request of the server with an error.
    pub(crate) fn respond_error(&self, id: Value, code: i64, message: &str) {
        self.send(json!({"id": id, "error": {"code": code, "message": message}}));
    }

    pub(crate) fn notify(&self, method: &str, params: Value) {
        self.send(json!({"method": method, "params": params}));
    }

    fn send(&self, message: Value) {
        // A closed writer means the connection ended; the reader says so.
        let _ = self.out.send(message.to_string());
    }
}

fn handshake_reason(err: tokio_tungstenite::tungstenite::Error) -> String {
    use tokio_tungstenite::tungstenite::Error;
    match err {
        Error::Http(response) if response.status() == 401 => {
            "the server refused the token (HTTP 401); pass it with --remote-auth-token-env VAR"
                .to_string()
        }
        Error::Http(response) => format!("the server answered HTTP {}", response.status()),
        other => other.to_string(),
    }
}

/// The WebSocket handshake over `stream`, then the reader and writer
/// tasks; the error says why the handshake failed.
async fn start<S>(
    stream: S,
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
    mut out_rx: mpsc::UnboundedReceiver<String>,
    in_tx: mpsc::UnboundedSender<Incoming>,
    pending: Arc<Mutex<HashMap<i64, oneshot::Sender<Answer>>>>,
) -> Result<(), String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (socket, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .map_err(handshake_reason)?;
    let (mut sink, mut stream) = socket.split();
    tokio::spawn(async move {
        while let Some(text) = out_rx.recv().await {
            if sink.send(Message::Text(text.into())).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    tokio::spawn(async move {
        let why = loop {
            let message = match stream.next().await {
                None => break "the server closed the connection".to_string(),
                Some(Err(err)) => break format!("the connection failed: {err}"),
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(_))) => {
                    break "the server closed the connection".to_string();
                }
                Some(Ok(_)) => continue,
            };
            let Ok(value) = serde_json::from_str::<Value>(&message) else {
                tracing::warn!("unreadable message from the app-server: {message}");
                continue;
            };
            dispatch(value, &in_tx, &pending);
        };
        for (_, waiter) in lock(&pending).drain() {
            let _ = waiter.send(Err(RemoteError::Closed(why.clone())));
        }
        let _ = in_tx.send(Incoming::Closed(why));
    });
    Ok(())
}

fn dispatch(
    mut value: Value,
    in_tx: &mpsc::UnboundedSender<Incoming>,
    pending: &Mutex<HashMap<i64, oneshot::Sender<Answer>>>,
) {
    let method = value
        .get("method")
        .and_then(Value::as_str)
        .map(str::to_string);
    let params = value
        .get_mut("params")
        .map(Value::take)
        .unwrap_or(Value::Null);
    match (method, value.get("id").cloned()) {
        (Some(method), Some(id)) => {
            let _ = in_tx.send(Incoming::Request { id, method, params });
        }
        (Some(method), None) => {
            let _ = in_tx.send(Incoming::Notification { method, params });
        }
        (None, Some(id)) => {
            let Some(waiter) = id.as_i64().and_then(|id| lock(pending).remove(&id)) else {
                return;
            };
            let answer = match value.get_mut("error") {
                Some(error) => Err(RemoteError::Server(
                    error
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown error")
                        .to_string(),
                )),
                None => Ok(value
                    .get_mut("result")
                    .map(Value::take)
                    .unwrap_or(Value::Null)),
            };
            let _ = waiter.send(answer);
        }
        (None, None) => {}
    }
}
