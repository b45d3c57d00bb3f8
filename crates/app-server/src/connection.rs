//! One client's connection, whatever carries it (stdio, a Unix socket, a
//! WebSocket): its messages in, its own processor (so its own threads), its
//! outgoing queue, and what happens to its threads when it goes away.
//!
//! The transports only turn bytes into [`Inbound`] messages and drain the
//! outgoing queue; everything about JSON-RPC happens here, once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use codex_config::CliOverrides;
use codex_core::ThreadManager;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead};
use tokio::sync::{mpsc, watch};

use crate::outgoing::Outgoing;
use crate::processor::Processor;
use crate::rpc::{self, Incoming, RpcError};
use crate::thread_pump::LiveThread;

/// The longest message a client may send (a message with images).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// One message from a client, as its transport read it.
#[derive(Debug)]
pub enum Inbound {
    Text(String),
    /// A message longer than [`MAX_MESSAGE_BYTES`]; its bytes were dropped.
    TooLarge,
    /// A message that is not UTF-8.
    NotUtf8,
}

/// What becomes of a connection's threads when it closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnClose {
    /// Stop them (interrupting a running turn) and flush their files: the
    /// stdio client owns the process, and its EOF ends it.
    ShutDown,
    /// Let a running turn finish (approvals it still asks are declined),
    /// then stop: a socket client that drops loses nothing, and a later
    /// client can `thread/resume` the thread.
    FinishTurns,
}

/// What every connection of one server shares.
pub struct Server {
    pub manager: Arc<ThreadManager>,
    pub codex_home: PathBuf,
    pub overrides: CliOverrides,
    /// Threads loaded by some connection, with a receiver that turns true
    /// when they are unloaded (for a resume that waits for a detached turn).
    loaded: Mutex<HashMap<String, Loaded>>,
}

struct Loaded {
    /// Its connection is gone; it is finishing its turn.
    detached: bool,
    unloaded: watch::Receiver<bool>,
    unload: Arc<watch::Sender<bool>>,
}

/// A thread another connection holds.
pub enum Busy {
    /// Loaded by a live client.
    Loaded,
    /// Finishing a turn for a client that left; wait on this.
    Finishing(watch::Receiver<bool>),
}

impl Server {
    pub fn new(manager: Arc<ThreadManager>, codex_home: PathBuf, overrides: CliOverrides) -> Self {
        Self {
            manager,
            codex_home,
            overrides,
            loaded: Mutex::new(HashMap::new()),
        }
    }

