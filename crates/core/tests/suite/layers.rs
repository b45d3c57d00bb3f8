//! The engine's layers: a module imports only modules of its own layer or
//! below (`docs/architecture.md`, "Layers of `core`"). This test reads the
//! sources and fails on an import that points up.
//!
//! Modules are listed by path: `tools` (the framework: `ToolHandler`, the
//! registry) sits with the session state, `tools::handlers` (the tools) with
//! the features. A file belongs to the longest listed path that contains it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Low to high. A module not listed fails the test: say where it belongs.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "lib",
            "entry",
            "error",
            "util",
            "logging",
            "parse_command",
            "safety",
            "git_info",
            "environment_context",
            "instructions",
            "project_doc",
            "message_history",
            "history",
            "turn_diff",
            "notify",
            "item_lifecycle",
            "resume_settings",
            "queue_pair",
        ],
    ),
    (
        "session state",
        &[
            "rollout",
            "thread_index",
            "state",
            "turn_context",
            "session",
            // The tool framework: the `ToolHandler` trait, the registry, the
            // router. The tools themselves are features.
            "tools",
        ],
    ),
    (
        "tools and features",
        &[
            "tools::handlers",
            "tools::orchestrator",
            "approvals",
            "spawn",
            "initial_context",
            "hooks",
            "mcp",
            "memories",
            "ghost",
            "undo",
            "rewind",
            "telemetry",
            "unified_exec",
            "review",
            "compact",
            "sampling",
            "user_shell",
            "one_off",
            "shell_snapshot",
            "exec_rules",
            "network_allowlist",
            "skills",
            "goals",
            "plan_mode",
            "agents",
            // Every feature's state, built by `session_init`.
            "features",
        ],
    ),
    (
        "turns and tasks",
        &["turn", "tasks", "submission_loop", "session_init"],
    ),
    ("seam", &["codex", "thread_manager"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// The module path of a source file: `tools/handlers/shell.rs` is
/// `tools::handlers::shell`, `tools/mod.rs` is `tools`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut path: Vec<String> = relative
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    if path.last().is_some_and(|last| last == "mod") {
        path.pop();
    }
    path
}

/// The listed module a path belongs to: the longest entry of `LAYERS` that
/// is a prefix of it (`tools::handlers::shell` is in `tools::handlers`).
fn listed_module(path: &[String]) -> Option<String> {
    (1..=path.len()).rev().find_map(|len| {
        let candidate = path[..len].join("::");
        layer_of(&candidate).map(|_| candidate)
    })
}

/// The paths named after a `crate::` at the start of `rest`: `a::b` gives
/// `a::b`, `{a, b::{c, d}}` gives `a`, `b::c` and `b::d`.
fn crate_paths(rest: &str) -> Vec<Vec<String>> {
    if let Some(inner) = rest.strip_prefix('{') {
        return list_elements(inner)
            .into_iter()
            .flat_map(|element| crate_paths(element.trim_start()))
            .collect();
    }
    let first: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if first.is_empty() {
        return Vec::new();
    }
    let tails = match rest[first.len()..].strip_prefix("::") {
        Some(more) => crate_paths(more),
        None => Vec::new(),
    };
    if tails.is_empty() {
        return vec![vec![first]];
    }
    tails
        .into_iter()
        .map(|mut tail| {
            tail.insert(0, first.clone());
            tail
        })
        .collect()
}

/// The comma-separated elements of a `{...}` list whose `{` is already
/// taken, up to its `}`.
fn list_elements(inner: &str) -> Vec<&str> {
    let mut elements = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (index, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                elements.push(&inner[start..index]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                elements.push(&inner[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    elements
}

/// Each listed module of `src` and the listed modules it names through
/// `crate::` (comments do not count: a doc link is not an import).
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let own_path = module_path(relative);
            let module = listed_module(&own_path).unwrap_or_else(|| own_path.join("::"));
            let text: String = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let names = graph.entry(module.clone()).or_default();
            for (index, _) in text.match_indices("crate::") {
                for named in crate_paths(&text[index + "crate::".len()..]) {
                    if let Some(name) = listed_module(&named)
                        && name != module
                    {
                        names.insert(name);
                    }
                }
            }
        }
    }
    graph
}

#[test]
fn core_imports_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = imports(&src);
    let mut problems = Vec::new();
    for (module, names) in &graph {
        let Some(own) = layer_of(module) else {
            problems.push(format!(
                "module `{module}` is in no layer: add it to LAYERS in {}",
                file!()
            ));
            continue;
        };
        for name in names {
            let Some(theirs) = layer_of(name) else {
                continue;
            };
            if theirs > own {
                problems.push(format!(
                    "`{module}` ({}) imports `{name}` ({}): a layer imports only layers below it",
                    LAYERS[own].0, LAYERS[theirs].0
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_import_reader_sees_lists_renames_and_sub_modules() {
    let paths = |text: &str| -> Vec<String> {
        crate_paths(text)
            .into_iter()
            .map(|path| path.join("::"))
            .collect()
    };
    assert_eq!(paths("session::Session;"), ["session::Session"]);
    assert_eq!(
        paths("{a, tools::{self, handlers::x as y}};"),
        ["a", "tools::self", "tools::handlers::x"]
    );
    let named =
        |path: &str| listed_module(&path.split("::").map(str::to_string).collect::<Vec<_>>());
    assert_eq!(
        named("tools::handlers::shell").as_deref(),
        Some("tools::handlers")
    );
    assert_eq!(
        named("tools::registry::ToolHandler").as_deref(),
        Some("tools")
    );
    assert_eq!(named("nowhere::x"), None);
}
