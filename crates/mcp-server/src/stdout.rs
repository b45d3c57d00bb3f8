//! Standard output that never blocks the server.
//!
//! Everything the server sends goes into an unbounded queue that one task
//! drains to the real stdout. However slowly the client reads, the server
//! keeps reading its requests and answering them into the queue, so the
//! three parties (stdin reader, request processing, stdout writer) can
//! never wait on each other in a circle. Memory, not progress, absorbs a
//! slow client.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

pub(crate) struct QueuedStdout {
    queue: Option<mpsc::UnboundedSender<Vec<u8>>>,
}

/// The writer, and the task that writes its queue to stdout (it ends when
/// the writer is dropped and the queue is drained).
pub(crate) fn queued_stdout() -> (QueuedStdout, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let task = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(bytes) = rx.recv().await {
            if stdout.write_all(&bytes).await.is_err() {
                break;
            }
            // Several queued messages go out in one flush.
            while let Ok(more) = rx.try_recv() {
                if stdout.write_all(&more).await.is_err() {
                    return;
                }
            }
            if stdout.flush().await.is_err() {
                break;
            }
        }
    });
    (QueuedStdout { queue: Some(tx) }, task)
}

impl QueuedStdout {
    /// A sender of whole lines into the same queue (answers written
    /// outside the SDK: `input.rs`).
    pub(crate) fn line_sender(&self) -> Option<mpsc::UnboundedSender<Vec<u8>>> {
        self.queue.clone()
    }
}

impl AsyncWrite for QueuedStdout {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match &self.queue {
            Some(queue) if queue.send(buf.to_vec()).is_ok() => Poll::Ready(Ok(buf.len())),
            _ => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "stdout is closed",
            ))),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.queue = None;
        Poll::Ready(Ok(()))
    }
}
