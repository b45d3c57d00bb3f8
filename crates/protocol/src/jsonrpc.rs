//! What the JSON-RPC servers (`app-server`, `mcp-server`) share about
//! messages they cannot parse.

use serde_json::Value;

/// The id of a request that is not valid JSON, where its start still
/// reads `{"id": 7, ...` or `{"id": "x", ...`: the parse error can then
/// name the request that failed. Null otherwise.
pub fn salvage_request_id(line: &str) -> Value {
    let Some(start) = line.find("\"id\"") else {
        return Value::Null;
    };
    let Some(rest) = line[start + 4..].trim_start().strip_prefix(':') else {
        return Value::Null;
    };
    let rest = rest.trim_start();
    if let Some(quoted) = rest.strip_prefix('"') {
        return match quoted.find('"') {
            Some(end) if !quoted[..end].contains('\\') => Value::String(quoted[..end].to_string()),
            _ => Value::Null,
        };
    }
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_salvaged_where_readable() {
        assert_eq!(salvage_request_id(r#"{"id": 12, "method": "x", "#), 12);
        assert_eq!(salvage_request_id(r#"{"id":"abc","method":}"#), "abc");
        assert_eq!(salvage_request_id(r#"{"method": "x", "id": -3"#), -3);
        assert_eq!(salvage_request_id("{nope"), Value::Null);
        assert_eq!(salvage_request_id(r#"{"id": "a\"b"#), Value::Null);
        assert_eq!(salvage_request_id(r#"{"id": {"#), Value::Null);
    }
}
