//! Round trips against JSON in the shapes the reference writes (see
//! `shared/reference-codex.md`): what we read from the API and from the
//! reference's files must parse, and what we write must have the same shape.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use codex_protocol::models::{
    ContentItem, FunctionCallOutputPayload, LocalShellAction, LocalShellStatus, ResponseInputItem,
    ResponseItem,
};
use codex_protocol::protocol::{
    AskForApproval, Event, EventMsg, Op, ReviewDecision, SandboxPolicy, Submission, TokenUsage,
};
use codex_protocol::rollout::{RolloutItem, RolloutLine, SessionSource};
use codex_protocol::user_input::UserInput;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

/// Parses `sample`, serializes it again and checks the result equals `expected`.
fn round_trip<T>(sample: Value, expected: Value) -> T
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let parsed: T = serde_json::from_value(sample).expect("sample parses");
    assert_eq!(serde_json::to_value(&parsed).unwrap(), expected);
    parsed
}

#[test]
fn message_items_drop_ids_when_written() {
    let item: ResponseItem = round_trip(
        json!({"type": "message", "id": "msg_1", "role": "assistant",
               "content": [{"type": "output_text", "text": "Done.", "annotations": []}]}),
        json!({"type": "message", "role": "assistant",
               "content": [{"type": "output_text", "text": "Done."}]}),
    );
    assert_eq!(item, ResponseItem::assistant_text("Done.").with_id("msg_1"));

    round_trip::<ResponseItem>(
        json!({"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "look"},
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]}),
        json!({"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "look"},
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]}),
    );
}

trait WithId {
    fn with_id(self, id: &str) -> Self;
}

impl WithId for ResponseItem {
    fn with_id(self, new_id: &str) -> Self {
        match self {
            ResponseItem::Message { role, content, .. } => ResponseItem::Message {
                id: Some(new_id.to_string()),
                role,
                content,
            },
            other => other,
        }
    }
}

#[test]
fn reasoning_items() {
    round_trip::<ResponseItem>(
        json!({"type": "reasoning", "id": "rs_1",
               "summary": [{"type": "summary_text", "text": "**Plan**"}],
               "content": [{"type": "reasoning_text", "text": "raw"}],
               "encrypted_content": "gAAA"}),
        json!({"type": "reasoning",
               "summary": [{"type": "summary_text", "text": "**Plan**"}],
               "content": [{"type": "reasoning_text", "text": "raw"}],
               "encrypted_content": "gAAA"}),
    );
    round_trip::<ResponseItem>(
        json!({"type": "reasoning", "summary": []}),
        json!({"type": "reasoning", "summary": [], "encrypted_content": null}),
    );
}

