//! Everything the server sends goes through [`Outgoing`]: an unbounded
//! queue drained by one writer task. Nothing that produces a message ever
//! waits for the client to read (a slow client only makes the queue
//! longer), so the reader, the request handlers and the thread pumps can
//! never deadlock on stdout.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use serde_json::Value;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{ServerNotification, ServerRequest};
use crate::rpc::{RpcError, error_message, response_message};

/// The answer to a request we sent the client.
pub type ClientAnswer = Result<Value, Value>;

pub struct Outgoing {
    tx: mpsc::UnboundedSender<Value>,
    next_id: AtomicI64,
    pending: Mutex<HashMap<i64, oneshot::Sender<ClientAnswer>>>,
    /// The client is gone: requests are answered "no" at once.
    closed: AtomicBool,
}

impl Outgoing {
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Value>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let outgoing = Self {
            tx,
            next_id: AtomicI64::new(0),
            pending: Mutex::new(HashMap::new()),
            closed: AtomicBool::new(false),
        };
        (outgoing, rx)
    }

    fn send(&self, message: Value) {
        // Err only when the writer is gone (stdout closed): nothing to do.
        let _ = self.tx.send(message);
    }

    pub fn respond(&self, id: Value, result: Result<Value, RpcError>) {
        match result {
            Ok(value) => self.send(response_message(id, value)),
            Err(error) => self.send(error_message(id, &error)),
        }
    }

    pub fn raw(&self, message: Value) {
        self.send(message);
    }

    pub fn notify(&self, notification: ServerNotification) {
        match serde_json::to_value(&notification) {
            Ok(message) => self.send(message),
            // Our own types always serialize; log rather than panic.
            Err(err) => tracing::error!("cannot encode a notification: {err}"),
        }
    }

    /// Sends a request to the client; the receiver gets its answer (an
    /// error answer once the client is gone).
    pub fn request(&self, request: ServerRequest) -> (i64, oneshot::Receiver<ClientAnswer>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            // Checked under the lock `close` drains with: no request can
            // slip in between and wait forever.
            let mut pending = self.pending_map();
            if self.closed.load(Ordering::SeqCst) {
                let _ = tx.send(Err(gone()));
                return (id, rx);
            }
            pending.insert(id, tx);
        }
        match serde_json::to_value(&request) {
            Ok(mut message) => {
                message["id"] = Value::from(id);
                self.send(message);
            }
            Err(err) => tracing::error!("cannot encode a request: {err}"),
        }
        (id, rx)
    }

    /// Routes the client's answer to whoever waits for it. False when no
    /// request of ours has that id.
    pub fn resolve(&self, id: &Value, answer: ClientAnswer) -> bool {
        let Some(id) = id.as_i64() else {
            return false;
        };
        match self.pending_map().remove(&id) {
            Some(tx) => {
                let _ = tx.send(answer);
                true
            }
            None => false,
        }
    }

    /// The client is gone: every request waiting for it gets an error
    /// answer (an approval becomes a denial), and so will later ones.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let pending: Vec<_> = self.pending_map().drain().collect();
        for (_, tx) in pending {
            let _ = tx.send(Err(gone()));
        }
    }

    /// Forgets a request nobody will wait for any more.
    pub fn forget(&self, id: i64) {
        self.pending_map().remove(&id);
    }

    fn pending_map(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<i64, oneshot::Sender<ClientAnswer>>> {
        // A panic while holding this lock leaves a map that is still
        // consistent (single inserts and removes), so poisoning is ignored.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn gone() -> Value {
    serde_json::json!({"code": crate::rpc::INTERNAL_ERROR, "message": "the client disconnected"})
}

/// Writes queued messages, one per line, flushing when the queue is empty.
pub async fn write_all(mut rx: mpsc::UnboundedReceiver<Value>, out: impl AsyncWrite + Unpin) {
    let mut out = tokio::io::BufWriter::new(out);
    while let Some(message) = rx.recv().await {
        let mut line = message.to_string();
        line.push('\n');
        if out.write_all(line.as_bytes()).await.is_err() {
            return;
        }
        if rx.is_empty() && out.flush().await.is_err() {
            return;
        }
    }
    let _ = out.flush().await;
}
