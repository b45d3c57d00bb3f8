//! The engine's layers: a module imports only modules of its own layer or
//! below (`docs/architecture.md`, "Layers of `core`"). This test reads the
//! sources and fails on an import that points up.
//!
//! The engine does not obey the rule everywhere yet: `KNOWN_UPWARD` lists the
//! upward imports that exist today, each a piece of debt to pay (mostly
//! `SessionServices` holding concrete feature types). The test also fails
//! when one of them is gone, so the list only shrinks.

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
        ],
    ),
    (
        "tools and features",
        &[
            "tools",
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
        ],
    ),
    (
        "turns and tasks",
        &["turn", "tasks", "submission_loop", "session_init"],
    ),
    ("seam", &["codex", "thread_manager"]),
];

/// Upward imports that exist today (importer, imported).
const KNOWN_UPWARD: &[(&str, &str)] = &[
    ("state", "codex"),
    ("state", "compact"),
    ("state", "ghost"),
    ("state", "hooks"),
    ("state", "mcp"),
    ("state", "tools"),
    ("state", "unified_exec"),
    ("state", "shell_snapshot"),
    ("state", "skills"),
    ("session", "skills"),
    ("session", "hooks"),
    ("session", "memories"),
    ("session", "telemetry"),
    ("session", "tools"),
    ("turn_context", "tools"),
    ("memories", "codex"),
    ("review", "codex"),
    // Sub-agents are sessions: spawning one goes through the seam.
    ("agents", "codex"),
    ("tools", "codex"),
    ("state", "agents"),
    ("sampling", "turn"),
    ("session_init", "codex"),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// Each top-level module of `src` and the top-level modules it names
/// through `crate::`.
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
            let first = relative.components().next().unwrap();
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let names = graph.entry(module.clone()).or_default();
            for (index, _) in text.match_indices("crate::") {
                let rest = &text[index + "crate::".len()..];
                // `crate::{a, b::c}` names several.
                let list = match rest.strip_prefix('{') {
                    Some(inner) => inner.split('}').next().unwrap_or_default(),
                    None => rest,
                };
                for part in list.split(',') {
                    let name: String = part
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != module {
                        names.insert(name);
                    }
                    if !rest.starts_with('{') {
                        break;
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
    let mut upward = BTreeSet::new();
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
                upward.insert((module.as_str(), name.as_str()));
            }
        }
    }
    for &(from, to) in &upward {
        if !KNOWN_UPWARD.contains(&(from, to)) {
            problems.push(format!(
                "`{from}` ({}) imports `{to}` ({}): a layer imports only layers below it",
                LAYERS[layer_of(from).unwrap()].0,
                LAYERS[layer_of(to).unwrap()].0
            ));
        }
    }
    for known in KNOWN_UPWARD {
        if !upward.contains(known) {
            problems.push(format!(
                "`{}` no longer imports `{}`: remove it from KNOWN_UPWARD",
                known.0, known.1
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
