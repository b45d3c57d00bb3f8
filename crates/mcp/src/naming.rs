//! The names MCP tools are offered to the model under.
//!
//! On the Responses wire each server is a namespace `mcp__<server>` whose
//! functions keep the tool's own name (only `[A-Za-z0-9_-]`); the model
//! calls `{"namespace": "mcp__<server>", "name": "<tool>"}`. Where there are
//! no namespaces (Chat Completions) a tool is the flat function
//! `mcp__<server>__<tool>`, only `[A-Za-z0-9_]`. Names are at most 64
//! characters. A name that had to be shortened, or that two tools would
//! share after sanitizing, gets a short stable hash of the original pair
//! instead of its tail, so every tool keeps a distinct name across sessions;
//! names already given out (a server that joined earlier) never change.

use std::collections::{HashMap, HashSet};

pub const DELIMITER: &str = "__";
pub const MAX_NAME_LEN: usize = 64;

fn sanitize(part: &str) -> String {
    sanitize_keeping(part, '_')
}

/// `[A-Za-z0-9_]` plus `extra`; anything else becomes `_`.
fn sanitize_keeping(part: &str, extra: char) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == extra {
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

/// The flat model-facing name of each `(server, tool)` pair, in order.
pub fn qualified_names(pairs: &[(String, String)]) -> Vec<String> {
    qualified_names_avoiding(pairs, &HashSet::new())
}

/// [`qualified_names`] for tools joining after others: a name in `taken`
/// (given out before) is not given again.
pub fn qualified_names_avoiding(
    pairs: &[(String, String)],
    taken: &HashSet<String>,
) -> Vec<String> {
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
    distinct(plain, pairs, taken)
}

/// The namespace a server's tools are offered in: `mcp__<server>`.
pub fn namespace_name(server: &str, taken: &HashSet<String>) -> String {
    let name = format!("mcp{DELIMITER}{}", sanitize_keeping(server, '-'));
    if name.len() > MAX_NAME_LEN || taken.contains(&name) {
        with_hash(&name, server, "")
    } else {
        name
    }
}

/// The names of one server's tools inside its namespace, in order.
pub fn names_in_namespace(server: &str, tools: &[String]) -> Vec<String> {
    let plain: Vec<String> = tools.iter().map(|t| sanitize_keeping(t, '-')).collect();
    let pairs: Vec<(String, String)> = tools
        .iter()
        .map(|t| (server.to_string(), t.clone()))
        .collect();
    distinct(plain, &pairs, &HashSet::new())
}

/// `plain` with names that are too long, shared, or in `taken` made
/// distinct by a hash of their pair.
fn distinct(
    plain: Vec<String>,
    pairs: &[(String, String)],
    taken: &HashSet<String>,
) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for name in &plain {
        *counts.entry(name.as_str()).or_default() += 1;
    }
    plain
        .iter()
        .zip(pairs)
        .map(|(name, (server, tool))| {
            if name.len() > MAX_NAME_LEN || counts[name.as_str()] > 1 || taken.contains(name) {
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
    fn namespaces_keep_the_tools_own_names_where_the_wire_allows() {
        assert_eq!(namespace_name("demo", &HashSet::new()), "mcp__demo");
        assert_eq!(
            namespace_name("a.b@c/d:e", &HashSet::new()),
            "mcp__a_b_c_d_e"
        );
        let taken: HashSet<String> = ["mcp__demo".to_string()].into();
        let second = namespace_name("demo", &taken);
        assert!(second.starts_with("mcp__demo_") && second != "mcp__demo");
        let names = names_in_namespace("s", &["get-tiny-image".into(), "a.b".into(), "a_b".into()]);
        assert_eq!(names[0], "get-tiny-image");
        assert_ne!(names[1], names[2]);
    }

    #[test]
    fn a_late_tool_never_takes_a_name_given_out_before() {
        let taken: HashSet<String> = ["mcp__a__x".to_string()].into();
        let names = qualified_names_avoiding(&pairs(&[("a", "x")]), &taken);
        assert_ne!(names[0], "mcp__a__x");
        assert!(names[0].starts_with("mcp__a__x_"));
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
