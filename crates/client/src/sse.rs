//! Reading SSE events with an idle timeout and early exit when the consumer
//! goes away. Shared by both wire protocols.

use std::time::Duration;

use bytes::Bytes;
use eventsource_stream::{Event, Eventsource};
use futures::{Stream, StreamExt};
use tokio::sync::mpsc::Sender;

use crate::error::ClientError;
use crate::events::ResponseEvent;

pub(crate) type EventSender = Sender<Result<ResponseEvent, ClientError>>;

/// What the next read produced.
pub(crate) enum Next {
    Event(Event),
    /// The byte stream ended.
    End,
    /// An error was already sent; stop.
    Stop,
}

/// SSE events from a body, with the idle timeout applied to each read.
pub(crate) struct SseReader<S> {
    events: eventsource_stream::EventStream<S>,
    idle_timeout: Duration,
}

impl<S, E> SseReader<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    pub(crate) fn new(body: S, idle_timeout: Duration) -> Self {
        Self {
            events: body.eventsource(),
            idle_timeout,
        }
    }

    /// The next event. Errors (stall, read failure) are sent to `tx`.
    pub(crate) async fn next(&mut self, tx: &EventSender) -> Next {
        let read = tokio::time::timeout(self.idle_timeout, self.events.next());
        tokio::select! {
            _ = tx.closed() => Next::Stop,
            result = read => match result {
                Err(_) => {
                    let message = format!(
                        "the response stream stalled: no data for {} ms",
                        self.idle_timeout.as_millis()
                    );
                    let _ = tx.send(Err(ClientError::Stream { message, retry_after: None })).await;
                    Next::Stop
                }
                Ok(None) => Next::End,
                Ok(Some(Err(err))) => {
                    let message = format!("the response stream broke: {err}");
                    let _ = tx.send(Err(ClientError::Stream { message, retry_after: None })).await;
                    Next::Stop
                }
                Ok(Some(Ok(event))) => Next::Event(event),
            },
        }
    }
}

/// A malformed-event error that shows what arrived (shortened).
pub(crate) fn malformed(event: &Event, problem: &str) -> ClientError {
    let mut data: String = event.data.chars().take(200).collect();
    if event.data.chars().count() > 200 {
        data.push('…');
    }
    let name = if event.event.is_empty() {
        "message"
    } else {
        &event.event
    };
    ClientError::Stream {
        message: format!("malformed `{name}` event from the model server ({problem}): {data}"),
        retry_after: None,
    }
}
