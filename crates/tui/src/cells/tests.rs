//! Snapshots of every cell kind at 80 and 120 columns.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use codex_protocol::parse_command::ParsedCommand;
use codex_protocol::plan::{PlanItemArg, StepStatus, UpdatePlanArgs};
use codex_protocol::protocol::FileChange;
use insta::assert_snapshot;

use super::*;
use crate::test_util::lines_text;

fn both_widths(name: &str, cell: &HistoryCell) {
    for width in [80, 120] {
        assert_snapshot!(
            format!("{name}_{width}"),
            lines_text(&cell.display_lines(width))
        );
    }
}

fn long_text() -> String {
    "The quick brown fox jumps over the lazy dog, and then it keeps running far beyond the edge of any reasonable terminal width.".to_string()
}

#[test]
fn session_header() {
    both_widths(
        "session_header",
        &HistoryCell::SessionHeader(SessionInfo {
            model: "gpt-5.5".into(),
            effort: Some("medium".into()),
            cwd: PathBuf::from("/work/repo"),
            approval: "on-request".into(),
            sandbox: "workspace-write".into(),
            session_id: "0193a000-0000-7000-8000-000000000001".into(),
            resumed: false,
        }),
    );
}

#[test]
fn user_message() {
    both_widths(
        "user_message",
        &HistoryCell::User {
            text: format!("fix the tests\n{}", long_text()),
            images: 2,
        },
    );
}

#[test]
fn agent_message() {
    both_widths(
        "agent_message",
        &HistoryCell::Agent {
            markdown: format!(
                "## Summary\n\nI changed **two** files and ran `cargo test`.\n\n- {}\n  1. nested step\n\n```rust\nfn main() {{\n    println!(\"hi\");\n}}\n```\n\n> note: see [the docs](https://docs.rs)\n",
                long_text()
            ),
        },
    );
}

#[test]
fn reasoning_is_collapsed_to_its_header() {
    both_widths(
        "reasoning",
        &HistoryCell::Reasoning {
            header: "Inspecting the parser".into(),
            text: "**Inspecting the parser**\n\nLots of details that stay hidden.".into(),
        },
    );
}

#[test]
fn commands() {
    let mut ok = ExecCell::new(
        "c1".into(),
        vec!["bash".into(), "-lc".into(), "cargo test -p parser".into()],
        vec![ParsedCommand::Unknown {
            cmd: "cargo test -p parser".into(),
        }],
    );
    let output: String = (1..=12)
        .map(|i| format!("test case_{i} ... ok\n"))
        .collect();
    ok.finish(0, Duration::from_millis(1234), &output);
    both_widths("exec_success", &HistoryCell::Exec(ok));

    let mut failed = ExecCell::new(
        "c2".into(),
        vec![
            "bash".into(),
            "-lc".into(),
            "false\necho second line".into(),
        ],
        Vec::new(),
    );
    failed.finish(
        1,
        Duration::from_secs(75),
        "\x1b[31merror\x1b[0m: it broke\n",
    );
    both_widths("exec_failure", &HistoryCell::Exec(failed));

    let mut explored = ExecCell::new(
        "c3".into(),
        vec![
            "bash".into(),
            "-lc".into(),
            "cat src/main.rs && rg parse src".into(),
        ],
        vec![
            ParsedCommand::Read {
                cmd: "cat src/main.rs".into(),
                name: "src/main.rs".into(),
            },
            ParsedCommand::Search {
                cmd: "rg parse src".into(),
                query: Some("parse".into()),
                path: Some("src".into()),
            },
        ],
    );
    explored.finish(0, Duration::from_millis(30), "lots of output\n");
    both_widths("exec_exploration", &HistoryCell::Exec(explored));

    let mut quiet = ExecCell::new("c4".into(), vec!["true".into()], Vec::new());
    quiet.finish(0, Duration::from_millis(5), "");
    both_widths("exec_no_output", &HistoryCell::Exec(quiet));
}

