//! Errors of the engine.

use codex_client::ClientError;

pub type CodexResult<T> = Result<T, CodexErr>;

#[derive(Debug, thiserror::Error)]
pub enum CodexErr {
    #[error(transparent)]
    Client(#[from] ClientError),

    /// The task was interrupted; what completed has been recorded.
    #[error("the turn was interrupted")]
    TurnAborted,

    /// The engine's task is gone (it panicked or was shut down).
    #[error("the codex engine stopped unexpectedly")]
    InternalAgentDied,

    /// A problem that ends the turn (and is shown as such).
    #[error("{0}")]
    Fatal(String),

    #[error("{0}")]
    Io(#[from] std::io::Error),

    /// A thread that was asked for does not exist; the message says where
    /// it was looked for.
    #[error("{0}")]
    ThreadNotFound(String),
}
