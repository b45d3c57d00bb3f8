//! What the client sends, checked before the MCP SDK sees it.
//!
//! The SDK drops a line that is not JSON without a word, and answers a
//! `tools/call` without params as an unknown method. A client deserves the
//! JSON-RPC answers: -32700 for a line that is not JSON (with the request's
//! id where it can still be read), -32602 for a call without params. Every
//! other line goes on to the SDK unchanged, through an in-process pipe.

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc::UnboundedSender;

/// The pipe's buffer: the SDK reads as fast as it parses.
const PIPE_BYTES: usize = 256 * 1024;

/// Reads `input` line by line until it ends; the returned stream is what
/// the SDK reads. Error answers go to `replies` (the stdout queue).
pub(crate) fn checked_input(
    input: impl AsyncRead + Unpin + Send + 'static,
    replies: UnboundedSender<Vec<u8>>,
) -> DuplexStream {
    let (sdk_side, mut our_side) = tokio::io::duplex(PIPE_BYTES);
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(input).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if line.trim().is_empty() {
                continue;
            }
            if let Some(error) = refusal(&line) {
                let mut bytes = error.to_string().into_bytes();
                bytes.push(b'\n');
                let _ = replies.send(bytes);
                continue;
            }
            let mut bytes = line.into_bytes();
            bytes.push(b'\n');
            if our_side.write_all(&bytes).await.is_err() {
                break;
            }
        }
        // Dropping our side is EOF for the SDK: the session ends.
    });
    sdk_side
}

/// The error answer to a line the SDK would mishandle, if it is one.
fn refusal(line: &str) -> Option<Value> {
    let message: Value = match serde_json::from_str(line) {
        Ok(message) => message,
        Err(err) => {
            return Some(error(
                codex_protocol::jsonrpc::salvage_request_id(line),
                -32700,
                &format!("Parse error: not JSON: {err}"),
            ));
        }
    };
    let object = message.as_object()?;
    let id = object.get("id")?;
    if object.get("method").and_then(Value::as_str) == Some("tools/call")
        && object.get("params").is_none_or(Value::is_null)
    {
        return Some(error(
            id.clone(),
            -32602,
            "Invalid params: tools/call needs params with the tool's `name` and its `arguments`",
        ));
    }
    None
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_json_and_a_call_without_params_are_refused_the_rest_passes() {
        let e = refusal("{nope").unwrap();
        assert_eq!(e["error"]["code"], -32700);
        assert_eq!(e["id"], Value::Null);
        let e = refusal(r#"{"jsonrpc":"2.0","id":9,"method":"tools/list","#).unwrap();
        assert_eq!(e["id"], 9);
        let e = refusal(r#"{"jsonrpc":"2.0","id":"c","method":"tools/call"}"#).unwrap();
        assert_eq!(e["error"]["code"], -32602);
        assert_eq!(e["id"], "c");
        assert!(
            refusal(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"codex"}}"#)
                .is_none()
        );
        assert!(refusal(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).is_none());
    }
}