    fn loaded_map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Loaded>> {
        // Inserts and removes only: a poisoned map is still consistent.
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that a connection loaded `id`.
    pub fn mark_loaded(&self, id: &str) {
        let (tx, rx) = watch::channel(false);
        self.loaded_map().insert(
            id.to_string(),
            Loaded {
                detached: false,
                unloaded: rx,
                unload: Arc::new(tx),
            },
        );
    }

    /// Records that `id` is no longer loaded anywhere.
    pub fn mark_unloaded(&self, id: &str) {
        if let Some(loaded) = self.loaded_map().remove(id) {
            let _ = loaded.unload.send(true);
        }
    }

    /// Whether another connection holds `id`.
    pub fn busy(&self, id: &str) -> Option<Busy> {
        let map = self.loaded_map();
        let loaded = map.get(id)?;
        Some(if loaded.detached {
            Busy::Finishing(loaded.unloaded.clone())
        } else {
            Busy::Loaded
        })
    }

    /// Takes over the threads of a connection that closed.
    async fn release(self: &Arc<Self>, threads: Vec<Arc<LiveThread>>, on_close: OnClose) {
        match on_close {
            OnClose::ShutDown => {
                for thread in threads {
                    thread.shut_down().await;
                    self.mark_unloaded(&thread.id);
                }
            }
            OnClose::FinishTurns => {
                for thread in threads {
                    if let Some(loaded) = self.loaded_map().get_mut(&thread.id) {
                        loaded.detached = true;
                    }
                    let server = Arc::clone(self);
                    tokio::spawn(async move {
                        // The pump keeps the turn state current; a turn
                        // ends with exactly one terminal event. Idle at two
                        // looks apart: a turn submitted just before the
                        // client left has started by the second.
                        let mut idle_looks = 0;
                        while idle_looks < 2 {
                            tokio::time::sleep(Duration::from_millis(250)).await;
                            idle_looks = if thread.running_turn().is_some() {
                                0
                            } else {
                                idle_looks + 1
                            };
                        }
                        thread.shut_down().await;
                        server.mark_unloaded(&thread.id);
                    });
                }
            }
        }
    }
}

/// Serves one connection until its messages end.
pub async fn serve(
    server: Arc<Server>,
    mut inbound: mpsc::Receiver<Inbound>,
    outgoing: Arc<Outgoing>,
    on_close: OnClose,
) {
    let processor = Processor::new(Arc::clone(&server), Arc::clone(&outgoing));
    while let Some(message) = inbound.recv().await {
        let line = match message {
            Inbound::Text(line) => line,
            Inbound::TooLarge => {
                outgoing.respond(
                    Value::Null,
                    Err(RpcError::invalid_request(format!(
                        "message too large: the limit is {} MiB",
                        MAX_MESSAGE_BYTES / (1024 * 1024)
                    ))),
                );
                continue;
            }
            Inbound::NotUtf8 => {
                outgoing.respond(
                    Value::Null,
                    Err(RpcError {
                        code: rpc::PARSE_ERROR,
                        message: "not JSON: the message is not UTF-8".to_string(),
                    }),
                );
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match rpc::parse_line(&line) {
            Ok(Incoming::Request { id, method, params }) => {
                let handler = Arc::clone(&processor).handle(id, method, params);
                // Until `initialize` is answered, requests are handled one
                // after the other, in order: one pipelined right behind it
                // must see it done, not race it.
                if processor.is_initialized() {
                    tokio::spawn(handler);
                } else {
                    handler.await;
                }
            }
            Ok(Incoming::Notification { method }) => {
                tracing::debug!(%method, "client notification");
            }
            Ok(Incoming::Response { id, result }) => {
                if !outgoing.resolve(&id, result) {
                    tracing::warn!(%id, "an answer to no request of ours");
                }
            }
            Err(error) => outgoing.raw(error),
        }
    }
    // Requests still waiting for this client are answered "no", and no new
    // one is sent: a turn never waits for someone who left.
    outgoing.close();
    let threads = processor.take_threads();
    server.release(threads, on_close).await;
}

/// Reads newline-delimited messages into `tx`, never holding more than
/// [`MAX_MESSAGE_BYTES`] of one: a longer line is skipped to its end and
/// reported as [`Inbound::TooLarge`].
pub async fn read_lines(reader: impl AsyncRead + Unpin, tx: mpsc::Sender<Inbound>) {
    let mut reader = tokio::io::BufReader::with_capacity(64 * 1024, reader);
    let mut line: Vec<u8> = Vec::new();
    let mut too_large = false;
    loop {
        let buf = match reader.fill_buf().await {
            Ok(buf) => buf,
            Err(err) => {
                tracing::debug!("the client's stream failed: {err}");
                break;
            }
        };
        if buf.is_empty() {
            // A last line without its newline is still a message (a
            // request cut short by a closed socket fails to parse, and
            // the answer goes nowhere).
            if !line.is_empty() && !too_large {
                let _ = tx.send(decode(std::mem::take(&mut line))).await;
            }
            break;
        }
        let newline = buf.iter().position(|b| *b == b'\n');
        let chunk = &buf[..newline.unwrap_or(buf.len())];
        if !too_large {
            if line.len() + chunk.len() > MAX_MESSAGE_BYTES {
                too_large = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = chunk.len() + usize::from(newline.is_some());
        reader.consume(used);
        if newline.is_some() {
            let message = if too_large {
                Inbound::TooLarge
            } else {
                decode(std::mem::take(&mut line))
            };
            too_large = false;
            if tx.send(message).await.is_err() {
                break;
            }
        }
    }
}

fn decode(bytes: Vec<u8>) -> Inbound {
    match String::from_utf8(bytes) {
        Ok(text) => Inbound::Text(text),
        Err(_) => Inbound::NotUtf8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(input: Vec<u8>) -> Vec<Inbound> {
        let (tx, mut rx) = mpsc::channel(16);
        tokio::spawn(read_lines(std::io::Cursor::new(input), tx));
        let mut out = Vec::new();
        while let Some(message) = rx.recv().await {
            out.push(message);
        }
        out
    }

    #[tokio::test]
    async fn lines_are_split_and_an_oversized_one_is_skipped_whole() {
        let mut input = b"{\"a\":1}\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_MESSAGE_BYTES + 10));
        input.extend_from_slice(b"\n\xff\xfe\n{\"b\":2}");
        let out = read_all(input).await;
        assert!(matches!(&out[0], Inbound::Text(t) if t == "{\"a\":1}"));
        assert!(matches!(out[1], Inbound::TooLarge));
        assert!(matches!(out[2], Inbound::NotUtf8));
        assert!(matches!(&out[3], Inbound::Text(t) if t == "{\"b\":2}"));
        assert_eq!(out.len(), 4);
    }
}
