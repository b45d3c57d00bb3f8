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

/// `err` and its causes as one line (the client's, so the engine and the
/// frontends print errors the same way).
pub use codex_client::error_report;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read /x: {source}")]
    struct Quoting {
        #[source]
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("loading the config")]
    struct Context {
        #[source]
        source: Quoting,
    }

    #[test]
    fn a_quoted_cause_is_printed_once() {
        let err = Context {
            source: Quoting {
                source: std::io::Error::from_raw_os_error(13),
            },
        };
        assert_eq!(
            error_report(&err),
            "loading the config: cannot read /x: Permission denied (os error 13)"
        );
    }
}