#[test]
fn tool_calls_and_outputs() {
    let call: ResponseItem = round_trip(
        json!({"type": "function_call", "id": "fc_1", "name": "shell",
               "arguments": "{\"command\":[\"ls\"]}", "call_id": "call_1"}),
        json!({"type": "function_call", "name": "shell",
               "arguments": "{\"command\":[\"ls\"]}", "call_id": "call_1"}),
    );
    assert_eq!(call.call_id(), Some("call_1"));

    let output: ResponseItem = round_trip(
        json!({"type": "function_call_output", "call_id": "call_1", "output": "ok"}),
        json!({"type": "function_call_output", "call_id": "call_1", "output": "ok"}),
    );
    assert_eq!(
        output,
        ResponseItem::FunctionCallOutput {
            call_id: "call_1".into(),
            output: FunctionCallOutputPayload {
                content: "ok".into(),
                success: None,
                content_items: None,
            }
        }
    );
    // Content parts (images from an MCP tool, newer writers) are kept as
    // parts; their text is the content.
    let parts: ResponseItem = round_trip(
        json!({"type": "function_call_output", "call_id": "c",
               "output": [{"type": "input_text", "text": "a"}, {"type": "input_image", "image_url": "data:image/png;base64,AA"}]}),
        json!({"type": "function_call_output", "call_id": "c",
               "output": [{"type": "input_text", "text": "a"}, {"type": "input_image", "image_url": "data:image/png;base64,AA"}]}),
    );
    let ResponseItem::FunctionCallOutput { output, .. } = parts else {
        panic!()
    };
    assert_eq!(output.content, "a");

    round_trip::<ResponseItem>(
        json!({"type": "custom_tool_call", "id": "ctc_1", "status": "completed",
               "call_id": "call_2", "name": "apply_patch",
               "input": "*** Begin Patch\n*** End Patch"}),
        json!({"type": "custom_tool_call", "status": "completed",
               "call_id": "call_2", "name": "apply_patch",
               "input": "*** Begin Patch\n*** End Patch"}),
    );
    round_trip::<ResponseItem>(
        json!({"type": "custom_tool_call_output", "call_id": "call_2", "output": "Success."}),
        json!({"type": "custom_tool_call_output", "call_id": "call_2", "output": "Success."}),
    );

    let shell: ResponseItem = round_trip(
        json!({"type": "local_shell_call", "id": "lsc_1", "call_id": "call_3",
               "status": "completed",
               "action": {"type": "exec", "command": ["ls", "-l"], "timeout_ms": 1000,
                          "working_directory": "/tmp", "env": null, "user": null}}),
        json!({"type": "local_shell_call", "call_id": "call_3", "status": "completed",
               "action": {"type": "exec", "command": ["ls", "-l"], "timeout_ms": 1000,
                          "working_directory": "/tmp", "env": null, "user": null}}),
    );
    let ResponseItem::LocalShellCall { status, action, .. } = shell else {
        panic!("not a local shell call")
    };
    assert_eq!(status, LocalShellStatus::Completed);
    let LocalShellAction::Exec(exec) = action;
    assert_eq!(exec.command, vec!["ls", "-l"]);
}

#[test]
fn unknown_item_types_read_as_other() {
    let item: ResponseItem =
        serde_json::from_value(json!({"type": "ghost_snapshot", "ghost_commit": {}})).unwrap();
    assert_eq!(item, ResponseItem::Other);
}

#[test]
fn response_input_items_become_response_items() {
    let input = ResponseInputItem::from_user_input(&[
        UserInput::Text { text: "hi".into() },
        UserInput::Image {
            image_url: "data:x".into(),
        },
    ]);
    assert_eq!(
        serde_json::to_value(ResponseItem::from(input)).unwrap(),
        json!({"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "hi"},
            {"type": "input_image", "image_url": "data:x"}]})
    );
    let out = ResponseItem::from(ResponseInputItem::CustomToolCallOutput {
        call_id: "c".into(),
        output: "done".into(),
    });
    assert_eq!(
        serde_json::to_value(out).unwrap(),
        json!({"type": "custom_tool_call_output", "call_id": "c", "output": "done"})
    );
    assert_eq!(
        ContentItem::OutputText { text: "x".into() }.text(),
        Some("x")
    );
}

