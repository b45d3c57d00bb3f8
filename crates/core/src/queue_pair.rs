//! [`Codex`]: a thread as a queue pair — submit ops, read events.
//!
//! The type lives at the bottom of the engine's layers because features hold
//! the queue pairs of the sessions they start (a review's reviewer, a
//! sub-agent, the memory consolidator); how a session behind one is started
//! is the seam's business (`crate::codex`).

use codex_protocol::ThreadId;
use codex_protocol::protocol::{Event, Op, Submission};
use tokio::sync::mpsc;

use crate::error::{CodexErr, CodexResult};

/// The engine, as a queue pair.
pub struct Codex {
    tx_sub: mpsc::Sender<Submission>,
    rx_event: tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    thread_id: ThreadId,
}

impl Codex {
    /// A thread whose session reads `tx_sub`'s other end and sends on
    /// `rx_event`'s: a session of this process (`Codex::spawn`) or one
    /// running elsewhere (a remote client's pump).
    pub fn from_channels(
        thread_id: ThreadId,
        tx_sub: mpsc::Sender<Submission>,
        rx_event: mpsc::UnboundedReceiver<Event>,
    ) -> Self {
        Self {
            tx_sub,
            rx_event: tokio::sync::Mutex::new(rx_event),
            thread_id,
        }
    }

    pub fn thread_id(&self) -> ThreadId {
        self.thread_id
    }

    /// Queues `op`; returns its submission id, a UUIDv7 as the reference's
    /// turn ids are: unique across resumes and forks of the thread (a
    /// counter would start again at 0 in every process), and time-ordered.
    pub async fn submit(&self, op: Op) -> CodexResult<String> {
        let id = uuid::Uuid::now_v7().to_string();
        self.tx_sub
            .send(Submission { id: id.clone(), op })
            .await
            .map_err(|_| CodexErr::InternalAgentDied)?;
        Ok(id)
    }

    /// The next event.
    pub async fn next_event(&self) -> CodexResult<Event> {
        self.rx_event
            .lock()
            .await
            .recv()
            .await
            .ok_or(CodexErr::InternalAgentDied)
    }
}