#[test]
fn running_command_shows_its_newest_output() {
    let mut running = ExecCell::new("c1".into(), vec!["npm".into(), "test".into()], Vec::new());
    running.push_output("one\ntwo\nthree\nfour\npart");
    assert_snapshot!(
        "exec_running_80",
        lines_text(&running.live_lines(80, "⠋ ", Duration::from_secs(3)))
    );
}

fn patch_changes() -> HashMap<PathBuf, FileChange> {
    let mut changes = HashMap::new();
    changes.insert(
        PathBuf::from("/repo/src/lib.rs"),
        FileChange::Update {
            unified_diff: "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,3 +1,4 @@\n use std::io;\n-fn old() {}\n+fn new() {}\n+fn added() {}\n // end\n".into(),
            move_path: None,
        },
    );
    changes.insert(
        PathBuf::from("/repo/NOTES.md"),
        FileChange::Add {
            content: "# Notes\nfirst\n".into(),
        },
    );
    changes
}

#[test]
fn patches() {
    let files = summarize_changes(&patch_changes(), std::path::Path::new("/repo"));
    both_widths(
        "patch_two_files",
        &HistoryCell::Patch(PatchCell {
            files: files.clone(),
            failure: None,
        }),
    );
    let one: Vec<FileSummary> = files
        .into_iter()
        .filter(|f| f.path == "src/lib.rs")
        .collect();
    both_widths(
        "patch_failed",
        &HistoryCell::Patch(PatchCell {
            files: one,
            failure: Some("src/lib.rs: the context `fn old() {}` was not found".into()),
        }),
    );
}

#[test]
fn plan_update() {
    both_widths(
        "plan",
        &HistoryCell::Plan(UpdatePlanArgs {
            explanation: Some("Starting with the parser".into()),
            plan: vec![
                PlanItemArg {
                    step: "Read the parser".into(),
                    status: StepStatus::Completed,
                },
                PlanItemArg {
                    step: "Fix the off-by-one error in the tokenizer".into(),
                    status: StepStatus::InProgress,
                },
                PlanItemArg {
                    step: "Run the tests".into(),
                    status: StepStatus::Pending,
                },
            ],
        }),
    );
}

#[test]
fn small_cells() {
    both_widths(
        "web_search",
        &HistoryCell::WebSearch {
            query: "ratatui inline viewport".into(),
        },
    );
    both_widths(
        "view_image",
        &HistoryCell::ViewImage {
            path: PathBuf::from("/repo/shot.png"),
        },
    );
    both_widths(
        "decision_approved",
        &HistoryCell::Decision {
            approved: true,
            summary: "You approved Codex to run `rm -rf build` for this session".into(),
        },
    );
    both_widths(
        "decision_denied",
        &HistoryCell::Decision {
            approved: false,
            summary: "You did not approve Codex to run `curl example.com`".into(),
        },
    );
    both_widths(
        "error",
        &HistoryCell::Error(format!("stream failed: {}", long_text())),
    );
    both_widths(
        "warning",
        &HistoryCell::Warning("config.toml:3:1: unknown key `modle`".into()),
    );
    both_widths("info", &HistoryCell::Info("Context compacted".into()));
    both_widths("interrupted", &HistoryCell::Interrupted);
}

#[test]
fn mcp_calls() {
    both_widths(
        "mcp_call_done",
        &HistoryCell::McpCall {
            server: "everything".into(),
            tool: "echo".into(),
            arguments: r#"{"message":"hi"}"#.into(),
            output: "Echo: hi".into(),
            failed: false,
            duration: Duration::from_millis(120),
        },
    );
    both_widths(
        "mcp_call_failed",
        &HistoryCell::McpCall {
            server: "py".into(),
            tool: "crash".into(),
            arguments: "{}".into(),
            output: "the MCP server `py` exited during the call; it is restarted on the next call"
                .into(),
            failed: true,
            duration: Duration::from_secs(2),
        },
    );
}
