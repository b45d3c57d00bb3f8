//! The normalized stream of a model response.

use std::pin::Pin;
use std::task::{Context, Poll};

use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{RateLimitSnapshot, TokenUsage};
use futures::Stream;
use tokio::sync::mpsc;

use crate::error::ClientError;

/// One event of a model response, whatever the wire protocol.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseEvent {
    Created,
    /// An item started (its content may still be empty).
    OutputItemAdded(ResponseItem),
    /// An item is complete: a message, reasoning, or a tool call to run.
    OutputItemDone(ResponseItem),
    OutputTextDelta(String),
    ReasoningSummaryDelta(String),
    /// A new section of the reasoning summary begins.
    ReasoningSummaryPartAdded,
    /// Raw reasoning text (models that expose it).
    ReasoningContentDelta(String),
    RateLimits(RateLimitSnapshot),
    /// The response finished; nothing follows.
    Completed {
        response_id: String,
        token_usage: Option<TokenUsage>,
    },
}

/// The events of one response, ending with `Completed` or an error.
pub struct ResponseStream {
    pub(crate) rx: mpsc::Receiver<Result<ResponseEvent, ClientError>>,
}

impl ResponseStream {
    /// A stream fed by a channel (used by the wire parsers).
    pub(crate) fn channel() -> (mpsc::Sender<Result<ResponseEvent, ClientError>>, Self) {
        let (tx, rx) = mpsc::channel(64);
        (tx, Self { rx })
    }
}

impl Stream for ResponseStream {
    type Item = Result<ResponseEvent, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}