#[test]
fn submissions() {
    let sub: Submission = round_trip(
        json!({"id": "1", "op": {"type": "user_turn",
            "items": [{"type": "text", "text": "fix it"}],
            "cwd": "/repo", "approval_policy": "on-request",
            "sandbox_policy": {"type": "workspace-write", "writable_roots": [],
                "network_access": false, "exclude_tmpdir_env_var": false, "exclude_slash_tmp": false},
            "model": "gpt-5.1-codex", "effort": "high", "summary": "auto"}}),
        json!({"id": "1", "op": {"type": "user_turn",
            "items": [{"type": "text", "text": "fix it"}],
            "cwd": "/repo", "approval_policy": "on-request",
            "sandbox_policy": {"type": "workspace-write", "writable_roots": [],
                "network_access": false, "exclude_tmpdir_env_var": false, "exclude_slash_tmp": false},
            "model": "gpt-5.1-codex", "effort": "high", "summary": "auto"}}),
    );
    assert!(matches!(
        sub.op,
        Op::UserTurn {
            approval_policy: AskForApproval::OnRequest,
            ..
        }
    ));

    for (sample, op) in [
        (json!({"type": "interrupt"}), Op::Interrupt),
        (json!({"type": "compact"}), Op::Compact),
        (json!({"type": "shutdown"}), Op::Shutdown),
        (
            json!({"type": "exec_approval", "id": "call_1", "decision": "approved_for_session"}),
            Op::ExecApproval {
                id: "call_1".into(),
                decision: ReviewDecision::ApprovedForSession,
            },
        ),
        (
            json!({"type": "patch_approval", "id": "call_2", "decision": "abort"}),
            Op::PatchApproval {
                id: "call_2".into(),
                decision: ReviewDecision::Abort,
            },
        ),
        (
            json!({"type": "add_to_history", "text": "hello"}),
            Op::AddToHistory {
                text: "hello".into(),
            },
        ),
        (
            json!({"type": "get_history_entry_request", "offset": 3, "log_id": 42}),
            Op::GetHistoryEntryRequest {
                offset: 3,
                log_id: 42,
            },
        ),
    ] {
        let parsed: Op = serde_json::from_value(sample.clone()).unwrap();
        assert_eq!(parsed, op);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), sample);
    }
}

#[test]
fn events() {
    let ev: Event = round_trip(
        json!({"id": "0", "msg": {"type": "token_count",
            "info": {"total_token_usage": {"input_tokens": 30, "cached_input_tokens": 2,
                "output_tokens": 8, "reasoning_output_tokens": 1, "total_tokens": 38},
              "last_token_usage": {"input_tokens": 20, "cached_input_tokens": 0,
                "output_tokens": 3, "reasoning_output_tokens": 0, "total_tokens": 23},
              "model_context_window": 258400},
            "rate_limits": null}}),
        json!({"id": "0", "msg": {"type": "token_count",
            "info": {"total_token_usage": {"input_tokens": 30, "cached_input_tokens": 2,
                "output_tokens": 8, "reasoning_output_tokens": 1, "total_tokens": 38},
              "last_token_usage": {"input_tokens": 20, "cached_input_tokens": 0,
                "output_tokens": 3, "reasoning_output_tokens": 0, "total_tokens": 23},
              "model_context_window": 258400},
            "rate_limits": null}}),
    );
    let EventMsg::TokenCount(tc) = ev.msg else {
        panic!("not token_count")
    };
    assert_eq!(
        tc.info.unwrap().last_token_usage,
        TokenUsage {
            input_tokens: 20,
            cached_input_tokens: 0,
            output_tokens: 3,
            reasoning_output_tokens: 0,
            total_tokens: 23
        }
    );

    // Older files have no turn id; it is always written (the reference
    // needs it).
    round_trip::<EventMsg>(
        json!({"type": "task_complete", "last_agent_message": "Done."}),
        json!({"type": "task_complete", "turn_id": "", "last_agent_message": "Done."}),
    );
    round_trip::<EventMsg>(
        json!({"type": "task_started", "turn_id": "3", "model_context_window": 9}),
        json!({"type": "task_started", "turn_id": "3", "model_context_window": 9}),
    );
    // The newer name is accepted.
    let msg: EventMsg =
        serde_json::from_value(json!({"type": "turn_started", "model_context_window": 1})).unwrap();
    assert!(matches!(msg, EventMsg::TaskStarted(_)));
    round_trip::<EventMsg>(
        json!({"type": "exec_command_end", "call_id": "c", "stdout": "hi\n", "stderr": "",
               "aggregated_output": "hi\n", "exit_code": 0,
               "duration": {"secs": 0, "nanos": 5000000}, "formatted_output": "hi\n"}),
        json!({"type": "exec_command_end", "call_id": "c", "stdout": "hi\n", "stderr": "",
               "aggregated_output": "hi\n", "exit_code": 0,
               "duration": {"secs": 0, "nanos": 5000000}, "formatted_output": "hi\n"}),
    );
    round_trip::<EventMsg>(
        json!({"type": "apply_patch_approval_request", "call_id": "c",
               "changes": {"/r/a.txt": {"type": "add", "content": "x\n"}}}),
        json!({"type": "apply_patch_approval_request", "call_id": "c",
               "changes": {"/r/a.txt": {"type": "add", "content": "x\n"}}}),
    );
    round_trip::<EventMsg>(
        json!({"type": "turn_aborted", "reason": "interrupted"}),
        json!({"type": "turn_aborted", "reason": "interrupted"}),
    );
    round_trip::<EventMsg>(
        json!({"type": "shutdown_complete"}),
        json!({"type": "shutdown_complete"}),
    );
    round_trip::<EventMsg>(
        json!({"type": "plan_update", "plan": [{"step": "a", "status": "in_progress"}]}),
        json!({"type": "plan_update", "plan": [{"step": "a", "status": "in_progress"}]}),
    );
    round_trip::<EventMsg>(
        json!({"type": "item_completed", "thread_id": "01a1fe8c-3d54-7721-a275-453c088d7dd7",
               "turn_id": "1", "item": {"type": "AgentMessage", "id": "msg_1",
               "content": [{"type": "Text", "text": "Done."}]}}),
        json!({"type": "item_completed", "thread_id": "01a1fe8c-3d54-7721-a275-453c088d7dd7",
               "turn_id": "1", "item": {"type": "AgentMessage", "id": "msg_1",
               "content": [{"type": "Text", "text": "Done."}]},
               "started_at_ms": 0, "completed_at_ms": 0}),
    );
    // The reference 0.169's recorded patch item, and an update.
    let patch_item = json!({"type": "item_completed",
        "thread_id": "01a1fe8c-3d54-7721-a275-453c088d7dd7", "turn_id": "1",
        "item": {"type": "FileChange", "id": "c2",
            "changes": {"/ws/notes.txt": {"type": "update",
                "unified_diff": "@@ -1 +1 @@\n-beta\n+gamma\n", "move_path": null}},
            "status": "completed", "stdout": "Success.\n", "stderr": ""},
        "started_at_ms": 1796155323097_i64, "completed_at_ms": 1796155323173_i64});
    round_trip::<EventMsg>(patch_item.clone(), patch_item);
    let delta = json!({"type": "item_updated", "thread_id": "01a1fe8c-3d54-7721-a275-453c088d7dd7",
        "turn_id": "1", "item_id": "c1",
        "update": {"type": "command_output_delta", "stream": "stdout", "chunk": "a"}});
    round_trip::<EventMsg>(delta.clone(), delta);
}

