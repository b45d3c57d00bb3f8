//! The names MCP tools are offered to the model under:
//! `mcp__<server>__<tool>`, only `[A-Za-z0-9_]`, at most 64 characters.
//! A name that had to be shortened, or that two tools would share after
//! sanitizing, gets a short stable hash of the original pair instead of its
//! tail, so every tool keeps a distinct name across sessions.

use std::collections::HashMap;

pub const DELIMITER: &str = "__";
pub const MAX_NAME_LEN: usize = 64;

fn sanitize(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// FNV-1a: small, stable across builds and versions (unlike std's hasher).
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn with_hash(base: &str, server: &str, tool: &str) -> String {
    let suffix = format!("_{:08x}", fnv1a(&format!("{server}/{tool}")) as u32);
    let keep = MAX_NAME_LEN - suffix.len();
    let mut name: String = base.chars().take(keep).collect();
    name.push_str(&suffix);
    name
}

/// The model-facing name of each `(server, tool)` pair, in order.
pub fn qualified_names(pairs: &[(String, String)]) -> Vec<String> {
    let plain: Vec<String> = pairs
        .iter()
        .map(|(server, tool)| {
            format!(
                "mcp{DELIMITER}{}{DELIMITER}{}",
                sanitize(server),
                sanitize(tool)
            )
        })
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for name in &plain {
        *counts.entry(name.as_str()).or_default() += 1;
    }
    plain
        .iter()
        .zip(pairs)
        .map(|(name, (server, tool))| {
            if name.len() > MAX_NAME_LEN || counts[name.as_str()] > 1 {
                with_hash(name, server, tool)
            } else {
                name.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(s, t)| (s.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn names_are_sanitized_and_prefixed() {
        assert_eq!(
            qualified_names(&pairs(&[("everything", "get-sum"), ("fs", "read_file")])),
            vec!["mcp__everything__get_sum", "mcp__fs__read_file"]
        );
    }

    #[test]
    fn collisions_and_long_names_get_a_stable_hash() {
        let names = qualified_names(&pairs(&[
            ("a", "x-y"),
            ("a", "x.y"),
            ("s", &"t".repeat(80)),
        ]));
        assert_ne!(names[0], names[1]);
        assert!(names[0].starts_with("mcp__a__x_y_"));
        assert!(names.iter().all(|n| n.len() <= MAX_NAME_LEN), "{names:?}");
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        );
        // The same input gives the same names.
        assert_eq!(
            names,
            qualified_names(&pairs(&[
                ("a", "x-y"),
                ("a", "x.y"),
                ("s", &"t".repeat(80))
            ]))
        );
    }
}
