//! One client over a WebSocket (on TCP or a Unix socket): the HTTP request
//! that opens it is read first, to answer `/readyz` and `/healthz` as
//! plain HTTP on the same listener, to refuse a browser page (a request
//! with an `Origin` header: any web page may open a WebSocket to
//! localhost), and to check the bearer token; then the same bytes go to the
//! WebSocket handshake. Each text frame is one JSON-RPC message, both ways.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::connection::{self, Inbound, OnClose, Server};
use crate::listen::Auth;
use crate::outgoing::Outgoing;

/// The longest request head we read.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// A client that does not finish its request head in this time is dropped.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// What the request head asked for.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// A WebSocket upgrade that may proceed.
    Upgrade,
    /// Answered with a plain HTTP response and closed.
    Respond(&'static str, &'static str),
}

/// Serves one accepted stream until it closes.
pub async fn serve_client<S>(server: Arc<Server>, mut stream: S, auth: Auth)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(head)) => head,
        Ok(Err(err)) => {
            tracing::debug!("a client sent no usable request: {err}");
            let _ = respond(&mut stream, "400 Bad Request", "bad request\n").await;
            return;
        }
        Err(_) => return,
    };
    match judge(&head, &auth) {
        Verdict::Respond(status, body) => {
            let _ = respond(&mut stream, status, body).await;
        }
        Verdict::Upgrade => {
            let replay = Replay {
                head,
                offset: 0,
                inner: stream,
            };
            let config = WebSocketConfig::default()
                .max_message_size(Some(connection::MAX_MESSAGE_BYTES))
                .max_frame_size(Some(connection::MAX_MESSAGE_BYTES));
            match tokio_tungstenite::accept_async_with_config(replay, Some(config)).await {
                Ok(ws) => serve_websocket(server, ws).await,
                Err(err) => tracing::debug!("the WebSocket handshake failed: {err}"),
            }
        }
    }
}

/// Reads up to the end of the request head (`\r\n\r\n`).
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed before the end of the request head",
            ));
        }
        head.extend_from_slice(&chunk[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return Ok(head);
        }
        if head.len() > MAX_HEAD_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "request head too large",
            ));
        }
    }
}

/// Decides what to do with a request head.
fn judge(head: &[u8], auth: &Auth) -> Verdict {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Verdict::Respond("400 Bad Request", "bad request\n"),
    }
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
    };
    if header("origin").is_some() {
        return Verdict::Respond(
            "403 Forbidden",
            "requests from web pages (with an Origin header) are refused\n",
        );
    }
    let upgrade = header("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    let path = request.path.unwrap_or("/");
    if !upgrade {
        return match (request.method, path) {
            (Some("GET"), "/readyz" | "/healthz") => Verdict::Respond("200 OK", "ok\n"),
            _ => Verdict::Respond(
                "426 Upgrade Required",
                "this is a JSON-RPC server over WebSocket; /readyz and /healthz answer plain HTTP\n",
            ),
        };
    }
    if let Some(token) = &auth.token {
        let presented = header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if !presented.is_some_and(|p| constant_time_eq(p.as_bytes(), token.as_bytes())) {
            return Verdict::Respond(
                "401 Unauthorized",
                "a bearer token is required (Authorization: Bearer TOKEN)\n",
            );
        }
    }
    Verdict::Upgrade
}

/// Compares without stopping at the first difference, so the time taken
/// says nothing about how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn respond<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: &str,
    body: &str,
) -> std::io::Result<()> {
    let extra = if status.starts_with("401") {
        "WWW-Authenticate: Bearer\r\n"
    } else {
        ""
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Runs the JSON-RPC connection over an open WebSocket.
async fn serve_websocket<S>(server: Arc<Server>, ws: tokio_tungstenite::WebSocketStream<S>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut frames) = ws.split();
    let (outgoing, mut queue) = Outgoing::new();
    let outgoing = Arc::new(outgoing);
    let writer = tokio::spawn(async move {
        while let Some(message) = queue.recv().await {
            let text = message.to_string();
            if sink.send(Message::text(text)).await.is_err() {
                return;
            }
        }
        let _ = sink.close().await;
    });
    let (tx, rx) = mpsc::channel(64);
    let reader = tokio::spawn(async move {
        while let Some(frame) = frames.next().await {
            let inbound = match frame {
                Ok(Message::Text(text)) => Inbound::Text(text.as_str().to_string()),
                Ok(Message::Binary(bytes)) => match String::from_utf8(bytes.to_vec()) {
                    Ok(text) => Inbound::Text(text),
                    Err(_) => Inbound::NotUtf8,
                },
                Ok(Message::Close(_)) => break,
                // Pings are answered by the library; pongs need nothing.
                Ok(_) => continue,
                Err(tokio_tungstenite::tungstenite::Error::Capacity(_)) => Inbound::TooLarge,
                Err(err) => {
                    tracing::debug!("the client's WebSocket failed: {err}");
                    break;
                }
            };
            if tx.send(inbound).await.is_err() {
                break;
            }
        }
    });
    connection::serve(server, rx, Arc::clone(&outgoing), OnClose::FinishTurns).await;
    reader.abort();
    drop(outgoing);
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
}

/// A stream whose first bytes are the request head already read.
struct Replay<S> {
    head: Vec<u8>,
    offset: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Replay<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.offset < self.head.len() {
            let n = buf.remaining().min(self.head.len() - self.offset);
            let start = self.offset;
            buf.put_slice(&self.head[start..start + n]);
            self.offset += n;
            if self.offset == self.head.len() {
                self.head = Vec::new();
                self.offset = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replay<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(lines: &[&str]) -> Vec<u8> {
        format!("{}\r\n\r\n", lines.join("\r\n")).into_bytes()
    }

    const UPGRADE: &[&str] = &[
        "GET / HTTP/1.1",
        "Host: x",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ];

    #[test]
    fn heads_are_judged() {
        let open = Auth::default();
        let locked = Auth {
            token: Some(Arc::from("s3cret")),
        };
        assert_eq!(judge(&head(UPGRADE), &open), Verdict::Upgrade);
        assert_eq!(
            judge(&head(&["GET /readyz HTTP/1.1", "Host: x"]), &locked),
            Verdict::Respond("200 OK", "ok\n")
        );
        assert!(matches!(
            judge(&head(UPGRADE), &locked),
            Verdict::Respond("401 Unauthorized", _)
        ));
        let mut with_token = UPGRADE.to_vec();
        with_token.push("Authorization: Bearer s3cret");
        assert_eq!(judge(&head(&with_token), &locked), Verdict::Upgrade);
        let mut wrong = UPGRADE.to_vec();
        wrong.push("Authorization: Bearer s3creT");
        assert!(matches!(
            judge(&head(&wrong), &locked),
            Verdict::Respond("401 Unauthorized", _)
        ));
        let mut browser = with_token.clone();
        browser.push("Origin: https://evil.example");
        assert!(matches!(
            judge(&head(&browser), &locked),
            Verdict::Respond("403 Forbidden", _)
        ));
        assert!(matches!(
            judge(&head(&["GET / HTTP/1.1", "Host: x"]), &open),
            Verdict::Respond("426 Upgrade Required", _)
        ));
    }
}