#[test]
fn rollout_lines() {
    let line: RolloutLine = round_trip(
        json!({"timestamp": "2025-10-29T10:00:00.000Z", "type": "session_meta", "payload": {
            "id": "01a1fe8c-3d54-7721-a275-453c088d7dd7", "timestamp": "2025-10-29T10:00:00.000Z",
            "cwd": "/repo", "originator": "codex_exec", "cli_version": "0.50.0",
            "instructions": null, "source": "exec", "model_provider": "openai",
            "git": {"commit_hash": "abc", "branch": "main"}}}),
        json!({"timestamp": "2025-10-29T10:00:00.000Z", "type": "session_meta", "payload": {
            "id": "01a1fe8c-3d54-7721-a275-453c088d7dd7", "timestamp": "2025-10-29T10:00:00.000Z",
            "cwd": "/repo", "originator": "codex_exec", "cli_version": "0.50.0",
            "instructions": null, "source": "exec", "model_provider": "openai",
            "git": {"commit_hash": "abc", "branch": "main"}}}),
    );
    let RolloutItem::SessionMeta(meta) = line.item else {
        panic!("not session_meta")
    };
    assert_eq!(meta.meta.source, SessionSource::Exec);

    // The reference writes extra fields and object-valued sources; both are tolerated.
    let line: RolloutLine = serde_json::from_value(json!({
        "timestamp": "2026-11-21T14:39:26.081Z", "ordinal": 0, "type": "session_meta",
        "payload": {"session_id": "01a1fe8c-3d54-7721-a275-453c088d7dd7",
            "id": "01a1fe8c-3d54-7721-a275-453c088d7dd7", "timestamp": "2026-11-21T14:39:26.044Z",
            "cwd": "/w", "originator": "codex_exec", "cli_version": "0.169.0",
            "source": {"subagent": "review"}, "model_provider": "mock",
            "base_instructions": {"text": "..."}}}))
    .unwrap();
    let RolloutItem::SessionMeta(meta) = line.item else {
        panic!("not session_meta")
    };
    assert_eq!(meta.meta.source, SessionSource::Unknown);

    round_trip::<RolloutLine>(
        json!({"timestamp": "t", "type": "turn_context", "payload": {"cwd": "/repo",
            "approval_policy": "never", "sandbox_policy": {"type": "read-only"},
            "model": "gpt-5.1-codex", "effort": "medium", "summary": "auto"}}),
        json!({"timestamp": "t", "type": "turn_context", "payload": {"cwd": "/repo",
            "approval_policy": "never", "sandbox_policy": {"type": "read-only"},
            "model": "gpt-5.1-codex", "effort": "medium", "summary": "auto"}}),
    );
    round_trip::<RolloutLine>(
        json!({"timestamp": "t", "type": "compacted", "payload": {"message": "summary"}}),
        json!({"timestamp": "t", "type": "compacted", "payload": {"message": "summary"}}),
    );
    round_trip::<RolloutLine>(
        json!({"timestamp": "t", "type": "event_msg",
               "payload": {"type": "user_message", "message": "hi"}}),
        json!({"timestamp": "t", "type": "event_msg",
               "payload": {"type": "user_message", "message": "hi"}}),
    );
    round_trip::<RolloutLine>(
        json!({"timestamp": "t", "type": "response_item",
               "payload": {"type": "message", "role": "user",
                           "content": [{"type": "input_text", "text": "hi"}]}}),
        json!({"timestamp": "t", "type": "response_item",
               "payload": {"type": "message", "role": "user",
                           "content": [{"type": "input_text", "text": "hi"}]}}),
    );
    let _ = SandboxPolicy::default();
}

