//! The JSON-RPC 2.0 messages of the app-server, as the reference writes
//! them: one JSON object per line, without the `"jsonrpc"` member.

use serde_json::{Value, json};

/// Error codes (JSON-RPC 2.0).
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;

/// A line from the client.
#[derive(Debug)]
pub enum Incoming {
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    Notification {
        method: String,
    },
    /// The answer to one of our requests.
    Response {
        id: Value,
        result: Result<Value, Value>,
    },
}

/// An error to send back for a request.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self {
            code: INVALID_PARAMS,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: INTERNAL_ERROR,
            message: message.into(),
        }
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self {
            code: INVALID_REQUEST,
            message: message.into(),
        }
    }
}

/// Parses one line. `Err` is the error response to send (with a null id
/// when the line had none).
pub fn parse_line(line: &str) -> Result<Incoming, Value> {
    let value: Value = serde_json::from_str(line).map_err(|err| {
        error_message(
            codex_protocol::jsonrpc::salvage_request_id(line),
            &RpcError {
                code: PARSE_ERROR,
                message: format!("not JSON: {err}"),
            },
        )
    })?;
    let Some(object) = value.as_object() else {
        return Err(error_message(
            Value::Null,
            &RpcError::invalid_request("a message must be a JSON object"),
        ));
    };
    let id = object.get("id").cloned();
    if let Some(id) = &id
        && !(id.is_string() || id.is_i64() || id.is_u64())
    {
        return Err(error_message(
            Value::Null,
            &RpcError::invalid_request(format!("`id` must be a string or an integer, not {id}")),
        ));
    }
    if let Some(method) = object.get("method")
        && !method.is_string()
    {
        return Err(error_message(
            id.unwrap_or(Value::Null),
            &RpcError::invalid_request(format!("`method` must be a string, not {method}")),
        ));
    }
    match (object.get("method").and_then(Value::as_str), id) {
        (Some(method), Some(id)) => Ok(Incoming::Request {
            id,
            method: method.to_string(),
            params: object.get("params").cloned().unwrap_or(Value::Null),
        }),
        (Some(method), None) => Ok(Incoming::Notification {
            method: method.to_string(),
        }),
        (None, Some(id)) => {
            let result = match (object.get("result"), object.get("error")) {
                (Some(result), _) => Ok(result.clone()),
                (None, Some(error)) => Err(error.clone()),
                (None, None) => Ok(Value::Null),
            };
            Ok(Incoming::Response { id, result })
        }
        (None, None) => Err(error_message(
            Value::Null,
            &RpcError::invalid_request("a message needs a `method` or an `id`"),
        )),
    }
}

pub fn response_message(id: Value, result: Value) -> Value {
    json!({ "id": id, "result": result })
}

pub fn error_message(id: Value, error: &RpcError) -> Value {
    json!({ "id": id, "error": { "code": error.code, "message": error.message } })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_classified() {
        assert!(matches!(
            parse_line(r#"{"id":1,"method":"initialize","params":{}}"#),
            Ok(Incoming::Request { .. })
        ));
        assert!(matches!(
            parse_line(r#"{"method":"initialized"}"#),
            Ok(Incoming::Notification { .. })
        ));
        assert!(matches!(
            parse_line(r#"{"id":7,"result":{"decision":"accept"}}"#),
            Ok(Incoming::Response { result: Ok(_), .. })
        ));
        let err = parse_line("{nope").unwrap_err();
        assert_eq!(err["error"]["code"], PARSE_ERROR);
        assert_eq!(err["id"], Value::Null);
        let err = parse_line("[1]").unwrap_err();
        assert_eq!(err["error"]["code"], INVALID_REQUEST);
        // The id of a broken request, where it can still be read.
        let err = parse_line(r#"{"id": 12, "method": "thread/list", "params": {"#).unwrap_err();
        assert_eq!(err["error"]["code"], PARSE_ERROR);
        assert_eq!(err["id"], 12);
        let err = parse_line(r#"{"id":"abc","method":}"#).unwrap_err();
        assert_eq!(err["id"], "abc");
        let err = parse_line(r#"{"id": 3, "method": 5}"#).unwrap_err();
        assert_eq!(err["error"]["code"], INVALID_REQUEST);
        assert_eq!(err["id"], 3);
        let err = parse_line(r#"{"id": {"x": 1}, "method": "a"}"#).unwrap_err();
        assert_eq!(err["error"]["code"], INVALID_REQUEST);
    }
}
