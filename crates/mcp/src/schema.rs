//! An MCP tool's input schema, made acceptable to the model APIs.
//!
//! Servers publish JSON Schema written for any client; the Responses and
//! Chat Completions APIs want an object schema whose nodes say their type.
//! Conversion keeps everything it can and only fills in what the APIs
//! require: a `type` inferred where it is missing, `properties` on objects,
//! `items` on arrays; `$schema` and titles are dropped.

use serde_json::{Map, Value, json};

/// The schema to offer for a tool's arguments.
pub fn to_function_parameters(schema: &Value) -> Value {
    let mut schema = match schema {
        Value::Object(_) => schema.clone(),
        _ => json!({"type": "object"}),
    };
    sanitize(&mut schema);
    if let Value::Object(map) = &mut schema {
        // The arguments are always an object.
        map.insert("type".into(), Value::String("object".into()));
        map.entry("properties").or_insert_with(|| json!({}));
    }
    schema
}

fn infer_type(map: &Map<String, Value>) -> &'static str {
    if map.contains_key("properties") || map.contains_key("additionalProperties") {
        "object"
    } else if map.contains_key("items") {
        "array"
    } else if let Some(Value::Array(values)) = map.get("enum") {
        match values.first() {
            Some(Value::Number(_)) => "number",
            Some(Value::Bool(_)) => "boolean",
            _ => "string",
        }
    } else if map.contains_key("minimum") || map.contains_key("maximum") {
        "number"
    } else {
        "string"
    }
}

fn sanitize(value: &mut Value) {
    let Value::Object(map) = value else {
        // `true`/`false` schemas mean "anything" / "nothing": a string will do.
        *value = json!({"type": "string"});
        return;
    };
    map.remove("$schema");
    // Titles only repeat the names (`"title": "Path"`); the reference drops
    // them too. A property called `title` is a key of `properties`, kept.
    map.remove("title");
    let combinator = ["anyOf", "oneOf", "allOf"]
        .iter()
        .any(|k| map.contains_key(*k));
    if !map.contains_key("type") && !map.contains_key("$ref") && !combinator {
        let kind = infer_type(map);
        map.insert("type".into(), Value::String(kind.into()));
    }
    let is = |map: &Map<String, Value>, kind: &str| match map.get("type") {
        Some(Value::String(t)) => t == kind,
        Some(Value::Array(types)) => types.iter().any(|t| t == kind),
        _ => false,
    };
    if is(map, "object") {
        let properties = map.entry("properties").or_insert_with(|| json!({}));
        if let Value::Object(properties) = properties {
            for property in properties.values_mut() {
                sanitize(property);
            }
        }
        if let Some(additional @ Value::Object(_)) = map.get_mut("additionalProperties") {
            sanitize(additional);
        }
    }
    if is(map, "array") {
        let items = map
            .entry("items")
            .or_insert_with(|| json!({"type": "string"}));
        sanitize(items);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(options)) = map.get_mut(key) {
            for option in options {
                sanitize(option);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn missing_types_are_inferred_and_required_parts_added() {
        let schema = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": "addArguments",
            "properties": {
                "title": {"title": "Title", "type": "string"},
                "tags": {"items": {"enum": ["a", "b"]}},
                "limit": {"minimum": 1},
                "filter": {"properties": {}},
                "list": {"type": "array"},
                "any": true,
            },
            "required": ["tags"]
        });
        assert_eq!(
            to_function_parameters(&schema),
            json!({
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "tags": {"type": "array", "items": {"enum": ["a", "b"], "type": "string"}},
                    "limit": {"minimum": 1, "type": "number"},
                    "filter": {"type": "object", "properties": {}},
                    "list": {"type": "array", "items": {"type": "string"}},
                    "any": {"type": "string"},
                },
                "required": ["tags"]
            })
        );
    }

    #[test]
    fn a_missing_or_odd_schema_becomes_an_empty_object() {
        assert_eq!(
            to_function_parameters(&Value::Null),
            json!({"type": "object", "properties": {}})
        );
    }
}
