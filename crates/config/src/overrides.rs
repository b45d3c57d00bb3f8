//! `-c key=value` overrides.
//!
//! The key is a dotted path (`a.b.c`; a segment may be double-quoted to contain
//! dots). The value is parsed as a TOML value; if that fails it is taken as a
//! literal string, so `-c model=o3` works as well as `-c model='"o3"'`.

use toml::{Table, Value};

use crate::error::ConfigError;

/// Parses one override into its path and value.
pub fn parse_override(raw: &str) -> Result<(Vec<String>, Value), ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidOverride {
        raw: raw.to_string(),
        reason: reason.to_string(),
    };
    let (key, value) = raw
        .split_once('=')
        .ok_or_else(|| invalid("expected key=value"))?;
    let path = split_key(key.trim()).map_err(|reason| invalid(&reason))?;
    let value = value.trim();
    let parsed = toml::from_str::<Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(value.to_string()));
    Ok((path, parsed))
}

/// The override as a nested table, ready to be a layer.
pub(crate) fn override_table(path: &[String], value: Value) -> Table {
    let mut value = value;
    for key in path.iter().skip(1).rev() {
        let mut table = Table::new();
        table.insert(key.clone(), value);
        value = Value::Table(table);
    }
    let mut root = Table::new();
    if let Some(first) = path.first() {
        root.insert(first.clone(), value);
    }
    root
}

fn split_key(key: &str) -> Result<Vec<String>, String> {
    if key.is_empty() {
        return Err("the key is empty".to_string());
    }
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    for ch in key.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '.' if !quoted => {
                if current.trim().is_empty() && !was_quoted {
                    return Err(format!("empty segment in key `{key}`"));
                }
                segments.push(std::mem::take(&mut current).trim().to_string());
                was_quoted = false;
            }
            _ => current.push(ch),
        }
    }
    if quoted {
        return Err(format!("unterminated quote in key `{key}`"));
    }
    if current.trim().is_empty() && !was_quoted {
        return Err(format!("empty segment in key `{key}`"));
    }
    segments.push(current.trim().to_string());
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn values_parse_as_toml_or_fall_back_to_strings() {
        assert_eq!(
            parse_override("model=o3").unwrap(),
            (vec!["model".to_string()], Value::String("o3".into()))
        );
        assert_eq!(
            parse_override("model=\"o3\"").unwrap().1,
            Value::String("o3".into())
        );
        assert_eq!(
            parse_override("history.max_bytes=100").unwrap(),
            (
                vec!["history".to_string(), "max_bytes".to_string()],
                Value::Integer(100)
            )
        );
        assert_eq!(
            parse_override("sandbox_permissions=[\"disk-full-read-access\"]")
                .unwrap()
                .1,
            Value::Array(vec![Value::String("disk-full-read-access".into())])
        );
        assert_eq!(
            parse_override("shell_environment_policy.inherit=all")
                .unwrap()
                .1,
            Value::String("all".into())
        );
    }

    #[test]
    fn quoted_segments_keep_dots() {
        let (path, _) = parse_override("projects.\"/home/me/a.b\".trust_level=trusted").unwrap();
        assert_eq!(path, vec!["projects", "/home/me/a.b", "trust_level"]);
    }

    #[test]
    fn bad_overrides_are_reported() {
        for raw in ["model", "=x", "a..b=1", "a.=1", "\"a=1"] {
            let err = parse_override(raw).unwrap_err();
            assert!(err.to_string().contains(raw), "{err}");
        }
    }

    #[test]
    fn nested_table() {
        let table = override_table(&["a".into(), "b".into()], Value::Integer(1));
        assert_eq!(toml::to_string(&table).unwrap().trim(), "[a]\nb = 1");
    }
}