#[test]
fn a_sub_agents_session_meta_is_the_references() {
    // The fields the reference 0.169 wrote for a spawned agent.
    let sample = json!({"session_id": "01a24bc6-5561-78c0-b5f5-a43a173788c5",
        "id": "01a24bc6-5664-7182-a327-c8ffa035da7b",
        "parent_thread_id": "01a24bc6-5561-78c0-b5f5-a43a173788c5",
        "timestamp": "2026-12-06T14:33:39.187Z", "cwd": "/ws", "originator": "codex_exec",
        "cli_version": "0.169.0",
        "source": {"subagent": {"thread_spawn": {"parent_thread_id": "01a24bc6-5561-78c0-b5f5-a43a173788c5",
            "depth": 1, "agent_path": null, "agent_nickname": "Hegel", "agent_role": null}}},
        "thread_source": "subagent", "agent_nickname": "Hegel", "model_provider": "mock"});
    let meta: codex_protocol::rollout::SessionMeta =
        serde_json::from_value(sample.clone()).unwrap();
    let SessionSource::SubAgent(source) = &meta.source else {
        panic!("not a sub-agent: {:?}", meta.source)
    };
    assert_eq!(source.depth, 1);
    assert_eq!(source.agent_nickname.as_deref(), Some("Hegel"));
    assert_eq!(meta.parent_thread_id, Some(source.parent_thread_id));
    let written = serde_json::to_value(&meta).unwrap();
    for key in [
        "source",
        "parent_thread_id",
        "agent_nickname",
        "thread_source",
    ] {
        assert_eq!(written[key], sample[key], "{key}");
    }
}
